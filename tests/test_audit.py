"""The audit trail: who may search it, what each manager sees, filters and paging, and that
neither log can be rewritten."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AccessAction, AccessLogEntry, AppendOnlyError, ChangeLogEntry
from audit.selectors import PAGE_SIZE
from audit.services import access_log_record
from cases.models import Case
from tests.test_access_matrix import ALL_ROLES

MANAGERS = {"school_manager", "police_manager", "caf_manager"}


@pytest.mark.parametrize("name", ALL_ROLES)
def test_only_managers_reach_the_audit_page(world, login, name):
    response = login(world.a.users[name]).get("/audit/")

    assert response.status_code == (200 if name in MANAGERS else 404)


def _views_and_refusals(world, login):
    """The coordinator views the case; a police practitioner is refused it; tenant b's
    coordinator views tenant b's case."""
    login(world.a.users["coordinator"]).get(f"/cases/{world.a.case.pk}/")
    login(world.a.users["police_practitioner"]).get(f"/cases/{world.a.case.pk}/")
    login(world.b.users["coordinator"]).get(f"/cases/{world.b.case.pk}/")


def _who(response) -> set[str]:
    return {entry.who for entry in response.context["entries"]}


def _name(user) -> str:
    return user.get_full_name() or user.username


def test_caf_team_manager_sees_the_whole_tenant_and_nothing_of_another(world, login):
    _views_and_refusals(world, login)

    response = login(world.a.users["caf_manager"]).get("/audit/")

    people = _who(response)
    assert _name(world.a.users["coordinator"]) in people
    assert _name(world.a.users["police_practitioner"]) in people
    assert any(e.summary.startswith("Refused") for e in response.context["entries"])
    assert _name(world.b.users["coordinator"]) not in people
    assert _name(world.b.users["coordinator"]) not in response.content.decode()


def test_agency_manager_sees_only_their_own_agency_staff(world, login):
    _views_and_refusals(world, login)

    response = login(world.a.users["police_manager"]).get("/audit/")

    people = _who(response)
    page = response.content.decode()
    assert _name(world.a.users["police_practitioner"]) in people
    assert _name(world.a.users["coordinator"]) not in people
    # Not even among the people to pick.
    assert _name(world.a.users["coordinator"]) not in page
    assert _name(world.b.users["coordinator"]) not in page
    # The agency filter offers only the agencies they manage.
    assert world.a.police.name in page
    assert world.a.school.name not in page


def test_search_by_user_case_and_dates(world, login):
    _views_and_refusals(world, login)
    manager = login(world.a.users["caf_manager"])
    coordinator = _name(world.a.users["coordinator"])
    police = _name(world.a.users["police_practitioner"])
    today = timezone.localdate().strftime("%d/%m/%Y")

    police_id = world.a.users["police_practitioner"].pk
    by_user = _who(manager.get("/audit/", {"log": "access", "person": police_id}))
    by_case = _who(manager.get("/audit/", {"log": "access", "case": world.a.case.reference}))
    yesterday = (timezone.localdate() - timedelta(days=1)).strftime("%d/%m/%Y")
    old = _who(
        manager.get("/audit/", {"log": "access", "date_from": "1/1/2020", "date_to": yesterday})
    )
    current = _who(manager.get("/audit/", {"log": "access", "date_from": today, "date_to": today}))

    assert by_user == {police}
    assert police in by_case and coordinator in by_case  # refused and viewed, same case
    assert coordinator not in old
    assert coordinator in current


def test_change_log_records_the_acting_user(world, login):
    opened = ChangeLogEntry.objects.get(
        content_type__model="case", object_pk=str(world.a.case.pk), action=0
    )
    assert opened.actor == world.a.users["assessor"]
    assert opened.tenant_id == world.a.tenant.pk
    assert opened.case_id == world.a.case.pk

    response = login(world.a.users["caf_manager"]).get(
        "/audit/", {"log": "changes", "case": world.a.case.reference}
    )
    assert _name(world.a.users["assessor"]) in _who(response)
    assert world.b.case.reference not in response.content.decode()


def test_bad_search_input_is_explained_next_to_the_field(world, login):
    manager = login(world.a.users["caf_manager"])

    response = manager.get(
        "/audit/",
        {"log": "access", "case": "not a case", "date_from": "31/3/2026", "date_to": "1/3/2026"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Enter a case reference like CAF-000123." in page
    assert "The end date must be the same as or after the start date." in page
    assert manager.get("/audit/", {"before": "garbage_x"}).status_code == 200


def test_paging_walks_every_entry_once_with_constant_queries(
    world, login, django_assert_max_num_queries
):
    user = world.a.users["coordinator"]
    start = timezone.now() - timedelta(days=1)
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(
            action=AccessAction.VIEW,
            user=user,
            username=user.username,
            tenant=world.a.tenant,
            case_id=world.a.case.pk,
            at=start + timedelta(seconds=i // 3),  # shared timestamps cross page boundaries
        )
        for i in range(2 * PAGE_SIZE + 20)
    )
    manager = login(world.a.users["caf_manager"])
    expected = AccessLogEntry.objects.filter(tenant=world.a.tenant).count()

    seen, url = [], f"/audit/?log=access&person={user.pk}"
    while url:
        # 20: the session's second factor (its device, by primary key), the people and
        # agencies to pick from, the person asked for, the rows of both logs and the names
        # of the entries shown, which of those people lead to their activity, the manager's
        # own access (tests/test_audit_trail.py: the same at two sizes).
        with django_assert_max_num_queries(22):
            response = manager.get(url)
        seen.extend(entry.pk for entry in response.context["entries"])
        next_query = response.context["next_query"]
        url = f"/audit/?{next_query}" if next_query else None

    assert len(seen) == len(set(seen))
    assert len(seen) == 2 * PAGE_SIZE + 20
    assert expected > len(seen)  # the manager's own sign-in is not in this search


def test_entries_cannot_be_changed_or_deleted_through_the_models(world):
    entry = access_log_record(action=AccessAction.VIEW, case=world.a.case)
    entry.detail = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    change = ChangeLogEntry.objects.first()
    with pytest.raises(AppendOnlyError):
        change.delete()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database trigger exists on PostgreSQL only"
)
@pytest.mark.parametrize("table", ["audit_accesslogentry", "audit_changelogentry"])
@pytest.mark.parametrize(
    "statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"], ids=["update", "delete"]
)
def test_database_refuses_to_rewrite_the_trail(world, table, statement):
    access_log_record(action=AccessAction.VIEW, case=world.a.case)
    before = AccessLogEntry.objects.count() + ChangeLogEntry.objects.count()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.format(table=table))
    assert AccessLogEntry.objects.count() + ChangeLogEntry.objects.count() == before
    assert Case.objects.count() == 2
