import socket

from celery import shared_task
from django.utils import timezone

from monitoring.models import WorkerHeartbeat


@shared_task
def worker_heartbeat_task() -> str:
    """Scheduled every minute by beat: proves a worker is consuming and can write the database.
    Idempotent: it only moves one row's timestamp forward."""
    worker = socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"beat_at": timezone.now()})
    return worker
