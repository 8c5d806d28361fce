"""Approving from the dashboard says what it will do, then what it did (issue 11, a new user's
walk-through; dei_portal.editing.scheduling.ReviewActionView).

The "Awaiting your review" panel opens a dialog titled "Approve and publish '<title>'?" (comment
optional) instead of Wagtail's "Approve with comment", and after it the dashboard shows a success
message as Wagtail's editor does ("'<title>' approved and published."), for pages and for site
notices. The refused and failed paths say nothing was changed, and leave the database as it was.
Everything posts as the dialog does (XMLHttpRequest, with `next`), through the test client.
"""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from wagtail.models import GroupApprovalTask, TaskState, Workflow, WorkflowState, WorkflowTask

from announcements.models import SiteNotice
from offices.models import OfficePage

from .conftest import login_verified, office_form

PASSWORD = "a-long-enough-password-1"
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
UTC = datetime.UTC


def member(django_user_model, username, *groups):
    user = django_user_model.objects.create_user(
        username, f"{username}@example.edu", PASSWORD, first_name=username.title()
    )
    user.groups.set([Group.objects.get(name=name) for name in groups])
    return user


@pytest.fixture
def editor(db, django_user_model):
    return member(django_user_model, "edie", "Editors")


@pytest.fixture
def moderator(db, django_user_model):
    return member(django_user_model, "moe", "Moderators")


def verified_client(user):
    return login_verified(Client(), user)


def submit_office(editor, office, **changes):
    """The editor's real "Submit to Moderators approval" post; the task state it started."""
    client = Client()
    client.force_login(editor)
    data = office_form(office.audience, **{"slug": office.slug, "title": office.title, **changes})
    response = client.post(reverse("wagtailadmin_pages:edit", args=[office.pk]), {**data, "action-submit": "submit"})
    assert response.status_code == 302, response.content[:1000]
    return WorkflowState.objects.get(object_id=str(office.pk), status="in_progress").current_task_state


def submit_notice(editor, notice, **changes):
    client = Client()
    client.force_login(editor)
    data = {
        "heading": notice.heading,
        "text": notice.text,
        "link_page": "",
        "link_url": "",
        "link_text": "",
        "go_live_at": "",
        "expire_at": "",
        **changes,
    }
    url = reverse("wagtailsnippets_announcements_sitenotice:edit", args=[notice.pk])
    response = client.post(url, {**data, "action-submit": "submit"})
    assert response.status_code == 302, response.content[:1000]
    return WorkflowState.objects.get(
        base_content_type__model="sitenotice", object_id=str(notice.pk), status="in_progress"
    ).current_task_state


def dashboard_buttons(client):
    """The dashboard's review actions for each listed title: {title: {label: url}}."""
    soup = BeautifulSoup(client.get(reverse("wagtailadmin_home")).content, "html.parser")
    panel = soup.find(id="awaiting-review-section")
    rows = {}
    for row in panel.select("tbody tr") if panel else []:
        title = row.select_one("td.title").get_text(strip=True)
        rows[title] = {
            b.get_text(strip=True): b["data-workflow-action-url"]
            for b in row.select("button[data-workflow-action-url]")
        }
        assert all(b.has_attr("data-launch-modal") for b in row.select("button[data-workflow-action-url]"))
    return rows


def open_dialog(client, url):
    """What the dialog shows: its heading, explanation, the comment's label and the button."""
    response = client.get(url, **XHR)
    assert response.status_code == 200
    assert response.json()["step"] == "action"
    dialog = BeautifulSoup(response.json()["html"], "html.parser")
    comment = dialog.find("textarea", attrs={"name": "comment"})
    return {
        "heading": dialog.find("h1").get_text(" ", strip=True),
        "explanation": " ".join(p.get_text(" ", strip=True) for p in dialog.select("[data-review-explanation]")),
        "comment": dialog.find("label", attrs={"for": comment["id"]}).get_text(" ", strip=True) if comment else None,
        "required": comment.has_attr("required") if comment else None,
        "button": dialog.find("button", attrs={"type": "submit"}).get_text(" ", strip=True),
        "action": dialog.find("form")["action"],
    }


def act(client, url, comment=""):
    """Submit the dialog as Wagtail's workflow-action.js does; the dashboard it returns to."""
    response = client.post(url, {"comment": comment, "next": "/admin/"}, **XHR)
    assert response.status_code == 200, response.status_code
    assert response.json() == {"step": "success", "redirect": "/admin/"}
    return client.get("/admin/")


