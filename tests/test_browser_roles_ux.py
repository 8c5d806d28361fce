"""The user form's "Combine roles" checkbox as a browser shows it: its label beside it, the label
its accessible name, its help text its description; ticking the label ticks the box. Uses
tests/browser_fixtures.py's fixtures. Run with ``pytest -m browser``.
"""

import pytest
from playwright.sync_api import expect

from dei_portal.accounts.admin_roles import COMBINE_ROLES_HELP

from .test_browser_workflow import current_token, member, password_login


@pytest.mark.browser
def test_combine_roles_is_labelled_beside_its_checkbox(site_url, new_context):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    administrator = member("sam", "Site administrators")
    device = TOTPDevice.objects.create(user=administrator, name="Authenticator app", confirmed=True)
    page = new_context().new_page()
    password_login(page, site_url, "sam", "/admin-2fa/verify/")
    page.get_by_label("6-digit code").fill(current_token(device))
    page.get_by_role("button", name="Verify and continue").click()
    page.wait_for_url(f"{site_url}/admin/")

    page.goto(f"{site_url}/admin/users/new/#tab-roles")
    checkbox = page.get_by_role("checkbox", name="Combine roles", exact=True)
    expect(checkbox).to_be_visible()
    expect(checkbox).to_have_accessible_description(COMBINE_ROLES_HELP)
    label = page.locator("label[for=id_combine_roles]")
    expect(label).to_have_text("Combine roles")
    box, text = checkbox.bounding_box(), label.bounding_box()
    # Beside it: on the same line, the text to the right of the box.
    assert text["y"] <= box["y"] + box["height"] / 2 <= text["y"] + text["height"]
    assert text["x"] + text["width"] > box["x"] + box["width"]
    label.get_by_text("Combine roles").click()
    expect(checkbox).to_be_checked()
