"""The case's action plan (R-PLAN-1..2, R-REPORT-2): needs with strengths alongside, SMART
outcomes, actions with who, what, by when and status, agreed at a TAC meeting, a forum or on
the plan page.

``plan_action_agree`` is the one write that adds an action; TAC meetings, forums and the plan
page call it with the agency they agree for. No one promises another service's actions
(R-PLAN-2): an action owned by an agency other than that one is "requested", with a task in
that agency's worklist, until a member of the agency accepts or declines it.

Who may do what (the plan page and the API alike):

- See the plan and an action: anyone who sees the case (``cases.permissions``).
- Add an action, drop a completed one: the lead professional, or anyone with CHANGE on the
  case (the assessor's agency, the CAF team, agencies in the team) (``may_plan``).
- Accept or decline a requested action: a casework member of the agency it is requested of,
  and nobody else (``may_answer``).
- Update an action's status: its owner (the named practitioner, or a member of the owner
  agency), the lead professional, the assessor or the CAF team (``may_update``).
- Write a progress note: anyone with CHANGE on the case, the lead, or the owner
  (``may_note``)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import CASEWORK_ROLES, Agency, User
from agencies.roles import in_caf_team
from audit.context import acting_as
from cafsite.errors import CafError
from cases.models import (
    Case,
    PlanAction,
    PlanActionNote,
    PlanActionStatus,
    SupportingFamiliesOutcome,
)
from cases.permissions import CHANGE, VIEW, acting_agency_id, cases_for_user, casework_access

NEED_MAX = 2000
ACTION_MAX = 2000
OWNER_NAME_MAX = 200
REASON_MAX = 2000
NOTE_MAX = 5000
# An action is open (and can be overdue) until it is done, not done or declined.
CLOSED_STATUSES = frozenset(
    {PlanActionStatus.DONE, PlanActionStatus.NOT_DONE, PlanActionStatus.DECLINED}
)
# What the owner, the lead, the assessor or the CAF team may set once an action is accepted.
UPDATABLE_STATUSES = (
    PlanActionStatus.NOT_STARTED,
    PlanActionStatus.IN_PROGRESS,
    PlanActionStatus.DONE,
    PlanActionStatus.NOT_DONE,
)
# An action due further ahead than this is a typing mistake in the year.
LONGEST_ACTION = timedelta(days=3 * 366)


class PlanError(CafError):
    pass


def clean_text(value, *, field: str, limit: int, required: bool = False, label: str = "") -> str:
    """Text as typed, without NULs and surrounding spaces, within ``limit``; else PlanError."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise PlanError("Enter text.", field=field)
    value = value.replace("\x00", "").strip()
    if required and not value:
        raise PlanError(f"Enter {label or field}.", field=field)
    if len(value) > limit:
        raise PlanError(f"Enter no more than {limit:,} characters.", field=field)
    return value


def is_casework_member(user: User, agency: Agency) -> bool:
    """An active, DBS-checked casework member of ``agency``."""
    return (
        user.is_active
        and not user.is_superuser
        and user.tenant_id == agency.tenant_id
        and user.has_dbs_check
        and agency.is_active
        and user.memberships.filter(agency=agency, role__in=CASEWORK_ROLES).exists()
    )


