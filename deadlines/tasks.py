"""Background work of deadlines: the frequent reminder scan and the weekly digest, scheduled by
beat (CELERY_BEAT_SCHEDULE). Thin: they parse the day and call ``deadlines.jobs``. Idempotent
(at most one reminder per item, person and day; one digest per person and week), so
acknowledged late and retried on failure with backoff."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from deadlines.jobs import deadlines_run

RETRY = {
    "acks_late": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 30,
    "retry_kwargs": {"max_retries": 3},
}


def _day(today: str | None) -> date:
    """The day as ISO text (the broker carries strings), or the local date now."""
    return date.fromisoformat(today) if today else timezone.localdate()


@shared_task(**RETRY)
def deadlines_run_task(today: str | None = None, digest: bool | None = None) -> list[int]:
    """Reminders due by ``today``; the digest on Mondays unless ``digest`` says otherwise.
    Returns the ids of the runs recorded."""
    return [run.pk for run in deadlines_run(today=_day(today), digest=digest)]


@shared_task(**RETRY)
def deadlines_digest_task(today: str | None = None) -> list[int]:
    """The weekly digest (with the reminders due, as every run sends)."""
    return [run.pk for run in deadlines_run(today=_day(today), digest=True)]
