"""Recording a review of the plan (R-REV-1): the first due 3 months after the first TAC, then
at most every 3 months (``delivery.selectors.review_due_of``). A review records progress
towards each live action's outcome, the needs met, not yet met and new, and what the team
decided. Reassessing makes a new assessment version through the assessments service (refused,
with its reason, while contributions are outstanding); closing leads to the closure, agreed at
a sign-off TAC (``delivery.services.closure``); escalating leads to a social-care referral."""

from collections.abc import Mapping
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import User
from assessments.models import Assessment, VersionReason
from assessments.services import AssessmentError
from assessments.services.versions import version_create
from audit.context import acting_as
from cafsite.errors import CafError
from cases.models import Case, CaseState
from cases.permissions import CHANGE, acting_agency_id, user_may
from delivery.models import CaseReview, Progress, ReviewDecision, ReviewProgress
from delivery.selectors import REVIEWED_STATES, live_plan_actions
from meetings.models import MeetingState, TacMeeting

NOTE_MAX = 5000
TEXT_MAX = 10000
# After a review the plan goes on, or the case waits for its closure or social care's answer.
STATE_AFTER = {
    ReviewDecision.CONTINUE: CaseState.DELIVERY,
    ReviewDecision.REVISE: CaseState.DELIVERY,
    ReviewDecision.REASSESS: CaseState.DELIVERY,
    ReviewDecision.CLOSE: CaseState.REVIEW,
    ReviewDecision.ESCALATE: CaseState.REVIEW,
}


class ReviewError(CafError):
    pass


def may_record_review(user: User, case: Case) -> bool:
    """Those who work on the case (CHANGE) record its reviews; seeing it is not enough."""
    return case.tenant_id == user.tenant_id and user_may(user, case, CHANGE)


def _text(value, *, field: str, limit: int, label: str, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ReviewError(f"Enter {label} as text.", field=field)
    value = value.strip()
    if required and not value:
        raise ReviewError(f"Enter {label}.", field=field)
    if len(value) > limit:
        raise ReviewError(f"Enter no more than {limit:,} characters.", field=field)
    return value


def first_tac_held_on(case: Case) -> date | None:
    meeting = (
        TacMeeting.objects.filter(case=case, state=MeetingState.HELD).order_by("held_on").first()
    )
    return meeting.held_on if meeting else None


def review_record(
    *,
    case: Case,
    by: User,
    held_on: date | None,
    decision: str,
    progress: Mapping[int, Mapping[str, str]],
    meeting: TacMeeting | None = None,
    needs_met: str = "",
    needs_unmet: str = "",
    needs_new: str = "",
    decision_note: str = "",
) -> CaseReview:
    """Record a review of ``case`` held on ``held_on`` (R-REV-1).

    ``progress`` maps each live plan action's id to ``{"progress": Progress, "note": str}``:
    every live action needs one. ``held_on`` is not in the future nor before the first TAC;
    ``meeting``, if given, is a held TAC of the case. A ``reassess`` decision makes a new
    assessment version in the same transaction, and nothing is recorded if it cannot be made
    (the assessments service says why). The case moves to the team around the child, or to
    review while a closure or escalation follows. Raises ``ReviewError`` on a field."""
    if not may_record_review(by, case):
        raise ReviewError("Only those working on this CAF record its reviews.")
    if not isinstance(held_on, date) or isinstance(held_on, datetime):
        raise ReviewError("Enter the date of the review.", field="held_on")
    if held_on > timezone.localdate():
        raise ReviewError("The review cannot be in the future.", field="held_on")
    if decision not in ReviewDecision.values:
        raise ReviewError("Choose what the review decided.", field="decision")
    needs_met = _text(needs_met, field="needs_met", limit=TEXT_MAX, label="the needs met")
    needs_unmet = _text(
        needs_unmet, field="needs_unmet", limit=TEXT_MAX, label="the needs not yet met"
    )
    needs_new = _text(needs_new, field="needs_new", limit=TEXT_MAX, label="the new needs")
    decision_note = _text(
        decision_note, field="decision_note", limit=NOTE_MAX, label="a note on the decision"
    )
    if not isinstance(progress, Mapping):
        raise ReviewError("Say what progress each action made.", field="progress")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.state not in REVIEWED_STATES:
            raise ReviewError(
                "Reviews are recorded once a TAC meeting has been held and while the CAF is open."
            )
        first_tac = first_tac_held_on(case)
        if first_tac is None:
            raise ReviewError("The first TAC meeting has not been held yet: review after it.")
        if held_on < first_tac:
            raise ReviewError(
                f"The review cannot be before the first TAC meeting ({first_tac:%d/%m/%Y}).",
                field="held_on",
            )
        if meeting is not None and (
            meeting.case_id != case.pk
            or meeting.state != MeetingState.HELD
            or meeting.held_on != held_on
        ):
            raise ReviewError(
                "Choose a TAC meeting of this CAF held on the day of the review.", field="meeting"
            )
        rows = []
        for action in live_plan_actions(case):
            given = progress.get(action.pk) or {}
            if not isinstance(given, Mapping) or given.get("progress") not in Progress.values:
                raise ReviewError(
                    f"Say what progress was made on: {action.action[:80]}",
                    field=f"progress_{action.pk}",
                )
            note = _text(
                given.get("note"), field=f"note_{action.pk}", limit=NOTE_MAX, label="a note"
            )
            rows.append((action, given["progress"], note))
        version = None
        if decision == ReviewDecision.REASSESS:
            assessment = Assessment.objects.filter(case=case).first()
            if assessment is None:
                raise ReviewError("This CAF has no assessment to reassess.", field="decision")
            try:
                version = version_create(assessment=assessment, by=by, reason=VersionReason.UPDATE)
            except AssessmentError as error:
                raise ReviewError(
                    f"A new version of the assessment cannot be made now. {error.message}",
                    field="decision",
                ) from error
        with acting_as(by, agency_id=acting_agency_id(by, case)):
            review = CaseReview(
                tenant_id=case.tenant_id,
                case=case,
                held_on=held_on,
                meeting=meeting,
                needs_met=needs_met,
                needs_unmet=needs_unmet,
                needs_new=needs_new,
                decision=decision,
                decision_note=decision_note,
                assessment_version=version,
                recorded_by=by,
            )
            try:
                review.full_clean()
            except ValidationError as problem:
                raise ReviewError(problem.messages[0]) from problem
            review.save()
            for action, value, note in rows:
                ReviewProgress.objects.create(
                    review=review, plan_action=action, progress=value, note=note
                )
            state = STATE_AFTER[ReviewDecision(decision)]
            if case.state != state:
                case.state = state
                case.save(update_fields=["state", "updated_at"])
    return review