def plan_action_agree(
    *,
    case: Case,
    by: User,
    need: str,
    action: str,
    due_on: date | None,
    outcome: str = "",
    owner_agency: Agency | None = None,
    owner_user: User | None = None,
    owner_family_member: str = "",
    own_agency_id: int | None = None,
    today: date | None = None,
    strengths: str = "",
    supporting_families_outcomes: list[str] | tuple[str, ...] | None = None,
) -> PlanAction:
    """Add an agreed action to the case's plan. The caller has checked that ``by`` may agree
    actions on the case (a meeting or a forum of it). ``own_agency_id`` is the agency the
    agreement is made for (a TAC's convener's agency; by default the one ``by`` acts for):
    an action owned by any other agency is requested, not promised (R-PLAN-2).

    Who: an agency (optionally a named casework member of it) that the family agreed to
    share with, or a family member by name, not both. ``strengths`` sit alongside the need;
    ``supporting_families_outcomes`` are codes of ``SupportingFamiliesOutcome`` (R-REPORT-2).

    A requested action puts a task in the worklist of its named practitioner (or, with none,
    of its agency's queue), with a link to the action and no case content."""
    from consent.services import agency_excluded  # consent imports cases

    need = clean_text(need, field="need", limit=NEED_MAX, required=True, label="the need")
    outcome = clean_text(outcome, field="outcome", limit=NEED_MAX)
    action = clean_text(
        action, field="action", limit=ACTION_MAX, required=True, label="what will be done"
    )
    owner_family_member = clean_text(
        owner_family_member, field="owner_family_member", limit=OWNER_NAME_MAX
    )
    strengths = clean_text(strengths, field="strengths", limit=NEED_MAX)
    outcomes = clean_outcomes(supporting_families_outcomes)
    if due_on is not None and not isinstance(due_on, date):
        raise PlanError("Enter the date it will be done by.", field="due_on")
    if due_on is None:
        raise PlanError("Enter the date it will be done by.", field="due_on")
    if today is not None and due_on > today + LONGEST_ACTION:
        raise PlanError("The date is more than 3 years ahead: check the year.", field="due_on")
    if owner_family_member and (owner_agency or owner_user):
        raise PlanError(
            "Choose an agency or a family member, not both.", field="owner_family_member"
        )
    if owner_user is not None and owner_agency is None:
        raise PlanError("Choose the practitioner's agency.", field="owner_agency")
    if not owner_family_member and owner_agency is None:
        raise PlanError("Say who will do it: an agency or a family member.", field="owner_agency")
    if owner_agency is not None:
        if owner_agency.tenant_id != case.tenant_id or agency_excluded(case, owner_agency):
            name = owner_agency.name if owner_agency.tenant_id == case.tenant_id else "This agency"
            raise PlanError(
                f"{name} cannot be given an action: the family has not agreed to share "
                "this case with it.",
                field="owner_agency",
            )
        if owner_user is not None and not is_casework_member(owner_user, owner_agency):
            raise PlanError(f"Choose a practitioner of {owner_agency.name}.", field="owner_user")
    acting_for = own_agency_id if own_agency_id is not None else acting_agency_id(by, case)
    status = (
        PlanActionStatus.REQUESTED
        if owner_agency is not None and owner_agency.pk != acting_for
        else PlanActionStatus.NOT_STARTED
    )
    with transaction.atomic(), acting_as(by, agency_id=acting_agency_id(by, case)):
        plan_action = PlanAction(
            tenant_id=case.tenant_id,
            case=case,
            need=need,
            strengths=strengths,
            supporting_families_outcomes=outcomes,
            outcome=outcome,
            action=action,
            owner_agency=owner_agency,
            owner_user=owner_user,
            owner_family_member=owner_family_member,
            due_on=due_on,
            status=status,
            agreed_by=by,
        )
        try:
            plan_action.full_clean()
        except ValidationError as problem:
            field, messages = next(iter(problem.message_dict.items()))
            raise PlanError(messages[0], field=None if field == "__all__" else field) from problem
        plan_action.save()
        if status == PlanActionStatus.REQUESTED:
            _request_task(plan_action, by=by, from_agency_id=acting_for, today=today)
    return plan_action


def clean_outcomes(codes) -> list[str]:
    """Codes of Supporting Families outcomes (R-REPORT-2), each once, in the framework's
    order; anything else is a PlanError on ``supporting_families_outcomes``."""
    if codes is None:
        return []
    if isinstance(codes, str) or not isinstance(codes, (list, tuple, set, frozenset)):
        raise PlanError(
            "Choose Supporting Families outcomes from the list.",
            field="supporting_families_outcomes",
        )
    known = SupportingFamiliesOutcome.values
    if any(not isinstance(code, str) or code not in known for code in codes):
        raise PlanError(
            "Choose Supporting Families outcomes from the list.",
            field="supporting_families_outcomes",
        )
    return [code for code in known if code in set(codes)]


def outcome_labels(codes) -> list[str]:
    labels = dict(SupportingFamiliesOutcome.choices)
    return [labels[code] for code in codes or () if code in labels]


def action_link(plan_action: PlanAction) -> str:
    return reverse("delivery:plan_action", kwargs={"pk": plan_action.pk})


