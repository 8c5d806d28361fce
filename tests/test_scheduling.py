"""Scheduling that cannot surprise (issue 11, dei_portal/editing/scheduling.py).

Go-live and expiry are typed and shown in the site's zone (TIME_ZONE = America/Chicago),
which the form names; wherever the admin shows a schedule (status panel, schedule dialog,
page listing, notice listing) it reads "1 March 2027, 09:45 Central Time"; the picker offers
minutes; autosave never stores a schedule nobody saved; the page listing says when a
scheduled page goes live; approving from the dashboard asks first (tests/test_review_ux.py
for what the dialog says and does). Real admin form posts, read back over HTTP.
"""

import datetime
import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Revision, WorkflowState
from wagtail.utils.timestamps import render_timestamp

from announcements.models import SiteNotice
from offices.models import OfficePage

from .conftest import login_verified, office_form

ZONE = "Central Time (America/Chicago)"  # the note under each date-time field
UTC = datetime.UTC


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user("moe", "moe@example.edu", "a-long-enough-password-1")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def moderator_client(client, moderator):
    return login_verified(client, moderator)


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def schedule_inputs(response):
    soup = BeautifulSoup(response.content, "html.parser")
    return {name: soup.find("input", attrs={"name": name}) for name in ("go_live_at", "expire_at")}, soup


def test_the_schedule_form_names_the_zone_and_offers_minutes(moderator_client, tree):
    response = moderator_client.get(edit_url(tree["office"]))
    assert response.status_code == 200
    inputs, soup = schedule_inputs(response)
    for name, field in inputs.items():
        assert field is not None, name
        # The zone is shown under the input and read out as its description.
        note = soup.find(id=f"{field['id']}-zone")
        assert note is not None and note.decode_contents().strip() == ZONE, name
        assert f"{field['id']}-zone" in field["aria-describedby"].split(), name
        # The picker lists quarter hours, not Wagtail's whole hours only (step 60).
        script = field.find_next("script").string
        assert re.search(r'"step": 15\b', script), script


def test_the_zone_name_comes_from_the_time_zone_setting(moderator_client, tree, settings):
    settings.TIME_ZONE = "America/New_York"
    html = moderator_client.get(edit_url(tree["office"])).content.decode()
    assert "Eastern Time (America/New_York)" in html
    assert ZONE not in html


def test_a_go_live_typed_as_local_time_is_stored_as_that_instant_and_shown_back(moderator_client, tree):
    office = tree["office"]
    data = office_form(tree["md"], slug=office.slug, go_live_at="2027-03-01 09:15", expire_at="2027-07-01 17:40")
    response = moderator_client.post(edit_url(office), {**data, "action-publish": "publish"})
    assert response.status_code == 302

    # 09:15 in Chicago in March (CST, UTC-6) is 15:15 UTC; 17:40 in July (CDT, UTC-5) is 22:40 UTC.
    revision = Revision.page_revisions.get(object_id=str(office.pk), approved_go_live_at__isnull=False)
    assert revision.approved_go_live_at == datetime.datetime(2027, 3, 1, 15, 15, tzinfo=UTC)
    assert revision.as_object().expire_at == datetime.datetime(2027, 7, 1, 22, 40, tzinfo=UTC)

    inputs, soup = schedule_inputs(moderator_client.get(edit_url(office)))
    assert inputs["go_live_at"]["value"] == "2027-03-01 09:15"  # the minutes are kept
    assert inputs["expire_at"]["value"] == "2027-07-01 17:40"
    assert soup.find(id=f"{inputs['go_live_at']['id']}-zone").decode_contents().strip() == ZONE


def test_the_page_listing_says_when_a_scheduled_page_goes_live(moderator_client, tree):
    office = tree["office"]
    data = office_form(tree["md"], slug=office.slug, go_live_at="2027-03-01 09:15")
    assert moderator_client.post(edit_url(office), {**data, "action-publish": "publish"}).status_code == 302

    listing = moderator_client.get(reverse("wagtailadmin_explore", args=[tree["offices"].pk]))
    soup = BeautifulSoup(listing.content, "html.parser")
    scheduled = soup.select("[data-scheduled-go-live]")
    assert [s.get_text(" ", strip=True) for s in scheduled] == ["Scheduled for 1 March 2027, 09:15 Central Time"]


