"""Test settings: fast and isolated. DATABASE_URL still selects PostgreSQL (CI)."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests change rows behind the site's back (QuerySet.update), which no cache could see:
# caching is off here, and tests/test_caching.py turns it on to test it.
PAGE_CACHE = False
FRAGMENT_CACHE = False
PAGE_CACHE_STAMP_FILE = str(Path(tempfile.mkdtemp(prefix="dei-portal-test-cache-")) / "generation")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="dei-portal-test-media-"))
WAGTAILADMIN_BASE_URL = "http://testserver"
# Serve static files straight from the app and project folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
