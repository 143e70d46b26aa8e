"""A real Celery worker killed (SIGKILL) in the middle of a purge batch leaves every case
either wholly purged or wholly intact, and the next run completes the rest (R-RET-1).

PostgreSQL only (the worker waits on an advisory lock the test holds, so the kill lands inside
a case's transaction at a known point); skipped without Redis, as tests/test_worker.py.
"""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from celery import Celery
from django.db import connection

from audit.models import AccessLogEntry, ChangeLogEntry
from audit.services import PURGED
from cases.models import Case, Child
from retention.models import PurgeRecord
from retention.purge import _collect, purge_due_batch
from tests.purge_worker import LOCK
from tests.test_purge import TODAY, due_today, files_in, personal_data_found
from tests.test_worker import REDIS_URL, ROOT, _database_url_of_test_database, _redis_answers

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the worker waits on a PostgreSQL lock"
    ),
]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture
def purge_worker(media_root):
    if not _redis_answers():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis does not answer on 127.0.0.1:6379; CI must start it")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    queue = f"ecaf-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cafsite.settings.test",
        "DATABASE_URL": _database_url_of_test_database(),
        "CELERY_BROKER_URL": REDIS_URL,
        "MEDIA_ROOT": str(media_root),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cafsite", "worker", "--pool=solo"]
        + ["--queues", queue, "--include", "tests.purge_worker"]
        + ["--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue, worker
    if worker.poll() is None:
        worker.kill()
        worker.wait(timeout=20)


def _rows_of(case: Case) -> dict:
    """Every row of the case and its child, and its audit entries not scrubbed."""
    roots = [
        (model, [pk])
        for model, pk in ((Case, case.pk), (Child, case.child_id))
        if model.objects.filter(pk=pk).exists()
    ]
    rows = _collect(roots)
    return {
        **{model._meta.label: len(pks) for model, pks in rows.items()},
        "changes": ChangeLogEntry.objects.filter(case_id=case.pk)
        .exclude(object_repr=PURGED)
        .count(),
        "accesses": AccessLogEntry.objects.filter(case_id=case.pk).exclude(path=PURGED).count(),
    }


def _one(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _wait_for(condition, worker, what: str, seconds: int = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert worker is None or worker.poll() is None, (
            f"the worker stopped:\n{worker.stdout.read()}"
        )
        assert time.monotonic() < deadline, f"{what} within {seconds} seconds"
        time.sleep(0.2)


def test_a_worker_killed_mid_batch_leaves_no_half_purged_case(
    world, login, purge_worker, media_root
):
    cases = [due_today(world, login) for _ in range(3)]
    before = {case.pk: _rows_of(case) for case in cases}
    queue, worker = purge_worker
    _one("SELECT count(*) FROM (SELECT pg_advisory_lock(%s)) AS held", [LOCK])
    try:
        client = Celery()
        with client.connection_for_write(REDIS_URL) as broker:
            client.send_task(
                "tests.purge_worker.purge_due_task",
                args=[TODAY.isoformat(), 2],
                queue=queue,
                connection=broker,
            )
        # The first case purged and committed; the second's purge waits inside its transaction.
        _wait_for(
            lambda: (
                PurgeRecord.objects.count() == 1
                and _one(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    " AND database ="
                    " (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            ),
            worker,
            "the worker did not reach the second case",
        )
        # The worker's own connection, the one waiting for the lock: other tests' leftovers
        # on this database are not the worker's.
        waiting = _one(
            "SELECT min(pid) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=20)
    finally:
        _one("SELECT count(*) FROM (SELECT pg_advisory_unlock(%s)) AS released", [LOCK])
    # The dead worker's connection ends (rolling back) once its statement ends.
    _wait_for(
        lambda: not _one("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [waiting]),
        None,
        "the killed worker's connection did not end",
    )

    purged, intact = [], []
    for case in cases:
        if Case.objects.filter(pk=case.pk).exists():
            assert _rows_of(case) == before[case.pk], f"{case.reference} is half-purged"
            intact.append(case)
        else:
            assert PurgeRecord.objects.filter(reference=case.reference).exists()
            assert set(_rows_of(case).values()) == {0}, f"{case.reference} is half-purged"
            purged.append(case)
    assert (len(purged), len(intact)) == (1, 2)

    assert purge_due_batch(today=TODAY, batch=2, run=None)["purged"] == 2
    assert PurgeRecord.objects.count() == 3
    assert personal_data_found() == []
    assert files_in(media_root) == []