def test_the_page_listing_shows_no_schedule_for_unscheduled_pages(moderator_client, tree):
    listing = moderator_client.get(reverse("wagtailadmin_explore", args=[tree["offices"].pk]))
    assert listing.status_code == 200
    assert b"data-scheduled-go-live" not in listing.content
    assert tree["office"].title.encode() in listing.content


def notice_schedule_cells(client):
    """The notice listing's "Schedule" cell for each heading, one string per line."""
    listing = client.get(reverse("wagtailsnippets_announcements_sitenotice:list"))
    assert listing.status_code == 200
    soup = BeautifulSoup(listing.content, "html.parser")
    headers = [th.get_text(" ", strip=True) for th in soup.select("table.listing thead th")]
    column = headers.index("Schedule")
    cells = {}
    for row in soup.select("table.listing tbody tr"):
        heading = row.select("td")[headers.index("Heading")].select_one("a").get_text(strip=True)
        cells[heading] = [line.get_text(" ", strip=True) for line in row.select("td")[column].select("[data-schedule]")]
    return headers, cells


def test_the_notice_listing_shows_its_schedule_in_the_site_zone(moderator_client, tree):
    notice = tree["notice"]
    SiteNotice.objects.filter(pk=notice.pk).update(expire_at=datetime.datetime(2027, 7, 1, 22, 40, tzinfo=UTC))
    headers, cells = notice_schedule_cells(moderator_client)
    # One "Schedule" column instead of "Goes live" and "Expires", so the listing fits (the
    # widths themselves are measured in tests/test_browser_scheduling.py).
    assert headers[1:] == ["Heading", "Text", "Status", "Schedule"]
    assert cells["Announcements"] == ["Expires 1 July 2027, 17:40 Central Time"]


def test_the_notice_listing_shows_a_scheduled_version_as_the_page_listing_does(moderator_client, tree):
    """A live notice with a new version scheduled: the live version's expiry would never apply
    (the new version replaces it first), so the listing shows the scheduled version's times."""
    notice = tree["notice"]
    url = reverse("wagtailsnippets_announcements_sitenotice:edit", args=[notice.pk])
    notice.save_revision().publish()
    SiteNotice.objects.filter(pk=notice.pk).update(expire_at=datetime.datetime(2027, 12, 1, 18, 0, tzinfo=UTC))
    data = notice_form(notice, text="New text.", go_live_at="2027-03-01 09:15", expire_at="2027-07-01 17:40")
    assert moderator_client.post(url, {**data, "action-publish": "publish"}).status_code == 302
    assert SiteNotice.objects.get(pk=notice.pk).status_string == "live + scheduled"

    _, cells = notice_schedule_cells(moderator_client)
    assert cells["Announcements"] == [
        "Scheduled for 1 March 2027, 09:15 Central Time",
        "Expires 1 July 2027, 17:40 Central Time",
    ]


def test_the_notice_listing_keeps_a_live_expiry_that_comes_first(moderator_client, tree):
    notice = tree["notice"]
    notice.save_revision().publish()
    SiteNotice.objects.filter(pk=notice.pk).update(expire_at=datetime.datetime(2027, 2, 1, 18, 0, tzinfo=UTC))
    url = reverse("wagtailsnippets_announcements_sitenotice:edit", args=[notice.pk])
    data = notice_form(notice, text="New text.", go_live_at="2027-03-01 09:15", expire_at="2027-07-01 17:40")
    assert moderator_client.post(url, {**data, "action-publish": "publish"}).status_code == 302
    _, cells = notice_schedule_cells(moderator_client)
    assert cells["Announcements"] == [
        "Expires 1 February 2027, 12:00 Central Time",
        "Scheduled for 1 March 2027, 09:15 Central Time",
        "Then expires 1 July 2027, 17:40 Central Time",
    ]


def test_the_notice_listing_says_when_a_notice_expired(moderator_client, tree):
    notice = tree["notice"]
    SiteNotice.objects.filter(pk=notice.pk).update(
        live=False, expired=True, expire_at=datetime.datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
    )
    _, cells = notice_schedule_cells(moderator_client)
    assert cells["Announcements"] == ["Expired 5 January 2026, 08:00 Central Time"]


