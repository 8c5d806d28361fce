"""What Wagtail's review emails lack (templates/wagtailadmin/notifications/): a page's public
address on the site's real address and port, and the moderator's comment on approval."""

from django import template
from wagtail.models import TaskState, WorkflowState

from dei_portal.accounts import emails

register = template.Library()


@register.simple_tag
def public_page_url(page):
    """The page's address on the site, scheme, host and port included (dei_portal/accounts/emails.py)."""
    return emails.page_url(page)


@register.simple_tag
def approval_comments(obj):
    """The comments moderators left approving `obj` in its latest finished review, in order.

    Wagtail's "approved" email gets the workflow, not the task states (wagtail/admin/mail.py):
    the review it announces is the object's latest approved workflow state.
    """
    state = (
        WorkflowState.objects.for_instance(obj)
        .filter(status=WorkflowState.STATUS_APPROVED)
        .order_by("-created_at", "-pk")
        .first()
    )
    if state is None:
        return []
    approvals = state.task_states.filter(status=TaskState.STATUS_APPROVED).exclude(comment="")
    return [
        {"comment": task_state.comment, "by": task_state.finished_by, "task": task_state.task}
        for task_state in approvals.select_related("finished_by", "task").order_by("finished_at", "pk")
    ]
