"""The lead professional of a case (R-LP-1, 000 §5, seed 003).

A practitioner is proposed (at a TAC, at a forum, by the CAF team, or in a handover from the
current lead) and becomes lead only when they accept. One proposal waits at a time; the lead
stays lead until a successor accepts, so a case that once had a lead never loses one.
Disagreements go to the CAF team, which resolves them (and may propose a lead in doing so).

Who may:

- propose: a TAC or forum (through ``meetings``' services) or the CAF team (``may_propose``);
- hand over: the current lead or the CAF team (``may_hand_over``);
- withdraw a waiting proposal: whoever proposed it or the CAF team;
- accept or decline: the proposed practitioner alone;
- raise a disagreement: anyone with CHANGE on the case; resolve it: a CAF coordinator or
  manager of the case's tenant.

A practitioner may be proposed only for an agency the family's consent lets see the case (or
the assessor's agency): their agency joins the team when they accept (``team_agency_join``).
"""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import CASEWORK_ROLES, Agency, AgencyKind, Role, User
from agencies.roles import caf_team_of, in_caf_team, in_caf_team_as
from audit.context import acting_as
from cafsite.errors import CafError
from cases.models import Case, TeamJoinReason
from cases.permissions import CHANGE, VIEW, acting_agency_id, user_may
from cases.team import TeamError, team_agency_join
from deadlines.rules import task_due
from delivery.models import (
    LeadChangeReason,
    LeadDispute,
    LeadDisputeState,
    LeadProposal,
    LeadProposalSource,
    LeadProposalState,
)
from referrals.models import TaskKind, TaskState
from referrals.services import task_close, task_create

TEXT_MAX = 2000

HANDOVER_REASONS = (
    LeadChangeReason.NEEDS_CHANGED,
    LeadChangeReason.PRACTITIONER_LEFT,
    LeadChangeReason.CHILD_OLDER,
    LeadChangeReason.FAMILY_WISH,
)


class LeadError(CafError):
    pass


# --- Who may ---------------------------------------------------------------------------------


def _in_tenant(user: User, case: Case) -> bool:
    return getattr(user, "is_authenticated", False) and user.tenant_id == case.tenant_id


def may_propose(user: User, case: Case) -> bool:
    """The CAF team proposes a lead outside a meeting."""
    return _in_tenant(user, case) and in_caf_team(user) and user_may(user, case, VIEW)


def may_hand_over(user: User, case: Case) -> bool:
    """The current lead or the CAF team plans a handover."""
    if not _in_tenant(user, case) or not user_may(user, case, VIEW):
        return False
    return user.pk == case.lead_professional_id or in_caf_team(user)


def may_withdraw(user: User, proposal: LeadProposal) -> bool:
    if not _in_tenant(user, proposal.case) or not user_may(user, proposal.case, VIEW):
        return False
    return user.pk == proposal.proposed_by_id or in_caf_team(user)


def may_raise_dispute(user: User, case: Case) -> bool:
    return _in_tenant(user, case) and user_may(user, case, CHANGE)


def may_resolve(user: User, case: Case) -> bool:
    # CHANGE: an archived CAF is read-only, for the CAF team too (R-RET-1).
    return (
        _in_tenant(user, case)
        and in_caf_team_as(user, Role.CAF_COORDINATOR, Role.MANAGER)
        and user_may(user, case, CHANGE)
    )


def lead_agencies_for(user: User, case: Case) -> list[Agency]:
    """The agencies ``user`` could lead ``case`` for: active agencies of the case's tenant in
    which they hold a casework role and which see the case through the family's consent, or
    the assessor's agency. The assessor's agency comes first."""
    from consent.selectors import current_consent

    if (
        not user.is_active
        or user.is_superuser
        or user.tenant_id != case.tenant_id
        or not user.has_dbs_check
    ):
        return []
    agencies = list(
        Agency.objects.filter(
            tenant_id=case.tenant_id,
            is_active=True,
            memberships__user=user,
            memberships__role__in=CASEWORK_ROLES,
        )
        .distinct()
        .order_by("name")
    )
    consent = current_consent(case)
    granted = (
        set(consent.grants.filter(revoked_at__isnull=True).values_list("agency_id", flat=True))
        if consent is not None
        else set()
    )
    found = [
        agency
        for agency in agencies
        if agency.pk == case.assessor_agency_id
        or (agency.pk in granted and agency.kind != AgencyKind.CAF_TEAM)
    ]
    return sorted(found, key=lambda agency: agency.pk != case.assessor_agency_id)


