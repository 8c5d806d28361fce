"""Local development: `make run`. Never used in production."""

from .base import *  # noqa: F403
from .env import env_int, env_list, env_str

DEBUG = True
# A fixed key is fine for a developer's laptop; production refuses to start without a real one.
SECRET_KEY = "dev-only-insecure-key-not-for-production"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Links in emails (printed on the console) point where `make run` serves: it sets
# WAGTAILADMIN_BASE_URL from PORT; a runserver started by hand on PORT gets the same default.
WAGTAILADMIN_BASE_URL = (
    env_str("WAGTAILADMIN_BASE_URL", "") or f"http://127.0.0.1:{env_int('PORT', 8000, minimum=1)}"
).rstrip("/")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the app and project folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
