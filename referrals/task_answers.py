"""Answering the tasks that are answered on the task's own page (R-CHECK-3, R-CHECK-5, R-REF-3).

A task has an owner: the person it names or, when nobody is named, its agency's queue (anyone
with a casework role there). Only the owner answers, once: the task's row is locked and read
again, so of two answers sent together the second finds the first. What the answer means is
done in the same transaction as the answer:

- a join request accepted brings the requester's agency into the team around the child
  (``cases.team.team_agency_join``: VIEW and CHANGE, through the family's consent);
- a request to read a CAF accepted lets the practitioner's agency see it (VIEW), through a
  grant of the current consent (``consent.services.agency_admit``);
- a Tier 3/4 concern is acknowledged with what the keyworker's agency will do;
- a decline always says why: the requester reads it in their worklist.

Other kinds (contributions, queries, action plans, leads, requests for service, referrals to
social care) are answered on their own pages, by the services that own their subject.
"""

from django.db import transaction

from agencies.models import CASEWORK_ROLES, Agency, AgencyKind, Membership, User
from agencies.roles import in_caf_team
from audit.context import acting_as
from cafsite.errors import CafError
from cases.models import Case, TeamJoinReason
from cases.permissions import CHANGE, acting_agency_id, cases_for_user, casework_access, user_may
from cases.team import TeamError, team_agency_join
from referrals.models import Task, TaskKind, TaskState
from referrals.services import task_close, task_create

MESSAGE_MAX = 2000
RESPONSE_MAX = 2000


class TaskError(CafError):
    pass


class Answer:
    ACCEPT = "accept"
    DECLINE = "decline"
    ACKNOWLEDGE = "acknowledge"


ANSWER_LABELS = {
    Answer.ACCEPT: "Accept",
    Answer.DECLINE: "Decline",
    Answer.ACKNOWLEDGE: "Acknowledge",
}

# The kinds answered on the task page, and the answers each takes.
ANSWERS: dict[str, tuple[str, ...]] = {
    TaskKind.JOIN_REQUEST: (Answer.ACCEPT, Answer.DECLINE),
    TaskKind.READ_ACCESS: (Answer.ACCEPT, Answer.DECLINE),
    TaskKind.TIER34_CONCERN: (Answer.ACKNOWLEDGE,),
}

# The state each answer leaves the task in. An acknowledgement is the keyworker's agency
# taking the concern on: accepted, with what they will do as the response.
_STATE = {
    Answer.ACCEPT: TaskState.ACCEPTED,
    Answer.DECLINE: TaskState.DECLINED,
    Answer.ACKNOWLEDGE: TaskState.ACCEPTED,
}


def answered_here(task: Task) -> bool:
    return task.kind in ANSWERS


# --- Who owns a task ---------------------------------------------------------------------


def task_owned_by(task: Task, user) -> bool:
    """Whether ``user`` may open and answer ``task``: the person it names, or, when nobody is
    named, anyone with a casework role in the agency it is addressed to. Either way a member
    of staff of the task's tenant who may see case content (active, DBS checked: R-TEN-4)."""
    access = casework_access(user)
    if access is None or access.tenant_id != task.tenant_id:
        return False
    if task.assigned_to_id is not None:
        return task.assigned_to_id == user.pk
    return task.assigned_agency_id in access.agency_ids


# --- Answering ----------------------------------------------------------------------------


def _clean(text, *, field: str, limit: int) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        raise TaskError("Enter text.", field=field)
    text = text.replace("\x00", "").strip()
    if len(text) > limit:
        raise TaskError(f"Enter no more than {limit:,} characters.", field=field)
    return text


def _lock_case(task: Task) -> Case:
    case = Case.objects.select_for_update().filter(pk=task.case_id).first()
    if case is None or not case.is_open:
        raise TaskError(
            "This CAF is closed: it can only be joined or read again once it is reopened. "
            "Decline the request, saying so.",
            field="answer",
        )
    return case


def _join(task: Task, by: User) -> None:
    """The requester's agency joins the team, through the family's consent (R-CHECK-3,
    R-CONSENT-4). The person answering must still work on the case."""
    from consent.services import agency_admit  # consent builds on cases, referrals on both

    case = _lock_case(task)
    if not user_may(by, case, CHANGE):
        raise TaskError(
            "You no longer work on this CAF, so you cannot add an agency to its team.",
            field="answer",
        )
    agency = task.from_agency
    if not agency_admit(case=case, agency=agency, by=by):
        raise TaskError(
            f"The family has not agreed to share this CAF with {agency.name}: they cannot join "
            "the team until consent naming them is recorded. Decline the request, saying so, "
            "or record the family's new consent first.",
            field="answer",
        )
    try:
        team_agency_join(case=case, agency=agency, by=by, reason=TeamJoinReason.JOIN_REQUEST)
    except TeamError as error:
        raise TaskError(error.message, field="answer") from error


def _read(task: Task, by: User) -> None:
    """The practitioner's agency may read the CAF: VIEW through a grant of the current consent
    (R-REF-3, R-CONSENT-4), never more."""
    from consent.services import agency_admit  # consent builds on cases, referrals on both

    case = _lock_case(task)
    agency = task.assigned_agency
    if not agency_admit(case=case, agency=agency, by=by):
        raise TaskError(
            f"The family's consent no longer covers {agency.name}, so this CAF cannot be "
            "shared with you. Decline the request, saying so.",
            field="answer",
        )


