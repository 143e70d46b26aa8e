"""Exports too large to answer in the request: a job on the worker, its progress and its file
(issue 15)."""

import uuid

from django.conf import settings
from django.db import models

from cafsite.uploads import random_path


class ExportKind(models.TextChoices):
    ANNEX_A_CSV = "annex_a_csv", "Annex A list 2 (CSV)"
    ANNEX_A_XLSX = "annex_a_xlsx", "Annex A list 2 (Excel)"


class ExportState(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being prepared"
    DONE = "done", "Ready to download"
    FAILED = "failed", "Failed"


def export_file_path(instance: "ExportJob", filename: str) -> str:
    # Under MEDIA_ROOT, which no URL serves, 0600 (FILE_UPLOAD_PERMISSIONS), a random name.
    return random_path("exports", filename)


class ExportJob(models.Model):
    """One requested export. Only its requester downloads it, until ``expires_at``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs"
    )
    # The agency the requester acted for: the access log files the download under it.
    agency_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=ExportState.choices, default="queued")
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(upload_to=export_file_path, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="exportjob_requester"),
            models.Index(fields=["expires_at"], name="exportjob_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"

    @property
    def is_finished(self) -> bool:
        return self.state in (ExportState.DONE, ExportState.FAILED)
