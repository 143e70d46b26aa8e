"""Sessions and API tokens of one member of staff (ASVS 3.3, 3.5).

Each person manages only their own: every function takes the acting user and touches nothing
of anyone else's. A token or session of another user is "not found", as everywhere else.
"""

import time
from datetime import UTC, datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from knox.models import AuthToken

from audit.context import client_ip
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.errors import CafError
from security.models import StaffSession

# Keys this app keeps in the session.
SIGNED_IN_AT = "security_signed_in_at"  # epoch seconds: when the absolute lifetime started
RECORDED_AT = "security_recorded_at"  # epoch seconds: when StaffSession was last brought up to date
RECORDED_KEY = "security_recorded_key"  # the session key StaffSession has
# The record is brought up to date at most this often: "last active" to the minute is enough.
RECORD_EVERY_SECONDS = 60


class SecurityError(CafError):
    pass


def session_signed_out_at(session) -> datetime | None:
    """When the session ends whatever its owner does: the absolute lifetime (ASVS 3.3.1)."""
    started = session.get(SIGNED_IN_AT)
    if started is None:
        return None
    return datetime.fromtimestamp(started + settings.SESSION_ABSOLUTE_SECONDS, tz=UTC)


def staff_session_touch(*, request: HttpRequest) -> None:
    """Starts the absolute lifetime of a new signed-in session and records it; afterwards
    keeps its record's last activity and key (sign-in and password changes rotate the key)
    current, writing at most once a minute."""
    session = request.session
    user = request.user
    if not user.is_authenticated:
        return
    now = time.time()
    if SIGNED_IN_AT not in session:
        session[SIGNED_IN_AT] = now
    rekeyed = session.get(RECORDED_KEY) != session.session_key
    if not rekeyed and now - session.get(RECORDED_AT, 0) < RECORD_EVERY_SECONDS:
        return
    if session.session_key is None:
        session.save()
    moment = timezone.now()
    signed_in_at = datetime.fromtimestamp(session[SIGNED_IN_AT], tz=UTC)
    with transaction.atomic():
        previous = session.get(RECORDED_KEY)
        record = None
        if previous:
            record = StaffSession.objects.filter(user=user, session_key=previous).first()
        if record is None:
            record = StaffSession.objects.filter(session_key=session.session_key).first()
        if record is None:
            _forget_ended_sessions(user)
            try:
                with transaction.atomic():
                    StaffSession.objects.create(
                        user=user,
                        session_key=session.session_key,
                        signed_in_at=signed_in_at,
                        last_active_at=moment,
                        ip_address=client_ip(request),
                        user_agent=request.headers.get("User-Agent", "")[:300],
                    )
            except IntegrityError:
                pass  # a simultaneous request of the same session recorded it first
        else:
            record.session_key = session.session_key
            record.last_active_at = moment
            record.ip_address = client_ip(request)
            record.save(update_fields=["session_key", "last_active_at", "ip_address"])
    session[RECORDED_KEY] = session.session_key
    session[RECORDED_AT] = now


def staff_session_forget(*, session_key: str | None) -> None:
    """Removes the record of a session that has ended (signed out, or past its lifetime)."""
    if session_key:
        StaffSession.objects.filter(session_key=session_key).delete()


def _forget_ended_sessions(user) -> None:
    now = timezone.now()
    StaffSession.objects.filter(user=user).filter(
        last_active_at__lt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    ).delete()
    StaffSession.objects.filter(user=user).filter(
        signed_in_at__lt=now - timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS)
    ).delete()


def staff_sessions_for(user) -> list[StaffSession]:
    """The user's sessions that can still be used, most recently active first."""
    now = timezone.now()
    return list(
        StaffSession.objects.filter(
            user=user,
            last_active_at__gte=now - timedelta(seconds=settings.SESSION_COOKIE_AGE),
            signed_in_at__gte=now - timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS),
        ).order_by("-last_active_at")
    )


def staff_session_end(*, session_id: int, by, request: HttpRequest | None = None) -> None:
    """Signs out one of the acting user's own sessions on whatever computer it is: its next
    request finds no session. Another user's is not found (``StaffSession.DoesNotExist``)."""
    with transaction.atomic():
        record = StaffSession.objects.select_for_update().get(pk=session_id, user=by)
        import_module(settings.SESSION_ENGINE).SessionStore(session_key=record.session_key).delete()
        record.delete()
        access_log_record(
            action=AccessAction.LOGOUT,
            user=by,
            request=request,
            detail=f"Ended their session from {record.ip_address or 'an unknown address'}, "
            f"signed in {timezone.localtime(record.signed_in_at):%d/%m/%Y %H:%M}",
        )


def staff_sessions_end_others(*, by, request: HttpRequest) -> int:
    """Signs out every other session of the acting user (a shared computer left signed in),
    keeping the one making the request. Returns how many ended."""
    others = [
        record.pk
        for record in staff_sessions_for(by)
        if record.session_key != request.session.session_key
    ]
    for session_id in others:
        try:
            staff_session_end(session_id=session_id, by=by, request=request)
        except StaffSession.DoesNotExist:
            continue  # ended meanwhile
    return len(others)


def api_token_issue(*, by, request: HttpRequest | None = None) -> tuple[AuthToken, str]:
    """A new API token for the acting user, expiring after the configured lifetime; only its
    hash is stored, so the token itself is returned once, to be shown once (ASVS 3.5)."""
    with transaction.atomic():
        live = AuthToken.objects.select_for_update().filter(user=by, expiry__gt=timezone.now())
        if len(live) >= settings.API_TOKEN_LIMIT_PER_USER:
            raise SecurityError(
                f"You already have {settings.API_TOKEN_LIMIT_PER_USER} API tokens. "
                "Revoke one you no longer use first."
            )
        token, secret = AuthToken.objects.create(user=by)
        access_log_record(
            action=AccessAction.API_TOKEN_ISSUED,
            user=by,
            request=request,
            detail=f"Token starting {token.token_key[:8]}, expires {token.expiry:%d/%m/%Y}",
        )
    return token, secret


def api_tokens_for(user) -> list[AuthToken]:
    """The user's tokens that still work, soonest to expire first."""
    return list(AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("expiry"))


def api_token_revoke(*, token_key: str, by, request: HttpRequest | None = None) -> None:
    """Ends one of the acting user's tokens at once. Another user's is not found."""
    with transaction.atomic():
        deleted, _ = AuthToken.objects.filter(user=by, token_key=token_key).delete()
        if not deleted:
            raise AuthToken.DoesNotExist
        access_log_record(
            action=AccessAction.API_TOKEN_REVOKED,
            user=by,
            request=request,
            detail=f"Token starting {token_key[:8]} revoked",
        )


def api_tokens_end_all(*, user) -> None:
    """Ends every API token of the user: called whenever their password changes."""
    with transaction.atomic():
        deleted, _ = AuthToken.objects.filter(user=user).delete()
        if deleted:
            access_log_record(
                action=AccessAction.API_TOKEN_REVOKED,
                user=user,
                detail=f"{deleted} token(s) ended by a password change",
            )
