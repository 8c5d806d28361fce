"""Settings come from the environment; production refuses to start without its secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD = {
    "SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-value-0123456789",
    "ALLOWED_HOSTS": "dei.example.edu",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "WAGTAILADMIN_BASE_URL": "https://dei.example.edu",
}


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}}
    base.update(DJANGO_SETTINGS_MODULE="dei_portal.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "missing, message",
    [("SECRET_KEY", "Set SECRET_KEY"), ("ALLOWED_HOSTS", "Set ALLOWED_HOSTS"), ("DATABASE_URL", "Set DATABASE_URL")],
)
def test_production_refuses_to_start_without_its_environment(missing, message):
    env = {k: v for k, v in GOOD.items() if k != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_a_development_secret():
    result = manage("check", **{**GOOD, "SECRET_KEY": "dev-only-insecure-key-not-for-production"})
    assert result.returncode != 0 and "Set SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **GOOD)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_database_url_selects_postgresql_and_its_search_app():
    code = (
        "import django;from django.conf import settings;django.setup();"
        "print(settings.DATABASES['default']['ENGINE']);print('django.contrib.postgres' in settings.INSTALLED_APPS)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    sqlite = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "dei_portal.settings.dev"},
    )
    assert sqlite.stdout.split() == ["django.db.backends.sqlite3", "False"]
    postgres = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "dei_portal.settings.dev", "DATABASE_URL": GOOD["DATABASE_URL"]},
    )
    assert postgres.stdout.split() == ["django.db.backends.postgresql", "True"]
