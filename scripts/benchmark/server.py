"""The site under test: a throwaway database, its data, and gunicorn with the production
config file, started once per page-cache configuration."""

import os
import re
import secrets
import shutil
import time
import urllib.parse

from scripts.harness import (
    HOST,
    Gunicorn,
    HarnessError,
    PostgresServer,
    django_call,
    django_env,
    forget_keys,
    free_port,
    is_postgres_url,
    log,
    make_workdir,
    manage,
)


class BenchDatabase:
    """A fresh database for the bench: `<name>_bench` on the DATABASE_URL server, or SQLite."""

    def __init__(self, workdir, keep=False):
        self.keep = keep
        source = os.environ.get("DATABASE_URL", "")
        self.postgres = is_postgres_url(source)
        if source and not self.postgres:
            scheme = urllib.parse.urlsplit(source).scheme
            log(f"DATABASE_URL is not PostgreSQL ({scheme}): benchmarking on SQLite instead.")
        self.created = False
        if self.postgres:
            self.server, developer_db = PostgresServer.from_url(source)
            developer_db = developer_db or "postgres"
            self.name = f"{developer_db}_bench"[:63]
            if self.name == developer_db:
                raise HarnessError("could not derive a benchmark database name different from DATABASE_URL's")
            parts = urllib.parse.urlsplit(source)  # the same URL (options included), another database
            self.url = urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(self.name)))
            self.vendor_label = f"PostgreSQL, database {self.name} (fresh; {developer_db} untouched)"
        else:
            self.name = str(workdir / "db.sqlite3")
            self.url = f"sqlite:///{self.name}"
            self.vendor_label = f"SQLite, {self.name} (throwaway)"

    def create(self):
        if self.postgres:
            self.server.create_database(self.name, replace=True)
            self.created = True

    def drop(self):
        if self.postgres and self.created and not self.keep:
            self.server.drop_database(self.name)


class BenchSite:
    """Everything one bench run serves from: a temporary directory (static, media, logs), the
    database, a port, and the gunicorn of the configuration being measured."""

    def __init__(self, args):
        self.args = args
        self.workdir = make_workdir("bench")
        self.database = BenchDatabase(self.workdir, keep=args.keep)
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.secret_key = secrets.token_urlsafe(48)
        # A key prefix of this run's own: a shared cache (Redis) never serves pages cached by
        # an earlier run, and this run's keys are found and removed at the end.
        self.cache_prefix = f"dei-bench-{secrets.token_hex(4)}"
        self.server = None
        self.load_seconds = 0.0

    def env(self, page_cache="on"):
        return django_env(
            "scripts.bench_settings",
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS=f"{HOST},localhost",
            DATABASE_URL=self.database.url,
            STATIC_ROOT=self.workdir / "static",
            MEDIA_ROOT=self.workdir / "media",
            WAGTAILADMIN_BASE_URL=self.url,
            PAGE_CACHE=page_cache,
            BENCH_CACHE_KEY_PREFIX=self.cache_prefix,
            # With local-memory caches the content generation is this file's mtime: one of the
            # bench's own, so no other site on the machine invalidates (or shares) its cache.
            PAGE_CACHE_STAMP_FILE=self.workdir / "cache-generation",
            # gunicorn (dei_portal/operations/gunicorn_conf.py): loopback only, N sync workers, no access
            # log; no recycling unless --recycle, so memory before and after is of the same workers.
            GUNICORN_BIND=f"{HOST}:{self.port}",
            WEB_CONCURRENCY=self.args.workers,
            GUNICORN_THREADS="1",
            GUNICORN_ACCESS_LOG="off",
            GUNICORN_LOG_LEVEL="warning",
            GUNICORN_MAX_REQUESTS=os.environ.get("GUNICORN_MAX_REQUESTS", "1000") if self.args.recycle else "0",
            GUNICORN_CONTROL_SOCKET=self.workdir / "gunicorn.ctl",
        )

    def manage(self, *args):
        return manage(self.env(), *args)

    def prepare(self):
        """Database, data, static files; then the URLs to measure (discover.py, inside Django)."""
        args = self.args
        self.database.create()
        log(f"Database: {self.database.vendor_label}")
        started = time.monotonic()
        self.manage("migrate", "--noinput")
        log(f"  migrated in {time.monotonic() - started:.0f} s")
        if args.scale:
            if "--scale" not in self.manage("load_demo_content", "--help"):
                raise HarnessError(
                    f"`manage.py load_demo_content` has no --scale option yet, so the data set of "
                    f"scale {args.scale} cannot be built.\nRun with BENCH_SCALE=0 (`make bench "
                    f"BENCH_SCALE=0`, or --scale 0) to benchmark the plain demo content."
                )
            load = ("load_demo_content", "--scale", str(args.scale))
        else:
            load = ("load_demo_content",)
        log(f"Loading data: manage.py {' '.join(load)} …")
        started = time.monotonic()
        self.manage(*load)
        self.load_seconds = time.monotonic() - started
        log(f"  loaded in {self.load_seconds:.0f} s")
        self.manage("collectstatic", "--noinput")
        return django_call(self.env(), "scripts.benchmark.discover:discover", self.port)

    def start(self, page_cache):
        """gunicorn with PAGE_CACHE=`page_cache`; returns once every worker runs and answers."""
        self.server = Gunicorn(
            "gunicorn",
            port=self.port,
            env=self.env(page_cache),
            log_path=self.workdir / f"gunicorn-cache-{page_cache}.log",
        )
        self.server.start_serving("/robots.txt", workers=self.args.workers, timeout=60)

    def log_text(self):
        return self.server.log_text() if self.server else ""

    def workers(self):
        return self.server.workers() if self.server else []

    def stop(self):
        if self.server:
            self.server.stop(timeout=35)

    def cleanup(self):
        self.stop()
        if os.environ.get("REDIS_URL"):
            try:
                forget_keys(os.environ["REDIS_URL"], self.cache_prefix)
            except Exception as error:  # best effort: the keys expire with the cache's timeout anyway
                log(f"Redis keys {self.cache_prefix}:* not removed ({error})")
        try:
            self.database.drop()
        finally:
            if self.args.keep:
                log(f"Kept: {self.workdir} (database {self.database.name})")
            else:
                shutil.rmtree(self.workdir, ignore_errors=True)


def summarize_log(text):
    """What the server logged, counted: "Internal Server Error: /search/ — SomeError: message"."""
    counts, request = {}, None
    for line in text.splitlines():
        if line.startswith(("Internal Server Error:", "Service Unavailable:", "Bad Request:")):
            request = line.strip()
        elif re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b", line):
            key = f"{request} — {line.strip()}" if request else line.strip()
            counts[key] = counts.get(key, 0) + 1
            request = None
        elif re.search(r"\[(CRITICAL|ERROR)\]", line):  # gunicorn's own: worker timeouts, boot errors
            key = re.sub(r"^\[[^]]*\] \[\d+\] ", "", line.strip())
            counts[key] = counts.get(key, 0) + 1
    return [{"count": n, "message": message[:300]} for message, n in counts.items()]
