"""Every link in every email works: invitations, password resets, review notifications
("preview the page", "edit", "view the page") and the notification-preferences link.

Each email is sent for real through the admin, every link is read out of mail.outbox and
followed with the test client, as its recipient. Once on the test default address and once
on a non-default port (as `make run PORT=8123` serves). Also: production refuses to start
without its public address, `make run` passes PORT on, the approval email carries the
moderator's comment, the admin names the site, and /_util/login/ lands somewhere real."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse
from wagtail.models import WorkflowState

from offices.models import OfficePage

from .conftest import PASSWORD, login_verified, office_form

ROOT = Path(__file__).resolve().parent.parent
NEW_PASSWORD = "a-brand-new-passphrase-42"
LINK = re.compile(r"https?://[^\s\"'<>]+")
BASE_URLS = ["http://testserver", "http://127.0.0.1:8123"]


@pytest.fixture(params=BASE_URLS, ids=["default", "port-8123"])
def base_url(request, settings):
    settings.WAGTAILADMIN_BASE_URL = request.param
    return request.param


def signed_in(user):
    """A client for `user`, past two-factor where the role needs it (Editors need none)."""
    client = Client()
    if user.is_superuser or user.groups.exclude(name="Editors").exists():
        return login_verified(client, user)
    client.force_login(user)
    return client


def links(message):
    """Every link in an email: in the text, and the href/src of the HTML alternative if any."""
    found = [link.rstrip(".,)") for link in LINK.findall(message.body)]
    for content, kind in getattr(message, "alternatives", []):
        if kind == "text/html":
            html = BeautifulSoup(content, "html.parser")
            found += [a["href"] for a in html.select("a[href]")] + [img["src"] for img in html.select("img[src]")]
    return list(dict.fromkeys(found))


def follow(client, link, base_url):
    """Open `link` as a browser would: on its host and port, following redirects."""
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == base_url, f"{link} is not on {base_url}"
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return client.get(path, follow=True, HTTP_HOST=parts.netloc)


def assert_every_link_works(message, client, base_url):
    """Follow every link of `message` with `client` (its recipient): each ends on a 200 page."""
    found = links(message)
    assert found, message.body
    for link in found:
        response = follow(client, link, base_url)
        assert response.status_code == 200, f"{link} -> {response.status_code} ({response.redirect_chain})"
    return found


def mails_to(user_or_address):
    address = getattr(user_or_address, "email", user_or_address)
    return [m for m in mail.outbox if address in m.to]


# --- invitation and password reset -------------------------------------------------------------


def set_password_through(link, base_url):
    """Follow a set-password link to Django's form, choose a password; the form must be there."""
    client = Client()
    response = follow(client, link, base_url)
    form = BeautifulSoup(response.content, "html.parser").select_one("form[method=post]")
    assert response.status_code == 200 and form.select_one("[name=new_password1]"), response.content[:2000]
    path = response.redirect_chain[-1][0] if response.redirect_chain else urlsplit(link).path
    done = client.post(
        path,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
        HTTP_HOST=urlsplit(link).netloc,
    )
    assert done.status_code == 200 and done.redirect_chain[-1][0] == reverse("wagtailadmin_password_reset_complete")


def test_invitation_links_set_a_password_and_sign_in(base_url, superuser_client, django_user_model):
    response = superuser_client.post(
        "/admin/users/new/",
        {
            "username": "newcomer",
            "email": "newcomer@example.edu",
            "first_name": "New",
            "last_name": "Comer",
            "password1": "",
            "password2": "",
            "groups": [Group.objects.get(name="Editors").pk],
        },
    )
    assert response.status_code == 302
    (invitation,) = mails_to("newcomer@example.edu")
    found = links(invitation)
    assert all(link.startswith(base_url + "/") for link in found) and len(found) == 2, found
    reset_link = next(link for link in found if "/admin/password_reset/confirm/" in link)
    sign_in = next(link for link in found if link != reset_link)
    assert follow(Client(), sign_in, base_url).status_code == 200

    set_password_through(reset_link, base_url)
    assert django_user_model.objects.get(username="newcomer").check_password(NEW_PASSWORD)
    # Single use: once the password is set, the link no longer offers the form.
    again = follow(Client(), reset_link, base_url)
    assert "new_password1" not in again.content.decode()


def test_password_reset_link_leads_to_the_set_password_form(base_url, editor):
    response = Client().post("/admin/password_reset/", {"email": editor.email})
    assert response.status_code == 302
    (message,) = mails_to(editor)
    (link,) = links(message)
    assert link.startswith(base_url + "/admin/password_reset/confirm/")
    set_password_through(link, base_url)
    editor.refresh_from_db()
    assert editor.check_password(NEW_PASSWORD)


# --- review notifications ----------------------------------------------------------------------