def lead_candidates(case: Case) -> list[tuple[User, Agency]]:
    """Everyone who could be proposed as lead of ``case``, with the agency they would lead
    for: the casework members, DBS checked, of the assessor's agency and of the agencies the
    family's consent covers (the form's choices; the services check each proposal again)."""
    from consent.selectors import current_consent

    consent = current_consent(case)
    agency_ids = {case.assessor_agency_id}
    if consent is not None:
        agency_ids |= set(
            consent.grants.filter(revoked_at__isnull=True)
            .exclude(agency__kind=AgencyKind.CAF_TEAM)
            .values_list("agency_id", flat=True)
        )
    people = []
    agencies = Agency.objects.filter(pk__in=agency_ids, tenant_id=case.tenant_id, is_active=True)
    for agency in agencies.order_by("name"):
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


# --- Helpers ---------------------------------------------------------------------------------


def _text(value, *, field: str, label: str, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise LeadError(f"Enter {label}.", field=field)
    value = value.strip()
    if "\x00" in value:
        raise LeadError("Remove the unprintable characters.", field=field)
    if required and not value:
        raise LeadError(f"Enter {label}.", field=field)
    if len(value) > TEXT_MAX:
        raise LeadError(f"Enter no more than {TEXT_MAX:,} characters.", field=field)
    return value


def _lock_case(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("child").get(pk=case.pk)


def _agency_of(user: User, case: Case) -> Agency:
    """The agency a write of ``user`` on ``case`` is filed under."""
    agency_id = acting_agency_id(user, case)
    if agency_id is not None:
        return Agency.objects.get(pk=agency_id)
    team = caf_team_of(case.tenant_id)
    if team is None:
        raise LeadError("This area has no CAF team.")
    return team


def _choose_agency(case: Case, proposed: User, agency: Agency | None) -> Agency:
    candidates = lead_agencies_for(proposed, case)
    if not candidates:
        raise LeadError(
            "This practitioner cannot lead this CAF: the family has not agreed to share it "
            "with their agency, or they cannot see it.",
            field="proposed",
        )
    if agency is None:
        return candidates[0]
    if agency.pk not in {candidate.pk for candidate in candidates}:
        raise LeadError(
            "Choose an agency of the practitioner's that the family agreed to share with.",
            field="agency",
        )
    return agency


def _propose(
    *,
    case: Case,
    by: User,
    proposed: User,
    agency: Agency | None,
    source: LeadProposalSource,
    reason: LeadChangeReason | None,
    note: str,
    meeting=None,
    nomination=None,
) -> LeadProposal:
    """Inside the caller's transaction, with ``case`` locked."""
    if not isinstance(proposed, User) or proposed.tenant_id != case.tenant_id:
        raise LeadError("Choose a practitioner of this area.", field="proposed")
    if not case.is_open:
        raise LeadError("This CAF is closed: no lead professional can be proposed.")
    if proposed.pk == case.lead_professional_id:
        raise LeadError("This practitioner is already the lead professional.", field="proposed")
    if reason is None:
        reason = (
            LeadChangeReason.FIRST
            if case.lead_professional_id is None
            else LeadChangeReason.NEEDS_CHANGED
        )
    if reason not in LeadChangeReason.values:
        raise LeadError("Choose a reason.", field="reason")
    if reason == LeadChangeReason.FIRST and case.lead_professional_id is not None:
        raise LeadError("This CAF already has a lead professional: give a reason for the change.")
    chosen = _choose_agency(case, proposed, agency)
    if LeadProposal.objects.filter(case=case, state=LeadProposalState.PENDING).exists():
        raise LeadError(
            "A lead professional is already proposed for this CAF: wait for their answer or "
            "withdraw the proposal.",
            field="proposed",
        )
    with acting_as(by, agency_id=acting_agency_id(by, case)):
        try:
            with transaction.atomic():
                proposal = LeadProposal.objects.create(
                    tenant_id=case.tenant_id,
                    case=case,
                    proposed=proposed,
                    proposed_agency=chosen,
                    previous_lead_id=case.lead_professional_id,
                    proposed_by=by,
                    source=source,
                    meeting=meeting,
                    nomination=nomination,
                    reason=reason,
                    note=note,
                )
        except IntegrityError as error:
            raise LeadError(
                "A lead professional is already proposed for this CAF: wait for their answer "
                "or withdraw the proposal.",
                field="proposed",
            ) from error
        proposal.task = task_create(
            kind=TaskKind.LEAD_PROPOSAL,
            by=by,
            from_agency=_agency_of(by, case),
            assigned_agency=chosen,
            assigned_to=proposed,
            child=case.child,
            case=case,
            message="You are proposed as lead professional for a CAF: open it to accept or "
            "decline.",
            link=reverse("delivery:proposal", kwargs={"pk": proposal.pk}),
            due_on=task_due(timezone.localdate()),
        )
        proposal.save(update_fields=["task"])
    return proposal


# --- Writes ----------------------------------------------------------------------------------


def lead_propose(
    *,
    case: Case,
    by: User,
    proposed: User,
    source: LeadProposalSource,
    agency: Agency | None = None,
    reason: LeadChangeReason | None = None,
    note: str = "",
    meeting=None,
    nomination=None,
) -> LeadProposal:
    """Propose ``proposed`` as lead professional of ``case`` (R-LP-1): at a TAC or a forum
    (the meetings' services call this once they have checked who acts), or by the CAF team.
    The practitioner gets a task to accept or decline within 5 working days. The reason is
    "first" when the case has no lead, else "needs changed", unless given. Raises LeadError
    when a proposal is already waiting, the practitioner's agency is not one the family agreed
    to share with, or the case is closed."""
    if source not in (
        LeadProposalSource.TAC,
        LeadProposalSource.FORUM,
        LeadProposalSource.CAF_TEAM,
    ):
        raise LeadError("Choose where the lead professional was proposed.", field="source")
    if not _in_tenant(by, case):
        raise LeadError("Case not found.")
    # At a TAC or a forum the meetings' services have checked who acts.
    if source == LeadProposalSource.CAF_TEAM and not may_propose(by, case):
        raise LeadError("Only the CAF team proposes a lead professional outside a meeting.")
    note = _text(note, field="note", label="a note", required=False)
    with transaction.atomic():
        case = _lock_case(case)
        return _propose(
            case=case,
            by=by,
            proposed=proposed,
            agency=agency,
            source=source,
            reason=reason,
            note=note,
            meeting=meeting,
            nomination=nomination,
        )


def lead_propose_agreed(
    *,
    case: Case,
    by: User,
    proposed: User,
    source: LeadProposalSource,
    meeting=None,
    nomination=None,
) -> LeadProposal | None:
    """``lead_propose`` for a lead agreed at a TAC or forum, where agreeing the practitioner
    who already leads, or is already waiting to answer, proposes nothing new."""
    if proposed.pk == case.lead_professional_id:
        return None
    waiting = LeadProposal.objects.filter(case=case, state=LeadProposalState.PENDING).first()
    if waiting is not None and waiting.proposed_id == proposed.pk:
        return None
    return lead_propose(
        case=case, by=by, proposed=proposed, source=source, meeting=meeting, nomination=nomination
    )


def lead_handover_propose(
    *,
    case: Case,
    by: User,
    proposed: User,
    reason: LeadChangeReason,
    agency: Agency | None = None,
    note: str = "",
) -> LeadProposal:
    """Plan a handover (R-LP-1): the current lead or the CAF team proposes a successor with a
    reason. The current lead stays lead until the successor accepts."""
    if not may_hand_over(by, case):
        raise LeadError("Only the lead professional or the CAF team can hand over the lead.")
    if reason not in HANDOVER_REASONS:
        raise LeadError("Choose why the lead professional changes.", field="reason")
    note = _text(note, field="note", label="a note", required=False)
    with transaction.atomic():
        case = _lock_case(case)
        if case.lead_professional_id is None:
            raise LeadError("This CAF has no lead professional yet: propose one instead.")
        if by.pk != case.lead_professional_id and not in_caf_team(by):
            raise LeadError("Only the lead professional or the CAF team can hand over the lead.")
        return _propose(
            case=case,
            by=by,
            proposed=proposed,
            agency=agency,
            source=LeadProposalSource.HANDOVER,
            reason=reason,
            note=note,
        )


def _lock_proposal(proposal: LeadProposal) -> tuple[Case, LeadProposal]:
    case = _lock_case(proposal.case)
    locked = LeadProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.state != LeadProposalState.PENDING:
        raise LeadError(
            f"This proposal is no longer waiting for an answer: "
            f"{locked.get_state_display().lower()}."
        )
    return case, locked


def lead_accept(*, proposal: LeadProposal, by: User) -> Case:
    """The proposed practitioner accepts: they become the lead professional, for the agency
    they were proposed for, from today; that agency joins the team (VIEW and CHANGE). The case
    is locked, so two acceptances cannot both win."""
    if by.pk != proposal.proposed_id:
        raise LeadError("Proposal not found.")
    with transaction.atomic():
        case, proposal = _lock_proposal(proposal)
        if not case.is_open:
            raise LeadError("This CAF is closed: it no longer needs a lead professional.")
        if proposal.proposed_agency_id not in {a.pk for a in lead_agencies_for(by, case)}:
            raise LeadError(
                "The family's consent no longer covers your agency: you cannot lead this CAF "
                "until new consent is recorded."
            )
        with acting_as(by, agency_id=proposal.proposed_agency_id):
            case.lead_professional = by
            case.lead_agency_id = proposal.proposed_agency_id
            case.lead_since = timezone.localdate()
            case.save(
                update_fields=["lead_professional", "lead_agency", "lead_since", "updated_at"]
            )
            try:
                team_agency_join(
                    case=case,
                    agency=proposal.proposed_agency,
                    by=by,
                    reason=TeamJoinReason.LEAD_PROFESSIONAL,
                )
            except TeamError as error:
                raise LeadError(error.message) from error
            proposal.state = LeadProposalState.ACCEPTED
            proposal.decided_at = timezone.now()
            proposal.save(update_fields=["state", "decided_at"])
            if proposal.task is not None:
                task_close(proposal.task, state=TaskState.ACCEPTED, by=by, response="Accepted.")
    return case


def lead_decline(*, proposal: LeadProposal, by: User, reason: str) -> LeadProposal:
    """The proposed practitioner declines, saying why; the proposer reads the reason in the
    answer to their task. The current lead (if any) stays."""
    if by.pk != proposal.proposed_id:
        raise LeadError("Proposal not found.")
    reason = _text(reason, field="reason", label="why you decline", required=True)
    with transaction.atomic():
        _, proposal = _lock_proposal(proposal)
        with acting_as(by, agency_id=proposal.proposed_agency_id):
            proposal.state = LeadProposalState.DECLINED
            proposal.decided_at = timezone.now()
            proposal.decline_reason = reason
            proposal.save(update_fields=["state", "decided_at", "decline_reason"])
            if proposal.task is not None:
                task_close(proposal.task, state=TaskState.DECLINED, by=by, response=reason)
    return proposal


def _withdraw(proposal: LeadProposal, by: User, why: str) -> None:
    with acting_as(by, agency_id=acting_agency_id(by, proposal.case)):
        proposal.state = LeadProposalState.WITHDRAWN
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["state", "decided_at"])
        if proposal.task is not None:
            task_close(proposal.task, state=TaskState.DONE, by=by, response=why)


def lead_withdraw(*, proposal: LeadProposal, by: User) -> LeadProposal:
    """Whoever proposed a waiting proposal, or the CAF team, withdraws it."""
    if not may_withdraw(by, proposal):
        raise LeadError("Proposal not found.")
    with transaction.atomic():
        _, proposal = _lock_proposal(proposal)
        _withdraw(proposal, by, "Withdrawn: you are no longer proposed as lead professional.")
    return proposal


def lead_dispute_raise(*, case: Case, by: User, about: str) -> LeadDispute:
    """Take a disagreement about the lead professional to the CAF team (R-LP-1): a task in the
    CAF team's queue, without case content. One disagreement is open at a time."""
    if not may_raise_dispute(by, case):
        raise LeadError("Case not found.")
    about = _text(about, field="about", label="what the disagreement is", required=True)
    team = caf_team_of(case.tenant_id)
    if team is None:
        raise LeadError("This area has no CAF team to take the disagreement to.")
    with transaction.atomic():
        case = _lock_case(case)
        if not case.is_open:
            raise LeadError("This CAF is closed: there is no lead professional to disagree about.")
        if LeadDispute.objects.filter(case=case, state=LeadDisputeState.OPEN).exists():
            raise LeadError(
                "The CAF team already has a disagreement about this lead.", field="about"
            )
        agency = _agency_of(by, case)
        with acting_as(by, agency_id=agency.pk):
            try:
                with transaction.atomic():
                    dispute = LeadDispute.objects.create(
                        tenant_id=case.tenant_id,
                        case=case,
                        raised_by=by,
                        raised_by_agency=agency,
                        about=about,
                    )
            except IntegrityError as error:
                raise LeadError(
                    "The CAF team already has a disagreement about this lead.", field="about"
                ) from error
            dispute.task = task_create(
                kind=TaskKind.LEAD_DISPUTE,
                by=by,
                from_agency=agency,
                assigned_agency=team,
                child=case.child,
                case=case,
                message="A disagreement about a lead professional needs the CAF team.",
                link=reverse("delivery:dispute", kwargs={"pk": dispute.pk}),
                due_on=task_due(timezone.localdate()),
            )
            dispute.save(update_fields=["task"])
    return dispute


def lead_dispute_resolve(
    *,
    dispute: LeadDispute,
    by: User,
    resolution: str,
    proposed: User | None = None,
    agency: Agency | None = None,
) -> LeadDispute:
    """A CAF coordinator or manager resolves a disagreement, writing how; naming a
    practitioner proposes them as lead ("decided by the CAF team"), withdrawing any proposal
    still waiting. Refused for a disagreement already resolved."""
    case = dispute.case
    if not may_resolve(by, case):
        raise LeadError("Only a CAF coordinator or manager resolves a disagreement.")
    resolution = _text(resolution, field="resolution", label="how it was resolved", required=True)
    with transaction.atomic():
        case = _lock_case(case)
        dispute = LeadDispute.objects.select_for_update().get(pk=dispute.pk)
        if dispute.state != LeadDisputeState.OPEN:
            raise LeadError("This disagreement is already resolved.")
        with acting_as(by, agency_id=acting_agency_id(by, case)):
            if proposed is not None:
                waiting = (
                    LeadProposal.objects.select_for_update()
                    .filter(case=case, state=LeadProposalState.PENDING)
                    .first()
                )
                if waiting is not None:
                    _withdraw(
                        waiting,
                        by,
                        "Withdrawn: the CAF team resolved a disagreement about this lead.",
                    )
                dispute.resolved_with = _propose(
                    case=case,
                    by=by,
                    proposed=proposed,
                    agency=agency,
                    source=LeadProposalSource.CAF_TEAM,
                    reason=LeadChangeReason.DISPUTE_RESOLVED,
                    note=resolution,
                )
            dispute.state = LeadDisputeState.RESOLVED
            dispute.resolved_by = by
            dispute.resolved_at = timezone.now()
            dispute.resolution = resolution
            dispute.save(
                update_fields=["state", "resolved_by", "resolved_at", "resolution", "resolved_with"]
            )
            if dispute.task is not None:
                task_close(dispute.task, state=TaskState.DONE, by=by, response=resolution)
    return dispute


# --- Reads -----------------------------------------------------------------------------------


def proposal_for_user(user: User, pk) -> LeadProposal | None:
    """A proposal ``user`` may open: the proposed practitioner, whoever proposed it, or the
    CAF team, each while they see the case. None otherwise (the caller answers 404)."""
    from cases.permissions import _as_id

    number = _as_id(pk)
    if number is None or not getattr(user, "is_authenticated", False):
        return None
    proposal = (
        LeadProposal.objects.select_related("case__child", "proposed", "proposed_agency")
        .filter(pk=number, tenant_id=user.tenant_id)
        .first()
    )
    if proposal is None:
        return None
    if not user_may(user, proposal.case, VIEW):
        return None
    if user.pk in (proposal.proposed_id, proposal.proposed_by_id) or in_caf_team(user):
        return proposal
    return None


def dispute_for_user(user: User, pk) -> LeadDispute | None:
    """A disagreement the CAF team (or its raiser, seeing the case) may open."""
    from cases.permissions import _as_id

    number = _as_id(pk)
    if number is None or not getattr(user, "is_authenticated", False):
        return None
    dispute = (
        LeadDispute.objects.select_related("case__child", "raised_by", "raised_by_agency")
        .filter(pk=number, tenant_id=user.tenant_id)
        .first()
    )
    if dispute is None or not user_may(user, dispute.case, VIEW):
        return None
    if in_caf_team(user) or user.pk == dispute.raised_by_id:
        return dispute
    return None
