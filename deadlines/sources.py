"""Where each deadline comes from: per kind of deadline, the rows still open for it, the stored
date its due date is computed from, who owns it and where it is done; and ``due_items``, which
merges them in due-date order a page at a time.

Due dates are computed in Python by ``deadlines.rules``; "due on or before X" is asked in SQL on
the stored start date through ``rules.latest_start``, so a query walks an index and agrees with
the rule at every boundary. Paging is by keyset, one cursor per kind: no COUNT, no OFFSET, one
query per kind whatever the number of rows.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    BigIntegerField,
    CharField,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse

from agencies.models import Agency, AgencyKind
from assessments.models import AssessmentState, AssessmentVersion
from cases.models import Case, CaseState, PlanAction, PlanActionStatus
from cases.permissions import cases_for_user, casework_access, with_visible_case
from consent.models import Consent
from deadlines import rules
from deadlines.models import DeadlineKind
from delivery.models import CaseReview
from meetings.models import (
    Forum,
    ForumInvitation,
    ForumState,
    InvitationKind,
    MeetingState,
    TacMeeting,
)
from referrals.models import Task, TaskState

# The kinds a person acts on, and the one the CAF team sees as information; archive and purge
# belong to retention.
ACTIONABLE_KINDS = (
    DeadlineKind.SUBMISSION,
    DeadlineKind.FIRST_TAC,
    DeadlineKind.REVIEW,
    DeadlineKind.CONSENT_RENEWAL,
    DeadlineKind.PLAN_ACTION,
    DeadlineKind.TASK,
    DeadlineKind.SPECIALIST_INVITATIONS,
)
WORKLIST_KINDS = tuple(k for k in ACTIONABLE_KINDS if k != DeadlineKind.SPECIALIST_INVITATIONS)
CAF_TEAM_KINDS = (*ACTIONABLE_KINDS, DeadlineKind.REOPEN_WINDOW)
# Reviews are due while the team around the child works with the family (R-REV-1).
REVIEWED_STATES = (CaseState.DELIVERY, CaseState.REVIEW)
OPEN_STATES = [s for s in CaseState.values if s not in (CaseState.CLOSED, CaseState.ARCHIVED)]
LIVE_ACTION_STATUSES = (
    PlanActionStatus.REQUESTED,
    PlanActionStatus.NOT_STARTED,
    PlanActionStatus.IN_PROGRESS,
)


def _on_the_day(day: date) -> date:
    """The rule of a row that stores its own due date (a plan action's "by when", a task's)."""
    return day


@dataclass(frozen=True)
class DeadlineItem:
    """One open deadline, as a worklist, the CAF team's page, the API and the reminders show
    it. ``owner_id`` is the person who acts; None when it waits in ``owner_agency_id``'s
    queue. ``link`` is a path in the service: it carries no case content (R-AUDIT-3)."""

    kind: str
    label: str
    due_on: date
    start_on: date
    source_id: int
    case_id: int | None
    case_reference: str
    child_name: str
    owner_id: int | None
    owner_name: str
    owner_agency_id: int | None
    owner_agency_name: str
    link: str
    overdue: bool
    # What to do, where the row says more than its kind: the action of a plan, the task asked.
    detail: str = ""

    @property
    def cursor_key(self) -> tuple[date, str, date, int]:
        return (self.due_on, self.kind, self.start_on, self.source_id)


@dataclass(frozen=True)
class Scope:
    """Whose deadlines: all of them (the jobs), a tenant's, those a user may see, those a
    person or an agency owns, in an area (the child's postcode district)."""

    tenant_id: int | None = None
    for_user: object | None = None
    owner_id: int | None = None
    # With ``owner_id``: also what waits, with no one named, in these agencies' queues.
    owner_agency_ids: tuple[int, ...] = ()
    agency_id: int | None = None
    area: str = ""


NULL_TEXT = Value(None, output_field=CharField())
NULL_ID = Value(None, output_field=BigIntegerField())


def _person(path: str) -> dict:
    return {
        "owner_ref": F(f"{path}_id"),
        "owner_first": F(f"{path}__first_name"),
        "owner_last": F(f"{path}__last_name"),
        "owner_username": F(f"{path}__username"),
    }


def _contact(case: str) -> dict:
    """The lead professional once agreed, the assessor until then (R-LP-1)."""
    return {
        "owner_ref": Coalesce(F(f"{case}lead_professional_id"), F(f"{case}assessor_id")),
        "owner_first": Coalesce(
            F(f"{case}lead_professional__first_name"), F(f"{case}assessor__first_name")
        ),
        "owner_last": Coalesce(
            F(f"{case}lead_professional__last_name"), F(f"{case}assessor__last_name")
        ),
        "owner_username": Coalesce(
            F(f"{case}lead_professional__username"), F(f"{case}assessor__username")
        ),
        "agency_ref": Coalesce(F(f"{case}lead_agency_id"), F(f"{case}assessor_agency_id")),
        "agency_name": Coalesce(F(f"{case}lead_agency__name"), F(f"{case}assessor_agency__name")),
    }


def _case(case: str) -> dict:
    return {
        "case_ref": F(f"{case}id") if case else F("pk"),
        "tenant_ref": F(f"{case}tenant_id"),
        "child_first": F(f"{case}child__given_name"),
        "child_last": F(f"{case}child__family_name"),
    }


def submission_rows(cases: QuerySet[Case]) -> QuerySet:
    """Signed or returned assessments not yet (re)submitted: 28 days from the latest
    completion (R-ASSESS-5), the assessor's."""
    latest_completion = Subquery(
        AssessmentVersion.objects.filter(assessment__case=OuterRef("pk"))
        .order_by("-number")
        .values("completed_on")[:1],
        output_field=DateField(),
    )
    return cases.filter(
        state__in=OPEN_STATES,
        assessment__state__in=(AssessmentState.SIGNED, AssessmentState.RETURNED),
    ).annotate(
        start_on=latest_completion,
        **_case(""),
        **_person("assessor"),
        agency_ref=F("assessor_agency_id"),
        agency_name=F("assessor_agency__name"),
    )


def first_tac_rows(cases: QuerySet[Case]) -> QuerySet:
    """Open cases with a completed assessment and no TAC held yet: 20 working days after the
    completion (R-TAC-1)."""
    held = TacMeeting.objects.filter(case=OuterRef("pk"), state=MeetingState.HELD)
    return (
        cases.filter(state__in=OPEN_STATES, assessment_completed_on__isnull=False)
        .filter(~Exists(held))
        .annotate(start_on=F("assessment_completed_on"), **_case(""), **_contact(""))
    )


def review_rows(cases: QuerySet[Case]) -> QuerySet:
    """Cases the team around the child works on: 3 months after the latest review, or after
    the first TAC held (R-REV-1), the lead professional's."""
    first_tac = Subquery(
        TacMeeting.objects.filter(case=OuterRef("pk"), state=MeetingState.HELD)
        .order_by("held_on")
        .values("held_on")[:1],
        output_field=DateField(),
    )
    last_review = Subquery(
        CaseReview.objects.filter(case=OuterRef("pk")).order_by("-held_on").values("held_on")[:1],
        output_field=DateField(),
    )
    return cases.filter(state__in=REVIEWED_STATES).annotate(
        start_on=Coalesce(last_review, first_tac), **_case(""), **_contact("")
    )


def reopen_rows(cases: QuerySet[Case]) -> QuerySet:
    """Closed CAFs inside their reopen window (R-CHECK-4): for the CAF team to know."""
    return cases.filter(state=CaseState.CLOSED, closed_on__isnull=False).annotate(
        start_on=F("closed_on"), **_case(""), **_contact("")
    )


def consent_rows(cases: QuerySet[Case]) -> QuerySet:
    """Consents in force on open cases: revisited with the family 2 years after signing
    (R-CONSENT-6), by the lead professional (the assessor until one is agreed)."""
    return Consent.objects.filter(withdrawn_on__isnull=True, case__state__in=OPEN_STATES).annotate(
        start_on=F("signed_on"), **_case("case__"), **_contact("case__")
    )


def plan_action_rows(cases: QuerySet[Case]) -> QuerySet:
    """Live actions of open cases' plans, due by their own "by when" (R-PLAN-1): their
    owner's, or the owning agency's queue."""
    return PlanAction.objects.filter(
        status__in=LIVE_ACTION_STATUSES, dropped_on__isnull=True, case__state__in=OPEN_STATES
    ).annotate(
        start_on=F("due_on"),
        **_case("case__"),
        **_person("owner_user"),
        agency_ref=F("owner_agency_id"),
        agency_name=F("owner_agency__name"),
    )


def task_rows(cases: QuerySet[Case]) -> QuerySet:
    """Open tasks on a case, with their due date: the person asked, or their agency's queue."""
    return Task.objects.filter(
        state=TaskState.OPEN, due_on__isnull=False, case__isnull=False
    ).annotate(
        start_on=F("due_on"),
        **_case("case__"),
        **_person("assigned_to"),
        agency_ref=F("assigned_agency_id"),
        agency_name=F("assigned_agency__name"),
    )


def specialist_rows(cases: QuerySet[Case]) -> QuerySet:
    """Scheduled forums with specialist invitations not yet sent: 2 weeks before the forum
    (R-MAF-4), in the queue of the tenant's CAF team (its coordinators)."""
    unsent = ForumInvitation.objects.filter(
        forum=OuterRef("pk"), kind=InvitationKind.SPECIALIST, sent_at__isnull=True
    )
    caf_team = Agency.objects.filter(
        tenant=OuterRef("tenant_id"), kind=AgencyKind.CAF_TEAM
    ).order_by("pk")
    return (
        Forum.objects.filter(state=ForumState.SCHEDULED)
        .filter(Exists(unsent))
        .annotate(
            start_on=F("held_on"),
            case_ref=NULL_ID,
            tenant_ref=F("tenant_id"),
            child_first=NULL_TEXT,
            child_last=NULL_TEXT,
            owner_ref=NULL_ID,
            owner_first=NULL_TEXT,
            owner_last=NULL_TEXT,
            owner_username=NULL_TEXT,
            agency_ref=Subquery(caf_team.values("pk")[:1]),
            agency_name=Subquery(caf_team.values("name")[:1]),
        )
    )


@dataclass(frozen=True)
class Source:
    """One kind of deadline: its open rows (annotated by the functions above), the rule from
    their ``start_on``, where the case is (for access), and where the work is done."""

    kind: DeadlineKind
    rule: Callable[[date], date]
    rows: Callable[[QuerySet[Case]], QuerySet]
    case_field: str | None  # "" for rows that are cases, None for rows without a case
    link: Callable[[object], str]
    caf_team_only: bool = False
    describe: Callable[[object], str] = lambda row: ""
    # A window that closes (reopening) is information until its last day, then gone.
    expires: bool = False

    def queryset(self, scope: Scope) -> QuerySet | None:
        """The open rows in ``scope``; None when the scope can see none of this kind."""
        cases = Case.objects.all()
        access = None
        if scope.for_user is not None:
            access = casework_access(scope.for_user)
            if access is None or (self.caf_team_only and not access.caf_team):
                return None
            if self.case_field == "":
                cases = cases_for_user(scope.for_user)
        rows = self.rows(cases)
        if access is not None and self.case_field:
            rows = with_visible_case(scope.for_user, rows, self.case_field)
        elif access is not None and self.case_field is None:
            rows = rows.filter(tenant_ref=access.tenant_id)
        if scope.tenant_id is not None:
            rows = rows.filter(tenant_ref=scope.tenant_id)
        if scope.owner_id is not None:
            rows = rows.filter(
                Q(owner_ref=scope.owner_id)
                | Q(owner_ref__isnull=True, agency_ref__in=scope.owner_agency_ids)
            )
        if scope.agency_id is not None:
            rows = rows.filter(agency_ref=scope.agency_id)
        if scope.area:
            if self.case_field is None:
                return None
            prefix = f"{self.case_field}__" if self.case_field else ""
            rows = rows.filter(**{f"{prefix}child__postcode__startswith": f"{scope.area} "})
        return rows.filter(start_on__isnull=False)

    def item(self, row, today: date) -> DeadlineItem:
        due = self.rule(row.start_on)
        owner = " ".join(p for p in (row.owner_first, row.owner_last) if p)
        return DeadlineItem(
            kind=str(self.kind.value),
            label=str(self.kind.label),
            due_on=due,
            start_on=row.start_on,
            source_id=row.pk,
            case_id=row.case_ref,
            case_reference=f"CAF-{row.case_ref:06d}" if row.case_ref else "",
            child_name=" ".join(p for p in (row.child_first, row.child_last) if p),
            owner_id=row.owner_ref,
            owner_name=owner or row.owner_username or "",
            owner_agency_id=row.agency_ref,
            owner_agency_name=row.agency_name or "",
            link=self.link(row),
            overdue=due < today,
            detail=self.describe(row),
        )


def _case_page(name: str = "cases:detail") -> Callable[[object], str]:
    return lambda row: reverse(name, args=[row.case_ref])


# Tasks answered on the task page itself, whatever their link points at (as the home list does).
ANSWERED_ON_THE_TASK_PAGE = frozenset({"join_request", "tier34_concern", "read_access"})


def _task_link(row) -> str:
    if row.link and row.kind not in ANSWERED_ON_THE_TASK_PAGE:
        return row.link
    return reverse("referrals:task", args=[row.pk])


SOURCES: dict[str, Source] = {
    source.kind.value: source
    for source in (
        Source(
            DeadlineKind.SUBMISSION,
            rules.submission_due,
            submission_rows,
            "",
            _case_page("assessments:submit"),
        ),
        Source(DeadlineKind.FIRST_TAC, rules.first_tac_due, first_tac_rows, "", _case_page()),
        Source(
            DeadlineKind.REVIEW,
            lambda since: rules.review_due(first_tac_held_on=since, last_review_on=None),
            review_rows,
            "",
            _case_page("delivery:reviews"),
        ),
        Source(
            DeadlineKind.CONSENT_RENEWAL,
            rules.consent_renewal_due,
            consent_rows,
            "case",
            _case_page(),
        ),
        Source(
            DeadlineKind.PLAN_ACTION,
            _on_the_day,
            plan_action_rows,
            "case",
            lambda row: reverse("delivery:plan_action", args=[row.pk]),
            describe=lambda row: row.action,
        ),
        Source(
            DeadlineKind.TASK,
            _on_the_day,
            task_rows,
            "case",
            _task_link,
            describe=lambda row: row.get_kind_display(),
        ),
        Source(
            DeadlineKind.SPECIALIST_INVITATIONS,
            rules.specialist_invitations_due,
            specialist_rows,
            None,
            lambda row: reverse("meetings:forum", args=[row.pk]),
            caf_team_only=True,
        ),
        Source(
            DeadlineKind.REOPEN_WINDOW,
            rules.reopen_until,
            reopen_rows,
            "",
            _case_page(),
            caf_team_only=True,
            expires=True,
        ),
    )
}


def rows_due(kind: str, *, due_by: date, scope: Scope | None = None) -> QuerySet | None:
    """The open rows of one kind due on or before ``due_by``, as a plain queryset (for the
    jobs, which lock and batch it themselves): each row has ``start_on``, ``case_ref``,
    ``tenant_ref``, ``owner_ref`` and ``agency_ref``; ``SOURCES[kind].item(row, today)``
    makes it a ``DeadlineItem``. None when ``scope`` can see none of this kind."""
    source = SOURCES[kind]
    rows = source.queryset(scope or Scope())
    if rows is None:
        return None
    return rows.filter(start_on__lte=rules.latest_start(source.rule, due_by))


@dataclass(frozen=True)
class Page:
    items: list[DeadlineItem]
    # The cursor of the next page (the last item's key), None on the last page.
    next_after: tuple[date, str, date, int] | None


def due_items(
    *,
    kinds: Iterable[str],
    due_by: date | None,
    today: date,
    tenant=None,
    for_user=None,
    owner=None,
    agency=None,
    area: str = "",
    due_from: date | None = None,
    after: tuple[date, str, date, int] | None = None,
    limit: int = 25,
) -> Page:
    """Open deadlines of ``kinds`` due on or before ``due_by`` (and on or after
    ``due_from``; no bound when None), soonest first, ordered by (due date, kind, start date,
    id), ``limit`` at a time from ``after`` (the previous page's ``next_after``).

    ``for_user`` limits them to cases the user may see (the CAF team: its tenant; anyone
    else: cases their agencies hold a grant on); ``owner`` to what a person owns or what
    waits, with no one named, in their agencies' queues; ``agency`` to what an agency
    owns; ``area`` to children in a postcode district (outward code, "LS6").
    One query per kind: each kind's rows are ordered by their start date, which orders them by
    due date since every rule is non-decreasing, and filtered on it with ``latest_start``."""
    scope = Scope(
        tenant_id=_pk(tenant),
        for_user=for_user,
        owner_id=_pk(owner),
        owner_agency_ids=_agencies_of(owner),
        agency_id=_pk(agency),
        area=normalise_area(area),
    )
    streams = []
    for kind in sorted(set(kinds)):
        source = SOURCES[kind]
        rows = source.queryset(scope)
        if rows is None:
            continue
        if due_by is not None:
            rows = rows.filter(start_on__lte=rules.latest_start(source.rule, due_by))
        lower = due_from
        if source.expires:
            lower = max(lower or today, today)
        if lower is not None:
            rows = rows.filter(start_on__gt=_latest_start_before(source.rule, lower))
        if after is not None:
            rows = rows.filter(_after(source, after))
        streams.append((source, rows.order_by("start_on", "pk")[: limit + 1]))
    merged = heapq.merge(
        *(_items(source, rows, today) for source, rows in streams),
        key=lambda item: item.cursor_key,
    )
    items = []
    for item in merged:
        items.append(item)
        if len(items) > limit:
            break
    more = len(items) > limit
    items = items[:limit]
    return Page(items=items, next_after=items[-1].cursor_key if more and items else None)


def _items(source: Source, rows: QuerySet, today: date) -> Iterator[DeadlineItem]:
    for row in rows:
        yield source.item(row, today)


def _latest_start_before(rule: Callable[[date], date], day: date) -> date:
    """Rows started after this are due on or after ``day``."""
    return rules.latest_start(rule, day - timedelta(days=1))


def _after(source: Source, after: tuple[date, str, date, int]) -> Q:
    """The rows of ``source`` after the cursor (due_on, kind, start_on, id), in SQL on the
    start date alone: exact because the rule is non-decreasing."""
    due_on, kind, start_on, pk = after
    kind_value = source.kind.value
    if kind_value < kind:
        return Q(start_on__gt=rules.latest_start(source.rule, due_on))
    if kind_value > kind:
        return Q(start_on__gt=_latest_start_before(source.rule, due_on))
    return Q(start_on__gt=start_on) | Q(start_on=start_on, pk__gt=pk)


def _agencies_of(owner) -> tuple[int, ...]:
    access = casework_access(owner) if owner is not None else None
    return access.agency_ids if access is not None else ()


def _pk(value) -> int | None:
    return getattr(value, "pk", value)


def normalise_area(area: str) -> str:
    """A postcode district as stored postcodes begin ("ls6" -> "LS6")."""
    return "".join((area or "").split()).upper()


# No stored date is outside these; the rules stay within the calendar for any day between.
CURSOR_EARLIEST = date(1900, 1, 1)
CURSOR_LATEST = date(9000, 12, 31)


def encode_cursor(key: tuple[date, str, date, int] | None) -> str:
    if key is None:
        return ""
    due_on, kind, start_on, pk = key
    return f"{due_on.isoformat()}.{kind}.{start_on.isoformat()}.{pk}"


def decode_cursor(text: str) -> tuple[date, str, date, int] | None:
    """The cursor of ``encode_cursor``; ValueError for anything else (a field error)."""
    if not text:
        return None
    parts = text.split(".")
    if len(parts) != 4 or parts[1] not in DeadlineKind.values:
        raise ValueError("not a cursor")
    pk = int(parts[3])
    if not 0 < pk < 2**63:
        raise ValueError("not a cursor")
    due_on, start_on = date.fromisoformat(parts[0]), date.fromisoformat(parts[2])
    # The rules add years and subtract days: a date at the calendar's ends overflows them.
    if not all(CURSOR_EARLIEST <= day <= CURSOR_LATEST for day in (due_on, start_on)):
        raise ValueError("not a cursor")
    return (due_on, parts[1], start_on, pk)
