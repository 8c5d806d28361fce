"""The scripts' shared harness (scripts/harness/): what every drill, the benchmark and the audit
stand on. Each piece is exercised for real on loopback: tables as the drills print them, HTTP
against a small server, child processes and their process groups, throwaway PostgreSQL databases
and Redis keys, a function called inside Django in a child process, and the authenticator code
that the scale-out check signs in with (django-otp's own RFC 6238, accepted by a TOTPDevice).
"""

import http.server
import os
import re
import secrets
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import django
import pytest
from django.conf import settings

from scripts.harness import (
    HOST,
    ROOT,
    Browser,
    Cleanup,
    Column,
    Free,
    HarnessError,
    OutOfTime,
    PostgresServer,
    PrivateRedis,
    Server,
    alive,
    children,
    csrf_token,
    django_call,
    django_env,
    fetch,
    forget_keys,
    free_port,
    table,
    time_limit,
    try_fetch,
    wait_for,
)
from scripts.harness.totp import current_code, device_code

SCRIPTS = ROOT / "scripts"


# --- tables ----------------------------------------------------------------------------------


def test_table_lays_out_the_backup_drill_comparison():
    columns = [Column(""), Column("source", ">", gap="  "), Column("restored", ">", gap="  ")]
    rows = [("pages", 22, 22), ("media files, same SHA-256", 8, 1234)]
    assert table(columns, rows, rule="columns") == [
        "                           source  restored",
        "-------------------------  ------  --------",
        "pages                          22        22",
        "media files, same SHA-256       8      1234",
    ]


def test_table_free_last_column_and_free_cells_do_not_widen_columns():
    columns = [Column("check"), Column("result", width=6, gap="  "), Column("detail", gap="  ")]
    lines = table(columns, [("a. one", "PASS", "a long detail " * 5), ("b", "FAIL", "")], rule="columns")
    assert lines[0] == "check   result  detail"
    assert lines[1] == "------  ------  ------"  # the detail column is as wide as its title
    assert lines[2] == "a. one  PASS    " + ("a long detail " * 5).rstrip()
    assert lines[3] == "b       FAIL"  # no trailing padding

    columns = [Column("page type", width=10), Column("req/s", ">", 6), Column("errors", ">", 6)]
    lines = table(columns, [["home", "12.5", 0], ["sitemap", Free("status 404, expected 200")]], rule="line")
    assert lines == [
        "page type   req/s errors",
        "------------------------",
        "home         12.5      0",
        "sitemap    status 404, expected 200",
    ]


def test_table_indents_and_refuses_an_unknown_rule():
    columns = [Column("phase", width=8), Column("requests", ">", 8)]
    assert table(columns, [["before", 3]], indent="  ") == ["  phase    requests", "  before          3"]
    with pytest.raises(ValueError):
        table(columns, [], rule="dashes")


# --- HTTP --------------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self, status, body, cookies=()):
        self.send_response(status)
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Seen-From", self.client_address[0])
        self.send_header("X-Seen-Cookie", self.headers.get("Cookie", ""))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/form":
            body = b'<form><input type="hidden" name="csrfmiddlewaretoken" value="tok-123"></form>'
            return self._answer(200, body, ["csrftoken=abc; Path=/", "old=1; Path=/"])
        if self.path == "/logout":
            return self._answer(302, b"", ['old=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/'])
        return self._answer(404, b"missing")

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self._answer(200, self.rfile.read(length), ["sessionid=s1; HttpOnly"])


