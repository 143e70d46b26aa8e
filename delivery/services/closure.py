"""Closing a CAF and reopening it (R-CLOSE-1, R-CHECK-4).

A CAF is closed with a reason agreed at a sign-off TAC meeting: a held TAC of the case is
required when the needs are met, the family did not engage, or for another reason; it is
optional when the case was escalated to statutory services, the family moved away or withdrew
consent (no meeting may be possible). A closure for non-engagement flags risk, which the
register check shows. The lead professional, the assessor or the CAF team close and reopen.
A CAF closed less than 6 months ago reopens without a new assessment; after that only a new
episode, started through the register check, is possible."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import User
from agencies.roles import in_caf_team
from audit.context import acting_as
from cafsite.errors import CafError
from cases.models import Case, CaseState
from cases.permissions import VIEW, acting_agency_id, user_may
from deadlines import rules
from delivery.models import (
    CaseClosure,
    ClosureReason,
    LeadDispute,
    LeadDisputeState,
    LeadProposal,
    LeadProposalState,
)
from meetings.models import ForumState, MeetingState, NominationState, TacMeeting
from meetings.services.nominations import LIVE_STATES
from referrals.models import ServiceRequest, ServiceRequestState, Task, TaskKind, TaskState
from referrals.services import task_close

NOTE_MAX = 5000
# R-CLOSE-1: these closures are agreed at a held sign-off TAC; the others may not have one.
TAC_REQUIRED = (ClosureReason.NEEDS_MET, ClosureReason.NON_ENGAGEMENT, ClosureReason.OTHER)


class ClosureError(CafError):
    pass


def may_close(user: User, case: Case) -> bool:
    """The case's lead professional, its assessor, or the CAF team (who must see the case)."""
    if case.tenant_id != user.tenant_id or not user_may(user, case, VIEW):
        return False
    return user.pk in (case.lead_professional_id, case.assessor_id) or in_caf_team(user)


