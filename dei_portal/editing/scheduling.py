"""Scheduling that cannot surprise (issue 11): go-live and expiry times are entered and shown
in the site's time zone (settings.TIME_ZONE), named on the form and wherever a schedule is shown;
an unsaved schedule is never kept by autosave; the listings say when something goes live; and
approving from the dashboard asks first, then says what happened.

Every schedule the admin shows reads the same: "1 March 2027, 09:45 Central Time" (24-hour, as
the form takes it, naming the zone), through ``format_site_datetime`` and the ``site_datetime``
filter (dei_portal/editing/scheduling_tags.py). The pieces that live in templates:
- ``dei_portal/templates/wagtailadmin/widgets/datetime_input.html``: every admin date-time picker
  names the zone under the input and lists times every MINUTE_STEP minutes (any minute can still
  be typed);
- ``dei_portal/templates/wagtailadmin/panels/publishing/schedule_publishing_panel.html``: the
  "Set publishing schedule" dialog sums up the saved schedule;
- ``templates/wagtailadmin/shared/side_panels/includes/status/workflow.html``: the editor's status
  panel (pages and snippets);
- ``templates/wagtailadmin/pages/listing/_page_status_cell.html``: "Scheduled for …" under a
  page's status; ``ScheduleColumn`` does the same for snippet listings (site-wide notices);
- ``templates/wagtailadmin/home/workflow_objects_to_moderate.html``: the dashboard's "Awaiting
  your review" actions open ``ReviewActionView``'s dialog.
"""

import zoneinfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from wagtail import hooks
from wagtail.actions.publish_revision import PublishPermissionError
from wagtail.admin import messages
from wagtail.admin.ui.tables import BaseColumn
from wagtail.admin.utils import get_latest_str, get_valid_next_url_from_request
from wagtail.admin.views.generic.workflow import WorkflowAction
from wagtail.models import Page, Revision, Task, TaskState, WorkflowState

from dei_portal.formats import spoken_zone_name

SCHEDULE_FIELDS = ("go_live_at", "expire_at")

# The picker's list of times (Wagtail's default is whole hours only). Typing any minute works too.
MINUTE_STEP = 15


def site_time_zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def site_time_zone_name():
    """The site's zone as people say it, then as the computer does: "Central Time (America/Chicago)".
    Shown under every date-time field."""
    spoken = spoken_zone_name(settings.TIME_ZONE)
    return spoken if spoken == settings.TIME_ZONE else f"{spoken} ({settings.TIME_ZONE})"


def format_site_datetime(value):
    """A moment as the office reads it, in the site's zone and naming it: "1 March 2027, 09:45
    Central Time". The 24-hour clock matches the form. Always the site's zone, never the
    viewer's: the name says which zone it is."""
    if not value:
        return ""
    local = timezone.localtime(value, site_time_zone())
    return f"{date_format(local, 'j F Y, H:i')} {spoken_zone_name(settings.TIME_ZONE)}"


# --- Autosave never keeps an unsaved schedule -------------------------------------------
#
# Wagtail 8 autosaves the whole edit form (as a new draft revision, every half second after
# a change), the schedule dialog's fields included: a go-live time typed into "Set schedule"
# is saved before the editor chose "Save schedule", and stays if they then leave the page
# with the dialog open. The next "Publish" then schedules instead of publishing.
# Autosave posts ask for JSON ("Accept: application/json", Wagtail's own test in
# `expects_json_response`); for those, the schedule fields are replaced by the schedule the
# editor last saved, so only a button press (Save schedule, Save draft, Publish) changes it.


def _is_autosave(request):
    return request.method == "POST" and not request.accepts("text/html")


def _keep_saved_schedule(request, saved):
    """Make an autosave post carry `saved`'s schedule (None: a new object, no schedule)."""
    if not _is_autosave(request) or not any(name in request.POST for name in SCHEDULE_FIELDS):
        return
    data = request.POST.copy()
    for name in SCHEDULE_FIELDS:
        if name in data:
            value = getattr(saved, name, None)
            data[name] = value.isoformat() if value else ""  # Django's form field reads ISO 8601
    request.POST = data


@hooks.register("before_edit_page")
def keep_saved_page_schedule(request, page):
    # `page` is the latest revision as an object: the schedule as last saved.
    _keep_saved_schedule(request, page)


@hooks.register("before_create_page")
def keep_new_page_unscheduled(request, parent_page, page_class):
    _keep_saved_schedule(request, None)


