"""The admin makes no calls to outside services, and admin sessions expire."""

import re

import pytest
from django.conf import settings


def external_sources(html):
    """Addresses the browser would fetch by itself (scripts, styles, images, frames), off this host."""
    found = re.findall(r'<(?:script|img|iframe|link)\b[^>]*?\b(?:src|href)="([^"]+)"', html)
    return [url for url in found if re.match(r"^(https?:)?//", url) and "//testserver" not in url]


@pytest.mark.parametrize("url", ["/admin/", "/admin/pages/", "/admin/users/", "/admin/account/"])
def test_admin_pages_load_nothing_from_other_hosts(superuser_client, tree, url):
    response = superuser_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert external_sources(html) == []
    assert "gravatar" not in html.lower()
    assert "releases.wagtail.io" not in html and "data-w-upgrade" not in html  # no update check


def test_update_check_and_gravatar_are_off():
    assert settings.WAGTAIL_ENABLE_UPDATE_CHECK is False
    assert settings.WAGTAIL_GRAVATAR_PROVIDER_URL is None


def test_admin_sessions_expire(client, superuser):
    response = client.post("/admin/login/", {"username": superuser.username, "password": "long-enough-password-1"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # gone when the browser closes
    assert client.session.get_expiry_age() == 8 * 60 * 60  # and after 8 hours on the server
    assert client.session.get_expire_at_browser_close()
