"""Settings shared by every environment.

Every secret and host-specific value comes from the environment; see dev.py,
test.py and production.py for what each environment changes.
"""

import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import LOG_LEVELS, env_bool, env_choice, env_float, env_int, env_is_set, env_list, env_str, environment

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent


SECRET_KEY = env_str("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "dei_portal",
    "offices",
    "announcements",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.frontend_cache",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
]

MIDDLEWARE = [
    # Outermost: a request id (X-Request-ID) on every response and log line, and one log line
    # per request, static files and cached pages included (dei_portal/operations/request_id.py).
    "dei_portal.operations.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy, Permissions-Policy and the other security headers, on every
    # response: outside WhiteNoise and the page cache, so static files and cached pages get them.
    "dei_portal.accounts.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETags and 304s for revalidating browsers and CDNs, then whole cached pages for
    # anonymous visitors, before sessions and everything else (a hit runs no SQL).
    "django.middleware.http.ConditionalGetMiddleware",
    "dei_portal.core.cache.AnonymousPageCacheMiddleware",
    # A page cache miss: the site, its root paths, each route and the chrome from this content
    # generation's memo in the process (dei_portal/core/memo.py), not from the database.
    "dei_portal.core.routing.MemoizedRoutingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dei_portal.accounts.two_factor.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes requires: locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username/address is refused even with the right password.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "dei_portal.site.urls"
WSGI_APPLICATION = "dei_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# SQLite is the embedded default; DATABASE_URL (e.g. postgres://...) switches database.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0),
        conn_health_checks=True,
    )
}
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if USING_POSTGRES:
    # Full-text search (and trigram typo tolerance) for Wagtail's database search backend.
    INSTALLED_APPS.append("django.contrib.postgres")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "dei_portal.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Chicago"
USE_I18N = True
USE_TZ = True
# Django's DATETIME_FORMAT, as Wagtail's own admin messages use it, with the zone named
# ("1 March 2027, 09:45 Central Time"): dei_portal/formats/en/formats.py.
FORMAT_MODULE_PATH = ["dei_portal.formats"]

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def object_storage(environ=None):
    """Media on S3-compatible object storage when AWS_STORAGE_BUCKET_NAME is set (docs/media.md).

    Returns STORAGES entries: "default" (documents and original images) keeps every object
    private (no ACL, signed URLs that expire; documents are streamed by Wagtail's
    permission-checked view, never linked); "renditions" (the resized images pages show) gives
    plain, cacheable URLs on AWS_S3_CUSTOM_DOMAIN (a CDN) or the bucket, for a bucket policy that
    lets anyone read the images/ prefix only. Credentials may come from boto3's usual chain.
    """
    environ = environment() if environ is None else environ
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        return {}
    common = {
        "bucket_name": bucket,
        "endpoint_url": environ.get("AWS_S3_ENDPOINT_URL") or None,
        "region_name": environ.get("AWS_S3_REGION_NAME") or None,
        "access_key": environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "addressing_style": environ.get("AWS_S3_ADDRESSING_STYLE") or None,
        "signature_version": "s3v4",
        "location": environ.get("AWS_LOCATION", ""),
        "default_acl": None,  # never public-read: the bucket policy decides
        "file_overwrite": False,
    }
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**common, "querystring_auth": True, "querystring_expire": 3600},
        },
        "renditions": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "querystring_auth": False,
                "custom_domain": environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
                "object_parameters": {"CacheControl": "public, max-age=604800"},
            },
        },
    }


if env_str("AWS_STORAGE_BUCKET_NAME", ""):
    STORAGES.update(object_storage())
    WAGTAILIMAGES_RENDITION_STORAGE = "renditions"

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Admin security
# Lock a username from one address out after 5 failures, for 15 minutes (then it works again).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A cool-off, not a permanent lock: attempts during a lockout do not restart the clock,
# so nobody can keep a colleague's account locked by guessing.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "two_factor/locked_out.html"
# The address a lockout counts: REMOTE_ADDR, or behind trusted reverse proxies the visitor's
# entry in X-Forwarded-For (dei_portal/operations/client_ip.py; TRUSTED_PROXIES, in the block at the end).
AXES_CLIENT_IP_CALLABLE = "dei_portal.operations.client_ip.client_ip"
# Sessions end after 8 hours, and when the browser closes.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Members of these groups (and superusers) must use a TOTP authenticator app.
TWO_FACTOR_REQUIRED_GROUPS = ["Moderators", "Site administrators"]
OTP_TOTP_ISSUER = "DEI portal"

