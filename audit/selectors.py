"""Searching the audit trail.

A manager of the tenant's CAF team oversees the whole tenant's trail; a manager of any other
agency sees what was done for their own agencies, never what a member of theirs did while
acting for another agency (R-AUDIT-2). Entries about no child (sign-ins, staff records) are
scoped by the actor's memberships instead. Either way the manager needs the enhanced DBS check
that any case content needs (R-TEN-4).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Membership, User
from agencies.roles import managed_agency_ids
from audit.kinds import KINDS, content_type_ids
from audit.models import AccessAction, AccessLogEntry, ChangeLogEntry
from audit.trail import TrailEntry, describe_entries
from cases.models import Case

PAGE_SIZE = 50
# Rows read for each entry shown: an action's bookkeeping rows fold into it.
ROWS_PER_ENTRY = 3
# Access-log entries that show no child: an agency's managers see their staff's, whatever
# agency they acted for. A refused look-up names only the id that was asked for.
SCOPED_BY_MEMBERSHIP = [
    AccessAction.LOGIN,
    AccessAction.LOGIN_FAILED,
    AccessAction.SECOND_FACTOR_FAILED,
    AccessAction.LOGOUT,
    AccessAction.DENIED,
    AccessAction.AUDIT,
]


def day_start(day: date) -> datetime:
    """The first instant of ``day`` where the project's time zone is: date filters compare
    with it."""
    return timezone.make_aware(datetime.combine(day, time.min))


def may_search_audit(user) -> bool:
    return bool(managed_agency_ids(user)) and user.has_dbs_check


def audit_scope_or_404(user) -> list[int] | None:
    """``audit_scope_for`` for someone who may search the trail; Http404 for anyone else."""
    managed = managed_agency_ids(user)
    if not (managed and user.has_dbs_check):
        raise Http404
    return audit_scope_for(user, managed)


def audit_scope_for(user, managed: list[int] | None = None) -> list[int] | None:
    """The agencies whose entries ``user`` may search, or None for the whole tenant
    (``managed``: their managed agencies, when the caller has them already)."""
    managed = managed_agency_ids(user) if managed is None else managed
    if Agency.objects.filter(pk__in=managed, kind=AgencyKind.CAF_TEAM).exists():
        return None
    return managed


@dataclass(frozen=True)
class TrailSearch:
    """What a manager asked for; every field optional."""

    log: str = "all"  # "all", "changes" or "access"
    person_id: int | None = None
    agency_id: int | None = None
    case_id: int | None = None
    child_id: int | None = None
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def describe(self) -> str:
        """The filters in words, for the access log of a search or an export."""
        parts = [
            f"{name}={value}"
            for name, value in vars(self).items()
            if value and (name, value) != ("log", "all")
        ]
        return ", ".join(parts) or "no filters"


def people_in_scope(*, tenant_id: int, scope_agency_ids: list[int] | None) -> QuerySet:
    """The people a manager may pick: their agencies' staff, or the tenant's."""
    people = User.objects.filter(tenant_id=tenant_id)
    if scope_agency_ids is not None:
        people = people.filter(
            pk__in=Membership.objects.filter(agency_id__in=scope_agency_ids).values("user_id")
        )
    return people.order_by("last_name", "first_name", "username")


def _scoped(entries: QuerySet, *, log: str, scope_agency_ids: list[int] | None) -> QuerySet:
    if scope_agency_ids is None:
        return entries
    members = Membership.objects.filter(agency_id__in=scope_agency_ids).values("user_id")
    if log == "changes":
        about_no_child = Q(
            agency_id__isnull=True, case_id__isnull=True, child_id__isnull=True, actor__in=members
        )
    else:
        about_no_child = Q(action__in=SCOPED_BY_MEMBERSHIP, user__in=members)
    return entries.filter(Q(agency_id__in=scope_agency_ids) | about_no_child)


def trail_querysets(
    *, tenant_id: int, scope_agency_ids: list[int] | None, search: TrailSearch
) -> tuple[QuerySet | None, QuerySet | None]:
    """The change-log and access-log rows a manager's search covers (None: that log is not
    searched), unordered. Each filter is one indexed column: person, agency, child, kind
    (content type or action) and time; a case is its own rows and its child's."""
    change_rows = access_rows = None
    kind = KINDS.get(search.kind)
    if search.log in ("all", "changes") and (kind is None or kind.models):
        change_rows = ChangeLogEntry.objects.filter(tenant_id=tenant_id)
        change_rows = _scoped(change_rows, log="changes", scope_agency_ids=scope_agency_ids)
        if kind is not None:
            change_rows = change_rows.filter(content_type_id__in=content_type_ids(search.kind))
        if search.person_id is not None:
            change_rows = change_rows.filter(actor_id=search.person_id)
    if search.log in ("all", "access") and (kind is None or kind.actions):
        access_rows = AccessLogEntry.objects.filter(tenant_id=tenant_id)
        access_rows = _scoped(access_rows, log="access", scope_agency_ids=scope_agency_ids)
        if kind is not None:
            access_rows = access_rows.filter(action__in=kind.actions)
        if search.person_id is not None:
            access_rows = access_rows.filter(user_id=search.person_id)
    about = Q()
    if search.case_id is not None:
        child_id = (
            Case.objects.filter(pk=search.case_id, tenant_id=tenant_id)
            .values_list("child_id", flat=True)
            .first()
        )
        about = (
            Q(case_id=search.case_id) | Q(child_id=child_id)
            if child_id
            else Q(case_id=search.case_id)
        )
    if search.child_id is not None:
        about &= Q(child_id=search.child_id)
    if search.agency_id is not None:
        about &= Q(agency_id=search.agency_id)
    results = []
    for rows, time_field in ((change_rows, "timestamp"), (access_rows, "at")):
        if rows is not None:
            rows = rows.filter(about)
            if search.date_from:
                rows = rows.filter(**{f"{time_field}__gte": day_start(search.date_from)})
            if search.date_to:
                next_day = day_start(search.date_to + timedelta(days=1))
                rows = rows.filter(**{f"{time_field}__lt": next_day})
        results.append(rows)
    return results[0], results[1]