def task_answer(*, task: Task, by: User, answer: str, response: str = "") -> Task:
    """Answer ``task`` as its owner: accept, decline (with the reason, required) or
    acknowledge (with what will be done, required), doing what the answer means in the same
    transaction, audited as ``by`` for the agency the task was addressed to.

    Raises TaskError: not the owner (as for a missing task), a kind answered elsewhere, an
    answer the kind does not take, a missing reason, a task already answered, or an
    acceptance the family's consent does not allow."""
    if not task_owned_by(task, by):
        raise TaskError("Task not found.")
    if not answered_here(task):
        raise TaskError("This task is answered on its own page.")
    if answer not in ANSWERS[task.kind]:
        raise TaskError("Choose an answer.", field="answer")
    response = _clean(response, field="response", limit=RESPONSE_MAX)
    if answer == Answer.DECLINE and not response:
        raise TaskError(
            "Say why you are declining: the person who asked will read it.", field="response"
        )
    if answer == Answer.ACKNOWLEDGE and not response:
        raise TaskError(
            "Say what you will do about the concern: the person who raised it will read it.",
            field="response",
        )
    with transaction.atomic(), acting_as(by, agency_id=task.assigned_agency_id):
        locked = (
            Task.objects.select_for_update(of=("self",))
            .select_related("from_agency", "assigned_agency")
            .get(pk=task.pk)
        )
        if locked.state != TaskState.OPEN:
            raise TaskError(
                "This task has already been answered"
                + (
                    f" by {locked.responded_by.get_full_name() or locked.responded_by.username}"
                    if locked.responded_by
                    else ""
                )
                + ": nothing was changed."
            )
        if answer == Answer.ACCEPT and locked.kind == TaskKind.JOIN_REQUEST:
            _join(locked, by)
        elif answer == Answer.ACCEPT and locked.kind == TaskKind.READ_ACCESS:
            _read(locked, by)
        task_close(locked, state=_STATE[answer], by=by, response=response)
    return locked


# --- Asking a practitioner to read a CAF (R-REF-3) ----------------------------------------


def may_request_read_access(case: Case, user) -> bool:
    """The case's assessor, its lead professional and the CAF team ask others to read it,
    while they see it."""
    return (
        user.pk in (case.assessor_id, case.lead_professional_id) or in_caf_team(user)
    ) and cases_for_user(user).filter(pk=case.pk).exists()


def _covered_agencies(case: Case) -> list[Agency]:
    """Agencies other than the assessor's and the CAF team (who see the case anyway) that the
    family's current consent covers (R-CONSENT-4)."""
    from consent.selectors import current_consent
    from consent.services import consent_covers

    consent = current_consent(case)
    if consent is None:
        return []
    agencies = (
        Agency.objects.filter(tenant_id=case.tenant_id, is_active=True)
        .exclude(pk=case.assessor_agency_id)
        .exclude(kind=AgencyKind.CAF_TEAM)
        .order_by("name", "pk")
    )
    return [agency for agency in agencies if consent_covers(consent, agency)]


def read_access_candidates(case: Case) -> list[tuple[User, Agency]]:
    """Practitioners who may be asked to read ``case``: active, DBS checked, with a casework
    role in an agency the family's consent covers; each with that agency (the first by name
    if they work in several)."""
    agencies = {agency.pk: agency for agency in _covered_agencies(case)}
    if not agencies:
        return []
    memberships = (
        Membership.objects.filter(
            agency_id__in=agencies,
            role__in=CASEWORK_ROLES,
            user__is_active=True,
            user__is_superuser=False,
            user__tenant_id=case.tenant_id,
            user__dbs_checked_on__isnull=False,
        )
        .exclude(user__dbs_reference="")
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id", "agency__name")
    )
    people: dict[int, tuple[User, Agency]] = {}
    for membership in memberships:
        people.setdefault(membership.user_id, (membership.user, agencies[membership.agency_id]))
    return list(people.values())


def read_access_request(*, case: Case, by: User, practitioner: User | None, message: str) -> Task:
    """Ask a named practitioner of another agency to read ``case`` (R-REF-3): a task to them,
    due in 5 working days, carrying the message and nothing of the case (R-AUDIT-3). Only the
    assessor, the lead professional or the CAF team ask; only a practitioner of an agency the
    family's consent covers may be asked. Raises TaskError naming the field at fault."""
    if not may_request_read_access(case, by):
        raise TaskError("Case not found.")
    message = _clean(message, field="message", limit=MESSAGE_MAX)
    with transaction.atomic(), acting_as(by, agency_id=acting_agency_id(by, case)):
        case = Case.objects.select_for_update().select_related("child").get(pk=case.pk)
        if not case.is_open:
            raise TaskError("This CAF is closed: reopen it before sharing it.")
        candidates = dict((user.pk, agency) for user, agency in read_access_candidates(case))
        agency = candidates.get(practitioner.pk) if practitioner is not None else None
        if agency is None:
            raise TaskError(
                "Choose a practitioner of an agency the family agreed to share with.",
                field="practitioner",
            )
        if Task.objects.filter(
            case=case, kind=TaskKind.READ_ACCESS, assigned_to=practitioner, state=TaskState.OPEN
        ).exists():
            raise TaskError(
                "This practitioner has already been asked to read this CAF and has not "
                "answered yet.",
                field="practitioner",
            )
        from_agency = Agency.objects.get(pk=acting_agency_id(by, case))
        return task_create(
            kind=TaskKind.READ_ACCESS,
            by=by,
            from_agency=from_agency,
            assigned_agency=agency,
            assigned_to=practitioner,
            child=case.child,
            case=case,
            # No link: it is answered on the task page, which leads to the CAF once accepted.
            message=message,
        )
