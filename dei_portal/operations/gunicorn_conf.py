"""Gunicorn settings for production: `gunicorn -c dei_portal/operations/gunicorn_conf.py dei_portal.wsgi:application`.

Every value can be changed from the environment, so one file serves a container, a VM and
`make bench` (scripts/bench.py). Command-line options still win over this file.

| Variable | Default | Meaning |
| --- | --- | --- |
| `GUNICORN_BIND` | `0.0.0.0:$PORT` if `PORT` is set, else `127.0.0.1:8000` | addresses to listen on, comma-separated |
| `WEB_CONCURRENCY` | 2 | worker processes (roughly 2 × cores for this CPU-bound app, memory permitting) |
| `GUNICORN_THREADS` | 1 | threads per worker; 1 is the sync worker, more switches to the gthread worker |
| `GUNICORN_TIMEOUT` | 30 | seconds a worker may spend on one request before it is killed and replaced |
| `GUNICORN_GRACEFUL_TIMEOUT` | 30 | seconds a worker gets to finish its requests on restart/shutdown |
| `GUNICORN_KEEPALIVE` | 5 | seconds an idle keep-alive connection stays open (gthread worker; sync ignores it) |
| `GUNICORN_PRELOAD` | `on` | import the application once in the master; workers are forked from it warm (see below) |
| `GUNICORN_MAX_WORKER_RSS_MB` | 512 | a worker above this resident memory is replaced by a warm fork (0: no limit) |
| `GUNICORN_MAX_REQUESTS` | 0 (never) | also recycle a worker after this many requests (gunicorn's `max_requests`) |
| `GUNICORN_MAX_REQUESTS_JITTER` | max_requests / 10 | random extra requests, so workers do not all recycle at once |
| `GUNICORN_ACCESS_LOG` | `-` (stdout) | access log file; `off` for none |
| `GUNICORN_LOG_LEVEL` | `info` | error log level (the error log goes to stderr) |
| `FORWARDED_ALLOW_IPS` | `127.0.0.1` | proxies trusted for X-Forwarded-Proto (the reverse proxy's address) |
| `GUNICORN_CONTROL_SOCKET` | gunicorn's default | path of gunicorn's control socket; `off` for none |
| `GUNICORN_PIDFILE` | none | where the master writes its pid (the new master of a `USR2` upgrade writes `<file>.2`) |

**The application is preloaded** (`preload_app`): the master imports Django, the URL
configuration and the template engines once (`when_ready`, dei_portal/wsgi.py's `warm_up`), and
every worker is a fork of that warm process. A replacement worker (after a crash, a timeout or
the memory limit) therefore serves its first request in milliseconds instead of importing
Django for seconds, which under load used to stall requests behind it (docs/performance.md).
An import error stops the server at start instead of failing every worker in turn.

**Fork safety.** The master may not keep a database or Redis connection that a worker would
inherit (two processes on one socket corrupt each other's replies): `pre_fork` closes every
database connection and every Redis pool the master has opened, before each fork. Nothing at
import time opens one today; the hook keeps it so. Each worker opens its own connections on its
first request (tests/test_operations.py checks it against PostgreSQL's `pg_stat_activity`).

**Recycling** is by memory, not by request count: a worker is replaced only if its resident
memory grows past `GUNICORN_MAX_WORKER_RSS_MB` (checked every 32 requests, after the response is
sent), so a steady worker is never recycled and a leaking one is bounded. `GUNICORN_MAX_REQUESTS`
adds count-based recycling back if ever needed; with preloading each recycle is a cheap fork.

**Reloading code** (docs/operations.md): with a preloaded application, `kill -HUP <master>`
re-reads this file and re-forks the workers *from the code already loaded* — it does not pick
up new code (`on_reload` puts Django's logging back over gunicorn's re-applied one). A deploy
loads new code with a new master: `kill -USR2 <master>` starts one beside the old (same
sockets; it imports the new code, and if that fails the old master keeps serving), then
`kill -TERM <old master>` once the new one answers (graceful: the old workers finish their
requests). Or restart the service (`systemctl restart dei-portal`), one server at a time
behind the load balancer. `GUNICORN_PRELOAD=off` gives back "HUP loads new code", at the
price of a cold Django import in every new worker.
"""

import importlib.util
import os
import sys
from pathlib import Path

# The settings' environment helper (dei_portal/settings/env.py), loaded by its path: gunicorn
# reads this file before the project is importable, and with GUNICORN_PRELOAD=off the master must
# not import Django's app code at all.
_spec = importlib.util.spec_from_file_location("dei_portal_env", Path(__file__).parent.parent / "settings" / "env.py")
_env = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_env)
env_bool, env_int, env_list, env_str = _env.env_bool, _env.env_int, _env.env_list, _env.env_str


