"""Operations: /healthz, request ids, JSON logs, and production refusing to start half-configured.

(Security headers are tests/test_security.py's; production settings' deploy check is
tests/test_settings.py's. This file tests what an operator and a load balancer rely on.)
"""

import argparse
import concurrent.futures
import io
import json
import logging
import os
import re
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from unittest import mock

import psycopg2
import pytest
import redis
from django.conf import settings
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client, override_settings

from dei_portal.core import cache as page_cache
from dei_portal.operations.logging_json import JsonFormatter
from dei_portal.operations.request_id import RequestIdFilter, RequestIdMiddleware
from scripts.benchmark.cli import parse_args as bench_parse_args
from scripts.benchmark.report import print_server
from scripts.benchmark.server import BenchSite, resolved_configuration
from scripts.harness import Server, alive, children, fetch, free_port, try_fetch, wait_for

ROOT = Path(__file__).resolve().parent.parent
GENERATED_ID = re.compile(r"[0-9a-f]{32}")
PRODUCTION_ENV = {
    "SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-value-0123456789",
    "ALLOWED_HOSTS": "dei.example.edu",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "WAGTAILADMIN_BASE_URL": "https://dei.example.edu",
}


def closed_port():
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_python(code, **env):
    """Run ``code`` in a fresh interpreter (settings are read once per process)."""
    base = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "LOG_FORMAT"}
    }
    base.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120)


@pytest.fixture
def log_lines():
    """Every record logged during the test, as the production handler writes it (JSON lines)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    request_logger = logging.getLogger("dei_portal.request")
    old_level = request_logger.level
    request_logger.setLevel(logging.INFO)  # production's LOG_LEVEL
    root.addHandler(handler)
    try:
        yield lambda: [line for line in stream.getvalue().splitlines() if line]
    finally:
        root.removeHandler(handler)
        request_logger.setLevel(old_level)


# --- /healthz ---------------------------------------------------------------------------------


def assert_never_cached(response):
    control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert "no-store" in control and "private" in control
    assert not response.cookies, "a health check must not set a cookie"
    assert "Set-Cookie" not in response


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert_never_cached(response)


def test_healthz_answers_head_but_refuses_writes(client, db):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_healthz_answers_503_when_the_database_raises(client, db):
    with mock.patch.object(
        BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("server closed the connection")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"]["status"] == "unavailable"
    assert "server closed" not in response.content.decode(), "error details go to the log, not to the public"
    assert_never_cached(response)


def test_healthz_answers_503_when_the_database_port_is_closed():
    """A real connection attempt to a PostgreSQL port where nothing listens."""
    code = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz')\n"
        "print(json.dumps({'code': r.status_code, 'body': r.json(), 'cc': r['Cache-Control']}))\n"
    )
    result = run_python(
        code,
        DJANGO_SETTINGS_MODULE="dei_portal.settings.test",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/nowhere?connect_timeout=3",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["code"] == 503
    assert answer["body"] == {
        "status": "error",
        "checks": {"database": {"status": "unavailable", "ms": answer["body"]["checks"]["database"]["ms"]}},
    }
    assert "no-store" in answer["cc"]


@override_settings(PAGE_CACHE=True)
def test_healthz_never_goes_through_the_page_cache(client, home):
    with mock.patch.object(page_cache, "_lookup", wraps=page_cache._lookup) as lookup:
        first = client.get("/healthz")
        second = client.get("/healthz")
        assert lookup.call_count == 0, "the page cache must not even look /healthz up"
        assert client.get("/").status_code == 200
        assert lookup.call_count == 1  # (the control: a page is looked up)
    for response in (first, second):
        assert response.status_code == 200
        assert "X-Cache" not in response
        assert_never_cached(response)


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "dei_portal.operations.cache_backends.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "KEY_PREFIX": "test-ops",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
)
def test_healthz_reports_a_down_redis_as_degraded_but_stays_in_rotation(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["status"] == "unavailable"
    assert body["checks"]["database"]["status"] == "ok"


def test_healthz_keeps_the_host_check(client, db):
    """Deliberate: a load balancer's Host must be in ALLOWED_HOSTS (docs/operations.md)."""
    assert client.get("/healthz", HTTP_HOST="10.0.0.5:8000").status_code == 400
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "10.0.0.5"]):
        assert client.get("/healthz", HTTP_HOST="10.0.0.5:8000").status_code == 200


# --- request ids ------------------------------------------------------------------------------