@hooks.register("before_edit_snippet")
def keep_saved_snippet_schedule(request, instance):
    _keep_saved_schedule(request, instance)


@hooks.register("before_create_snippet")
def keep_new_snippet_unscheduled(request, model):
    _keep_saved_schedule(request, None)


# --- Listings say when ----------------------------------------------------------------


@hooks.register("construct_explorer_page_queryset")
def annotate_scheduled_go_live(parent_page, pages, request):
    """Each listed page carries `scheduled_go_live_at`: when its approved, scheduled revision
    goes live (Wagtail's own status tag only says "scheduled")."""
    scheduled = Revision.page_revisions.filter(
        object_id=Cast(OuterRef("pk"), output_field=CharField()), approved_go_live_at__isnull=False
    ).order_by("-created_at")
    return pages.annotate(scheduled_go_live_at=Subquery(scheduled.values("approved_go_live_at")[:1]))


def schedule_lines(obj):
    """What will happen to a snippet with drafts (a site-wide notice), and when, as
    (label, "1 March 2027, 09:45 Central Time") pairs: the live version's expiry, the approved,
    scheduled version's go-live ("Scheduled for", as in the page listing) and its expiry, or when
    it expired. The rule for the live version's expiry is the status panel's: it is not shown
    when the scheduled version replaces the live one first."""
    lines = []
    scheduled = obj.scheduled_revision  # cached: Wagtail's status tag column reads it too
    goes_live = scheduled.approved_go_live_at if scheduled else None
    if obj.live and obj.expire_at and not (goes_live and goes_live < obj.expire_at):
        lines.append(("Expires", obj.expire_at))
    if scheduled:
        lines.append(("Scheduled for", goes_live))
        if expires := scheduled.as_object().expire_at:
            lines.append(("Then expires" if lines[0][0] == "Expires" else "Expires", expires))
    if not obj.live and obj.expired and obj.expire_at:
        lines.append(("Expired", obj.expire_at))
    return [(label, format_site_datetime(when)) for label, when in lines]


class ScheduleColumn(BaseColumn):
    """One "Schedule" column for a snippet listing (``schedule_lines``): a line per event, in the
    site's zone. One column, not "Goes live" and "Expires", so the listing fits at 1280 px."""

    cell_template_name = "dei_portal/admin/schedule_cell.html"

    def __init__(self, name="schedule", label="Schedule", **kwargs):
        super().__init__(name, label=label, **kwargs)

    def get_cell_context_data(self, instance, parent_context):
        return {**super().get_cell_context_data(instance, parent_context), "lines": schedule_lines(instance)}


# --- Approving from the dashboard asks first, then says what happened -------------------
#
# Wagtail's "Awaiting your review" panel approves on one click, or opens a dialog titled
# "Approve with comment", and afterwards shows no message: the item just leaves the list.
# The panel (templates/wagtailadmin/home/workflow_objects_to_moderate.html) opens this view's
# dialog for every action instead: Wagtail's own workflow action view (same permission checks,
# same TaskState.approve/reject), for pages and snippets alike, at one admin URL keyed by the
# task state, that names what will happen ("Approve and publish '…'?") and afterwards adds a
# success message as Wagtail's editor does ("'…' approved and published."). A message claims
# only what the database shows happened; a refused action says nothing was changed.

DEFAULT_FINISH_ACTION = "wagtail.workflows.publish_workflow_state"