def submit(editor, office):
    data = office_form(office.audience, title="Office of Diversity Programs (MD)", slug=office.slug)
    response = signed_in(editor).post(
        reverse("wagtailadmin_pages:edit", args=[office.pk]), {**data, "action-submit": "submit"}
    )
    assert response.status_code == 302, response.content[:2000]
    return WorkflowState.objects.get(base_content_type__model="page", object_id=str(office.pk), status="in_progress")


def act(moderator, office, state, action, comment):
    url = reverse("wagtailadmin_pages:workflow_action", args=[office.pk, action, state.current_task_state.pk])
    response = signed_in(moderator).post(url, {"comment": comment})
    assert response.status_code in (200, 302)


def test_submission_emails_link_to_preview_edit_and_preferences(base_url, tree, editor, moderator, superuser):
    submit(editor, tree["office"])
    (to_moderator,) = mails_to(moderator)
    found = assert_every_link_works(to_moderator, signed_in(moderator), base_url)
    paths = {urlsplit(link).path for link in found}
    office = tree["office"]
    assert {
        reverse(
            "wagtailadmin_pages:workflow_preview",
            args=[office.pk, WorkflowState.objects.get().current_task_state.task_id],
        ),
        reverse("wagtailadmin_pages:edit", args=[office.pk]),
        reverse("wagtailadmin_account"),
    } <= paths
    # The preview shows the submitted draft, not the live page.
    preview = follow(signed_in(moderator), next(link for link in found if "/preview/" in link), base_url)
    assert "Office of Diversity Programs (MD)" in preview.content.decode()
    # Superusers hear of every submission too (Wagtail's workflow email).
    for message in mails_to(superuser):
        assert_every_link_works(message, signed_in(superuser), base_url)
    assert mails_to(superuser)


def test_approval_email_links_to_the_live_page_and_carries_the_comment(base_url, tree, editor, moderator):
    state = submit(editor, tree["office"])
    mail.outbox.clear()
    act(moderator, tree["office"], state, "approve", "Looks good: thanks for adding the MD program.")
    (approved,) = mails_to(editor)
    assert "approved" in approved.subject
    found = assert_every_link_works(approved, signed_in(editor), base_url)
    office = OfficePage.objects.get(pk=tree["office"].pk)
    view = base_url + office.url
    assert view in found, found
    # Anyone can follow "view the page": it is the live page, with the approved change.
    page = follow(Client(), view, base_url)
    assert page.status_code == 200 and "Office of Diversity Programs (MD)" in page.content.decode()
    assert 'Mo commented: "Looks good: thanks for adding the MD program."' in approved.body, approved.body


def test_approval_without_a_comment_says_nothing_about_one(tree, editor, moderator):
    state = submit(editor, tree["office"])
    mail.outbox.clear()
    act(moderator, tree["office"], state, "approve", "")
    (approved,) = mails_to(editor)
    assert "commented" not in approved.body


def test_html_approval_email_has_the_comment_and_working_links(settings, tree, editor, moderator):
    settings.WAGTAILADMIN_NOTIFICATION_USE_HTML = True
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8123"
    state = submit(editor, tree["office"])
    mail.outbox.clear()
    act(moderator, tree["office"], state, "approve", "Ship it & thanks")
    (approved,) = mails_to(editor)
    html = approved.alternatives[0][0]
    assert 'Mo commented: "Ship it &amp; thanks"' in html  # escaped once, as HTML
    assert 'Mo commented: "Ship it & thanks"' in approved.body  # plain text: not HTML-escaped
    assert_every_link_works(approved, signed_in(editor), "http://127.0.0.1:8123")


def test_request_changes_email_links_to_the_editor_with_the_comment(base_url, tree, editor, moderator):
    state = submit(editor, tree["office"])
    mail.outbox.clear()
    act(moderator, tree["office"], state, "reject", "Please keep the office's official name.")
    (changes,) = mails_to(editor)
    assert "Please keep the office's official name." in changes.body
    found = assert_every_link_works(changes, signed_in(editor), base_url)
    assert base_url + reverse("wagtailadmin_pages:edit", args=[tree["office"].pk]) in found


def test_a_page_of_another_site_keeps_its_own_address(tree, settings):
    from wagtail.models import Site

    from dei_portal.accounts.emails import page_url

    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8123"
    assert page_url(tree["office"]) == "http://127.0.0.1:8123" + tree["office"].url
    alumni = Site.objects.create(hostname="alumni.example.edu", port=443, root_page=tree["organizations"])
    try:
        organization = tree["organization"]
        assert page_url(organization) == "https://alumni.example.edu/" + organization.slug + "/"
    finally:
        # Wagtail caches the sites' root paths; deleting the site clears that cache, which the
        # test's rollback alone would not (later tests would see a second site).
        alumni.delete()


# --- production and `make run` -----------------------------------------------------------------

PRODUCTION = {
    "SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-value-0123456789",
    "ALLOWED_HOSTS": "dei.example.edu",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
}


