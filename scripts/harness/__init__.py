"""What the scripts share: everything a drill, the benchmark or the audit needs to stand up a
private copy of the site on loopback, talk to it, report on it and take it down again.

    console          log(), table() / print_table() with Column and Free cells
    net              HOST, free_port(), fetch() / try_fetch() -> Response, Browser, csrf_token()
    processes        ROOT, Server (a child with a log file, wait_until(), stop()), wait_for(),
                     time_limit() / OutOfTime, exit_on_sigterm(), children(), alive(), rss_kib(),
                     make_workdir(), Cleanup, HarnessError
    django_commands  django_env(), manage(), Background (manage.py alongside), django_call()
    gunicorn         Gunicorn (the production config file, workers(), start_serving())
    postgres         PostgresServer (throwaway databases on a server), PrivatePostgres (initdb)
    redis_server     PrivateRedis, forget_keys() (a run's own key prefix in a shared Redis)
    tools            ensure_debian() (apt-get when root), run_wrk() (scripts/bench_wrk.lua)
    totp             current_code(): django_otp.oath.totp for a TOTPDevice's key

The scripts import it as `scripts.harness` (each puts the repository on sys.path first), so a
child process that imports a script's module (`django_call`) finds the same names. Nothing
here starts anything at import time, and nothing listens beyond 127.0.0.1.
"""

from .console import Column, Free, log, print_table, table
from .django_commands import Background, django_call, django_env, manage
from .gunicorn import GUNICORN_CONF, GUNICORN_LOGGING, Gunicorn
from .net import HOST, Browser, Response, csrf_token, fetch, free_port, try_fetch
from .postgres import PostgresServer, PrivatePostgres, is_postgres_url
from .processes import (
    ROOT,
    Cleanup,
    HarnessError,
    OutOfTime,
    Server,
    alive,
    children,
    exit_on_sigterm,
    make_workdir,
    rss_kib,
    tail,
    time_limit,
    wait_for,
)
from .redis_server import PrivateRedis, forget_keys
from .tools import ensure_debian, run_wrk, wrk_errors, wrk_version

__all__ = [
    "GUNICORN_CONF",
    "GUNICORN_LOGGING",
    "HOST",
    "ROOT",
    "Background",
    "Browser",
    "Cleanup",
    "Column",
    "Free",
    "Gunicorn",
    "HarnessError",
    "OutOfTime",
    "PostgresServer",
    "PrivatePostgres",
    "PrivateRedis",
    "Response",
    "Server",
    "alive",
    "children",
    "csrf_token",
    "django_call",
    "django_env",
    "ensure_debian",
    "exit_on_sigterm",
    "fetch",
    "forget_keys",
    "free_port",
    "is_postgres_url",
    "log",
    "make_workdir",
    "manage",
    "print_table",
    "rss_kib",
    "run_wrk",
    "table",
    "tail",
    "time_limit",
    "try_fetch",
    "wait_for",
    "wrk_errors",
    "wrk_version",
]
