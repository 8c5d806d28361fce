"""`make drills`: break the site's infrastructure under load and check it survives, on loopback.

    python scripts/fault_drills.py [--keep] [--threads 4] [--budget 285]

Everything runs on 127.0.0.1 and belongs to this run; the machine's own PostgreSQL (5432) and
Redis (6379), which other people use, are never touched:

1. A private PostgreSQL: `initdb` into a temporary directory (run as the `postgres` OS user
   when we are root), started on a free port with its socket in that directory; a private
   `redis-server` on another free port, persisting nothing.
2. `migrate`, `load_demo_content`, `collectstatic` with scripts/drill_settings.py
   (production settings over plain HTTP), then gunicorn exactly as `make serve` runs it:
   dei_portal/operations/gunicorn_conf.py with 2 sync workers, deploy/gunicorn-logging.json (JSON log
   lines on stdout), REDIS_URL set, page cache on, persistent database connections with
   health checks (production's DB_CONN_MAX_AGE=60).
3. Continuous load from a thread pool: anonymous page views (served from the page cache),
   the same pages with a session cookie (never cached: rendered from the database every
   time) and /healthz, every request with its own X-Request-ID.
4. The drills, one after the other, each under that load:
   a. PostgreSQL stopped (fast shutdown: every connection cut), kept down 2 s, started
      again. Requests that need the database may fail while it is down; every request
      started after it accepts connections again must succeed, without restarting the app.
      /healthz must have said 503 while it was down.
   b. Redis stopped for 3 s, then started again (empty). No request may fail; /healthz says
      "degraded" while it is down; pages come from the cache again after it is back.
   c. One gunicorn worker killed with SIGKILL. At most the one request it was serving may
      fail (sync workers serve one at a time); gunicorn starts a replacement.
   d. Graceful reload: SIGHUP to the gunicorn master. Every worker is replaced; no request
      may fail.
   e. The logs: every line gunicorn and the app wrote on stdout is JSON, and the request
      lines carry the request ids the load generator sent.
5. A table per drill (requests, failures, statuses per phase, time to recover), PASS/FAIL,
   and everything stopped and removed (--keep leaves the directory, with the logs).

The whole run is bounded (--budget seconds, default 285: under 5 minutes); the exit status
is 0 only when every drill passed.
"""

import argparse
import collections
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for `scripts.…`
from scripts.harness import (
    GUNICORN_LOGGING,
    HOST,
    Background,
    Cleanup,
    Column,
    Gunicorn,
    OutOfTime,
    PrivatePostgres,
    PrivateRedis,
    django_env,
    fetch,
    free_port,
    log,
    make_workdir,
    manage,
    table,
    time_limit,
    try_fetch,
    wait_for,
)

WORKERS = 2
DB_DOWN_SECONDS = 2.0
REDIS_DOWN_SECONDS = 3.0
BEFORE_SECONDS = 2.0
AFTER_SECONDS = 4.0
# As long as gunicorn lets a worker take over one request (GUNICORN_TIMEOUT); a reverse
# proxy in front waits longer still (nginx: 60 s).
REQUEST_TIMEOUT = 30.0


# --- the site -----------------------------------------------------------------------------------


