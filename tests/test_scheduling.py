"""Scheduling that cannot surprise (issue 11, dei_portal/admin_scheduling.py).

Go-live and expiry are typed and shown in the site's zone (TIME_ZONE = America/Chicago),
which the form and the listings name; the picker offers minutes; autosave never stores a
schedule nobody saved; the page listing says when a scheduled page goes live; approving
from the dashboard asks first. Real admin form posts, read back over HTTP.
"""

import datetime
import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Revision, WorkflowState

from announcements.models import SiteNotice
from offices.models import OfficePage

from .conftest import login_verified, office_form

ZONE = "Central Time (America/Chicago)"
UTC = datetime.timezone.utc


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
    assert [s.get_text(" ", strip=True) for s in scheduled] == [f"Scheduled for Mar 1, 2027, 09:15 {ZONE}"]


def test_the_page_listing_shows_no_schedule_for_unscheduled_pages(moderator_client, tree):
    listing = moderator_client.get(reverse("wagtailadmin_explore", args=[tree["offices"].pk]))
    assert listing.status_code == 200
    assert b"data-scheduled-go-live" not in listing.content
    assert tree["office"].title.encode() in listing.content


def test_the_notice_listing_shows_times_in_the_site_zone(moderator_client, tree):
    notice = tree["notice"]
    SiteNotice.objects.filter(pk=notice.pk).update(
        go_live_at=datetime.datetime(2027, 3, 1, 15, 15, tzinfo=UTC),
        expire_at=datetime.datetime(2027, 7, 1, 22, 40, tzinfo=UTC),
    )
    listing = moderator_client.get(reverse("wagtailsnippets_announcements_sitenotice:list"))
    assert listing.status_code == 200
    text = BeautifulSoup(listing.content, "html.parser").get_text(" ", strip=True)
    assert f"Mar 1, 2027, 09:15 {ZONE}" in text
    assert f"Jul 1, 2027, 17:40 {ZONE}" in text


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
    response = autosave(moderator_client, url, notice_form(notice, text="Autosaved text.", go_live_at="2027-03-01 09:15"))
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
