"""Roles, review before publishing, scheduling, user administration and the audit trail,
tested from the side of someone trying to do more than their role allows."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry, PageLogEntry, Revision, TaskState, WorkflowState
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from announcements.models import AnnouncementPage, SiteNotice
from dei_portal.accounts.admin_roles import (
    LAST_ADMINISTRATOR_ERROR,
    ONE_ROLE_ERROR,
    ROLE_DESCRIPTIONS,
    is_last_administrator,
)
from offices.models import OfficePage
from tests.factories.announcements import AnnouncementPageFactory, SiteNoticeFactory

from .conftest import login_verified

PASSWORD = "long-enough-password-1"


def member(django_user_model, username, *groups, **extra):
    user = django_user_model.objects.create_user(username, f"{username}@example.edu", PASSWORD, **extra)
    user.groups.set([Group.objects.get(name=name) for name in groups])
    return user


@pytest.fixture
def editor(db, django_user_model):
    return member(django_user_model, "editor", "Editors", first_name="Edie")


@pytest.fixture
def moderator(db, django_user_model):
    return member(django_user_model, "moderator", "Moderators")


@pytest.fixture
def site_admin(db, django_user_model):
    return member(django_user_model, "siteadministrator", "Site administrators")


def client_for(user, verified=False):
    client = Client()
    if verified:
        login_verified(client, user)
    else:
        client.force_login(user)
    return client


def office_data(office, **changes):
    data = {
        "title": office.title,
        "slug": office.slug,
        "audience": office.audience_id,
        "summary": office.summary,
        "website": office.website,
        "body": streamfield([("paragraph", rich_text("<p>Body.</p>"))]),
        "contact_email": "",
        "phone": "",
        "location": "",
        "seo_title": "",
        "search_description": "",
    }
    data.update(changes)
    return nested_form_data(data)


def notice_data(notice, **changes):
    data = {"heading": notice.heading, "text": notice.text, "link_url": "", "link_text": ""}
    data.update(changes)
    return data


def form_fields(client, url, **values):
    """The fields of the admin form at `url` as a browser would submit them, with `values` filled in."""
    page = BeautifulSoup(client.get(url).content, "html.parser")
    form = page.select_one("main form[method=post]")
    data = {}
    for field in form.select("input[name], select[name], textarea[name]"):
        name, kind = field["name"], field.get("type", "")
        if kind in ("checkbox", "radio") and not field.has_attr("checked"):
            continue
        if field.name == "select":
            chosen = field.select_one("option[selected]")
            data[name] = chosen["value"] if chosen else ""
        elif field.name == "textarea":
            data[name] = field.get_text()
        elif kind not in ("submit", "button", "file"):
            data[name] = field.get("value", "on" if kind == "checkbox" else "")
    data.update(values)
    return data


# --- Roles: what each group can and cannot reach -----------------------------------------

FORBIDDEN_TO_EDITORS = [
    "/admin/users/",
    "/admin/users/new/",
    "/admin/groups/",
    "/admin/settings/dei_portal/navigationsettings/",
    "/admin/settings/dei_portal/footersettings/",
    "/admin/redirects/",
    "/admin/redirects/add/",
]


def assert_refused(response):
    """No admin page for this user: a permission-denied redirect or a 403, never the content."""
    assert response.status_code in (302, 403), response.status_code
    if response.status_code == 302:
        assert response["Location"] == "/admin/" or response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", FORBIDDEN_TO_EDITORS)
def test_editors_cannot_reach_users_groups_settings_or_redirects(editor, url):
    client = client_for(editor)
    response = client.get(url)
    assert_refused(response)
    followed = client.get(url, follow=True)
    html = followed.content.decode()
    assert "siteadministrator" not in html and "Add a user" not in html and "Primary menu" not in html
    assert "Sorry, you do not have permission to access this area." in html


@pytest.mark.parametrize("url", ["/admin/users/", "/admin/users/new/", "/admin/groups/"])
def test_moderators_cannot_reach_user_management(moderator, url):
    response = client_for(moderator, verified=True).get(url, follow=True)
    html = response.content.decode()
    assert "Sorry, you do not have permission to access this area." in html
    assert "Add a user" not in html


def test_editor_posting_users_or_groups_changes_nothing(editor, moderator):
    client = client_for(editor)
    response = client.post(
        "/admin/users/new/",
        {
            "username": "intruder",
            "email": "x@example.edu",
            "password1": "Sup3r-secret-pass",
            "password2": "Sup3r-secret-pass",
            "is_superuser": "on",
        },
    )
    assert_refused(response)
    assert not type(editor).objects.filter(username="intruder").exists()
    response = client.post(
        reverse("wagtailusers_users:edit", args=[moderator.pk]),
        {"username": "moderator", "email": "m@example.edu", "is_superuser": "on", "groups": []},
    )
    assert_refused(response)
    moderator.refresh_from_db()
    assert not moderator.is_superuser


def test_site_administrators_manage_users_groups_settings_and_redirects(site_admin):
    client = client_for(site_admin, verified=True)
    for url in [
        "/admin/users/",
        "/admin/users/new/",
        "/admin/groups/",
        "/admin/redirects/",
        "/admin/settings/dei_portal/navigationsettings/",
        "/admin/settings/dei_portal/footersettings/",
    ]:
        response = client.get(url, follow=True)
        assert response.status_code == 200 and response.redirect_chain in (
            [],
            [(response.request["PATH_INFO"], 302)],
        ), url
        assert "Sorry, you do not have permission" not in response.content.decode(), url


def test_editor_publish_post_only_saves_a_draft(editor, tree):
    office = tree["office"]
    client = client_for(editor)
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[office.pk]),
        {**office_data(office, title="Renamed by an editor"), "action-publish": "publish"},
    )
    assert response.status_code in (200, 302)
    office = OfficePage.objects.get(pk=office.pk)
    assert office.title == "Office of Diversity Programs"  # the live version
    assert office.get_latest_revision_as_object().title == "Renamed by an editor"
    assert not PageLogEntry.objects.filter(page=office, action="wagtail.publish", user=editor).exists()
    html = Client().get(office.url).content.decode()
    assert "Office of Diversity Programs" in html and "Renamed by an editor" not in html


def test_editor_cannot_unpublish_or_publish_a_notice(editor, tree):
    office, notice = tree["office"], tree["notice"]
    client = client_for(editor)
    assert_refused(client.post(reverse("wagtailadmin_pages:unpublish", args=[office.pk])))
    assert OfficePage.objects.get(pk=office.pk).live

    draft = SiteNoticeFactory(heading="Draft notice", live=False)
    edit = reverse("wagtailsnippets_announcements_sitenotice:edit", args=[draft.pk])
    client.post(edit, {**notice_data(draft), "action-publish": "publish"})
    assert not SiteNotice.objects.get(pk=draft.pk).live
    unpublish = reverse("wagtailsnippets_announcements_sitenotice:unpublish", args=[notice.pk])
    assert_refused(client.post(unpublish))
    assert SiteNotice.objects.get(pk=notice.pk).live


# --- Review before publishing ----------------------------------------------------------------


def submit_page(client, page, **changes):
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]), {**office_data(page, **changes), "action-submit": "submit"}
    )
    assert response.status_code == 302, response.content[:2000]
    return WorkflowState.objects.get(base_content_type__model="page", object_id=str(page.pk), status="in_progress")


def act(client, url_name, object_pk, action, workflow_state, comment=""):
    task_state = workflow_state.current_task_state
    url = reverse(url_name, args=[object_pk, action, task_state.pk])
    return client.post(url, {"comment": comment} if comment else {})


def test_submit_then_approve_publishes_and_emails_the_author(editor, moderator, tree):
    office = tree["office"]
    state = submit_page(client_for(editor), office, title="Office of Diversity Programs (MD)")
    assert not OfficePage.objects.get(pk=office.pk).title.endswith("(MD)")
    assert any(moderator.email in m.to for m in mail.outbox), "moderators are told something awaits review"
    mail.outbox.clear()

    response = act(
        client_for(moderator, verified=True), "wagtailadmin_pages:workflow_action", office.pk, "approve", state
    )
    assert response.status_code in (200, 302)
    office = OfficePage.objects.get(pk=office.pk)
    assert office.title == "Office of Diversity Programs (MD)" and office.live
    assert "Office of Diversity Programs (MD)" in Client().get(office.url).content.decode()
    assert [m.to for m in mail.outbox if editor.email in m.to], "the author hears it was approved"
    assert "approved" in mail.outbox[0].subject.lower()


def test_request_changes_keeps_a_draft_and_sends_the_comment(editor, moderator, tree):
    office = tree["office"]
    state = submit_page(client_for(editor), office, title="Too long a name for the office")
    mail.outbox.clear()
    act(
        client_for(moderator, verified=True),
        "wagtailadmin_pages:workflow_action",
        office.pk,
        "reject",
        state,
        comment="Please keep the office's official name.",
    )
    state.refresh_from_db()
    assert state.status == "needs_changes"
    assert (
        TaskState.objects.get(
            pk=state.current_task_state.pk if state.current_task_state else state.task_states.last().pk
        ).comment
        == "Please keep the office's official name."
    )
    assert OfficePage.objects.get(pk=office.pk).title == "Office of Diversity Programs"
    author_mail = [m for m in mail.outbox if editor.email in m.to]
    assert author_mail and "Please keep the office's official name." in author_mail[0].body


def test_notices_go_through_the_same_review(editor, moderator, tree):
    client = client_for(editor)
    response = client.post(
        reverse("wagtailsnippets_announcements_sitenotice:add"),
        {
            **notice_data(SiteNotice(heading="Road closure", text="Euclid Ave. is closed on Monday.")),
            "action-submit": "submit",
        },
    )
    assert response.status_code == 302
    notice = SiteNotice.objects.get(heading="Road closure")
    assert not notice.live and "Euclid Ave." not in Client().get("/").content.decode()
    state = WorkflowState.objects.get(
        base_content_type__model="sitenotice", object_id=str(notice.pk), status="in_progress"
    )
    act(
        client_for(moderator, verified=True),
        "wagtailsnippets_announcements_sitenotice:workflow_action",
        notice.pk,
        "approve",
        state,
    )
    assert SiteNotice.objects.get(pk=notice.pk).live
    assert "Euclid Ave. is closed on Monday." in Client().get("/").content.decode()


# --- Scheduling --------------------------------------------------------------------------------


def test_scheduled_page_and_notice_go_live_after_publish_scheduled(tree):
    soon = timezone.now() + datetime.timedelta(hours=1)
    announcement = AnnouncementPageFactory(parent=tree["announcements"], title="Scheduled lecture", live=False)
    announcement.go_live_at = soon
    announcement.save_revision().publish()  # with a future go-live, publishing schedules it
    notice = SiteNoticeFactory(heading="Construction next week", live=False)
    notice.go_live_at = soon
    notice.save_revision().publish()
    assert not AnnouncementPage.objects.get(pk=announcement.pk).live
    assert not SiteNotice.objects.get(pk=notice.pk).live

    later = soon + datetime.timedelta(minutes=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later)
        call_command("publish_scheduled", stdout=open("/dev/null", "w"))
    assert AnnouncementPage.objects.get(pk=announcement.pk).live
    assert SiteNotice.objects.get(pk=notice.pk).live
    html = Client().get("/announcements/").content.decode()
    assert "Scheduled lecture" in html and "Construction next week" in html


def test_expired_page_and_notice_are_gone_after_publish_scheduled(tree):
    past = timezone.now() - datetime.timedelta(minutes=5)
    announcement = tree["announcement"]
    AnnouncementPage.objects.filter(pk=announcement.pk).update(expire_at=past)
    SiteNotice.objects.filter(pk=tree["notice"].pk).update(expire_at=past)
    call_command("publish_scheduled", stdout=open("/dev/null", "w"))
    announcement.refresh_from_db()
    assert not announcement.live and announcement.expired
    assert not SiteNotice.objects.get(pk=tree["notice"].pk).live
    client = Client()
    assert announcement.url == "/announcements/lecture-on-health-equity/"
    assert client.get(announcement.url).status_code == 404
    for url in ("/", "/announcements/", tree["office"].url):
        html = client.get(url).content.decode()
        assert "Lecture on health equity" not in html and "Campus news and more." not in html, url


def test_scheduled_publishing_loop_runs_publish_scheduled(tree):
    past = timezone.now() - datetime.timedelta(minutes=5)
    SiteNotice.objects.filter(pk=tree["notice"].pk).update(expire_at=past)
    call_command("run_scheduled_publishing", "--once", stdout=open("/dev/null", "w"))
    assert not SiteNotice.objects.get(pk=tree["notice"].pk).live


# --- User administration ---------------------------------------------------------------------


def test_deactivation_ends_sessions_blocks_login_and_keeps_attribution(editor, site_admin, tree):
    editor_client = client_for(editor)
    assert editor_client.get("/admin/").status_code == 200
    office = tree["office"]
    office.save_revision(user=editor)

    admin_client = client_for(site_admin, verified=True)
    response = admin_client.post(
        reverse("wagtailusers_users:edit", args=[editor.pk]),
        {
            "username": "editor",
            "email": editor.email,
            "first_name": "Edie",
            "last_name": "Tor",
            "password1": "",
            "password2": "",
            "groups": [Group.objects.get(name="Editors").pk],
        },  # "is_active" left unticked
    )
    assert response.status_code == 302, BeautifulSoup(response.content, "html.parser").select(".error-message")
    editor.refresh_from_db()
    assert not editor.is_active

    response = editor_client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    login = Client().post("/admin/login/", {"username": "editor", "password": PASSWORD})
    assert login.status_code == 200 and "_auth_user_id" not in login.client.session
    revision = Revision.page_revisions.filter(object_id=str(office.pk), user=editor).get()
    assert revision.user.get_username() == "editor"


def test_users_are_never_deleted(site_admin, editor, superuser_client):
    refusals = {
        "site administrator (no delete permission)": (
            client_for(site_admin, verified=True),
            "Sorry, you do not have permission",
        ),
        "superuser": (superuser_client, "Users are never deleted"),
    }
    for who, (client, message) in refusals.items():
        response = client.post(reverse("wagtailusers_users:delete", args=[editor.pk]), follow=True)
        assert message in response.content.decode(), who
        bulk = client.post(
            reverse("wagtail_bulk_action", args=["dei_portal", "user", "delete"])
            + f"?id={editor.pk}&next=/admin/users/",
            follow=True,
        )
        text = BeautifulSoup(bulk.content, "html.parser").main.get_text(" ", strip=True)
        # Without the permission nothing is even offered for deletion; with it, the hook refuses.
        expected = "Users are never deleted" if who == "superuser" else "0 users have been deleted"
        assert expected in text, text[:300]
        assert type(editor).objects.filter(pk=editor.pk).exists()


def test_site_admin_invites_a_user_by_email(site_admin):
    client = client_for(site_admin, verified=True)
    response = client.post(
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
    assert response.status_code == 302, BeautifulSoup(response.content, "html.parser").select(".error-message")
    user = type(site_admin).objects.get(username="newcomer")
    assert not user.has_usable_password() and user.groups.filter(name="Editors").exists()
    invite = next(m for m in mail.outbox if "newcomer@example.edu" in m.to)
    assert "invited" in invite.subject
    link = next(line for line in invite.body.splitlines() if "/admin/password_reset/confirm/" in line)
    response = Client().get(link.replace("http://testserver", ""), follow=True)
    assert response.status_code == 200 and "new_password1" in response.content.decode()


def test_password_reset_by_email(editor):
    response = Client().post("/admin/password_reset/", {"email": editor.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/admin/password_reset/confirm/" in mail.outbox[0].body


# --- Audit -------------------------------------------------------------------------------------


def test_publish_unpublish_workflow_user_and_group_changes_are_audited(editor, moderator, site_admin, tree):
    office = tree["office"]
    state = submit_page(client_for(editor), office, title="Office of Diversity Programs")
    act(client_for(moderator, verified=True), "wagtailadmin_pages:workflow_action", office.pk, "approve", state)
    client_for(moderator, verified=True).post(reverse("wagtailadmin_pages:unpublish", args=[office.pk]))
    actions = set(PageLogEntry.objects.filter(page=office).values_list("action", flat=True))
    assert {"wagtail.workflow.start", "wagtail.workflow.approve", "wagtail.publish", "wagtail.unpublish"} <= actions
    assert PageLogEntry.objects.get(page=office, action="wagtail.unpublish").user == moderator

    admin_client = client_for(site_admin, verified=True)
    response = admin_client.post(
        "/admin/groups/new/", form_fields(admin_client, "/admin/groups/new/", name="Photographers")
    )
    assert response.status_code == 302
    admin_client.post(
        "/admin/users/new/",
        {
            "username": "audited",
            "email": "audited@example.edu",
            "first_name": "A",
            "last_name": "B",
            "password1": "",
            "password2": "",
        },
    )
    logged = set(ModelLogEntry.objects.filter(user=site_admin).values_list("action", "label"))
    assert ("wagtail.create", "audited") in logged, logged
    assert ("wagtail.create", "Photographers") in logged, logged


@pytest.mark.parametrize("who", ["moderator", "siteadmin"])
def test_site_history_lists_publishing_and_user_changes(request, who, tree, editor):
    tree["office"].save_revision(user=editor).publish()
    user = request.getfixturevalue("moderator" if who == "moderator" else "superuser")
    html = client_for(user, verified=True).get("/admin/reports/site-history/").content.decode()
    assert "Office of Diversity Programs" in html and "Published" in html


def test_editors_upload_images_and_documents(editor):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    client = client_for(editor)
    response = client.post(
        reverse("wagtaildocs:add"),
        {"title": "Poster", "file": SimpleUploadedFile("poster.pdf", b"%PDF-1.4\n%%EOF"), "collection": 1},
    )
    assert response.status_code == 302 and get_document_model().objects.filter(title="Poster").exists()
    image = get_test_image_file()
    response = client.post(
        reverse("wagtailimages:add"),
        {
            "title": "Quad",
            "file": SimpleUploadedFile("quad.png", image.file.getvalue()),
            "collection": 1,
            "description": "Students on the quad",
        },
    )
    assert response.status_code == 302 and get_image_model().objects.filter(title="Quad").exists()


def test_moderators_lock_and_schedule_but_editors_cannot_lock(editor, moderator, tree):
    office = tree["office"]
    office.save_revision().publish()  # as published through the admin: it has a live revision
    assert_refused(client_for(editor).post(reverse("wagtailadmin_pages:lock", args=[office.pk])))
    assert not OfficePage.objects.get(pk=office.pk).locked

    client = client_for(moderator, verified=True)
    assert client.post(reverse("wagtailadmin_pages:lock", args=[office.pk])).status_code == 302
    assert OfficePage.objects.get(pk=office.pk).locked
    assert client.post(reverse("wagtailadmin_pages:unlock", args=[office.pk])).status_code == 302

    go_live = (timezone.localtime() + datetime.timedelta(days=3)).replace(second=0, microsecond=0)
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[office.pk]),
        {
            **office_data(office, title="Renamed on Monday", go_live_at=go_live.strftime("%Y-%m-%d %H:%M")),
            "action-publish": "publish",
        },
    )
    assert response.status_code == 302
    office = OfficePage.objects.get(pk=office.pk)
    assert office.title == "Office of Diversity Programs"  # still the old version until go-live
    assert office.live and office.scheduled_revision.approved_go_live_at == go_live
    assert "Renamed on Monday" not in Client().get(office.url).content.decode()


# --- Roles that explain themselves (issue 11) --------------------------------------------------


@pytest.fixture
def publisher(db, django_user_model):
    return member(django_user_model, "publisher", "Publishers")


def user_post(user, groups, **changes):
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": "F",
        "last_name": "L",
        "password1": "",
        "password2": "",
        "is_active": "on",
        "groups": [g.pk for g in groups],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_user_form_describes_each_role_and_says_a_blank_password_invites(site_admin):
    html = client_for(site_admin, verified=True).get("/admin/users/new/").content.decode()
    page = BeautifulSoup(html, "html.parser")
    labels = page.select_one("#tab-roles").get_text(" ", strip=True)
    for name, description in ROLE_DESCRIPTIONS.items():
        assert f"{name} — {description}" in labels
    assert "publishes directly, without a second person" in labels  # the one-person office's role
    assert "Leave both password fields empty to send an invitation" in page.get_text(" ", strip=True)


def test_superuser_switch_is_hidden_from_site_administrators_and_labelled_for_superusers(
    site_admin, editor, superuser_client
):
    client = client_for(site_admin, verified=True)
    for url in ("/admin/users/new/", reverse("wagtailusers_users:edit", args=[editor.pk])):
        assert 'name="is_superuser"' not in client.get(url).content.decode(), url
    # Posting it anyway does nothing.
    client.post(
        reverse("wagtailusers_users:edit", args=[editor.pk]), user_post(editor, editor.groups.all(), is_superuser="on")
    )
    editor.refresh_from_db()
    assert not editor.is_superuser
    html = superuser_client.get(reverse("wagtailusers_users:edit", args=[editor.pk])).content.decode()
    assert 'name="is_superuser"' in html and "Superuser: every permission, bypasses roles" in html


def test_one_role_per_user_unless_combined(site_admin, editor):
    client = client_for(site_admin, verified=True)
    two = Group.objects.filter(name__in=["Editors", "Publishers"])
    url = reverse("wagtailusers_users:edit", args=[editor.pk])
    response = client.post(url, user_post(editor, two))
    assert response.status_code == 200 and ONE_ROLE_ERROR.split("“")[0] in response.content.decode()
    assert list(editor.groups.values_list("name", flat=True)) == ["Editors"]
    response = client.post(url, user_post(editor, two, combine_roles="on"))
    assert response.status_code == 302
    assert set(editor.groups.values_list("name", flat=True)) == {"Editors", "Publishers"}


def test_bulk_assign_role_does_not_give_a_second_role(site_admin, editor):
    client = client_for(site_admin, verified=True)
    publishers = Group.objects.get(name="Publishers")
    url = (
        reverse("wagtail_bulk_action", args=["dei_portal", "user", "assign_role"])
        + f"?id={editor.pk}&next=/admin/users/"
    )
    response = client.post(url, {"role": publishers.pk}, follow=True)
    assert "already have another role" in response.content.decode()
    assert list(editor.groups.values_list("name", flat=True)) == ["Editors"]


def test_users_list_shows_each_role(site_admin, editor, publisher):
    page = BeautifulSoup(client_for(site_admin, verified=True).get("/admin/users/").content, "html.parser")
    rows = {
        row.select_one("td.username").get_text(strip=True): row.get_text(" ", strip=True)
        for row in page.select("tbody tr")
    }
    assert (
        "Editor" in rows["editor"]
        and "Publisher" in rows["publisher"]
        and "Site administrator" in rows["siteadministrator"]
    )
    assert [th.get_text(strip=True) for th in page.select("thead th") if th.get_text(strip=True) == "Role"]


def test_the_last_administrator_cannot_be_deactivated_or_demoted(site_admin, editor):
    assert is_last_administrator(site_admin) and not is_last_administrator(editor)
    client = client_for(site_admin, verified=True)
    url = reverse("wagtailusers_users:edit", args=[site_admin.pk])
    response = client.post(
        url, user_post(site_admin, Group.objects.filter(name="Editors"))
    )  # themselves: no is_active field
    assert response.status_code == 200 and LAST_ADMINISTRATOR_ERROR in response.content.decode()
    assert site_admin.groups.filter(name="Site administrators").exists()

    second = member(type(site_admin), "second", "Site administrators")
    other = client_for(second, verified=True)
    # Two administrators: one may deactivate the other; then the one left is protected.
    assert other.post(url, user_post(site_admin, site_admin.groups.all(), is_active=None)).status_code == 302
    site_admin.refresh_from_db()
    assert not site_admin.is_active and is_last_administrator(second)
    response = other.post(
        reverse("wagtail_bulk_action", args=["dei_portal", "user", "set_active_state"])
        + f"?id={second.pk}&next=/admin/users/",
        {"mark_as_active": "False"},
        follow=True,
    )
    second.refresh_from_db()
    assert second.is_active


def test_a_superuser_cannot_deactivate_the_last_administrator(superuser_client, superuser, site_admin):
    # The superuser and the Site administrator are both administrators; the superuser may
    # deactivate the other, but not be left with no one once they themselves are the last.
    assert not is_last_administrator(site_admin)
    url = reverse("wagtailusers_users:edit", args=[site_admin.pk])
    assert superuser_client.post(url, user_post(site_admin, site_admin.groups.all(), is_active=None)).status_code == 302
    assert is_last_administrator(superuser)
    site_admin.is_active = True
    site_admin.save()
    site_admin.groups.clear()
    response = superuser_client.post(
        reverse("wagtail_bulk_action", args=["dei_portal", "user", "set_active_state"])
        + f"?id={superuser.pk}&next=/admin/users/",
        {"mark_as_active": "False"},
        follow=True,
    )
    assert response.status_code == 200
    superuser.refresh_from_db()
    assert superuser.is_active  # Wagtail never lets you deactivate yourself in bulk, either


def test_the_roles_themselves_cannot_be_deleted(superuser_client):
    for name in ROLE_DESCRIPTIONS:
        group = Group.objects.get(name=name)
        response = superuser_client.post(reverse("wagtailusers_groups:delete", args=[group.pk]), follow=True)
        assert (
            "is one of the site's roles and cannot be deleted"
            in BeautifulSoup(response.content, "html.parser").get_text()
        )
        assert Group.objects.filter(name=name).exists()
    html = superuser_client.get(
        reverse("wagtailusers_groups:edit", args=[Group.objects.get(name="Publishers").pk])
    ).content.decode()
    assert ROLE_DESCRIPTIONS["Publishers"] in html


def test_publishers_need_two_factor_and_publish_without_a_second_person(publisher, tree):
    response = client_for(publisher).get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith((reverse("two_factor_setup"), reverse("two_factor_verify")))
    office = tree["office"]
    client = client_for(publisher, verified=True)
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[office.pk]),
        {**office_data(office, title="Published alone"), "action-publish": "publish"},
    )
    assert response.status_code == 302
    assert "Published alone" in Client().get(office.url).content.decode()


def test_editor_guide_is_in_the_admin_menu_and_dashboard(editor):
    client = client_for(editor)
    dashboard = client.get("/admin/").content.decode()
    assert "/admin/guide/" in dashboard and "Roles and the editor guide" in dashboard
    guide = client.get("/admin/guide/")
    html = guide.content.decode()
    assert guide.status_code == 200 and '<h2 id="roles">Roles</h2>' in html and "<table>" in html
    assert 'href="/admin/guide/two-factor/"' in html
    assert client.get("/admin/guide/two-factor/").status_code == 200
    assert Client().get("/admin/guide/").status_code == 302  # signed-out visitors go to sign in


def test_editor_guide_shows_raw_html_as_text(tmp_path, settings, editor, monkeypatch):
    from dei_portal.accounts import admin_roles

    (tmp_path / "editor-guide.md").write_text("# Guide\n\n<script>alert(1)</script>\n\nText <b>bold</b>.\n")
    monkeypatch.setattr(admin_roles, "GUIDE_DIR", tmp_path)
    admin_roles._render_markdown.cache_clear()
    html = client_for(editor).get("/admin/guide/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html and "<b>bold</b>" not in html
    admin_roles._render_markdown.cache_clear()


# --- What is gone renders nothing; in-use media stay -------------------------------------------


def test_blocks_whose_image_or_document_is_gone_render_nothing(tree):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    image = get_image_model().objects.create(title="Quad", file=get_test_image_file())
    document = get_document_model().objects.create(
        title="Poster", file=SimpleUploadedFile("poster.pdf", b"%PDF-1.4\n%%EOF")
    )
    page = tree["standard"]
    page.body = json.dumps(
        [
            {
                "type": "figure",
                "value": {
                    "image": {"image": image.pk, "alt_text": "The quad", "decorative": False},
                    "caption": "Our quad",
                },
            },
            {"type": "download", "value": {"document": document.pk, "text": "Get the poster"}},
        ]
    )
    page.save_revision().publish()
    main = lambda: BeautifulSoup(Client().get(page.url).content, "html.parser").main  # noqa: E731
    assert main().select("figure img") and main().select("a[download]")  # the positive control
    image.delete()
    document.delete()
    html = main()
    assert not html.select("figure") and "Our quad" not in html.get_text()
    assert not html.select("a[download]") and not html.select('a[href=""]') and "Get the poster" not in html.get_text()


def test_welcome_statement_without_its_graphic_or_poster_keeps_only_the_text(home):
    import json

    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    image = get_image_model().objects.create(title="Welcome", file=get_test_image_file())
    home.values_body = json.dumps(
        [
            {
                "type": "welcome_statement",
                "value": {
                    "graphic": {"image": image.pk, "alt_text": "Welcome", "decorative": False},
                    "statement": "Everyone is welcome here.",
                    "how_to_post": {"page": None, "url": "https://example.edu/post/", "text": "How to post it"},
                    "poster": None,
                },
            }
        ]
    )
    home.save_revision().publish()
    section = lambda: BeautifulSoup(Client().get("/").content, "html.parser").select_one(".welcome-statement")  # noqa: E731
    assert section().select("img")
    image.delete()
    assert section() is not None and not section().select(".welcome-statement__graphic, img")
    assert "Everyone is welcome here." in section().get_text() and not section().select("a[download]")


def test_editor_bulk_delete_of_in_use_media_is_refused_with_a_reason(editor, tree):
    import json

    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    image = get_image_model().objects.create(title="Quad", file=get_test_image_file())
    page = tree["standard"]
    page.body = json.dumps(
        [
            {
                "type": "figure",
                "value": {"image": {"image": image.pk, "alt_text": "Q", "decorative": False}, "caption": ""},
            }
        ]
    )
    page.save_revision().publish()
    url = (
        reverse("wagtail_bulk_action", args=["wagtailimages", "image", "delete"])
        + f"?id={image.pk}&next=/admin/images/"
    )
    response = client_for(editor).post(url, follow=True)
    assert "is used on the site (1 use)" in response.content.decode()
    assert get_image_model().objects.filter(pk=image.pk).exists()


def test_editors_cannot_reorder_live_notices_but_moderators_can(editor, moderator, tree):
    """The order of the notices is public: moving one is publishing (Wagtail's reorder view
    asks for publish permission on snippets with drafts)."""
    from tests.factories.announcements import SiteNoticeFactory

    first = tree["notice"]
    second = SiteNoticeFactory(heading="Second", text="Also shown.")
    before = list(SiteNotice.objects.order_by("sort_order").values_list("pk", flat=True))
    url = f"/admin/snippets/announcements/sitenotice/reorder/{second.pk}/?position=0"
    assert_refused(client_for(editor).post(url))
    assert list(SiteNotice.objects.order_by("sort_order").values_list("pk", flat=True)) == before
    response = client_for(moderator, verified=True).post(url)
    assert response.status_code == 200
    assert list(SiteNotice.objects.order_by("sort_order").values_list("pk", flat=True))[0] == second.pk
    assert first.pk in before
