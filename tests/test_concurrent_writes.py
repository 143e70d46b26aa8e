"""Two people saving at once: the embedded SQLite database serialises the writes instead of
failing (ASVS 11.1), and a stale edit in admin is refused instead of overwriting a colleague's."""

import threading

import pytest
from django.db import connection, connections, transaction

from agencies.models import Tenant


def _in_thread(work, errors: list) -> threading.Thread:
    def run():
        try:
            work()
        except Exception as error:  # reported to the test, which fails on it
            errors.append(error)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_on_sqlite_wait_for_each_other(world):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL locks rows; this is about SQLite's database-wide write lock")
    tenant_id = world.a.tenant.pk
    first_wrote, errors = threading.Event(), []

    def first():
        with transaction.atomic():
            tenant = Tenant.objects.get(pk=tenant_id)
            tenant.name = "First"
            tenant.save(update_fields=["name"])
            first_wrote.set()
            # Still inside the transaction while the second save starts.
            threading.Event().wait(0.5)

    def second():
        assert first_wrote.wait(5)
        # Read, then write: the shape of every service.
        with transaction.atomic():
            tenant = Tenant.objects.get(pk=tenant_id)
            tenant.name = f"{tenant.name} then second"
            tenant.save(update_fields=["name"])

    threads = [_in_thread(first, errors), _in_thread(second, errors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert Tenant.objects.get(pk=tenant_id).name == "First then second"