def test_the_request_id_middleware_is_outermost():
    assert settings.MIDDLEWARE[0] == "dei_portal.operations.request_id.RequestIdMiddleware"


def test_a_request_id_is_generated_when_the_proxy_sends_none(client, db):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert GENERATED_ID.fullmatch(first) and GENERATED_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    "value",
    [
        "7f9c2ba4e88f827d616045507605853e",
        "0b5e1c2a-3d4f-4a5b-8c6d-7e8f9a0b1c2d",
        "Root=1-67891233-abcdef012345678912345678",
        "a" * 128,
    ],
)
def test_a_sane_request_id_from_the_proxy_is_kept_and_echoed(client, db, value):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=value)
    assert response["X-Request-ID"] == value


@pytest.mark.parametrize(
    "value",
    [
        "a" * 129,  # too long
        "abc\ndef",  # a forged second log line
        "abc\r\nSet-Cookie: sessionid=stolen",  # header splitting
        "abc def",
        'abc"}, {"level": "CRITICAL',  # JSON breakout
        "<script>alert(1)</script>",
        "caf\u00e9",
        "",
    ],
)
def test_an_unsafe_request_id_is_replaced(client, db, value, log_lines):
    response = client.get("/healthz?x=1", HTTP_X_REQUEST_ID=value)
    assert response.status_code == 200
    assert GENERATED_ID.fullmatch(response["X-Request-ID"])
    assert response["X-Request-ID"] != value
    assert "Set-Cookie" not in response
    if value:
        assert all(value not in line for line in log_lines())


def test_static_files_and_cached_pages_carry_a_request_id_too(client, home, tmp_path):
    static = client.get("/static/css/site.css")
    assert static.status_code == 200 and GENERATED_ID.fullmatch(static["X-Request-ID"])
    with override_settings(PAGE_CACHE=True, PAGE_CACHE_STAMP_FILE=str(tmp_path / "generation")):
        for _ in range(3):  # the first request on a new site may create its settings rows
            if client.get("/").get("X-Cache") == "HIT":
                break
        hit = client.get("/", HTTP_X_REQUEST_ID="from-the-proxy-1")
    assert hit["X-Cache"] == "HIT"
    assert hit["X-Request-ID"] == "from-the-proxy-1"


# --- structured logs --------------------------------------------------------------------------


def test_every_log_line_is_json_with_the_request_id(client, home, log_lines):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-404-check")
    assert response.status_code == 404
    records = [json.loads(line) for line in log_lines()]
    assert records, "nothing was logged"
    for record in records:
        assert {"timestamp", "level", "logger", "message", "request_id"} <= record.keys()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["timestamp"])
        assert record["request_id"] == "req-404-check"
    by_logger = {record["logger"]: record for record in records}
    assert by_logger["django.request"]["level"] == "WARNING"  # Django's "Not Found: ..."
    line = by_logger["dei_portal.request"]
    assert line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/no-such-page/", 404)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


def test_an_exception_is_one_json_line_with_its_traceback_and_request_id(db, log_lines):
    client = Client(raise_request_exception=False)
    with mock.patch("dei_portal.operations.health.check_database", side_effect=ZeroDivisionError("boom")):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="req-500-check")
    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-500-check"
    lines = log_lines()
    records = [json.loads(line) for line in lines]  # one record, one line: the traceback is inside
    error = next(record for record in records if record["logger"] == "django.request")
    assert error["level"] == "ERROR" and error["request_id"] == "req-500-check"
    assert error["exc_type"] == "ZeroDivisionError"
    assert error["exc_info"].startswith("Traceback") and "boom" in error["exc_info"]
    assert "request" not in error, "the request object (cookies, headers) is never dumped"
    line = next(record for record in records if record["logger"] == "dei_portal.request")
    assert (line["level"], line["status"]) == ("ERROR", 500)


def test_a_path_cannot_forge_a_log_line(client, db, log_lines):
    client.get("/nothing%0A%7B%22level%22%3A%22CRITICAL%22%7D/")
    lines = log_lines()
    records = [json.loads(line) for line in lines]
    assert all(record["level"] != "CRITICAL" for record in records)
    line = next(record for record in records if record["logger"] == "dei_portal.request")
    assert "\n" not in line["path"] and line["path"].startswith("/nothing\\n")


