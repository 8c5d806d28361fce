"""Admin security, tried from the attacker's side: login lockout (django-axes) and required
two-factor authentication (django-otp TOTP) for superusers, Moderators and Site administrators."""

import logging
import re
import time
from base64 import b32encode
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import axes.utils
import pytest
from axes.models import AccessAttempt
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from dei_portal.accounts.two_factor import two_factor_required

PASSWORD = "a-long-and-correct-passphrase-42"
LOGIN = "/admin/login/"
SETUP = "/admin-2fa/setup/"
VERIFY = "/admin-2fa/verify/"
NEW_CODES = "/admin-2fa/backup-codes/"  # shown once after setup (tests/test_two_factor_recovery.py)
ADMIN_URLS = ["/admin/", "/admin/pages/", "/admin/users/"]
SIDEBAR = 'id="wagtail-sidebar"'  # on every admin page a signed-in, allowed user sees


@pytest.fixture(autouse=True)
def fresh_axes(db):
    axes.utils.reset()
    yield
    axes.utils.reset()


def group(name):
    """A group with access to the admin (Wagtail's migrations make Editors and Moderators)."""
    grp, _ = Group.objects.get_or_create(name=name)
    grp.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    return grp


def make_user(django_user_model, username, role):
    """role: "superuser" or a group name."""
    user = django_user_model.objects.create_user(username, f"{username}@example.edu", PASSWORD)
    if role == "superuser":
        user.is_superuser = user.is_staff = True
        user.save()
    else:
        user.groups.add(group(role))
    return user


def password_login(client, username, password=PASSWORD, **extra):
    """Through the real Wagtail login form, so Axes sees the request."""
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def token_for(device, steps_ahead=0):
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_token(device):
    near = {token_for(device, k) for k in range(-2, 3)}
    return next(t for t in ("000000", "111111", "222222", "333333", "444444", "555555") if t not in near)


def end_throttle(device):
    """django_otp doubles the wait after each wrong code (1 s, 2 s, ...): let that time pass."""
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(minutes=5))


def location(response):
    return response.headers["Location"]


def next_of(url):
    return parse_qs(urlsplit(url).query).get("next", [None])[0]