class ReviewActionView(WorkflowAction):
    template_name = "dei_portal/admin/review_action_modal.html"

    def setup(self, request, *args, **kwargs):
        self.review_state = get_object_or_404(
            TaskState.objects.select_related("workflow_state"), pk=kwargs["task_state_id"]
        )
        super().setup(request, *args, **kwargs)

    def get_pk(self):
        return self.review_state.workflow_state.object_id

    def get_object(self):
        # The object under review is the task state's, so the URL cannot pair one object's
        # permissions with another object's task.
        obj = self.review_state.workflow_state.content_object
        if obj is None:
            raise Http404
        obj = obj.specific if isinstance(obj, Page) else obj
        self.model = type(obj)
        return obj

    def get_redirect_url(self):
        return get_valid_next_url_from_request(self.request) or reverse("wagtailadmin_home")

    def get_submit_url(self):
        return reverse("dei_portal_review_action", args=(self.task_state.pk, self.action_name))

    def is_modal_request(self):
        return self.request.headers.get("x-requested-with") == "XMLHttpRequest"

    def done(self):
        """Close the dialog and reload the page it was opened from (with any message)."""
        if self.is_modal_request():
            return self.render_modal_json(self.request, {"step": "success", "redirect": self.redirect_url})
        return redirect(self.redirect_url)

    def dispatch(self, request, *args, **kwargs):
        self.check_action()  # PermissionDenied unless this task offers the action to this user
        if not self.object.workflow_in_progress:
            # Someone else finished or cancelled the review since the dashboard was loaded.
            self.add_not_in_moderation_error()
            return self.done()
        return super().dispatch(request, *args, **kwargs)

    # What will happen, said before it happens.

    def next_task(self):
        """The review step after this one, if any (None: approving finishes the workflow)."""
        workflow_state = self.task_state.workflow_state
        return (
            Task.objects.filter(workflow_tasks__workflow=workflow_state.workflow, active=True)
            .exclude(task_states__in=workflow_state.successful_task_states)
            .exclude(pk=self.task.pk)
            .order_by("workflow_tasks__sort_order")
            .first()
        )

    def finishing_publishes(self):
        return getattr(settings, "WAGTAIL_FINISH_WORKFLOW_ACTION", DEFAULT_FINISH_ACTION) == DEFAULT_FINISH_ACTION

    def dialog_text(self):
        title = get_latest_str(self.object)
        if self.action_name == "reject":
            return {
                "heading": f"Request changes to '{title}'?",
                "explanation": "Nothing is published. Your comment tells the author what to change.",
                "button": "Request changes",
            }
        if self.action_name != "approve":
            return {"heading": self.action_verbose_name, "explanation": "", "button": self.action_verbose_name}
        if next_task := self.next_task():
            return {
                "heading": f"Approve '{title}'?",
                "explanation": f"It then goes to '{next_task.name}' for review; it is not published yet.",
                "button": "Approve",
            }
        if not self.finishing_publishes():
            return {"heading": f"Approve '{title}'?", "explanation": "", "button": "Approve"}
        go_live_at = self.object.get_latest_revision_as_object().go_live_at
        if go_live_at and go_live_at > timezone.now():
            return {
                "heading": f"Approve and schedule '{title}'?",
                "explanation": f"It goes live on {format_site_datetime(go_live_at)}, as its schedule says.",
                "button": "Approve and schedule",
            }
        return {
            "heading": f"Approve and publish '{title}'?",
            "explanation": "It goes live on the site as soon as you approve.",
            "button": "Approve and publish",
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(review=self.dialog_text(), **kwargs)

    # What happened, said after it happened.

    def post(self, request, *args, **kwargs):
        # Task.on_action runs in one transaction: when it raises, nothing was changed.
        title = get_latest_str(self.object)
        try:
            response = super().post(request, *args, **kwargs)
        except PublishPermissionError:
            # A reviewer of the last step who may not publish what it approves.
            messages.error(request, f"'{title}' was not approved: you may not publish it. Nothing was changed.")
            return self.done()
        except PermissionDenied:
            # TaskState.approve/reject refuse a task that is no longer in progress (another
            # reviewer acted first); the permission checks themselves ran in dispatch().
            messages.error(request, f"'{title}' is no longer awaiting this review. Nothing was changed.")
            return self.done()
        task_state = TaskState.objects.get(pk=self.task_state.pk)
        if task_state.status != TaskState.STATUS_IN_PROGRESS:  # otherwise the form was redisplayed
            messages.success(request, self.outcome(task_state))
        return response

    def outcome(self, task_state):
        obj = self.model._default_manager.get(pk=self.object.pk)
        title = get_latest_str(obj)
        if task_state.status == TaskState.STATUS_REJECTED:
            return f"Changes requested to '{title}'. This version was not published."
        if task_state.status != TaskState.STATUS_APPROVED:
            return f"'{title}': {task_state.get_status_display()}."
        workflow_state = WorkflowState.objects.get(pk=task_state.workflow_state_id)
        if workflow_state.status == WorkflowState.STATUS_IN_PROGRESS:
            return f"'{title}' approved; it now goes to '{workflow_state.current_task_state.task.name}' for review."
        latest = obj.get_latest_revision()
        if latest.approved_go_live_at:
            return f"'{title}' approved and scheduled to go live on {format_site_datetime(latest.approved_go_live_at)}."
        if obj.live and obj.live_revision_id == latest.pk:
            return f"'{title}' approved and published."
        return f"'{title}' approved."


@hooks.register("register_admin_urls")
def register_review_action_url():
    return [
        path(
            "review/<int:task_state_id>/<slug:action_name>/",
            ReviewActionView.as_view(),
            name="dei_portal_review_action",
        )
    ]
