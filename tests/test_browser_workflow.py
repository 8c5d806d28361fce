"""The review workflow end to end, in the real Wagtail admin in headless chromium.

An editor drafts an announcement and submits it to "Moderators approval"; visitors do
not see it. A moderator signs in (password, then a TOTP code), finds it under "Awaiting
your review" on the dashboard and approves it, in a dialog that says what approving does,
and is told it was published; visitors now see it on /announcements/. Site-wide notices go
through the same dialog and message.

Runs on the live server with the demo content (``site_url`` and ``new_context`` from
tests/browser_fixtures.py). Run with ``pytest -m browser``.
"""

import re
import time

import pytest
from playwright.sync_api import expect

PASSWORD = "a-long-and-correct-passphrase-42"
TITLE = "Pronoun pins at the welcome desk"
SUMMARY = "Free pronoun pins are now available at the medical campus welcome desk."
DATE = "2027-01-15"  # newer than every demo announcement, so it is first in the list
CATEGORY = "Campus events"
WORKFLOW = "Moderators approval"


def member(username, group_name):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username, f"{username}@example.edu", PASSWORD)
    user.groups.add(Group.objects.get(name=group_name))
    return user


def current_token(device):
    """The code an authenticator app would show now (not one about to expire)."""
    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if device.step - (time.time() - device.t0) % device.step < 2:
        time.sleep(2)  # about to roll over: use the next code instead
    return f"{totp.token():0{device.digits}d}"


def required(label):
    """An accessible name as Wagtail renders it: the label, then " *" when the field is required."""
    return re.compile(rf"^{re.escape(label)}( ?\*)?$")


def password_login(page, base, username, expected_path):
    page.goto(f"{base}/admin/login/")
    page.get_by_role("textbox", name=required("Username")).fill(username)
    page.get_by_label("Password").fill(PASSWORD)  # the only label with that word
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}{expected_path}**")


def messages(page):
    return page.locator(".messages")


