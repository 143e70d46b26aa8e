"""The daily retention run (R-RET-1): archive what is due, then purge what is due, per tenant
by its policy, in batches, recorded in the run log. Idempotent: a second run on the same day
finds nothing left to do."""

import logging
import time
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from agencies.models import Tenant
from retention.models import JobKind, JobRun
from retention.selectors import RetentionPreview, archive_due_cases, retention_preview
from retention.services.archive import ArchiveOutcome, case_archive
from retention.services.holds import held_by_case_hold, tenant_held

logger = logging.getLogger(__name__)


@dataclass
class RetentionRunResult(RetentionPreview):
    # The lists are filled by a dry run: what a real run on that day would do.
    run: JobRun | None = None

    def counts(self) -> dict[str, int]:
        return {
            "archived": len(self.to_archive),
            "purged": len(self.to_purge),
            "held": len(self.held),
        }


def retention_run(*, today: date, dry_run: bool = False, batch: int = 1000) -> RetentionRunResult:
    """Run retention as on ``today``. Each tenant's due cases are taken a batch at a time,
    locked with ``skip_locked`` so a second worker takes other cases; each case is archived
    in a transaction of its own (``case_archive``'s, a savepoint within the batch's), so one
    failure is rolled back and logged and the rest go on. Then the purge batch runs. The run
    is recorded with its counts, duration and errors; a failure of the run itself marks it
    FAILED and is raised again.
    ``dry_run`` changes nothing and lists what would be archived, held and purged."""
    run = JobRun.objects.create(kind=JobKind.RETENTION, as_of=today, dry_run=dry_run)
    started = time.monotonic()
    result = RetentionRunResult(run=run)
    counts = {"archived": 0, "purged": 0, "held": 0, "errors": 0}
    errors: list[str] = []
    try:
        for tenant in Tenant.objects.order_by("pk"):
            if dry_run:
                before = result.counts()
                retention_preview(tenant, today, into=result)
                run.add_tenant_counts(
                    tenant.pk, **{k: n - before[k] for k, n in result.counts().items()}
                )
            else:
                before = {**counts, "errors": len(errors)}
                try:
                    _archive_tenant(tenant, today, run, batch, counts, errors)
                finally:
                    # What was archived before a failure is committed: it is the council's.
                    run.add_tenant_counts(
                        tenant.pk,
                        archived=counts["archived"] - before["archived"],
                        held=counts["held"] - before["held"],
                        errors=len(errors) - before["errors"],
                    )
        if dry_run:
            counts.update(result.counts())
        else:
            # {"purged": n, "purge_held": n, "purge_failed": n}
            counts.update(_purge(today=today, batch=batch, run=run))
    except Exception as error:
        run.state = JobRun.State.FAILED
        errors.append(f"{type(error).__name__}: {error}")
        _finish(run, started, counts, errors)
        raise
    run.state = JobRun.State.DONE
    _finish(run, started, counts, errors)
    return result


def _finish(run: JobRun, started: float, counts: dict, errors: list[str]) -> None:
    counts["errors"] = len(errors) + counts.get("purge_failed", 0)
    counts["seconds"] = round(time.monotonic() - started, 3)
    run.counts = counts
    run.errors = "\n".join(errors)[:20000]
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "counts", "tenant_counts", "errors", "finished_at"])


def _archive_tenant(tenant, today, run, batch, counts, errors) -> None:
    due = archive_due_cases(tenant, today)
    if tenant_held(tenant.pk):
        counts["held"] += due.count()
        return
    counts["held"] += due.filter(held_by_case_hold()).count()
    due = due.exclude(held_by_case_hold())
    after = None  # keyset: (closed_on, pk) of the last case taken
    while True:
        with transaction.atomic():
            page = due.select_for_update(skip_locked=True)
            if after is not None:
                page = page.filter(closed_on__gte=after[0]).exclude(
                    closed_on=after[0], pk__lte=after[1]
                )
            cases = list(page[:batch])
            for case in cases:
                try:
                    outcome = case_archive(case=case, today=today, run=run)
                except Exception as error:  # one case's failure must not stop the others
                    logger.exception("retention: archiving case %s failed", case.pk)
                    errors.append(f"case {case.pk}: {type(error).__name__}: {error}")
                    continue
                if outcome == ArchiveOutcome.ARCHIVED:
                    counts["archived"] += 1
                elif outcome == ArchiveOutcome.HELD:
                    counts["held"] += 1
        if len(cases) < batch:
            return
        after = (cases[-1].closed_on, cases[-1].pk)


def _purge(*, today: date, batch: int, run: JobRun) -> dict[str, int]:
    """The purge step, written by the purge helper (``retention.purge``)."""
    from retention.purge import purge_due_batch

    return purge_due_batch(today=today, batch=batch, run=run)
