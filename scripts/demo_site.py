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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for `scripts.…`
from scripts.harness import (
    HOST,
    ROOT,
    Gunicorn,
    django_env,
    exit_on_sigterm,
    free_port,
    make_workdir,
    manage,
    try_fetch,
)

__all__ = ["HOST", "ROOT", "DemoSite"]


class DemoSite:
    def __init__(self, keep=False, log=print):
        self.keep = keep
        self.log = log
        self.workdir = make_workdir("demo")
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.server = None
        self.secret_key = secrets.token_urlsafe(48)  # the same for every process of this site

    @property
    def env(self):
        """The environment for manage.py and gunicorn (and for django.setup() in a script)."""
        return django_env(
            "scripts.demo_settings",
            SECRET_KEY=self.secret_key,
            ALLOWED_HOSTS=f"{HOST},localhost",
            DATABASE_URL=f"sqlite:///{self.workdir / 'db.sqlite3'}",
            STATIC_ROOT=self.workdir / "static",
            MEDIA_ROOT=self.workdir / "media",
            WAGTAILADMIN_BASE_URL=self.url,
        )

    def manage(self, *args):
        manage(self.env, *args)

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
        self.server = Gunicorn(
            "the demo server",
            port=self.port,
            env=self.env,
            log_path=self.workdir / "gunicorn.log",
            config=None,
            options=[
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--chdir",
                ROOT,
                "--log-level",
                "warning",
            ],
        )
        self.server.start()
        self.server.wait_until(lambda: try_fetch(self.port, "/", timeout=2).status == 200, 30)
        self.log(f"Demo site: serving on {self.url}")

    def stop(self):
        if self.server:
            self.server.stop(timeout=10)
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        exit_on_sigterm()  # a plain `kill` of the script stops the server too
        try:
            self.prepare()
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