def _request_task(plan_action: PlanAction, *, by: User, from_agency_id, today) -> None:
    """The owner agency's task to answer a requested action: no case content (R-AUDIT-3)."""
    from deadlines.rules import task_due  # a pure calendar module
    from referrals.models import TaskKind
    from referrals.services import task_create

    case = plan_action.case
    from_agency = (
        Agency.objects.filter(pk=from_agency_id).first() if from_agency_id is not None else None
    ) or case.assessor_agency
    task_create(
        kind=TaskKind.ACTION_REQUEST,
        by=by,
        from_agency=from_agency,
        assigned_agency=plan_action.owner_agency,
        assigned_to=plan_action.owner_user,
        child=case.child,
        case=case,
        message=(
            "An action on a CAF action plan is requested of your agency. Open the link to "
            "accept or decline it."
        ),
        link=action_link(plan_action),
        due_on=task_due(today or timezone.localdate()),
    )


def _close_request_task(plan_action: PlanAction, *, state, by: User, response: str) -> None:
    from referrals.models import Task, TaskKind, TaskState
    from referrals.services import task_close

    for task in Task.objects.select_for_update().filter(
        kind=TaskKind.ACTION_REQUEST,
        case_id=plan_action.case_id,
        link=action_link(plan_action),
        state=TaskState.OPEN,
    ):
        task_close(task, state=state, by=by, response=response)


# --- Who may ---------------------------------------------------------------------------------


def _sees(user, case: Case) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and cases_for_user(user, VIEW).filter(pk=case.pk).exists()
    )


def _changes(user, case: Case) -> bool:
    return cases_for_user(user, CHANGE).filter(pk=case.pk).exists()


def _caf_team_of(user, case: Case) -> bool:
    return user.tenant_id == case.tenant_id and in_caf_team(user)


def _member_of_owner(user, plan_action: PlanAction) -> bool:
    access = casework_access(user)
    return (
        access is not None
        and plan_action.owner_agency_id is not None
        and plan_action.owner_agency_id in access.agency_ids
    )


def is_owner(user, plan_action: PlanAction) -> bool:
    """The named practitioner, or a casework member of the owner agency."""
    if plan_action.owner_user_id is not None and plan_action.owner_user_id == user.pk:
        return True
    return _member_of_owner(user, plan_action)


def may_plan(user, case: Case) -> bool:
    """Add actions and drop completed ones: the lead professional, or anyone with CHANGE."""
    if not _sees(user, case):
        return False
    return user.pk == case.lead_professional_id or _changes(user, case)


def may_answer(user, plan_action: PlanAction) -> bool:
    """Accept or decline a requested action: a member of the agency asked, nobody else."""
    return (
        plan_action.status == PlanActionStatus.REQUESTED
        and _member_of_owner(user, plan_action)
        and _sees(user, plan_action.case)
    )


def may_update(user, plan_action: PlanAction) -> bool:
    """Set an action's status: its owner, the lead professional, the assessor, the CAF team."""
    case = plan_action.case
    if not _sees(user, case):
        return False
    return (
        is_owner(user, plan_action)
        or user.pk in (case.lead_professional_id, case.assessor_id)
        or _caf_team_of(user, case)
    )


def may_note(user, plan_action: PlanAction) -> bool:
    """Write a progress note: anyone with CHANGE on the case, the lead, or the owner."""
    case = plan_action.case
    if not _sees(user, case):
        return False
    return (
        is_owner(user, plan_action) or user.pk == case.lead_professional_id or _changes(user, case)
    )


# --- Reads -----------------------------------------------------------------------------------


def owner_agencies(case: Case) -> list[Agency]:
    """The tenant's active agencies that may be given an action: those the family agreed to
    share the case with (and the assessor's agency and the CAF team, which always see it)."""
    from consent.services import agency_excluded  # consent imports cases

    return [
        agency
        for agency in Agency.objects.filter(tenant_id=case.tenant_id, is_active=True).order_by(
            "name"
        )
        if not agency_excluded(case, agency)
    ]


def owner_practitioners(case: Case, agencies: list[Agency]) -> list[tuple[User, Agency]]:
    """Casework members, DBS checked, of ``agencies``: who may be named on an action."""
    people = []
    for agency in agencies:
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