def _path_or_off(name, default):
    """A log or socket path, or None for off/none/false/0 (a switch's "off" words, plus none)."""
    value = env_str(name, default)
    return None if value.lower() in (_env.FALSE | {"none"}) else value


if env_list("GUNICORN_BIND"):
    bind = env_list("GUNICORN_BIND")
elif env_str("PORT", ""):
    bind = [f"0.0.0.0:{env_int('PORT', 8000, minimum=1)}"]
else:
    bind = ["127.0.0.1:8000"]

workers = env_int("WEB_CONCURRENCY", 2, minimum=1)
threads = env_int("GUNICORN_THREADS", 1, minimum=1)
worker_class = "sync" if threads == 1 else "gthread"
timeout = env_int("GUNICORN_TIMEOUT", 30, minimum=1)
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1)
keepalive = env_int("GUNICORN_KEEPALIVE", 5, minimum=0)
max_requests = env_int("GUNICORN_MAX_REQUESTS", 0, minimum=0)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 10, minimum=0) if max_requests else 0
preload_app = env_bool("GUNICORN_PRELOAD", True)
max_worker_rss_mb = env_int("GUNICORN_MAX_WORKER_RSS_MB", 512, minimum=0)
_pidfile = _path_or_off("GUNICORN_PIDFILE", "")
if _pidfile:
    pidfile = _pidfile

# The heartbeat file on a RAM-backed directory: on a disk-backed /tmp (some container
# runtimes), its fchmod can stall a worker long enough to be killed as "timed out".
if os.path.isdir("/dev/shm"):  # noqa: S108 (a directory gunicorn creates its own private files in)
    worker_tmp_dir = "/dev/shm"  # noqa: S108

accesslog = _path_or_off("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = _env.env_choice("GUNICORN_LOG_LEVEL", "info", _env.LOG_LEVELS)

forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1")

_control_socket = _path_or_off("GUNICORN_CONTROL_SOCKET", "")
if env_str("GUNICORN_CONTROL_SOCKET", "") and _control_socket is None:
    control_socket_disable = True
elif _control_socket:
    control_socket = _control_socket

proc_name = "dei_portal"


# --- Hooks: preloading, fork safety, memory-bound recycling --------------------------------------
# Django is reached through sys.modules, never imported here: without preloading the master must
# not import it, and with preloading it is already loaded when these run.


def when_ready(server):
    """In the master, once the preloaded application is loaded: import what every worker's first
    request would (the URL configuration, the template engines), so that forks start warm."""
    wsgi = sys.modules.get("dei_portal.wsgi")
    if server.cfg.preload_app and wsgi is not None:
        wsgi.warm_up()
    close_connections()


def on_reload(server):
    """In the master, on HUP, after gunicorn re-applied its own logging configuration: that one
    (`--log-config-json deploy/gunicorn-logging.json`) sets the root logger, replacing Django's
    handler (request ids, LOG_LEVEL). A preloaded Django does not configure logging again in the
    new workers, so Django's configuration goes back on before they are forked."""
    conf, log = sys.modules.get("django.conf"), sys.modules.get("django.utils.log")
    if server.cfg.preload_app and conf is not None and log is not None and conf.settings.configured:
        log.configure_logging(conf.settings.LOGGING_CONFIG, conf.settings.LOGGING)


def pre_fork(server, worker):
    """In the master, before every fork: nothing the master holds open is inherited."""
    close_connections()


def close_connections():
    """Close the database connections and the Redis pools this process has opened (if Django is
    loaded at all). Django's RedisCache.close() is a no-op (its pools live for the process), so
    the pools are disconnected here; redis-py would also reset an inherited pool in the child
    (it compares pids), but the socket would still be inherited."""
    db = sys.modules.get("django.db")
    if db is not None:
        db.connections.close_all()
    cache = sys.modules.get("django.core.cache")
    if cache is not None:
        for backend in cache.caches.all(initialized_only=True):
            backend.close()
            for pool in getattr(getattr(backend, "_cache", None), "_pools", {}).values():
                pool.disconnect()


_RSS_CHECK_EVERY = 32
_served = 0


def resident_kib():
    """This process's resident memory (VmRSS) in KiB, from /proc/self/statm (Linux)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return 0


def post_request(worker, req, environ, resp):
    """In a worker, after each response: past the memory limit, finish and be replaced (the
    master forks a warm replacement). gunicorn's own max_requests stops a worker the same way."""
    global _served
    _served += 1
    if not max_worker_rss_mb or _served % _RSS_CHECK_EVERY or not worker.alive:
        return
    rss_mib = resident_kib() / 1024
    if rss_mib > max_worker_rss_mb:
        worker.log.warning(
            "Worker %s uses %.0f MiB (GUNICORN_MAX_WORKER_RSS_MB=%s): replacing it after %s requests",
            worker.pid,
            rss_mib,
            max_worker_rss_mb,
            _served,
        )
        worker.alive = False
