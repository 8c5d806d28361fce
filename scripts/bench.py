"""`make bench`: serve the site as production does, fill it with a large data set, load every
page type with wrk and print what it sustains, with the page cache off and then on.

    python scripts/bench.py [--scale N] [--seconds S] [--quick] [--long S] [--strict] ...

What it does (docs/performance.md explains how to read the result):

1. A throwaway database: when DATABASE_URL names PostgreSQL, a fresh database `<name>_bench`
   on that server (dropped and created again; the developer's own database is never
   touched), else a SQLite file in a temporary directory. Media and collected static files
   live in that directory too; all of it is removed at the end (unless --keep).
2. `manage.py migrate`, `manage.py load_demo_content --scale N` (N offices, N/5
   organizations, N/10 statements, 10N announcements; --scale 0 loads the plain demo
   content), `collectstatic`.
3. The URLs to measure come from the database (a page of each type, the middle page of the
   announcements listing, its busiest category), plus the fingerprinted stylesheet named in
   the home page's HTML as the static-file baseline.
4. For each configuration (PAGE_CACHE=off, then PAGE_CACHE=on): gunicorn with
   dei_portal/gunicorn_conf.py (2 sync workers, DEBUG off, settings scripts/bench_settings.py,
   127.0.0.1 only), a check that every URL answers 200, a warm-up, one request per URL for
   its SQL query count (the X-Query-Count header from scripts/bench_middleware.py) and size,
   then wrk on each URL for a few seconds (scripts/bench_wrk.lua), the static file first and
   last, each time waiting until the workers have served every request still queued.
   Worker memory (VmRSS) is read at start, after the warm-up and after the load; --long S
   adds S seconds of wrk on a mix of URLs (scripts/bench_wrk_mix.lua), sampling memory.
5. A table per configuration, PASS/FAIL per target, and the whole result as JSON.

Targets: cache off, the home page sustains ≥ 10% of the static file's requests/s; cache on,
every page type ≥ 50%; cache off, listings, feeds and search have p95 ≤ 100 ms; worker memory
grows by no more than 10 MB from the warm-up to the end. The exit status is 0 unless the
benchmark itself could not run, or --strict is given and a target failed.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_site import HOST, ROOT, free_port  # noqa: E402

SCRIPTS = ROOT / "scripts"
GUNICORN_CONF = ROOT / "dei_portal" / "gunicorn_conf.py"
ACCEPT_ENCODING = "gzip, deflate, br"  # what a browser sends: WhiteNoise serves its compressed copy

TARGET_HOME_CACHE_OFF = 0.10  # of the static file's requests/s
TARGET_EVERY_PAGE_CACHE_ON = 0.50
TARGET_P95_MS = 100.0
TARGET_MEMORY_GROWTH_MB = 10.0
BASELINE_DRIFT_WARNING = 0.25  # first vs last static measurement

# (key, label, group). Groups decide the targets: "listing", "feed" and "search" have the
# p95 target with the cache off; every group but "static" has the ratio target with it on.
PAGE_TYPES = [
    ("home", "home", "page"),
    ("office", "office", "page"),
    ("organization", "organization", "page"),
    ("statement", "statement", "page"),
    ("announcement", "announcement", "page"),
    ("standard", "standard page", "page"),
    ("offices", "offices listing", "listing"),
    ("organizations", "organizations listing", "listing"),
    ("statements", "statements listing", "listing"),
    ("announcements", "announcements p1", "listing"),
    ("announcements_deep", "announcements deep", "listing"),
    ("announcements_category", "category filter", "listing"),
    ("search", "search", "search"),
    ("rss", "RSS feed", "feed"),
    ("atom", "Atom feed", "feed"),
    ("ics", "iCalendar", "feed"),
    ("sitemap", "sitemap", "other"),
    # Not a target: robots.txt is a plain Django template view that runs no SQL, through the
    # same middleware. It is the most a dynamic response can do on this server, which puts
    # the other rows (and the cache-off targets) in proportion.
    ("floor", "Django view, no SQL", "reference"),
]
LABELS = {key: label for key, label, _ in PAGE_TYPES} | {"static": "static file (baseline)"}
GROUPS = {key: group for key, _, group in PAGE_TYPES} | {"static": "static"}


def log(message=""):
    print(message, flush=True)


def fail(message):
    print(f"\nbench: {message}", file=sys.stderr, flush=True)
    sys.exit(2)


# --- the machine -------------------------------------------------------------------------


def ensure_wrk():
    """Debian's wrk, installed when missing and we are root (as ensure-chromium.sh does)."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("Installing Debian's wrk (the load generator) …")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            stdout=subprocess.DEVNULL,
        )
        if shutil.which("wrk"):
            return shutil.which("wrk")
    fail("the benchmark needs wrk: sudo apt-get install wrk")


