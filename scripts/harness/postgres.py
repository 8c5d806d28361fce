"""PostgreSQL for a run: throwaway databases on a server (the machine's, or one named by a
URL), or a private cluster of the run's own on a free port."""

import glob
import os
import pwd
import subprocess
import urllib.parse
from pathlib import Path

from .net import HOST, free_port
from .processes import HarnessError

SCHEMES = ("postgres", "postgresql", "pgsql", "postgis")


def is_postgres_url(url):
    return urllib.parse.urlsplit(url or "").scheme in SCHEMES


class PostgresServer:
    """A PostgreSQL server reached over TCP; creates and drops whole databases on it.

    The connection uses psycopg2 with the password (if any) as a parameter, and the client
    programs (pg_dump …) get libpq's environment variables (`libpq_env`), so no password is
    ever on a command line.
    """

    def __init__(self, host=HOST, port=5432, user="postgres", password=""):
        self.host = host
        self.port = int(port)
        self.user = user
        self.password = password

    @classmethod
    def from_url(cls, url):
        """(server, database name) of a postgres:// URL."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise HarnessError(f"not a PostgreSQL URL: {parts.scheme or 'no scheme'}")
        server = cls(
            host=parts.hostname or HOST,
            port=parts.port or 5432,
            user=urllib.parse.unquote(parts.username or "postgres"),
            password=urllib.parse.unquote(parts.password or ""),
        )
        return server, urllib.parse.unquote(parts.path.lstrip("/"))

    def url(self, dbname):
        auth = urllib.parse.quote(self.user, safe="")
        if self.password:
            auth += ":" + urllib.parse.quote(self.password, safe="")
        return f"postgres://{auth}@{self.host}:{self.port}/{urllib.parse.quote(dbname, safe='')}"

    def connect(self, dbname):
        import psycopg2

        return psycopg2.connect(
            host=self.host, port=self.port, user=self.user, password=self.password or None, dbname=dbname
        )

    def _maintenance(self):
        """An autocommit connection to a database that always exists (for CREATE/DROP)."""
        import psycopg2

        error = None
        for dbname in ("postgres", "template1"):
            try:
                connection = self.connect(dbname)
            except psycopg2.OperationalError as failure:
                error = failure
                continue
            connection.autocommit = True
            return connection
        raise HarnessError(f"cannot connect to PostgreSQL on {self.host}:{self.port}: {error}")

    def _execute(self, statement, *names):
        from psycopg2 import sql

        connection = self._maintenance()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL(statement).format(*map(sql.Identifier, names)))
        finally:
            connection.close()

    def database_exists(self, dbname):
        connection = self._maintenance()
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname])
                return cursor.fetchone() is not None
        finally:
            connection.close()

    def create_database(self, dbname, replace=False):
        """CREATE DATABASE (after dropping one of that name, with `replace`); its URL."""
        if replace:
            self.drop_database(dbname)
        self._execute("CREATE DATABASE {}", dbname)
        return self.url(dbname)

    def drop_database(self, dbname):
        """DROP DATABASE IF EXISTS … WITH (FORCE): its sessions are ended first."""
        self._execute("DROP DATABASE IF EXISTS {} WITH (FORCE)", dbname)

    def libpq_env(self, dbname, base=None):
        """`base` (default: this process's environment) with PGHOST, PGPORT, PGUSER,
        PGDATABASE and PGPASSWORD for pg_dump, pg_restore, psql."""
        env = dict(os.environ if base is None else base)
        env.update(PGHOST=self.host, PGPORT=str(self.port), PGUSER=self.user, PGDATABASE=dbname)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


class PrivatePostgres(PostgresServer):
    """A throwaway PostgreSQL cluster of the run's own: `initdb` into `workdir`/postgres, run
    with `pg_ctl` on a free loopback port (socket in that directory too), durability off. When
    the run is root, every PostgreSQL program runs as the `postgres` OS user (PostgreSQL refuses
    to run as root). It can be stopped and started again: a drill's database outage."""

    def __init__(self, workdir):
        super().__init__(host=HOST, port=free_port(), user="postgres")
        bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name))
        if not bindirs:
            raise HarnessError("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin")
        self.bin = Path(bindirs[-1])
        self.version = self.bin.parent.name
        self.dir = Path(workdir) / "postgres"
        self.data = self.dir / "data"
        self.started = False
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args, timeout=60, check=True):
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.dir)
        if check and result.returncode != 0:
            raise HarnessError(f"{args[0]} failed: {result.stdout[-2000:]}{result.stderr[-2000:]}")
        return result

    def init(self):
        self.dir.mkdir()
        if self.as_postgres:
            account = pwd.getpwnam("postgres")
            os.chmod(self.dir.parent, 0o711)  # noqa: S103 (postgres may pass through, list nothing)
            os.chown(self.dir, account.pw_uid, account.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )
        return self

    def start(self, max_connections=40):
        """Start and return once it accepts connections (pg_ctl -w)."""
        options = (
            f"-p {self.port} -c listen_addresses={HOST} -k {self.dir} -c max_connections={max_connections} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-o", options, "-w", "-t", "30", "start"
        )
        self.started = True
        return self

    def stop(self, mode="fast"):
        """pg_ctl stop: "fast" cuts every connection, "immediate" does not even checkpoint."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop", check=False)

    def accepting(self):
        return self._run("pg_isready", "-h", HOST, "-p", str(self.port), "-t", "1", check=False).returncode == 0
