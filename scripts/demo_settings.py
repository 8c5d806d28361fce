"""Settings for the throwaway demo site that `make audit` and `make screenshots` serve.

Production settings (DEBUG off, WhiteNoise with compressed, hashed static files), with the
values a laptop needs: plain HTTP on 127.0.0.1, a SQLite database and media folder in a
temporary directory (see scripts/demo_site.py, which sets the environment), and the
uploaded demo images served by Django itself. Never used for a real deployment.
"""

from dei_portal.settings.production import *  # noqa: F403

# Served over plain HTTP on 127.0.0.1: no HTTPS redirect, HSTS or secure-only cookies.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ROOT_URLCONF = "scripts.demo_urls"
LOGGING["root"]["level"] = "ERROR"  # noqa: F405 (no "Not Found" lines for the 404 check)
