"""Which cases a retention run on a given day takes (R-RET-1), found from the stored dates
with the Case(state, closed_on) index: the rule is turned into a closure-date threshold
(``deadlines.rules.latest_start``), so no case is loaded to decide it is not due."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from agencies.models import Tenant
from cases.models import Case, CaseState
from deadlines.rules import archive_due, latest_start
from retention.models import LegalHold, RetentionPolicy
from retention.purge import case_purge_due, due_for_purge
from retention.services.policy import accessible_for, tenant_policy


def archive_closed_by(policy: RetentionPolicy, today: date) -> date:
    """The latest closure date whose archive day has come on ``today``."""
    period = accessible_for(policy)
    return latest_start(lambda closed: archive_due(closed, accessible_for=period), today)


def archive_due_cases(tenant: Tenant, today: date) -> QuerySet[Case]:
    """Closed CAFs of ``tenant`` due for archive on ``today``, oldest closure first, held ones
    included (the run counts them and leaves them)."""
    return Case.objects.filter(
        tenant=tenant,
        state=CaseState.CLOSED,
        closed_on__lte=archive_closed_by(tenant_policy(tenant), today),
    ).order_by("closed_on", "pk")


def purge_due_cases(tenant: Tenant, today: date) -> QuerySet[Case]:
    """Archived CAFs of ``tenant`` whose purge day has come on ``today``, by the purge step's
    own rule (``retention.purge.due_for_purge``), so the dry run lists what the run purges."""
    return due_for_purge(today=today).filter(tenant=tenant).order_by("closed_on", "pk")


@dataclass
class RetentionPreview:
    """What a run on a given day would do: archive, purge, or leave alone for a hold."""

    to_archive: list[Case] = field(default_factory=list)
    to_purge: list[Case] = field(default_factory=list)
    held: list[Case] = field(default_factory=list)


def retention_preview(tenant: Tenant, today: date, into: RetentionPreview | None = None):
    """The cases of ``tenant`` a run on ``today`` would archive and purge, and those a live
    legal hold keeps, read without a lock or a write (the dry run and its page)."""
    preview = into or RetentionPreview()
    due = [
        *archive_due_cases(tenant, today).select_related("child"),
        *purge_due_cases(tenant, today).select_related("child"),
    ]
    holds = LegalHold.objects.filter(tenant=tenant, lifted_at__isnull=True)
    if holds.filter(case__isnull=True).exists():
        preview.held.extend(due)
        return preview
    held_ids = set(holds.filter(case_id__in=[c.pk for c in due]).values_list("case_id", flat=True))
    for case in due:
        if case.pk in held_ids:
            preview.held.append(case)
        elif case.state == CaseState.CLOSED:
            preview.to_archive.append(case)
            # The run purges after it archives: a case past both periods goes in one run.
            if case_purge_due(case) <= today:
                preview.to_purge.append(case)
        else:
            preview.to_purge.append(case)
    return preview
