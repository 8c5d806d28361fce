"""The site under test: a throwaway database, its data, and gunicorn with the production
config file, started once per page-cache configuration.

gunicorn runs as `make serve` runs it: the shipped dei_portal/operations/gunicorn_conf.py with its
defaults (preloading, recycling policy, workers …) and whatever GUNICORN_* the caller's
environment sets, as `make serve` would inherit them. The bench changes only what it must
(`gunicorn_overrides`), and the report prints each of those and the configuration that resulted.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.parse

from scripts.harness import (
    GUNICORN_CONF,
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


# What the report shows of the configuration gunicorn resolved (gunicorn's own setting names).
CONFIG_NAMES = (
    "workers",
    "worker_class",
    "threads",
    "preload_app",
    "max_requests",
    "max_requests_jitter",
    "max_worker_rss_mb",
    "timeout",
    "accesslog",
    "loglevel",
)
# The variables gunicorn_conf.py reads; any the caller's environment sets reach the bench's
# gunicorn as they would reach `make serve`'s, and the report names them.
SERVER_VARIABLES = ("WEB_CONCURRENCY", "PORT", "FORWARDED_ALLOW_IPS")


def gunicorn_overrides(port, control_socket, workers=None):
    """What the bench sets for gunicorn, and why: {variable: (value, reason)}. Nothing else of
    the shipped configuration changes (no recycling, preload or worker-class overrides)."""
    overrides = {
        "GUNICORN_BIND": (f"{HOST}:{port}", "a free loopback port of the run's own"),
        "GUNICORN_CONTROL_SOCKET": (str(control_socket), "a control socket of the run's own"),
        "GUNICORN_ACCESS_LOG": ("off", "`make serve`'s default too"),
    }
    if workers is not None:
        overrides["WEB_CONCURRENCY"] = (str(workers), "--workers")
    return overrides


# What else differs from `make serve`, not through gunicorn's environment.
OTHER_DEVIATIONS = (
    "Django settings scripts.bench_settings (production's, over plain HTTP, plus the X-Query-Count header)",
    "gunicorn's own log as text lines (as `make serve LOG_FORMAT=text`)",
)


def describe_overrides(overrides):
    """One line for the report: "GUNICORN_BIND=127.0.0.1:5000 (a free loopback port …); …"."""
    return "; ".join(f"{name}={value} ({reason})" for name, (value, reason) in overrides.items())


def inherited_server_environment(overrides, environ=None):
    """The GUNICORN_* (and WEB_CONCURRENCY …) values the caller's environment passes on to
    gunicorn, as it would to `make serve`, minus those the bench overrides."""
    environ = os.environ if environ is None else environ
    return {
        name: value
        for name, value in sorted(environ.items())
        if (name.startswith("GUNICORN_") or name in SERVER_VARIABLES) and name not in overrides
    }


def resolved_configuration(env):
    """The configuration gunicorn will run with `env`: the config file executed in a child
    process with that environment (as gunicorn executes it), {name: value} of CONFIG_NAMES."""
    code = (
        "import json, runpy, sys; g = runpy.run_path(sys.argv[1]);"
        f"print(json.dumps({{n: g.get(n) for n in {CONFIG_NAMES!r}}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(GUNICORN_CONF)], env=env, capture_output=True, text=True, timeout=60
    )
    if done.returncode != 0:
        raise HarnessError(f"{GUNICORN_CONF} refused this environment:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


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
        self.overrides = gunicorn_overrides(self.port, self.workdir / "gunicorn.ctl", workers=args.workers)
        self.inherited = inherited_server_environment(self.overrides)
        self.gunicorn = None  # the configuration gunicorn resolves (prepare)

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
            # gunicorn (dei_portal/operations/gunicorn_conf.py) as shipped, but for these.
            **{name: value for name, (value, _) in self.overrides.items()},
        )

    def manage(self, *args):
        return manage(self.env(), *args)

    def server_facts(self):
        """How gunicorn ran, for the report and the JSON: the resolved configuration, the bench's
        overrides, what the caller's environment passed on, the other deviations."""
        return {
            "configuration": self.gunicorn,
            "bench_overrides": {name: {"value": value, "why": why} for name, (value, why) in self.overrides.items()},
            "inherited_environment": self.inherited,
            "other_deviations": list(OTHER_DEVIATIONS),
        }

    def prepare(self):
        """Database, data, static files; then the URLs to measure (discover.py, inside Django)."""
        args = self.args
        self.gunicorn = resolved_configuration(self.env())
        # The rest of the bench (warm-up rounds, draining) needs the number of workers.
        args.workers = self.gunicorn["workers"]
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
