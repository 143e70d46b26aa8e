"""Exports on the worker (issue 15). Both tasks are idempotent, so acknowledged late: a job
run twice, or again after a crash half-way, writes its file once."""

from celery import shared_task

from reports.exports import export_job_run, export_jobs_expire


@shared_task(acks_late=True)
def export_job_run_task(job_id: str) -> str | None:
    job = export_job_run(job_id)
    return job.state if job else None


@shared_task(acks_late=True)
def export_jobs_expire_task() -> int:
    """Beat runs it hourly (CELERY_BEAT_SCHEDULE): expired exports and their files go."""
    return export_jobs_expire()