def is_overdue(plan_action: PlanAction, today: date) -> bool:
    return (
        plan_action.due_on < today
        and plan_action.status not in CLOSED_STATUSES
        and plan_action.dropped_on is None
    )


def get_plan_action_for_user(user, pk, *, request=None) -> PlanAction:
    """The action ``pk`` if ``user`` sees its case; otherwise Http404, as for a missing one
    (the refusal is in the access log, as ``get_case_for_user`` records it)."""
    from django.http import Http404

    from audit.models import AccessAction
    from audit.services import access_log_record
    from cafsite.validation import parse_id
    from cases.permissions import get_case_for_user

    action_id = parse_id(pk)
    case_id = (
        PlanAction.objects.filter(pk=action_id).values_list("case_id", flat=True).first()
        if action_id is not None
        else None
    )
    if case_id is None:
        access_log_record(
            action=AccessAction.DENIED,
            user=user,
            request=request,
            detail=f"plan action {str(pk)[:40]} not found",
        )
        raise Http404("No such action.")
    try:
        case = get_case_for_user(user, case_id, request=request)
    except Http404:
        raise Http404("No such action.") from None
    plan_action = PlanAction.objects.select_related("owner_agency", "owner_user", "agreed_by").get(
        pk=action_id
    )
    plan_action.case = case
    return plan_action


@dataclass
class NeedGroup:
    """The actions that meet one need, with the strengths and outcomes tagged on them."""

    need: str
    strengths: list[str]
    outcomes: list[str]
    actions: list[PlanAction]


def plan_of(case: Case, *, today: date) -> dict:
    """The case's plan for its page: live actions grouped by need (in the order the needs were
    first agreed), completed actions dropped from it, overdue ones marked, and the gentle
    gentle warnings (``plan_warnings``)."""
    actions = list(
        case.plan_actions.select_related("owner_agency", "owner_user").order_by("agreed_at", "id")
    )
    groups: dict[str, NeedGroup] = {}
    dropped = []
    for plan_action in actions:
        plan_action.overdue = is_overdue(plan_action, today)
        plan_action.outcome_labels = outcome_labels(plan_action.supporting_families_outcomes)
        if plan_action.dropped_on is not None:
            dropped.append(plan_action)
            continue
        group = groups.setdefault(plan_action.need, NeedGroup(plan_action.need, [], [], []))
        if plan_action.strengths and plan_action.strengths not in group.strengths:
            group.strengths.append(plan_action.strengths)
        for label in plan_action.outcome_labels:
            if label not in group.outcomes:
                group.outcomes.append(label)
        group.actions.append(plan_action)
    for group in groups.values():
        group.actions.sort(key=lambda a: (a.due_on, a.pk))
    return {
        "needs": list(groups.values()),
        "dropped": dropped,
        "overdue": sum(1 for a in actions if a.overdue),
        "warnings": plan_warnings(case, actions),
    }


ONLY_REFERRALS_WARNING = (
    "Every action in this plan is for another agency. An action plan should never just be a "
    "list of referrals to other agencies: include what the CAF assessor or lead professional "
    "is going to do, as well as meaningful actions for the family (where appropriate)."
)


def only_referrals_warning(case: Case, actions: list[PlanAction]) -> str:
    """Seed 004 §5: a plan whose every live action is owned by another agency, with none for
    the family and none for the lead professional's (or the assessor's) own agency, is a list
    of referrals, not a plan. A warning, never a refusal."""
    live = [a for a in actions if a.dropped_on is None and a.status != PlanActionStatus.DECLINED]
    if not live:
        return ""
    own = {case.assessor_agency_id, case.lead_agency_id} - {None}
    for plan_action in live:
        if plan_action.owner_family_member:
            return ""
        if plan_action.owner_agency_id in own:
            return ""
        if plan_action.owner_user_id is not None and plan_action.owner_user_id in (
            case.lead_professional_id,
            case.assessor_id,
        ):
            return ""
    return ONLY_REFERRALS_WARNING


def no_outcome_warning(actions: list[PlanAction]) -> str:
    """R-PLAN-1: outcomes are SMART. The 'by when' makes an action timed; an action with no
    outcome says what will be done but not what will be different, or how anyone will know."""
    missing = sum(
        1
        for a in actions
        if not a.outcome.strip()
        and a.dropped_on is None
        and a.status
        not in (PlanActionStatus.DECLINED, PlanActionStatus.DONE, PlanActionStatus.NOT_DONE)
    )
    if not missing:
        return ""
    which = "1 action has" if missing == 1 else f"{missing} actions have"
    return (
        f"{which} no outcome. Agree at the next meeting or review what will be different for "
        "the child and how you will know, so the plan's outcomes are specific and measurable."
    )