class Site:
    """gunicorn as `make serve` runs it (JSON logs on stdout), on the private PostgreSQL and Redis."""

    def __init__(self, workdir, database_url, redis_url):
        self.workdir = workdir
        self.port = free_port()
        self.stdout_path = workdir / "gunicorn.stdout.log"
        self.stderr_path = workdir / "gunicorn.stderr.log"
        self.env = django_env(
            "scripts.drill_settings",
            drop=("AWS_", "GUNICORN_", "FRONTEND_CACHE_"),
            SECRET_KEY=secrets.token_urlsafe(48),
            ALLOWED_HOSTS=f"{HOST},localhost",
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            PAGE_CACHE="on",
            FRAGMENT_CACHE="on",
            DB_CONN_MAX_AGE="60",
            LOG_FORMAT="json",
            LOG_LEVEL="INFO",
            STATIC_ROOT=workdir / "static",
            MEDIA_ROOT=workdir / "media",
            PAGE_CACHE_STAMP_FILE=workdir / "cache-generation",
            WAGTAILADMIN_BASE_URL=f"http://{HOST}:{self.port}",
            GUNICORN_BIND=f"{HOST}:{self.port}",
            WEB_CONCURRENCY=WORKERS,
            GUNICORN_THREADS="1",
            GUNICORN_ACCESS_LOG="off",
            GUNICORN_LOG_LEVEL="info",
            GUNICORN_MAX_REQUESTS="0",  # the shipped default, pinned: worker ids must stay meaningful
            GUNICORN_GRACEFUL_TIMEOUT="20",
            GUNICORN_CONTROL_SOCKET=workdir / "gunicorn.ctl",
        )
        self.server = Gunicorn(
            "gunicorn",
            port=self.port,
            env=self.env,
            log_path=self.stdout_path,
            stderr_path=self.stderr_path,
            options=["--log-config-json", GUNICORN_LOGGING],
        )

    def manage_in_background(self, *args):
        return Background(self.env, *args)

    def wait(self, background, timeout=240):
        background.wait(timeout=timeout)
        log(f"  manage.py {background.label:<32} {background.seconds:5.1f} s (alongside)")

    def manage(self, *args, timeout=240):
        started = time.monotonic()
        manage(self.env, *args, timeout=timeout)
        log(f"  manage.py {' '.join(args):<32} {time.monotonic() - started:5.1f} s")

    def start(self):
        self.server.start()
        self.server.wait_until(
            lambda: len(self.workers()) == WORKERS and fetch(self.port, "/healthz").status == 200,
            90,
            what="did not start",
            interval=0.2,
        )

    def workers(self):
        return self.server.workers()

    def reload(self):
        """A graceful reload: SIGHUP to the master."""
        self.server.signal(signal.SIGHUP)

    def stop(self):
        self.server.stop(timeout=25)


def get(port, path, headers=None):
    """A response, or a failure named by its status (see try_fetch); each request may wait as
    long as gunicorn lets a worker take."""
    return try_fetch(port, path, headers=headers, timeout=REQUEST_TIMEOUT)


# --- the load ----------------------------------------------------------------------------------


Result = collections.namedtuple("Result", "start end kind path status cache health request_id")


class Load:
    """Threads requesting a rotation of (kind, path, headers) as fast as the site answers."""

    history = []  # every request of every drill, for the log check

    def __init__(self, port, targets, threads):
        self.port = port
        self.targets = targets
        self.threads = threads
        self.results = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.pool = []
        self.counter = 0

    def _next(self):
        with self.lock:
            self.counter += 1
            return self.counter, self.targets[self.counter % len(self.targets)]

    def _run(self):
        while not self.stopping.is_set():
            number, (kind, path, headers) = self._next()
            request_id = f"drill-{number}-{secrets.token_hex(4)}"
            started = time.monotonic()
            response = get(self.port, path, {**headers, "X-Request-ID": request_id})
            health = None
            if kind == "healthz" and response.body:
                try:
                    health = json.loads(response.body)["status"]
                except (ValueError, KeyError):
                    health = "unparsable"
            result = Result(
                started,
                time.monotonic(),
                kind,
                path,
                response.status,
                response.headers.get("X-Cache"),
                health,
                request_id,
            )
            with self.lock:
                self.results.append(result)

    def __enter__(self):
        for _ in range(self.threads):
            thread = threading.Thread(target=self._run, daemon=True)
            thread.start()
            self.pool.append(thread)
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.pool:
            thread.join(REQUEST_TIMEOUT + 5)
        Load.history.extend(self.results)