def machine_facts():
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model,
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": wrk_version[0].strip() if wrk_version else "",
    }


def rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def children(pid):
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:  # kernels without CONFIG_PROC_CHILDREN: scan for the parent id
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
        return sorted(found)


# --- the throwaway database ----------------------------------------------------------------


class BenchDatabase:
    """A fresh database for the bench: `<name>_bench` on the DATABASE_URL server, or SQLite."""

    def __init__(self, workdir, keep=False):
        self.keep = keep
        source = os.environ.get("DATABASE_URL", "")
        scheme = urllib.parse.urlsplit(source).scheme if source else ""
        self.postgres = scheme in ("postgres", "postgresql", "pgsql", "postgis")
        if source and not self.postgres:
            log(f"DATABASE_URL is not PostgreSQL ({scheme}): benchmarking on SQLite instead.")
        if self.postgres:
            parts = urllib.parse.urlsplit(source)
            developer_db = urllib.parse.unquote(parts.path.lstrip("/")) or "postgres"
            self.name = f"{developer_db}_bench"[:63]
            if self.name == developer_db:
                fail("could not derive a benchmark database name different from DATABASE_URL's")
            self.url = urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(self.name)))
            self.vendor_label = f"PostgreSQL, database {self.name} (fresh; {developer_db} untouched)"
            self.created = False
        else:
            self.name = str(workdir / "db.sqlite3")
            self.url = f"sqlite:///{self.name}"
            self.vendor_label = f"SQLite, {self.name} (throwaway)"

    def _admin_connection(self):
        import dj_database_url
        import psycopg2

        config = dj_database_url.parse(self.url)
        last_error = None
        for maintenance_db in ("postgres", "template1"):
            try:
                connection = psycopg2.connect(
                    dbname=maintenance_db,
                    user=config.get("USER") or None,
                    password=config.get("PASSWORD") or None,
                    host=config.get("HOST") or None,
                    port=config.get("PORT") or None,
                )
                connection.autocommit = True
                return connection
            except psycopg2.OperationalError as error:
                last_error = error
        fail(f"cannot connect to the PostgreSQL server of DATABASE_URL: {last_error}")

    def create(self):
        if not self.postgres:
            return
        from psycopg2 import sql

        connection = self._admin_connection()
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        connection.close()
        self.created = True

    def drop(self):
        if not self.postgres or not self.created or self.keep:
            return
        from psycopg2 import sql

        connection = self._admin_connection()
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))
        connection.close()


# --- the site ----------------------------------------------------------------------------