@pytest.fixture
def http_server():
    server = http.server.ThreadingHTTPServer((HOST, free_port()), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_fetch_by_port_or_url_and_try_fetch_names_the_failure(http_server):
    by_port = fetch(http_server, "/nothing")
    by_url = fetch(f"http://{HOST}:{http_server}", "/nothing")
    assert (by_port.status, by_port.body, by_port.text) == (404, b"missing", "missing")
    assert by_url.status == 404
    assert by_port.header("x-seen-from") == HOST  # headers are case-insensitive
    assert by_port.header("X-Absent", "none") == "none"

    closed = free_port()
    with pytest.raises(OSError):
        fetch(closed, "/")
    failed = try_fetch(closed, "/")
    assert failed.status == "ConnectionRefusedError"
    assert failed.body == b"" and failed.header("X-Cache") == ""


def test_fetch_from_another_loopback_address(http_server):
    response = fetch(http_server, "/nothing", source="127.0.0.2")
    assert response.header("X-Seen-From") == "127.0.0.2"


def test_browser_keeps_and_forgets_cookies_and_posts_forms(http_server):
    browser = Browser(http_server)
    form = browser.get("/form")
    assert csrf_token(form) == "tok-123"
    assert browser.cookies == {"csrftoken": "abc", "old": "1"}
    posted = browser.post("/submit", {"csrfmiddlewaretoken": csrf_token(form), "name": "a b&c"})
    assert posted.body == b"csrfmiddlewaretoken=tok-123&name=a+b%26c"
    assert posted.header("X-Seen-Cookie") == "csrftoken=abc; old=1"
    assert browser.cookies == {"csrftoken": "abc", "old": "1", "sessionid": "s1"}
    browser.get("/logout")  # a cookie set to "" is deleted, as a browser does
    assert browser.cookies == {"csrftoken": "abc", "sessionid": "s1"}
    assert csrf_token(browser.get("/nothing")) == ""


def test_free_port_is_free():
    port = free_port()
    server = http.server.HTTPServer((HOST, port), _Handler)  # would raise if taken
    server.server_close()


# --- processes ---------------------------------------------------------------------------------


def test_server_logs_waits_and_stops_everything_it_forked(tmp_path):
    # A server that forks a grandchild (as gunicorn forks workers) and writes to its log.
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print('ready', child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    server = Server("sleeper", [sys.executable, "-c", code], log_path=tmp_path / "sleeper.log")
    server.start()
    try:
        server.wait_until(lambda: "ready" in server.log_text(), 20, interval=0.05)
        grandchild = int(server.log_text().split()[1])
        assert wait_for(lambda: children(server.pid) == [grandchild], 5)
        assert alive(grandchild)
    finally:
        server.stop(timeout=5)
    assert not server.running()
    assert wait_for(lambda: not alive(grandchild), 5)  # the whole process group was stopped
    assert not alive(server.pid)


def test_server_that_exits_early_is_reported_with_its_log(tmp_path):
    server = Server(
        "broken", [sys.executable, "-c", "print('no database'); raise SystemExit(3)"], log_path=tmp_path / "broken.log"
    )
    server.start()
    with pytest.raises(HarnessError) as raised:
        server.wait_until(lambda: False, 20)
    assert "broken exited (status 3)" in str(raised.value) and "no database" in str(raised.value)

    quiet = Server("quiet", [sys.executable, "-c", "import time; time.sleep(30)"], log_path=tmp_path / "quiet.log")
    quiet.start()
    try:
        with pytest.raises(HarnessError, match="quiet did not answer within 1 s"):
            quiet.wait_until(lambda: False, 1)
    finally:
        quiet.stop(timeout=5)


def test_time_limit_interrupts_the_block_and_is_lifted_after_it():
    started = time.monotonic()
    with pytest.raises(OutOfTime, match="too slow"), time_limit(1, "too slow"):
        time.sleep(10)
    assert time.monotonic() - started < 5
    previous = signal.getsignal(signal.SIGALRM)
    with time_limit(5):
        pass
    assert signal.alarm(0) == 0  # no alarm left pending
    assert signal.getsignal(signal.SIGALRM) == previous


def test_cleanup_runs_every_step_last_first_with_notes(tmp_path):
    order = []
    kept, removed = tmp_path / "kept", tmp_path / "removed"
    kept.mkdir()
    removed.mkdir()

    def failing():
        order.append("failing")
        raise RuntimeError("database busy")

    with Cleanup() as cleanup:
        cleanup.remove_directory(kept, keep=True)
        cleanup.remove_directory(removed)
        cleanup.add(lambda: order.append("first") or "first done")
        cleanup.add(failing)
        cleanup.add(order.append, "last")
    assert order == ["last", "failing", "first"]
    assert cleanup.notes == ["failing failed (RuntimeError: database busy)", "first done", f"kept {kept}"]
    assert kept.exists() and not removed.exists()


def test_django_env_drops_what_would_change_the_site(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    monkeypatch.setenv("AWS_BUCKET", "x")
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere")
    monkeypatch.setenv("REDIS_URL_REPLICA", "kept")
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    env = django_env("scripts.bench_settings", drop=("AWS_", "REDIS_URL"), WEB_CONCURRENCY=2, MEDIA_ROOT=Path("/m"))
    assert env["DJANGO_SETTINGS_MODULE"] == "scripts.bench_settings"
    assert env["PYTHONPATH"] == f"{ROOT}{os.pathsep}/somewhere"
    assert (env["WEB_CONCURRENCY"], env["MEDIA_ROOT"]) == ("2", "/m")
    assert not {"DJANGO_ALLOW_ASYNC_UNSAFE", "AWS_BUCKET", "REDIS_URL"} & env.keys()
    assert env["REDIS_URL_REPLICA"] == "kept"  # a name without "_" at the end is dropped exactly


def test_django_call_runs_a_function_inside_django():
    env = django_env("dei_portal.settings.test")
    assert django_call(env, "django:get_version") == django.get_version()
    assert django_call(env, "posixpath:join", "media", "images") == "media/images"  # arguments as JSON
    with pytest.raises(HarnessError, match="ModuleNotFoundError"):
        django_call(env, "scripts.no_such_module:anything")


# --- PostgreSQL and Redis ----------------------------------------------------------------------


def test_postgres_url_round_trip():
    server, name = PostgresServer.from_url("postgres://us%40er:p%3Ass@db.example:6543/my%20db")
    assert (server.host, server.port, server.user, server.password, name) == (
        "db.example",
        6543,
        "us@er",
        "p:ss",
        "my db",
    )
    assert server.url(name) == "postgres://us%40er:p%3Ass@db.example:6543/my%20db"
    env = server.libpq_env(name, base={})
    assert env == {
        "PGHOST": "db.example",
        "PGPORT": "6543",
        "PGUSER": "us@er",
        "PGDATABASE": "my db",
        "PGPASSWORD": "p:ss",
    }
    with pytest.raises(HarnessError):
        PostgresServer.from_url("sqlite:///db.sqlite3")


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="throwaway databases need a PostgreSQL server (set DATABASE_URL)",
)
def test_throwaway_postgres_database_is_created_and_dropped():
    db = settings.DATABASES["default"]
    server = PostgresServer(db["HOST"] or HOST, db["PORT"] or 5432, db["USER"], db["PASSWORD"])
    name = f"harness_check_{secrets.token_hex(4)}"
    assert not server.database_exists(name)
    url = server.create_database(name)
    try:
        assert server.database_exists(name)
        connection = server.connect(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            assert cursor.fetchone()[0] == name
        # Still connected: DROP … WITH (FORCE) ends the session; replace=True starts afresh.
        assert server.create_database(name, replace=True) == url
        connection.close()
    finally:
        server.drop_database(name)
    assert not server.database_exists(name)


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_private_redis_and_forgetting_a_prefix(tmp_path):
    import redis

    server = PrivateRedis(tmp_path)
    server.start()
    try:
        client = redis.Redis.from_url(server.url)
        for key in ("run-1:1:page", "run-1:1:fragment", "run-10:1:page", "other:1:page"):
            client.set(key, "x")
        assert forget_keys(server.url, "run-1") == 2
        assert sorted(key.decode() for key in client.keys("*")) == ["other:1:page", "run-10:1:page"]
        server.stop()
        assert not server.ping()
        server.start()  # started again, empty: a drill's outage
        assert server.ping() and client.dbsize() == 0
    finally:
        server.stop()


# --- the authenticator code --------------------------------------------------------------------


def test_current_code_is_what_a_totp_device_accepts(db):
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.create_user("harness", "harness@example.edu", "a-long-password-1")
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    code = current_code(device.key, device.step, device.t0, device.digits, device.drift)
    assert re.fullmatch(r"\d{6}", code)
    assert device_code(device) in (code, current_code(device.key))  # the same code (unless the step just ended)
    other = TOTPDevice.objects.create(user=user, name="Another app", confirmed=True)
    assert not other.verify_token(code)  # the code belongs to its key: another device refuses it
    assert device.verify_token(code)


# --- one copy of each piece ----------------------------------------------------------------------


def test_scripts_keep_no_copies_of_the_harness():
    """Machinery defined in the harness is not defined again in a script (and no script has its
    own RFC 6238)."""
    shared = re.compile(
        r"^\s*(def (free_port|fetch|children|alive|wait_for|rss_kib|log|stop_group|totp)\b"
        r"|class (PrivatePostgres|PrivateRedis|Browser|Response)\b)",
        re.MULTILINE,
    )
    found = {}
    for path in SCRIPTS.rglob("*.py"):
        if "harness" in path.relative_to(SCRIPTS).parts:
            continue
        text = path.read_text()
        hits = [match.group(1).strip() for match in shared.finditer(text)]
        if "hmac" in text or "hashlib.sha1" in text:
            hits.append("a hand-written HMAC/TOTP")
        if hits:
            found[str(path.relative_to(ROOT))] = hits
    assert found == {}
