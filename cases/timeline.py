"""What happened on a case, newest first, in the words a practitioner uses, read from the
records themselves (issue 13: "the case page shows where the case stands ... as a timeline").

A page that composes a view of the case, so it reads across the lifecycle apps (ARCHITECTURE:
only such pages import them). One query a source, whatever the case's size: each source is
read newest first and cut at ``limit`` rows, which is enough, since a row's events are never
newer than its latest one (ordered by it). Free text (notes, reasons, what a request shares)
never enters the timeline, and confidential notes are not read at all (R-CONSENT-9): each event
is a fixed phrase filled with names, dates and the choices' labels.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments.models import AssessmentVersion, Validation, ValidationOutcome, VersionReason
from cases.models import Case, TeamMembership
from consent.models import Consent, ShareScope
from delivery.models import (
    CaseClosure,
    CaseReview,
    LeadDispute,
    LeadDisputeState,
    LeadProposal,
    LeadProposalState,
)
from meetings.models import MeetingState, Nomination, NominationState, TacMeeting
from referrals.models import (
    ServiceRequest,
    ServiceRequestState,
    SocialCareReferral,
    ThresholdDecision,
)

CASE_PAGE_EVENTS = 12  # the case page shows the latest; the timeline page shows them all


# Where an event sits in a CAF's life. Events of one day (a date, not a time, is all many
# records keep) are told in this order, so a day reads as it happened.
class Stage:
    INTENTION = 0
    CONSENT = 1
    ASSESSMENT = 2
    SIGNED = 3
    SUBMITTED = 4
    VALIDATED = 5
    ARRANGED = 6
    HELD = 7
    VERSION = 8
    LEAD = 9
    LEAD_ANSWER = 10
    TEAM = 11
    REQUEST = 12
    ANSWER = 13
    REVIEW = 14
    CLOSED = 15
    REOPENED = 16
    WITHDRAWN = 17
    LEFT = 18


@dataclass(frozen=True)
class TimelineEvent:
    on: date
    words: str
    # For ordering only: the stage of the CAF, then the time when the record keeps one.
    stage: int = 0
    at: datetime | None = None

    @property
    def sort_key(self) -> tuple:
        return (self.on, self.stage, self.at.timestamp() if self.at else 0.0)


@dataclass(frozen=True)
class Timeline:
    events: list[TimelineEvent]
    # Whether older events exist than those listed (the case page's short list).
    more: bool


def _day(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return timezone.localdate(moment)
    return moment


def _event(moment: datetime | date, words: str, stage: int) -> TimelineEvent:
    at = moment if isinstance(moment, datetime) else None
    return TimelineEvent(on=_day(moment), words=words, stage=stage, at=at)


def _person(user, agency=None) -> str:
    name = user.get_full_name() or user.username
    return f"{name} ({agency.name})" if agency is not None else name


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:]


def _agencies(count: int) -> str:
    return "1 agency" if count == 1 else f"{count} agencies"


def _cut(queryset, limit: int | None):
    return list(queryset if limit is None else queryset[:limit])


def _case_events(case: Case) -> list[TimelineEvent]:
    return [
        _event(
            case.intention_logged_at,
            f"Intention to start a CAF logged by {_person(case.assessor, case.assessor_agency)}",
            Stage.INTENTION,
        )
    ]


def _consent_events(case: Case, limit: int | None) -> list[TimelineEvent]:
    # The agencies it granted access to when recorded (a withdrawn consent keeps its grants).
    consents = Consent.objects.filter(case=case).annotate(shared_with=Count("grants"))
    events = []
    for consent in _cut(consents.order_by("-recorded_at", "-id"), limit):
        if consent.share_scope == ShareScope.NONE:
            sharing = "not shared beyond the assessor's agency and the CAF team"
        else:
            sharing = f"shared with {_agencies(consent.shared_with)}"
        events.append(_event(consent.recorded_at, f"Consent recorded: {sharing}", Stage.CONSENT))
        if consent.withdrawn_on:
            events.append(_event(consent.withdrawn_on, "Consent withdrawn", Stage.WITHDRAWN))
    return events


def _version_events(case: Case, limit: int | None) -> list[TimelineEvent]:
    versions = AssessmentVersion.objects.filter(assessment__case=case).select_related(
        "created_by", "signed_off_by"
    )
    events = []
    for version in _cut(versions.order_by("-number"), limit):
        if version.number == 1:
            words = f"Assessment started by {_person(version.created_by)}"
            events.append(_event(version.created_at, words, Stage.ASSESSMENT))
        else:
            why = (
                "after a team around the child meeting"
                if version.reason == VersionReason.TAC
                else "updated"
            )
            words = f"Assessment version {version.number} started ({why})"
            events.append(_event(version.created_at, words, Stage.VERSION))
        if version.completed_on:
            signer = f" by {_person(version.signed_off_by)}" if version.signed_off_by else ""
            words = (
                "Assessment signed off"
                if version.number == 1
                else f"Assessment version {version.number} signed off"
            )
            events.append(_event(version.completed_on, words + signer, Stage.SIGNED))
    return events


def _validation_events(case: Case, limit: int | None) -> list[TimelineEvent]:
    validations = Validation.objects.filter(assessment__case=case).select_related(
        "assessment", "submitted_by"
    )
    events = []
    for validation in _cut(validations.order_by("-submitted_at", "-id"), limit):
        words = f"Assessment submitted to the CAF team by {_person(validation.submitted_by)}"
        events.append(_event(validation.submitted_at, words, Stage.SUBMITTED))
        if validation.decided_at is None:
            continue
        if validation.outcome == ValidationOutcome.RETURNED:
            words = "Returned to the assessor for correction by the CAF team"
        elif validation.outcome == ValidationOutcome.LOGGED:
            reference = validation.assessment.logged_reference
            words = f"Logged by the CAF team as {reference}" if reference else "Logged"
        else:
            continue
        events.append(_event(validation.decided_at, words, Stage.VALIDATED))
    return events


def _meeting_events(case: Case, limit: int | None) -> list[TimelineEvent]:
    meetings = TacMeeting.objects.filter(case=case).only(
        "pk", "case_id", "state", "scheduled_at", "created_at", "held_on", "updated_at"
    )
    events = []
    for meeting in _cut(meetings.order_by("-scheduled_at", "-id"), limit):
        on = _long_date(timezone.localdate(meeting.scheduled_at))
        words = f"Team around the child meeting arranged for {on}"
        events.append(_event(meeting.created_at, words, Stage.ARRANGED))
        if meeting.state == MeetingState.HELD and meeting.held_on:
            events.append(_event(meeting.held_on, "Team around the child meeting held", Stage.HELD))
        elif meeting.state == MeetingState.CANCELLED:
            words = f"Team around the child meeting of {on} cancelled"
            events.append(_event(meeting.updated_at, words, Stage.HELD))
    return events


def _nomination_events(case: Case, limit: int | None) -> list[TimelineEvent]:
    nominations = Nomination.objects.filter(case=case).select_related("session__forum")
    events = []
    for nomination in _cut(nominations.order_by("-nominated_at", "-id"), limit):
        forum_day = nomination.session.forum.held_on
        forum = f"the forum of {_long_date(forum_day)}"
        events.append(_event(nomination.nominated_at, f"Nominated to {forum}", Stage.ARRANGED))
        if nomination.state == NominationState.HEARD:
            events.append(_event(forum_day, f"Heard at {forum}", Stage.HELD))
    return events


def _lead_events(case: Case, limit: int | None) -> list[TimelineEvent]:
    proposals = (
        LeadProposal.objects.filter(case=case)
        .select_related("proposed", "proposed_agency")
        .order_by(Coalesce("decided_at", "proposed_at").desc(), "-id")
    )
    events = []
    for proposal in _cut(proposals, limit):
        who = _person(proposal.proposed, proposal.proposed_agency)
        name = _person(proposal.proposed)
        words = f"{who} proposed as lead professional"
        events.append(_event(proposal.proposed_at, words, Stage.LEAD))
        if proposal.decided_at is None:
            continue
        words = {
            LeadProposalState.ACCEPTED: f"{name} accepted the lead professional role",
            LeadProposalState.DECLINED: f"{name} declined the lead professional role",
            LeadProposalState.WITHDRAWN: f"Proposal of {name} as lead professional withdrawn",
        }.get(proposal.state)
        if words:
            events.append(_event(proposal.decided_at, words, Stage.LEAD_ANSWER))
    return events


def _dispute_events(case: Case, limit: int | None) -> list[TimelineEvent]:
    disputes = LeadDispute.objects.filter(case=case).order_by(
        Coalesce("resolved_at", "raised_at").desc(), "-id"
    )
    events = []
    for dispute in _cut(disputes, limit):
        words = "Disagreement about the lead professional taken to the CAF team"
        events.append(_event(dispute.raised_at, words, Stage.LEAD))
        if dispute.state == LeadDisputeState.RESOLVED and dispute.resolved_at:
            words = "Disagreement about the lead professional resolved by the CAF team"
            events.append(_event(dispute.resolved_at, words, Stage.LEAD_ANSWER))
        elif dispute.state == LeadDisputeState.ENDED and dispute.resolved_at:
            words = "Disagreement about the lead professional ended when the CAF closed"
            events.append(_event(dispute.resolved_at, words, Stage.LEAD_ANSWER))
    return events


def _review_events(case: Case, limit: int | None) -> list[TimelineEvent]:
    reviews = CaseReview.objects.filter(case=case).order_by("-held_on", "-id")
    events = []
    for review in _cut(reviews, limit):
        words = f"Review: {_lower_first(review.get_decision_display())}"
        events.append(_event(review.held_on, words, Stage.REVIEW))
    return events


def _closure_events(case: Case, limit: int | None) -> list[TimelineEvent]:
    closures = CaseClosure.objects.filter(case=case).order_by(
        Coalesce("reopened_on", "closed_on").desc(), "-id"
    )
    events = []
    for closure in _cut(closures, limit):
        words = f"Closed: {_lower_first(closure.get_reason_display())}"
        events.append(_event(closure.closed_on, words, Stage.CLOSED))
        if closure.reopened_on:
            events.append(_event(closure.reopened_on, "Reopened", Stage.REOPENED))
    return events


def _service_request_events(case: Case, limit: int | None) -> list[TimelineEvent]:
    # Which agency was asked, and its answer: what the request shares stays on its own page.
    requests = (
        ServiceRequest.objects.filter(case=case)
        .select_related("to_agency")
        .order_by(Coalesce("decided_at", "requested_at").desc(), "-id")
    )
    events = []
    for request in _cut(requests, limit):
        to = f"Request for service to {request.to_agency.name}"
        events.append(_event(request.requested_at, to, Stage.REQUEST))
        answer = {
            ServiceRequestState.ACCEPTED: "accepted",
            ServiceRequestState.REFUSED: "refused",
            ServiceRequestState.WITHDRAWN: "withdrawn",
        }.get(request.state)
        if answer and request.decided_at:
            events.append(_event(request.decided_at, f"{to}: {answer}", Stage.ANSWER))
    return events


def _referral_events(case: Case, limit: int | None) -> list[TimelineEvent]:
    referrals = (
        SocialCareReferral.objects.filter(case=case)
        .select_related("to_agency")
        .order_by(Coalesce("decided_at", "referred_at").desc(), "-id")
    )
    events = []
    for referral in _cut(referrals, limit):
        words = f"Referred to children's social care ({referral.to_agency.name})"
        events.append(_event(referral.referred_at, words, Stage.REQUEST))
        answer = {
            ThresholdDecision.ACCEPTED: "threshold met, accepted",
            ThresholdDecision.NOT_MET: "threshold not met",
        }.get(referral.decision)
        if answer and referral.decided_at:
            words = f"Referred to children's social care: {answer}"
            events.append(_event(referral.decided_at, words, Stage.ANSWER))
    return events


def _team_events(case: Case, limit: int | None) -> list[TimelineEvent]:
    memberships = (
        TeamMembership.objects.filter(case=case)
        .select_related("agency")
        .order_by(Coalesce("left_at", "joined_at").desc(), "-id")
    )
    events = []
    for membership in _cut(memberships, limit):
        name = membership.agency.name
        why = _lower_first(membership.get_reason_display())
        words = f"{name} joined the team around the child ({why})"
        events.append(_event(membership.joined_at, words, Stage.TEAM))
        if membership.left_at:
            events.append(_event(membership.left_at, f"{name} left the team", Stage.LEFT))
    return events


SOURCES = (
    _consent_events,
    _version_events,
    _validation_events,
    _meeting_events,
    _nomination_events,
    _lead_events,
    _dispute_events,
    _review_events,
    _closure_events,
    _service_request_events,
    _referral_events,
    _team_events,
)


def case_timeline(case: Case, user, *, limit: int | None = CASE_PAGE_EVENTS) -> Timeline:
    """What happened on ``case``, newest first: the latest ``limit`` events, or all of them
    with ``limit=None``. ``case`` must come from ``get_case_for_user`` for ``user`` (whoever
    sees the case sees its timeline: it carries no text beyond what the case page shows, and
    nobody's confidential notes). One query a source (``len(SOURCES)``), whatever the case's
    size; the case's assessor and agency are those the access helper read with it."""
    events = _case_events(case)
    for source in SOURCES:
        events.extend(source(case, limit))
    events.sort(key=lambda event: event.sort_key, reverse=True)
    if limit is None:
        return Timeline(events=events, more=False)
    return Timeline(events=events[:limit], more=len(events) > limit)
