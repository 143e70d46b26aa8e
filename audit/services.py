"""Writing the access log (R-AUDIT-1): every view, print, export, denial and failed login."""

from django.http import HttpRequest

from audit.context import client_ip
from audit.models import AccessAction, AccessLogEntry
from cafsite.validation import parse_id


def access_log_record(
    *,
    action: AccessAction,
    user=None,
    request: HttpRequest | None = None,
    case=None,
    case_id: int | str | None = None,
    child_id: int | None = None,
    tenant_id: int | None = None,
    agency_id: int | None = None,
    username: str = "",
    detail: str = "",
) -> AccessLogEntry:
    """Append one access-log row. ``case`` fills tenant, case and child; ids may be given alone
    for a look-up that found nothing (a denial names what was asked for). A ``case_id`` that
    cannot be a record id is kept, as typed, in the detail text: the id column cannot hold it.
    ``agency_id`` is the agency the user acted for, when the entry concerns a child; entries
    without one are seen only by the CAF team's managers."""
    if case is not None:
        case_id, child_id, tenant_id = case.pk, case.child_id, case.tenant_id
    elif case_id is not None and parse_id(case_id) is None:
        detail = f"case id asked for: {str(case_id)[:100]!r}; {detail}"
        case_id = None
    if user is not None and user.is_authenticated:
        username = username or user.get_username()
        tenant_id = tenant_id or user.tenant_id
    else:
        user = None
    entry = AccessLogEntry(
        action=action,
        user=user,
        username=username[:150],
        tenant_id=tenant_id,
        case_id=case_id,
        child_id=child_id,
        agency_id=agency_id,
        detail=detail[:500],
    )
    if request is not None:
        entry.method = request.method or ""
        entry.path = request.get_full_path()[:500]
        entry.ip = client_ip(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    entry.save()
    return entry