def production_base_url(**env):
    clean = {k: v for k, v in os.environ.items() if k not in {*PRODUCTION, "WAGTAILADMIN_BASE_URL"}}
    code = "import dei_portal.settings.production as s; print(s.WAGTAILADMIN_BASE_URL)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **PRODUCTION, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "dei.example.edu",
        "ftp://dei.example.edu",
        "https://dei.example.edu/admin/",
        "https://dei.example.edu/?x=1",
    ],
)
def test_production_refuses_to_start_without_its_public_address(value):
    result = production_base_url(**({} if value is None else {"WAGTAILADMIN_BASE_URL": value}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "Set WAGTAILADMIN_BASE_URL" in result.stderr, result.stderr[
        -2000:
    ]


def test_production_refuses_an_address_it_would_not_answer():
    result = production_base_url(WAGTAILADMIN_BASE_URL="https://dei-staging.example.edu")
    assert result.returncode != 0 and "not in ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://dei.example.edu", "https://dei.example.edu"),
        ("https://dei.example.edu:8443/", "https://dei.example.edu:8443"),
    ],
)
def test_production_takes_a_public_address(value, expected):
    result = production_base_url(WAGTAILADMIN_BASE_URL=value)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-1] == expected


def test_make_serve_names_the_missing_public_address():
    env = {
        k: v for k, v in os.environ.items() if k not in ("WAGTAILADMIN_BASE_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "serve-env"],
        cwd=ROOT,
        env={**env, **PRODUCTION},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "set WAGTAILADMIN_BASE_URL in the environment" in result.stderr


def test_development_links_follow_port():
    code = "from django.conf import settings; print(settings.WAGTAILADMIN_BASE_URL)"
    env = {k: v for k, v in os.environ.items() if k not in ("WAGTAILADMIN_BASE_URL", "PORT")}
    env["DJANGO_SETTINGS_MODULE"] = "dei_portal.settings.dev"

    def dev(**extra):
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env={**env, **extra}, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout.split()[-1]

    assert dev() == "http://127.0.0.1:8000"
    assert dev(PORT="8123") == "http://127.0.0.1:8123"
    assert dev(PORT="8123", WAGTAILADMIN_BASE_URL="http://localhost:9000/") == "http://localhost:9000"


@pytest.mark.parametrize(
    "how, env, expected",
    [
        (["run"], {}, "http://127.0.0.1:8000"),
        (["run"], {"PORT": "8123"}, "http://127.0.0.1:8123"),  # PORT=8123 make run
        (["run", "PORT=8123"], {}, "http://127.0.0.1:8123"),  # make run PORT=8123
        (["run", "PORT=8123"], {"WAGTAILADMIN_BASE_URL": "http://dei.test:8123"}, "http://dei.test:8123"),
    ],
)
def test_make_run_serves_and_links_on_the_same_port(tmp_path, how, env, expected):
    """`make run`'s own recipe, with everything it runs replaced by printing what it would
    serve on (the Makefile's variables are the real ones)."""
    makefile = tmp_path / "run.mk"
    makefile.write_text(
        f"include {ROOT / 'Makefile'}\n"
        "install migrate demo: ;\n"
        "run: ; @echo serves=$(PORT) links=$$WAGTAILADMIN_BASE_URL\n"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("WAGTAILADMIN_BASE_URL", "PORT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "-f", str(makefile), "-o", ".venv/bin/.installed", *how],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    port = "8123" if "8123" in expected else "8000"
    assert result.stdout.split() == [f"serves={port}", f"links={expected}"]


# --- admin branding and the private-page sign-in ----------------------------------------------


def test_sign_in_page_names_the_site_not_wagtail(client, db):
    page = BeautifulSoup(client.get("/admin/login/").content, "html.parser")
    assert page.title.get_text(strip=True) == "Sign in - Diversity, Equity & Inclusion admin"
    assert page.h1.get_text(strip=True) == "Sign in to the Diversity, Equity & Inclusion admin"
    assert "Wagtail" not in page.title.get_text() + page.h1.get_text()
    assert not page.select('[aria-label="Wagtail"]')


def test_every_admin_title_names_the_site(editor):
    client = signed_in(editor)
    for url in ("/admin/", "/admin/pages/", "/admin/account/"):
        title = BeautifulSoup(client.get(url).content, "html.parser").title.get_text(strip=True)
        assert title.endswith(" - Diversity, Equity & Inclusion admin") and "Wagtail" not in title, (url, title)
    reset = BeautifulSoup(Client().get("/admin/password_reset/").content, "html.parser")
    assert reset.title.get_text(strip=True).endswith("Diversity, Equity & Inclusion admin")


def test_private_page_sign_in_without_next_lands_on_the_home_page(home, django_user_model):
    django_user_model.objects.create_user("visitor", "visitor@example.edu", PASSWORD)
    client = Client()
    response = client.post("/_util/login/", {"username": "visitor", "password": PASSWORD}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert response.status_code == 200 and response.context["page"].pk == home.pk
