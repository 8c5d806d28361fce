"""The login lockout counts the right person (dei_portal/operations/client_ip.py, issue 11 item 8).

From the attacker's side: real POSTs to the admin login form, with the connecting address
(REMOTE_ADDR) and X-Forwarded-For set as a proxy or an attacker would. django-axes locks a
username out per (username, address) after AXES_FAILURE_LIMIT (5) failures, answering 429.

The topology of docs/deployment.md: visitor → load balancer (10.0.1.0/24) → Varnish
(10.0.0.2) → app server. The load balancer appends the visitor's address, Varnish appends
the load balancer's, and the app server sees Varnish as REMOTE_ADDR.
"""

import os
import subprocess
import sys
from pathlib import Path

import axes.utils
import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, Permission

from dei_portal.operations.client_ip import client_ip

ROOT = Path(__file__).resolve().parent.parent
LOGIN = "/admin/login/"
PASSWORD = "a-long-and-correct-passphrase-42"
VARNISH = "10.0.0.2"
LOAD_BALANCER = "10.0.1.7"
CHAIN = [VARNISH, "10.0.1.0/24"]  # TRUSTED_PROXIES for the chain
ALICE, BOB = "203.0.113.5", "198.51.100.7"  # two visitors


@pytest.fixture(autouse=True)
def fresh_axes(db):
    axes.utils.reset()
    yield
    axes.utils.reset()


@pytest.fixture
def editor(django_user_model):
    """An Editor (no second factor needed), so a right password signs straight in (302)."""
    user = django_user_model.objects.create_user("alex", "alex@example.edu", PASSWORD)
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    user.groups.add(editors)
    return user


def attempt(client, password, remote, forwarded_for=None):
    """One POST of the login form, from `remote`, with `forwarded_for` as X-Forwarded-For."""
    meta = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    client.cookies.clear()  # every attempt a fresh visitor: no session carried over
    return client.post(LOGIN, {"username": "alex", "password": password}, **meta)


def lock_out(client, remote, forwarded_for=None):
    statuses = [attempt(client, f"guess-{n}", remote, forwarded_for).status_code for n in range(5)]
    assert statuses == [200] * 4 + [429]  # the form again, until the fifth failure locks
    assert attempt(client, PASSWORD, remote, forwarded_for).status_code == 429  # locked, right password or not


def signs_in(client, remote, forwarded_for=None):
    response = attempt(client, PASSWORD, remote, forwarded_for)
    return response.status_code == 302 and "_auth_user_id" in client.session


def counted_addresses():
    return set(AccessAttempt.objects.values_list("ip_address", flat=True))


# --- a client talking to the app server directly --------------------------------------------


@pytest.mark.parametrize("trusted", [[], CHAIN])
def test_a_forged_header_sent_straight_to_the_app_is_ignored(client, editor, settings, trusted):
    """The attacker connects from their own address (not a proxy) and invents a new
    X-Forwarded-For for every guess: they are still locked out after five, and the address
    they claimed (Bob's) is not."""
    settings.TRUSTED_PROXIES = trusted
    statuses = [
        attempt(client, f"guess-{n}", ALICE, forwarded_for=f"192.0.2.{n}, {VARNISH}").status_code for n in range(5)
    ]
    assert statuses == [200] * 4 + [429]
    assert attempt(client, PASSWORD, ALICE, forwarded_for=BOB).status_code == 429
    assert counted_addresses() == {ALICE}
    # Bob, through the real chain, is not locked out by what Alice claimed.
    settings.TRUSTED_PROXIES = CHAIN
    assert signs_in(client, VARNISH, forwarded_for=f"{BOB}, {LOAD_BALANCER}")


def test_trusting_nobody_the_proxy_is_the_client(settings, rf):
    """The default: no TRUSTED_PROXIES, and REMOTE_ADDR is the client whatever the header says."""
    settings.TRUSTED_PROXIES = []
    request = rf.post(LOGIN, REMOTE_ADDR=VARNISH, HTTP_X_FORWARDED_FOR=f"{ALICE}, {LOAD_BALANCER}")
    assert client_ip(request) == VARNISH


# --- two visitors through the load balancer → Varnish chain ---------------------------------


def test_two_visitors_through_two_proxies_are_told_apart(client, editor, settings):
    settings.TRUSTED_PROXIES = CHAIN
    lock_out(client, VARNISH, forwarded_for=f"{ALICE}, {LOAD_BALANCER}")
    assert counted_addresses() == {ALICE}  # not Varnish's, not the load balancer's
    assert signs_in(client, VARNISH, forwarded_for=f"{BOB}, {LOAD_BALANCER}")


def test_one_visitors_failures_never_lock_another_out_whatever_they_claim(client, editor, settings):
    """Alice, locked out, claims to be Bob (an entry of her own in front of the chain's):
    still locked out; and the claim did not transfer her lockout to Bob."""
    settings.TRUSTED_PROXIES = CHAIN
    lock_out(client, VARNISH, forwarded_for=f"{ALICE}, {LOAD_BALANCER}")
    forged = f"{BOB}, {ALICE}, {LOAD_BALANCER}"  # the load balancer appends to what Alice sent
    assert attempt(client, PASSWORD, VARNISH, forwarded_for=forged).status_code == 429
    # Alice keeps guessing while claiming Bob's address: counted against her, never him.
    for n in range(5):
        attempt(client, f"more-{n}", VARNISH, forwarded_for=f"{BOB}, {ALICE}, {LOAD_BALANCER}")
    assert counted_addresses() == {ALICE}
    assert signs_in(client, VARNISH, forwarded_for=f"{BOB}, {LOAD_BALANCER}")


