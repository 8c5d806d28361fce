"""Production: everything from the environment; refuses to start without it."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import SECRET_KEY, env_list

if not SECRET_KEY or len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("dev-", "test-")):
    raise ImproperlyConfigured("Set SECRET_KEY to a long random value (50+ characters).")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma-separated host names).")
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("Set DATABASE_URL (postgres://user:password@host:5432/name).")

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() == "true"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
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
# Content-Security-Policy (dei_portal/security.py): the same strict policy as everywhere,
# plus: browsers fetch any http:// address a page still holds over https://.
CSP_UPGRADE_INSECURE_REQUESTS = True
# Trying out a policy change: CSP_REPORT_ONLY=true sends it as Content-Security-Policy-Report-Only.
CSP_REPORT_ONLY = os.environ.get("CSP_REPORT_ONLY", "false").lower() == "true"

# Behind a reverse proxy, lock out by the visitor's address, not the proxy's.
# (One proxy by default: Varnish or the load balancer; AXES_PROXY_COUNT=2 with a CDN before it.)
TRUSTED_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "1"))

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "true").lower() == "true"

LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "INFO")  # noqa: F405

# Keep database connections open between requests (a new PostgreSQL connection per request
# costs milliseconds), checked before reuse so a restarted database does not break requests.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "60"))  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# Logs (dei_portal/request_id.py, docs/operations.md): JSON lines on stdout unless
# LOG_FORMAT=text; at INFO (LOG_LEVEL, above) one line per request with its request id.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").lower()
LOGGING["handlers"]["console"]["formatter"] = "json" if LOG_FORMAT == "json" else "text"  # noqa: F405
# Load balancers probe the app server over plain HTTP: /healthz answers them instead of
# redirecting to https (dei_portal/health.py); it sets no cookie and shows no content.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