# User administration: a user created without a password is emailed an invitation.
WAGTAILUSERS_PASSWORD_REQUIRED = False
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "DEI portal <webmaster@localhost>")
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL

# Wagtail
WAGTAIL_SITE_NAME = "Diversity, Equity & Inclusion"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# Caching (dei_portal/core/cache.py): Redis when REDIS_URL is set (shared by every worker and
# server), else each process's own memory. A down Redis means "no cache", never an error:
# short timeouts keep a dead server from stalling requests.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "dei_portal.operations.cache_backends.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "dei-portal",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "dei-portal",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }
# Whole pages for anonymous visitors (PAGE_CACHE=off turns it off), and the site chrome
# (notices, menu, footer) on every page; both dropped by every change visitors could see.
PAGE_CACHE = env_bool("PAGE_CACHE", True)
FRAGMENT_CACHE = env_bool("FRAGMENT_CACHE", True)
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600, minimum=1)
# How long a CDN or other shared cache may keep a page (s-maxage); 0 = revalidate each time.
CDN_MAX_AGE = env_int("CDN_MAX_AGE", 0, minimum=0)
# With local-memory caches, the content generation lives in this file's modification time.
# (shared by the workers of one machine; several machines need Redis).
PAGE_CACHE_STAMP_FILE = env_str(
    "PAGE_CACHE_STAMP_FILE", str(Path(tempfile.gettempdir()) / "dei-portal-cache-generation")
)
# The HTTP cache in front of the app servers (Varnish; docs/deployment.md): FRONTEND_CACHE_URLS
# names each proxy (comma-separated, e.g. http://127.0.0.1:6081); unset, nothing is purged.
# Publishing or unpublishing a page PURGEs its URLs (Wagtail), and every change that moves the
# content generation BANs every page once the transaction commits (dei_portal/core/frontend_cache.py).
# Each request to a proxy gives up after FRONTEND_CACHE_TIMEOUT seconds; failures are logged.
FRONTEND_CACHE_URLS = env_list("FRONTEND_CACHE_URLS")
FRONTEND_CACHE_TIMEOUT = env_float("FRONTEND_CACHE_TIMEOUT", 1.0)
WAGTAILFRONTENDCACHE = {
    f"proxy{number}": {
        "BACKEND": "dei_portal.core.frontend_cache.HTTPBackend",
        "LOCATION": location,
        "TIMEOUT": FRONTEND_CACHE_TIMEOUT,
    }
    for number, location in enumerate(FRONTEND_CACHE_URLS, start=1)
}

WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "wagtail.search.backends.database",
        # Close matches (PostgreSQL with pg_trgm) must share at least half their trigrams with
        # a word of the page: "mentorng" finds "mentoring" (0.67) but "captions" no longer
        # finds "connections" (0.44, the default threshold of 0.3 lets it through).
        "FUZZY_SIMILARITY_THRESHOLD": 0.5,
    }
}
WAGTAIL_ENABLE_UPDATE_CHECK = False  # the admin makes no calls to outside services
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILIMAGES_IMAGE_MODEL = "wagtailimages.Image"
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "avif"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
# The pixel count is read from the file header before anything is decoded (dei_portal/accounts/uploads.py).
WAGTAILIMAGES_IMAGE_FORM_BASE = "dei_portal.accounts.uploads.ImageForm"
# Documents are an allow-list: posters and printable files only. Served through
# Wagtail's permission-checked view, never straight from media/.
WAGTAILDOCS_EXTENSIONS = ["pdf", "png", "jpg", "jpeg", "docx", "pptx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# A document's contents must match its extension (dei_portal/accounts/uploads.py): no HTML named .pdf.
WAGTAILDOCS_DOCUMENT_FORM_BASE = "dei_portal.accounts.uploads.DocumentForm"
# Content types from this list, not the machine's mimetypes table; only PDF opens in the
# browser, everything else downloads (Content-Disposition: attachment). Wagtail's serve view
# adds X-Content-Type-Options: nosniff and Content-Security-Policy: default-src 'none'.
WAGTAILDOCS_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf"]
WAGTAILDOCS_BLOCK_EMBEDDED_CONTENT = True

# Content-Security-Policy (dei_portal/accounts/security.py, docs/security.md): strict on public pages
# in every environment; the admin has its own looser policy. Extra sources per directive,
# e.g. CSP_EXTRA_SOURCES = {"img-src": ["https://images.example.org"]}.
CSP_EXTRA_SOURCES = {}
CSP_ADMIN_EXTRA_SOURCES = {}
CSP_REPORT_URI = env_str("CSP_REPORT_URI", "")
CSP_REPORT_ONLY = False
CSP_UPGRADE_INSECURE_REQUESTS = False

# Rich text: editors get structure, links and emphasis; no raw HTML, no embeds.
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {
        "WIDGET": "wagtail.admin.rich_text.DraftailRichTextArea",
        "OPTIONS": {"features": ["h2", "h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link"]},
    }
}