def shown_messages(response):
    """The admin's messages as (level, text): ("success", "'…' approved and published.")."""
    soup = BeautifulSoup(response.content, "html.parser")
    for button in soup.select(".messages li button"):  # "Go to the first error", hidden without errors
        button.decompose()
    return [(" ".join(m["class"]), m.get_text(" ", strip=True)) for m in soup.select(".messages li")]


# --- Pages ------------------------------------------------------------------------------


def test_approving_a_page_asks_what_it_will_do_then_says_it_was_published(editor, moderator, tree):
    office = tree["office"]
    task_state = submit_office(editor, office, title="Office of Diversity Programs (MD)")
    client = verified_client(moderator)

    buttons = dashboard_buttons(client)["Office of Diversity Programs (MD)"]
    assert list(buttons) == ["Request changes", "Approve"]
    dialog = open_dialog(client, buttons["Approve"])
    assert dialog["heading"] == "Approve and publish 'Office of Diversity Programs (MD)'?"
    assert dialog["explanation"] == "It goes live on the site as soon as you approve."
    assert (dialog["comment"], dialog["required"]) == ("Comment (optional)", False)
    assert dialog["button"] == "Approve and publish"
    assert dialog["action"] == buttons["Approve"]  # the dialog posts back to the same view
    # Opening the dialog changes nothing.
    assert TaskState.objects.get(pk=task_state.pk).status == TaskState.STATUS_IN_PROGRESS
    assert OfficePage.objects.get(pk=office.pk).title == "Office of Diversity Programs"

    dashboard = act(client, buttons["Approve"], comment="Thanks, Edie.")
    assert shown_messages(dashboard) == [("success", "'Office of Diversity Programs (MD)' approved and published.")]
    assert "Office of Diversity Programs (MD)" not in dashboard_buttons(client)
    office = OfficePage.objects.get(pk=office.pk)
    assert office.live and office.title == "Office of Diversity Programs (MD)" and not office.has_unpublished_changes
    task_state.refresh_from_db()
    assert (task_state.status, task_state.comment, task_state.finished_by) == ("approved", "Thanks, Edie.", moderator)
    # The message is shown once.
    assert shown_messages(client.get("/admin/")) == []


def test_approving_a_scheduled_page_says_when_it_goes_live(editor, moderator, tree):
    office = tree["office"]
    office.save_revision().publish()  # a live version, as a page published in the admin has
    submit_office(editor, office, title="Office of Diversity Programs (MD)", go_live_at="2027-03-01 09:15")
    client = verified_client(moderator)
    url = dashboard_buttons(client)["Office of Diversity Programs (MD)"]["Approve"]

    dialog = open_dialog(client, url)
    assert dialog["heading"] == "Approve and schedule 'Office of Diversity Programs (MD)'?"
    assert dialog["explanation"] == "It goes live on 1 March 2027, 09:15 Central Time, as its schedule says."
    assert dialog["button"] == "Approve and schedule"

    messages = shown_messages(act(client, url))
    assert messages == [
        (
            "success",
            "'Office of Diversity Programs (MD)' approved and scheduled to go live on "
            "1 March 2027, 09:15 Central Time.",
        )
    ]
    office = OfficePage.objects.get(pk=office.pk)
    assert office.title == "Office of Diversity Programs"  # the live version stays until then
    assert office.get_latest_revision().approved_go_live_at == datetime.datetime(2027, 3, 1, 15, 15, tzinfo=UTC)


def test_requesting_changes_says_nothing_was_published(editor, moderator, tree):
    office = tree["office"]
    task_state = submit_office(editor, office, title="Too long a name for the office")
    client = verified_client(moderator)
    url = dashboard_buttons(client)["Too long a name for the office"]["Request changes"]

    dialog = open_dialog(client, url)
    assert dialog["heading"] == "Request changes to 'Too long a name for the office'?"
    assert dialog["explanation"] == "Nothing is published. Your comment tells the author what to change."
    assert (dialog["comment"], dialog["button"]) == ("Comment (optional)", "Request changes")

    messages = shown_messages(act(client, url, comment="Please keep the official name."))
    assert messages == [
        ("success", "Changes requested to 'Too long a name for the office'. This version was not published.")
    ]
    assert OfficePage.objects.get(pk=office.pk).title == "Office of Diversity Programs"
    task_state.refresh_from_db()
    assert (task_state.status, task_state.comment) == ("rejected", "Please keep the official name.")
    assert task_state.workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES


