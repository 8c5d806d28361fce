"""A one-person office publishing alone, in the real Wagtail admin in headless chromium.

A Publisher signs in (password, then a code from their authenticator app), edits an office
page and publishes it with no second person; a visitor then sees the change. Nobody approves
anything and no review is left waiting. Uses tests/browser_fixtures.py's fixtures (the live
server with the demo content). Run with ``pytest -m browser``.
"""

import pytest
from playwright.sync_api import expect

from .test_browser_workflow import current_token, member, password_login, required

NEW_TITLE = "Office of Faculty Affairs and Belonging"


@pytest.mark.browser
def test_a_publisher_publishes_alone_and_visitors_see_it(site_url, new_context):
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from wagtail.models import WorkflowState

    from offices.models import OfficePage

    office = OfficePage.objects.get(url_path__endswith="/offices/faculty-affairs/")
    publisher = member("pat", "Publishers")
    device = TOTPDevice.objects.create(user=publisher, name="Authenticator app", confirmed=True)

    page = new_context().new_page()
    password_login(page, site_url, "pat", "/admin-2fa/verify/")  # two-factor is required of Publishers
    page.get_by_label("6-digit code").fill(current_token(device))
    page.get_by_role("button", name="Verify and continue").click()
    page.wait_for_url(f"{site_url}/admin/")
    # The dashboard says which role publishes without a second person.
    expect(page.get_by_role("region", name="Roles and the editor guide")).to_contain_text("without a second person")

    page.goto(f"{site_url}/admin/pages/{office.pk}/edit/")
    page.locator("form[data-edit-form]").get_by_role("textbox", name=required("Title")).fill(NEW_TITLE)
    footer = page.locator("footer")
    publish = footer.get_by_role("button", name="Publish", exact=True)
    if not publish.is_visible():
        footer.get_by_role("button", name="More actions").click()
    expect(publish).to_be_visible()
    publish.click()
    expect(page.locator(".messages")).to_contain_text("published")

    office.refresh_from_db()
    assert office.title == NEW_TITLE and office.live and not office.has_unpublished_changes
    assert not WorkflowState.objects.filter(object_id=str(office.pk), status=WorkflowState.STATUS_IN_PROGRESS).exists()

    visitor = new_context().new_page()
    visitor.goto(f"{site_url}{office.url}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(NEW_TITLE)
