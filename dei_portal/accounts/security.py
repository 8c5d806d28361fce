"""Security headers on every response: Content-Security-Policy, Permissions-Policy and friends.

``SecurityHeadersMiddleware`` sits right after Django's ``SecurityMiddleware``, outside
WhiteNoise and the anonymous page cache, so it sees every response the site sends:
pages rendered now, pages served from the cache, 404s, static files, feeds, redirects.

Two Content-Security-Policies (see docs/security.md):

- **Public pages** (everything outside the admin): strict. Scripts and styles only
  from files on this site (``'self'``); no inline script, no inline style, no
  ``eval``; no plugins, no ``<base>`` tricks, forms post only here, no framing. The
  same policy in every environment, development and tests included, so a template
  that needs more fails in the tests, not in production. No nonces: whole pages are
  cached and shared between visitors, and a nonce stored in a cached page would be
  the same for everyone (worthless). Public templates keep no inline script instead
  (``tests/test_security.py`` fails if one gains an executable inline script or an
  inline event handler). ``<script type="application/ld+json">`` blocks are data, not
  scripts, and CSP does not apply to them.
- **The admin** (``/admin/`` and the two-factor pages under ``/admin-2fa/``): Wagtail
  8's admin still writes inline ``<script>`` blocks (date and time pickers, inline
  panels, multiple choosers, workflow, search promotions) and inline ``style``
  attributes, and has no nonce support, so its policy adds ``'unsafe-inline'`` for
  scripts and styles, ``blob:`` images (upload previews) and lets the admin frame
  its own previews (``frame-ancestors 'self'``). It keeps ``object-src 'none'``,
  ``base-uri``, ``form-action`` and ``connect-src 'self'``, and no ``'unsafe-eval'``.

Settings (all optional; the defaults are the strict policy):

- ``CSP_EXTRA_SOURCES``: ``{"img-src": ["https://cdn.example.org"], ...}`` added to the
  public policy (``CSP_ADMIN_EXTRA_SOURCES`` likewise for the admin's).
- ``CSP_REPORT_URI``: where browsers send violation reports (``report-uri``).
- ``CSP_REPORT_ONLY``: send ``Content-Security-Policy-Report-Only`` instead (for trying
  out a change; off by default).
- ``CSP_UPGRADE_INSECURE_REQUESTS``: add ``upgrade-insecure-requests`` (on in production).
- ``PERMISSIONS_POLICY``: ``{"camera": [], "fullscreen": ["self"], ...}`` replaces the default.

Media on another site (an absolute ``MEDIA_URL``, or object storage: the origin of the URLs
the "default" and "renditions" storages make) is added to ``img-src`` and ``media-src``, an
absolute ``STATIC_URL`` (a CDN) to every directive that loads files.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver

ADMIN_PREFIXES = ("/admin/", "/admin-2fa/")

SELF = "'self'"
NONE = "'none'"
UNSAFE_INLINE = "'unsafe-inline'"

PUBLIC_POLICY = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "media-src": [SELF],
    "frame-src": [NONE],
    "worker-src": [NONE],
    "manifest-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}

ADMIN_POLICY = {
    **PUBLIC_POLICY,
    # Wagtail's inline <script> blocks and style attributes; it has no nonce support.
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    # Upload previews (blob:), SVG icons and editor images (data:).
    "img-src": [SELF, "data:", "blob:"],
    "font-src": [SELF, "data:"],
    # Page and snippet previews are iframes of the admin's own preview URLs.
    "frame-src": [SELF],
    "frame-ancestors": [SELF],
    "worker-src": [SELF, "blob:"],
}

# Powerful browser features no page of this site uses, switched off for every page and any
# frame. ``interest-cohort`` (FLoC) is gone from Chromium, which reports it as an
# "Unrecognized feature" error in the console; ``browsing-topics`` is its successor.
DEFAULT_PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "browsing-topics": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": [],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "idle-detection": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "publickey-credentials-get": [],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}

# Directives that load files: an absolute STATIC_URL (a CDN) is added to each.
STATIC_DIRECTIVES = ("script-src", "style-src", "img-src", "font-src", "manifest-src")
MEDIA_DIRECTIVES = ("img-src", "media-src")


def origin_of(url):
    """``https://host[:port]`` of an absolute URL, or None for a path (or a relative URL)."""
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    if not parts.scheme and parts.netloc:  # //cdn.example.org/...
        return f"https://{parts.netloc}"
    return None


