"""Small admin fixes from the new-user walk-through (issue 11, item 6).

- The page editor says why an Editor has no Publish button (the site-wide notice form does the
  same with ``dei_portal.editing.review_help.PublishingHelpPanel``).
- Every length-limited text field in an edit form shows a live character count
  (static/js/admin/character-count.js); the limit is the field's own ``maxlength``.
"""

from django.contrib import messages
from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks

from dei_portal.editing.review_help import review_explanation


@hooks.register("before_edit_page")
def explain_review_when_editing_a_page(request, page):
    if request.method == "GET" and not page.permissions_for_user(request.user).can_publish():
        messages.info(request, review_explanation("Pages", page.get_workflow()))


@hooks.register("before_create_page")
def explain_review_when_creating_a_page(request, parent_page, page_class):
    if request.method == "GET" and not parent_page.permissions_for_user(request.user).can_publish_subpage():
        messages.info(request, review_explanation("Pages", parent_page.get_workflow()))


@hooks.register("insert_editor_js")
def character_count_js():
    return format_html('<script src="{}" defer></script>', static("js/admin/character-count.js"))