class BenchSite:
    def __init__(self, args):
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="dei-portal-bench-"))
        self.database = BenchDatabase(self.workdir, keep=args.keep)
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.secret_key = secrets.token_urlsafe(48)
        # A key prefix of this run's own: a shared cache (Redis) never serves pages cached by
        # an earlier run, and this run's keys are found and removed at the end.
        self.cache_prefix = f"dei-bench-{secrets.token_hex(4)}"
        self.process = None
        self.log_path = None

    def env(self, page_cache="on"):
        env = dict(os.environ)
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update(
            DJANGO_SETTINGS_MODULE="scripts.bench_settings",
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS=f"{HOST},localhost",
            DATABASE_URL=self.database.url,
            STATIC_ROOT=str(self.workdir / "static"),
            MEDIA_ROOT=str(self.workdir / "media"),
            WAGTAILADMIN_BASE_URL=self.url,
            PAGE_CACHE=page_cache,
            BENCH_CACHE_KEY_PREFIX=self.cache_prefix,
            # With local-memory caches the content generation is this file's mtime: one of the
            # bench's own, so no other site on the machine invalidates (or shares) its cache.
            PAGE_CACHE_STAMP_FILE=str(self.workdir / "cache-generation"),
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            # gunicorn (dei_portal/gunicorn_conf.py): loopback only, N sync workers, no access
            # log; no recycling unless --recycle, so memory before and after is of the same workers.
            GUNICORN_BIND=f"{HOST}:{self.port}",
            WEB_CONCURRENCY=str(self.args.workers),
            GUNICORN_THREADS="1",
            GUNICORN_ACCESS_LOG="off",
            GUNICORN_LOG_LEVEL="warning",
            GUNICORN_MAX_REQUESTS=os.environ.get("GUNICORN_MAX_REQUESTS", "1000") if self.args.recycle else "0",
            GUNICORN_CONTROL_SOCKET=str(self.workdir / "gunicorn.ctl"),
        )
        return env

    def manage(self, *args, capture=False):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
            fail(f"`manage.py {' '.join(args)}` failed (exit status {result.returncode})")
        return result.stdout if capture else None

    def helper(self, command, page_cache="on"):
        """Run a function of this script inside Django, in a subprocess; returns its JSON."""
        result = subprocess.run(
            [sys.executable, __file__, command, "--port", str(self.port)],
            cwd=ROOT,
            env=self.env(page_cache),
            capture_output=True,
            text=True,
        )
        marker = "BENCH_HELPER_JSON "
        for line in result.stdout.splitlines():
            if line.startswith(marker):
                return json.loads(line[len(marker):])
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        fail(f"the `{command}` step failed (exit status {result.returncode})")

    def prepare(self):
        args = self.args
        self.database.create()
        log(f"Database: {self.database.vendor_label}")
        started = time.monotonic()
        self.manage("migrate", "--noinput")
        log(f"  migrated in {time.monotonic() - started:.0f} s")
        if args.scale:
            usage = self.manage("load_demo_content", "--help", capture=True)
            if "--scale" not in usage:
                fail(
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
        self.discovered = self.helper("_discover")
        return self.discovered

    def start(self, page_cache):
        self.log_path = self.workdir / f"gunicorn-cache-{page_cache}.log"
        with open(self.log_path, "wb") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "dei_portal.wsgi:application"],
                cwd=ROOT,
                env=self.env(page_cache),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as a whole
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.dump_log()
                fail(f"gunicorn exited with status {self.process.returncode}")
            workers = children(self.process.pid)
            if len(workers) >= self.args.workers:
                try:
                    status, _, _ = fetch(self.url, "/robots.txt", timeout=5)
                    if status == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.3)
        self.dump_log()
        fail("gunicorn did not answer within 60 seconds")

    def dump_log(self):
        if self.log_path and self.log_path.exists():
            sys.stderr.write(self.log_path.read_text(errors="replace")[-4000:])

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace") if self.log_path else ""
        except OSError:
            return ""

    def workers(self):
        return children(self.process.pid) if self.process else []

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=35)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def cleanup(self):
        self.stop()
        if os.environ.get("REDIS_URL"):
            subprocess.run(
                [sys.executable, __file__, "_forget_cache", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env(),
                capture_output=True,
            )
        try:
            self.database.drop()
        finally:
            if self.args.keep:
                log(f"Kept: {self.workdir} (database {self.database.name})")
            else:
                shutil.rmtree(self.workdir, ignore_errors=True)


# --- inside Django (run as `bench.py _discover` by BenchSite.helper) ------------------------


def helper_main(command, port):
    import django

    django.setup()
    if command == "_discover":
        result = discover(port)
    elif command == "_forget_cache":
        result = forget_cache()
    else:
        raise SystemExit(f"unknown helper {command}")
    print("BENCH_HELPER_JSON " + json.dumps(result), flush=True)


def discover(port):
    """Point the site at 127.0.0.1:port and pick the URLs to measure from the database."""
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import RequestFactory
    from django.urls import reverse
    from wagtail.models import Site

    from announcements.models import AnnouncementCategory, AnnouncementIndexPage, AnnouncementPage
    from dei_portal.models import HomePage, StandardPage, StatementIndexPage, StatementPage
    from offices.models import OfficeIndexPage, OfficePage, OrganizationIndexPage, OrganizationPage

    # Absolute URLs (canonical, feeds, sitemap) name the address the bench serves on.
    Site.objects.filter(is_default_site=True).update(hostname=HOST, port=port)
    site = Site.objects.get(is_default_site=True)

    def pages(model):
        return model.objects.live().public().order_by("path")

    def middle(model):
        """The middle page of its type in tree order: a typical one, at any scale."""
        queryset = pages(model)
        count = queryset.count()
        return (queryset[count // 2] if count else None), count

    def spread(model, limit):
        """Up to `limit` pages of a type, spread evenly over all of them (for the long run)."""
        queryset = pages(model)
        count = queryset.count()
        step = max(1, count // limit)
        return [page.relative_url(site) for page in queryset[::step][:limit]] if count else []

    urls, counts, notes = {}, {}, []
    home = HomePage.objects.live().first()
    urls["home"] = home.relative_url(site) if home else "/"
    for key, model in [
        ("office", OfficePage),
        ("organization", OrganizationPage),
        ("statement", StatementPage),
        ("announcement", AnnouncementPage),
        ("standard", StandardPage),
    ]:
        page, counts[key] = middle(model)
        if page is None:
            notes.append(f"no live {model._meta.verbose_name}: not measured")
        else:
            urls[key] = page.relative_url(site)
    for key, model in [
        ("offices", OfficeIndexPage),
        ("organizations", OrganizationIndexPage),
        ("statements", StatementIndexPage),
        ("announcements", AnnouncementIndexPage),
    ]:
        index = pages(model).first()
        if index is None:
            notes.append(f"no live {model._meta.verbose_name}: not measured")
        else:
            urls[key] = index.relative_url(site)

    listing_pages = 1
    if "announcements" in urls:
        index = pages(AnnouncementIndexPage).first().specific
        request = RequestFactory().get(urls["announcements"], SERVER_NAME=HOST, SERVER_PORT=str(port))
        try:
            from django.contrib.auth.models import AnonymousUser

            request.user = AnonymousUser()
            context = index.get_context(request)
            listing_pages = next(
                value.paginator.num_pages for value in context.values() if hasattr(value, "paginator")
            )
        except Exception as error:  # the listing changed shape: estimate from the count
            per_page = getattr(index, "per_page", 10) or 10
            listing_pages = max(1, -(-AnnouncementPage.objects.child_of(index).live().count() // per_page))
            notes.append(f"announcement pages estimated from the count ({error.__class__.__name__})")
        urls["announcements_deep"] = f"{urls['announcements']}?page={max(1, (listing_pages + 1) // 2)}"
        busiest = (
            AnnouncementPage.objects.live()
            .public()
            .exclude(category=None)
            .values("category__slug")
            .annotate(live_count=Count("pk"))
            .order_by("-live_count", "category__slug")
            .first()
        )
        if busiest is not None:
            urls["announcements_category"] = f"{urls['announcements']}?category={busiest['category__slug']}"
    urls["search"] = reverse("search") + "?query=office"
    urls["rss"] = reverse("announcements_rss")
    urls["atom"] = reverse("announcements_atom")
    urls["ics"] = reverse("announcements_ics")
    urls["sitemap"] = "/sitemap-pages.xml?p=2"  # a full sitemap page (500 URLs); /sitemap.xml is the index
    urls["floor"] = "/robots.txt"

    mix = [urls[key] for key, _, _ in PAGE_TYPES if key in urls]
    for model in (OfficePage, OrganizationPage, StatementPage, AnnouncementPage, StandardPage):
        mix += spread(model, 25)
    if "announcements" in urls:
        step = max(1, listing_pages // 25)
        mix += [f"{urls['announcements']}?page={number}" for number in range(1, listing_pages + 1, step)]
        mix += [f"{urls['announcements']}?category={c.slug}" for c in AnnouncementCategory.objects.all()]
    mix += [reverse("search") + f"?query={word}" for word in ("office", "students", "faculty", "heritage")]

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db_version = "PostgreSQL " + cursor.fetchone()[0]
    elif connection.vendor == "sqlite":
        import sqlite3

        db_version = "SQLite " + sqlite3.sqlite_version
    else:
        db_version = connection.vendor
    import django
    import gunicorn
    import wagtail

    return {
        "urls": urls,
        "mix": mix,
        "counts": counts | {"announcement_listing_pages": listing_pages},
        "notes": notes,
        "db_vendor": connection.vendor,
        "db_version": db_version,
        "db_conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
        "caches": {alias: config.get("BACKEND") for alias, config in settings.CACHES.items()},
        "cache_middleware": [entry for entry in settings.MIDDLEWARE if "cache" in entry.lower()],
        "cache_settings": {
            name: getattr(settings, name)
            for name in ("FRAGMENT_CACHE", "PAGE_CACHE_SECONDS", "CDN_MAX_AGE")
            if hasattr(settings, name)
        },
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "gunicorn": gunicorn.__version__,
    }


def forget_cache():
    """Remove this run's keys (BENCH_CACHE_KEY_PREFIX) from a shared Redis cache."""
    prefix = os.environ.get("BENCH_CACHE_KEY_PREFIX")
    removed = 0
    try:
        import redis

        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            removed += client.delete(key)
    except Exception as error:  # best effort: the keys expire with the cache's timeout anyway
        return {"removed": removed, "error": str(error)}
    return {"removed": removed}


# --- HTTP --------------------------------------------------------------------------------


def fetch(base_url, path, timeout=30):
    """GET without following redirects: (status, headers, body)."""
    parts = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": ACCEPT_ENCODING})
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def simultaneous(base_url, path, count):
    threads = [threading.Thread(target=fetch, args=(base_url, path)) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def drain(base_url, path, workers, limit=300):
    """Wait until every worker is idle again; the seconds that took.

    When wrk stops, connections it already sent are still queued at gunicorn and every one is
    served, slow pages too. A round of simultaneous requests to a cheap URL, one per worker,
    returns only after that queue is empty; repeat until such a round is quick.
    """
    started = time.monotonic()
    while time.monotonic() - started < limit:
        round_started = time.monotonic()
        threads = [threading.Thread(target=_quiet_fetch, args=(base_url, path, limit)) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if time.monotonic() - round_started < 0.5:
            break
    return time.monotonic() - started


def _quiet_fetch(base_url, path, timeout):
    try:
        fetch(base_url, path, timeout=timeout)
    except OSError:
        pass


def static_stylesheet(base_url, home_path):
    status, _, body = fetch(base_url, home_path)
    if status != 200:
        fail(f"the home page answered {status}")
    match = re.search(rb'href="(/static/[^"]*?site\.[0-9a-f]{6,}\.css)"', body)
    if not match:
        fail("no fingerprinted site.css (/static/…/site.<hash>.css) in the home page's HTML")
    return match.group(1).decode()


# --- wrk ---------------------------------------------------------------------------------


def run_wrk(url, seconds, args, script="bench_wrk.lua", script_args=()):
    command = [
        "wrk",
        "--threads", str(args.threads),
        "--connections", str(args.connections),
        "--duration", f"{seconds}s",
        "--timeout", "30s",  # gunicorn's own timeout: a slower response never comes
        "--header", f"Accept-Encoding: {ACCEPT_ENCODING}",
        "--script", str(SCRIPTS / script),
        url,
    ]
    if script_args:
        command += ["--", *script_args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    raise RuntimeError(f"wrk gave no result for {url}: {result.stdout[-800:]} {result.stderr[-800:]}")


# --- one configuration -------------------------------------------------------------------


def memory_snapshot(site):
    return {str(pid): rss_kib(pid) for pid in site.workers()}


def run_configuration(site, page_cache, urls, mix, args):
    log(f"\n=== PAGE_CACHE={page_cache}: starting gunicorn ({args.workers} sync workers) …")
    site.start(page_cache)
    result = {
        "page_cache": page_cache,
        "load_average_before": [round(value, 2) for value in os.getloadavg()],
        "memory_kib": {"start": memory_snapshot(site)},
        "rows": [],
    }
    try:
        if urls["static"] is None:  # the baseline: the fingerprinted stylesheet the home page links
            urls["static"] = static_stylesheet(site.url, urls["home"])
        # 1. Every URL answers 200 (no redirect, no error page) before any load.
        checked = {}
        for key, path in urls.items():
            status, headers, body = fetch(site.url, path)
            checked[key] = status
            if status != 200:
                log(f"  ! {LABELS[key]} {path}: status {status}, expected 200 — not loaded")
        # 2. Warm-up: rounds of one request per worker at once for each URL. A sync worker
        #    serves one request at a time, so simultaneous requests reach different workers:
        #    every worker renders (and, cache on, caches) every URL before it is measured.
        started = time.monotonic()
        for _ in range(args.warmup):
            for key, path in urls.items():
                if checked[key] == 200:
                    simultaneous(site.url, path, args.workers)
        log(f"  warmed up: {args.warmup} round(s) of {args.workers} simultaneous requests per URL "
            f"in {time.monotonic() - started:.1f} s")
        result["memory_kib"]["after_warmup"] = memory_snapshot(site)
        # 3. Per URL: one request for the query count and size, then wrk.
        for key in urls:
            path = urls[key]
            row = {"key": key, "label": LABELS[key], "group": GROUPS[key], "url": path, "status": checked[key]}
            result["rows"].append(row)
            if checked[key] != 200:
                row["error"] = f"status {checked[key]}, expected 200"
                continue
            solo_started = time.perf_counter()
            status, headers, body = fetch(site.url, path)
            row["solo_ms"] = round((time.perf_counter() - solo_started) * 1000, 1)  # alone: no queue
            row["queries"] = int(headers["x-query-count"]) if "x-query-count" in headers else None
            row["body_bytes"] = len(body)
            row["content_encoding"] = headers.get("content-encoding", "")
            row["content_type"] = headers.get("content-type", "")
            row["load_average_before"] = round(os.getloadavg()[0], 2)
            row["wrk"] = run_wrk(site.url + path, args.seconds, args)
            row["drain_s"] = round(drain(site.url, urls["static"], args.workers), 1)
            errors = sum(row["wrk"]["errors"].values())
            log(
                f"  {LABELS[key]:<24} {row['wrk']['requests_per_s']:>9.1f} req/s"
                f"  p95 {row['wrk']['latency_ms']['p95']:>7.1f} ms"
                + (f"  {errors} errors" if errors else "")
                + (f"  (queued requests kept the workers busy {row['drain_s']:.0f} s after the load)"
                   if row["drain_s"] >= 1 else "")
            )
        # The static file once more at the end: if the machine got busier or quieter during
        # the run (others at work), the two baselines differ and the report says so.
        if checked["static"] == 200:
            result["static_end"] = run_wrk(site.url + urls["static"], args.seconds, args)
            log(f"  {'static file (again)':<24} {result['static_end']['requests_per_s']:>9.1f} req/s")
        result["memory_kib"]["after_load"] = memory_snapshot(site)
        if args.long:
            result["long_run"] = long_run(site, mix + [urls["static"]], args)
            result["memory_kib"]["after_long_run"] = memory_snapshot(site)
    finally:
        site.stop()
        result["server_log"] = site.log_text()[-20000:]
        result["server_errors"] = summarize_log(site.log_text())
    first = next((r["wrk"]["requests_per_s"] for r in result["rows"] if r["key"] == "static" and "wrk" in r), 0)
    last = result.get("static_end", {}).get("requests_per_s") or first
    static_rate = (first + last) / 2  # the baseline: the mean of the first and last measurement
    result["static_requests_per_s"] = static_rate
    result["static_requests_per_s_first_last"] = [first, last]
    result["baseline_drift"] = abs(first - last) / max(first, last) if max(first, last) else 0.0
    for row in result["rows"]:
        if "wrk" in row and static_rate:
            row["ratio_to_static"] = row["wrk"]["requests_per_s"] / static_rate
    return result


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


def long_run(site, paths, args):
    """wrk on a mix of URLs for --long seconds, sampling worker memory as it goes."""
    mix_file = site.workdir / "mix.txt"
    mix_file.write_text("\n".join(paths) + "\n")
    samples = []
    interval = max(5.0, args.long / 12)
    log(f"  long run: {args.long} s on a mix of {len(paths)} URLs, memory every {interval:.0f} s …")
    outcome = {}

    def load():
        try:
            outcome["wrk"] = run_wrk(site.url + "/", args.long, args, "bench_wrk_mix.lua", [str(mix_file)])
        except Exception as error:  # reported below
            outcome["error"] = str(error)

    thread = threading.Thread(target=load)
    started = time.monotonic()
    thread.start()
    while thread.is_alive():
        samples.append({"t_s": round(time.monotonic() - started, 1), "rss_kib": memory_snapshot(site)})
        thread.join(timeout=interval)
    samples.append({"t_s": round(time.monotonic() - started, 1), "rss_kib": memory_snapshot(site)})
    if "error" in outcome:
        log(f"  ! long run: {outcome['error']}")
    else:
        w = outcome["wrk"]
        log(
            f"  long run: {w['requests']} requests, {w['requests_per_s']:.1f} req/s, "
            f"p95 {w['latency_ms']['p95']:.1f} ms, {sum(w['errors'].values())} errors"
        )
    return {"seconds": args.long, "urls": len(paths), "samples": samples, **outcome}


# --- report ------------------------------------------------------------------------------


def mib(kib):
    return f"{kib / 1024:.1f}" if kib is not None else "?"


def print_table(result):
    page_cache = result["page_cache"]
    first, last = result["static_requests_per_s_first_last"]
    log(f"\nPage cache {page_cache.upper()} (PAGE_CACHE={page_cache}): static baseline "
        f"{result['static_requests_per_s']:,.0f} req/s (first {first:,.0f}, last {last:,.0f}); "
        f"load average before {result['load_average_before']}")
    if result["baseline_drift"] > BASELINE_DRIFT_WARNING:
        log(f"WARNING: the static baseline moved by {result['baseline_drift']:.0%} "
            "during this configuration: the machine's load changed (see load averages in the JSON), so "
            "ratios are approximate. Run again on a quieter machine.")
    header = (
        f"{'page type':<24} {'URL':<42} {'req/s':>8} {'×static':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'solo ms':>8} {'queries':>7} {'bytes':>8} {'requests':>8} {'errors':>6}"
    )
    log(header)
    log("-" * len(header))
    rows = list(result["rows"])
    if "static_end" in result:
        static = next(row for row in rows if row["key"] == "static")
        rows.append(static | {"label": "static file (again)", "wrk": result["static_end"],
                              "ratio_to_static": result["static_end"]["requests_per_s"] / result["static_requests_per_s"]})
    for row in rows:
        url = row["url"] if len(row["url"]) <= 42 else row["url"][:41] + "…"
        if "wrk" not in row:
            log(f"{row['label']:<24} {url:<42} {row.get('error', 'not measured')}")
            continue
        w = row["wrk"]
        ratio = row.get("ratio_to_static")
        queries = row["queries"] if row["queries"] is not None else "?"
        log(
            f"{row['label']:<24} {url:<42} {w['requests_per_s']:>8.1f} "
            f"{(f'{ratio:.3f}' if ratio is not None else '?'):>8} "
            f"{w['latency_ms']['p50']:>8.1f} {w['latency_ms']['p95']:>8.1f} {w['latency_ms']['p99']:>8.1f} "
            f"{row['solo_ms']:>8.1f} "
            f"{queries:>7} {row['body_bytes']:>8} {w['requests']:>8} {sum(w['errors'].values()):>6}"
        )
    memory = result["memory_kib"]
    log("Worker memory (VmRSS, MiB): " + "; ".join(
        f"pid {pid}: start {mib(memory['start'].get(pid))} → warm {mib(memory['after_warmup'].get(pid))}"
        f" → after load {mib(memory['after_load'].get(pid))}"
        + (f" → after long run {mib(memory['after_long_run'].get(pid))}" if "after_long_run" in memory else "")
        for pid in memory["after_warmup"]
    ))
    if result.get("server_errors"):
        log("The server logged (full log tail in the JSON):")
        for entry in result["server_errors"][:10]:
            log(f"  {entry['count']}× {entry['message']}")
    if result.get("long_run", {}).get("samples"):
        log("Long run, worker memory over time (MiB): " + "  ".join(
            f"{sample['t_s']:.0f}s " + "/".join(mib(value) for value in sample["rss_kib"].values())
            for sample in result["long_run"]["samples"]
        ))


def evaluate(results, args):
    """The targets, as (passed, text) lines."""
    targets = []

    def add(name, passed, detail):
        targets.append({"target": name, "passed": passed, "detail": detail})

    for page_cache, result in results.items():
        problems = []
        for row in result["rows"]:
            if "wrk" not in row:
                problems.append(f"{row['label']}: {row.get('error', 'not measured')}")
            elif sum(row["wrk"]["errors"].values()):
                errors = {kind: n for kind, n in row["wrk"]["errors"].items() if n}
                problems.append(f"{row['label']}: {errors}")
        add(f"cache {page_cache}: every URL answers 200, no errors under load", not problems,
            "; ".join(problems) or f"{len(result['rows'])} URLs")
    off = results.get("off")
    if off:
        home = next((row for row in off["rows"] if row["key"] == "home" and "ratio_to_static" in row), None)
        add(f"cache off: home ≥ {TARGET_HOME_CACHE_OFF:.0%} of static req/s",
            bool(home) and home["ratio_to_static"] >= TARGET_HOME_CACHE_OFF,
            f"{home['ratio_to_static']:.1%} ({home['wrk']['requests_per_s']:.1f} of "
            f"{off['static_requests_per_s']:.0f} req/s)" if home else "not measured")
        for row in off["rows"]:
            if row["group"] in ("listing", "feed", "search"):
                name = f"cache off: {row['label']} p95 ≤ {TARGET_P95_MS:.0f} ms"
                if "wrk" not in row or not row["wrk"]["requests"]:
                    add(name, False, "not measured (no response completed)")
                    continue
                p95 = row["wrk"]["latency_ms"]["p95"]
                timeouts = row["wrk"]["errors"]["timeout"]
                add(name, p95 <= TARGET_P95_MS and not timeouts,
                    f"{p95:.1f} ms" + (f", and {timeouts} requests timed out (> 30 s)" if timeouts else ""))
    on = results.get("on")
    if on:
        for row in on["rows"]:
            if row["group"] not in ("static", "reference"):
                ratio = row.get("ratio_to_static")
                add(f"cache on: {row['label']} ≥ {TARGET_EVERY_PAGE_CACHE_ON:.0%} of static req/s",
                    ratio is not None and ratio >= TARGET_EVERY_PAGE_CACHE_ON,
                    f"{ratio:.1%}" if ratio is not None else "not measured")
    for page_cache, result in results.items():
        memory = result["memory_kib"]
        final = memory.get("after_long_run") or memory["after_load"]
        warm = memory["after_warmup"]
        replaced = sorted(set(warm) ^ set(final))
        long = result.get("long_run")
        if long:
            errors = {kind: n for kind, n in long.get("wrk", {}).get("errors", {}).items() if n}
            add(f"cache {page_cache}: long run on a mix of {long['urls']} URLs without errors",
                "wrk" in long and not errors,
                long.get("error") or (f"{errors}" if errors else f"{long['wrk']['requests']} requests"))
        stage = "long run" if "after_long_run" in memory else "load"
        if replaced:
            add(f"cache {page_cache}: worker memory flat over the {stage}", False,
                f"workers were replaced during the load (pids {', '.join(replaced)})"
                + (" — --recycle was given" if args.recycle else ""))
            continue
        growth = {pid: (final[pid] - warm[pid]) / 1024 for pid in warm if final[pid] and warm[pid]}
        worst = max(growth.values(), default=0.0)
        add(f"cache {page_cache}: worker memory flat over the {stage} (≤ {TARGET_MEMORY_GROWTH_MB:.0f} MB growth)",
            worst <= TARGET_MEMORY_GROWTH_MB,
            ", ".join(f"pid {pid} {mib(warm[pid])} → {mib(final[pid])} MiB ({delta:+.1f})"
                      for pid, delta in growth.items()))
    return targets


# --- main --------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=int(os.environ.get("BENCH_SCALE", "1000")),
                        help="load_demo_content --scale N (default $BENCH_SCALE or 1000; 0: plain demo content)")
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "10")),
                        help="wrk seconds per URL (default $BENCH_SECONDS or 10)")
    parser.add_argument("--quick", action="store_true", help="a quick look: 3 s per URL, 1 warm-up round")
    parser.add_argument("--cache", choices=["both", "off", "on"], default="both",
                        help="which page-cache configurations to run (default both: off, then on)")
    parser.add_argument("--long", type=int, default=0, metavar="SECONDS",
                        help="after the per-URL load, hammer a mix of URLs this long, sampling worker memory")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--warmup", type=int, default=3,
                        help="warm-up rounds per URL, each one request per worker at once (default 3)")
    parser.add_argument("--recycle", action="store_true",
                        help="keep gunicorn's max_requests worker recycling on (off by default, so memory "
                        "before and after is of the same workers)")
    parser.add_argument("--json", type=Path, help="where to write the JSON (default bench-results/bench-<time>.json)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target fails")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and database")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = min(args.seconds, 3)
        args.warmup = min(args.warmup, 1)
    if args.seconds < 1 or args.scale < 0 or args.workers < 1 or args.connections < args.threads:
        parser.error("need --seconds ≥ 1, --scale ≥ 0, --workers ≥ 1, --connections ≥ --threads")
    return args


def main(argv):
    if argv and argv[0].startswith("_"):  # a helper step, inside Django (see BenchSite.helper)
        port = int(argv[argv.index("--port") + 1])
        return helper_main(argv[0], port)
    args = parse_args(argv)
    ensure_wrk()
    facts = machine_facts()
    started_at = datetime.datetime.now().astimezone()
    site = BenchSite(args)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    results = {}
    try:
        discovered = site.prepare()
        urls = {"static": None}
        urls |= {key: discovered["urls"][key] for key, _, _ in PAGE_TYPES if key in discovered["urls"]}
        configurations = ["off", "on"] if args.cache == "both" else [args.cache]
        for page_cache in configurations:
            results[page_cache] = run_configuration(site, page_cache, urls, discovered["mix"], args)
    finally:
        site.cleanup()

    log("\n" + "=" * 100)
    log(
        f"Machine: {facts['cpu_count']} CPUs ({facts['cpu_model']}), load average at start "
        f"{facts['load_average_at_start']}; Python {facts['python']}, Django {discovered['django']}, "
        f"Wagtail {discovered['wagtail']}, gunicorn {discovered['gunicorn']}, {facts['wrk']}"
    )
    log(
        f"Database: {discovered['db_version']} ({site.database.vendor_label}); CONN_MAX_AGE "
        f"{discovered['db_conn_max_age']}; data: scale {args.scale} "
        f"({', '.join(f'{k} {v}' for k, v in discovered['counts'].items())})"
    )
    log(
        f"Cache: backends {discovered['caches']}; middleware {discovered['cache_middleware'] or 'none'}; "
        f"{' '.join(f'{k}={v}' for k, v in discovered['cache_settings'].items())}; "
        f"REDIS_URL {'set' if os.environ.get('REDIS_URL') else 'not set'}"
    )
    log(
        f"Load: wrk {args.threads} threads, {args.connections} connections, {args.seconds} s per URL, "
        f"127.0.0.1; gunicorn {args.workers} sync workers, "
        f"{'max_requests recycling on' if args.recycle else 'no worker recycling'}"
    )
    for note in discovered["notes"]:
        log(f"Note: {note}")
    for result in results.values():
        print_table(result)
    if "on" in results:
        pages = [row for row in results["on"]["rows"] if row["key"] != "static"]
        hits = [row for row in pages if row.get("queries") == 0]
        log(f"\nWith PAGE_CACHE=on, {len(hits)} of {len(pages)} pages answered the query-count request with 0 SQL "
            f"queries (a page-cache hit)" + (": not " + ", ".join(r["label"] for r in pages if r not in hits)
                                              if len(hits) < len(pages) else "") + ".")
    targets = evaluate(results, args)
    log("\nTargets:")
    for target in targets:
        log(f"  {'PASS' if target['passed'] else 'FAIL'}  {target['target']}: {target['detail']}")

    output = args.json or ROOT / "bench-results" / f"bench-{started_at:%Y%m%d-%H%M%S}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "started_at": started_at.isoformat(timespec="seconds"),
                "machine": facts,
                "settings": {
                    "scale": args.scale,
                    "seconds_per_url": args.seconds,
                    "warmup_requests": args.warmup,
                    "wrk_threads": args.threads,
                    "wrk_connections": args.connections,
                    "gunicorn_workers": args.workers,
                    "worker_recycling": args.recycle,
                    "long_run_seconds": args.long,
                    "accept_encoding": ACCEPT_ENCODING,
                },
                "database": {"vendor": discovered["db_vendor"], "version": discovered["db_version"],
                             "conn_max_age": discovered["db_conn_max_age"]},
                "data_load_seconds": round(getattr(site, "load_seconds", 0), 1),
                "site": {key: value for key, value in discovered.items() if key not in ("mix",)},
                "configurations": results,
                "targets": targets,
            },
            indent=2,
        )
        + "\n"
    )
    failed = [target for target in targets if not target["passed"]]
    log(f"\n{len(targets) - len(failed)} of {len(targets)} targets passed. JSON: {output}")
    return 1 if (failed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
