"""Writes to referrals: tasks between practitioners and Tier 3/4 involvement on the register."""

from datetime import date

from django.db import transaction

from agencies.models import Agency, Role, User
from agencies.roles import has_role
from audit.context import acting_as
from cafsite.errors import CafError
from cafsite.validation import require_names
from referrals.models import InvolvementKind, Task, TaskKind, Tier34Involvement


class ReferralError(CafError):
    pass


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
) -> Task:
    """Ask a person (or, with no named person, an agency) to act. Called inside the caller's
    transaction; the task carries no case content beyond the message written for it."""
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
        )
        task.full_clean()
        task.save()
        return task


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
