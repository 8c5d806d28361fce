"""An invited editor follows the email's link on a non-default port, in headless chromium.

A site administrator creates a user with no password (the admin's own form post); the
invitation email's link points at the live server's address (a random port, as with
`make run PORT=...`: WAGTAILADMIN_BASE_URL is set to it, as the Makefile does). The
newcomer opens it in the browser, chooses a password, signs in with the email's sign-in
link and lands on the admin dashboard, which names the site. Editors need no second factor.

Runs on pytest-django's live server, with tests/browser_fixtures.py's `browser` (pinned
database connection, DJANGO_ALLOW_ASYNC_UNSAFE only while the browser runs). Run with ``pytest -m browser``.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from .conftest import login_verified

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-long-and-new-passphrase-42"
TIMEOUT = 15_000  # ms


def required(label):
    """A field's label as Wagtail renders it: the label, then "*" when the field is required
    (label text is matched as written, line breaks and indentation included)."""
    return re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$")


@pytest.fixture
def base_url(transactional_db, django_db_serialized_rollback, live_server, settings):
    """The live server's address (a random port, never 8000), as every email link's start."""
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    assert urlsplit(live_server.url).port not in (None, 80, 8000)
    return live_server.url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT)
    expect.set_options(timeout=TIMEOUT)
    yield context.new_page()
    expect.set_options(timeout=5_000)  # Playwright's default
    context.close()


def test_invited_editor_sets_a_password_signs_in_and_sees_the_dashboard(base_url, page, django_user_model):
    admin = django_user_model.objects.create_superuser("siteadmin", "siteadmin@example.edu", "long-enough-password-1")
    response = login_verified(Client(), admin).post(
        "/admin/users/new/",
        {
            "username": "newcomer",
            "email": "newcomer@example.edu",
            "first_name": "Nia",
            "last_name": "Comer",
            "password1": "",
            "password2": "",
            "groups": [Group.objects.get(name="Editors").pk],
        },
    )
    assert response.status_code == 302
    (invitation,) = [m for m in mail.outbox if "newcomer@example.edu" in m.to]
    links = re.findall(r"https?://\S+", invitation.body)
    set_password = next(link for link in links if "/admin/password_reset/confirm/" in link)
    sign_in = next(link for link in links if link.endswith("/admin/login/"))
    assert set_password.startswith(base_url + "/") and sign_in == base_url + "/admin/login/"

    page.goto(set_password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your password")
    page.get_by_label(required("New password")).fill(NEW_PASSWORD)
    page.get_by_label(required("New password confirmation")).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password is set")

    page.goto(sign_in)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the Diversity, Equity & Inclusion admin")
    page.get_by_role("textbox", name=required("Username")).fill("newcomer")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/admin/")
    expect(page).to_have_title("Dashboard - Diversity, Equity & Inclusion admin")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Diversity, Equity & Inclusion")

    # The link was single use: opened again, it offers no form.
    page.goto(set_password)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")
