"""Admin behaviour for the site core: users are deactivated, never deleted; invitations;
the userbar's accessibility checker runs axe's full rule set."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.userbar import ContentCheckerItem

from dei_portal import emails
# The help menu points at the office's own guide (registered with the branding template tags).
from dei_portal.templatetags import admin_branding  # noqa: F401

NEVER_DELETE = (
    "Users are never deleted, so that the pages and revisions they wrote keep their names. "
    "Untick “Active” on the user's account to deactivate it instead."
)


@hooks.register("before_delete_user")
def refuse_user_deletion(request, user):
    messages.error(request, NEVER_DELETE)
    return redirect(reverse("wagtailusers_users:edit", args=[user.pk]))


@hooks.register("before_bulk_action")
def refuse_bulk_user_deletion(request, action_type, objects, action_class_instance):
    if action_type == "delete" and any(isinstance(obj, get_user_model()) for obj in objects):
        messages.error(request, NEVER_DELETE)
        return redirect(reverse("wagtailusers_users:index"))
    return None


@hooks.register("after_create_user")
def invite_user_without_password(request, user):
    """A user created without a password gets an unusable one and an emailed link to set it
    (on the site's public address, dei_portal/emails.py)."""
    if user.password and user.has_usable_password():
        return
    user.set_unusable_password()
    user.save(update_fields=["password"])
    if not user.email:
        messages.warning(request, "This user has no email address, so no invitation was sent.")
        return
    emails.send_invitation(user)
    messages.success(request, f"An invitation to set a password was emailed to {user.email}.")


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


# Admin behaviour by concern, each in its own module (their hooks register on import).
from dei_portal import admin_fixes, admin_roles, admin_scheduling, two_factor  # noqa: E402,F401
