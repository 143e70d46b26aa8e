"""Children's social care: the CAF as the referral into it, the duty manager's threshold
decision with written feedback, and step-down from it into a CAF (R-REF-2, R-REF-4, R-CLOSE-2).

Who may do what:

- Referring: the case's lead professional, its assessor or the CAF team, with CHANGE on the
  case, once the CAF team has logged the CAF (the logged CAF is what social care reads). The
  referral goes to the tenant's children's social care agency; nothing changes on the case,
  and the lead professional stays lead, until social care accepts (R-REF-2).
- Deciding: a duty manager (a member of that agency with the manager role), once. "Threshold
  not met" may route the case to an early help panel: a nomination of the case for a forum
  session, presented by the referrer. The referrer always gets written feedback (R-REF-4).
- Step-down: a practitioner of children's social care opens a CAF for a child of the register
  from a closing statutory case; the final statutory meeting is the CAF's first TAC (R-CLOSE-2).
"""

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Membership, Role, User
from agencies.roles import in_caf_team
from assessments.models import Assessment
from audit.context import acting_as
from cases.models import Case, CaseState, Child
from cases.permissions import CHANGE, acting_agency_id, user_may
from cases.plans import PlanError, clean_text, is_casework_member
from cases.services import CaseError, case_open
from meetings.models import (
    ForumSession,
    MeetingState,
    ParticipantKind,
    ParticipantResponse,
    TacMeeting,
    TacParticipant,
)
from meetings.services import MeetingError
from meetings.services.nominations import default_kind, nomination_create
from referrals.models import SocialCareReferral, TaskKind, TaskState, ThresholdDecision
from referrals.services import ReferralError, task_close, task_create

CONCERNS_MAX = 8000
FEEDBACK_MAX = 8000
REFERENCE_MAX = 100
VENUE_MAX = 200
NOTES_MAX = 8000
ATTENDEE_MAX = 200
ATTENDEES_MAX = 30
# A statutory meeting older than this is not the one the case is closing with.
STEP_DOWN_WITHIN_DAYS = 366


def _text(value, *, field: str, limit: int, label: str, required: bool = True) -> str:
    try:
        return clean_text(value, field=field, limit=limit, required=required, label=label)
    except PlanError as error:
        raise ReferralError(error.message, field=error.field) from error


def _full_clean(instance, **kwargs) -> None:
    try:
        instance.full_clean(**kwargs)
    except ValidationError as problem:
        field, messages = next(iter(problem.message_dict.items()))
        raise ReferralError(messages[0], field=None if field == "__all__" else field) from problem


def social_care_of(tenant_id: int) -> Agency | None:
    """The tenant's children's social care agency (its front door for referrals)."""
    return (
        Agency.objects.filter(tenant_id=tenant_id, kind=AgencyKind.CSC, is_active=True)
        .order_by("pk")
        .first()
    )


def may_refer(user: User, case: Case) -> bool:
    """The lead professional, the assessor or the CAF team, with CHANGE on the case."""
    if not getattr(user, "is_authenticated", False) or not user_may(user, case, CHANGE):
        return False
    return user.pk in (case.lead_professional_id, case.assessor_id) or in_caf_team(user)


def is_duty_manager(user: User, agency: Agency) -> bool:
    """A manager of children's social care, who decides on thresholds for it."""
    return (
        getattr(user, "is_authenticated", False)
        and agency.kind == AgencyKind.CSC
        and is_casework_member(user, agency)
        and Membership.objects.filter(user=user, agency=agency, role=Role.MANAGER).exists()
    )


def caf_logged(case: Case) -> Assessment | None:
    return Assessment.objects.filter(case=case, logged_on__isnull=False).first()