@pytest.mark.browser
def test_editor_submits_moderator_approves_visitor_sees_announcement(site_url, new_context, tmp_path):
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from wagtail.models import WorkflowState

    from announcements.models import AnnouncementIndexPage, AnnouncementPage

    index = AnnouncementIndexPage.objects.get(url_path__endswith="/announcements/")
    member("edie", "Editors")
    moderator = member("moe", "Moderators")
    device = TOTPDevice.objects.create(user=moderator, name="Authenticator app", confirmed=True)

    # 1-2. The editor signs in (no second factor for Editors) and drafts the announcement.
    editor_page = new_context().new_page()
    password_login(editor_page, site_url, "edie", "/admin/")
    expect(editor_page.locator("#wagtail-sidebar")).to_be_attached()
    editor_page.goto(f"{site_url}/admin/pages/add/announcements/announcementpage/{index.pk}/")
    form = editor_page.locator("form[data-edit-form]")
    form.get_by_role("textbox", name=required("Title")).fill(TITLE)
    # The category is a snippet: chosen from a modal listing them.
    form.get_by_role("button", name="Choose announcement category").click()
    chooser = editor_page.get_by_role("dialog")
    chooser.get_by_role("link", name=CATEGORY, exact=True).click()
    expect(chooser).to_be_hidden()
    expect(editor_page.locator("#id_category-title")).to_have_text(CATEGORY)
    date = form.get_by_role("textbox", name=required("Date"))
    date.fill(DATE)
    # Focus opens Wagtail's date picker a moment later; Tab closes it (Escape does not),
    # and while open it covers the footer's buttons.
    picker = editor_page.locator(".xdsoft_datetimepicker:visible")
    expect(picker).to_have_count(1)
    date.press("Tab")
    expect(picker).to_have_count(0)
    content = editor_page.get_by_role("tabpanel", name=re.compile(r"^Content"))
    content.get_by_role("region", name="Summary", exact=True).get_by_role("textbox").fill(SUMMARY)

    footer = editor_page.locator("footer")
    footer.get_by_role("button", name="More actions").click()
    submit = footer.get_by_role("button", name=f"Submit to {WORKFLOW}")
    expect(submit).to_be_visible()
    submit.click()

    # Wagtail goes back to the parent's page listing with a success message.
    editor_page.wait_for_url(f"{site_url}/admin/pages/{index.pk}/")
    expect(messages(editor_page)).to_contain_text(f"Page '{TITLE}' created and submitted for moderation.")
    created = AnnouncementPage.objects.get(title=TITLE)
    assert not created.live and created.has_unpublished_changes
    assert (created.category.name, created.date.isoformat()) == (CATEGORY, DATE)
    # The form must not also carry an empty copy of the field (e.g. on the Promote tab),
    # or that later copy is what gets saved.
    assert created.summary == SUMMARY, f"the summary typed on the Content tab was not saved: {created.summary!r}"
    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(created.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == WORKFLOW

    visitor = new_context().new_page()
    visitor.goto(f"{site_url}/announcements/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Announcements")
    expect(visitor.get_by_text(TITLE)).to_have_count(0)
    response = visitor.goto(f"{site_url}{created.url}")
    assert response is not None and response.status == 404, "a draft awaiting review must not be public"

    # 3. The moderator signs in with a password, then a code from the authenticator app.
    mod_page = new_context().new_page()
    password_login(mod_page, site_url, "moe", "/admin-2fa/verify/")
    mod_page.get_by_label("6-digit code").fill(current_token(device))
    mod_page.get_by_role("button", name="Verify and continue").click()
    mod_page.wait_for_url(f"{site_url}/admin/")

    review = mod_page.get_by_role("region", name="Awaiting your review")
    row = review.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Actions").click()
    # Approving from the dashboard asks first, saying what approving does, the comment optional
    # (dei_portal.editing.scheduling.ReviewActionView; Wagtail's own dialog said "Approve with comment").
    approve = row.get_by_role("button", name="Approve", exact=True)
    expect(approve).to_be_visible()
    approve.click()
    dialog = mod_page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name=f"Approve and publish '{TITLE}'?")).to_be_visible()
    expect(dialog).to_contain_text("It goes live on the site as soon as you approve.")
    dialog.get_by_role("textbox", name="Comment (optional)").fill("Thanks, lovely news.")
    assert WorkflowState.objects.get(pk=state.pk).status == WorkflowState.STATUS_IN_PROGRESS
    mod_page.screenshot(path=tmp_path / "review-dialog.png")
    with mod_page.expect_navigation(url=f"{site_url}/admin/"):
        dialog.get_by_role("button", name="Approve and publish").click()
    # Back on the dashboard, a message says what happened, and the item has left the list.
    expect(messages(mod_page)).to_contain_text(f"'{TITLE}' approved and published.")
    expect(
        mod_page.get_by_role("region", name="Awaiting your review").get_by_role("row").filter(has_text=TITLE)
    ).to_have_count(0)
    mod_page.screenshot(path=tmp_path / "review-approved.png")
    created.refresh_from_db()
    state.refresh_from_db()
    assert created.live and not created.has_unpublished_changes
    assert state.status == WorkflowState.STATUS_APPROVED
    assert state.task_states.get().comment == "Thanks, lovely news."

    # 4. A visitor (fresh context, no cookies) now sees it listed, linking to its page.
    visitor = new_context().new_page()
    visitor.goto(f"{site_url}/announcements/")
    link = visitor.get_by_role("main").get_by_role("link", name=TITLE)
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", created.url)
    with visitor.expect_navigation(url=f"{site_url}{created.url}") as navigation:
        link.click()
    assert navigation.value is not None and navigation.value.status == 200
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.get_by_role("main")).to_contain_text(SUMMARY)


@pytest.mark.browser
def test_moderator_approves_a_site_notice_from_the_dashboard(site_url, new_context):
    from wagtail.models import Workflow, WorkflowState

    from announcements.models import SiteNotice

    from .test_browser_scheduling import signed_in_session

    editor = member("edie", "Editors")
    notice = SiteNotice.objects.get(heading="Announcements")
    notice.text = "Welcome week starts Monday: see the campus events."
    notice.save_revision(user=editor)
    Workflow.objects.get(name=WORKFLOW).start(notice, editor)
    moderator = member("moe", "Moderators")

    context = new_context()
    context.add_cookies([signed_in_session(moderator, site_url)])
    page = context.new_page()
    page.goto(f"{site_url}/admin/")
    row = page.get_by_role("region", name="Awaiting your review").get_by_role("row").filter(has_text="Announcements")
    row.get_by_role("button", name="Actions").click()
    row.get_by_role("button", name="Approve", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Approve and publish 'Announcements'?")).to_be_visible()
    expect(dialog.get_by_role("textbox", name="Comment (optional)")).to_be_visible()
    assert SiteNotice.objects.get(pk=notice.pk).text != notice.text
    with page.expect_navigation(url=f"{site_url}/admin/"):
        dialog.get_by_role("button", name="Approve and publish").click()
    expect(messages(page)).to_contain_text("'Announcements' approved and published.")
    assert SiteNotice.objects.get(pk=notice.pk).text == notice.text
    assert (
        WorkflowState.objects.get(base_content_type__model="sitenotice", object_id=str(notice.pk)).status == "approved"
    )

    visitor = new_context().new_page()
    visitor.goto(f"{site_url}/")
    expect(visitor.locator(".site-notice").filter(has_text="Announcements")).to_contain_text(notice.text)
