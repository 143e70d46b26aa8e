"""What the page's timeout warning needs to know (static/js/session-timeout.mjs)."""

from django.conf import settings
from django.contrib.auth import SESSION_KEY

from security.services import session_signed_out_at


def session_timeout(request) -> dict:
    session = getattr(request, "session", None)
    if session is None or SESSION_KEY not in session:
        return {}
    signed_out_at = session_signed_out_at(session)
    return {
        "session_timeout": {
            "idle_seconds": settings.SESSION_COOKIE_AGE,
            "warning_seconds": settings.SESSION_WARNING_SECONDS,
            # Epoch seconds; none for a session signed in during this very request.
            "signed_out_at": int(signed_out_at.timestamp()) if signed_out_at else "",
        }
    }