def text(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def logged_in(client):
    return "_auth_user_id" in client.session


def form_errors(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return " ".join(e.get_text(" ", strip=True) for e in soup.select(".error-message, .messages .error"))


# --- Lockout (django-axes) -------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_login_even_for_the_right_password_until_the_cool_off_ends(
    client, django_user_model, caplog
):
    make_user(django_user_model, "alex", "Editors")

    with caplog.at_level(logging.WARNING, logger="axes"):
        for attempt in range(1, 6):
            response = password_login(client, "alex", f"guess-number-{attempt}")
            assert not logged_in(client)
            if attempt < 5:
                assert response.status_code == 200  # the login form again, with an error
            else:
                assert response.status_code == 429  # the fifth failure already locks

        response = password_login(client, "alex", PASSWORD)  # the sixth, with the RIGHT password

    assert response.status_code == 429
    assert not logged_in(client)
    page = text(response)
    assert "Too many failed sign-in attempts" in page
    assert "Try again in 15 minutes" in page
    assert "alex" not in page  # the lockout page never echoes the username
    assert client.get("/admin/").status_code == 302  # still anonymous: sent to the login page
    assert location(client.get("/admin/")).startswith(LOGIN)

    # Logged: the attempts are in the database and in the log.
    attempt = AccessAttempt.objects.get(username="alex")
    assert attempt.failures_since_start == 5  # attempts during a lockout do not extend it
    assert attempt.path_info == LOGIN
    assert any("Locking out" in r.getMessage() for r in caplog.records if r.name.startswith("axes"))

    # 14 minutes later: still locked, and this try does not restart the cool-off.
    AccessAttempt.objects.filter(username="alex").update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert password_login(client, "alex").status_code == 429
    assert not logged_in(client)
    assert AccessAttempt.objects.get(username="alex").attempt_time < timezone.now() - timedelta(minutes=13)

    # After the full cool-off, the right password works again and the failures are cleared.
    AccessAttempt.objects.filter(username="alex").update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = password_login(client, "alex")
    assert response.status_code == 302 and location(response) == "/admin/"
    assert logged_in(client)
    assert client.get("/admin/").status_code == 200
    assert not AccessAttempt.objects.filter(username="alex").exists()


def test_the_lockout_page_does_not_reveal_whether_the_username_exists(client, django_user_model):
    make_user(django_user_model, "alex", "Editors")
    pages = {}
    for username in ("alex", "nobody-by-this-name"):
        for attempt in range(6):
            response = password_login(client, username, f"guess-{attempt}")
        assert response.status_code == 429
        # Identical apart from the per-response masked CSRF token.
        pages[username] = re.sub(rb'"CSRF_TOKEN": "\w+"', b"", response.content)
        assert username.encode() not in response.content
    assert pages["alex"] == pages["nobody-by-this-name"]


def test_a_locked_out_username_does_not_lock_out_other_users(client, django_user_model):
    make_user(django_user_model, "alex", "Editors")
    make_user(django_user_model, "sam", "Editors")
    for attempt in range(5):
        password_login(client, "alex", f"guess-{attempt}")
    assert password_login(client, "alex").status_code == 429
    response = password_login(client, "sam")
    assert response.status_code == 302 and logged_in(client)


# --- Two-factor is required for privileged users ---------------------------------------------

PRIVILEGED = ["superuser", "Moderators", "Site administrators"]


@pytest.mark.parametrize("role", PRIVILEGED)
def test_privileged_users_without_a_verified_authenticator_cannot_reach_the_admin(client, django_user_model, role):
    make_user(django_user_model, "pat", role)
    response = password_login(client, "pat")
    assert response.status_code == 302 and location(response) == "/admin/"  # the password was right...
    assert logged_in(client)

    for url in ADMIN_URLS:  # ...but no admin page opens without the second factor
        response = client.get(url)
        assert response.status_code == 302
        assert urlsplit(location(response)).path == SETUP
        assert next_of(location(response)) == url

        final = client.get(url, follow=True)
        assert final.request["PATH_INFO"] == SETUP
        assert final.status_code == 200
        assert SIDEBAR not in final.content.decode()
        assert "Set up two-factor authentication" in text(final)

    # Nor can it act: creating a user through the admin is refused.
    before = django_user_model.objects.count()
    response = client.post(
        "/admin/users/new/",
        {
            "username": "intruder",
            "email": "i@example.edu",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302 and urlsplit(location(response)).path == SETUP
    assert django_user_model.objects.count() == before


def test_an_editor_reaches_the_admin_without_two_factor(client, django_user_model):
    make_user(django_user_model, "eddie", "Editors")
    response = password_login(client, "eddie")
    assert response.status_code == 302 and location(response) == "/admin/"
    for url in ["/admin/", "/admin/pages/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert SIDEBAR in response.content.decode()
    assert not TOTPDevice.objects.exists()
    # The setup page has nothing to do for an editor.
    assert location(client.get(SETUP)) == "/admin/"


def test_sign_in_sign_out_and_password_reset_stay_reachable_before_two_factor(client, django_user_model):
    make_user(django_user_model, "pat", "superuser")
    password_login(client, "pat")
    for url in ["/admin/jsi18n/", "/admin/password_reset/", LOGIN]:
        response = client.get(url)
        assert not (response.status_code == 302 and location(response).startswith("/admin-2fa/")), url
    assert client.get("/admin/jsi18n/").status_code == 200
    assert client.get("/admin/password_reset/").status_code == 200
    client.post("/admin/logout/")
    assert not logged_in(client)


def test_two_factor_pages_need_a_password_login_first(client):
    for url in [SETUP, VERIFY]:
        response = client.get(url)
        assert response.status_code == 302 and urlsplit(location(response)).path == LOGIN
    assert not TOTPDevice.objects.exists()


def test_group_check_is_one_query_cached_on_the_request(django_user_model, django_assert_num_queries):
    user = make_user(django_user_model, "mo", "Moderators")
    editor = make_user(django_user_model, "eddie", "Editors")
    for who, expected in [(user, True), (editor, False)]:
        request = RequestFactory().get("/admin/")
        request.user = who
        with django_assert_num_queries(1):
            assert two_factor_required(request) is expected
            assert two_factor_required(request) is expected


# --- Setting up an authenticator -------------------------------------------------------------


def test_setup_shows_a_server_drawn_qr_code_and_confirms_only_the_right_code(client, django_user_model):
    user = make_user(django_user_model, "mo", "Moderators")
    password_login(client, "mo")
    response = client.get(SETUP + "?next=/admin/pages/")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]  # the secret is not cached

    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    secret = b32encode(device.bin_key).decode()
    soup = BeautifulSoup(response.content, "html.parser")
    svg = soup.select_one("main figure svg")
    assert svg is not None and svg.get("role") == "img" and svg.title.get_text()
    assert len(svg.select("path")) >= 1
    assert soup.select_one("#two-factor-secret").get_text(strip=True) == secret
    for script in soup.find_all("script"):  # no inline JavaScript (the QR code needs none)
        assert script.get("src") or script.get("type") == "application/json"
    field = soup.select_one("input[name=token]")
    assert field["autocomplete"] == "one-time-code" and field["inputmode"] == "numeric"
    assert soup.select_one(f"label[for={field['id']}]").get_text(strip=True).startswith("6-digit code")
    assert soup.select_one("input[name=next]")["value"] == "/admin/pages/"

    # Reloading keeps the same secret (the app may already have it).
    assert secret in client.get(SETUP).content.decode()
    assert TOTPDevice.objects.filter(user=user).count() == 1

    # A wrong code: a clear error, nothing confirmed, same secret, the admin still closed.
    response = client.post(SETUP, {"token": wrong_token(device), "next": "/admin/pages/"})
    assert response.status_code == 200
    assert "That code is not right" in form_errors(response)
    soup = BeautifulSoup(response.content, "html.parser")
    described_by = soup.select_one("input[name=token]")["aria-describedby"].split()
    assert "That code is not right" in soup.find(id=described_by[0]).get_text()  # read with the field
    assert secret in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert urlsplit(location(client.get("/admin/"))).path == SETUP

    # Throttling is on: straight after a wrong code, even the right one is not checked.
    response = client.post(SETUP, {"token": token_for(device), "next": "/admin/pages/"})
    assert response.status_code == 200
    assert "Too many wrong codes" in form_errors(response)
    device.refresh_from_db()
    assert not device.confirmed

    # Not digits: refused before any check.
    response = client.post(SETUP, {"token": "abcdef"})
    assert response.status_code == 200 and "all 6 digits" in form_errors(response)

    end_throttle(device)
    response = client.post(SETUP, {"token": token_for(device), "next": "/admin/pages/"})
    # First the backup codes (shown once), which lead on to `next`.
    assert response.status_code == 302 and urlsplit(location(response)).path == NEW_CODES
    assert next_of(location(response)) == "/admin/pages/"
    device.refresh_from_db()
    assert device.confirmed
    for url in ["/admin/", "/admin/pages/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert SIDEBAR in response.content.decode()
    # Moderators may not manage users: Wagtail's own permission check answers now, not 2FA.
    assert location(client.get("/admin/users/")) == "/admin/"


def test_a_code_written_with_a_space_is_accepted(client, django_user_model):
    user = make_user(django_user_model, "mo", "Moderators")
    password_login(client, "mo")
    client.get(SETUP)
    token = token_for(TOTPDevice.objects.get(user=user))
    response = client.post(SETUP, {"token": f"{token[:3]} {token[3:]}"})
    assert response.status_code == 302 and urlsplit(location(response)).path == NEW_CODES
    assert next_of(location(response)) == "/admin/"


def test_a_password_alone_cannot_add_a_second_authenticator(client, django_user_model):
    user = make_user(django_user_model, "root", "superuser")
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    response = password_login(client, "root")
    response = client.get(response.headers["Location"])
    assert urlsplit(location(response)).path == VERIFY

    response = client.get(SETUP)  # an attacker with the password tries to enrol their own phone
    assert response.status_code == 302 and urlsplit(location(response)).path == VERIFY
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert "svg" not in response.content.decode()


# --- Verifying at sign-in --------------------------------------------------------------------


@pytest.fixture
def enrolled(django_user_model):
    user = make_user(django_user_model, "sage", "superuser")
    return user, TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def test_an_enrolled_user_must_enter_the_right_code_after_the_password(client, enrolled):
    user, device = enrolled
    response = password_login(client, "sage", next="/admin/pages/")
    assert response.status_code == 302 and location(response) == "/admin/pages/"
    response = client.get("/admin/pages/")
    assert urlsplit(location(response)).path == VERIFY and next_of(location(response)) == "/admin/pages/"

    page = client.get(location(response))
    assert page.status_code == 200 and "Enter your authentication code" in text(page)
    assert "no-store" in page.headers["Cache-Control"]
    assert "svg" not in BeautifulSoup(page.content, "html.parser").main.decode()  # no secret, no QR

    response = client.post(VERIFY, {"token": wrong_token(device), "next": "/admin/pages/"})
    assert response.status_code == 200
    assert "That code is not right" in form_errors(response)
    assert urlsplit(location(client.get("/admin/"))).path == VERIFY  # still blocked

    end_throttle(device)
    token = token_for(device)
    response = client.post(VERIFY, {"token": token, "next": "/admin/pages/"})
    assert response.status_code == 302 and location(response) == "/admin/pages/"
    assert client.get("/admin/").status_code == 200

    # The same code cannot be replayed in another session.
    other = client.__class__()
    password_login(other, "sage")
    response = other.post(VERIFY, {"token": token})
    assert response.status_code == 200
    assert urlsplit(location(other.get("/admin/"))).path == VERIFY


EVIL_NEXTS = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "http://testserver.evil.example/admin/",
]


@pytest.mark.parametrize("evil", EVIL_NEXTS)
def test_next_never_sends_anyone_off_site(client, enrolled, evil):
    user, device = enrolled
    password_login(client, "sage")
    page = client.get(VERIFY, {"next": evil})
    assert page.status_code == 200
    assert BeautifulSoup(page.content, "html.parser").select_one("input[name=next]")["value"] == "/admin/"
    response = client.post(f"{VERIFY}?next={evil}", {"token": token_for(device), "next": evil})
    assert response.status_code == 302 and location(response) == "/admin/"
    # Already verified: the pages still only send to this site.
    for url in (SETUP, VERIFY):
        assert location(client.get(url, {"next": evil})) == "/admin/"


@pytest.mark.parametrize("evil", EVIL_NEXTS[:2])
def test_next_during_setup_never_sends_anyone_off_site(client, django_user_model, evil):
    user = make_user(django_user_model, "root", "superuser")
    password_login(client, "root")
    client.get(SETUP, {"next": evil})
    response = client.post(SETUP, {"token": token_for(TOTPDevice.objects.get(user=user)), "next": evil})
    assert response.status_code == 302 and next_of(location(response)) == "/admin/"
    page = client.get(location(response))  # the backup codes page links on to this site only
    assert BeautifulSoup(page.content, "html.parser").find("a", string=re.compile("continue"))["href"] == "/admin/"


def test_a_verified_session_lasts_until_sign_out(client, enrolled):
    user, device = enrolled
    password_login(client, "sage")
    client.post(VERIFY, {"token": token_for(device)})
    for _ in range(2):
        for url in ADMIN_URLS:
            assert client.get(url).status_code == 200, url

    response = client.post("/admin/logout/")
    assert response.status_code == 302
    assert not logged_in(client)
    response = client.get("/admin/")
    assert response.status_code == 302 and urlsplit(location(response)).path == LOGIN

    # Signing in again asks for a code again.
    password_login(client, "sage")
    assert urlsplit(location(client.get("/admin/"))).path == VERIFY
    response = client.post(VERIFY, {"token": token_for(device, steps_ahead=1)})  # a newer code
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_session_verified_for_one_user_does_not_carry_to_another(client, enrolled, django_user_model):
    user, device = enrolled
    make_user(django_user_model, "root", "superuser")
    password_login(client, "sage")
    client.post(VERIFY, {"token": token_for(device)})
    assert client.get("/admin/").status_code == 200
    password_login(client, "root")  # same browser, another account
    response = client.get("/admin/")
    assert response.status_code == 302 and urlsplit(location(response)).path == SETUP


def test_lockout_page_gives_the_cool_off_from_settings(client, django_user_model, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    for attempt in range(5):
        response = password_login(client, "anyone", f"guess-{attempt}")
    assert response.status_code == 429
    assert re.search(r"Try again in 1 minute\b", text(response))


# --- The lockout behind reverse proxies (dei_portal/operations/client_ip.py) -----------------------------


@pytest.mark.parametrize(
    "proxies, forwarded_for, expected",
    [
        ([], "203.0.113.5", "10.0.0.9"),  # no proxy trusted: the header is the visitor's own words
        (["10.0.0.9"], "", "10.0.0.9"),  # not through the proxy (its own probe): the connecting address
        (["10.0.0.9"], "203.0.113.5", "203.0.113.5"),  # Varnish appended the visitor
        (["10.0.0.9"], "198.51.100.7, 203.0.113.5", "203.0.113.5"),  # a forged entry in front is ignored
        (["10.0.0.0/24", "192.0.2.1"], "198.51.100.7, 203.0.113.5, 192.0.2.1", "203.0.113.5"),  # CDN, then Varnish
        (["10.0.0.9"], "not-an-address", "10.0.0.9"),
        (["10.0.0.9"], "2001:db8::1", "2001:db8::1"),
        (["10.0.0.1"], "203.0.113.5", "10.0.0.9"),  # from an address that is not a trusted proxy
    ],
)
def test_the_lockout_counts_the_address_the_trusted_proxies_saw(settings, rf, proxies, forwarded_for, expected):
    from dei_portal.operations.client_ip import client_ip

    settings.TRUSTED_PROXIES = proxies
    request = rf.post(LOGIN, REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip(request) == expected


def test_behind_a_proxy_one_visitors_failures_do_not_lock_out_another(client, django_user_model, settings):
    """Every request reaches the app from the proxy's address; the lockout must still tell
    visitors apart, and a forged X-Forwarded-For must neither dodge nor transfer a lockout."""
    settings.TRUSTED_PROXIES = ["10.0.0.2"]

    def password_login(client, username, password=PASSWORD, **meta):  # the headers in META
        return client.post(LOGIN, {"username": username, "password": password}, **meta)

    make_user(django_user_model, "alex", "Editors")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    for attempt in range(5):
        password_login(client, "alex", f"guess-{attempt}", **attacker)
    assert password_login(client, "alex", **attacker).status_code == 429
    # The attacker claims to be someone else: the proxy's entry (rightmost) still names them.
    forged = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.5"}
    assert password_login(client, "alex", **forged).status_code == 429
    # The real editor, through the same proxy from another address, signs in.
    editor = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    response = password_login(client, "alex", **editor)
    assert response.status_code == 302 and logged_in(client)
