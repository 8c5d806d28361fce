"""``GET /healthz``: is this app server able to serve pages? For load balancers and monitors.

- **200** ``{"status": "ok", "checks": {"database": {"status": "ok", ...}, ...}}`` when a
  trivial query (``SELECT 1``, at most ``HEALTHZ_DB_TIMEOUT_MS`` on PostgreSQL) answers.
- **503** ``{"status": "error", ...}`` when it does not: take this server out of rotation.
- With Redis as the cache (``REDIS_URL``), a write and read back of one short-lived key;
  when Redis is down the answer is still **200** with ``"status": "degraded"``, because the
  site serves every page without its cache (slower, never wrong): a load balancer must not
  take every server out because the shared cache is down.

Never cached anywhere (``Cache-Control: no-store`` and friends, and excluded from the page
cache in ``dei_portal.core.cache``), sets no cookie, touches no session, reveals no version,
host name or error text (those go to the log, with the request id). A success is logged at
DEBUG only (``dei_portal.operations.request_id``), so frequent probes do not flood the logs.

Two things a deployment must know (docs/operations.md):

- **Host header.** Django's host check applies here as on every URL: a probe whose ``Host``
  is not in ``ALLOWED_HOSTS`` gets 400. Load balancers often send the server's own address
  (AWS ALB: the target's private IP). Either set the probe's Host to the site's name, or
  add that address to ``ALLOWED_HOSTS``. Nothing here bypasses the check.
- **HTTPS redirect.** Probes speak plain HTTP to the app server and send no
  ``X-Forwarded-Proto``; production exempts ``/healthz`` from ``SECURE_SSL_REDIRECT``
  (``SECURE_REDIRECT_EXEMPT``), so they get the health answer, not a 301.

A database that is not refusing but silent (a dead host) makes the connection attempt
wait: add ``?connect_timeout=5`` to ``DATABASE_URL`` (libpq's option) so it fails fast.
"""

import logging
import time
import uuid

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

# The logger keeps the name it had before the module moved into dei_portal/operations/ (log filters).
logger = logging.getLogger("dei_portal.health")

DEFAULT_DB_TIMEOUT_MS = 2000
CACHE_KEY = "dei:healthz"


def _elapsed_ms(started):
    return round((time.perf_counter() - started) * 1000, 1)


def check_database():
    started = time.perf_counter()
    timeout_ms = int(getattr(settings, "HEALTHZ_DB_TIMEOUT_MS", DEFAULT_DB_TIMEOUT_MS))
    try:
        if connection.vendor == "postgresql":
            # SET LOCAL: the limit ends with this transaction, so the (persistent) connection
            # goes back to the pages with its usual settings.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [timeout_ms])
                cursor.execute("SELECT 1")
                cursor.fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Health check: the database is unavailable: %s", error, extra={"check": "database"})
        return {"status": "unavailable", "ms": _elapsed_ms(started)}
    return {"status": "ok", "ms": _elapsed_ms(started)}


def check_cache():
    """The shared cache (Redis) round trip; None when the cache is per-process memory."""
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return None
    started = time.perf_counter()
    token = uuid.uuid4().hex
    try:
        # ResilientRedisCache answers "miss" instead of raising while Redis is down: the value
        # read back tells whether the round trip worked.
        cache.set(CACHE_KEY, token, 30)
        ok = cache.get(CACHE_KEY) == token
    except Exception as error:  # a plain RedisCache raises
        logger.warning("Health check: the cache is unavailable: %s", error, extra={"check": "cache"})
        ok = False
    return {"status": "ok" if ok else "unavailable", "ms": _elapsed_ms(started)}


@never_cache
@require_safe  # GET and HEAD
def healthz(request):
    checks = {"database": check_database()}
    cache_state = check_cache()
    if cache_state is not None:
        checks["cache"] = cache_state
    if checks["database"]["status"] != "ok":
        status, code = "error", 503
    elif any(check["status"] != "ok" for check in checks.values()):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)
