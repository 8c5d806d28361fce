"""The dashboard's "Awaiting your review" panel asks before acting
(templates/wagtailadmin/home/workflow_objects_to_moderate.html; the dialog is
dei_portal.editing.scheduling.ReviewActionView)."""

from django import template

register = template.Library()


@register.filter
def confirmed_actions(actions):
    """A workflow task's actions for the dashboard, each opening the review dialog (what the
    action will do, with an optional comment) instead of acting on one click. Wagtail offers
    "Approve" and "Approve with comment" as one action; it is listed once, as "Approve"."""
    seen = set()
    confirmed = []
    for name, label, _modal in actions:
        if name not in seen:
            seen.add(name)
            confirmed.append((name, label, True))
    return confirmed
