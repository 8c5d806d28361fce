"""Accounts in the admin: users are deactivated, never deleted; a user created without a
password is invited. (The roles' and two-factor hooks are in admin_roles.py and two_factor.py;
dei_portal/wagtail_hooks.py imports them all.)
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect
from django.urls import reverse
from wagtail import hooks

from dei_portal.accounts import emails

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
    (on the site's public address, dei_portal/accounts/emails.py)."""
    if user.password and user.has_usable_password():
        return
    user.set_unusable_password()
    user.save(update_fields=["password"])
    if not user.email:
        messages.warning(request, "This user has no email address, so no invitation was sent.")
        return
    emails.send_invitation(user)
    messages.success(request, f"An invitation to set a password was emailed to {user.email}.")
