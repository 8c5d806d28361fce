"""Caching for anonymous visitors: whole pages, and the site chrome on every page.

One rule keeps every cache fresh: each entry carries the site's *content generation*
it was made in, a counter that every change a visitor could see moves on (publish,
unpublish, move, delete, a notice, a setting, an audience or category, an image, a view
restriction; see ``dei_portal.core.signals``). An entry is only used while its generation is
current, so after a change the next request renders the page from the database and
replaces it. With Redis, the generation and the entry come back in one round trip
(MGET). Each entry also lives no longer than the next scheduled expiry (of a page or a
notice), so something that expires by the clock leaves at that second, before the
scheduled-publishing job runs.

Where the generation lives:

- Redis (``REDIS_URL`` set): in Redis, shared by every worker and server.
- Local memory (one cache per process): in a stamp file's modification time
  (``PAGE_CACHE_STAMP_FILE``), which every worker on the machine reads with one stat().

When the cache cannot be reached (Redis down), every helper here answers "no cache"
and pages are rendered as if caching were off: slower, never wrong, never an error.
"""

import hashlib
import logging
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models import Min
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, set_response_etag

from dei_portal.core import frontend_cache, memo
from dei_portal.core.public_site import scheduled_models

# The logger keeps the name it had before the module moved into dei_portal/core/ (log filters).
logger = logging.getLogger("dei_portal.cache")

GENERATION_KEY = "dei:generation"
# Paths never cached: the admin (and previews), two-factor, documents (permission-checked).
EXCLUDED_PREFIXES = ("/admin/", "/admin-2fa/", "/documents/", "/_util/", "/healthz")
CACHEABLE_TYPES = (
    "text/html",
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/calendar",
    "text/plain",
)


def _local_memory():
    return isinstance(caches["default"], LocMemCache)  # (``cache`` is only a proxy)


def _stamp_file():
    return Path(settings.PAGE_CACHE_STAMP_FILE)


def generation():
    """The current content generation, or None when the cache cannot be used."""
    try:
        if _local_memory():
            try:
                return os.stat(_stamp_file()).st_mtime_ns
            except FileNotFoundError:
                return 0
        value = cache.get(GENERATION_KEY)
        if value is None:
            cache.add(GENERATION_KEY, _first_generation(), timeout=None)
            value = cache.get(GENERATION_KEY)  # still None while Redis is down: no caching
        return value
    except Exception:  # Redis down or unreachable: no caching, not an error page.
        logger.warning("Cache unavailable; serving without it", exc_info=True)
        return None


def _first_generation():
    """Where a new counter starts (a new or flushed Redis): the clock in microseconds, never a
    number an earlier counter already used, so values a worker kept in its process for an
    old generation (dei_portal.core.memo) are never taken for the new one's."""
    return time.time_ns() // 1000


def _bump():
    try:
        if _local_memory():
            path = _stamp_file()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
            try:
                previous = os.stat(path).st_mtime_ns
            except FileNotFoundError:
                previous = 0
            now = max(time.time_ns(), previous + 1)
            os.utime(path, ns=(now, now))
            return
        try:
            if cache.incr(GENERATION_KEY) is None:
                logger.error("Could not invalidate the page cache: the cache is unavailable")
        except ValueError:  # no counter yet (a flushed or new cache)
            cache.add(GENERATION_KEY, _first_generation(), timeout=None)
            cache.incr(GENERATION_KEY)
    except Exception:
        # Redis down: nothing can be served from it either (generation() says so), and
        # entries written before the outage carry an older generation only if we move
        # on; log loudly so the operator knows to flush when it comes back.
        logger.error("Could not invalidate the page cache", exc_info=True)


def invalidate():
    """Move the content generation on: now, and again when the transaction commits.

    The second move matters: between the first and the commit, another request could
    read the old rows and cache them under the new generation.
    """
    _bump()
    transaction.on_commit(_bump)
    # The HTTP cache in front (Varnish) drops every page too, after the commit.
    frontend_cache.schedule_ban()


