"""Scheduling that cannot surprise (issue 11): go-live and expiry times are entered and shown
in the site's time zone (settings.TIME_ZONE), named on the form and in listings; an unsaved
schedule is never kept by autosave; the page listing says when a scheduled page goes live.

The pieces that live in templates:
- ``dei_portal/templates/wagtailadmin/widgets/datetime_input.html``: every admin date-time picker names the zone under the
  input and lists times every MINUTE_STEP minutes (any minute can still be typed);
- ``templates/wagtailadmin/pages/listing/_page_status_cell.html``: "Scheduled for …" under a page's status;
- ``templates/wagtailadmin/home/workflow_objects_to_moderate.html``: approving from the dashboard asks first.
"""

import zoneinfo
from functools import lru_cache

from babel.dates import get_timezone_name
from django.conf import settings
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.formats import date_format
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.models import Revision

SCHEDULE_FIELDS = ("go_live_at", "expire_at")

# The picker's list of times (Wagtail's default is whole hours only). Typing any minute works too.
MINUTE_STEP = 15


def site_time_zone_name():
    """The site's zone as people say it, then as the computer does: "Central Time (America/Chicago)"."""
    return _zone_name(settings.TIME_ZONE)


@lru_cache
def _zone_name(zone_key):
    # The spoken name comes from the Unicode CLDR (babel); a zone CLDR has no such name
    # for (UTC) is named by its key alone.
    spoken = get_timezone_name(zoneinfo.ZoneInfo(zone_key), width="long", locale="en_US")
    return zone_key if "Unknown" in spoken or spoken == zone_key else f"{spoken} ({zone_key})"


def format_site_datetime(value):
    """A moment as the office reads it, in the site's zone and naming it:
    "Mar 1, 2027, 09:45 Central Time (America/Chicago)". The 24-hour clock matches the form."""
    if not value:
        return ""
    return f"{date_format(timezone.localtime(value), 'M j, Y, H:i')} {site_time_zone_name()}"


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


class SiteDateTimeColumn(Column):
    """A listing column showing a date-time in the site's zone, naming the zone."""

    def get_value(self, instance):
        return format_site_datetime(super().get_value(instance))
