"""A large export on a real Celery worker against Redis (issue 15): the job queued by the page
is run by the worker, which writes its progress and its file to the database the page reads.

Skipped on a developer machine without Redis; on CI (CI=true) a missing Redis is a failure."""

import time
from datetime import date, timedelta

import pytest
from celery import Celery
from django.utils import timezone

from cases.models import Ethnicity, Gender
from reports.models import ExportJob, ExportKind, ExportState
from tests.returns_world import early_help_case, register
from tests.test_worker import REDIS_URL, worker_queue  # noqa: F401 (the worker fixture)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_writes_the_export_and_its_progress(world, login, worker_queue):  # noqa: F811
    started = timezone.localdate() - timedelta(days=10)
    for name in ("One", "Two"):
        child = register(
            world, name, "Worked", date_of_birth=date(2018, 1, 1), gender=Gender.MALE,
            ethnicity=Ethnicity.WBRI,
        )  # fmt: skip
        early_help_case(world, child, started=started)
    manager = world.a.users["caf_manager"]
    job = ExportJob.objects.create(
        tenant=world.a.tenant,
        requested_by=manager,
        kind=ExportKind.ANNEX_A_CSV,
        params={"as_at": timezone.localdate().isoformat()},
        expires_at=timezone.now() + timedelta(hours=1),
    )
    queue, worker = worker_queue
    client = Celery()
    # An explicit connection: an exported CELERY_BROKER_URL wins over Celery(broker=...).
    with client.connection_for_write(REDIS_URL) as connection_to_test_broker:
        client.send_task(
            "reports.tasks.export_job_run_task",
            args=[str(job.pk)],
            queue=queue,
            connection=connection_to_test_broker,
        )

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        assert worker.poll() is None, f"the worker stopped:\n{worker.stdout.read()}"
        time.sleep(0.5)
    assert job.state == ExportState.DONE, "the export was not done within 60 seconds"
    assert (job.rows_done, job.rows_total) == (2, 2)
    page = login(manager).get(f"/reports/exports/{job.pk}/").content.decode()
    assert "2 of 2 rows" in page
    download = login(manager).get(f"/reports/exports/{job.pk}/download/")
    assert b"".join(download.streaming_content).decode("utf-8-sig").count("\r\n") == 3
