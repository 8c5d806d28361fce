"""The WSGI application (gunicorn: dei_portal/operations/gunicorn_conf.py), and the warm-up the
gunicorn master runs once after preloading it, so that every forked worker starts warm."""

import os

from django.core.wsgi import get_wsgi_application
from django.template import engines
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dei_portal.settings.production")

application = get_wsgi_application()

# Compiled once in the master; each is used by (nearly) every page.
WARM_TEMPLATES = ("base.html", "404.html")


def warm_up():
    """Import and compile what every worker's first request would, without touching the database
    or the cache: the URL configuration (every view module and the admin's URLs) and the
    template engines (their tag libraries) with the base template. Run in the gunicorn master
    (its `when_ready` hook), so a fork has it already; its connections are closed before forking."""
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (imports the URL configuration)
    resolver.reverse_dict  # noqa: B018 (walks every included URLconf)
    for engine in engines.all():
        for name in WARM_TEMPLATES:
            engine.get_template(name)