@pytest.fixture
def two_step_workflow(db):
    """ "Moderators approval", then a second step for the Moderators group."""
    workflow = Workflow.objects.get(name="Moderators approval")
    second = GroupApprovalTask.objects.create(name="Dean's office sign-off")
    second.groups.set([Group.objects.get(name="Moderators")])
    WorkflowTask.objects.create(workflow=workflow, task=second, sort_order=99)
    return second


def test_approving_a_step_before_another_says_where_it_goes_next(editor, moderator, tree, two_step_workflow):
    office = tree["office"]
    submit_office(editor, office, title="Office of Diversity Programs (MD)")
    client = verified_client(moderator)
    url = dashboard_buttons(client)["Office of Diversity Programs (MD)"]["Approve"]

    dialog = open_dialog(client, url)
    assert dialog["heading"] == "Approve 'Office of Diversity Programs (MD)'?"
    assert dialog["explanation"] == "It then goes to 'Dean's office sign-off' for review; it is not published yet."
    assert dialog["button"] == "Approve"

    messages = shown_messages(act(client, url))
    assert messages == [
        ("success", "'Office of Diversity Programs (MD)' approved; it now goes to 'Dean's office sign-off' for review.")
    ]
    assert OfficePage.objects.get(pk=office.pk).title == "Office of Diversity Programs"
    state = WorkflowState.objects.get(object_id=str(office.pk), status="in_progress")
    assert state.current_task_state.task.pk == two_step_workflow.pk


# --- Site notices (snippets in the same workflow) ---------------------------------------


def test_approving_a_notice_asks_then_says_it_was_published(editor, moderator, tree):
    notice = tree["notice"]
    task_state = submit_notice(editor, notice, text="Campus news, events and more.")
    client = verified_client(moderator)
    buttons = dashboard_buttons(client)["Announcements"]

    dialog = open_dialog(client, buttons["Approve"])
    assert dialog["heading"] == "Approve and publish 'Announcements'?"
    assert (dialog["comment"], dialog["button"]) == ("Comment (optional)", "Approve and publish")
    assert SiteNotice.objects.get(pk=notice.pk).text == "Campus news and more."

    assert shown_messages(act(client, buttons["Approve"])) == [("success", "'Announcements' approved and published.")]
    notice = SiteNotice.objects.get(pk=notice.pk)
    assert notice.live and notice.text == "Campus news, events and more."
    assert TaskState.objects.get(pk=task_state.pk).status == "approved"
    assert "Campus news, events and more." in Client().get("/").content.decode()


def test_requesting_changes_to_a_notice(editor, moderator, tree):
    notice = tree["notice"]
    submit_notice(editor, notice, text="Campus news, events and more.")
    client = verified_client(moderator)
    url = dashboard_buttons(client)["Announcements"]["Request changes"]
    assert open_dialog(client, url)["heading"] == "Request changes to 'Announcements'?"
    assert shown_messages(act(client, url)) == [
        ("success", "Changes requested to 'Announcements'. This version was not published.")
    ]
    assert SiteNotice.objects.get(pk=notice.pk).text == "Campus news and more."


# --- Refused and failed paths: honest, and nothing changes ------------------------------


def test_an_editor_cannot_approve_through_the_review_url(editor, tree):
    office = tree["office"]
    task_state = submit_office(editor, office, title="Approved by myself")
    client = Client()
    client.force_login(editor)
    url = reverse("dei_portal_review_action", args=[task_state.pk, "approve"])
    assert client.get(url, **XHR).status_code == 403
    assert client.post(url, {"next": "/admin/"}, **XHR).status_code == 403
    refused = client.post(url)  # without XMLHttpRequest, Wagtail sends the refused back to the dashboard
    assert refused.status_code == 302 and refused["Location"] == "/admin/"
    assert TaskState.objects.get(pk=task_state.pk).status == TaskState.STATUS_IN_PROGRESS
    office = OfficePage.objects.get(pk=office.pk)
    assert office.title == "Office of Diversity Programs" and office.has_unpublished_changes