def test_the_notice_listing_cuts_long_text_short(moderator_client, tree):
    notice = tree["notice"]
    SiteNotice.objects.filter(pk=notice.pk).update(text="Word " * 40)
    listing = moderator_client.get(reverse("wagtailsnippets_announcements_sitenotice:list"))
    text = BeautifulSoup(listing.content, "html.parser").select("table.listing tbody tr td")[2].get_text(strip=True)
    assert len(text) <= 60 and text.endswith("…"), text


# --- One way of writing a time, everywhere ----------------------------------------------


def schedule_office(client, tree, **times):
    office = tree["office"]
    data = office_form(tree["md"], slug=office.slug, **times)
    assert client.post(edit_url(office), data).status_code == 302  # "Save schedule" (a draft)
    return office


def status_panel_text(response):
    soup = BeautifulSoup(response.content, "html.parser")
    panel = soup.select_one("[data-side-panel='status']")
    assert panel is not None
    return panel.get_text(" ", strip=True)


def test_the_status_panel_shows_a_schedule_as_the_listings_do(moderator_client, tree):
    office = schedule_office(moderator_client, tree, go_live_at="2027-03-01 09:15", expire_at="2027-07-01 17:40")
    text = status_panel_text(moderator_client.get(edit_url(office)))
    # Saved but not yet scheduled: Wagtail's "Once scheduled:" lines.
    assert "Once scheduled: Go-live: 1 March 2027, 09:15 Central Time Expiry: 1 July 2027, 17:40 Central Time" in text
    assert "a.m." not in text and "p.m." not in text

    data = office_form(tree["md"], slug=office.slug, go_live_at="2027-03-01 09:15", expire_at="2027-07-01 17:40")
    assert moderator_client.post(edit_url(office), {**data, "action-publish": "publish"}).status_code == 302
    text = status_panel_text(moderator_client.get(edit_url(office)))
    assert "Go-live: 1 March 2027, 09:15 Central Time" in text
    assert "Expiry: 1 July 2027, 17:40 Central Time" in text
    assert "Once scheduled" not in text and "a.m." not in text


def test_the_status_panel_of_a_notice_shows_its_expiry_the_same_way(moderator_client, tree):
    notice = tree["notice"]
    notice.save_revision().publish()
    SiteNotice.objects.filter(pk=notice.pk).update(expire_at=datetime.datetime(2027, 7, 1, 22, 40, tzinfo=UTC))
    url = reverse("wagtailsnippets_announcements_sitenotice:edit", args=[notice.pk])
    text = status_panel_text(moderator_client.get(url))
    assert "Expiry: 1 July 2027, 17:40 Central Time" in text and "p.m." not in text


def test_the_schedule_dialog_sums_up_the_saved_schedule(moderator_client, tree):
    office = tree["office"]
    soup = BeautifulSoup(moderator_client.get(edit_url(office)).content, "html.parser")
    assert soup.find(string=re.compile("Set publishing schedule"))
    # The dialog is in a <template> (Wagtail moves it into place), which CSS selectors skip.
    assert not soup.find_all(attrs={"data-saved-schedule": True})  # nothing saved yet: nothing to sum up

    schedule_office(moderator_client, tree, go_live_at="2027-03-01 09:15", expire_at="2027-07-01 17:40")
    soup = BeautifulSoup(moderator_client.get(edit_url(office)).content, "html.parser")
    summary = soup.find_all(attrs={"data-saved-schedule": True})
    # (Re-parsed: text inside a <template> is not the document's text either.)
    assert [BeautifulSoup(str(s), "html.parser").get_text(" ", strip=True) for s in summary] == [
        "Saved schedule: goes live 1 March 2027, 09:15 Central Time; expires 1 July 2027, 17:40 Central Time."
    ]


def test_the_schedule_dialog_sums_up_nothing_after_a_failed_save(moderator_client, tree):
    """After a refused save the form holds what was typed, not what is saved: no summary."""
    office = schedule_office(moderator_client, tree, go_live_at="2027-03-01 09:15")
    data = office_form(
        tree["md"], slug=office.slug, title="", go_live_at="2027-08-01 10:00", expire_at="2027-07-01 17:40"
    )
    response = moderator_client.post(edit_url(office), {**data, "action-publish": "publish"})
    assert response.status_code == 200  # the form again, with errors
    assert b"data-saved-schedule" not in response.content
    latest = OfficePage.objects.get(pk=office.pk).get_latest_revision_as_object()
    assert latest.go_live_at == datetime.datetime(2027, 3, 1, 15, 15, tzinfo=UTC)