def discover_targets(port):
    """Page URLs from the home page's links, each three ways: cached, from the database, health."""
    home = get(port, "/")
    if home.status != 200:
        raise RuntimeError(f"the home page answered {home.status}")
    paths = ["/"]
    for path in re.findall(r'href="(/[^"#?]*)"', home.text):
        if path not in paths and not path.startswith(("/static/", "/media/", "/documents/", "/admin", "/search")):
            paths.append(path)
    paths = [path for path in paths[:12] if get(port, path).status == 200][:6]
    targets = []
    for path in paths:
        targets.append(("cached page", path, {}))
        # A session cookie (any value) makes the page cache step aside: rendered from the database.
        targets.append(("database page", path, {"Cookie": "sessionid=fault-drill"}))
        targets.append(("healthz", "/healthz", {}))
    return paths, targets


# --- drills ------------------------------------------------------------------------------------


PHASES = ("before", "in flight", "during", "after")


def phase_of(result, t_fault, t_back):
    """before: done before the fault; in flight: started before it, still running when it
    struck; during: started between the fault and the recovery; after: started after it."""
    if result.end < t_fault:
        return "before"
    if result.start < t_fault:
        return "in flight"
    if t_back is None or result.start < t_back:
        return "during"
    return "after"


def in_phase(results, phase, t_fault, t_back):
    return [r for r in results if phase_of(r, t_fault, t_back) == phase]


def statuses(results):
    counts = collections.Counter(str(r.status) for r in results)
    return " ".join(f"{status}×{count}" for status, count in sorted(counts.items())) or "-"


PHASE_COLUMNS = [
    Column("phase", width=34),
    Column("requests", ">", 8),
    Column("failures", ">", 8),
    Column("statuses", gap="  "),
]


def print_table(title, results, t_fault, t_back, labels, notes):
    """Requests per phase of a drill, with a line per kind of request where any failed."""
    log("")
    log(title)
    labels = {"in flight": "in flight when the fault struck", **labels}
    rows = []
    for phase in PHASES:
        in_it = in_phase(results, phase, t_fault, t_back)
        failed = sum(1 for r in in_it if r.status != 200)
        rows.append([labels[phase], len(in_it), failed, statuses(in_it)])
        for kind in ("cached page", "database page", "healthz"):
            sub = [r for r in in_it if r.kind == kind]
            if sub and any(r.status != 200 for r in in_it):
                rows.append([f"  {kind}", len(sub), sum(1 for r in sub if r.status != 200), statuses(sub)])
    total_failed = sum(1 for r in results if r.status != 200)
    latency = max((r.end - r.start for r in results), default=0) * 1000
    rows.append(["all", len(results), total_failed, f"max latency {latency:.0f} ms"])
    for line in table(PHASE_COLUMNS, rows, indent="  "):
        log(line)
    for note in notes:
        log(f"  {note}")


def verdict(name, checks):
    failed = [description for description, ok in checks if not ok]
    for description, ok in checks:
        log(f"    [{'ok' if ok else 'FAIL'}] {description}")
    log(f"  {'PASS' if not failed else 'FAIL'}: {name}")
    return not failed


