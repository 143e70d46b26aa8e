from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran a task. One row per worker host name."""

    worker = models.CharField(max_length=200, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker} at {self.beat_at:%d/%m/%Y %H:%M:%S}"
