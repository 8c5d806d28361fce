"""Settings for the site that `make bench` (scripts/bench.py) serves and measures.

Production settings (DEBUG off, WhiteNoise with compressed, fingerprinted static files, the
database from DATABASE_URL), with what a benchmark on a laptop needs: plain HTTP on
127.0.0.1, and one extra middleware that reports how many SQL queries each request ran in an
`X-Query-Count` header. scripts/bench.py sets the environment (a throwaway database, static
and media folders in a temporary directory). Never used for a real deployment.
"""

import os

from dei_portal.settings.production import *  # noqa: F403
from dei_portal.settings.production import MIDDLEWARE

# Served over plain HTTP on 127.0.0.1: no HTTPS redirect, HSTS or secure-only cookies.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# No reverse proxy in front: lock out by the connecting address. TRUSTED_PROXIES comes from
# the environment as in production (scripts/scaleout.py, behind Varnish, sets it to 127.0.0.1).
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Outermost, so it counts every query a request causes (sessions, auth, a page cache's
# lookups, the view) and a cache hit that runs none shows 0.
MIDDLEWARE = ["scripts.bench_middleware.QueryCountMiddleware", *MIDDLEWARE]

LOGGING["root"]["level"] = "ERROR"  # noqa: F405

# A key prefix of this run's own (set by scripts/bench.py): a shared cache such as Redis never
# serves a page cached by an earlier run, and the bench removes exactly its own keys at the end.
if os.environ.get("BENCH_CACHE_KEY_PREFIX") and "CACHES" in globals():
    for _cache in CACHES.values():  # noqa: F405
        _cache["KEY_PREFIX"] = ":".join(filter(None, [os.environ["BENCH_CACHE_KEY_PREFIX"], _cache.get("KEY_PREFIX")]))