def test_successful_health_checks_are_not_logged_but_failures_are(client, db, log_lines):
    client.get("/healthz")
    client.get("/healthz")
    assert not [line for line in log_lines() if '"dei_portal.request"' in line]
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("down")):
        client.get("/healthz")
    records = [json.loads(line) for line in log_lines()]
    request_lines = [r for r in records if r["logger"] == "dei_portal.request"]
    assert [(r["status"], r["level"]) for r in request_lines] == [(503, "ERROR")]
    assert any(r["logger"] == "dei_portal.health" and r["level"] == "WARNING" for r in records)


# --- production -------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_settings_refuse_to_load_without_their_environment(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_python("import dei_portal.settings.production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and f"Set {missing}" in result.stderr


def test_make_serve_names_what_is_missing_before_starting_anything():
    # (no MAKEFLAGS: under `make -j test`, prerequisites could start before the check)
    env = {
        k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "SECRET_KEY ALLOWED_HOSTS DATABASE_URL" in result.stderr
    assert "gunicorn" not in result.stdout


def test_production_logs_json_and_answers_health_checks_over_plain_http():
    """Production defaults: JSON log lines on stdout; /healthz is not redirected to https."""
    with tempfile.TemporaryDirectory() as workdir:
        code = (
            "import django; django.setup()\n"
            "from django.test import Client\n"
            "c = Client()\n"
            "h = c.get('/healthz', HTTP_HOST='dei.example.edu', HTTP_X_REQUEST_ID='probe-1')\n"
            "p = c.get('/', HTTP_HOST='dei.example.edu')\n"
            "print('RESULT', h.status_code, p.status_code, p.get('Location'))\n"
        )
        result = run_python(
            code,
            DJANGO_SETTINGS_MODULE="dei_portal.settings.production",
            SECRET_KEY=PRODUCTION_ENV["SECRET_KEY"],
            ALLOWED_HOSTS="dei.example.edu",
            DATABASE_URL=f"sqlite:///{workdir}/empty.sqlite3",
            WAGTAILADMIN_BASE_URL="https://dei.example.edu",
            LOG_LEVEL="DEBUG",
        )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[-1] == "RESULT 200 301 https://dei.example.edu/"
    records = [json.loads(line) for line in lines[:-1]]  # every other stdout line is JSON
    probe = [r for r in records if r["logger"] == "dei_portal.request" and r["path"] == "/healthz"]
    assert probe and probe[0]["request_id"] == "probe-1" and probe[0]["level"] == "DEBUG"
    redirect = [r for r in records if r["logger"] == "dei_portal.request" and r["path"] == "/"]
    assert redirect and redirect[0]["status"] == 301 and redirect[0]["level"] == "INFO"


def test_middleware_passes_the_request_id_to_the_view_and_clears_it_when_the_response_closes(db):
    from django.http import HttpResponse
    from django.test import RequestFactory

    from dei_portal.operations.request_id import get_request_id

    seen = {}

    def view(request):
        seen["inside"] = get_request_id()
        seen["attribute"] = request.request_id
        return HttpResponse("ok")

    response = RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="abc-1"))
    assert seen == {"inside": "abc-1", "attribute": "abc-1"}
    assert response["X-Request-ID"] == "abc-1"
    # Kept until the response is closed: Django logs 4xx/5xx after the middleware returns.
    assert get_request_id() == "abc-1"
    response.close()  # (the WSGI server closes it once sent: request_finished)
    assert get_request_id() is None


# --- gunicorn as shipped (dei_portal/operations/gunicorn_conf.py) --------------------------------

GUNICORN_CONF = ROOT / "dei_portal" / "operations" / "gunicorn_conf.py"
SHIPPED_NAMES = ("preload_app", "max_requests", "max_requests_jitter", "max_worker_rss_mb", "workers", "pidfile")


