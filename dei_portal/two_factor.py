"""Two-factor authentication (TOTP authenticator apps) for the Wagtail admin.

Who must use it: superusers and members of the groups named in
``settings.TWO_FACTOR_REQUIRED_GROUPS``. For them, every admin URL except
signing in, signing out, password reset and the admin's JavaScript
translations/icons needs a session verified with a code from an authenticator
app (``request.user.is_verified()``, set by django_otp's ``OTPMiddleware``).

- No confirmed authenticator yet: the middleware sends them to the setup page
  (QR code drawn on the server as inline SVG, the secret as text, one code to
  confirm).
- Confirmed authenticator: the middleware sends them to the verify page.

Everyone else (e.g. Editors) goes straight through. See docs/two-factor.md.
"""

import logging
import math
from base64 import b32encode
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import Resolver404, path, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

import django_otp
from django_otp.plugins.otp_totp.models import TOTPDevice

logger = logging.getLogger(__name__)

# Admin URLs anyone may reach without a verified second factor (they are public in Wagtail too).
EXEMPT_ADMIN_URL_NAMES = frozenset(
    {
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "wagtailadmin_password_reset",
        "wagtailadmin_password_reset_done",
        "wagtailadmin_password_reset_confirm",
        "wagtailadmin_password_reset_complete",
        "wagtailadmin_javascript_catalog",
        "wagtailadmin_sprite",
    }
)

SETUP_URL_NAME = "two_factor_setup"
VERIFY_URL_NAME = "two_factor_verify"
DEVICE_NAME = "Authenticator app"


def two_factor_required(request):
    """Whether request.user must verify a second factor for the admin. One query at most, cached."""
    if not hasattr(request, "_two_factor_required"):
        user = request.user
        request._two_factor_required = bool(
            user.is_authenticated
            and (
                user.is_superuser
                or user.groups.filter(name__in=getattr(settings, "TWO_FACTOR_REQUIRED_GROUPS", [])).exists()
            )
        )
    return request._two_factor_required


def confirmed_devices(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk")


def safe_next(request):
    """The `next` the request carries if it stays on this site, else the admin dashboard."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("wagtailadmin_home")


def url_with_next(url_name, next_url):
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


class RequireTwoFactorMiddleware:
    """Send users who need two-factor authentication, and have not verified it this session,
    from any admin URL to the setup or verify page. Place after django_otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_prefix = None

    def __call__(self, request):
        if self.needs_verification(request):
            target = VERIFY_URL_NAME if confirmed_devices(request.user).exists() else SETUP_URL_NAME
            return redirect(url_with_next(target, request.get_full_path()))
        return self.get_response(request)

    def is_protected_admin_path(self, request):
        if self._admin_prefix is None:
            self._admin_prefix = reverse("wagtailadmin_home")
        if not request.path.startswith(self._admin_prefix):
            return False
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True  # unknown admin URLs are protected too
        return match.url_name not in EXEMPT_ADMIN_URL_NAMES

    def needs_verification(self, request):
        # The path first: public pages never touch the session here (no extra queries, no Vary: Cookie).
        if not self.is_protected_admin_path(request):
            return False
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False  # Wagtail itself sends anonymous visitors to the login page
        return two_factor_required(request) and not user.is_verified()


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code",
        help_text="The code your authenticator app shows now. It changes every 30 seconds.",
        max_length=12,
        strip=True,
        error_messages={"required": "Enter the 6-digit code from your authenticator app."},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "off",
                "spellcheck": "false",
                "size": "8",
            }
        ),
    )

    def add_error(self, field, error):
        super().add_error(field, error)
        # Screen readers read the error with the field (the template gives the error this id).
        self.fields["token"].widget.attrs["aria-describedby"] = "id_token-error id_token-helptext"

    def clean_token(self):
        token = "".join(self.cleaned_data["token"].split())  # "123 456" is fine
        if not (token.isascii() and token.isdigit() and len(token) == 6):
            raise forms.ValidationError("Enter all 6 digits of the code from your authenticator app (numbers only).")
        return token