def test_the_proxies_own_requests_count_as_the_proxy(settings, rf):
    """Entries that are all trusted proxies (a probe from the load balancer): the leftmost."""
    settings.TRUSTED_PROXIES = CHAIN
    assert client_ip(rf.get("/", REMOTE_ADDR=VARNISH, HTTP_X_FORWARDED_FOR=LOAD_BALANCER)) == LOAD_BALANCER
    assert client_ip(rf.get("/", REMOTE_ADDR=VARNISH)) == VARNISH


# --- IPv6 ------------------------------------------------------------------------------------


def test_ipv6_visitors_through_ipv6_proxies_are_told_apart(client, editor, settings):
    settings.TRUSTED_PROXIES = ["2001:db8:0:1::/64", "2001:db8:0:2::10"]
    varnish, balancer = "2001:db8:0:1::2", "2001:db8:0:2::10"
    lock_out(client, varnish, forwarded_for=f"2001:db8:ffff::a, {balancer}")
    assert counted_addresses() == {"2001:db8:ffff::a"}
    assert signs_in(client, varnish, forwarded_for=f"2001:db8:ffff::b, {balancer}")


@pytest.mark.parametrize(
    "remote, forwarded_for, expected",
    [
        ("::ffff:10.0.0.2", ALICE, ALICE),  # a dual-stack socket's IPv4-mapped Varnish: trusted
        (VARNISH, "[2001:DB8::A]:41234", "2001:db8::a"),  # bracketed with a port, normalised
        (VARNISH, f"{ALICE}:41234", ALICE),  # a load balancer that writes ip:port
        (VARNISH, "::ffff:203.0.113.5", ALICE),
        ("2001:db8:0:3::1", ALICE, "2001:db8:0:3::1"),  # an IPv6 address outside the list
    ],
)
def test_ipv6_and_ports(settings, rf, remote, forwarded_for, expected):
    settings.TRUSTED_PROXIES = [VARNISH, "2001:db8:0:1::/64"]
    assert client_ip(rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded_for)) == expected


# --- garbage -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forwarded_for, expected",
    [
        # Garbage where our own proxy writes (the rightmost entry): never believed; the
        # proxy that sent it is the answer.
        ("unknown", VARNISH),
        ("203.0.113.5 OR 1=1", VARNISH),
        ("999.1.1.1", VARNISH),
        ("<script>alert(1)</script>", VARNISH),
        (f"{ALICE},", VARNISH),  # an empty entry
        (f"{ALICE}, garbage, {LOAD_BALANCER}", LOAD_BALANCER),  # the last trusted hop we reached
        (f"{ALICE}:99999", VARNISH),  # not a port
        # Garbage to the left of the visitor's entry is never reached.
        (f"garbage, {ALICE}, {LOAD_BALANCER}", ALICE),
        (f"{'x' * 5000}, {ALICE}", ALICE),
    ],
)
def test_garbage_is_never_believed(settings, rf, forwarded_for, expected):
    settings.TRUSTED_PROXIES = CHAIN
    assert client_ip(rf.get("/", REMOTE_ADDR=VARNISH, HTTP_X_FORWARDED_FOR=forwarded_for)) == expected


def test_garbage_cannot_dodge_a_lockout(client, editor, settings):
    """Alice behind a chain that (misconfigured) passes her text through: every guess with
    garbage counts against the proxy's own address, so she gains nothing by it."""
    settings.TRUSTED_PROXIES = CHAIN
    for n in range(5):
        attempt(client, f"guess-{n}", VARNISH, forwarded_for=f"not-an-address-{n}")
    assert attempt(client, PASSWORD, VARNISH, forwarded_for="still-not-one").status_code == 429
    assert counted_addresses() == {VARNISH}


# --- settings ----------------------------------------------------------------------------------


def settings_import(**env):
    """Import the test settings in a fresh interpreter with `env`; (exit status, stderr)."""
    environment = {
        name: value for name, value in os.environ.items() if name not in ("AXES_PROXY_COUNT", "TRUSTED_PROXIES")
    }
    environment.update(DJANGO_SETTINGS_MODULE="dei_portal.settings.test", **env)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stderr


def test_the_old_hop_count_setting_is_refused_with_a_pointer_to_the_new_one():
    status, stderr = settings_import(AXES_PROXY_COUNT="1")
    assert status != 0
    assert "ImproperlyConfigured" in stderr and "AXES_PROXY_COUNT" in stderr and "TRUSTED_PROXIES" in stderr


def test_a_malformed_trusted_proxy_is_refused():
    status, stderr = settings_import(TRUSTED_PROXIES="10.0.0.2, varnish.internal")
    assert status != 0 and "TRUSTED_PROXIES" in stderr and "varnish.internal" in stderr
    assert settings_import(TRUSTED_PROXIES="10.0.0.2, 10.0.1.0/24, 2001:db8::/64") == (0, "")
