"""Reading reviews and closures: when a case's next review is due (R-REV-1), its reviews, and
its standing closure (R-CLOSE-1, R-CHECK-4). Callers have already checked the user sees the
case; lists go through ``cases_for_user``."""

from dataclasses import dataclass
from datetime import date

from django.db.models import DateField, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import Case, CaseState, PlanAction, PlanActionStatus
from cases.permissions import cases_for_user
from deadlines.rules import review_due
from delivery.models import CaseClosure, CaseReview
from meetings.models import MeetingState, TacMeeting

# Reviews are due while the team around the child works with the family.
REVIEWED_STATES = (CaseState.DELIVERY, CaseState.REVIEW)


def _first_tac_on(case_ref) -> Subquery:
    return Subquery(
        TacMeeting.objects.filter(case=case_ref, state=MeetingState.HELD)
        .order_by("held_on")
        .values("held_on")[:1],
        output_field=DateField(),
    )


def _last_review_on(case_ref) -> Subquery:
    return Subquery(
        CaseReview.objects.filter(case=case_ref).order_by("-held_on").values("held_on")[:1],
        output_field=DateField(),
    )


def with_review_dates(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate a list query of cases with ``first_tac_on`` and ``last_review_on`` (for
    ``review_due_of``): subqueries in the list's own query, no query more."""
    return cases.annotate(
        first_tac_on=_first_tac_on(OuterRef("pk")), last_review_on=_last_review_on(OuterRef("pk"))
    )


def review_due_of(case: Case) -> date | None:
    """When ``case``'s next review is due; None unless the team around the child is working
    (a held TAC, the case open). Uses the annotations of ``with_review_dates`` when present,
    otherwise two small queries."""
    if case.state not in REVIEWED_STATES:
        return None
    if hasattr(case, "first_tac_on"):
        first, last = case.first_tac_on, case.last_review_on
    else:
        dates = TacMeeting.objects.filter(case=case, state=MeetingState.HELD).aggregate(
            first=Min("held_on")
        )
        first = dates["first"]
        last = CaseReview.objects.filter(case=case).aggregate(last=Max("held_on"))["last"]
    return review_due(first_tac_held_on=first, last_review_on=last)


def reviews_due_for(user, limit: int) -> list[Case]:
    """The cases ``user`` leads or assessed whose review is due soonest, each with
    ``review_due`` set: one query, however many cases (the home worklist)."""
    cases = (
        with_review_dates(
            cases_for_user(user).filter(
                Q(lead_professional=user) | Q(assessor=user), state__in=REVIEWED_STATES
            )
        )
        .filter(first_tac_on__isnull=False)
        .select_related("child")
        # Ordering by the date the 3 months run from orders by the due date.
        .order_by(Coalesce(F("last_review_on"), F("first_tac_on")), "pk")[:limit]
    )
    shown = list(cases)
    for case in shown:
        case.review_due = review_due_of(case)
    return shown


def held_meetings_of(case: Case) -> list[TacMeeting]:
    """The case's held TAC meetings, latest first: where a review or closure was agreed."""
    return list(
        TacMeeting.objects.filter(case=case, state=MeetingState.HELD).order_by("-held_on", "-pk")
    )


def live_plan_actions(case: Case) -> list[PlanAction]:
    """The actions a review reports progress on: neither dropped nor declined."""
    return list(
        PlanAction.objects.filter(case=case, dropped_on__isnull=True)
        .exclude(status=PlanActionStatus.DECLINED)
        .select_related("owner_agency", "owner_user")
    )


def reviews_of(case: Case) -> list[CaseReview]:
    """Every review of ``case``, latest first, with its progress per action."""
    return list(
        CaseReview.objects.filter(case=case)
        .select_related("recorded_by", "meeting", "assessment_version")
        .prefetch_related("progress__plan_action")
    )


def standing_closure(case: Case) -> CaseClosure | None:
    """The closure that holds now (not undone by a reopening), if the case is closed."""
    return (
        CaseClosure.objects.filter(case=case, reopened_on__isnull=True)
        .select_related("closed_by", "meeting")
        .first()
    )


@dataclass
class DeliveryStanding:
    """What the case page shows of reviews and closure."""

    review_due: date | None
    review_overdue: bool
    last_review: CaseReview | None
    closure: CaseClosure | None
    reopen_until: date | None
    can_reopen: bool


def delivery_standing(case: Case, meetings: list[TacMeeting]) -> DeliveryStanding:
    """For the case page, given its TAC meetings already read: one query (the latest review
    of an open case, or the standing closure of a closed one)."""
    held = [m.held_on for m in meetings if m.state == MeetingState.HELD and m.held_on]
    last_review, closure, due = None, None, None
    if case.state == CaseState.CLOSED:
        closure = standing_closure(case)
    elif case.is_open:
        last_review = CaseReview.objects.filter(case=case).order_by("-held_on", "-pk").first()
    if case.state in REVIEWED_STATES:
        due = review_due(
            first_tac_held_on=min(held) if held else None,
            last_review_on=last_review and last_review.held_on,
        )
    return DeliveryStanding(
        review_due=due,
        review_overdue=due is not None and due < timezone.localdate(),
        last_review=last_review,
        closure=closure,
        reopen_until=case.reopen_until,
        can_reopen=case.can_reopen,
    )
