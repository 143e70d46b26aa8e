"""The second factor at sign-in (ASVS 2.2, 2.8): a time-based code from an authenticator app
(TOTP, django-otp), with single-use recovery codes for a lost phone.

Required of everyone who sees across agencies or administers them (CAF coordinators, managers,
MAF chairs, tenant administrators, platform operators); offered to every practitioner, and
once set up it is asked for at every sign-in. ``SecondFactorMiddleware`` holds a session that
has passed the password but not the code to the pages that complete it.
"""

import re
from collections.abc import Callable

import segno
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Membership, Role, User
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.errors import CafError

ROLES_REQUIRING_SECOND_FACTOR = frozenset(
    {Role.CAF_COORDINATOR, Role.MANAGER, Role.MAF_CHAIR, Role.TENANT_ADMIN}
)
RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


class SecondFactorError(CafError):
    pass


def second_factor_required(user: User) -> bool:
    """Whether the user's roles oblige them to use a second factor, set up or not."""
    return (
        user.is_superuser
        or user.memberships.filter(role__in=ROLES_REQUIRING_SECOND_FACTOR).exists()
    )


def authenticator_of(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def second_factor_needed(user: User) -> bool:
    """Whether a session of ``user`` must pass the second factor: required by role, or chosen.
    Asked by the middleware and the page's navigation: answered once per request."""
    if not hasattr(user, "_second_factor_needed"):
        # One query for both questions: this is asked on every page a practitioner opens.
        user._second_factor_needed = user.is_superuser or (
            User.objects.filter(pk=user.pk)
            .filter(
                Exists(
                    Membership.objects.filter(
                        user=OuterRef("pk"), role__in=ROLES_REQUIRING_SECOND_FACTOR
                    )
                )
                | Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
            )
            .exists()
        )
    return user._second_factor_needed


def after_password_url(user: User, next_url: str) -> str | None:
    """Where a session goes once the password is right, if it still owes a second factor."""
    if authenticator_of(user) is not None:
        name = "two_factor_verify"
    elif second_factor_required(user):
        name = "two_factor_set_up"
    else:
        return None
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _finish(request: HttpRequest, device) -> None:
    # A new session key for the raised privilege, as at the password step.
    request.session.cycle_key()
    otp_login(request, device)


def second_factor_verify(*, request: HttpRequest, code: str) -> None:
    """Complete sign-in with a code from the app or one recovery code (used up by this).

    Raises SecondFactorError on a wrong code or while repeated wrong codes are throttled
    (1, 2, 4, 8... seconds); every wrong code is in the access log."""
    user = request.user
    code = re.sub(r"[\s-]", "", code).lower()
    with transaction.atomic():
        if re.fullmatch(r"\d{6}", code):
            devices = TOTPDevice.objects.filter(user=user, confirmed=True)
        else:
            devices = StaticDevice.objects.filter(user=user, confirmed=True)
        device = devices.select_for_update().first()
        if device is not None:
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                raise SecondFactorError(
                    "Too many wrong codes. Wait a minute, then enter a new code.", field="code"
                )
            if device.verify_token(code):
                _finish(request, device)
                return
    access_log_record(action=AccessAction.SECOND_FACTOR_FAILED, user=user, request=request)
    raise SecondFactorError(
        "Enter the 6-digit code shown in your authenticator app, or one of your recovery codes.",
        field="code",
    )


def authenticator_pending(*, user: User) -> TOTPDevice:
    """The authenticator being set up: a new secret, kept until the user proves they hold it."""
    if authenticator_of(user) is not None:
        raise SecondFactorError("Your authenticator app is already set up.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def authenticator_confirm(*, request: HttpRequest, code: str) -> list[str]:
    """Finish setting up the app with its first code; the session counts as verified and the
    user gets their recovery codes, returned here to be shown once."""
    user = request.user
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-pk")
            .first()
        )
        if device is None or authenticator_of(user) is not None:
            raise SecondFactorError("Start setting up your authenticator app again.")
        if not device.verify_token(re.sub(r"\s", "", code)):
            raise SecondFactorError(
                "Enter the 6-digit code your authenticator app shows now.", field="code"
            )
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = _new_recovery_codes(user)
    _finish(request, device)
    return codes


def recovery_codes_renew(*, user: User) -> list[str]:
    """Replace the user's recovery codes with a new set (the old ones stop working)."""
    if authenticator_of(user) is None:
        raise SecondFactorError("Set up your authenticator app first.")
    with transaction.atomic():
        return _new_recovery_codes(user)


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def authenticator_secret(device: TOTPDevice) -> str:
    """The secret as typed into an app by hand: base32, in groups of four."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def authenticator_qr_code(device: TOTPDevice) -> str:
    """A data URI of the QR code an app scans (an image: the page needs no script)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


# Views a session that owes a second factor may reach: completing it, or leaving.
_OPEN_BEFORE_SECOND_FACTOR = {"two_factor_verify", "two_factor_set_up", "logout"}


class SecondFactorMiddleware:
    """A session that passed the password but not the second factor is signed in to nothing
    else: pages send it to the code (or to set up the app), and the API treats it as not signed
    in. Must come after django-otp's OTPMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified() or not second_factor_needed(user):
            return None
        if request.path_info.startswith("/api/"):
            request.user = AnonymousUser()
            return None
        if request.resolver_match.view_name in _OPEN_BEFORE_SECOND_FACTOR:
            return None
        return redirect(after_password_url(user, request.get_full_path()))
