"""Where a case stands, in words, and the one next step for the person looking at it (issue 13).

The facts are read in one query (subqueries on the case row); the decision is a pure function
of them and of who is looking, so it can be tested without a database and read as the rules:
consent before the assessment (R-CONSENT-1), the CAF team validates (R-ASSESS-6), the first TAC
within 20 working days of completion (R-TAC-1), a lead only when they accept (R-LP-1), a review
within 3 months of the first TAC and then every 3 months (R-REV-1), reopening within 6 months
of closure (R-CHECK-4).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, F, Max, Min, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from assessments.models import AssessmentState, AssessmentVersion
from cases.models import Case, CaseState, PlanAction
from cases.permissions import CHANGE, cases_for_user, casework_access
from consent.models import Consent
from deadlines import rules
from delivery.models import (
    CaseClosure,
    CaseReview,
    ClosureReason,
    LeadDispute,
    LeadDisputeState,
    LeadProposal,
    LeadProposalState,
    ReviewDecision,
)
from meetings.models import MeetingState, TacMeeting
from referrals.models import ServiceRequest, SocialCareReferral, ThresholdDecision


def delivery_path(name: str, case_id: int) -> str:
    """A page of the delivery app about the case (the plan, the lead, reviews, reopening)."""
    return reverse(f"delivery:{name}", args=[case_id])


@dataclass(frozen=True)
class CaseFacts:
    """What the next step depends on, read in one query."""

    state: str
    has_consent: bool
    assessment_state: str | None
    latest_completed_on: date | None
    logged_reference: str
    planned_tac_id: int | None
    planned_tac_at: object | None
    first_tac_held_on: date | None
    last_review_on: date | None
    has_plan: bool
    pending_lead_id: int | None
    open_dispute: bool
    awaiting_social_care: bool
    social_care_accepted_at: object | None
    last_review_decision: str | None
    last_referral_at: object | None
    last_service_request_at: object | None
    closure_reason: str | None
    closed_on: date | None
    last_closure_at: object | None
    last_review_at: object | None
    may_change: bool
    lead_first_name: str | None = None
    lead_last_name: str | None = None
    lead_username: str | None = None
    lead_agency_name: str | None = None

    @property
    def lead(self) -> str | None:
        """The lead professional, named as on the rest of the page (``User.__str__``)."""
        if self.lead_username is None:
            return None
        name = f"{self.lead_first_name or ''} {self.lead_last_name or ''}".strip()
        return name or self.lead_username


@dataclass(frozen=True)
class NextStep:
    text: str
    url: str
    due: date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class Standing:
    """Where the case stands: the state in words, its lead professional, the next review's
    date once the team works, and the viewer's next step (None when there is none for them)."""

    words: str
    lead: str | None
    lead_agency: str | None
    review_due: date | None
    next_step: NextStep | None
    # Whether the viewer may act on the case (cases.permissions CHANGE), read with the facts.
    may_change: bool = False


