"""The daily retention run on the worker (R-RET-1). Beat queues it once a day
(CELERY_BEAT_SCHEDULE); it is idempotent, so acknowledged late and retried with backoff: a
second run, or a run after a crash half-way, finds done cases done and locked ones taken."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from retention.jobs import retention_run


@shared_task(
    acks_late=True, autoretry_for=(Exception,), retry_backoff=60, retry_kwargs={"max_retries": 3}
)
def retention_run_task(today: str | None = None) -> dict:
    """The run as on ``today`` (ISO text: the broker carries strings), or as on the local date."""
    as_of = date.fromisoformat(today) if today else timezone.localdate()
    return retention_run(today=as_of).run.counts
