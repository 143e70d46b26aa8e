"""Archiving a closed CAF when its accessible period ends (R-RET-1, R-AUDIT-2)."""

from datetime import date
from enum import StrEnum

from django.db import transaction
from django.db.models import Q

from audit.context import acting_as
from cases.models import Case, CaseState
from consent.services import case_access_end_for_archive
from deadlines.rules import archive_due
from referrals.models import Task, TaskState
from referrals.services import task_close
from retention.models import JobRun
from retention.services.holds import case_held, holds_settled
from retention.services.policy import accessible_for, tenant_policy


class ArchiveOutcome(StrEnum):
    ARCHIVED = "archived"
    HELD = "held"
    NOT_DUE = "not due"


def case_archive_due_on(case: Case) -> date | None:
    """The day ``case`` is archived under its tenant's policy; None while it is not closed."""
    if case.state != CaseState.CLOSED or case.closed_on is None:
        return None
    return archive_due(case.closed_on, accessible_for=accessible_for(tenant_policy(case.tenant_id)))


def case_archive(*, case: Case, today: date, run: JobRun | None = None) -> ArchiveOutcome:
    """Archive ``case`` if it is closed, its tenant's accessible period has ended on
    ``today`` and no live legal hold covers it. In the same transaction every other agency's
    access ends (consent grants, permission rows, the team around the child) and open tasks
    about the child's CAF are closed: from then on it is read-only and the CAF team's alone.
    Anything else leaves it as it was, so running again changes nothing. Audited under no
    user (the scheduled run); ``run`` is the run log entry that did it."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        due_on = case_archive_due_on(case)
        if due_on is None or due_on > today:
            return ArchiveOutcome.NOT_DUE
        holds_settled(case.tenant_id)
        if case_held(case):
            return ArchiveOutcome.HELD
        with acting_as(None, agency_id=None):
            case.state = CaseState.ARCHIVED
            case.archived_on = today
            case.full_clean()
            case.save(update_fields=["state", "archived_on", "updated_at"])
            case_access_end_for_archive(case=case)
            why = (
                f"The CAF was archived (retention run {run.pk})."
                if run is not None
                else "The CAF was archived."
            )
            for task in _open_tasks_about(case):
                task_close(task, response=why)
    return ArchiveOutcome.ARCHIVED


def _open_tasks_about(case: Case):
    """Open tasks on this CAF, and those about its child that name no case while the child
    has no CAF still open."""
    about = Q(case=case)
    if not case.child.cases.exclude(state__in=(CaseState.CLOSED, CaseState.ARCHIVED)).exists():
        about |= Q(case__isnull=True, child_id=case.child_id)
    return Task.objects.select_for_update().filter(about, state=TaskState.OPEN)
