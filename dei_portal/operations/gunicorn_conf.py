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
| `GUNICORN_MAX_REQUESTS` | 1000 | requests before a worker is recycled (0: never); bounds slow memory growth |
| `GUNICORN_MAX_REQUESTS_JITTER` | 100 | random extra requests, so workers do not all recycle at once |
| `GUNICORN_ACCESS_LOG` | `-` (stdout) | access log file; `off` for none |
| `GUNICORN_LOG_LEVEL` | `info` | error log level (the error log goes to stderr) |
| `FORWARDED_ALLOW_IPS` | `127.0.0.1` | proxies trusted for X-Forwarded-Proto (the reverse proxy's address) |
| `GUNICORN_CONTROL_SOCKET` | gunicorn's default | path of gunicorn's control socket; `off` for none |

The application is not preloaded into the master (`preload_app = False`): each worker imports
Django itself, so a graceful reload (`kill -HUP <master>`) picks up new code and no database
connection is shared across a fork.
"""

import importlib.util
import os
from pathlib import Path

# The settings' environment helper (dei_portal/settings/env.py), loaded by its path: gunicorn
# reads this file before the project is importable, and importing the dei_portal package here
# would import Django's app code into the master.
_spec = importlib.util.spec_from_file_location("dei_portal_env", Path(__file__).parent.parent / "settings" / "env.py")
_env = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_env)
env_int, env_list, env_str = _env.env_int, _env.env_list, _env.env_str


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
max_requests = env_int("GUNICORN_MAX_REQUESTS", 1000, minimum=0)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 100, minimum=0) if max_requests else 0
preload_app = False

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
