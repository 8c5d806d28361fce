"""The admin as editors use it: the userbar's accessibility checker runs axe's full rule set.
(The scheduling, editor-fix and branding hooks are in their own modules; dei_portal/wagtail_hooks.py
imports them all.)
"""

from wagtail import hooks
from wagtail.admin.userbar import ContentCheckerItem


class FullAccessibilityChecker(ContentCheckerItem):
    """Run every non-experimental axe rule (WCAG A/AA and best practice), not Wagtail's short list."""

    axe_run_only = None


@hooks.register("construct_wagtail_userbar")
def use_full_accessibility_checker(request, items, page):
    items[:] = [
        FullAccessibilityChecker(in_editor=item.in_editor)
        if isinstance(item, ContentCheckerItem) and not isinstance(item, FullAccessibilityChecker)
        else item
        for item in items
    ]
