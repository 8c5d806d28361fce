"""An invitation reads as an invitation, all the way to the first sign-in; a password reset
keeps its reset wording. Both use Django's single-use token on Wagtail's set-password URL.

Each email is sent for real (the admin's new-user form, the "Forgotten password?" form), read
from mail.outbox, and its link followed with the test client, as its recipient would.
"""

import re
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse

from .test_email_links import follow, links, mails_to

SITE = "Diversity, Equity & Inclusion"
PASSWORD = "long-enough-password-1"
NEW_PASSWORD = "a-brand-new-passphrase-42"
BASE_URL = "http://127.0.0.1:8123"


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.WAGTAILADMIN_BASE_URL = BASE_URL
    return BASE_URL


def invite(client, username="newcomer"):
    """A site administrator adds a user without a password, as the admin's form posts it."""
    response = client.post(
        "/admin/users/new/",
        {
            "username": username,
            "email": f"{username}@example.edu",
            "first_name": "Nia",
            "last_name": "Comer",
            "password1": "",
            "password2": "",
            "groups": [Group.objects.get(name="Editors").pk],
        },
    )
    assert response.status_code == 302, response.content[:2000]
    (invitation,) = mails_to(f"{username}@example.edu")
    return invitation


def set_password_link(message):
    return next(link for link in links(message) if "/admin/password_reset/confirm/" in link)


def words(message):
    """The email's text without its links (their paths are Wagtail's URLs, not wording)."""
    return re.sub(r"https?://\S+", "", message.subject + "\n" + message.body)