def plan_warnings(case: Case, actions: list[PlanAction]) -> list[str]:
    """The plan's gentle warnings, for those who write it while the case is open: never a
    refusal."""
    if not case.is_open:
        return []
    return [w for w in (only_referrals_warning(case, actions), no_outcome_warning(actions)) if w]


# --- Writes ----------------------------------------------------------------------------------


class StaleAction(PlanError):
    """The action changed since the form was opened; ``current`` is what is saved now."""

    def __init__(self, message: str, *, current: PlanAction) -> None:
        super().__init__(message, field="seen")
        self.current = current


def _acting(by: User, case: Case):
    return acting_as(by, agency_id=acting_agency_id(by, case))


def _lock(plan_action: PlanAction) -> PlanAction:
    """The action, locked, on a case still open: a closed CAF's plan no longer changes
    (the case row is locked too, so a closure in flight waits or wins)."""
    locked = (
        PlanAction.objects.select_for_update(of=("self",))
        .select_related("owner_agency", "owner_user")
        .get(pk=plan_action.pk)
    )
    case = Case.objects.select_for_update().get(pk=plan_action.case_id)
    if not case.is_open:
        raise PlanError("This CAF is closed: its plan can no longer change.")
    locked.case = plan_action.case
    return locked


def _same_version(seen, locked: PlanAction) -> bool:
    if isinstance(seen, str):
        try:
            seen = datetime.fromisoformat(seen)
        except ValueError:
            return False
    if not isinstance(seen, datetime):
        return False
    if timezone.is_naive(seen):
        return False
    return seen == locked.updated_at


def plan_action_add(
    *,
    case: Case,
    by: User,
    need: str,
    action: str,
    due_on: date | None,
    outcome: str = "",
    strengths: str = "",
    supporting_families_outcomes=None,
    owner_agency: Agency | None = None,
    owner_user: User | None = None,
    owner_family_member: str = "",
) -> PlanAction:
    """An action added on the plan page or the API, by the lead professional or anyone with
    CHANGE on the case (``may_plan``), on an open case. Owned by another agency than the one
    ``by`` acts for, it is requested (R-PLAN-2)."""
    if not may_plan(by, case):
        raise PlanError(
            "Only the lead professional or the team working on the case can add actions."
        )
    if not case.is_open:
        raise PlanError("This CAF is closed: its plan can no longer change.")
    own = acting_agency_id(by, case)
    if by.pk == case.lead_professional_id and case.lead_agency_id is not None:
        own = case.lead_agency_id
    return plan_action_agree(
        case=case,
        by=by,
        need=need,
        outcome=outcome,
        action=action,
        due_on=due_on,
        owner_agency=owner_agency,
        owner_user=owner_user,
        owner_family_member=owner_family_member,
        own_agency_id=own,
        today=timezone.localdate(),
        strengths=strengths,
        supporting_families_outcomes=supporting_families_outcomes,
    )


def plan_action_accept(*, plan_action: PlanAction, by: User) -> PlanAction:
    """The agency asked accepts the action (R-PLAN-2): it is a promise now, not started, with
    who accepted it and when; the request's task is closed as accepted. Only a member of that
    agency may accept for it."""
    if not may_answer(by, plan_action):
        raise PlanError("Only the agency the action is requested of can accept it.")
    with transaction.atomic(), acting_as(by, agency_id=plan_action.owner_agency_id):
        locked = _lock(plan_action)
        if locked.status != PlanActionStatus.REQUESTED:
            raise PlanError("This action has already been answered.")
        locked.status = PlanActionStatus.NOT_STARTED
        locked.accepted_by = by
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["status", "accepted_by", "accepted_at", "updated_at"])
        from referrals.models import TaskState

        _close_request_task(locked, state=TaskState.ACCEPTED, by=by, response="")
    return locked


