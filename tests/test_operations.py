"""Operations: /healthz, request ids, JSON logs, and production refusing to start half-configured.

(Security headers are tests/test_security.py's; production settings' deploy check is
tests/test_settings.py's. This file tests what an operator and a load balancer rely on.)
"""

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client, override_settings

from dei_portal.core import cache as page_cache
from dei_portal.operations.logging_json import JsonFormatter
from dei_portal.operations.request_id import RequestIdFilter, RequestIdMiddleware

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