def _text(value, *, field: str, label: str, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ClosureError(f"Enter {label} as text.", field=field)
    value = value.strip()
    if required and not value:
        raise ClosureError(f"Enter {label}.", field=field)
    if len(value) > NOTE_MAX:
        raise ClosureError(f"Enter no more than {NOTE_MAX:,} characters.", field=field)
    return value


def case_close(
    *, case: Case, by: User, reason: str, note: str, meeting: TacMeeting | None = None
) -> CaseClosure:
    """Close ``case`` for ``reason`` (R-CLOSE-1), agreed at ``meeting`` (a held TAC of the
    case; required for needs met, non-engagement and other). The case becomes CLOSED on
    today's date; there is one standing closure per case (a second close is refused, and the
    database's constraint holds against a race). Non-engagement flags risk. Raises
    ``ClosureError``."""
    if not may_close(by, case):
        raise ClosureError("Only the lead professional, the assessor or the CAF team close a CAF.")
    if reason not in ClosureReason.values:
        raise ClosureError("Choose why the CAF is closing.", field="reason")
    note = _text(note, field="note", label="why the CAF is closing", required=True)
    if reason in TAC_REQUIRED and meeting is None:
        raise ClosureError(
            "Choose the sign-off TAC meeting that agreed the closure: closing for this reason "
            "is agreed at a TAC meeting.",
            field="meeting",
        )
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not case.is_open:
            raise ClosureError("This CAF is already closed.")
        if meeting is not None and (
            meeting.case_id != case.pk or meeting.state != MeetingState.HELD
        ):
            raise ClosureError("Choose a TAC meeting of this CAF that was held.", field="meeting")
        today = timezone.localdate()
        with acting_as(by, agency_id=acting_agency_id(by, case)):
            closure = CaseClosure(
                tenant_id=case.tenant_id,
                case=case,
                closed_on=today,
                reason=reason,
                note=note,
                meeting=meeting,
                closed_by=by,
                risk_flag=reason == ClosureReason.NON_ENGAGEMENT,
            )
            try:
                with transaction.atomic():
                    closure.save()
            except IntegrityError as problem:
                raise ClosureError("This CAF is already closed.") from problem
            case.state = CaseState.CLOSED
            case.closed_on = today
            case.save(update_fields=["state", "closed_on", "updated_at"])
            _end_what_waits_on(case, by)
    return closure


# Asks that a closed CAF can no longer answer: they leave the worklists with the closure.
ENDED_WITH_THE_CASE = (
    TaskKind.JOIN_REQUEST,
    TaskKind.READ_ACCESS,
    TaskKind.ACTION_REQUEST,
    TaskKind.LEAD_PROPOSAL,
    TaskKind.SERVICE_REQUEST,
    TaskKind.CONSENT_NEEDED,
    TaskKind.ACTION_PLAN,
)


def _end_what_waits_on(case: Case, by: User) -> None:
    """A pending lead proposal is withdrawn, a request for service still waiting is withdrawn,
    a disagreement about the lead is resolved, the case comes off the agendas of forums still
    to be held, and open tasks that only a live CAF can answer are closed, each saying why. A
    referral to social care waiting for its decision stays: social care still decides
    (R-REF-4)."""
    why = "The CAF was closed: nothing more is needed."
    now = timezone.now()
    for dispute in LeadDispute.objects.select_for_update().filter(
        case=case, state=LeadDisputeState.OPEN
    ):
        dispute.state = LeadDisputeState.ENDED
        dispute.resolved_by = by
        dispute.resolved_at = now
        dispute.resolution = why
        dispute.save(update_fields=["state", "resolved_by", "resolved_at", "resolution"])
        if dispute.task is not None:
            task_close(dispute.task, by=by, response=why)
    # A forum that has begun (its confidentiality statement read) keeps its agenda: the chair
    # may still be recording this case. One that has not begun, whatever its date, no longer
    # hears this child.
    for nomination in case.forum_nominations.select_for_update().filter(
        state__in=LIVE_STATES,
        session__forum__state=ForumState.SCHEDULED,
        session__forum__confidentiality_read_at__isnull=True,
    ):
        nomination.leave_agenda(NominationState.WITHDRAWN, "The CAF was closed before the forum.")
    for proposal in LeadProposal.objects.select_for_update().filter(
        case=case, state=LeadProposalState.PENDING
    ):
        proposal.state = LeadProposalState.WITHDRAWN
        proposal.decided_at = now
        proposal.save(update_fields=["state", "decided_at"])
        if proposal.task is not None:
            task_close(proposal.task, by=by, response=why)
    for request in ServiceRequest.objects.select_for_update().filter(
        case=case, state=ServiceRequestState.SENT
    ):
        request.state = ServiceRequestState.WITHDRAWN
        request.decided_at = now
        request.save(update_fields=["state", "decided_at"])
        if request.task is not None:
            task_close(request.task, by=by, response=why)
    for task in Task.objects.select_for_update().filter(
        case=case, state=TaskState.OPEN, kind__in=ENDED_WITH_THE_CASE
    ):
        task_close(task, by=by, response=why)


def case_reopen_record(*, case: Case, by: User, reason: str, today: date) -> None:
    """Reopen a locked, closed ``case`` (R-CHECK-4): back to the team around the child, its
    standing closure (if any) marked reopened with who and why. The callers check who may
    and that it closed less than 6 months ago: the case page (``case_reopen``) and the
    register check (``cases.checks.check_reopen``). Called inside their transaction."""
    case.state = CaseState.DELIVERY
    case.reopened_on = today
    case.closed_on = None
    case.full_clean()
    case.save(update_fields=["state", "reopened_on", "closed_on", "updated_at"])
    closure = (
        CaseClosure.objects.select_for_update().filter(case=case, reopened_on__isnull=True).first()
    )
    if closure is not None:
        closure.reopened_on = today
        closure.reopened_by = by
        closure.reopen_reason = reason
        closure.save(update_fields=["reopened_on", "reopened_by", "reopen_reason"])


def case_reopen(*, case: Case, by: User, reason: str) -> Case:
    """Reopen ``case`` from its page, within 6 months of its closure, without a new
    assessment (R-CHECK-4), saying why; audited as ``by``. After 6 months it is refused: only
    a new episode, through the register check. Raises ``ClosureError``."""
    if not may_close(by, case):
        raise ClosureError("Only the lead professional, the assessor or the CAF team reopen a CAF.")
    reason = _text(reason, field="reason", label="why the CAF is reopening", required=True)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.state != CaseState.CLOSED or case.closed_on is None:
            raise ClosureError("This CAF is not closed.")
        today = timezone.localdate()
        if rules.reopen_until(case.closed_on) < today:
            raise ClosureError(
                "This CAF closed more than 6 months ago: it cannot be reopened. Start a new "
                "episode through the register check."
            )
        with acting_as(by, agency_id=acting_agency_id(by, case)):
            case_reopen_record(case=case, by=by, reason=reason, today=today)
    return case
