"""A case's whole history and a person's activity: both logs merged, newest first (R-AUDIT-1).

Each page reads at most ``size + 1`` rows from each stream (a log filtered on one indexed
column: ``changelog_case_time``, ``accesslog_case_time``, the child's, the actor's or the
user's) after a cursor ``(at, log, pk)``, and merges them in Python: no COUNT, no OFFSET, the
same number of queries whatever the length of the history. The streams of a page never
overlap (an entry is about the case, or about the child and no case), so nothing is repeated.

A case's history holds the entries about the case and those about its child's record alone
(a corrected date of birth: no case column).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet

from agencies.models import User
from audit.kinds import KINDS
from audit.models import AccessAction, AccessLogEntry, ChangeLogEntry
from audit.selectors import SCOPED_BY_MEMBERSHIP, day_start
from cases.models import Case

PAGE_SIZE = 50
CHANGES, ACCESS = "changes", "access"


class Kind(models.TextChoices):
    ACCESS = "access", "Views, prints and exports"
    CHANGES = "changes", "Changes"
    SHARING = "sharing", "Consent and sharing decisions"
    REFUSED = "refused", "Refused look-ups"
    SIGN_INS = "sign_ins", "Sign-ins and sign-outs"


CASE_KINDS = [Kind.ACCESS, Kind.CHANGES, Kind.SHARING]

# The trail's own kinds (audit.kinds) where the history's are the same.
ACTIONS_OF_KIND = {
    Kind.ACCESS: [*KINDS["viewed"].actions, *KINDS["printed"].actions, *KINDS["exported"].actions],
    Kind.REFUSED: KINDS["refused"].actions,
    Kind.SIGN_INS: KINDS["sign_ins"].actions,
}

# Consent, its agencies and grants, refusals, sharing decisions, and the permission rows that
# carry them out: what a reader of the history calls sharing decisions (R-CONSENT-8).
SHARING_MODELS = [
    ("consent", "consent"),
    ("consent", "consentagency"),
    ("consent", "consentgrant"),
    ("consent", "consentrefusal"),
    ("consent", "sharingdecision"),
    ("cases", "casegroupobjectpermission"),
    ("cases", "caseuserobjectpermission"),
]


def _sharing_type_ids() -> list[int]:
    return [
        ContentType.objects.get_for_model(apps.get_model(app, model)).pk
        for app, model in SHARING_MODELS
    ]


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: entries are ordered by (at, log, pk), newest first."""

    at: datetime
    log: str
    pk: int

    def encode(self) -> str:
        return f"{self.at.isoformat()}_{self.log}_{self.pk}"

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        """The cursor written by ``encode``; ValueError for anything else."""
        stamp, log, pk = text.split("_")
        at = datetime.fromisoformat(stamp)
        if at.tzinfo is None or log not in (CHANGES, ACCESS):
            raise ValueError("not a cursor")
        number = int(pk)
        if not 0 < number < 2**63:
            raise ValueError("not a cursor")
        return cls(at=at, log=log, pk=number)


@dataclass
class Page:
    entries: list  # ChangeLogEntry and AccessLogEntry rows, newest first
    next_cursor: Cursor | None


@dataclass(frozen=True)
class _Stream:
    log: str
    rows: QuerySet

    @property
    def time_field(self) -> str:
        return "timestamp" if self.log == CHANGES else "at"


def _key(entry) -> tuple:
    if isinstance(entry, ChangeLogEntry):
        return (entry.timestamp, CHANGES, entry.pk)
    return (entry.at, ACCESS, entry.pk)


def _after(stream: _Stream, cursor: Cursor | None) -> QuerySet:
    rows = stream.rows.order_by(f"-{stream.time_field}", "-pk")
    if cursor is None:
        return rows
    at = stream.time_field
    if stream.log == cursor.log:
        # The plain bound lets PostgreSQL start the index scan at the cursor.
        return rows.filter(**{f"{at}__lte": cursor.at}).filter(
            Q(**{f"{at}__lt": cursor.at}) | Q(**{at: cursor.at, "pk__lt": cursor.pk})
        )
    # At the cursor's instant, "changes" sort before "access" (newest first, log descending).
    if stream.log < cursor.log:
        return rows.filter(**{f"{at}__lte": cursor.at})
    return rows.filter(**{f"{at}__lt": cursor.at})


