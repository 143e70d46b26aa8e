"""Background work of forums: the frequent scans that email invitations and reminders as they
fall due (R-MAF-4). Beat runs them every few minutes (CELERY_BEAT_SCHEDULE); nothing is queued
with a long ETA (FIELD-NOTES). Idempotent, so acknowledged late and retried: a second run, or
a second worker, finds the rows already sent or locked."""

from celery import shared_task
from django.utils import timezone

from meetings.services.invitations import invitations_send_due, reminders_send_due

RETRY = {
    "acks_late": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 30,
    "retry_kwargs": {"max_retries": 3},
}


@shared_task(**RETRY)
def forum_invitations_send_task() -> int:
    return invitations_send_due(today=timezone.localdate())


@shared_task(**RETRY)
def forum_reminders_send_task() -> int:
    return reminders_send_due(today=timezone.localdate())
