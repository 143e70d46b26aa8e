"""Loaded only into the Celery worker of tests/test_purge_worker.py (``--include``): a task that
runs the purge as the retention job does, slowed down from its second case on by an advisory
lock the test holds, so the test can kill the worker in the middle of a case's purge."""

from datetime import date

from celery import shared_task

LOCK = 4114  # pg_advisory_lock key shared with the test


@shared_task(name="tests.purge_worker.purge_due_task")
def purge_due_task(today: str, batch: int) -> dict:
    from django.db import connection

    from retention import purge

    original = purge.purge_audit_record
    calls = []

    def waits_for_the_test(**kwargs):
        # Inside a case's transaction, its files and rows already deleted, its audit scrubbed.
        calls.append(1)
        if len(calls) > 1:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
        return original(**kwargs)

    purge.purge_audit_record = waits_for_the_test
    try:
        return purge.purge_due_batch(today=date.fromisoformat(today), batch=batch, run=None)
    finally:
        purge.purge_audit_record = original