# Logs go to stdout, every line with the request id (dei_portal/operations/request_id.py).
# LOG_FORMAT=json writes one JSON object a line (dei_portal/operations/logging_json.py; production's
# default), text is for people (development's default). LOG_LEVEL=INFO adds one line per
# request (production's default); development keeps WARNING (runserver prints its own).
LOG_FORMAT = env_choice("LOG_FORMAT", "text", {"text", "json"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "dei_portal.operations.request_id.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "dei_portal.operations.logging_json.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "warning", LOG_LEVELS).upper()},
}

# Issue 11 ("run by the office alone"): each concern keeps its settings in its own block below.
# --- email links and admin branding ---
# Every link in an email (invitations, password resets, review notifications) starts with
# WAGTAILADMIN_BASE_URL (above): `make run` sets it from PORT, dev.py derives it from PORT and
# production refuses to start without it (dei_portal/accounts/emails.py, docs/deployment.md).
# The admin names the site (templates/wagtailadmin/admin_base.html and login.html use
# WAGTAIL_SITE_NAME). Signing in on a private page's form (/_util/login/) without `next` lands
# on the home page, not on Django's default /accounts/profile/, which does not exist here.
LOGIN_REDIRECT_URL = "/"
# --- roles and review ---
# Wagtail's users app with this project's user and group forms (role descriptions, one role per
# user, the superuser switch only for superusers, the last administrator kept): dei_portal/accounts/users_app.py.
INSTALLED_APPS[INSTALLED_APPS.index("wagtail.users")] = "dei_portal.accounts.users_app.WagtailUsersConfig"
# Publishers write and publish without a second person, so they need two factors like Moderators.
TWO_FACTOR_REQUIRED_GROUPS = [*TWO_FACTOR_REQUIRED_GROUPS, "Publishers"]
# {% load admin_roles %}: the role rules' template tags (dei_portal/accounts/admin_roles.py), e.g. the
# image delete page says why an image in use cannot be deleted instead of offering to.
TEMPLATES[0]["OPTIONS"]["libraries"] = {
    **TEMPLATES[0]["OPTIONS"].get("libraries", {}),
    "admin_roles": "dei_portal.accounts.admin_roles",
}
# --- two-factor recovery ---
INSTALLED_APPS.insert(INSTALLED_APPS.index("django_otp.plugins.otp_totp") + 1, "django_otp.plugins.otp_static")
# --- scheduling ---
# Times are typed and shown in the site's zone, which the admin names beside them
# (dei_portal/editing/scheduling.py); Wagtail's per-user time-zone preference would make that name
# wrong for anyone who picked another zone, so the site's zone is the only one offered (with one
# zone, Wagtail hides the preference).
WAGTAIL_USER_TIME_ZONES = [TIME_ZONE]
# --- editor fixes ---
# --- search and trusted proxies ---
# The reverse proxies whose X-Forwarded-For entries are believed (dei_portal/operations/client_ip.py):
# addresses or networks, IPv4 or IPv6, comma-separated, e.g. "10.0.0.2,10.0.1.0/24". Empty
# (the default) trusts nobody: REMOTE_ADDR is the visitor, whatever headers say.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
if env_is_set("AXES_PROXY_COUNT"):
    raise ImproperlyConfigured(
        "AXES_PROXY_COUNT is no longer used: a hop count let anyone who reaches the app server "
        "directly choose their address. Remove it and set TRUSTED_PROXIES to your proxies' "
        "addresses or networks instead (e.g. TRUSTED_PROXIES=10.0.0.2 for Varnish; see "
        "docs/deployment.md, 'Login lockout behind proxies')."
    )
from dei_portal.operations.client_ip import parse_networks as _parse_networks  # noqa: E402

try:
    _parse_networks(TRUSTED_PROXIES)
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from None
# --- admin branding ---
# The admin's "Forgotten password?" form sends a new invitation to someone invited who has not
# chosen a password yet (Django's form sends such accounts nothing); others get the reset email.
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = "dei_portal.accounts.emails.PasswordResetForm"  # noqa: S105 (a class path)
