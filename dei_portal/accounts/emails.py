"""Links in emails. Every link starts with the site's public address, WAGTAILADMIN_BASE_URL
(`make run` sets it from PORT, production refuses to start without it), never with the
address a request happened to arrive on (an app server's own, behind a proxy).

Wagtail's own emails (password reset, review notifications) use the same setting; the
templates in templates/wagtailadmin/notifications/ add what they lack (dei_portal/accounts/
email_links.py): the page's public address and the moderator's comment on approval.

Invitations (below) are this module's own; their wording is in templates/registration/."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from wagtail.admin.forms.auth import PasswordResetForm as WagtailPasswordResetForm
from wagtail.admin.utils import get_admin_base_url
from wagtail.models import Site


def site_url(path):
    """`path` (from reverse() or a page's URL) as an absolute address on the site."""
    return (get_admin_base_url() or "").rstrip("/") + path


def page_url(page):
    """The public address of `page` for an email, or "" if it has none (not routable).

    Wagtail's `page.full_url` comes from the Site record's hostname and port, which on a
    laptop say nothing about where `make run` serves; pages of the default site (the one the
    admin runs on) use WAGTAILADMIN_BASE_URL instead. A page of another site keeps its site's.
    """
    parts = page.get_url_parts()
    if parts is None:
        return ""
    site_id, root_url, path = parts
    if Site.objects.filter(pk=site_id, is_default_site=True).exists():
        return site_url(path)
    return root_url + path


def send_invitation(user):
    """Email `user` an invitation to edit the site, with a link to choose their password.

    The link is Wagtail's set-password page with Django's single-use token (it stops working
    once a password is set, and after PASSWORD_RESET_TIMEOUT). That page asks an invited person,
    who has no usable password yet, to choose one, not to reset it
    (templates/wagtailadmin/account/password_reset/confirm.html)."""
    link = site_url(
        reverse(
            "wagtailadmin_password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    )
    context = {
        "user": user,
        "link": link,
        "sign_in_url": site_url(reverse("wagtailadmin_login")),
        "site_name": settings.WAGTAIL_SITE_NAME,
        "valid_days": max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400)),
    }
    subject = "".join(render_to_string("registration/invitation_subject.txt", context).splitlines())
    send_mail(subject, render_to_string("registration/invitation_email.txt", context), None, [user.email])


def awaiting_invitation(user):
    """Invited and not yet joined: no password chosen, never signed in."""
    return user.is_active and not user.has_usable_password() and user.last_login is None


class PasswordResetForm(WagtailPasswordResetForm):
    """The admin's "Forgotten password?" form (WAGTAILADMIN_USER_PASSWORD_RESET_FORM).

    Django sends nothing to an account without a usable password, so someone whose invitation
    expired before they chose a password would be stuck: they get a new invitation instead.
    Everyone else gets Django's password reset email, as before."""

    def save(self, *args, **kwargs):
        email_field = get_user_model().get_email_field_name()
        email = self.cleaned_data["email"]
        for user in get_user_model()._default_manager.filter(**{f"{email_field}__iexact": email}):
            if awaiting_invitation(user):
                send_invitation(user)
        return super().save(*args, **kwargs)
