"""Searching the audit trail.

A manager of the tenant's CAF team oversees the whole tenant's trail; a manager of any other
agency sees what was done for their own agencies, never what a member of theirs did while
acting for another agency (R-AUDIT-2). Entries about no child (sign-ins, staff records) are
scoped by the actor's memberships instead. Either way the manager needs the enhanced DBS check
that any case content needs (R-TEN-4).
"""

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from agencies.models import Agency, AgencyKind, User
from agencies.roles import managed_agency_ids
from audit.models import AccessAction, AccessLogEntry, ChangeLogEntry
from cases.models import Case

PAGE_SIZE = 50
# Access-log entries that show no child: an agency's managers see their staff's, whatever
# agency they acted for. A refused look-up names only the id that was asked for.
SCOPED_BY_MEMBERSHIP = [
    AccessAction.LOGIN,
    AccessAction.LOGIN_FAILED,
    AccessAction.LOGOUT,
    AccessAction.DENIED,
    AccessAction.AUDIT,
]


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def may_search_audit(user) -> bool:
    return bool(managed_agency_ids(user)) and user.has_dbs_check


def audit_scope_for(user) -> list[int] | None:
    """The agencies whose entries ``user`` may search, or None for the whole tenant."""
    managed = managed_agency_ids(user)
    if Agency.objects.filter(pk__in=managed, kind=AgencyKind.CAF_TEAM).exists():
        return None
    return managed


def audit_entries(
    *,
    tenant_id: int,
    scope_agency_ids: list[int] | None,
    log: str,
    username: str = "",
    case_id: int | None = None,
    agency_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet:
    """Entries of one log for one tenant, newest first, filtered as a manager asked."""
    if log == "changes":
        entries = ChangeLogEntry.objects.filter(tenant_id=tenant_id).select_related(
            "actor", "content_type"
        )
        time_field, user_field = "timestamp", "actor"
    else:
        entries = AccessLogEntry.objects.filter(tenant_id=tenant_id).select_related("user")
        time_field, user_field = "at", "user"
    if scope_agency_ids is not None:
        scoped_users = User.objects.filter(memberships__agency_id__in=scope_agency_ids)
        if log == "changes":
            about_no_child = Q(agency_id__isnull=True, case_id__isnull=True, child_id__isnull=True)
        else:
            about_no_child = Q(action__in=SCOPED_BY_MEMBERSHIP)
        entries = entries.filter(
            Q(agency_id__in=scope_agency_ids)
            | (about_no_child & Q(**{f"{user_field}__in": scoped_users}))
        )
    if username:
        if log == "changes":
            entries = entries.filter(actor__username=username)
        else:
            entries = entries.filter(username=username)
    if case_id is not None:
        child_id = (
            Case.objects.filter(pk=case_id, tenant_id=tenant_id)
            .values_list("child_id", flat=True)
            .first()
        )
        entries = entries.filter(
            Q(case_id=case_id) | Q(child_id=child_id) if child_id else Q(case_id=case_id)
        )
    if agency_id is not None:
        entries = entries.filter(**{f"{user_field}__memberships__agency_id": agency_id}).distinct()
    if date_from:
        entries = entries.filter(**{f"{time_field}__gte": _day_start(date_from)})
    if date_to:
        entries = entries.filter(**{f"{time_field}__lt": _day_start(date_to + timedelta(days=1))})
    return entries.order_by(f"-{time_field}", "-id")


def page_before(entries: QuerySet, *, log: str, cursor: str | None) -> tuple[list, str | None]:
    """One page of entries older than ``cursor`` (keyset paging: no count over millions of
    rows), and the cursor for the next page, if any."""
    time_field = "timestamp" if log == "changes" else "at"
    if cursor:
        try:
            stamp_text, id_text = cursor.rsplit("_", 1)
            stamp, last_id = datetime.fromisoformat(stamp_text), int(id_text)
        except ValueError:
            stamp = last_id = None
        if stamp is not None:
            entries = entries.filter(
                Q(**{f"{time_field}__lt": stamp}) | Q(**{time_field: stamp, "id__lt": last_id})
            )
    rows = list(entries[: PAGE_SIZE + 1])
    next_cursor = None
    if len(rows) > PAGE_SIZE:
        last = rows[PAGE_SIZE - 1]
        next_cursor = f"{getattr(last, time_field).isoformat()}_{last.pk}"
    return rows[:PAGE_SIZE], next_cursor
