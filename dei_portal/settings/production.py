"""Production: everything from the environment; refuses to start without it."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY
from .env import LOG_LEVELS, env_bool, env_choice, env_int, env_list, env_str

if not SECRET_KEY or len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("dev-", "test-")):
    raise ImproperlyConfigured("Set SECRET_KEY to a long random value (50+ characters).")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma-separated host names).")
if not env_str("DATABASE_URL", ""):
    raise ImproperlyConfigured("Set DATABASE_URL (postgres://user:password@host:5432/name).")

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (dei_portal/accounts/security.py): the same strict policy as everywhere,
# plus: browsers fetch any http:// address a page still holds over https://.
CSP_UPGRADE_INSECURE_REQUESTS = True
# Trying out a policy change: CSP_REPORT_ONLY=true sends it as Content-Security-Policy-Report-Only.
CSP_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)

# Behind a reverse proxy, lock out by the visitor's address, not the proxy's: TRUSTED_PROXIES
# (base.py's "search and trusted proxies" block; the block at the end of this file).

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

LOGGING["root"]["level"] = env_choice("LOG_LEVEL", "info", LOG_LEVELS).upper()  # noqa: F405

# Keep database connections open between requests (a new PostgreSQL connection per request
# costs milliseconds), checked before reuse so a restarted database does not break requests.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60, minimum=0)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# Logs (dei_portal/operations/request_id.py, docs/operations.md): JSON lines on stdout unless
# LOG_FORMAT=text; at INFO (LOG_LEVEL, above) one line per request with its request id.
LOG_FORMAT = env_choice("LOG_FORMAT", "json", {"json", "text"})
LOGGING["handlers"]["console"]["formatter"] = "json" if LOG_FORMAT == "json" else "text"  # noqa: F405
# Load balancers probe the app server over plain HTTP: /healthz answers them instead of
# redirecting to https (dei_portal/operations/health.py); it sets no cookie and shows no content.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- email links (issue 11) ---
# Every link in an email (invitations, password resets, review notifications) starts with the
# site's public address: refuse to start without it rather than mail links to the wrong server.
from urllib.parse import urlsplit  # noqa: E402

from django.http.request import split_domain_port, validate_host  # noqa: E402

WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "").rstrip("/")
_base_url = urlsplit(WAGTAILADMIN_BASE_URL)
_base_host = split_domain_port(_base_url.netloc)[0]  # "" unless a valid host[:port]
if (
    _base_url.scheme not in ("http", "https")
    or not _base_host
    or _base_url.path
    or _base_url.query
    or _base_url.fragment
):
    raise ImproperlyConfigured(
        "Set WAGTAILADMIN_BASE_URL to the site's public address, scheme and host (and port, if "
        "not the default), e.g. https://dei.example.edu: every link in an email starts with it."
    )
if not validate_host(_base_host, ALLOWED_HOSTS):
    raise ImproperlyConfigured(
        f"WAGTAILADMIN_BASE_URL's host {_base_host!r} is not in ALLOWED_HOSTS, so links in "
        "emails would be refused (400): add it to ALLOWED_HOSTS or correct WAGTAILADMIN_BASE_URL."
    )
# --- trusted proxies (issue 11) ---
# TRUSTED_PROXIES comes from base.py, empty unless set: behind Varnish or a load balancer set
# it to their addresses, or every visitor shares the proxy's address in the login lockout
# (docs/deployment.md, "Login lockout behind proxies"). AXES_PROXY_COUNT is refused.
