"""Recovery without a shell (issue 11, item 4): single-use backup codes, and a Site administrator
resetting someone else's lost authenticator. Permission tests from the attacker's side: the
request is refused (Wagtail's admin answers a permission failure by sending back to the
dashboard with an error; a missing CSRF token gets 403) AND the database is unchanged."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import ModelLogEntry

from dei_portal.accounts.two_factor import (
    BACKUP_CODE_COUNT,
    BACKUP_CODE_USED_ACTION,
    REGENERATE_ACTION,
    RESET_ACTION,
    make_backup_codes,
)

from .conftest import login_verified
from .test_admin_security import form_errors, location, make_user, next_of, password_login, text, token_for

SETUP = "/admin-2fa/setup/"
VERIFY = "/admin-2fa/verify/"
NEW_CODES = "/admin-2fa/backup-codes/"
MANAGE = "/admin/two-factor/backup-codes/"
SIDEBAR = 'id="wagtail-sidebar"'


def reset_url(user):
    return f"/admin/two-factor/reset/{user.pk}/"


def end_throttle(model, device):
    """django_otp doubles the wait after each wrong code (1 s, 2 s, ...): let that time pass."""
    model.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(minutes=5))


def shown_codes(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return [code.get_text(strip=True) for code in soup.select("#two-factor-backup-codes code")]


def tokens(user):
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def device_rows(user):
    """Everything a reset would remove, to compare before and after."""
    return (
        sorted(TOTPDevice.objects.filter(user=user).values_list("pk", "confirmed")),
        sorted(StaticDevice.objects.filter(user=user).values_list("pk", flat=True)),
        tokens(user),
    )


def refused(response):
    """Wagtail's answer to a permission failure in the admin (wagtail.admin.auth.permission_denied):
    back to the dashboard with "Sorry, you do not have permission to access this area."."""
    return response.status_code == 302 and location(response) == "/admin/"


def blocked_at(client, path):
    """The admin sends this client to `path` (the two-factor step or the login page)."""
    response = client.get("/admin/")
    return response.status_code == 302 and urlsplit(location(response)).path == path


@pytest.fixture
def moderator(django_user_model):
    """A Moderator with a confirmed authenticator and a set of backup codes."""
    user = make_user(django_user_model, "mo", "Moderators")
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user, device, make_backup_codes(user)


@pytest.fixture
def admin(django_user_model):
    """A Site administrator (not a superuser) past the two-factor step."""
    user = make_user(django_user_model, "ada", "Site administrators")
    client = login_verified(Client(), user)
    return user, client


# --- Backup codes at setup -------------------------------------------------------------------


def test_setup_makes_backup_codes_and_shows_them_once(client, django_user_model):
    user = make_user(django_user_model, "newmo", "Moderators")
    password_login(client, "newmo")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user)
    assert not StaticToken.objects.filter(device__user=user).exists()

    response = client.post(SETUP, {"token": token_for(device), "next": "/admin/pages/"})
    assert response.status_code == 302
    assert urlsplit(location(response)).path == NEW_CODES and next_of(location(response)) == "/admin/pages/"

    page = client.get(location(response))
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    codes = shown_codes(page)
    assert len(codes) == BACKUP_CODE_COUNT == len(set(codes))
    assert set(codes) == tokens(user)
    assert "Store them now" in text(page) and "only time they are shown" in text(page)
    continue_link = BeautifulSoup(page.content, "html.parser").find(
        "a", string="I have stored my backup codes, continue"
    )
    assert continue_link["href"] == "/admin/pages/"
    assert client.get("/admin/pages/").status_code == 200  # verified by the setup code

    # Never again: not on a second visit, not on the Account → Backup codes page.
    for again in (client.get(NEW_CODES), client.get(f"{NEW_CODES}?next=/admin/pages/"), client.get(MANAGE)):
        assert again.status_code == 200
        assert shown_codes(again) == []
        assert not any(code in again.content.decode() for code in codes)
    assert "shown already" in text(client.get(NEW_CODES))
    assert "10 unused backup codes" in text(client.get(MANAGE))


def test_the_codes_page_needs_a_verified_session(client, moderator):
    password_login(client, "mo")
    response = client.get(NEW_CODES)
    assert response.status_code == 302 and urlsplit(location(response)).path == VERIFY
    anonymous = Client().get(NEW_CODES)
    assert anonymous.status_code == 302 and urlsplit(location(anonymous)).path == "/admin/login/"


# --- Signing in with a backup code -----------------------------------------------------------


def test_the_verify_form_says_it_takes_a_backup_code(client, moderator):
    password_login(client, "mo")
    soup = BeautifulSoup(client.get(VERIFY).content, "html.parser")
    field = soup.select_one("input[name=token]")
    assert soup.select_one(f"label[for={field['id']}]").get_text(strip=True).startswith("6-digit code or backup code")
    assert "backup codes instead" in soup.select_one("#id_token-helptext").get_text()
    assert field["inputmode"] == "text"  # letters too
    response = client.post(VERIFY, {"token": "not-a-code!"})
    assert response.status_code == 200 and "8-character backup codes" in form_errors(response)


def test_each_backup_code_works_once(client, moderator):
    user, device, codes = moderator
    password_login(client, "mo")
    response = client.post(VERIFY, {"token": codes[0], "next": "/admin/pages/"})
    assert response.status_code == 302 and location(response) == "/admin/pages/"
    page = client.get("/admin/pages/")
    assert page.status_code == 200 and SIDEBAR in page.content.decode()
    assert "9 backup codes left" in text(page)  # the message after signing in
    assert tokens(user) == set(codes[1:])
    entry = ModelLogEntry.objects.get(action=BACKUP_CODE_USED_ACTION)
    assert (entry.object_id, entry.user_id, entry.data) == (str(user.pk), user.pk, {"remaining": 9})

    # The same code again, in another browser: refused with a clear message, still blocked.
    other = Client()
    password_login(other, "mo")
    response = other.post(VERIFY, {"token": codes[0]})
    assert response.status_code == 200
    assert "has been used already" in form_errors(response)
    assert blocked_at(other, VERIFY)

    # Another code, typed in capitals with a space, works (once the throttle's second has passed).
    end_throttle(StaticDevice, StaticDevice.objects.get(user=user))
    response = other.post(VERIFY, {"token": f"{codes[1][:4].upper()} {codes[1][4:].upper()}"})
    assert response.status_code == 302
    assert other.get("/admin/").status_code == 200
    assert tokens(user) == set(codes[2:])


def test_wrong_backup_codes_are_throttled(client, moderator):
    user, device, codes = moderator
    password_login(client, "mo")
    response = client.post(VERIFY, {"token": "zzzzzzzz"})
    assert "not right" in form_errors(response)
    static = StaticDevice.objects.get(user=user)
    assert static.throttling_failure_count == 1

    # Straight after a wrong backup code, even a right one is not checked (nor used up).
    response = client.post(VERIFY, {"token": codes[0]})
    assert response.status_code == 200 and "Too many wrong codes" in form_errors(response)
    assert codes[0] in tokens(user)
    assert blocked_at(client, VERIFY)

    # The app keeps its own throttle: its code still works.
    response = client.post(VERIFY, {"token": token_for(device)})
    assert response.status_code == 302 and client.get("/admin/").status_code == 200
    assert tokens(user) == set(codes)


def test_backup_codes_of_one_user_do_not_sign_in_another(client, moderator, django_user_model):
    user, device, codes = moderator
    other = make_user(django_user_model, "sam", "Moderators")
    TOTPDevice.objects.create(user=other, name="Authenticator app", confirmed=True)
    password_login(client, "sam")
    response = client.post(VERIFY, {"token": codes[0]})
    assert response.status_code == 200 and "not right" in form_errors(response)
    assert blocked_at(client, VERIFY)
    assert tokens(user) == set(codes)


# --- Regenerating ----------------------------------------------------------------------------


def test_regenerating_replaces_every_code(client, moderator):
    user, device, old = moderator
    password_login(client, "mo")
    client.post(VERIFY, {"token": old[0]})  # signed in with a backup code: 9 left
    page = client.get(MANAGE)
    assert page.status_code == 200 and "9 unused backup codes" in text(page)
    assert tokens(user) == set(old[1:])  # a GET changes nothing

    response = client.post(MANAGE)
    assert response.status_code == 302
    assert urlsplit(location(response)).path == NEW_CODES and next_of(location(response)) == MANAGE
    new = shown_codes(client.get(location(response)))
    assert len(new) == BACKUP_CODE_COUNT and set(new) == tokens(user) and not set(new) & set(old)
    assert ModelLogEntry.objects.filter(action=REGENERATE_ACTION, object_id=str(user.pk), user=user).count() == 1
    # The session verified with the old backup-code device stays verified.
    assert client.get("/admin/").status_code == 200
    assert "10 unused backup codes" in text(client.get(MANAGE))

    # In a new sign-in, an old code fails and a new one works.
    other = Client()
    password_login(other, "mo")
    assert "not right" in form_errors(other.post(VERIFY, {"token": old[1]}))
    end_throttle(StaticDevice, StaticDevice.objects.get(user=user))
    assert other.post(VERIFY, {"token": new[0]}).status_code == 302
    assert other.get("/admin/").status_code == 200


def test_regenerating_needs_a_verified_session_and_a_csrf_token(moderator):
    user, device, codes = moderator
    password_only = Client()
    password_login(password_only, "mo")
    response = password_only.post(MANAGE)
    assert response.status_code == 302 and urlsplit(location(response)).path == VERIFY
    assert tokens(user) == set(codes)

    forged = login_verified(Client(enforce_csrf_checks=True), user)
    assert forged.post(MANAGE).status_code == 403
    assert tokens(user) == set(codes)
    assert not ModelLogEntry.objects.filter(action=REGENERATE_ACTION).exists()


def test_backup_codes_are_in_the_account_menu_of_those_who_use_two_factor(client, moderator, django_user_model):
    user, device, codes = moderator
    login_verified(client, user)
    assert f'href="{MANAGE}"' in client.get("/admin/account/").content.decode()
    editor = make_user(django_user_model, "eddie", "Editors")
    editor_client = Client()
    editor_client.force_login(editor)
    assert f'href="{MANAGE}"' not in editor_client.get("/admin/account/").content.decode()
    page = editor_client.get(MANAGE)
    assert page.status_code == 200 and "does not use two-factor authentication" in text(page)
    assert refused(editor_client.post(MANAGE))
    assert not StaticDevice.objects.filter(user=editor).exists()


# --- A Site administrator resets a lost authenticator ----------------------------------------


def test_an_administrator_resets_a_lost_authenticator(moderator, admin):
    user, device, codes = moderator
    admin_user, admin_client = admin
    phone_session = login_verified(Client(), user)  # e.g. the browser on the stolen phone
    assert phone_session.get("/admin/").status_code == 200

    # From the users list ...
    listing = admin_client.get("/admin/users/").content.decode()
    assert f'href="{reset_url(user)}"' in listing
    assert f'href="{reset_url(admin_user)}"' not in listing  # never one's own

    # ... to a confirmation page; a GET changes nothing.
    before = device_rows(user)
    page = admin_client.get(reset_url(user))
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    assert "First check who is asking" in text(page) and "10 unused backup codes" in text(page)
    assert BeautifulSoup(page.content, "html.parser").find("button", string="Yes, reset two-factor authentication")
    assert device_rows(user) == before
    assert not ModelLogEntry.objects.filter(action=RESET_ACTION).exists()

    response = admin_client.post(reset_url(user))
    assert response.status_code == 302 and location(response) == "/admin/users/"
    assert "was reset" in text(admin_client.get("/admin/users/"))
    assert device_rows(user) == ([], [], set())

    entry = ModelLogEntry.objects.get(action=RESET_ACTION)
    assert (entry.object_id, entry.user_id, entry.data) == (str(user.pk), admin_user.pk, {"sessions_ended": 1})
    history = text(admin_client.get("/admin/reports/site-history/"))
    assert "Reset two-factor authentication" in history or "Two-factor authentication reset" in history

    # The phone's session is over; the next sign-in goes to the setup page.
    assert blocked_at(phone_session, "/admin/login/")
    fresh = Client()
    password_login(fresh, "mo")
    assert blocked_at(fresh, SETUP)
    # The administrator stays signed in and verified.
    assert admin_client.get("/admin/").status_code == 200


def test_the_reset_ends_only_the_target_users_sessions(moderator, admin, django_user_model):
    user, device, codes = moderator
    admin_user, admin_client = admin
    bystander = login_verified(Client(), make_user(django_user_model, "bea", "Moderators"))
    login_verified(Client(), user)
    login_verified(Client(), user)
    sessions = Session.objects.count()
    admin_client.post(reset_url(user))
    assert Session.objects.count() == sessions - 2
    assert bystander.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", ["Editors", "Moderators"])
def test_editors_and_moderators_cannot_reset_anyone(moderator, django_user_model, role):
    user, device, codes = moderator
    attacker = make_user(django_user_model, "mallory", role)
    client = login_verified(Client(), attacker)
    before = device_rows(user)
    sessions = Session.objects.count()
    for target in (user, attacker):
        assert refused(client.get(reset_url(target)))
        assert refused(client.post(reset_url(target)))
    assert refused(client.post("/admin/two-factor/reset/999999/"))  # no probing for users either
    assert "you do not have permission" in text(client.get("/admin/"))
    assert device_rows(user) == before
    assert Session.objects.count() == sessions
    assert not ModelLogEntry.objects.filter(action=RESET_ACTION).exists()


def test_nobody_resets_their_own_second_factor_this_way(admin, django_user_model):
    admin_user, admin_client = admin
    other_admin = make_user(django_user_model, "ben", "Site administrators")  # not the last one
    before = device_rows(admin_user)
    page = admin_client.get(reset_url(admin_user))
    assert page.status_code == 200 and "cannot reset your own" in text(page)
    assert not BeautifulSoup(page.content, "html.parser").select("form[method=post] button.serious")
    assert refused(admin_client.post(reset_url(admin_user)))
    assert device_rows(admin_user) == before
    assert admin_client.get("/admin/").status_code == 200  # still signed in and verified
    assert other_admin.is_active


def test_a_site_administrator_cannot_reset_a_superuser(admin, django_user_model):
    admin_user, admin_client = admin
    root = make_user(django_user_model, "root", "superuser")
    TOTPDevice.objects.create(user=root, name="Authenticator app", confirmed=True)
    before = device_rows(root)
    assert "Only a superuser" in text(admin_client.get(reset_url(root)))
    assert refused(admin_client.post(reset_url(root)))
    assert device_rows(root) == before
    # A superuser can.
    root_client = login_verified(Client(), root)
    other = make_user(django_user_model, "root2", "superuser")
    TOTPDevice.objects.create(user=other, name="Authenticator app", confirmed=True)
    assert root_client.post(reset_url(other)).status_code == 302
    assert not TOTPDevice.objects.filter(user=other).exists()


def test_the_reset_needs_a_verified_administrator_and_a_csrf_token(moderator, django_user_model):
    user, device, codes = moderator
    admin_user = make_user(django_user_model, "ada", "Site administrators")
    TOTPDevice.objects.create(user=admin_user, name="Authenticator app", confirmed=True)
    before = device_rows(user)

    password_only = Client()
    password_login(password_only, "ada")  # the administrator's password, without the phone
    response = password_only.post(reset_url(user))
    assert response.status_code == 302 and urlsplit(location(response)).path == VERIFY
    assert Client().post(reset_url(user)).status_code == 302  # anonymous: to the login page

    forged = login_verified(Client(enforce_csrf_checks=True), admin_user)
    assert forged.post(reset_url(user)).status_code == 403
    assert device_rows(user) == before
    assert not ModelLogEntry.objects.filter(action=RESET_ACTION).exists()


def test_resetting_an_unknown_user_is_not_found(admin):
    admin_user, admin_client = admin
    assert admin_client.post("/admin/two-factor/reset/999999/").status_code == 404


def test_the_reset_button_costs_no_query_per_user(admin, django_user_model, django_assert_num_queries):
    from wagtail import hooks

    from dei_portal.accounts.two_factor import USER_EDIT_BUTTONS_HOOK, user_reset_button

    admin_user, admin_client = admin
    users = [make_user(django_user_model, f"user{i}", "Editors") for i in range(5)]
    with django_assert_num_queries(1):  # whether the viewer is an administrator, once
        buttons = [user_reset_button(user=user, request_user=admin_user) for user in [*users, admin_user]]
    assert [len(b) for b in buttons] == [1, 1, 1, 1, 1, 0]
    assert buttons[0][0].url == reset_url(users[0])
    # The same button for the user edit page's menu (admin_roles.UserEditView calls this hook).
    assert user_reset_button in hooks.get_hooks(USER_EDIT_BUTTONS_HOOK)


def test_a_reset_never_removes_the_last_administrators_second_factor(django_user_model):
    """Unreachable over HTTP (whoever resets is an administrator too); the guard holds anyway."""
    from dei_portal.accounts.two_factor import reset_refusal

    last = make_user(django_user_model, "last", "Site administrators")
    former = make_user(django_user_model, "former", "superuser")
    former.is_active = False
    former.save()
    assert "only administrator left" in reset_refusal(former, last)
    assert reset_refusal(former, last, count_administrators=False) is None  # the listing's cheap check


def test_the_user_edit_page_offers_the_reset_to_administrators_only(admin, moderator):
    """The "⋯" menu of a user's edit page carries "Reset two-factor" for a Site administrator;
    a user's own page does not (nobody resets their own second factor this way)."""
    admin_user, admin_client = admin
    target, _, _ = moderator
    page = admin_client.get(f"/admin/users/edit/{target.pk}/")
    assert page.status_code == 200
    assert reset_url(target) in page.content.decode()
    own = admin_client.get(f"/admin/users/edit/{admin_user.pk}/")
    assert own.status_code == 200
    assert reset_url(admin_user) not in own.content.decode()
