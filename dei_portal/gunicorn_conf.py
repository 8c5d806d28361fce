"""Gunicorn settings for production: `gunicorn -c dei_portal/gunicorn_conf.py dei_portal.wsgi:application`.

Every value can be changed from the environment, so one file serves a container, a VM and
`make bench` (scripts/bench.py). Command-line options still win over this file.

| Variable | Default | Meaning |
| --- | --- | --- |
| `GUNICORN_BIND` | `0.0.0.0:$PORT` when `PORT` is set, else `127.0.0.1:8000` | address(es) to listen on, comma-separated |
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

import os


def _int(name, default):
    return int(os.environ.get(name, default))


if os.environ.get("GUNICORN_BIND"):
    bind = [address.strip() for address in os.environ["GUNICORN_BIND"].split(",") if address.strip()]
elif os.environ.get("PORT"):
    bind = [f"0.0.0.0:{os.environ['PORT']}"]
else:
    bind = ["127.0.0.1:8000"]

workers = _int("WEB_CONCURRENCY", 2)
threads = _int("GUNICORN_THREADS", 1)
worker_class = "sync" if threads == 1 else "gthread"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100) if max_requests else 0
preload_app = False

# The heartbeat file on a RAM-backed directory: on a disk-backed /tmp (some container
# runtimes), its fchmod can stall a worker long enough to be killed as "timed out".
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "-")
accesslog = None if _access_log.lower() in ("", "off", "none", "false", "0") else _access_log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET")
if _control_socket:
    if _control_socket.lower() in ("off", "none", "false", "0"):
        control_socket_disable = True
    else:
        control_socket = _control_socket

proc_name = "dei_portal"