def test_times_are_shown_in_the_site_zone_whatever_the_viewer_chose(moderator_client, moderator, tree):
    """A stored per-user zone (from before the site offered only its own) changes nothing shown."""
    from wagtail.users.models import UserProfile

    schedule_office(moderator_client, tree, go_live_at="2027-03-01 09:15")
    data = office_form(tree["md"], slug=tree["office"].slug, go_live_at="2027-03-01 09:15")
    assert moderator_client.post(edit_url(tree["office"]), {**data, "action-publish": "publish"}).status_code == 302
    UserProfile.get_for_user(moderator)
    UserProfile.objects.filter(user=moderator).update(current_time_zone="Europe/London")
    listing = moderator_client.get(reverse("wagtailadmin_explore", args=[tree["offices"].pk]))
    scheduled = BeautifulSoup(listing.content, "html.parser").select("[data-scheduled-go-live]")
    assert [s.get_text(" ", strip=True) for s in scheduled] == ["Scheduled for 1 March 2027, 09:15 Central Time"]


def test_the_account_page_offers_no_other_time_zone(moderator_client, settings):
    response = moderator_client.get(reverse("wagtailadmin_account"))
    assert response.status_code == 200
    assert b"current_time_zone" not in response.content
    assert settings.WAGTAIL_USER_TIME_ZONES == [settings.TIME_ZONE]


def test_a_zone_without_a_spoken_name_is_shown_by_its_key(moderator_client, tree, settings):
    settings.TIME_ZONE = "UTC"
    data = office_form(tree["md"], slug=tree["office"].slug, go_live_at="2027-03-01 09:15")
    assert moderator_client.post(edit_url(tree["office"]), {**data, "action-publish": "publish"}).status_code == 302
    listing = moderator_client.get(reverse("wagtailadmin_explore", args=[tree["offices"].pk]))
    scheduled = BeautifulSoup(listing.content, "html.parser").select("[data-scheduled-go-live]")
    assert [s.get_text(" ", strip=True) for s in scheduled] == ["Scheduled for 1 March 2027, 09:15 UTC"]


# --- Autosave never keeps an unsaved schedule -------------------------------------------


def autosave(client, url, data):
    """Post the edit form as Wagtail's autosave does (it asks for JSON)."""
    return client.post(url, data, HTTP_ACCEPT="application/json")


def test_autosave_does_not_store_a_schedule_typed_but_not_saved(moderator_client, tree):
    office = tree["office"]
    data = office_form(tree["md"], slug=office.slug, title="Autosaved title", go_live_at="2027-03-01 09:15")
    response = autosave(moderator_client, edit_url(office), data)
    assert response.status_code == 200 and response.json()["success"], response.content

    latest = OfficePage.objects.get(pk=office.pk).get_latest_revision_as_object()
    assert latest.title == "Autosaved title"  # the rest of the form was autosaved
    assert latest.go_live_at is None and latest.expire_at is None
    assert not Revision.page_revisions.filter(object_id=str(office.pk), approved_go_live_at__isnull=False).exists()


def test_autosave_keeps_a_saved_schedule_as_it_was(moderator_client, tree):
    office = tree["office"]
    saved = office_form(tree["md"], slug=office.slug, go_live_at="2027-03-01 09:15")
    assert moderator_client.post(edit_url(office), saved).status_code == 302  # "Save schedule" / "Save draft"

    changed = office_form(tree["md"], slug=office.slug, title="Autosaved title", go_live_at="2027-04-01 10:00")
    assert autosave(moderator_client, edit_url(office), changed).json()["success"]
    latest = OfficePage.objects.get(pk=office.pk).get_latest_revision_as_object()
    assert latest.title == "Autosaved title"
    assert latest.go_live_at == datetime.datetime(2027, 3, 1, 15, 15, tzinfo=UTC)