# Both logs in one order: newest first, changes before access at the same instant, then id.
LOG_RANK = {"changes": 1, "access": 0}


@dataclass(frozen=True)
class TrailCursor:
    at: datetime
    log: str
    pk: int

    @classmethod
    def parse(cls, text: str) -> "TrailCursor":
        """A cursor as ``TrailEntry.cursor`` writes it; ValueError for anything else."""
        stamp, log, pk = text.rsplit("_", 2)
        at = datetime.fromisoformat(stamp)
        if log not in LOG_RANK or timezone.is_naive(at):
            raise ValueError(text)
        return cls(at=at, log=log, pk=int(pk))

    def older(self, log: str) -> Q:
        """Rows of ``log`` after this cursor in the merged order (index friendly: time and
        id only)."""
        time_field = "timestamp" if log == "changes" else "at"
        rank, mine = LOG_RANK[self.log], LOG_RANK[log]
        if mine < rank:
            return Q(**{f"{time_field}__lte": self.at})
        if mine > rank:
            return Q(**{f"{time_field}__lt": self.at})
        # The redundant "at or before" bound lets PostgreSQL start the index scan at the
        # cursor; the OR alone made it walk from today (2.6 s a year deep at 10 million rows,
        # bench/reports_bench.py).
        return Q(**{f"{time_field}__lte": self.at}) & (
            Q(**{f"{time_field}__lt": self.at}) | Q(**{time_field: self.at, "pk__lt": self.pk})
        )


def _key(row) -> tuple:
    if isinstance(row, ChangeLogEntry):
        return (row.timestamp, LOG_RANK["changes"], row.pk)
    return (row.at, LOG_RANK["access"], row.pk)


def trail_page(
    change_rows: QuerySet | None,
    access_rows: QuerySet | None,
    *,
    cursor: TrailCursor | None = None,
    size: int = PAGE_SIZE,
    viewer=None,
) -> tuple[list[TrailEntry], str | None]:
    """One page of the trail in words, newest first, after ``cursor``; and the next page's
    cursor, if there is one. Two queries for the rows (one a log) and five for the names,
    whatever the page: no count, no offset.

    Rows of one action fold into one entry, so more rows than entries are read: a page reads
    up to ``size * ROWS_PER_ENTRY`` rows of each log and only keeps what is surely complete.
    ``viewer``: the manager reading, from whom entries about cases their agencies cannot see
    keep only who did what kind of thing, and when (``audit.trail.describe_entries``)."""
    limit = size * ROWS_PER_ENTRY
    fetched, boundaries = [], []
    for rows, log, time_field in (
        (change_rows, "changes", "timestamp"),
        (access_rows, "access", "at"),
    ):
        if rows is None:
            continue
        if cursor is not None:
            rows = rows.filter(cursor.older(log))
        got = list(rows.order_by(f"-{time_field}", "-pk")[: limit + 1])
        if len(got) > limit:
            got = got[:limit]
            boundaries.append(_key(got[-1]))
        fetched.extend(got)
    fetched.sort(key=_key, reverse=True)
    truncated = bool(boundaries)
    if truncated:
        # Past the oldest row read of a log with more rows, the other log may run ahead.
        boundary = max(boundaries)
        fetched = [row for row in fetched if _key(row) >= boundary]
    entries = describe_entries(fetched, viewer=viewer)
    if truncated:
        # The last action may go on past the rows read: it starts the next page.
        last = entries[-1].cursor
        kept = [entry for entry in entries if entry.cursor != last]
        entries = kept or entries
    if len(entries) > size:
        # The entries of one action stay on one page.
        end = size
        while end < len(entries) and entries[end].cursor == entries[size - 1].cursor:
            end += 1
        if end < len(entries):
            return entries[:end], entries[end - 1].cursor
    if truncated:
        return entries, entries[-1].cursor
    return entries, None
