"""A real Celery worker, started against Redis, runs a task whose result reaches the database.

Skipped on a developer machine without Redis; on CI (CI=true) a missing Redis is a failure.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import Celery
from django.db import connection

from monitoring.models import WorkerHeartbeat

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _database_url_of_test_database() -> str:
    """The test database (not the development one) as a URL the worker process can open."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue():
    if not _redis_answers():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis does not answer on 127.0.0.1:6379; CI must start it")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    # A queue of this test's own, so no other worker on the machine takes the task.
    queue = f"ecaf-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cafsite.settings.test",
        "DATABASE_URL": _database_url_of_test_database(),
        "CELERY_BROKER_URL": REDIS_URL,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cafsite", "worker", "--pool=solo"]
        + ["--queues", queue, "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue, worker
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()


def send_twice_and_wait(worker_queue, task: str, day: str, done) -> None:
    """Send ``task`` for ``day`` twice to the test's worker (as a beat that fired twice would)
    and wait up to 60 seconds until ``done()`` says both runs are over."""
    queue, worker = worker_queue
    client = Celery()
    # An explicit connection: an exported CELERY_BROKER_URL wins over Celery(broker=...).
    with client.connection_for_write(REDIS_URL) as connection_to_test_broker:
        for _ in range(2):
            client.send_task(task, args=[day], queue=queue, connection=connection_to_test_broker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not done():
        assert worker.poll() is None, f"the worker stopped:\n{worker.stdout.read()}"
        time.sleep(0.5)
    assert done(), "the two runs were not done within 60 seconds"


def test_worker_runs_a_task_and_writes_the_database(worker_queue):
    queue, worker = worker_queue
    client = Celery()

    # An explicit connection: an exported CELERY_BROKER_URL wins over Celery(broker=...).
    with client.connection_for_write(REDIS_URL) as connection_to_test_broker:
        client.send_task(
            "monitoring.tasks.worker_heartbeat_task",
            queue=queue,
            connection=connection_to_test_broker,
        )

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not WorkerHeartbeat.objects.exists():
        assert worker.poll() is None, f"the worker stopped:\n{worker.stdout.read()}"
        time.sleep(0.5)
    heartbeat = WorkerHeartbeat.objects.first()
    assert heartbeat is not None, "the task did not reach the database within 60 seconds"
    assert heartbeat.worker == socket.gethostname()


def test_worker_sends_due_forum_invitations_once(worker_queue):
    """The scan beat runs every few minutes (meetings.tasks), on a real worker: the due
    invitation is stamped sent, and a second run finds nothing more to send."""
    from datetime import datetime, timedelta
    from datetime import time as clock

    from django.utils import timezone

    from agencies.models import AgencyKind, Role
    from meetings.models import Forum, ForumCoreMember, ForumInvitation, ForumSeason
    from meetings.services.invitations import core_invitations_create
    from tests.factories import TenantFactory, make_agency, make_staff

    tenant = TenantFactory()
    police = make_agency(tenant, "Worker Police", AgencyKind.POLICE)
    member = make_staff(tenant, [(police, Role.MANAGER)])
    season = ForumSeason.objects.create(tenant=tenant, name="Worker forums", created_by=member)
    held_on = timezone.localdate() + timedelta(days=30)
    forum = Forum.objects.create(
        tenant=tenant,
        season=season,
        held_on=held_on,
        venue="Worker Hall",
        nomination_deadline=timezone.make_aware(datetime.combine(held_on, clock(9))),
    )
    ForumCoreMember.objects.create(season=season, user=member, agency=police)
    core_invitations_create(forum=forum, by=None)

    queue, worker = worker_queue
    client = Celery()
    with client.connection_for_write(REDIS_URL) as connection_to_test_broker:
        for _ in range(2):
            client.send_task(
                "meetings.tasks.forum_invitations_send_task",
                queue=queue,
                connection=connection_to_test_broker,
            )

    sent = ForumInvitation.objects.filter(forum=forum, sent_at__isnull=False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not sent.exists():
        assert worker.poll() is None, f"the worker stopped:\n{worker.stdout.read()}"
        time.sleep(0.5)
    assert sent.count() == 1, "the invitation was not sent within 60 seconds"
    first = sent.get().sent_at
    time.sleep(2)  # the second run, queued behind the first on the solo pool
    assert ForumInvitation.objects.get(forum=forum).sent_at == first