def drill_postgres(site, postgres, targets, threads):
    with Load(site.port, targets, threads) as load:
        time.sleep(BEFORE_SECONDS)
        t_fault = time.monotonic()
        postgres.stop("fast")  # every connection cut, new ones refused
        t_down = time.monotonic()
        time.sleep(DB_DOWN_SECONDS)
        postgres.start()  # -w: returns once it accepts connections
        t_back = time.monotonic()
        time.sleep(AFTER_SECONDS)
    results = load.results
    before = in_phase(results, "before", t_fault, t_back)
    during = in_phase(results, "during", t_fault, t_back)
    after = in_phase(results, "after", t_fault, t_back)
    failures = [r for r in results if r.status != 200]
    first_db_ok = min((r.end for r in after if r.kind == "database page" and r.status == 200), default=None)
    last_failure = max((r.end for r in failures), default=None)
    notes = [
        f"PostgreSQL stopped in {t_down - t_fault:.1f} s, down {t_back - t_down:.1f} s "
        "(until it accepted connections again)",
        "time to recover: first database-rendered page 200 "
        + (f"{first_db_ok - t_back:.2f} s after PostgreSQL was back" if first_db_ok else "never")
        + (
            f"; last failure ended {last_failure - t_fault:.2f} s after the fault"
            if last_failure
            else "; no failure at all"
        ),
        f"/healthz while down: {statuses([r for r in during if r.kind == 'healthz'])}",
        f"cached pages while down: {statuses([r for r in during if r.kind == 'cached page'])} "
        "(served from Redis, no database)",
    ]
    print_table(
        "Drill (a): PostgreSQL restarted under load (no app restart)",
        results,
        t_fault,
        t_back,
        {
            "before": "before the fault",
            "during": "PostgreSQL stopping/down/starting",
            "after": "after it accepts connections",
        },
        notes,
    )
    return verdict(
        "PostgreSQL restart",
        [
            (
                "no failure before the fault (only requests in flight or started while it was down may fail)",
                all(r.status == 200 for r in before),
            ),
            ("every request started after PostgreSQL was back succeeded", all(r.status == 200 for r in after)),
            (
                "database-rendered pages served after it was back",
                any(r.kind == "database page" and r.status == 200 for r in after),
            ),
            (
                "/healthz answered 503 while the database was down",
                any(r.kind == "healthz" and r.status == 503 for r in during),
            ),
        ],
    )


def drill_redis(site, redis, targets, threads):
    with Load(site.port, targets, threads) as load:
        time.sleep(BEFORE_SECONDS)
        t_fault = time.monotonic()
        redis.stop()
        time.sleep(REDIS_DOWN_SECONDS)
        redis.start()
        t_back = time.monotonic()
        time.sleep(AFTER_SECONDS)
    results = load.results
    during = in_phase(results, "during", t_fault, t_back)
    after = in_phase(results, "after", t_fault, t_back)
    first_hit = min((r.end for r in after if r.cache == "HIT"), default=None)

    def hits(rows):
        cached = [r for r in rows if r.kind == "cached page"]
        return f"{sum(1 for r in cached if r.cache == 'HIT')}/{len(cached)}"

    notes = [
        f"page cache HITs: before {hits(in_phase(results, 'before', t_fault, t_back))}, while down {hits(during)}, "
        f"after {hits(after)}",
        "time to recover: cache serving again "
        + (f"{first_hit - t_back:.2f} s after Redis was back" if first_hit else "never"),
        f"/healthz status while down: {dict(collections.Counter(r.health for r in during if r.kind == 'healthz'))}",
    ]
    print_table(
        "Drill (b): Redis stopped under load (REDIS_URL set, page cache on)",
        results,
        t_fault,
        t_back,
        {"before": "before the fault", "during": "Redis down", "after": "after Redis restarted (empty)"},
        notes,
    )
    return verdict(
        "Redis down",
        [
            ("no request failed, before, during or after", all(r.status == 200 for r in results)),
            ("pages were served while Redis was down", any(r.kind != "healthz" and r.status == 200 for r in during)),
            (
                '/healthz said "degraded" (200) while Redis was down',
                any(r.kind == "healthz" and r.health == "degraded" for r in during),
            ),
            ('/healthz said "ok" once Redis was back', any(r.kind == "healthz" and r.health == "ok" for r in after)),
            ("pages came from the cache again after Redis was back", first_hit is not None),
        ],
    )