def media_origins():
    """Where images and other media are served from when that is another site: an absolute
    MEDIA_URL, and the addresses the media storages give (object storage, e.g. the
    "renditions" storage on a CDN domain; see docs/media.md)."""
    origins = [origin_of(settings.MEDIA_URL)]
    for alias in ("default", "renditions"):
        if alias not in settings.STORAGES:
            continue
        try:
            origins.append(origin_of(storages[alias].url("csp-probe.png")))
        except Exception:  # noqa: S112 (a storage that cannot make a URL without more setup: only MEDIA_URL then)
            continue
    return [origin for origin in dict.fromkeys(origins) if origin]


def _add(policy, directive, sources):
    values = policy.setdefault(directive, [])
    for source in sources:
        if source not in values:
            if values == [NONE]:
                values.clear()
            values.append(source)


def build_policy(base, extra=None):
    """The policy as a header value: the base directives, the configured extras, report-uri."""
    policy = {directive: list(sources) for directive, sources in base.items()}
    static_origin = origin_of(settings.STATIC_URL)
    if static_origin:
        for directive in STATIC_DIRECTIVES:
            _add(policy, directive, [static_origin])
    for directive in MEDIA_DIRECTIVES:
        _add(policy, directive, media_origins())
    for directive, sources in (extra or {}).items():
        if isinstance(sources, str):
            sources = sources.split()
        _add(policy, directive, sources)
    parts = [f"{directive} {' '.join(sources)}" for directive, sources in policy.items()]
    if getattr(settings, "CSP_UPGRADE_INSECURE_REQUESTS", False):
        parts.append("upgrade-insecure-requests")
    report_uri = getattr(settings, "CSP_REPORT_URI", "")
    if report_uri:
        parts.append(f"report-uri {report_uri}")
    return "; ".join(parts)


def public_policy():
    return build_policy(PUBLIC_POLICY, getattr(settings, "CSP_EXTRA_SOURCES", None))


def admin_policy():
    return build_policy(ADMIN_POLICY, getattr(settings, "CSP_ADMIN_EXTRA_SOURCES", None))


def permissions_policy():
    features = getattr(settings, "PERMISSIONS_POLICY", None) or DEFAULT_PERMISSIONS_POLICY
    return ", ".join(f"{feature}=({' '.join(allow)})" for feature, allow in features.items())


def is_admin_path(path):
    return path.startswith(ADMIN_PREFIXES)


_headers = {}


@receiver(setting_changed)
def _forget_headers(**kwargs):
    _headers.clear()


def headers_for(path):
    """(CSP header name, policy, other headers) for a request path; built once, kept until
    a setting changes (tests)."""
    kind = "admin" if is_admin_path(path) else "public"
    if kind not in _headers:
        csp_header = (
            "Content-Security-Policy-Report-Only"
            if getattr(settings, "CSP_REPORT_ONLY", False)
            else "Content-Security-Policy"
        )
        others = {
            "Permissions-Policy": permissions_policy(),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": settings.SECURE_REFERRER_POLICY or "strict-origin-when-cross-origin",
            "Cross-Origin-Opener-Policy": settings.SECURE_CROSS_ORIGIN_OPENER_POLICY or "same-origin",
            # Admin previews are framed by the admin; Wagtail's preview views say SAMEORIGIN themselves.
            "X-Frame-Options": "DENY",
        }
        _headers[kind] = (csp_header, admin_policy() if kind == "admin" else public_policy(), others)
    return _headers[kind]


class SecurityHeadersMiddleware:
    """Set the security headers on every response (those a view already set are kept).

    Place it right after ``django.middleware.security.SecurityMiddleware`` and before
    WhiteNoise and ``dei_portal.core.cache.AnonymousPageCacheMiddleware``: responses those
    return early (static files, cached pages) get the headers too, and the cache never
    stores them, so a changed policy applies to cached pages at once.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "is_dummy", False):
            # Wagtail renders admin previews through the middleware with a dummy request for
            # the page's own URL; the real /admin/ request around it sets the admin's headers.
            return response
        csp_header, policy, others = headers_for(request.path_info)
        # A view's own policy stays: Wagtail's document and image views send the
        # stricter "default-src 'none'".
        if "Content-Security-Policy" not in response and "Content-Security-Policy-Report-Only" not in response:
            response[csp_header] = policy
        for name, value in others.items():
            if name == "X-Frame-Options" and getattr(response, "xframe_options_exempt", False):
                continue
            if name not in response:
                response[name] = value
        return response
