"""Template helpers for scheduling in the admin (dei_portal/editing/scheduling.py)."""

import json

from django import template

from dei_portal.editing.scheduling import MINUTE_STEP, format_site_datetime, site_time_zone_name

register = template.Library()


@register.filter
def site_datetime(value):
    """{{ page.go_live_at|site_datetime }} → "1 March 2027, 09:45 Central Time"."""
    return format_site_datetime(value)


@register.simple_tag
def saved_schedule(instance, form):
    """The schedule saved on `instance` (what the edit form opened with) as (label, time) pairs
    for the schedule dialog; none once the form is bound: it then holds what was typed."""
    if form.is_bound:
        return []
    lines = [("goes live", instance.go_live_at), ("expires", instance.expire_at)]
    return [(label, format_site_datetime(when)) for label, when in lines if when]


@register.simple_tag
def site_time_zone():
    return site_time_zone_name()


@register.simple_tag
def zoned_datetime_widget(widget):
    """Wagtail's date-time widget context, with the zone note as its description and the
    picker listing times every MINUTE_STEP minutes instead of whole hours."""
    zone_id = f"{widget['attrs']['id']}-zone"
    described_by = " ".join(filter(None, [widget["attrs"].get("aria-describedby"), zone_id]))
    config = {**json.loads(widget["config_json"]), "step": MINUTE_STEP}
    return {
        **widget,
        "attrs": {**widget["attrs"], "aria-describedby": described_by},
        "config_json": json.dumps(config),
        "zone_id": zone_id,
    }
