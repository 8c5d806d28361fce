"""Two-factor authentication (TOTP authenticator apps) for the Wagtail admin.

Who must use it: superusers and members of the groups named in
``settings.TWO_FACTOR_REQUIRED_GROUPS``. For them, every admin URL except
signing in, signing out, password reset and the admin's JavaScript
translations/icons needs a session verified with a code from an authenticator
app (``request.user.is_verified()``, set by django_otp's ``OTPMiddleware``).

- No confirmed authenticator yet: the middleware sends them to the setup page
  (QR code drawn on the server as inline SVG, the secret as text, one code to
  confirm).
- Confirmed authenticator: the middleware sends them to the verify page, which takes either
  the app's code or one of their single-use backup codes.

Recovery without a shell:

- Backup codes (django_otp's static tokens) are made when the authenticator is confirmed,
  shown once, and regenerated from Account → "Backup codes" (the old set stops working).
- A Site administrator resets another user's authenticator from the users list (audit-logged;
  the user is signed out everywhere and sets up a new app at the next sign-in). Nobody resets
  their own this way: their self-service path is a backup code.

Everyone else (e.g. Editors) goes straight through. See docs/two-factor.md.
"""

import logging
import math
import re
from base64 import b32encode
from importlib import import_module
from urllib.parse import urlencode

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, path, resolve, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail import hooks
from wagtail.admin import messages as admin_messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import log

from dei_portal.accounts.admin_roles import ADMINISTRATORS_GROUP, is_last_administrator

# The logger keeps the name it had before the module moved into dei_portal/accounts/ (log filters).
logger = logging.getLogger("dei_portal.two_factor")

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
NEW_BACKUP_CODES_URL_NAME = "two_factor_new_backup_codes"
BACKUP_CODES_URL_NAME = "two_factor_backup_codes"  # in the admin (register_admin_urls)
RESET_URL_NAME = "two_factor_reset"  # in the admin (register_admin_urls)
USER_EDIT_BUTTONS_HOOK = "register_user_edit_buttons"  # fn(user, request_user) -> buttons
DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10
# Fresh backup codes wait here between the POST that made them and the one page that shows them.
NEW_CODES_SESSION_KEY = "two_factor_new_backup_codes"
RESET_ACTION = "dei_portal.reset_two_factor"
REGENERATE_ACTION = "dei_portal.regenerate_backup_codes"
BACKUP_CODE_USED_ACTION = "dei_portal.backup_code_used"


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
    """Confirmed authenticator apps. Backup codes alone do not count as set up."""
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


# --- Codes: the app's 6 digits, or a backup code ---------------------------------------------

APP_CODE = "app"
BACKUP_CODE = "backup"
# django_otp's StaticToken.random_token(): 5 random bytes in lower-case base32 (a-z, 2-7).
BACKUP_CODE_PATTERN = re.compile(r"[a-z2-7]{8}")


def normalised_code(raw):
    """The code as typed, without spaces or hyphens ("123 456" and "abcd-efgh" are fine)."""
    return re.sub(r"[\s-]", "", raw)


class TokenForm(forms.Form):
    """One 6-digit code from the authenticator app (the setup page: it proves the app works)."""

    accepts_backup_codes = False
    invalid_message = "Enter all 6 digits of the code from your authenticator app (numbers only)."

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
        """The code, and in `self.code_kind` which kind it is (so only the matching devices are tried)."""
        token = normalised_code(self.cleaned_data["token"])
        if token.isascii() and token.isdigit() and len(token) == 6:
            self.code_kind = APP_CODE
            return token
        if self.accepts_backup_codes and BACKUP_CODE_PATTERN.fullmatch(token.lower()):
            self.code_kind = BACKUP_CODE
            return token.lower()
        raise forms.ValidationError(self.invalid_message)