def shipped_gunicorn(**environ):
    """The configuration gunicorn reads from the file (run by path, in a clean environment)."""
    code = (
        "import json, runpy, sys; g = runpy.run_path(sys.argv[1]);"
        f"print(json.dumps({{n: g.get(n) for n in {SHIPPED_NAMES!r}}}));"
        "print(json.dumps([n for n in ('when_ready', 'pre_fork', 'post_request') if callable(g.get(n))]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "WEB_CONCURRENCY", "PORT"))}
    done = subprocess.run(
        [sys.executable, "-c", code, str(GUNICORN_CONF)], env={**env, **environ}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    values, hooks = done.stdout.splitlines()
    return json.loads(values), json.loads(hooks)


def test_the_shipped_gunicorn_configuration_preloads_and_does_not_recycle_by_request_count():
    config, hooks = shipped_gunicorn()
    assert config == {
        "preload_app": True,
        "max_requests": 0,
        "max_requests_jitter": 0,
        "max_worker_rss_mb": 512,
        "workers": 2,
        "pidfile": None,
    }
    assert hooks == ["when_ready", "pre_fork", "post_request"]
    config, _ = shipped_gunicorn(
        GUNICORN_PRELOAD="off", GUNICORN_MAX_REQUESTS="20000", GUNICORN_PIDFILE="/run/x/gunicorn.pid"
    )
    assert config["preload_app"] is False
    assert (config["max_requests"], config["max_requests_jitter"]) == (20000, 2000)
    assert config["pidfile"] == "/run/x/gunicorn.pid"


class FakeWorker:
    def __init__(self):
        self.alive = True
        self.pid = os.getpid()
        self.log = logging.getLogger("test.gunicorn")


@pytest.mark.parametrize("limit_mb, replaced", [("1", True), ("0", False), ("100000", False)])
def test_a_worker_past_the_memory_limit_finishes_its_request_and_stops(monkeypatch, limit_mb, replaced):
    """post_request checks this process's real VmRSS every 32 requests (this test process uses
    far more than 1 MiB and far less than 100 GB)."""
    monkeypatch.setenv("GUNICORN_MAX_WORKER_RSS_MB", limit_mb)
    post_request = runpy.run_path(str(GUNICORN_CONF))["post_request"]
    worker = FakeWorker()
    for _ in range(31):
        post_request(worker, None, {}, None)
    assert worker.alive, "checked every 32 requests, not on each"
    post_request(worker, None, {}, None)
    assert worker.alive is not replaced


PROBE_APP = '''
"""The real application (imported in the gunicorn master when preloaded), plus /probe: which
process answers, and which PostgreSQL backend and Redis connection its Django uses."""
import json, os, time
from pathlib import Path

from django.core.cache import cache
from django.db import connection

from dei_portal.wsgi import application as django_application

VERSION = Path(os.environ["PROBE_VERSION_FILE"]).read_text()  # the code's version, read at import
RECORD = {"pid": os.getpid()}
if os.environ.get("PROBE_CONNECT"):  # the import opens connections, as careless code might
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        RECORD["backend"] = cursor.fetchone()[0]
    RECORD["redis"] = cache._cache.get_client(write=True).client_id()
Path(os.environ["PROBE_RECORD"]).write_text(json.dumps(RECORD))


def application(environ, start_response):
    if environ["PATH_INFO"] != "/probe":
        return django_application(environ, start_response)
    time.sleep(float(environ.get("QUERY_STRING") or 0))  # hold this worker: the next one answers
    answer = {"pid": os.getpid(), "version": VERSION}
    if os.environ.get("PROBE_CONNECT"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            answer["backend"] = cursor.fetchone()[0]
        answer["redis"] = cache._cache.get_client(write=True).client_id()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(answer).encode()]
'''


class ProbeServer:
    """gunicorn with the shipped configuration file serving PROBE_APP on a free port."""

    def __init__(self, tmp_path, options=(), **environ):
        (tmp_path / "probe_wsgi.py").write_text(PROBE_APP)
        self.version_file = tmp_path / "version"
        self.version_file.write_text("v1")
        self.record = tmp_path / "record.json"
        self.pidfile = tmp_path / "gunicorn.pid"
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "WEB_CONCURRENCY", "PORT"))}
        env.update(
            PRODUCTION_ENV,
            DJANGO_SETTINGS_MODULE="dei_portal.settings.production",
            ALLOWED_HOSTS="127.0.0.1,dei.example.edu",
            DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
            LOG_FORMAT="text",
            PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]),
            PROBE_VERSION_FILE=str(self.version_file),
            PROBE_RECORD=str(self.record),
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            GUNICORN_CONTROL_SOCKET="off",
            GUNICORN_ACCESS_LOG="off",
            GUNICORN_PIDFILE=str(self.pidfile),
            GUNICORN_GRACEFUL_TIMEOUT="10",
        )
        env.pop("REDIS_URL", None)
        env.update(environ)
        # The gunicorn script, as `make serve` and the systemd unit run it: USR2 re-executes the
        # master's own command line, and `python -m gunicorn` comes back as gunicorn/__main__.py
        # run as a script (its package directory first on sys.path, shadowing `http`).
        command = [Path(sys.executable).parent / "gunicorn", "-c", GUNICORN_CONF, *options, "probe_wsgi:application"]
        self.server = Server("gunicorn", command, log_path=tmp_path / "gunicorn.log", env=env, cwd=tmp_path)

    def __enter__(self):
        self.server.start()
        self.server.wait_until(lambda: len(self.workers()) == 2 and self.probe()["version"], 90)
        return self

    def __exit__(self, *exc):
        try:
            os.killpg(self.server.pid, signal.SIGTERM)  # the group: a USR2 master outlives the first
        except ProcessLookupError:
            pass
        self.server.stop()

    def workers(self, master=None):
        return [pid for pid in children(master or self.server.pid) if alive(pid)]

    def probe(self, hold=0):
        response = fetch(self.port, f"/probe?{hold}" if hold else "/probe", timeout=30)
        assert response.status == 200, response.body[:500]
        return json.loads(response.body)

    def probe_every_worker(self, count=2):
        """One answer per worker: requests sent together, each holding its worker a moment."""
        seen = {}
        for _ in range(10):
            with concurrent.futures.ThreadPoolExecutor(count) as pool:
                for answer in pool.map(lambda _: self.probe(hold=0.3), range(count)):
                    seen[answer["pid"]] = answer
            if len(seen) >= count:
                return seen
        raise AssertionError(f"only {len(seen)} workers answered: {self.server.tail()}")


