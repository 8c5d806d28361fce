"""`ensure_dev_admin`: a local admin login for `make run`, development settings only."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from dei_portal.management.commands import ensure_dev_admin


def test_refuses_outside_development(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development settings"):
        call_command("ensure_dev_admin")
    assert not get_user_model().objects.exists()


def test_creates_one_admin_once_and_prints_the_login(db, settings, tmp_path, monkeypatch, client):
    settings.DEBUG = True
    monkeypatch.setattr(ensure_dev_admin, "PASSWORD_FILE", tmp_path / ".admin-password")
    out = io.StringIO()
    call_command("ensure_dev_admin", stdout=out)
    username, password = (tmp_path / ".admin-password").read_text().split()
    assert username == "admin" and password in out.getvalue()
    assert (  # through the admin login form: Axes needs the request that Client.login() does not pass
        client.post("/admin/login/", {"username": "admin", "password": password}).status_code == 302
        and client.session.get("_auth_user_id")
    )

    again = io.StringIO()
    call_command("ensure_dev_admin", stdout=again)
    assert password not in again.getvalue()
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