def drill_kill_worker(site, targets, threads):
    with Load(site.port, targets, threads) as load:
        time.sleep(BEFORE_SECONDS)
        workers = site.workers()
        victim = workers[0]
        t_fault = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        replaced = wait_for(lambda: len(w := site.workers()) == WORKERS and victim not in w and w, 30)
        t_back = time.monotonic()
        time.sleep(AFTER_SECONDS)
    results = load.results
    failures = [r for r in results if r.status != 200]
    notes = [
        f"killed worker {victim} (of {workers}); replacement {sorted(set(replaced or []) - set(workers))} "
        + (f"forked {t_back - t_fault:.2f} s later" if replaced else "NEVER started"),
        f"failed requests: {[(r.kind, r.status) for r in failures] or 'none'}",
    ]
    print_table(
        "Drill (c): a gunicorn worker killed with SIGKILL under load",
        results,
        t_fault,
        t_back,
        {"before": "before the kill", "during": "until the replacement is forked", "after": "after"},
        notes,
    )
    return verdict(
        "worker killed",
        [
            ("no failure before the kill", all(r.status == 200 for r in in_phase(results, "before", t_fault, t_back))),
            (
                "at most the one request the killed worker was serving failed, and it was in flight",
                len(failures) <= 1 and all(phase_of(r, t_fault, t_back) == "in flight" for r in failures),
            ),
            ("gunicorn forked a replacement worker", bool(replaced)),
            (
                "every request started after the kill succeeded",
                all(r.status == 200 for r in results if r.start >= t_fault),
            ),
        ],
    )


def drill_reload(site, targets, threads):
    with Load(site.port, targets, threads) as load:
        time.sleep(BEFORE_SECONDS)
        old = set(site.workers())
        t_fault = time.monotonic()
        site.reload()
        replaced = wait_for(lambda: (w := set(site.workers())) and not (w & old) and len(w) == WORKERS and w, 60)
        t_back = time.monotonic()
        time.sleep(AFTER_SECONDS)
    results = load.results
    during = [r for r in results if r.end >= t_fault and r.start < t_back]
    notes = [
        f"old workers {sorted(old)} → new {sorted(replaced or [])}, "
        + (f"all replaced {t_back - t_fault:.2f} s after HUP" if replaced else "NOT replaced"),
        f"slowest request during the reload: {max((r.end - r.start for r in during), default=0) * 1000:.0f} ms "
        "(HUP stops the old workers as soon as the new ones are forked from the preloaded master: "
        "requests wait in the listen queue meanwhile)",
    ]
    print_table(
        "Drill (d): graceful reload (SIGHUP to the gunicorn master) under load",
        results,
        t_fault,
        t_back,
        {"before": "before the HUP", "during": "old workers draining, new booting", "after": "after"},
        notes,
    )
    return verdict(
        "graceful reload",
        [
            (
                f"no request failed (each waits up to {REQUEST_TIMEOUT:.0f} s, gunicorn's own request timeout)",
                all(r.status == 200 for r in results),
            ),
            ("every worker was replaced", bool(replaced)),
            ("requests were served after the reload", any(r.status == 200 for r in results if r.start >= t_back)),
        ],
    )


def drill_logs(site, all_results):
    lines = [line for line in site.stdout_path.read_text().splitlines() if line.strip()]
    parsed, broken = [], []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            broken.append(line)
    request_lines = [r for r in parsed if r.get("logger") == "dei_portal.request"]
    logged_ids = {r.get("request_id") for r in parsed}
    sent = [r for r in all_results if r.status == 200 and r.kind != "healthz"]
    missing = [r.request_id for r in sent if r.request_id not in logged_ids]
    loggers = collections.Counter(r.get("logger") for r in parsed)
    errors_with_id = [r for r in parsed if r.get("level") == "ERROR" and r.get("request_id")]
    log("")
    log("Drill (e): the logs (gunicorn's stdout, as a log shipper reads it)")
    log(f"  lines {len(lines)}, JSON {len(parsed)}, not JSON {len(broken)}")
    log(f"  by logger: {dict(loggers.most_common(8))}")
    log(
        f"  request lines {len(request_lines)}; page requests sent {len(sent)}, "
        f"their id not found in the log: {len(missing)}"
    )
    log(
        f"  ERROR records carrying a request id: {len(errors_with_id)}"
        + (
            f", e.g. {errors_with_id[0].get('logger')}: {errors_with_id[0].get('message', '')[:90]!r}"
            if errors_with_id
            else ""
        )
    )
    for line in broken[:3]:
        log(f"    not JSON: {line[:150]!r}")
    required = {"timestamp", "level", "logger", "message", "request_id"}
    return verdict(
        "structured logs",
        [
            ("every stdout line is a JSON object", not broken and bool(parsed)),
            (
                "every record has timestamp, level, logger, message, request_id",
                all(required <= r.keys() for r in parsed),
            ),
            (
                "request lines have method, path, status, duration_ms",
                bool(request_lines)
                and all({"method", "path", "status", "duration_ms"} <= r.keys() for r in request_lines),
            ),
            ("every page request's X-Request-ID is in the log", not missing),
            ("gunicorn's own lines (boot, worker exits) are JSON too", loggers.get("gunicorn.error", 0) > 0),
        ],
    )