def test_autosave_of_a_new_page_stores_no_schedule(moderator_client, tree):
    add = reverse("wagtailadmin_pages:add", args=["offices", "officepage", tree["offices"].pk])
    response = autosave(moderator_client, add, office_form(tree["md"], go_live_at="2027-03-01 09:15"))
    assert response.status_code == 200 and response.json()["success"], response.content
    created = OfficePage.objects.get(slug="graduate-medical-education")
    assert created.go_live_at is None and created.get_latest_revision_as_object().go_live_at is None


def notice_form(notice, **overrides):
    data = {
        "heading": notice.heading,
        "text": notice.text,
        "link_page": "",
        "link_url": "",
        "link_text": "",
        "go_live_at": "",
        "expire_at": "",
    }
    return {**data, **overrides}


def test_autosave_does_not_store_a_notice_schedule(moderator_client, tree):
    notice = tree["notice"]
    url = reverse("wagtailsnippets_announcements_sitenotice:edit", args=[notice.pk])
    response = autosave(
        moderator_client, url, notice_form(notice, text="Autosaved text.", go_live_at="2027-03-01 09:15")
    )
    assert response.status_code == 200 and response.json()["success"], response.content
    latest = SiteNotice.objects.get(pk=notice.pk).get_latest_revision_as_object()
    assert latest.text == "Autosaved text."
    assert latest.go_live_at is None


def test_saving_the_schedule_still_stores_it(moderator_client, tree):
    """The guard is for autosave only: the dialog's own "Save schedule" button posts HTML."""
    notice = tree["notice"]
    url = reverse("wagtailsnippets_announcements_sitenotice:edit", args=[notice.pk])
    response = moderator_client.post(url, notice_form(notice, go_live_at="2027-03-01 09:15"))
    assert response.status_code == 302
    latest = SiteNotice.objects.get(pk=notice.pk).get_latest_revision_as_object()
    assert latest.go_live_at == datetime.datetime(2027, 3, 1, 15, 15, tzinfo=UTC)


# --- Approving from the dashboard asks first --------------------------------------------


def test_dashboard_approve_opens_a_confirmation_instead_of_approving(moderator_client, tree, django_user_model):
    from wagtail.models import Workflow

    office = tree["office"]
    editor = django_user_model.objects.create_user("edie", "edie@example.edu", "a-long-enough-password-2")
    office.save_revision(user=editor)
    Workflow.objects.get(name="Moderators approval").start(office, editor)

    soup = BeautifulSoup(moderator_client.get(reverse("wagtailadmin_home")).content, "html.parser")
    panel = soup.find(id="awaiting-review-section")
    assert panel is not None
    buttons = panel.select("button[data-workflow-action-url]")
    labels = [b.get_text(strip=True) for b in buttons]
    assert labels == ["Request changes", "Approve"]  # "Approve with comment" is the same dialog
    assert all(b.has_attr("data-launch-modal") for b in buttons), "every action must open the dialog"

    # The dialog: a confirmation with an optional comment, nothing approved yet.
    approve_url = next(b["data-workflow-action-url"] for b in buttons if b.get_text(strip=True) == "Approve")
    modal = moderator_client.get(approve_url, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert modal.status_code == 200
    dialog = BeautifulSoup(modal.json()["html"], "html.parser")
    assert dialog.find("textarea", attrs={"name": "comment"}) is not None
    assert dialog.find("button", attrs={"type": "submit"}) is not None
    state = WorkflowState.objects.get(object_id=str(office.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS


def test_wagtails_own_schedule_messages_name_the_zone_too(moderator_client, tree):
    """Wagtail's lock banner on a scheduled page formats with DATETIME_FORMAT: the project's
    format module (dei_portal/formats) gives it the order, clock and zone name the admin uses."""
    office = schedule_office(moderator_client, tree)
    data = office_form(tree["md"], slug=office.slug, go_live_at="2027-03-01 09:15")
    assert moderator_client.post(edit_url(office), {**data, "action-publish": "publish"}).status_code == 302
    text = BeautifulSoup(moderator_client.get(edit_url(office)).content, "html.parser").get_text(" ", strip=True)
    assert "is locked and has been scheduled to go live at 1 March 2027, 09:15 Central Time" in text
    # The zone's generic name, summer and winter: as the status panel writes it.
    summer = datetime.datetime(2027, 7, 1, 22, 40, tzinfo=UTC)
    assert render_timestamp(summer) == "1 July 2027, 17:40 Central Time"
