"""Recovering two-factor sign-in without a shell, in the real admin in headless chromium.

1. A Moderator without their phone signs in with a password and a backup code.
2. A Site administrator resets a colleague's lost authenticator from the users list; the
   colleague's old session ends, and their next sign-in sets up a new app (with new backup
   codes shown once).

Runs on the live server like tests/test_browser_workflow.py, whose helpers it reuses
(fixtures: tests/browser_fixtures.py). Run with ``pytest -m browser tests/test_browser_two_factor.py``.
"""

import re

import pytest
from playwright.sync_api import expect

from .test_browser_workflow import current_token, member, messages, password_login

CODE_FIELD = "6-digit code"  # the label starts so on the setup page and the verify page


@pytest.mark.browser
def test_a_moderator_signs_in_with_a_backup_code(site_url, new_context):
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dei_portal.accounts.two_factor import make_backup_codes

    moderator = member("moe", "Moderators")
    TOTPDevice.objects.create(user=moderator, name="Authenticator app", confirmed=True)
    codes = make_backup_codes(moderator)

    page = new_context().new_page()
    password_login(page, site_url, "moe", "/admin-2fa/verify/")
    field = page.get_by_label("6-digit code or backup code")
    expect(page.locator("main")).to_contain_text("Enter one of the backup codes")
    field.fill(codes[3])
    page.get_by_role("button", name="Verify and continue").click()
    page.wait_for_url(f"{site_url}/admin/")
    expect(page.locator("#wagtail-sidebar")).to_be_attached()
    expect(messages(page)).to_contain_text("9 backup codes left")
    assert codes[3] not in StaticToken.objects.filter(device__user=moderator).values_list("token", flat=True)


@pytest.mark.browser
def test_an_administrator_resets_a_lost_authenticator(site_url, new_context):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from dei_portal.accounts.two_factor import make_backup_codes

    admin = member("ada", "Site administrators")
    admin_device = TOTPDevice.objects.create(user=admin, name="Authenticator app", confirmed=True)
    moderator = member("moe", "Moderators")
    lost = TOTPDevice.objects.create(user=moderator, name="Authenticator app", confirmed=True)
    make_backup_codes(moderator)

    # The moderator was signed in on the phone that is now lost.
    phone = new_context().new_page()
    password_login(phone, site_url, "moe", "/admin-2fa/verify/")
    phone.get_by_label(CODE_FIELD).fill(current_token(lost))
    phone.get_by_role("button", name="Verify and continue").click()
    phone.wait_for_url(f"{site_url}/admin/")

    # The administrator signs in (password, then the app's code) and finds the user in the list.
    page = new_context().new_page()
    password_login(page, site_url, "ada", "/admin-2fa/verify/")
    page.get_by_label(CODE_FIELD).fill(current_token(admin_device))
    page.get_by_role("button", name="Verify and continue").click()
    page.wait_for_url(f"{site_url}/admin/")
    page.goto(f"{site_url}/admin/users/")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=re.compile(r"\bmoe\b")))
    expect(row).to_have_count(1)
    row.get_by_role("button", name=re.compile(r"^More options for")).click()
    row.get_by_role("link", name="Reset two-factor").click()

    page.wait_for_url(f"{site_url}/admin/two-factor/reset/{moderator.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reset two-factor authentication")
    expect(page.locator("main")).to_contain_text("First check who is asking")
    page.get_by_role("button", name="Yes, reset two-factor authentication").click()
    page.wait_for_url(f"{site_url}/admin/users/")
    expect(messages(page)).to_contain_text("Two-factor authentication of moe was reset")
    assert not TOTPDevice.objects.filter(user=moderator).exists()
    assert not StaticDevice.objects.filter(user=moderator).exists()

    # The lost phone's session is over.
    phone.goto(f"{site_url}/admin/")
    phone.wait_for_url(re.compile(re.escape(f"{site_url}/admin/login/")))

    # The moderator signs in again and is sent to set up a new app, then shown new backup codes.
    again = new_context().new_page()
    password_login(again, site_url, "moe", "/admin-2fa/setup/")
    expect(again.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    new_device = TOTPDevice.objects.get(user=moderator, confirmed=False)
    again.get_by_label(CODE_FIELD).fill(current_token(new_device))
    again.get_by_role("button", name="Confirm and continue").click()
    again.wait_for_url(re.compile(re.escape(f"{site_url}/admin-2fa/backup-codes/")))
    expect(again.locator("#two-factor-backup-codes li")).to_have_count(10)
    again.get_by_role("link", name="I have stored my backup codes, continue").click()
    again.wait_for_url(f"{site_url}/admin/")
    expect(again.locator("#wagtail-sidebar")).to_be_attached()