def case_facts(case: Case, user) -> CaseFacts:
    """The facts of ``case`` the next step depends on, in one query."""
    case_ref = OuterRef("pk")
    planned = TacMeeting.objects.filter(case=case_ref, state=MeetingState.PLANNED).order_by(
        "scheduled_at", "id"
    )
    row = (
        Case.objects.filter(pk=case.pk)
        .annotate(
            has_consent=Exists(Consent.objects.filter(case=case_ref, withdrawn_on__isnull=True)),
            assessment_state=F("assessment__state"),
            logged_reference=F("assessment__logged_reference"),
            latest_completed_on=Subquery(
                AssessmentVersion.objects.filter(assessment__case=case_ref)
                .order_by("-number")
                .values("completed_on")[:1]
            ),
            planned_tac_id=Subquery(planned.values("pk")[:1]),
            planned_tac_at=Subquery(planned.values("scheduled_at")[:1]),
            first_tac_held_on=Subquery(
                TacMeeting.objects.filter(case=case_ref, state=MeetingState.HELD)
                .values("case")
                .annotate(first=Min("held_on"))
                .values("first")[:1]
            ),
            last_review_on=Subquery(
                CaseReview.objects.filter(case=case_ref)
                .values("case")
                .annotate(last=Max("held_on"))
                .values("last")[:1]
            ),
            has_plan=Exists(PlanAction.objects.filter(case=case_ref)),
            pending_lead_id=Subquery(
                LeadProposal.objects.filter(case=case_ref, state=LeadProposalState.PENDING).values(
                    "proposed"
                )[:1]
            ),
            open_dispute=Exists(
                LeadDispute.objects.filter(case=case_ref, state=LeadDisputeState.OPEN)
            ),
            awaiting_social_care=Exists(
                SocialCareReferral.objects.filter(
                    case=case_ref, decision=ThresholdDecision.AWAITING
                )
            ),
            social_care_accepted_at=Subquery(
                SocialCareReferral.objects.filter(
                    case=case_ref, decision=ThresholdDecision.ACCEPTED
                )
                .order_by("-decided_at")
                .values("decided_at")[:1]
            ),
            last_closure_at=Subquery(
                CaseClosure.objects.filter(case=case_ref)
                .order_by("-recorded_at")
                .values("recorded_at")[:1]
            ),
            last_review_at=Subquery(
                CaseReview.objects.filter(case=case_ref)
                .order_by("-held_on", "-id")
                .values("recorded_at")[:1]
            ),
            last_review_decision=Subquery(
                CaseReview.objects.filter(case=case_ref)
                .order_by("-held_on", "-id")
                .values("decision")[:1]
            ),
            last_referral_at=Subquery(
                SocialCareReferral.objects.filter(case=case_ref)
                .order_by("-referred_at")
                .values("referred_at")[:1]
            ),
            last_service_request_at=Subquery(
                ServiceRequest.objects.filter(case=case_ref)
                .order_by("-requested_at")
                .values("requested_at")[:1]
            ),
            closure_reason=Subquery(
                CaseClosure.objects.filter(case=case_ref, reopened_on__isnull=True).values(
                    "reason"
                )[:1]
            ),
            may_change=Exists(cases_for_user(user, CHANGE).filter(pk=case_ref)),
        )
        .values(
            "state",
            "closed_on",
            "has_consent",
            "assessment_state",
            "logged_reference",
            "latest_completed_on",
            "planned_tac_id",
            "planned_tac_at",
            "first_tac_held_on",
            "last_review_on",
            "has_plan",
            "pending_lead_id",
            "open_dispute",
            "awaiting_social_care",
            "social_care_accepted_at",
            "last_closure_at",
            "last_review_at",
            "last_review_decision",
            "last_referral_at",
            "last_service_request_at",
            "closure_reason",
            "may_change",
            lead_first_name=F("lead_professional__first_name"),
            lead_last_name=F("lead_professional__last_name"),
            lead_username=F("lead_professional__username"),
            lead_agency_name=F("lead_agency__name"),
        )
        .get()
    )
    row["logged_reference"] = row["logged_reference"] or ""
    return CaseFacts(**row)


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def next_step_from(
    facts: CaseFacts,
    *,
    case: Case,
    user_id: int,
    caf_team: bool,
    today: date,
) -> NextStep | None:
    """The one next step for the person ``user_id`` on ``case``, from its ``facts``. Pure."""
    pk = case.pk
    case_page = reverse("cases:detail", args=[pk])
    is_open = facts.state not in (CaseState.CLOSED, CaseState.ARCHIVED)
    if facts.pending_lead_id == user_id and is_open:
        return NextStep("Accept or decline the lead professional role", delivery_path("lead", pk))
    if facts.state == CaseState.ARCHIVED:
        return None
    if facts.state == CaseState.CLOSED:
        if not (facts.may_change or caf_team) or facts.closed_on is None:
            return None
        until = rules.reopen_until(facts.closed_on)
        if today > until:
            return None
        return NextStep(
            f"Reopen if needed until {_long_date(until)}", delivery_path("reopen", pk), due=until
        )
    works_on_case = facts.may_change and (
        not caf_team or user_id in (case.assessor_id, case.lead_professional_id)
    )
    if caf_team and not works_on_case:
        # The CAF team's own part: validating, and settling a disagreement about the lead.
        if facts.assessment_state == AssessmentState.SUBMITTED:
            return NextStep("Validate the assessment", reverse("assessments:validate", args=[pk]))
        if facts.open_dispute:
            return NextStep(
                "Settle the disagreement about the lead professional", delivery_path("lead", pk)
            )
        return None
    if not facts.may_change:
        return NextStep("Ask to join the team", reverse("checks:start"))
    if not facts.has_consent:
        return NextStep("Record the family's consent", reverse("consent:record", args=[pk]))
    state = _stage_of_assessment(facts)
    if state is None:
        return NextStep("Start the assessment", f"{case_page}#consent")
    if state == AssessmentState.IN_PROGRESS:
        return NextStep("Continue the assessment", reverse("assessments:tasks", args=[pk]))
    if state == AssessmentState.SIGNED:
        due = facts.latest_completed_on
        by = rules.submission_due(due) if due else None
        text = "Submit the assessment to the CAF team"
        if by:
            text += f" by {_long_date(by)}"
        return NextStep(text, f"{case_page}#assessment", due=by, overdue=bool(by and by < today))
    if state == AssessmentState.RETURNED:
        return NextStep(
            "Answer the CAF team's queries and resubmit",
            reverse("assessments:queries", args=[pk]),
        )
    if state != AssessmentState.LOGGED:
        return None  # with the CAF team: nothing for the assessor to do meanwhile
    leads_the_work = user_id in (case.assessor_id, case.lead_professional_id)
    if _social_care_took_over(facts) and leads_the_work:
        # R-REF-2: the lead stays lead until social care accepts; then the statutory service
        # takes the work on and the CAF closes as escalated (no sign-off TAC needed).
        return NextStep(
            "Children's social care accepted the referral: close the CAF as escalated to "
            "statutory services",
            delivery_path("close", pk) + "?reason=escalated",
        )
    decided = _what_the_last_review_decided(facts, pk=pk, case_page=case_page)
    if decided is not None and leads_the_work:
        return decided
    if facts.first_tac_held_on is None:
        if not leads_the_work:
            return None
        if facts.planned_tac_id is not None:
            when = timezone.localdate(facts.planned_tac_at)
            return NextStep(
                f"Record the team around the child meeting of {_long_date(when)}",
                reverse("meetings:detail", args=[pk, facts.planned_tac_id]),
                due=when,
            )
        text = "Arrange the first team around the child meeting"
        by = rules.first_tac_due(facts.latest_completed_on) if facts.latest_completed_on else None
        if by:
            text += f" by {_long_date(by)}"
        return NextStep(
            text, reverse("meetings:new", args=[pk]), due=by, overdue=bool(by and by < today)
        )
    if not facts.has_plan and leads_the_work:
        return NextStep("Record the action plan", delivery_path("plan", pk))
    if case.lead_professional_id is None and facts.pending_lead_id is None and leads_the_work:
        return NextStep("Propose a lead professional", delivery_path("lead", pk))
    due = rules.review_due(
        first_tac_held_on=facts.first_tac_held_on, last_review_on=facts.last_review_on
    )
    if due is None:
        return None
    return NextStep(
        f"Record the review due by {_long_date(due)}",
        delivery_path("review_new", pk),
        due=due,
        overdue=due < today,
    )