def wait_message(device):
    """None when the device may check a code now; otherwise how long to wait (django_otp's throttling)."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (info or {}).get("locked_until")
    if locked_until:
        seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
        return f"Too many wrong codes. Wait {describe_wait(seconds)}, then enter the code your app shows."
    return "Codes cannot be checked right now. Try again in a minute."


def describe_wait(seconds):
    """The throttle doubles with each wrong code (1 s, 2 s, 4 s, ...), so it can reach hours."""
    for unit, size in (("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            count = math.ceil(seconds / size)
            return f"{count} {unit}s"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


WRONG_CODE = (
    "That code is not right. Enter the code your authenticator app shows now for this site; "
    "if it keeps failing, check that your phone's clock is set automatically."
)


def check_token(request, form, devices):
    """Verify the form's token against the devices; add a clear form error and return None when it fails."""
    for device in devices:
        message = wait_message(device)
        if message:
            form.add_error("token", message)
            return None
    for device in devices:
        verified = django_otp.verify_token(request.user, device.persistent_id, form.cleaned_data["token"])
        if verified is not None:
            return verified
    logger.warning(
        "Two-factor code rejected for user %s from %s.", request.user.get_username(), request.META.get("REMOTE_ADDR")
    )
    form.add_error("token", WRONG_CODE)
    return None


def complete_verification(request, device):
    """Mark the session verified with this device (a new session key, as at any privilege change)."""
    request.session.cycle_key()
    django_otp.login(request, device)


def qr_code_svg(uri):
    """The otpauth:// URI as an inline SVG QR code, drawn here (no outside service, no JavaScript)."""
    svg = segno.make(uri, error="m", micro=False).svg_inline(
        scale=5,
        border=4,
        dark="#000",
        light="#fff",
        title="QR code for your authenticator app",
        svgclass="two-factor-qr",
        lineclass=None,
    )
    # role="img" so screen readers announce the title; the secret is also given as text.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308 (segno output, no user input)


def admin_login_required(view):
    return login_required(view, login_url="wagtailadmin_login")


def page_context(request, form, next_url):
    return {"form": form, "next": next_url, "username": request.user.get_username()}


@sensitive_post_parameters("token")
@never_cache
@require_http_methods(["GET", "POST"])
@admin_login_required
def setup_view(request):
    next_url = safe_next(request)
    user = request.user
    if not two_factor_required(request) or user.is_verified():
        return redirect(next_url)
    if confirmed_devices(user).exists():
        # Already enrolled: a password alone must never be enough to add another authenticator.
        return redirect(url_with_next(VERIFY_URL_NAME, next_url))

    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)

    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified = check_token(request, form, [device])
        if verified is not None:
            with transaction.atomic():
                verified.confirmed = True
                verified.save(update_fields=["confirmed"])
                TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
            complete_verification(request, verified)
            logger.info("Two-factor authenticator set up for user %s.", user.get_username())
            messages.success(request, "Two-factor authentication is set up. You will be asked for a code when you sign in.")
            return redirect(next_url)

    context = page_context(request, form, next_url)
    context.update(
        {
            "qr_svg": qr_code_svg(device.config_url),
            "secret": b32encode(device.bin_key).decode(),
            "issuer": getattr(settings, "OTP_TOTP_ISSUER", ""),
        }
    )
    return render(request, "two_factor/setup.html", context)


@sensitive_post_parameters("token")
@never_cache
@require_http_methods(["GET", "POST"])
@admin_login_required
def verify_view(request):
    next_url = safe_next(request)
    user = request.user
    if not two_factor_required(request) or user.is_verified():
        return redirect(next_url)
    devices = list(confirmed_devices(user))
    if not devices:
        return redirect(url_with_next(SETUP_URL_NAME, next_url))

    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified = check_token(request, form, devices)
        if verified is not None:
            complete_verification(request, verified)
            return redirect(next_url)

    return render(request, "two_factor/verify.html", page_context(request, form, next_url))


urls = [
    path("setup/", setup_view, name=SETUP_URL_NAME),
    path("verify/", verify_view, name=VERIFY_URL_NAME),
]