def established_peer_ports(pid):
    """The remote ports of the TCP connections process `pid` holds open (from /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "01" and fields[9] in inodes:  # 01: ESTABLISHED
                ports.add(int(fields[2].rsplit(":", 1)[1], 16))
    return ports


def postgres_and_redis_or_skip():
    try:
        psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=3).close()
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=3).ping()
    except Exception as error:
        pytest.skip(f"needs PostgreSQL on 127.0.0.1:5432 and Redis on 6379 ({error})")


def test_a_worker_forked_from_the_preloaded_master_opens_its_own_database_and_redis_connections(tmp_path):
    """The probe's import (in the master: preloaded) opens a PostgreSQL and a Redis connection;
    none survives into the workers: the master holds no connection once they are forked, and
    each worker's Django talks to a backend of its own (PostgreSQL's pg_backend_pid, Redis's
    CLIENT ID)."""
    postgres_and_redis_or_skip()
    application_name = f"dei-fork-test-{os.getpid()}-{secrets.token_hex(4)}"
    with ProbeServer(
        tmp_path,
        PROBE_CONNECT="1",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/postgres?application_name={application_name}",
        REDIS_URL="redis://127.0.0.1:6379/0",
    ) as probe:
        master = probe.server.pid
        record = json.loads(probe.record.read_text())
        assert record["pid"] == master, "the application is imported once, in the master (preload_app)"
        workers = probe.probe_every_worker()
        assert set(workers) == set(probe.workers())
        assert established_peer_ports(master) & {5432, 6379} == set(), "the master keeps no connection open"
        backends = {answer["backend"] for answer in workers.values()}
        assert len(backends) == 2 and record["backend"] not in backends, workers
        redis_ids = {answer["redis"] for answer in workers.values()}
        assert len(redis_ids) == 2 and record["redis"] not in redis_ids, workers
        with psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres") as db:
            with db.cursor() as cursor:
                for _ in range(50):  # a closed connection's backend exits a moment later
                    cursor.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [application_name])
                    live = {row[0] for row in cursor.fetchall()}
                    if record["backend"] not in live:
                        break
                    time.sleep(0.1)
        assert live == backends, "only the workers' own connections are open; the master's is closed"
        for pid in workers:
            assert 5432 in established_peer_ports(pid) and 6379 in established_peer_ports(pid)


def test_hup_reforks_the_loaded_code_and_usr2_then_term_serves_new_code_without_a_failed_request(tmp_path):
    """The reload story of docs/operations.md: with the application preloaded, HUP replaces the
    workers but keeps the code the master imported; USR2 starts a new master that imports the
    new code beside the old one, and TERM to the old master (graceful) leaves only the new
    code, while a client requesting all along sees no failure."""
    logging_options = ["--log-config-json", ROOT / "deploy" / "gunicorn-logging.json"]  # as the units run it
    with ProbeServer(tmp_path, options=logging_options, LOG_FORMAT="json", LOG_LEVEL="INFO") as probe:
        old_master = probe.server.pid
        assert probe.probe()["version"] == "v1"
        probe.version_file.write_text("v2")  # "the deploy": new code on disk

        before = set(probe.workers())
        probe.server.signal(signal.SIGHUP)
        probe.server.wait_until(lambda: len(probe.workers()) == 2 and not before & set(probe.workers()), 60)
        assert {answer["version"] for answer in probe.probe_every_worker().values()} == {"v1"}
        # Django's logging survives the HUP (gunicorn re-applies its own, which sets the root
        # logger): the re-forked workers still log each request with its id.
        for number in range(4):
            fetch(probe.port, "/no-such-page/", headers={"X-Request-ID": f"after-hup-{number}"})
        logged = [json.loads(line) for line in probe.server.log_text().splitlines() if line.startswith("{")]
        request_lines = {r["request_id"] for r in logged if r.get("logger") == "dei_portal.request"}
        assert {f"after-hup-{number}" for number in range(4)} <= request_lines

        failures, answers, stop = [], [], threading.Event()

        def client():
            while not stop.is_set():
                response = try_fetch(probe.port, "/probe", timeout=30)
                if response.status == 200:
                    answers.append(json.loads(response.body)["version"])
                else:
                    failures.append(response.status)

        thread = threading.Thread(target=client)
        thread.start()
        try:
            probe.server.signal(signal.SIGUSR2)
            new_pidfile = Path(f"{probe.pidfile}.2")
            probe.server.wait_until(new_pidfile.exists, 60, what="wrote no pidfile for the new master")
            new_master = int(new_pidfile.read_text())
            probe.server.wait_until(lambda: len(probe.workers(new_master)) == 2, 60)
            probe.server.wait_until(lambda: "v2" in answers[-20:], 60, what="never answered with the new code")
            os.kill(old_master, signal.SIGTERM)
            probe.server.process.wait(timeout=40)
            served_by_old = len(answers)
            wait_for(lambda: len(answers) > served_by_old + 20, 30)
        finally:
            stop.set()
            thread.join()
        assert failures == [], failures
        assert set(answers[served_by_old:]) == {"v2"}
        assert alive(new_master)
        wait_for(lambda: probe.pidfile.exists() and probe.pidfile.read_text().strip() == str(new_master), 10)
        assert probe.pidfile.read_text().strip() == str(new_master), "the promoted master renames its pidfile"


# --- make bench runs what ships ------------------------------------------------------------------


def bench_site(monkeypatch, tmp_path, workers=None, **environ):
    for name in [n for n in os.environ if n.startswith("GUNICORN_") or n == "WEB_CONCURRENCY"]:
        monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/unused.sqlite3")
    args = argparse.Namespace(keep=False, workers=workers, scale=0)
    site = BenchSite(args)
    return site


@pytest.mark.parametrize("workers", [None, 3])
def test_the_bench_sets_only_the_gunicorn_overrides_it_prints(monkeypatch, tmp_path, capsys, workers):
    site = bench_site(monkeypatch, tmp_path, workers=workers, GUNICORN_MAX_REQUESTS="5000")
    try:
        env = site.env()
        server_names = {name for name in env if name.startswith("GUNICORN_") or name == "WEB_CONCURRENCY"}
        assert server_names == set(site.overrides) | set(site.inherited)
        assert {name: env[name] for name in site.overrides} == {n: v for n, (v, _) in site.overrides.items()}
        expected = {"GUNICORN_BIND", "GUNICORN_CONTROL_SOCKET", "GUNICORN_ACCESS_LOG"}
        assert set(site.overrides) == (expected | {"WEB_CONCURRENCY"} if workers else expected)
        assert site.inherited == {"GUNICORN_MAX_REQUESTS": "5000"}, "the caller's environment, as make serve's"

        site.gunicorn = resolved_configuration(env)
        assert site.gunicorn["preload_app"] is True and site.gunicorn["max_requests"] == 5000
        assert site.gunicorn["workers"] == (workers or 2)
        print_server(site.server_facts())
        printed = capsys.readouterr().out
        overrides_line = next(line for line in printed.splitlines() if line.startswith("bench overrides: "))
        for name, (value, _) in site.overrides.items():
            assert f"{name}={value} (" in overrides_line
        assert overrides_line.count("=") == len(site.overrides)
        assert "GUNICORN_MAX_REQUESTS=5000" in printed and "preload on" in printed
        facts = site.server_facts()
        assert {n: o["value"] for n, o in facts["bench_overrides"].items()} == {n: env[n] for n in site.overrides}
    finally:
        site.cleanup()


def test_the_bench_has_no_recycling_switch_of_its_own():
    with pytest.raises(SystemExit):
        bench_parse_args(["--recycle"])
    assert bench_parse_args([]).workers is None  # the shipped configuration's number