def _merged_page(streams: list[_Stream], cursor: Cursor | None, size: int) -> Page:
    """One query per stream, each on its own index, merged."""
    rows = []
    for stream in streams:
        rows += list(_after(stream, cursor)[: size + 1])
    rows.sort(key=_key, reverse=True)
    page = rows[:size]
    more = len(rows) > size
    return Page(entries=page, next_cursor=Cursor(*_key(page[-1])) if more else None)


def _within(stream: _Stream, date_from: date | None, date_to: date | None) -> _Stream:
    rows = stream.rows
    if date_from:
        rows = rows.filter(**{f"{stream.time_field}__gte": day_start(date_from)})
    if date_to:
        rows = rows.filter(**{f"{stream.time_field}__lt": day_start(date_to + timedelta(1))})
    return _Stream(stream.log, rows)


def _of_kind(changes: QuerySet, access: QuerySet, kinds: list[str]) -> list[_Stream]:
    """The change-log and access-log streams for the kinds asked for."""
    streams = []
    if Kind.CHANGES in kinds or Kind.SHARING in kinds:
        if Kind.CHANGES not in kinds:
            changes = changes.filter(content_type_id__in=_sharing_type_ids())
        elif Kind.SHARING not in kinds:
            changes = changes.exclude(content_type_id__in=_sharing_type_ids())
        streams.append(_Stream(CHANGES, changes.select_related("actor", "content_type")))
    actions = [action for kind in kinds for action in ACTIONS_OF_KIND.get(kind, [])]
    if actions:
        streams.append(_Stream(ACCESS, access.filter(action__in=actions).select_related("user")))
    return streams


def case_history(
    case: Case,
    *,
    kinds: list[str] | None = None,
    with_refusals: bool = False,
    refusal_scope: list[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    cursor: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """Every view, print, export, change and sharing decision about ``case`` and about its
    child's own record, newest first. Refused look-ups of the case only ``with_refusals`` (for
    managers: who probed it), those by members of ``refusal_scope``'s agencies unless None."""
    allowed = CASE_KINDS + ([Kind.REFUSED] if with_refusals else [])
    kinds = [kind for kind in (kinds or allowed) if kind in allowed]
    about_case = {"tenant_id": case.tenant_id, "case_id": case.pk}
    about_child = {"tenant_id": case.tenant_id, "child_id": case.child_id, "case_id": None}
    access = AccessLogEntry.objects.filter(**about_case)
    if refusal_scope is not None:
        access = access.filter(
            ~Q(action=AccessAction.DENIED)
            | Q(user__in=User.objects.filter(memberships__agency_id__in=refusal_scope))
        )
    streams = _of_kind(
        ChangeLogEntry.objects.filter(**about_case),
        access,
        kinds,
    ) + _of_kind(
        ChangeLogEntry.objects.filter(**about_child),
        AccessLogEntry.objects.filter(**about_child),
        [kind for kind in kinds if kind != Kind.REFUSED],
    )
    streams = [_within(stream, date_from, date_to) for stream in streams]
    return _merged_page(streams, cursor, size)


def person_activity(
    person: User,
    *,
    tenant_id: int,
    scope_agency_ids: list[int] | None,
    kinds: list[str] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    cursor: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """What ``person`` did, newest first, as a manager of ``scope_agency_ids`` (None: the
    whole tenant) may see it: what they did for those agencies, and their sign-ins and
    refusals (audit.selectors scopes the search alike)."""
    changes = ChangeLogEntry.objects.filter(tenant_id=tenant_id, actor=person)
    access = AccessLogEntry.objects.filter(tenant_id=tenant_id, user=person)
    if scope_agency_ids is not None:
        changes = changes.filter(
            Q(agency_id__in=scope_agency_ids)
            | Q(agency_id__isnull=True, case_id__isnull=True, child_id__isnull=True)
        )
        access = access.filter(
            Q(agency_id__in=scope_agency_ids) | Q(action__in=SCOPED_BY_MEMBERSHIP)
        )
    if kinds:
        streams = _of_kind(changes, access, kinds)
    else:
        streams = [
            _Stream(CHANGES, changes.select_related("actor", "content_type")),
            _Stream(ACCESS, access.select_related("user")),
        ]
    streams = [_within(stream, date_from, date_to) for stream in streams]
    return _merged_page(streams, cursor, size)