# --- main --------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, data)")
    parser.add_argument("--threads", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--budget", type=int, default=285, help="seconds before the run gives up (default 285)")
    args = parser.parse_args()

    started = time.monotonic()
    workdir = make_workdir("drills")
    results = {}
    cleanup = Cleanup()  # what the run started, stopped last first (scripts/harness/processes.py)
    cleanup.remove_directory(workdir, keep=args.keep)
    try:
        with time_limit(args.budget, f"the drills took longer than {args.budget} s"):
            log(f"Fault drills in {workdir} (loopback only; the shared PostgreSQL and Redis are not touched)")
            postgres = PrivatePostgres(workdir).init()
            postgres.start()
            cleanup.add(postgres.stop, "immediate")
            database_url = postgres.create_database("dei_drills")
            redis = PrivateRedis(workdir)
            cleanup.add(redis.stop)
            redis.start()
            log(
                f"  private PostgreSQL ({postgres.version}) on {HOST}:{postgres.port}, "
                f"private Redis on {HOST}:{redis.port}"
            )
            site = Site(workdir, database_url, redis.url)
            cleanup.add(site.stop)
            collectstatic = site.manage_in_background("collectstatic", "--noinput")  # needs no database
            cleanup.add(collectstatic.stop)
            site.manage("migrate", "--noinput")
            site.manage("load_demo_content")
            site.wait(collectstatic)
            site.start()
            paths, targets = discover_targets(site.port)
            log(
                f"  gunicorn on {HOST}:{site.port}, {WORKERS} sync workers {site.workers()}; "
                f"{args.threads} clients over {len(paths)} pages (cached, from the database) and /healthz"
            )
            for _, path, headers in targets * 2:  # warm the page cache and every worker's connection
                get(site.port, path, headers)
            log(f"  ready after {time.monotonic() - started:.0f} s")

            def run(name, function, *extra):
                try:
                    results[name] = function(*extra)
                except OutOfTime:
                    raise
                except Exception as error:  # a drill that cannot run has failed
                    log(f"\n{name}: could not run: {type(error).__name__}: {error}")
                    results[name] = False

            run("(a) PostgreSQL restarted", drill_postgres, site, postgres, targets, args.threads)
            run("(b) Redis stopped", drill_redis, site, redis, targets, args.threads)
            run("(c) worker SIGKILL", drill_kill_worker, site, targets, args.threads)
            run("(d) graceful reload", drill_reload, site, targets, args.threads)
            time.sleep(0.5)  # let the workers flush their last lines
            run("(e) JSON logs", drill_logs, site, Load.history)
    except OutOfTime as error:
        log(f"\nfault drills: {error}")
        results["time budget"] = False
    except Exception as error:  # the setup failed: say what, clean up, fail
        log(f"\nfault drills: setup failed: {type(error).__name__}: {error}")
        results["setup"] = False
    finally:
        cleanup.run()
        if args.keep:
            log(f"\nKept {workdir}")

    log("")
    passed = bool(results) and all(results.values())
    rows = [[name, "PASS" if ok else "FAIL"] for name, ok in results.items()]
    rows.append(["all", f"{'PASS' if passed else 'FAIL'} in {time.monotonic() - started:.0f} s"])
    for line in table([Column("drill", width=28), Column("result")], rows):
        log(line)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