def social_care_refer(*, case: Case, by: User, concerns: str) -> SocialCareReferral:
    """Refer the logged CAF of ``case`` to the tenant's children's social care (R-REF-4).
    Nothing on the case changes: the lead professional stays lead until social care accepts
    (R-REF-2). The duty managers are told by a task with a link and no case content."""
    if not may_refer(by, case):
        raise ReferralError(
            "Only the lead professional, the assessor or the CAF team can refer this CAF to "
            "children's social care."
        )
    concerns = _text(
        concerns, field="concerns", limit=CONCERNS_MAX, label="why you are making the referral"
    )
    csc = social_care_of(case.tenant_id)
    if csc is None:
        raise ReferralError("This area has no children's social care agency to refer to.")
    agency_id = acting_agency_id(by, case)
    try:
        with transaction.atomic(), acting_as(by, agency_id=agency_id):
            case = Case.objects.select_for_update().select_related("child").get(pk=case.pk)
            if not case.is_open:
                raise ReferralError("This CAF is closed: it cannot be referred.")
            if caf_logged(case) is None:
                raise ReferralError(
                    "The CAF is the referral: submit the assessment and have the CAF team log "
                    "it first. If a child is at risk of harm now, make a child protection "
                    "referral instead."
                )
            if SocialCareReferral.objects.filter(
                case=case, decision=ThresholdDecision.AWAITING
            ).exists():
                raise ReferralError("This CAF is already waiting for social care's decision.")
            referral = SocialCareReferral(
                tenant_id=case.tenant_id,
                case=case,
                to_agency=csc,
                referred_by=by,
                from_agency_id=agency_id,
                concerns=concerns,
            )
            referral.full_clean(validate_constraints=False)
            referral.save()
            referral.task = task_create(
                kind=TaskKind.SOCIAL_CARE_REFERRAL,
                by=by,
                from_agency=referral.from_agency,
                assigned_agency=csc,
                child=case.child,
                message="A CAF has been referred to children's social care: the duty manager "
                "decides whether the threshold is met.",
                link=reverse("referrals:social_care", args=[referral.pk]),
            )
            referral.save(update_fields=["task"])
    except IntegrityError as error:
        raise ReferralError("This CAF is already waiting for social care's decision.") from error
    return referral


def panel_sessions(tenant_id: int):
    """Forum sessions still to come, where an early help panel may hear a case."""
    return (
        ForumSession.objects.filter(
            forum__tenant_id=tenant_id,
            forum__state="scheduled",
            forum__held_on__gte=timezone.localdate(),
        )
        .select_related("forum")
        .order_by("forum__held_on", "starts_at", "pk")
    )


def social_care_decide(
    *,
    referral: SocialCareReferral,
    by: User,
    decision: str,
    feedback: str,
    panel_session: ForumSession | None = None,
) -> SocialCareReferral:
    """Record the duty manager's threshold decision, once, with the written feedback the
    referrer gets (R-REF-4). "Not met" may route the case to an early help panel: a
    nomination of the case for ``panel_session``, presented by the referrer."""
    if not is_duty_manager(by, referral.to_agency):
        raise ReferralError(
            "Only a duty manager of children's social care can record the threshold decision."
        )
    if decision not in (ThresholdDecision.ACCEPTED, ThresholdDecision.NOT_MET):
        raise ReferralError("Say whether the threshold is met.", field="decision")
    feedback = _text(
        feedback, field="feedback", limit=FEEDBACK_MAX, label="the feedback to the referrer"
    )
    if panel_session is not None and decision != ThresholdDecision.NOT_MET:
        raise ReferralError(
            "Only a referral that does not meet the threshold goes to an early help panel.",
            field="panel_session",
        )
    if panel_session is not None and (
        not isinstance(panel_session, ForumSession)
        or not panel_sessions(referral.tenant_id).filter(pk=panel_session.pk).exists()
    ):
        raise ReferralError("Choose a panel still to come.", field="panel_session")
    with transaction.atomic(), acting_as(by, agency_id=referral.to_agency_id):
        referral = (
            SocialCareReferral.objects.select_for_update(of=("self",))
            .select_related("case", "to_agency", "task", "referred_by")
            .get(pk=referral.pk)
        )
        if referral.decision != ThresholdDecision.AWAITING:
            raise ReferralError("The threshold decision on this referral is already recorded.")
        if panel_session is not None:
            try:
                referral.early_help_panel = nomination_create(
                    session=panel_session,
                    case=referral.case,
                    by=referral.referred_by,
                    kind=default_kind(referral.case),
                    reason="Referred to children's social care; the threshold was not met. "
                    "Early help panel.",
                )
            except MeetingError as error:
                raise ReferralError(
                    f"The case cannot go to that panel: {error.message}", field="panel_session"
                ) from error
        referral.decision = decision
        referral.decided_by = by
        referral.decided_at = timezone.now()
        referral.feedback = feedback
        referral.full_clean(validate_constraints=False)
        referral.save(
            update_fields=["decision", "decided_by", "decided_at", "feedback", "early_help_panel"]
        )
        if referral.task is not None:
            task_close(
                referral.task,
                state=TaskState.ACCEPTED
                if decision == ThresholdDecision.ACCEPTED
                else TaskState.DECLINED,
                by=by,
                response="Decision recorded: the referrer has written feedback.",
            )
    return referral


# --- Step-down ------------------------------------------------------------------------------


def _lines(value, *, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, str):
        raise ReferralError("Enter text.", field=field)
    lines = [line.strip() for line in value.replace("\x00", "").splitlines() if line.strip()]
    if len(lines) > ATTENDEES_MAX:
        raise ReferralError(f"Name no more than {ATTENDEES_MAX} people.", field=field)
    if any(len(line) > ATTENDEE_MAX for line in lines):
        raise ReferralError(
            f"Keep each line to {ATTENDEE_MAX} characters: a name and a role.", field=field
        )
    return lines