def plan_action_decline(*, plan_action: PlanAction, by: User, reason: str) -> PlanAction:
    """The agency asked declines the action, saying why (R-PLAN-2); the request's task is
    closed as declined with the reason, which the requester reads in their worklist."""
    if not may_answer(by, plan_action):
        raise PlanError("Only the agency the action is requested of can decline it.")
    reason = clean_text(
        reason, field="reason", limit=REASON_MAX, required=True, label="why you decline it"
    )
    with transaction.atomic(), acting_as(by, agency_id=plan_action.owner_agency_id):
        locked = _lock(plan_action)
        if locked.status != PlanActionStatus.REQUESTED:
            raise PlanError("This action has already been answered.")
        locked.status = PlanActionStatus.DECLINED
        locked.status_reason = reason
        locked.save(update_fields=["status", "status_reason", "updated_at"])
        from referrals.models import TaskState

        _close_request_task(locked, state=TaskState.DECLINED, by=by, response=reason)
    return locked


def plan_action_status_update(
    *, plan_action: PlanAction, by: User, status: str, seen, reason: str = ""
) -> PlanAction:
    """Set an accepted action's status: not started, in progress, done, or not done with the
    reason (R-PLAN-1). By its owner, the lead professional, the assessor or the CAF team.

    ``seen`` is the action's ``updated_at`` when the form was opened: if someone changed the
    action since, nothing is saved and ``StaleAction`` carries what is saved now, so the page
    shows both and what the user typed is kept."""
    if not may_update(by, plan_action):
        raise PlanError(
            "Only the action's owner, the lead professional, the assessor or the CAF team can "
            "update it."
        )
    if status not in UPDATABLE_STATUSES:
        raise PlanError("Choose a status from the list.", field="status")
    reason = clean_text(reason, field="reason", limit=REASON_MAX)
    if status == PlanActionStatus.NOT_DONE and not reason:
        raise PlanError("Say why the action was not done.", field="reason")
    with transaction.atomic(), _acting(by, plan_action.case):
        locked = _lock(plan_action)
        if not _same_version(seen, locked):
            raise StaleAction(
                "Someone else changed this action since you opened it: check what is saved "
                "now, then save again.",
                current=locked,
            )
        if locked.status == PlanActionStatus.REQUESTED:
            raise PlanError("This action waits for its agency to accept it.", field="status")
        if locked.status == PlanActionStatus.DECLINED:
            raise PlanError("The agency declined this action.", field="status")
        if locked.dropped_on is not None:
            raise PlanError("This action was dropped from the plan.", field="status")
        if status == PlanActionStatus.DONE and locked.status != PlanActionStatus.DONE:
            locked.done_at = timezone.now()
        elif status != PlanActionStatus.DONE:
            locked.done_at = None
        locked.status = status
        locked.status_reason = reason if status == PlanActionStatus.NOT_DONE else ""
        locked.save(update_fields=["status", "status_reason", "done_at", "updated_at"])
    return locked


def plan_action_note_add(*, plan_action: PlanAction, by: User, text: str) -> PlanActionNote:
    """A progress note on an action, by anyone with CHANGE on the case, the lead or the
    owner."""
    if not may_note(by, plan_action):
        raise PlanError("Only the team working on the case or the action's owner can add notes.")
    text = clean_text(text, field="text", limit=NOTE_MAX, required=True, label="the note")
    with transaction.atomic(), _acting(by, plan_action.case):
        locked = _lock(plan_action)
        note = PlanActionNote(tenant_id=locked.tenant_id, action=locked, text=text, written_by=by)
        note.full_clean()
        note.save()
    return note


def plan_action_drop(*, plan_action: PlanAction, by: User, seen=None) -> PlanAction:
    """Drop a completed action from the plan (003 guide 16: completed actions carried into a
    new version can be deleted); it stays on record under "Completed and dropped"."""
    if not may_plan(by, plan_action.case):
        raise PlanError(
            "Only the lead professional or the team working on the case can drop actions."
        )
    with transaction.atomic(), _acting(by, plan_action.case):
        locked = _lock(plan_action)
        if locked.status != PlanActionStatus.DONE:
            raise PlanError("Only a completed action can be dropped from the plan.")
        if locked.dropped_on is not None:
            return locked
        locked.dropped_on = timezone.localdate()
        locked.save(update_fields=["dropped_on", "updated_at"])
    return locked
