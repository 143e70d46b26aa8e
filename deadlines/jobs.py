"""The deadlines job, as beat, the management command and tests run it: each run recorded in
the run log (``retention.models.JobRun``) with what it did, how long it took and what failed."""

import traceback
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date

from django.db.models import Count
from django.utils import timezone

from deadlines.digest import digest_send
from deadlines.models import ReminderSent
from deadlines.reminders import reminders_send_due
from retention.models import JobKind, JobRun

MONDAY = 0


@contextmanager
def recorded_run(kind: str, *, as_of: date):
    """A JobRun row for the block: DONE with its counts, or FAILED with the error, which is
    raised again (so Celery retries the task)."""
    run = JobRun.objects.create(kind=kind, as_of=as_of)
    try:
        yield run
    except Exception:
        run.state = JobRun.State.FAILED
        run.errors = traceback.format_exc(limit=20)
        run.finished_at = timezone.now()
        run.save(update_fields=["state", "errors", "finished_at", "counts", "tenant_counts"])
        raise
    run.state = JobRun.State.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "finished_at", "counts", "tenant_counts"])


def _run(kind: str, today: date, work: Callable[[JobRun], dict[str, int]]) -> JobRun:
    with recorded_run(kind, as_of=today) as run:
        run.counts = work(run)
    return run


def deadlines_run(*, today: date, batch: int = 500, digest: bool | None = None) -> list[JobRun]:
    """Send the reminders due by ``today``; then the coordinators' weekly digest when asked
    (``digest=True``), or by default on Mondays. Each part is a run of its own in the log.
    Safe to run again, or on two workers at once: nobody is reminded twice on a day, nor sent
    two digests in a week."""
    runs = [_run(JobKind.DEADLINES, today, lambda run: _reminders(run, today, batch))]
    if digest or (digest is None and today.weekday() == MONDAY):
        runs.append(_run(JobKind.DIGEST, today, lambda run: digest_send(today=today, run=run)))
    return runs


def _reminders(run: JobRun, today: date, batch: int) -> dict[str, int]:
    try:
        return reminders_send_due(today=today, batch=batch, run=run)
    finally:
        # The reminders committed before a failure are sent: they are each council's.
        reminded = (
            ReminderSent.objects.filter(run=run)
            .values("recipient__tenant_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in reminded:
            run.add_tenant_counts(row["recipient__tenant_id"], reminders=row["n"])
