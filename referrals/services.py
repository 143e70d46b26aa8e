"""Writes to referrals: tasks between practitioners and Tier 3/4 involvement on the register."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, Role, User
from agencies.roles import has_role
from audit.context import acting_as
from cafsite.errors import CafError
from cafsite.validation import require_names
from deadlines import rules
from referrals.models import InvolvementKind, Task, TaskKind, TaskState, Tier34Involvement


class ReferralError(CafError):
    pass


# Told, not asked: a forum's action plan for those it names (their actions fall due on the
# plan). Every other kind is something to do and falls due.
NOTICES = frozenset({TaskKind.ACTION_PLAN})


def task_due_on(kind: str, *, asked_on: date | None = None) -> date | None:
    """When a task of ``kind`` asked on ``asked_on`` (today) falls due when its caller sets no
    date of its own (R-CHECK-3, R-CHECK-5, R-REF-3): deadlines.rules.task_due; a notice never
    does."""
    if kind in NOTICES:
        return None
    return rules.task_due(asked_on or timezone.localdate())


def task_create(
    *,
    kind: TaskKind,
    by: User,
    from_agency: Agency,
    assigned_agency: Agency,
    child,
    assigned_to: User | None = None,
    case=None,
    message: str = "",
    link: str = "",
    due_on: date | None = None,
) -> Task:
    """Ask a person (or, with no named person, an agency) to act. Called inside the caller's
    transaction; the task carries no case content beyond the message written for it. Without
    ``due_on`` it falls due in the standing time to answer a task, unless it is a notice
    (``task_due_on``)."""
    if assigned_agency.tenant_id != by.tenant_id or child.tenant_id != by.tenant_id:
        raise ReferralError("Tasks stay within one tenant.")
    with transaction.atomic(), acting_as(by):
        task = Task(
            tenant_id=by.tenant_id,
            kind=kind,
            from_user=by,
            from_agency=from_agency,
            assigned_to=assigned_to,
            assigned_agency=assigned_agency,
            child=child,
            case=case,
            message=message,
            link=link,
            due_on=due_on or task_due_on(kind),
        )
        task.full_clean()
        task.save()
        return task


def task_close(
    task: Task, *, state: TaskState = TaskState.DONE, by: User | None = None, response: str = ""
) -> None:
    """Record the answer to an open task (accepted, declined with its reason, or done), inside
    the caller's transaction. The service that owns the task's subject calls it after doing
    what the answer means; a task already answered is left as it was."""
    if task.state != TaskState.OPEN:
        return
    task.state = state
    task.response = response
    task.responded_by = by
    task.done_at = timezone.now()
    task.save(update_fields=["state", "response", "responded_by", "done_at"])


def tier34_involvement_record(
    *,
    child,
    kind: InvolvementKind,
    keyworker_agency: Agency,
    keyworker_name: str,
    started_on: date,
    by: User,
    keyworker: User | None = None,
    keyworker_email: str = "",
    keyworker_telephone: str = "",
) -> Tier34Involvement:
    """Record on the register that a Tier 3/4 service works with a child (R-CHECK-5). The CAF
    team keeps the register."""
    if child.tenant_id != by.tenant_id or keyworker_agency.tenant_id != by.tenant_id:
        raise ReferralError("Child or agency not found.", field="child")
    if not has_role(by, Role.CAF_COORDINATOR):
        raise ReferralError("Only a CAF coordinator can record Tier 3/4 involvement.")
    require_names(ReferralError, keyworker_name=keyworker_name)
    with transaction.atomic(), acting_as(by):
        involvement = Tier34Involvement(
            child=child,
            kind=kind,
            keyworker=keyworker,
            keyworker_name=keyworker_name,
            keyworker_agency=keyworker_agency,
            keyworker_email=keyworker_email,
            keyworker_telephone=keyworker_telephone,
            started_on=started_on,
        )
        involvement.full_clean()
        involvement.save()
        return involvement
