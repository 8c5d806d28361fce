"""gunicorn serving the site, as `make serve` runs it, on a port of the run's own."""

import sys

from .net import try_fetch
from .processes import ROOT, Server, alive, children

GUNICORN_CONF = ROOT / "dei_portal" / "operations" / "gunicorn_conf.py"
GUNICORN_LOGGING = ROOT / "deploy" / "gunicorn-logging.json"
APPLICATION = "dei_portal.wsgi:application"


class Gunicorn(Server):
    """gunicorn for `dei_portal.wsgi` with the production config file (dei_portal/operations/gunicorn_conf.py,
    which reads GUNICORN_BIND, WEB_CONCURRENCY … from `env`), or with `config=None` and
    command-line `options` only."""

    def __init__(self, name, *, port, env, log_path, config=GUNICORN_CONF, options=(), stderr_path=None):
        command = [sys.executable, "-m", "gunicorn"]
        if config:
            command += ["-c", config]
        command += [*options, APPLICATION]
        super().__init__(name, command, log_path=log_path, env=env, stderr_path=stderr_path)
        self.port = port

    def workers(self):
        """The live worker processes (the master's children that have not exited)."""
        return [pid for pid in children(self.pid) if alive(pid)] if self.running() else []

    def start_serving(self, path="/robots.txt", workers=0, timeout=60):
        """Start and wait until at least `workers` workers run and `path` answers 200."""
        self.start()
        self.wait_until(
            lambda: len(self.workers()) >= workers and try_fetch(self.port, path, timeout=5).status == 200,
            timeout,
        )
        return self