def test_the_review_url_needs_admin_access(editor, tree, django_user_model):
    task_state = submit_office(editor, tree["office"], title="Approved by a visitor")
    url = reverse("dei_portal_review_action", args=[task_state.pk, "approve"])
    anonymous = Client().post(url, {"next": "/admin/"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
    outsider = Client()
    outsider.force_login(django_user_model.objects.create_user("visitor", "visitor@example.edu", PASSWORD))
    assert outsider.post(url, {"next": "/admin/"}).status_code in (302, 403)
    assert TaskState.objects.get(pk=task_state.pk).status == TaskState.STATUS_IN_PROGRESS


def test_an_action_the_task_does_not_offer_is_refused(editor, moderator, tree):
    task_state = submit_office(editor, tree["office"], title="Published some other way")
    client = verified_client(moderator)
    for action in ("publish", "cancel"):
        url = reverse("dei_portal_review_action", args=[task_state.pk, action])
        assert client.post(url, {"next": "/admin/"}, **XHR).status_code == 403
    assert client.post(reverse("dei_portal_review_action", args=[987654, "approve"]), **XHR).status_code == 404
    assert TaskState.objects.get(pk=task_state.pk).status == TaskState.STATUS_IN_PROGRESS


def test_a_step_someone_else_already_approved_says_nothing_was_changed(
    editor, moderator, tree, two_step_workflow, django_user_model
):
    office = tree["office"]
    first_step = submit_office(editor, office, title="Office of Diversity Programs (MD)")
    client = verified_client(moderator)
    url = dashboard_buttons(client)["Office of Diversity Programs (MD)"]["Approve"]
    # Another moderator approves the first step while this one's dashboard is open.
    other = member(django_user_model, "mona", "Moderators")
    first_step.specific.task.specific.on_action(first_step, other, "approve")
    second_step = WorkflowState.objects.get(object_id=str(office.pk), status="in_progress").current_task_state

    messages = shown_messages(act(client, url))
    assert messages == [
        ("error", "'Office of Diversity Programs (MD)' is no longer awaiting this review. Nothing was changed.")
    ]
    assert TaskState.objects.get(pk=first_step.pk).finished_by == other
    assert TaskState.objects.get(pk=second_step.pk).status == TaskState.STATUS_IN_PROGRESS
    assert OfficePage.objects.get(pk=office.pk).title == "Office of Diversity Programs"


def test_a_review_finished_meanwhile_says_so(editor, moderator, tree, django_user_model):
    office = tree["office"]
    task_state = submit_office(editor, office, title="Office of Diversity Programs (MD)")
    client = verified_client(moderator)
    url = dashboard_buttons(client)["Office of Diversity Programs (MD)"]["Request changes"]
    task_state.workflow_state.cancel(user=editor)  # the editor withdrew it

    dashboard = act(client, url, comment="Too late")
    assert shown_messages(dashboard) == [
        ("error", "The office page 'Office of Diversity Programs (MD)' is not currently awaiting moderation.")
    ]
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_CANCELLED and task_state.comment == ""


def test_a_reviewer_who_may_not_publish_is_told_nothing_was_approved(editor, tree, django_user_model):
    """A review step whose group may approve but not publish: the last approval publishes, so
    it is refused as a whole (Wagtail's transaction), and the message says so."""
    reviewers = Group.objects.create(name="Reviewers")
    reviewers.permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    GroupApprovalTask.objects.get(name="Moderators approval").groups.add(reviewers)
    reviewer = member(django_user_model, "rita", "Reviewers")
    notice = tree["notice"]
    task_state = submit_notice(editor, notice, text="Campus news, events and more.")

    client = verified_client(reviewer)
    messages = shown_messages(act(client, dashboard_buttons(client)["Announcements"]["Approve"]))
    assert messages == [("error", "'Announcements' was not approved: you may not publish it. Nothing was changed.")]
    assert TaskState.objects.get(pk=task_state.pk).status == TaskState.STATUS_IN_PROGRESS
    assert SiteNotice.objects.get(pk=notice.pk).text == "Campus news and more."


def test_the_dialog_returns_only_to_this_site(editor, moderator, tree):
    task_state = submit_office(editor, tree["office"], title="Office of Diversity Programs (MD)")
    url = reverse("dei_portal_review_action", args=[task_state.pk, "approve"])
    response = verified_client(moderator).post(url, {"next": "https://evil.example/admin/"}, **XHR)
    assert response.json() == {"step": "success", "redirect": "/admin/"}
