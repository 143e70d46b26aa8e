"""Two people saving at once: the embedded SQLite database serialises the writes instead of
failing (ASVS 11.1), and a stale edit in admin is refused instead of overwriting a colleague's."""

import re
import threading

import pytest
from django.db import connection, connections, transaction

from agencies.models import Role, Tenant
from agencies.services import StaffError, agency_update
from tests.factories import make_staff


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


def _agency_form(client, agency) -> dict:
    """The agency's change form as the administrator's browser holds it, hidden fields too."""
    page = client.get(f"/admin/agencies/agency/{agency.pk}/change/").content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(version)" value="(\d+)"', page))
    return {
        "name": agency.name,
        "kind": agency.kind,
        "email": agency.email,
        "telephone": agency.telephone,
        "is_active": "on" if agency.is_active else "",
        **fields,
    }


def test_a_stale_admin_save_is_refused_and_keeps_what_was_typed(world, login):
    police = world.a.police
    first = login(world.a.users["tenant_admin"])
    second = login(make_staff(world.a.tenant, [(world.a.caf_team, Role.TENANT_ADMIN)]))
    url = f"/admin/agencies/agency/{police.pk}/change/"
    first_form, second_form = _agency_form(first, police), _agency_form(second, police)

    saved = first.post(url, {**first_form, "telephone": "01632 960001"})
    stale = second.post(url, {**second_form, "email": "police@example.org"})

    assert saved.status_code == 302
    page = stale.content.decode()
    assert stale.status_code == 200
    assert "changed this agency while you were editing it" in page
    assert 'value="police@example.org"' in page
    police.refresh_from_db()
    assert police.telephone == "01632 960001"
    assert police.email == ""


def test_saving_again_after_the_warning_keeps_both_changes_as_chosen(world, login):
    police = world.a.police
    first = login(world.a.users["tenant_admin"])
    second = login(make_staff(world.a.tenant, [(world.a.caf_team, Role.TENANT_ADMIN)]))
    url = f"/admin/agencies/agency/{police.pk}/change/"
    second_form = _agency_form(second, police)
    first.post(url, {**_agency_form(first, police), "telephone": "01632 960001"})

    warned = second.post(url, {**second_form, "email": "police@example.org"})
    version = re.search(r'name="version" value="(\d+)"', warned.content.decode()).group(1)
    again = second.post(
        url,
        {
            **second_form,
            "telephone": "01632 960001",
            "email": "police@example.org",
            "version": version,
        },
    )

    assert again.status_code == 302
    police.refresh_from_db()
    assert (police.telephone, police.email) == ("01632 960001", "police@example.org")


def test_every_agency_update_moves_its_version_on(world):
    police = world.a.police
    before = police.version

    agency_update(
        agency=police,
        by=world.a.users["tenant_admin"],
        name=police.name,
        kind=police.kind,
        email="",
        telephone="01632 960002",
        is_active=True,
        version=before,
    )
    with pytest.raises(StaffError, match="while you were editing"):
        agency_update(
            agency=police,
            by=world.a.users["tenant_admin"],
            name=police.name,
            kind=police.kind,
            email="",
            telephone="01632 960003",
            is_active=True,
            version=before,
        )

    police.refresh_from_db()
    assert police.version == before + 1
    assert police.telephone == "01632 960002"


def test_a_stale_save_of_a_staff_member_is_refused_and_keeps_what_was_typed(world, login):
    from tests.test_admin import _staff_post

    officer = world.a.users["police_practitioner"]
    first = login(world.a.users["tenant_admin"])
    second = login(make_staff(world.a.tenant, [(world.a.caf_team, Role.TENANT_ADMIN)]))
    url = f"/admin/agencies/user/{officer.pk}/change/"
    shown_at = [
        re.search(r'name="version" value="(\d+)"', c.get(url).content.decode()).group(1)
        for c in (first, second)
    ]

    saved = first.post(url, _staff_post(officer, job_title="Sergeant", version=shown_at[0]))
    stale = second.post(url, _staff_post(officer, telephone="01632 960009", version=shown_at[1]))

    assert saved.status_code == 302
    assert stale.status_code == 200
    page = stale.content.decode()
    assert "changed this record while you were editing it" in page
    assert 'value="01632 960009"' in page
    officer.refresh_from_db()
    assert (officer.job_title, officer.telephone) == ("Sergeant", "")