def _since_reopening(facts: CaseFacts, at) -> bool:
    """What was recorded ``at`` belongs to this episode, not to before the CAF last closed
    (and was reopened)."""
    return facts.last_closure_at is None or at > facts.last_closure_at


def _social_care_took_over(facts: CaseFacts) -> bool:
    at = facts.social_care_accepted_at
    return at is not None and _since_reopening(facts, at)


def _what_the_last_review_decided(facts: CaseFacts, *, pk: int, case_page: str):
    """A review that decided to close, or to escalate (R-REV-1), until that is done: an
    escalation is done by a referral to social care or a request for service since."""
    if facts.last_review_at is None or not _since_reopening(facts, facts.last_review_at):
        return None
    review = _long_date(facts.last_review_on)
    if facts.last_review_decision == ReviewDecision.CLOSE:
        return NextStep(
            f"Close the CAF, as the review of {review} decided", delivery_path("close", pk)
        )
    if facts.last_review_decision != ReviewDecision.ESCALATE:
        return None
    referred = [
        timezone.localdate(at)
        for at in (facts.last_referral_at, facts.last_service_request_at)
        if at is not None
    ]
    if any(day >= facts.last_review_on for day in referred):
        return None
    return NextStep(
        f"Make the referral the review of {review} decided on: to children's social care or "
        "a specialist service",
        f"{case_page}#plan",
    )