class VerifyForm(TokenForm):
    """The app's 6-digit code or one of the user's 8-character backup codes (the verify page)."""

    accepts_backup_codes = True
    invalid_message = (
        "Enter the 6-digit code from your authenticator app (numbers only), or one of your 8-character backup codes."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["token"]  # the form's own copy: TokenForm is unchanged
        field.label = "6-digit code or backup code"
        field.help_text = (
            "The code your authenticator app shows now (it changes every 30 seconds). "
            "Without your phone, enter one of your backup codes instead: each works once."
        )
        field.error_messages["required"] = "Enter the 6-digit code from your authenticator app, or a backup code."
        field.widget.attrs["inputmode"] = "text"  # backup codes have letters: no number pad


def wait_message(device):
    """None when the device may check a code now; otherwise how long to wait (django_otp's throttling)."""
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (info or {}).get("locked_until")
    if locked_until:
        seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
        then = "enter a backup code again" if isinstance(device, StaticDevice) else "enter the code your app shows"
        return f"Too many wrong codes. Wait {describe_wait(seconds)}, then {then}."
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
WRONG_BACKUP_CODE = (
    "That backup code is not right, or it has been used already: each backup code works only once. "
    "Try another of your backup codes, or the code your authenticator app shows."
)


def check_token(request, form, devices, wrong_message=WRONG_CODE):
    """Verify the form's token against the devices; add a clear form error and return None when it fails.

    Each device keeps its own throttle (django_otp doubles the wait after each wrong code), so
    wrong backup codes slow down backup codes, and wrong app codes the app."""
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
        "Two-factor %s code rejected for user %s from %s.",
        getattr(form, "code_kind", APP_CODE),
        request.user.get_username(),
        request.META.get("REMOTE_ADDR"),
    )
    form.add_error("token", wrong_message)
    return None


def complete_verification(request, device):
    """Mark the session verified with this device (a new session key, as at any privilege change)."""
    request.session.cycle_key()
    django_otp.login(request, device)


# --- Backup codes ----------------------------------------------------------------------------


def backup_devices(user):
    return StaticDevice.objects.devices_for_user(user, confirmed=True).order_by("pk")


def remaining_backup_codes(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def make_backup_codes(user):
    """Replace all of the user's backup codes with BACKUP_CODE_COUNT new ones and return them.

    django_otp keeps each static token until it is used once. The user keeps one StaticDevice
    (only its tokens change), so a session verified with an earlier backup code stays verified."""
    codes = []
    while len(codes) < BACKUP_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    with transaction.atomic():
        device = backup_devices(user).first() or StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME)
        StaticToken.objects.filter(device__user=user).delete()  # the old set stops working
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def hand_out_backup_codes(request, codes):
    """Keep fresh codes for the one page that shows them (it takes them out of the session)."""
    request.session[NEW_CODES_SESSION_KEY] = codes


def signed_in_user(request):
    """request.user as a plain model instance. Wagtail's log() finds the log model from the
    instance's class, which it cannot see through the two lazy wrappers (auth, then django_otp)."""
    return get_user_model()._default_manager.get(pk=request.user.pk)


def note_backup_code_used(request):
    """A backup code signed someone in: tell them how many are left, and log it for the office."""
    user = signed_in_user(request)
    left = remaining_backup_codes(user)
    log(instance=user, action=BACKUP_CODE_USED_ACTION, user=user, data={"remaining": left})
    logger.info("User %s signed in with a backup code (%d left).", user.get_username(), left)
    advice = " Generate a new set soon." if left <= 3 else ""
    admin_messages.warning(
        request,
        f"You signed in with a backup code; it will not work again. "
        f"{left} backup code{'s' if left != 1 else ''} left.{advice}",
        buttons=[admin_messages.button(reverse(BACKUP_CODES_URL_NAME), "Backup codes")],
    )


# --- Setting up and verifying ----------------------------------------------------------------


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
                codes = make_backup_codes(user)
            complete_verification(request, verified)
            hand_out_backup_codes(request, codes)
            logger.info("Two-factor authenticator set up for user %s.", user.get_username())
            messages.success(
                request, "Two-factor authentication is set up. You will be asked for a code when you sign in."
            )
            # The backup codes first (shown once), then where the user was going.
            return redirect(url_with_next(NEW_BACKUP_CODES_URL_NAME, next_url))

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

    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.code_kind == BACKUP_CODE:
            verified = check_token(request, form, list(backup_devices(user)), WRONG_BACKUP_CODE)
        else:
            verified = check_token(request, form, devices)
        if verified is not None:
            complete_verification(request, verified)
            if isinstance(verified, StaticDevice):
                note_backup_code_used(request)
            return redirect(next_url)

    return render(request, "two_factor/verify.html", page_context(request, form, next_url))


