"""Pages where a member of staff manages their own sessions and API tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from knox.models import AuthToken
from knox.settings import knox_settings
from ua_parser import parse as parse_user_agent

from security import services
from security.models import StaffSession


def _device(user_agent: str) -> str:
    """'Firefox on Windows' from a User-Agent header, for people to recognise their devices."""
    parsed = parse_user_agent(user_agent)
    browser = parsed.user_agent.family if parsed.user_agent else "Unknown browser"
    system = parsed.os.family if parsed.os else None
    return f"{browser} on {system}" if system and system != "Other" else browser


@login_required
def session_list(request):
    sessions = services.staff_sessions_for(request.user)
    current = request.session.session_key
    rows = [
        {
            "session": session,
            "device": _device(session.user_agent),
            "is_current": session.session_key == current,
        }
        for session in sessions
    ]
    return render(
        request,
        "security/sessions.html",
        {
            "rows": rows,
            "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
            "absolute_hours": settings.SESSION_ABSOLUTE_SECONDS // 3600,
        },
    )


@login_required
@require_POST
def session_end(request, pk: int):
    if StaffSession.objects.filter(
        pk=pk, user=request.user, session_key=request.session.session_key
    ).exists():
        # This browser's own session: that is signing out.
        return redirect("security:sessions")
    try:
        services.staff_session_end(session_id=pk, by=request.user, request=request)
    except StaffSession.DoesNotExist as missing:
        raise Http404 from missing
    messages.success(request, "That session has ended. Whoever used it must sign in again.")
    return redirect("security:sessions")


@login_required
@require_POST
def sessions_end_others(request):
    ended = services.staff_sessions_end_others(by=request.user, request=request)
    if ended:
        messages.success(request, "Every other session has ended. You are signed in only here.")
    return redirect("security:sessions")


@login_required
@require_POST
def session_extend(request):
    """ "Stay signed in": this request has already restarted the idle time (the session is saved
    on every request); the absolute lifetime is left as it is."""
    signed_out_at = services.session_signed_out_at(request.session)
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {
                "idle_seconds": request.session.get_expiry_age(),
                "signed_out_at": int(signed_out_at.timestamp()) if signed_out_at else None,
            }
        )
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "home"
    return redirect(next_url)


@login_required
def api_tokens(request):
    issued = None
    if request.method == "POST":
        try:
            _, issued = services.api_token_issue(by=request.user, request=request)
        except services.SecurityError as error:
            messages.error(request, error.message)
            return redirect("security:api_tokens")
    return render(
        request,
        "security/api_tokens.html",
        {
            "tokens": services.api_tokens_for(request.user),
            "issued": issued,
            "token_days": knox_settings.TOKEN_TTL.days,
        },
    )


@login_required
@require_POST
def api_token_revoke(request):
    try:
        services.api_token_revoke(
            token_key=request.POST.get("token", ""), by=request.user, request=request
        )
    except AuthToken.DoesNotExist as missing:
        raise Http404 from missing
    messages.success(request, "The API token has been revoked. It no longer works.")
    return redirect("security:api_tokens")
