"""Serve the demo site from a throwaway database, for `make audit` and `make screenshots`.

    with DemoSite() as site:
        print(site.url)          # http://127.0.0.1:<free port>

The site runs as it would in production: gunicorn, DEBUG off, static files collected and
served (compressed, with far-future caching) by WhiteNoise; settings in
scripts/demo_settings.py. Everything it writes (SQLite database, media, static files)
lives in a temporary directory that is removed afterwards; the developer's db.sqlite3 is
never touched.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class DemoSite:
    def __init__(self, keep=False, log=print):
        self.keep = keep
        self.log = log
        self.workdir = Path(tempfile.mkdtemp(prefix="dei-portal-demo-"))
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.process = None
        self.secret_key = secrets.token_urlsafe(48)  # the same for every process of this site

    @property
    def env(self):
        """The environment for manage.py and gunicorn (and for django.setup() in a script)."""
        env = dict(os.environ)
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update(
            DJANGO_SETTINGS_MODULE="scripts.demo_settings",
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS=f"{HOST},localhost",
            DATABASE_URL=f"sqlite:///{self.workdir / 'db.sqlite3'}",
            STATIC_ROOT=str(self.workdir / "static"),
            MEDIA_ROOT=str(self.workdir / "media"),
            WAGTAILADMIN_BASE_URL=self.url,
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        )
        return env

    def manage(self, *args):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, stdout=subprocess.DEVNULL
        )

    def setup_django(self):
        """Use this demo site's database from the calling process (e.g. to create a user)."""
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    def prepare(self):
        self.log(f"Demo site: migrating a fresh database in {self.workdir} …")
        self.manage("migrate", "--noinput")
        self.log("Demo site: loading the demo content …")
        self.manage("load_demo_content")
        # Absolute URLs (canonical, Open Graph, the embed snippet) name the address we serve on.
        self.manage(
            "shell",
            "-c",
            "from wagtail.models import Site; "
            f"Site.objects.filter(is_default_site=True).update(hostname='{HOST}', port={self.port})",
        )
        self.log("Demo site: collecting static files …")
        self.manage("collectstatic", "--noinput")

    def start(self):
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "dei_portal.wsgi:application",
                "--bind", f"{HOST}:{self.port}", "--workers", "2", "--threads", "4",
                "--chdir", str(ROOT), "--log-level", "warning",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,  # its own process group, stopped as a whole
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the demo server exited with status {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2) as response:
                    if response.status == 200:
                        self.log(f"Demo site: serving on {self.url}")
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise RuntimeError("the demo server did not answer within 30 seconds")

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        # A plain `kill` of the script stops the server too (SystemExit runs __exit__).
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
        try:
            self.prepare()
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