def page_text(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return soup.title.get_text(" ", strip=True), soup.main.get_text(" ", strip=True), soup


def choose_password(client, response, link):
    """Submit the set-password form the response shows (on the set-password URL it redirected to)."""
    path = response.redirect_chain[-1][0] if response.redirect_chain else urlsplit(link).path
    return client.post(
        path,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
        HTTP_HOST=urlsplit(link).netloc,
    )


def test_invitation_invites_and_its_page_asks_to_choose_a_password(superuser_client, django_user_model):
    invitation = invite(superuser_client)
    assert invitation.subject == f"You've been invited to edit the {SITE} website"
    assert f"You've been invited to edit the {SITE} website. To start, choose your password here:" in invitation.body
    assert "Your username: newcomer" in invitation.body and "for 3 days" in invitation.body
    assert "reset" not in words(invitation).lower()

    link = set_password_link(invitation)
    client = Client()
    response = follow(client, link, BASE_URL)
    title, text, soup = page_text(response)
    assert response.status_code == 200
    assert soup.h1.get_text(strip=True) == "Choose your password"
    assert title == f"Choose your password - {SITE} admin"
    assert f"Welcome to the {SITE} admin. Your username is newcomer ." in text
    assert soup.select_one("main form button[type=submit]").get_text(strip=True) == "Save password"
    assert "reset" not in (title + text).lower()

    done = choose_password(client, response, link)
    title, text, _ = page_text(done)
    assert done.redirect_chain[-1][0] == reverse("wagtailadmin_password_reset_complete")
    assert title == f"Your password is set - {SITE} admin" and "reset" not in (title + text).lower()
    assert follow(client, f"{BASE_URL}{reverse('wagtailadmin_login')}", BASE_URL).status_code == 200
    assert django_user_model.objects.get(username="newcomer").check_password(NEW_PASSWORD)

    # The token is Django's, single use: the same link now only says it no longer works.
    again = follow(Client(), link, BASE_URL)
    _, _, soup = page_text(again)
    assert soup.h1.get_text(strip=True) == "This link no longer works" and not soup.select("[name=new_password1]")


def test_password_reset_keeps_reset_wording(django_user_model):
    django_user_model.objects.create_user("edie", "edie@example.edu", PASSWORD, first_name="Edie")
    response = Client().post("/admin/password_reset/", {"email": "edie@example.edu"})
    assert response.status_code == 302
    (message,) = mails_to("edie@example.edu")
    assert "invited" not in words(message) and "reset your password" in message.body

    link = set_password_link(message)
    client = Client()
    page = follow(client, link, BASE_URL)
    title, text, soup = page_text(page)
    assert soup.h1.get_text(strip=True) == "Set your new password" and title == f"Set your new password - {SITE} admin"
    assert soup.select_one("main form button[type=submit]").get_text(strip=True) == "Reset password"
    assert "Choose your password" not in text and "Welcome" not in text
    done = choose_password(client, page, link)
    assert page_text(done)[2].h1.get_text(strip=True) == "Your password is set"
    assert django_user_model.objects.get(username="edie").check_password(NEW_PASSWORD)


def test_a_forged_or_someone_elses_token_opens_nothing(superuser_client, django_user_model):
    invitation = invite(superuser_client)
    link = set_password_link(invitation)
    other = invite(superuser_client, "second")
    uid = urlsplit(link).path.split("/")[-3]
    other_token = urlsplit(set_password_link(other)).path.split("/")[-2]
    for forged in (link[:-6] + "abcde/", f"{BASE_URL}/admin/password_reset/confirm/{uid}/{other_token}/"):
        response = follow(Client(), forged, BASE_URL)
        _, _, soup = page_text(response)
        assert soup.h1.get_text(strip=True) == "This link no longer works"
        assert not soup.select("[name=new_password1]")
        # Nothing on the page depends on whose account the link names.
        assert "newcomer" not in response.content.decode() and "Choose" not in response.content.decode()
    assert not django_user_model.objects.get(username="newcomer").has_usable_password()


def test_an_expired_invitation_leads_to_a_new_one(superuser_client, django_user_model, settings):
    invitation = invite(superuser_client)
    link = set_password_link(invitation)
    lifetime = settings.PASSWORD_RESET_TIMEOUT
    settings.PASSWORD_RESET_TIMEOUT = -1  # every token is past its time
    expired = follow(Client(), link, BASE_URL)
    _, text, soup = page_text(expired)
    assert soup.h1.get_text(strip=True) == "This link no longer works"
    assert "If you were invited and have not chosen a password yet, you will get a new invitation." in text
    get_new = soup.find("a", string="Get a new link")["href"]
    assert get_new == reverse("wagtailadmin_password_reset")
    settings.PASSWORD_RESET_TIMEOUT = lifetime

    mail.outbox.clear()
    client = Client()
    assert client.get(get_new).status_code == 200
    assert client.post(get_new, {"email": "NEWCOMER@example.edu"}).status_code == 302
    (again,) = mail.outbox  # one email: an invitation, not also a reset
    assert again.to == ["newcomer@example.edu"] and again.subject == f"You've been invited to edit the {SITE} website"
    fresh = set_password_link(again)
    page = follow(client, fresh, BASE_URL)
    assert page_text(page)[2].h1.get_text(strip=True) == "Choose your password"
    choose_password(client, page, fresh)
    assert django_user_model.objects.get(username="newcomer").check_password(NEW_PASSWORD)


def test_forgotten_password_sends_no_invitation_to_who_already_joined_or_left(superuser_client, django_user_model):
    # Invited, never joined, but deactivated since: nothing is sent.
    invite(superuser_client, "gone")
    django_user_model.objects.filter(username="gone").update(is_active=False)
    # Signed in once, then their password was made unusable: Django's rule (nothing) stands.
    invite(superuser_client, "joined")
    joined = django_user_model.objects.get(username="joined")
    Client().force_login(joined)
    mail.outbox.clear()
    for email in ("gone@example.edu", "joined@example.edu", "nobody@example.edu"):
        response = Client().post("/admin/password_reset/", {"email": email})
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_password_reset_done")
    assert mail.outbox == []


def test_the_editor_guide_gives_the_invitations_lifetime(settings):
    from pathlib import Path

    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    guide = (Path(__file__).resolve().parent.parent / "docs" / "editor-guide.md").read_text()
    assert f"The link works once, for {days} days" in re.sub(r"\s+", " ", guide)