def seconds_until_next_change(limit):
    """Seconds until the next scheduled expiry of something live on the public site: a page, or
    a row of a model that declares it changes the public site and has a schedule, such as a
    site-wide notice (``scheduled_models``). At most ``limit``."""
    now = timezone.now()
    upcoming = [
        model._default_manager.filter(live=True, expire_at__gt=now).aggregate(at=Min("expire_at"))["at"]
        for model in scheduled_models()
    ]
    upcoming = [at for at in upcoming if at is not None]
    if not upcoming:
        return limit
    return max(1, min(limit, int((min(upcoming) - now).total_seconds())))


def _key(*parts):
    # The generation is not part of the key: each entry carries the generation it was
    # made in, and is only used while that is still current. So a change replaces
    # entries in place instead of leaving old ones to age out.
    return "dei:" + hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def _lookup(key):
    """(the current generation, the entry stored under ``key``): one round trip to Redis."""
    if _local_memory():
        return generation(), cache.get(key)
    values = cache.get_many([GENERATION_KEY, key])  # {} while Redis is down
    current = values.get(GENERATION_KEY)
    if current is None:
        current = generation()  # starts the counter (still None while Redis is down)
    return current, values.get(key)


def fragment(name, site_id, build):
    """A piece of the page the same for every visitor (notices, menu, footer), cached.

    Stored as (generation, value): an entry from an older generation is never used.
    """
    if not settings.FRAGMENT_CACHE:
        return build()
    # In this process for the request's generation (no round trip), else from the cache.
    return memo.get(("fragment", name, site_id), lambda: _shared_fragment(name, site_id, build))


def _shared_fragment(name, site_id, build):
    key = _key("fragment", name, site_id)
    current, stored = _lookup(key)
    if current is None:
        return build()
    if stored is not None and stored[0] == current:
        return stored[1]
    value = build()
    cache.set(key, (current, value), seconds_until_next_change(settings.PAGE_CACHE_SECONDS))
    return value


class AnonymousPageCacheMiddleware:
    """Serve whole pages to anonymous visitors from the cache.

    Only GET/HEAD requests without a session cookie, outside the admin and documents,
    are looked up; only 200 responses of page-like types that set no cookie, are not
    marked private and are not view-restricted are stored. Everything else passes
    through untouched (and pages for signed-in users say ``private``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._request_is_cacheable(request):
            response = self.get_response(request)
            if settings.SESSION_COOKIE_NAME in request.COOKIES and not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_cache=True)
            return response
        query = "&".join(sorted(request.META.get("QUERY_STRING", "").split("&")))
        key = _key("page", request.get_host(), request.path, query)
        current, stored = _lookup(key)
        request.content_generation = current  # read once per request (dei_portal.core.memo)
        if current is None:  # no cache to be had: serve as if caching were off
            return self.get_response(request)
        if stored is not None and stored[0] == current:
            return self._rebuild(stored[1:])
        response = self.get_response(request)
        if self._response_is_cacheable(request, response):
            ttl = seconds_until_next_change(settings.PAGE_CACHE_SECONDS)
            self._public_headers(response, ttl)
            if not response.has_header("ETag"):
                set_response_etag(response)  # once, here, rather than on every hit
            headers = [(k, v) for k, v in response.items() if k.lower() not in ("set-cookie", "x-cache")]
            cache.set(key, (current, response.status_code, headers, response.content), ttl)
            response["X-Cache"] = "MISS"
        return response

    @staticmethod
    def _request_is_cacheable(request):
        return (
            settings.PAGE_CACHE
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith(EXCLUDED_PREFIXES)
        )

    @staticmethod
    def _response_is_cacheable(request, response):
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        if response.get("Content-Type", "").split(";")[0].strip() not in CACHEABLE_TYPES:
            return False
        control = response.get("Cache-Control", "").lower()
        if any(word in control for word in ("private", "no-store", "no-cache")):
            return False
        route = getattr(request, "_wagtail_route_for_request", None)
        if route and getattr(route[0], "view_restricted", True):
            return False  # a private page (even one this visitor may see) is never shared
        return True

    @staticmethod
    def _public_headers(response, ttl):
        # Browsers revalidate every time (cheap: ETag, 304); shared caches (a CDN) may keep
        # the page for CDN_MAX_AGE seconds, never past the next scheduled expiry.
        patch_cache_control(response, public=True, max_age=0, s_maxage=min(settings.CDN_MAX_AGE, ttl))

    @staticmethod
    def _rebuild(stored):
        status, headers, content = stored
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        response["X-Cache"] = "HIT"
        return response