@never_cache
@require_http_methods(["GET"])
@admin_login_required
def new_backup_codes_view(request):
    """The backup codes just made, shown this once: they leave the session as the page is drawn."""
    next_url = safe_next(request)
    if two_factor_required(request) and not request.user.is_verified():
        return redirect(url_with_next(VERIFY_URL_NAME, next_url))
    context = page_context(request, None, next_url)
    context.update(
        {
            "codes": request.session.pop(NEW_CODES_SESSION_KEY, None),
            "remaining": remaining_backup_codes(request.user),
            "manage_url": reverse(BACKUP_CODES_URL_NAME),
        }
    )
    return render(request, "two_factor/new_backup_codes.html", context)


urls = [
    path("setup/", setup_view, name=SETUP_URL_NAME),
    path("verify/", verify_view, name=VERIFY_URL_NAME),
    path("backup-codes/", new_backup_codes_view, name=NEW_BACKUP_CODES_URL_NAME),
]


# --- In the admin: regenerating backup codes, resetting someone's authenticator ---------------
# These live under /admin/ (register_admin_urls), so Wagtail's admin access check and
# RequireTwoFactorMiddleware (a verified session) both apply before the views run.


@method_decorator(never_cache, name="dispatch")
class BackupCodesView(WagtailAdminTemplateMixin, View):
    """How many backup codes are left; a new set on request (the old set stops working)."""

    page_title = "Backup codes"
    header_icon = "key"
    template_name = "two_factor/backup_codes.html"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("wagtailadmin_account"), "label": "Account"},
            {"url": "", "label": self.page_title},
        ]

    def get(self, request):
        uses_two_factor = two_factor_required(request)
        context = self.get_context_data(
            uses_two_factor=uses_two_factor,
            remaining=remaining_backup_codes(request.user) if uses_two_factor else 0,
            backup_code_count=BACKUP_CODE_COUNT,
        )
        return self.render_to_response(context)

    def post(self, request):
        # The middleware already insists on a verified session; checked again where it matters.
        if not (two_factor_required(request) and request.user.is_verified()):
            raise PermissionDenied
        hand_out_backup_codes(request, make_backup_codes(request.user))
        user = signed_in_user(request)
        log(instance=user, action=REGENERATE_ACTION, user=user)
        logger.info("Backup codes regenerated for user %s.", request.user.get_username())
        return redirect(url_with_next(NEW_BACKUP_CODES_URL_NAME, reverse(BACKUP_CODES_URL_NAME)))


def is_site_administrator(user):
    """Superusers and active members of "Site administrators" (cached on the user for listings)."""
    if not hasattr(user, "_is_site_administrator"):
        user._is_site_administrator = bool(
            user.is_authenticated
            and user.is_active
            and (user.is_superuser or user.groups.filter(name=ADMINISTRATORS_GROUP).exists())
        )
    return user._is_site_administrator


def reset_refusal(actor, target, *, count_administrators=True):
    """Why the Site administrator `actor` may not reset `target`'s two-factor authentication, or None.

    count_administrators=False skips the last-administrator check (two queries; listings draw a
    button per user, and the view checks it again before anything changes)."""
    if actor.pk == target.pk:
        # With only a password, a reset of one's own would let whoever has it enrol their phone.
        return (
            "You cannot reset your own two-factor authentication. Sign in with one of your backup "
            "codes and generate new ones, or ask another Site administrator."
        )
    if target.is_superuser and not actor.is_superuser:
        return "Only a superuser can reset a superuser's two-factor authentication."
    if count_administrators and is_last_administrator(target):
        # Cannot happen while the actor is an administrator too; kept so no rule change can make
        # a reset lock the office out of its own admin.
        return f"{target.get_username()} is the only administrator left."
    return None


def reset_url(target):
    return reverse(RESET_URL_NAME, args=[target.pk])


def reset_two_factor_button(target, request_user, priority=60):
    """The "Reset two-factor" action for `target`, or None when `request_user` may not reset it."""
    if not is_site_administrator(request_user) or reset_refusal(request_user, target, count_administrators=False):
        return None
    return Button("Reset two-factor", url=reset_url(target), icon_name="key", priority=priority)