def _family(line: str) -> tuple[str, str]:
    name, _, relationship = line.partition(",")
    return name.strip()[:ATTENDEE_MAX], relationship.strip()[:100]


def social_care_step_down(
    *,
    child: Child,
    agency: Agency,
    by: User,
    statutory_reference: str,
    meeting_on: date,
    venue: str,
    family_attendees: str = "",
    other_attendees: str = "",
    notes: str = "",
) -> Case:
    """Open a CAF for ``child`` as a social care case closes (R-CLOSE-2): ``by``, a
    practitioner of children's social care ``agency``, is its assessor; the statutory case's
    reference is kept on it; the final statutory meeting, held on ``meeting_on``, is recorded
    as the CAF's first team around the child meeting (so no first TAC falls due). Refused if
    the child has an open CAF."""
    if (
        not isinstance(agency, Agency)
        or agency.kind != AgencyKind.CSC
        or agency.tenant_id != by.tenant_id
        or not is_casework_member(by, agency)
    ):
        raise ReferralError(
            "Only a practitioner of children's social care can step a case down to a CAF.",
            field="agency",
        )
    if child.tenant_id != by.tenant_id:
        raise ReferralError("This child is not on your register.", field="child")
    reference = _text(
        statutory_reference,
        field="statutory_reference",
        limit=REFERENCE_MAX,
        label="the social care case reference",
    )
    venue = _text(venue, field="venue", limit=VENUE_MAX, label="where the meeting was held")
    notes = _text(notes, field="notes", limit=NOTES_MAX, label="notes", required=False)
    family = [_family(line) for line in _lines(family_attendees, field="family_attendees")]
    others = _lines(other_attendees, field="other_attendees")
    today = timezone.localdate()
    if not isinstance(meeting_on, date) or isinstance(meeting_on, datetime):
        raise ReferralError("Enter the date of the final statutory meeting.", field="meeting_on")
    if meeting_on > today:
        raise ReferralError("The meeting cannot be in the future.", field="meeting_on")
    if (today - meeting_on).days > STEP_DOWN_WITHIN_DAYS:
        raise ReferralError(
            "The meeting is more than a year ago: check the year.", field="meeting_on"
        )
    previous = (
        Case.objects.filter(child=child, state=CaseState.CLOSED).order_by("-closed_on").first()
    )
    try:
        with transaction.atomic(), acting_as(by, agency_id=agency.pk):
            Child.objects.select_for_update().filter(pk=child.pk).first()
            if (
                Case.objects.filter(child=child)
                .exclude(state__in=(CaseState.CLOSED, CaseState.ARCHIVED))
                .exists()
            ):
                raise ReferralError(
                    "This child already has an open CAF: contact its lead professional instead.",
                    field="child",
                )
            try:
                case = case_open(
                    child=child, assessor_agency=agency, by=by, previous_episode=previous
                )
            except CaseError as error:
                raise ReferralError(error.message, field=error.field) from error
            case.stepped_down_from = reference
            case.full_clean(validate_constraints=False)
            case.save(update_fields=["stepped_down_from", "updated_at"])
            held_at = timezone.make_aware(datetime.combine(meeting_on, time(12, 0)))
            record = notes
            if others:
                record = "Also attended: " + "; ".join(others) + ("\n\n" + notes if notes else "")
            meeting = TacMeeting(
                tenant_id=case.tenant_id,
                case=case,
                convened_by=by,
                convened_by_agency=agency,
                scheduled_at=held_at,
                venue=venue,
                purpose=f"Final statutory meeting of social care case {reference}, recorded as "
                "the first team around the child meeting of this CAF (step-down).",
                actions_reviewed=record,
                state=MeetingState.HELD,
                held_on=meeting_on,
                held_recorded_by=by,
            )
            _full_clean(meeting)
            meeting.save()
            participants = [
                TacParticipant(
                    meeting=meeting,
                    kind=ParticipantKind.PRACTITIONER,
                    user=by,
                    agency=agency,
                    response=ParticipantResponse.ATTENDING,
                    attended=True,
                )
            ]
            participants += [
                TacParticipant(
                    meeting=meeting,
                    kind=ParticipantKind.FAMILY,
                    name=name,
                    relationship=relationship,
                    response=ParticipantResponse.ATTENDING,
                    attended=True,
                )
                for name, relationship in family
            ]
            for participant in participants:
                _full_clean(participant)
                participant.save()
    except IntegrityError as error:
        raise ReferralError("This child already has an open CAF.", field="child") from error
    return case
