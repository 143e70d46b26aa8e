"""Team-around-the-child meetings of a case (R-TAC-1..2, R-LP-1, R-ASSESS-7, seed 003).

Who may do what:

- Convening: the case's assessor, its lead professional, or the CAF team, on an open case
  whose assessment has begun (``may_convene``).
- Changing a meeting (inviting, recording, agreeing actions, holding, cancelling): anyone
  with CHANGE on the case (the assessor's agency, the CAF team), the case's lead
  professional, and whoever convened it (``may_change``). Holding also makes a new version
  of the assessment, which only the assessor's agency and the CAF team may do.
- Answering an invitation: the invited practitioner alone (``tac_participant_respond``).

Invitees come only from agencies that see the case through the family's consent
(``consent.services.agency_excluded``, R-CONSENT-4); family members are names, not users.

Holding a meeting makes a new version of the assessment (R-ASSESS-7, seed 003 checklist
12). If the version cannot be made (the latest version is still being written, is with the
CAF team, was returned for correction, or has contributions outstanding), the meeting is
not recorded as held: the user is told why, puts it right, and records the meeting as held
again. A held meeting without its version would break the rule that every TAC has one.
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, User
from agencies.roles import in_caf_team
from assessments.models import Assessment, VersionReason
from assessments.services import AssessmentError
from assessments.services.versions import version_create
from audit.context import acting_as
from cases.models import Case, CaseState, PlanAction
from cases.permissions import CHANGE, acting_agency_id, user_may
from cases.plans import PlanError, clean_text, is_casework_member, plan_action_agree
from consent.services import agency_excluded
from meetings.models import (
    MeetingState,
    ParticipantKind,
    ParticipantResponse,
    TacMeeting,
    TacParticipant,
)
from meetings.services import MeetingError

# R-TAC-2: "at most ~6 services": more is a warning, never a refusal.
SERVICES_ADVISED = 6
PURPOSE_MAX = 2000
NOTES_MAX = 10000
NAME_MAX = 200
RELATIONSHIP_MAX = 100
UPDATE_MAX = 5000
REASON_MAX = 2000
# A meeting arranged further ahead or further back than this is a mistake in the year.
FURTHEST = timedelta(days=366)

# The agenda items ``tac_record`` saves (seed 003's example agenda).
RECORD_TEXT_FIELDS = {
    "purpose": PURPOSE_MAX,
    "chaired_by": NAME_MAX,
    "recorded_by_name": NAME_MAX,
    "actions_reviewed": NOTES_MAX,
    "development_notes": NOTES_MAX,
    "parenting_notes": NOTES_MAX,
    "family_environment_notes": NOTES_MAX,
    "next_meeting_venue": NAME_MAX,
}
RECORD_FLAGS = ("consent_checked", "confidentiality_agreed")
RECORD_FIELDS = (
    *RECORD_TEXT_FIELDS,
    *RECORD_FLAGS,
    "lead_professional_proposed",
    "next_meeting_at",
)


# --- Who may ---------------------------------------------------------------------------------


def _sees(user: User, case: Case) -> bool:
    from cases.permissions import VIEW

    return user_may(user, case, VIEW)


def may_convene(user: User, case: Case) -> bool:
    """The assessor, the lead professional or a member of the CAF team, seeing the case."""
    if not getattr(user, "is_authenticated", False) or not _sees(user, case):
        return False
    if user.pk in (case.assessor_id, case.lead_professional_id):
        return True
    return in_caf_team(user) and user.tenant_id == case.tenant_id


def may_change(user: User, meeting: TacMeeting) -> bool:
    case = meeting.case
    if not getattr(user, "is_authenticated", False) or not _sees(user, case):
        return False
    if case.state == CaseState.ARCHIVED:
        return False  # read-only, even for whoever convened it (R-RET-1)
    if user.pk in (case.lead_professional_id, meeting.convened_by_id):
        return True
    return user_may(user, case, CHANGE)


def _require_change(meeting: TacMeeting, by: User) -> None:
    if not may_change(by, meeting):
        raise MeetingError("Meeting not found.")


def _acting(by: User, case: Case):
    return acting_as(by, agency_id=acting_agency_id(by, case))


def _lock(meeting: TacMeeting) -> TacMeeting:
    return (
        TacMeeting.objects.select_for_update(of=("self",)).select_related("case").get(pk=meeting.pk)
    )


def _require_planned(meeting: TacMeeting, doing: str) -> None:
    if meeting.state == MeetingState.HELD:
        raise MeetingError(f"This meeting has been held: {doing} is no longer possible.")
    if meeting.state == MeetingState.CANCELLED:
        raise MeetingError(f"This meeting was cancelled: {doing} is no longer possible.")


def _text(value, *, field: str, limit: int, required: bool = False, label: str = "") -> str:
    try:
        return clean_text(value, field=field, limit=limit, required=required, label=label)
    except PlanError as error:
        raise MeetingError(error.message, field=error.field) from error


def _datetime(value, *, field: str, label: str) -> datetime:
    if not isinstance(value, datetime):
        raise MeetingError(f"Enter the {label}.", field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    now = timezone.now()
    if not now - FURTHEST <= value <= now + FURTHEST:
        raise MeetingError(
            f"The {label} is more than a year away from today: check the year.", field=field
        )
    return value


def _full_clean(instance) -> None:
    try:
        instance.full_clean()
    except ValidationError as problem:
        field, messages = next(iter(problem.message_dict.items()))
        raise MeetingError(messages[0], field=None if field == "__all__" else field) from problem


# --- Reading ---------------------------------------------------------------------------------


def services_of(meeting: TacMeeting) -> int:
    """How many agencies are invited (R-TAC-2 advises no more than about six)."""
    return (
        meeting.participants.filter(kind=ParticipantKind.PRACTITIONER)
        .values("agency_id")
        .distinct()
        .count()
    )


def too_many_services_warning(meeting: TacMeeting) -> str:
    count = services_of(meeting)
    if count <= SERVICES_ADVISED:
        return ""
    return (
        f"{count} services are invited. A team around the child works best with no more than "
        f"about {SERVICES_ADVISED}: think about who really needs to be there."
    )


def invitable_agencies(case: Case) -> list[Agency]:
    """The tenant's active agencies that see the case through the family's consent (and the
    assessor's agency and the CAF team, which always do)."""
    return [
        agency
        for agency in Agency.objects.filter(tenant_id=case.tenant_id, is_active=True).order_by(
            "name"
        )
        if not agency_excluded(case, agency)
    ]


def invitable_practitioners(case: Case) -> list[tuple[User, Agency]]:
    """Casework members, DBS checked, of the agencies a meeting of ``case`` may invite."""
    from agencies.models import CASEWORK_ROLES

    people = []
    for agency in invitable_agencies(case):
        members = (
            User.objects.filter(
                memberships__agency=agency,
                memberships__role__in=CASEWORK_ROLES,
                is_active=True,
                is_superuser=False,
                tenant_id=case.tenant_id,
                dbs_checked_on__isnull=False,
            )
            .exclude(dbs_reference="")
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        people += [(member, agency) for member in members]
    return people


# --- Writes ----------------------------------------------------------------------------------


def tac_convene(
    *, case: Case, by: User, scheduled_at: datetime, venue: str, purpose: str = ""
) -> TacMeeting:
    """Arrange a TAC meeting of ``case`` (R-TAC-1): by its assessor, its lead professional
    or the CAF team, on an open case whose assessment has begun."""
    if not may_convene(by, case):
        raise MeetingError(
            "Only the assessor, the lead professional or the CAF team can arrange a team "
            "around the child meeting."
        )
    scheduled_at = _datetime(scheduled_at, field="scheduled_at", label="date and time")
    venue = _text(venue, field="venue", limit=NAME_MAX, required=True, label="the venue")
    purpose = _text(purpose, field="purpose", limit=PURPOSE_MAX)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not case.is_open:
            raise MeetingError("This case is closed: a meeting cannot be arranged.")
        if not Assessment.objects.filter(case=case).exists():
            raise MeetingError(
                "The assessment has not started: begin it with the family before arranging a "
                "team around the child meeting."
            )
        agency_id = acting_agency_id(by, case)
        with _acting(by, case):
            meeting = TacMeeting(
                tenant_id=case.tenant_id,
                case=case,
                convened_by=by,
                convened_by_agency_id=agency_id,
                scheduled_at=scheduled_at,
                venue=venue,
                purpose=purpose,
            )
            _full_clean(meeting)
            meeting.save()
    return meeting


def tac_participant_invite(
    *,
    meeting: TacMeeting,
    by: User,
    user: User | None = None,
    agency: Agency | None = None,
    name: str = "",
    relationship: str = "",
) -> TacParticipant:
    """Invite a practitioner (``user`` of ``agency``) or a family member (``name`` and
    ``relationship``, not a user). A practitioner's agency must see the case through the
    family's consent; an agency the family excluded is refused by name (R-CONSENT-4). More
    than about six services is advised against, not refused: see
    ``too_many_services_warning``."""
    _require_change(meeting, by)
    name = _text(name, field="name", limit=NAME_MAX)
    relationship = _text(relationship, field="relationship", limit=RELATIONSHIP_MAX)
    if user is None and agency is None and not name:
        raise MeetingError("Choose a practitioner, or enter a family member's name.", field="user")
    if (user is not None or agency is not None) and (name or relationship):
        raise MeetingError("Invite a practitioner or a family member, one at a time.", field="name")
    with transaction.atomic():
        meeting = _lock(meeting)
        case = meeting.case
        _require_planned(meeting, "inviting")
        if user is None and agency is None:
            participant = TacParticipant(
                meeting=meeting,
                kind=ParticipantKind.FAMILY,
                name=name,
                relationship=relationship,
            )
        else:
            if agency is None:
                raise MeetingError("Choose the practitioner's agency.", field="agency")
            if user is None:
                raise MeetingError("Choose the practitioner.", field="user")
            if agency.tenant_id != case.tenant_id:
                raise MeetingError("Choose an agency from the list.", field="agency")
            if agency_excluded(case, agency):
                raise MeetingError(
                    f"{agency.name} cannot be invited: the family has not agreed to share "
                    "this case with it.",
                    field="agency",
                )
            if not is_casework_member(user, agency):
                raise MeetingError(
                    f"Choose a practitioner of {agency.name} (with a DBS check on record).",
                    field="user",
                )
            if meeting.participants.filter(user=user).exists():
                raise MeetingError("This practitioner is already invited.", field="user")
            participant = TacParticipant(
                meeting=meeting, kind=ParticipantKind.PRACTITIONER, user=user, agency=agency
            )
        with _acting(by, case):
            _full_clean(participant)
            participant.save()
    return participant


def tac_participant_respond(
    *, participant: TacParticipant, by: User, response: str, written_update: str = ""
) -> TacParticipant:
    """The invited practitioner says they will come, or sends apologies with a written update
    on their actions to be read at the meeting (seed 003 checklist 8)."""
    if participant.kind != ParticipantKind.PRACTITIONER or participant.user_id != by.pk:
        raise MeetingError("Invitation not found.")
    if response not in (ParticipantResponse.ATTENDING, ParticipantResponse.APOLOGIES):
        raise MeetingError("Say whether you will attend.", field="response")
    written_update = _text(written_update, field="written_update", limit=UPDATE_MAX)
    if response == ParticipantResponse.APOLOGIES and not written_update:
        raise MeetingError(
            "Write an update on your actions and anything new, for the meeting to read in your "
            "absence.",
            field="written_update",
        )
    with transaction.atomic():
        meeting = _lock(participant.meeting)
        if not _sees(by, meeting.case):
            raise MeetingError("Invitation not found.")
        if meeting.case.state == CaseState.ARCHIVED:
            raise MeetingError("This CAF is archived: it is read-only.")  # R-RET-1
        _require_planned(meeting, "answering the invitation")
        participant = TacParticipant.objects.select_for_update().get(pk=participant.pk)
        participant.response = response
        participant.written_update = written_update
        with _acting(by, meeting.case):
            participant.save(update_fields=["response", "written_update"])
    participant.meeting = meeting
    return participant


class StaleRevision(MeetingError):
    """The meeting changed since the form was opened; ``current`` is what is saved now."""

    def __init__(self, message: str, *, current: TacMeeting) -> None:
        super().__init__(message, field="revision")
        self.current = current


def tac_record(*, meeting: TacMeeting, by: User, revision: int, **fields) -> TacMeeting:
    """Save the record of the meeting, agenda item by agenda item (seed 003): purpose, who
    chairs and records, the consent and confidentiality check, actions reviewed, the three
    domains, the lead professional proposed (an invited practitioner; R-LP-1: only proposed
    here) and the next meeting. Only the fields given change.

    ``revision`` is the meeting's revision when the form was opened: if someone saved since,
    nothing is saved and ``StaleRevision`` carries what is saved now, so the page can show
    both and the user's text is never lost."""
    _require_change(meeting, by)
    unknown = set(fields) - set(RECORD_FIELDS)
    if unknown:
        raise MeetingError(f"Unknown item: {', '.join(sorted(unknown))}.")
    if not isinstance(revision, int) or isinstance(revision, bool):
        raise MeetingError("Reload the page and try again.", field="revision")
    clean = {}
    for field, limit in RECORD_TEXT_FIELDS.items():
        if field in fields:
            clean[field] = _text(fields[field], field=field, limit=limit)
    for field in RECORD_FLAGS:
        if field in fields:
            if not isinstance(fields[field], bool):
                raise MeetingError("Answer yes or no.", field=field)
            clean[field] = fields[field]
    if fields.get("next_meeting_at") is not None:
        clean["next_meeting_at"] = _datetime(
            fields["next_meeting_at"], field="next_meeting_at", label="next meeting's date"
        )
    elif "next_meeting_at" in fields:
        clean["next_meeting_at"] = None
    with transaction.atomic():
        locked = _lock(meeting)
        if locked.state == MeetingState.CANCELLED:
            raise MeetingError("This meeting was cancelled: its record cannot change.")
        if revision != locked.revision:
            raise StaleRevision(
                "Someone else saved this record while you were writing. Nothing of yours was "
                "saved: your text is below, with what is saved now. Check both, then save again.",
                current=locked,
            )
        if "lead_professional_proposed" in fields:
            proposed = fields["lead_professional_proposed"]
            if (
                proposed is not None
                and not locked.participants.filter(
                    kind=ParticipantKind.PRACTITIONER, user=proposed
                ).exists()
            ):
                raise MeetingError(
                    "Propose a practitioner invited to this meeting.",
                    field="lead_professional_proposed",
                )
            clean["lead_professional_proposed"] = proposed
        if clean.get("next_meeting_at") and clean["next_meeting_at"] <= locked.scheduled_at:
            raise MeetingError("The next meeting is after this one.", field="next_meeting_at")
        for field, value in clean.items():
            setattr(locked, field, value)
        locked.revision += 1
        with _acting(by, locked.case):
            _full_clean(locked)
            locked.save()
    return locked


def tac_action_agree(
    *,
    meeting: TacMeeting,
    by: User,
    need: str,
    action: str,
    due_on: date | None,
    outcome: str = "",
    owner_agency: Agency | None = None,
    owner_user: User | None = None,
    owner_family_member: str = "",
) -> PlanAction:
    """An action agreed at the meeting: who does what by when (seed 003 8c). Owned by an
    agency other than the convener's, it is requested until that agency accepts (R-PLAN-2)."""
    _require_change(meeting, by)
    with transaction.atomic():
        meeting = _lock(meeting)
        if meeting.state == MeetingState.CANCELLED:
            raise MeetingError("This meeting was cancelled: no actions can be agreed at it.")
        try:
            plan_action = plan_action_agree(
                case=meeting.case,
                by=by,
                need=need,
                outcome=outcome,
                action=action,
                due_on=due_on,
                owner_agency=owner_agency,
                owner_user=owner_user,
                owner_family_member=owner_family_member,
                own_agency_id=meeting.convened_by_agency_id,
                today=timezone.localdate(),
            )
        except PlanError as error:
            raise MeetingError(error.message, field=error.field) from error
        with _acting(by, meeting.case):
            meeting.actions.add(plan_action)
    return plan_action


def tac_hold(
    *, meeting: TacMeeting, by: User, held_on: date | None, attendance: dict
) -> TacMeeting:
    """Record that the meeting was held on ``held_on``, who attended (``attendance``:
    participant id -> attended; anyone not named did not), and make the new version of the
    assessment the meeting asks for (R-ASSESS-7). A case whose CAF was logged moves to the
    team around the child. If the version cannot be made the meeting is not held: the error
    says why (see the module's docstring)."""
    _require_change(meeting, by)
    if not user_may(by, meeting.case, CHANGE):
        raise MeetingError(
            "Holding the meeting makes a new version of the assessment: the assessor's agency "
            "or the CAF team records it as held."
        )
    if not isinstance(held_on, date) or isinstance(held_on, datetime):
        raise MeetingError("Enter the date the meeting was held.", field="held_on")
    if held_on > timezone.localdate():
        raise MeetingError("The meeting cannot be held in the future.", field="held_on")
    if not isinstance(attendance, dict):
        raise MeetingError("Tick who attended.", field="attendance")
    with transaction.atomic():
        meeting = _lock(meeting)
        case = meeting.case
        _require_planned(meeting, "recording it as held")
        if held_on < timezone.localtime(meeting.scheduled_at).date() - FURTHEST:
            raise MeetingError(
                "The date is long before the meeting was arranged: check the year.",
                field="held_on",
            )
        participants = {p.pk: p for p in meeting.participants.select_for_update()}
        try:
            marked = {int(k): v for k, v in attendance.items()}
        except (TypeError, ValueError) as problem:
            raise MeetingError("Tick who attended from the list.", field="attendance") from problem
        if set(marked) - set(participants) or any(not isinstance(v, bool) for v in marked.values()):
            raise MeetingError("Tick who attended from the list.", field="attendance")
        assessment = Assessment.objects.filter(case=case).first()
        if assessment is None:
            raise MeetingError("The assessment has not started: the meeting cannot be held.")
        try:
            version = version_create(assessment=assessment, by=by, reason=VersionReason.TAC)
        except AssessmentError as error:
            raise MeetingError(
                "The meeting cannot be recorded as held, because holding it makes a new "
                f"version of the assessment and one cannot be made now. {error.message}"
            ) from error
        with _acting(by, case):
            for pk, participant in participants.items():
                participant.attended = marked.get(pk, False)
                participant.save(update_fields=["attended"])
            meeting.state = MeetingState.HELD
            meeting.held_on = held_on
            meeting.held_recorded_by = by
            meeting.assessment_version = version
            meeting.revision += 1
            _full_clean(meeting)
            meeting.save()
            case = Case.objects.select_for_update().get(pk=case.pk)
            if case.state == CaseState.LOGGED:
                case.state = CaseState.DELIVERY
                case.save(update_fields=["state", "updated_at"])
            if meeting.lead_professional_proposed_id:
                _lead_propose(meeting, case, by)
    return meeting


def _lead_propose(meeting: TacMeeting, case: Case, by: User) -> None:
    """R-LP-1: the lead proposed at the meeting is asked to accept (delivery.services.lead)."""
    from delivery.models import LeadProposalSource
    from delivery.services.lead import LeadError, lead_propose_agreed

    try:
        lead_propose_agreed(
            case=case,
            by=by,
            proposed=meeting.lead_professional_proposed,
            source=LeadProposalSource.TAC,
            meeting=meeting,
        )
    except LeadError as error:
        raise MeetingError(
            f"The meeting cannot be recorded as held: {error.message}",
            field="lead_professional_proposed",
        ) from error


def tac_cancel(*, meeting: TacMeeting, by: User, reason: str) -> TacMeeting:
    """Cancel a planned meeting, saying why."""
    _require_change(meeting, by)
    reason = _text(
        reason, field="reason", limit=REASON_MAX, required=True, label="why it is cancelled"
    )
    with transaction.atomic():
        meeting = _lock(meeting)
        _require_planned(meeting, "cancelling it")
        meeting.state = MeetingState.CANCELLED
        meeting.cancelled_reason = reason
        meeting.revision += 1
        with _acting(by, meeting.case):
            meeting.save(update_fields=["state", "cancelled_reason", "revision", "updated_at"])
    return meeting
