"""Purging the HTTP cache in front of the app servers (Varnish; see docs/deployment.md).

Two mechanisms, both configured by ``FRONTEND_CACHE_URLS`` (settings/base.py builds
``WAGTAILFRONTENDCACHE`` from it; unset, both are off):

1. **Per page** (Wagtail's ``wagtail.contrib.frontend_cache``): publishing or unpublishing a
   page sends ``PURGE <page URL>`` to each proxy, through :class:`HTTPBackend` below.
2. **Site-wide** (this module): a page's own URL is not the only one that changes. Notices,
   the menu and the footer are on every page, and the home page and the listings show other
   pages. So every change that moves the content generation (``dei_portal.core.cache.invalidate``,
   called by ``dei_portal.core.signals``) also sends one ``BAN /`` to each proxy, *after* the
   transaction commits (a proxy refetching earlier would store the old rows again). The VCL
   (deploy/varnish/default.vcl) answers a BAN by dropping every page it holds; fingerprinted
   static files stay.

A proxy that is down, slow or refuses never breaks the editor's request: every request here
has a short timeout (``FRONTEND_CACHE_TIMEOUT`` seconds) and every failure is logged, never
raised. Pages a proxy kept then live at most ``CDN_MAX_AGE`` seconds (their ``s-maxage``).
"""

import logging
from urllib.error import HTTPError
from urllib.parse import urlsplit, urlunsplit
from urllib.request import Request, urlopen

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from wagtail import __version__ as wagtail_version
from wagtail.contrib.frontend_cache.backends.http import HTTPBackend as WagtailHTTPBackend
from wagtail.contrib.frontend_cache.backends.http import PurgeRequest

# The logger keeps the name it had before the module moved into dei_portal/core/ (log filters).
logger = logging.getLogger("dei_portal.frontend_cache")

USER_AGENT = f"dei-portal-frontendcache (Wagtail {wagtail_version})"
DEFAULT_TIMEOUT = 1.0


def _timeout(params=None):
    value = (params or {}).get("TIMEOUT", getattr(settings, "FRONTEND_CACHE_TIMEOUT", DEFAULT_TIMEOUT))
    return float(value)


class HTTPBackend(WagtailHTTPBackend):
    """Wagtail's HTTP (Varnish) backend with a timeout, and no exception ever raised.

    Wagtail's own sends PURGE without a timeout (a proxy that accepts the connection and
    never answers would hang the publish) and lets errors other than HTTP/URL errors (a
    reset connection) escape.
    """

    def __init__(self, params):
        params = dict(params)
        self.timeout = _timeout(params)
        params.pop("TIMEOUT", None)
        super().__init__(params)

    def purge(self, url):
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        request = PurgeRequest(
            url=urlunsplit([self.cache_scheme, self.cache_netloc, parts.path, parts.query, parts.fragment]),
            headers={"Host": host, "User-Agent": USER_AGENT},
        )
        try:
            with urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured proxy address
                logger.info("Purged %s from %s (%s)", url, self.cache_netloc, response.status)
        except HTTPError as error:
            logger.error("Could not purge %s from %s: HTTP %s %s", url, self.cache_netloc, error.code, error.reason)
        except Exception as error:  # refused, timed out, reset: log, never break the publish
            logger.error("Could not purge %s from %s: %s", url, self.cache_netloc, error)


def proxy_locations():
    """The address of every HTTP proxy in WAGTAILFRONTENDCACHE (empty when none is set)."""
    locations = []
    for config in (getattr(settings, "WAGTAILFRONTENDCACHE", None) or {}).values():
        location = config.get("LOCATION")
        try:
            backend = import_string(config.get("BACKEND", ""))
        except ImportError:
            continue
        if location and isinstance(backend, type) and issubclass(backend, WagtailHTTPBackend):
            locations.append((location, _timeout(config)))
    return locations


def ban(location, timeout=DEFAULT_TIMEOUT):
    """Send ``BAN /`` to one proxy: it drops every page it holds. True when it said 2xx."""
    parts = urlsplit(location)
    url = urlunsplit([parts.scheme or "http", parts.netloc, "/", "", ""])
    request = Request(url, method="BAN", headers={"User-Agent": USER_AGENT})  # noqa: S310 - configured proxy address
    try:
        with urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured proxy address
            logger.info("Banned every page from %s (%s)", parts.netloc, response.status)
            return True
    except HTTPError as error:
        logger.error("Could not ban pages from %s: HTTP %s %s", parts.netloc, error.code, error.reason)
    except Exception as error:  # refused, timed out, reset: log, never raise into the request
        logger.error("Could not ban pages from %s: %s", parts.netloc, error)
    return False


def ban_all():
    """BAN every page from every configured proxy; the number of proxies that accepted."""
    return sum(ban(location, timeout) for location, timeout in proxy_locations())


def _ban_on_commit():
    try:
        ban_all()
    except Exception:  # belt and braces: nothing here may break the editor's request
        logger.exception("Could not ban pages from the frontend cache")


def schedule_ban():
    """BAN every page from the proxies once the current transaction commits (now outside one).

    Several changes in one transaction (a publish saves the page, its revision and its log)
    send one BAN per proxy: a callback already waiting for this commit is not added again.
    Nothing is sent when the transaction rolls back, or when no proxy is configured.
    """
    if not proxy_locations():
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        entry[1] is _ban_on_commit for entry in getattr(connection, "run_on_commit", ())
    ):
        return
    transaction.on_commit(_ban_on_commit, robust=True)
