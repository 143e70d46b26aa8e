"""Large exports go through a job on the worker (issue 15): the page shows its progress without
JavaScript, the file is kept private (0600, a random name) for its requester alone, the
download is in the access log, and expired jobs go with their files."""

import csv
import io
import os
import stat
import uuid
from datetime import date, timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from audit.models import AccessAction, AccessLogEntry
from cases.models import Ethnicity, Gender
from reports.annex_a import HEADINGS
from reports.exports import export_jobs_expire
from reports.models import ExportJob, ExportKind, ExportState
from tests.returns_world import early_help_case, register

URL = "/reports/annex-a/"


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


@pytest.fixture
def three_children(world, settings):
    """Three children on today's list, and a limit of one row for an export in the request."""
    settings.REPORT_DIRECT_EXPORT_MAX_ROWS = 1
    started = timezone.localdate() - timedelta(days=10)
    for name in ("One", "Two", "Three"):
        child = register(
            world, name, "Exported", date_of_birth=date(2018, 1, 1), gender=Gender.MALE,
            ethnicity=Ethnicity.WBRI,
        )  # fmt: skip
        early_help_case(world, child, started=started)


def _request_export(client, capture, fmt="csv"):
    with capture(execute=True):
        response = client.get(URL, {"format": fmt})
    assert response.status_code == 302
    return ExportJob.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def test_a_large_export_goes_through_a_job_and_its_page_offers_the_file(
    three_children, world, login, django_capture_on_commit_callbacks
):
    manager = world.a.users["caf_manager"]
    client = login(manager)

    job = _request_export(client, django_capture_on_commit_callbacks)
    page = client.get(f"/reports/exports/{job.pk}/").content.decode()

    job.refresh_from_db()
    assert job.state == ExportState.DONE and job.kind == ExportKind.ANNEX_A_CSV
    assert (job.rows_done, job.rows_total) == (3, 3)
    assert "3 of 3 rows" in page and "Ready to download" in page
    assert 'http-equiv="refresh"' not in page
    assert f"/reports/exports/{job.pk}/download/" in page


def test_the_requester_downloads_it_and_the_download_is_logged(
    three_children, world, login, django_capture_on_commit_callbacks
):
    manager = world.a.users["caf_manager"]
    client = login(manager)
    job = _request_export(client, django_capture_on_commit_callbacks)

    response = client.get(f"/reports/exports/{job.pk}/download/")

    assert response.status_code == 200
    assert "OFFICIAL-SENSITIVE" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == HEADINGS and len(rows) == 4
    entry = AccessLogEntry.objects.get(user=manager, action=AccessAction.EXPORT)
    assert str(job.pk) in entry.detail and entry.agency_id == world.a.caf_team.pk


def test_the_file_is_private_with_a_random_name(
    three_children, world, login, django_capture_on_commit_callbacks
):
    job = _request_export(login(world.a.users["caf_manager"]), django_capture_on_commit_callbacks)

    job.refresh_from_db()
    assert stat.S_IMODE(os.stat(job.file.path).st_mode) == 0o600
    assert "Exported" not in job.file.name and job.file.name.startswith("exports/")


def test_an_excel_export_goes_through_the_job_too(
    three_children, world, login, django_capture_on_commit_callbacks
):
    client = login(world.a.users["school_manager"])
    job = _request_export(client, django_capture_on_commit_callbacks, fmt="xlsx")

    response = client.get(f"/reports/exports/{job.pk}/download/")

    assert "spreadsheetml" in response["Content-Type"]
    assert response["Content-Disposition"].endswith('.xlsx"')


@pytest.mark.parametrize(
    "name", ["other_manager", "coordinator", "police_manager", "other_tenant", "assessor"]
)
def test_nobody_but_the_requester_sees_the_job_or_its_file(
    three_children, world, login, django_capture_on_commit_callbacks, name
):
    job = _request_export(login(world.a.users["caf_manager"]), django_capture_on_commit_callbacks)
    users = {**world.a.users, "other_tenant": world.b.users["caf_manager"]}
    users["other_manager"] = users["school_manager"]
    user = users[name]
    client = login(user)
    missing = uuid.uuid4()

    for path in ("", "download/"):
        theirs = client.get(f"/reports/exports/{job.pk}/{path}")
        none = client.get(f"/reports/exports/{missing}/{path}")
        assert theirs.status_code == none.status_code == 404
    assert _api(user).get(f"/api/reports/exports/{job.pk}/").status_code == 404


def test_a_running_job_shows_its_progress_and_refreshes_itself(world, login):
    manager = world.a.users["caf_manager"]
    job = ExportJob.objects.create(
        tenant=world.a.tenant,
        requested_by=manager,
        kind=ExportKind.ANNEX_A_XLSX,
        params={"as_at": "2026-10-31"},
        state=ExportState.RUNNING,
        rows_done=120,
        rows_total=600,
        expires_at=timezone.now() + timedelta(hours=24),
    )

    page = login(manager).get(f"/reports/exports/{job.pk}/").content.decode()
    api = _api(manager).get(f"/api/reports/exports/{job.pk}/").json()

    assert '<meta http-equiv="refresh" content="3">' in page
    assert '<progress max="600" value="120"' in page and "120 of 600 rows" in page
    assert "/download/" not in page
    assert (api["state"], api["rows_done"], api["rows_total"]) == ("running", 120, 600)
    assert api["download"] is None
    assert login(manager).get(f"/reports/exports/{job.pk}/download/").status_code == 404


def test_an_expired_export_is_gone_with_its_file(
    three_children, world, login, django_capture_on_commit_callbacks
):
    client = login(world.a.users["caf_manager"])
    job = _request_export(client, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    path = job.file.path

    later = timezone.now() + timedelta(hours=25)
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())

    assert client.get(f"/reports/exports/{job.pk}/").status_code == 404
    assert export_jobs_expire(now=later) == 1
    assert not ExportJob.objects.filter(pk=job.pk).exists()
    assert not os.path.exists(path)


def test_a_small_export_is_answered_at_once(world, login):
    response = login(world.a.users["caf_manager"]).get(URL, {"format": "csv"})

    assert response.status_code == 200
    assert not ExportJob.objects.exists()
