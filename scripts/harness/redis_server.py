"""Redis for a run: a private redis-server on a free port, or a key prefix of the run's own
in a shared one (removed at the end)."""

import shutil
import socket

from .net import HOST, free_port
from .processes import HarnessError, Server, wait_for


class PrivateRedis(Server):
    """A redis-server of the run's own (a foreground child), persisting nothing; it can be
    stopped and started again (empty): a drill's cache outage."""

    def __init__(self, workdir):
        if not shutil.which("redis-server"):
            raise HarnessError("redis-server not found (apt-get install redis-server)")
        self.dir = workdir / "redis"
        self.dir.mkdir()
        self.port = free_port()
        super().__init__(
            "redis-server",
            [
                "redis-server",
                "--port",
                self.port,
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
                "--logfile",
                self.dir / "redis.log",
                "--daemonize",
                "no",
            ],
            log_path=self.dir / "stdout.log",
        )

    def start(self):
        super().start()
        if not wait_for(self.ping, 10):
            raise HarnessError(f"the private redis-server did not start: {self.tail()}")
        return self

    def stop(self, timeout=10):
        super().stop(timeout=timeout)

    def ping(self):
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    @property
    def url(self):
        return f"redis://{HOST}:{self.port}/0"


def forget_keys(url, prefix):
    """Delete every key under `prefix` (Django's cache keys are "<KEY_PREFIX>:<version>:<key>")
    from the Redis at `url`; how many there were."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])
    return len(keys)