def end_sessions(user):
    """Sign `user` out everywhere (database-backed sessions, as in settings); the number ended.

    Django has no index of sessions by user, so each unexpired session is decoded: fine for an
    office's admin accounts."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        logger.warning(
            "Sessions of %s not ended: %s is not database-backed.", user.get_username(), settings.SESSION_ENGINE
        )
        return 0
    sessions = store_class.get_model_class().objects.filter(expire_date__gt=timezone.now())
    ended = 0
    for key, data in sessions.values_list("session_key", "session_data").iterator():
        if store_class().decode(data).get(SESSION_KEY) == str(user.pk):
            store_class(session_key=key).delete()  # also clears a cached_db copy
            ended += 1
    return ended


def reset_two_factor(actor, target):
    """Remove `target`'s authenticator apps and backup codes, sign them out everywhere and log it.

    Their next sign-in goes to the setup page (no confirmed authenticator). Ending their sessions
    matters for a stolen phone: a session that stayed signed in could otherwise set up a new
    authenticator without the password."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=target).delete()
        StaticDevice.objects.filter(user=target).delete()  # their tokens go with them
        ended = end_sessions(target)
        log(instance=target, action=RESET_ACTION, user=actor, data={"sessions_ended": ended})
    logger.warning("Two-factor authentication of %s reset by %s.", target.get_username(), actor.get_username())
    return ended


@method_decorator(never_cache, name="dispatch")
class ResetTwoFactorView(WagtailAdminTemplateMixin, View):
    """Confirm (GET), then reset (POST) another user's two-factor authentication. Site
    administrators only; everyone else gets 403 whichever user they name."""

    page_title = "Reset two-factor authentication"
    header_icon = "key"
    template_name = "two_factor/reset.html"

    def dispatch(self, request, user_id):
        actor = request.user
        if not (is_site_administrator(actor) and actor.is_verified()):
            raise PermissionDenied
        self.target = get_object_or_404(get_user_model(), pk=user_id)
        self.refusal = reset_refusal(actor, self.target)
        return super().dispatch(request, user_id)

    def get_page_subtitle(self):
        return self.target.get_username()

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("wagtailusers_users:index"), "label": "Users"},
            {"url": reverse("wagtailusers_users:edit", args=[self.target.pk]), "label": str(self.target)},
            {"url": "", "label": self.page_title},
        ]

    def get(self, request, user_id):
        target = self.target
        context = self.get_context_data(
            target=target,
            refusal=self.refusal,
            has_authenticator=TOTPDevice.objects.filter(user=target).exists(),
            remaining=remaining_backup_codes(target),
            users_url=reverse("wagtailusers_users:index"),
        )
        return self.render_to_response(context)

    def post(self, request, user_id):
        if self.refusal:
            raise PermissionDenied
        ended = reset_two_factor(request.user, self.target)
        messages.success(
            request,
            f"Two-factor authentication of {self.target.get_username()} was reset and they were signed out "
            f"({ended} session{'s' if ended != 1 else ''} ended). At their next sign-in they set up a new "
            "authenticator app.",
        )
        return redirect("wagtailusers_users:index")


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [
        path("two-factor/backup-codes/", BackupCodesView.as_view(), name=BACKUP_CODES_URL_NAME),
        path("two-factor/reset/<int:user_id>/", ResetTwoFactorView.as_view(), name=RESET_URL_NAME),
    ]


@hooks.register("register_account_menu_item")
def backup_codes_account_item(request):
    if two_factor_required(request):
        return {
            "url": reverse(BACKUP_CODES_URL_NAME),
            "label": "Backup codes",
            "help_text": "Single-use codes for signing in without your phone. See how many are left or get new ones.",
        }
    return None


# Wagtail's hook for the users list ("⋯" menu of each row), and this project's hook for the user
# edit page's "⋯" header menu (called by admin_roles.UserEditView, same arguments).
@hooks.register("register_user_listing_buttons")
@hooks.register(USER_EDIT_BUTTONS_HOOK)
def user_reset_button(user, request_user):
    button = reset_two_factor_button(user, request_user)
    return [button] if button else []


@hooks.register("register_log_actions")
def register_two_factor_log_actions(actions):
    """Readable labels in Reports → Site history and each user's history."""
    actions.register_action(
        RESET_ACTION,
        "Reset two-factor authentication",
        "Two-factor authentication reset: authenticator and backup codes removed, signed out everywhere",
    )
    actions.register_action(
        REGENERATE_ACTION, "Regenerate backup codes", "New backup codes made; the old ones no longer work"
    )
    actions.register_action(BACKUP_CODE_USED_ACTION, "Sign in with a backup code", "Signed in with a backup code")