def _stage_of_assessment(facts: CaseFacts):
    """Where the assessment puts the case. Once the CAF team has logged it, a later version
    being written or signed (a TAC makes one) is an update: the case stays with the team
    around the child and its next steps are delivery's."""
    if facts.logged_reference and facts.assessment_state in (
        AssessmentState.IN_PROGRESS,
        AssessmentState.SIGNED,
    ):
        return AssessmentState.LOGGED
    return facts.assessment_state


def standing_words(facts: CaseFacts, *, today: date) -> str:
    """The state of the case in a practitioner's words."""
    if facts.state == CaseState.ARCHIVED:
        return "Archived: only the CAF team can see this CAF"
    if facts.state == CaseState.CLOSED:
        words = "Closed"
        if facts.closed_on:
            words += f" on {_long_date(facts.closed_on)}"
        if facts.closure_reason:
            words += f": {ClosureReason(facts.closure_reason).label.lower()}"
        return words
    state = _stage_of_assessment(facts)
    if state is None:
        if facts.has_consent:
            return "Consent recorded: the assessment has not started"
        return "Intention to start a CAF logged: the family's consent is not yet recorded"
    words = {
        AssessmentState.IN_PROGRESS: "Assessment in progress",
        AssessmentState.SIGNED: "Assessment signed off: not yet submitted to the CAF team",
        AssessmentState.SUBMITTED: "Submitted: with the CAF team for validation",
        AssessmentState.RETURNED: "Returned to the assessor for correction",
    }.get(state)
    if words is None:
        reference = f" as {facts.logged_reference}" if facts.logged_reference else ""
        if facts.first_tac_held_on is None:
            words = (
                f"Logged by the CAF team{reference}: the first team around the child "
                "meeting is next"
            )
        else:
            words = (
                "The team around the child is working with the family since "
                f"{_long_date(facts.first_tac_held_on)}"
            )
    if state != facts.assessment_state:
        words += "; an updated version of the assessment is being written"
    if not facts.has_consent:
        words += "; the family's consent is not current"
    if facts.awaiting_social_care:
        words += "; waiting for children's social care's decision on a referral"
    if _social_care_took_over(facts):
        words += "; children's social care accepted a referral"
    return words


def next_step_for(case: Case, user) -> NextStep | None:
    """The one next step for ``user`` on ``case`` (already fetched through
    ``get_case_for_user``), with a link; None when there is none for them."""
    return case_standing(case, user).next_step


def case_standing(case: Case, user) -> Standing:
    """Where ``case`` stands and the viewer's next step, in one query."""
    facts = case_facts(case, user)
    access = casework_access(user)
    today = timezone.localdate()
    return Standing(
        words=standing_words(facts, today=today),
        lead=facts.lead,
        lead_agency=facts.lead_agency_name,
        review_due=rules.review_due(
            first_tac_held_on=facts.first_tac_held_on, last_review_on=facts.last_review_on
        )
        if facts.state not in (CaseState.CLOSED, CaseState.ARCHIVED)
        else None,
        next_step=next_step_from(
            facts,
            case=case,
            user_id=user.pk,
            caf_team=bool(access and access.caf_team),
            today=today,
        ),
        may_change=facts.may_change,
    )
