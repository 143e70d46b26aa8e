"""Django admin for tenant administrators: their own tenant's agencies and staff, through the
same services as everywhere else, and nothing of another tenant."""

import re

import pytest
from django.db import IntegrityError, transaction

from agencies.models import Agency, AgencyKind, Membership, Role, User
from tests.factories import make_staff, platform_user
from tests.test_access_matrix import ALL_ROLES


def _admin(world, login):
    return login(world.a.users["tenant_admin"])


def _management_form(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _staff_post(user, **changes):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "job_title": user.job_title,
        "telephone": user.telephone,
        "dbs_checked_on": user.dbs_checked_on.isoformat() if user.dbs_checked_on else "",
        "dbs_reference": user.dbs_reference,
        "is_active": "on" if user.is_active else "",
    }
    memberships = list(user.memberships.all())
    data.update(_management_form("memberships", total=len(memberships), initial=len(memberships)))
    for i, m in enumerate(memberships):
        data.update(
            {
                f"memberships-{i}-id": str(m.pk),
                f"memberships-{i}-user": str(user.pk),
                f"memberships-{i}-agency": str(m.agency_id),
                f"memberships-{i}-role": m.role,
            }
        )
    data.update(_management_form("training"))
    data.update(changes)
    return data


@pytest.mark.parametrize("name", [n for n in ALL_ROLES if n != "tenant_admin"])
def test_only_tenant_administrators_enter(world, login, name):
    response = login(world.a.users[name]).get("/admin/", follow=True)
    # Django sends them to the admin's login, which for someone signed in without the role
    # is a page that does not exist (not a second login form, not a loop via /sign-in/).
    assert response.redirect_chain[0] == ("/admin/login/?next=/admin/", 302)
    assert response.status_code == 404


def test_inactive_tenant_administrator_is_refused(world, login):
    admin_user = world.a.users["tenant_admin"]
    client = login(admin_user)
    User.objects.filter(pk=admin_user.pk).update(is_active=False)
    response = client.get("/admin/agencies/user/")
    assert response.status_code == 302
    assert world.a.users["coordinator"].username not in response.content.decode()


def test_anonymous_is_sent_to_the_service_sign_in(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/sign-in/")


def test_tenant_admin_sees_only_their_tenant(world, login):
    client = _admin(world, login)

    index = client.get("/admin/")
    agencies = client.get("/admin/agencies/agency/").content.decode()
    staff = client.get("/admin/agencies/user/").content.decode()

    assert index.status_code == 200
    assert client.get("/admin/agencies/agency/add/").status_code == 200
    assert client.get("/admin/agencies/user/add/").status_code == 200
    change = client.get(f"/admin/agencies/user/{world.a.users['coordinator'].pk}/change/")
    assert change.status_code == 200
    assert world.b.police.name not in change.content.decode()  # not an agency choice
    assert world.a.school.name in agencies and world.b.school.name not in agencies
    assert world.a.users["coordinator"].username in staff
    assert world.b.users["coordinator"].username not in staff
    assert "/admin/agencies/tenant/" not in index.content.decode()
    other = client.get(f"/admin/agencies/user/{world.b.users['coordinator'].pk}/change/")
    assert world.b.users["coordinator"].username not in other.content.decode()
    assert other.status_code in (302, 404)


def test_no_deletion_and_no_privilege_fields(world, login):
    client = _admin(world, login)
    user = world.a.users["police_practitioner"]

    page = client.get(f"/admin/agencies/user/{user.pk}/change/").content.decode()
    delete = client.get(f"/admin/agencies/user/{user.pk}/delete/")

    assert 'name="is_superuser"' not in page and 'name="is_staff"' not in page
    assert 'name="user_permissions"' not in page and 'name="tenant"' not in page
    assert delete.status_code == 403
    # A posted privilege is ignored.
    client.post(f"/admin/agencies/user/{user.pk}/change/", _staff_post(user, is_superuser="on"))
    user.refresh_from_db()
    assert not user.is_superuser


def test_tenant_admin_adds_an_agency_with_its_access_group(world, login):
    client = _admin(world, login)

    response = client.post(
        "/admin/agencies/agency/add/",
        {"name": "Northshire Housing", "kind": AgencyKind.HOUSING, "is_active": "on"},
    )

    assert response.status_code == 302
    agency = Agency.objects.get(name="Northshire Housing")
    assert agency.tenant == world.a.tenant
    assert agency.group_id is not None


def test_a_second_caf_team_is_refused_beside_the_field(world, login):
    response = _admin(world, login).post(
        "/admin/agencies/agency/add/",
        {"name": "Another CAF team", "kind": AgencyKind.CAF_TEAM, "is_active": "on"},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Agency.objects.filter(name="Another CAF team").exists()


def test_tenant_admin_creates_staff_in_their_tenant(world, login):
    response = _admin(world, login).post(
        "/admin/agencies/user/add/",
        {
            "username": "new.starter",
            "first_name": "New",
            "last_name": "Starter",
            "email": "new@example.org",
            "job_title": "Family worker",
            "password1": "a-Long-enough-passw0rd",
            "password2": "a-Long-enough-passw0rd",
            **_management_form("memberships"),
            **_management_form("training"),
        },
    )
    assert response.status_code == 302, re.findall(
        r"errorlist[^<]*<li>([^<]*)", response.content.decode()
    )
    assert User.objects.get(username="new.starter").tenant == world.a.tenant


def test_adding_a_membership_grants_the_agency_group_and_dbs_is_recorded(world, login):
    client = _admin(world, login)
    user = make_staff(world.a.tenant, [], username="joiner", dbs=False)
    data = _staff_post(
        user,
        dbs_checked_on="2025-02-03",
        dbs_reference="001234567890",
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-agency": str(world.a.police.pk),
            "memberships-0-role": Role.PRACTITIONER,
            "memberships-0-user": str(user.pk),
        },
    )

    response = client.post(f"/admin/agencies/user/{user.pk}/change/", data)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.has_dbs_check
    assert world.a.police.group in user.groups.all()
    assert Membership.objects.filter(user=user, agency=world.a.police).exists()


def test_membership_rules_and_tenant_show_as_form_errors(world, login):
    client = _admin(world, login)
    user = make_staff(world.a.tenant, [], username="joiner", dbs=False)

    wrong_role = client.post(
        f"/admin/agencies/user/{user.pk}/change/",
        _staff_post(
            user,
            **{
                "memberships-TOTAL_FORMS": "1",
                "memberships-0-agency": str(world.a.police.pk),
                "memberships-0-role": Role.CAF_COORDINATOR,
                "memberships-0-user": str(user.pk),
            },
        ),
    )
    other_tenant = client.post(
        f"/admin/agencies/user/{user.pk}/change/",
        _staff_post(
            user,
            **{
                "memberships-TOTAL_FORMS": "1",
                "memberships-0-agency": str(world.b.police.pk),
                "memberships-0-role": Role.PRACTITIONER,
                "memberships-0-user": str(user.pk),
            },
        ),
    )
    future_dbs = client.post(
        f"/admin/agencies/user/{user.pk}/change/",
        _staff_post(user, dbs_checked_on="2999-01-01", dbs_reference="1"),
    )

    assert wrong_role.status_code == 200
    assert "CAF coordinators belong to the CAF team." in wrong_role.content.decode()
    assert other_tenant.status_code == 200  # not a choice
    assert future_dbs.status_code == 200
    assert "cannot be in the future" in future_dbs.content.decode()
    assert not user.memberships.exists()


def test_staff_list_queries_stay_constant(world, login, django_assert_max_num_queries):
    client = _admin(world, login)
    for i in range(30):
        make_staff(world.a.tenant, [(world.a.school, Role.PRACTITIONER)], username=f"extra{i}")
    with django_assert_max_num_queries(15):
        assert client.get("/admin/agencies/user/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/admin/agencies/user/{user}/change/",
        "/admin/agencies/user/{user}/password/",
        "/admin/agencies/user/{user}/history/",
        "/admin/agencies/agency/{agency}/change/",
        "/admin/agencies/agency/{agency}/history/",
        "/admin/agencies/tenant/{tenant}/change/",
    ],
)
def test_nothing_of_another_tenant_by_address(world, login, path):
    other = world.b.users["coordinator"]
    # A name no page shows by chance (a random surname may be "North", as the tenant is).
    other.last_name = "Zebedee-Westcott"
    other.save(update_fields=["last_name"])
    url = path.format(user=other.pk, agency=world.b.school.pk, tenant=world.b.tenant.pk)

    response = _admin(world, login).get(url, follow=True)

    page = response.content.decode()
    assert response.status_code in (200, 403, 404)
    if response.status_code == 200:  # Django's "does not exist" redirect to the admin index
        assert response.redirect_chain and response.redirect_chain[-1][0] == "/admin/"
    for secret in (other.username, other.last_name, world.b.school.name, world.b.tenant.name):
        assert secret not in page


def test_another_tenants_staff_cannot_be_changed_by_post(world, login):
    other = world.b.users["coordinator"]
    client = _admin(world, login)

    client.post(
        f"/admin/agencies/user/{other.pk}/change/", _staff_post(other, first_name="Hijacked")
    )
    client.post(
        f"/admin/agencies/user/{other.pk}/password/",
        {"password1": "a-Long-enough-passw0rd", "password2": "a-Long-enough-passw0rd"},
    )

    other.refresh_from_db()
    assert other.first_name != "Hijacked"
    assert other.check_password("correct-horse-battery-staple")


def test_a_superuser_cannot_belong_to_a_tenant(world):
    # Hole 8 of the access review: a superuser with a tenant and a membership saw its cases.
    with pytest.raises(IntegrityError), transaction.atomic():
        make_staff(world.a.tenant, [], username="operator", is_superuser=True)
    platform = platform_user_with_password()
    platform.tenant = world.a.tenant
    with pytest.raises(IntegrityError), transaction.atomic():
        platform.save()


def test_superuser_manages_every_tenant_but_moves_nothing_between_them(world, login):
    client = login(platform_user_with_password())

    agencies = client.get("/admin/agencies/agency/").content.decode()
    index = client.get("/admin/").content.decode()
    change = client.get(f"/admin/agencies/agency/{world.a.school.pk}/change/").content.decode()

    assert world.a.school.name in agencies and world.b.school.name in agencies
    assert "/admin/agencies/tenant/" in index
    assert 'name="tenant"' not in change  # shown, read-only


def test_superuser_membership_in_another_tenant_is_a_form_error(world, login):
    client = login(platform_user_with_password())
    user = world.a.users["police_practitioner"]
    data = _staff_post(user)
    data.update(
        {
            "memberships-TOTAL_FORMS": str(int(data["memberships-TOTAL_FORMS"]) + 1),
            "memberships-1-agency": str(world.b.school.pk),
            "memberships-1-role": Role.PRACTITIONER,
            "memberships-1-user": str(user.pk),
        }
    )

    response = client.post(f"/admin/agencies/user/{user.pk}/change/", data)

    assert response.status_code == 200
    assert "Staff can only join agencies of their own tenant." in response.content.decode()
    assert not user.memberships.filter(agency=world.b.school).exists()


def test_removing_a_membership_ends_access_through_the_agency(world, login):
    user = world.a.users["police_practitioner"]
    assert world.a.police.group in user.groups.all()
    data = _staff_post(user, **{"memberships-0-DELETE": "on"})

    response = _admin(world, login).post(f"/admin/agencies/user/{user.pk}/change/", data)

    assert response.status_code == 302
    assert not user.memberships.exists()
    assert world.a.police.group not in user.groups.all()


def test_changing_a_role_goes_through_the_services(world, login):
    user = world.a.users["police_practitioner"]
    data = _staff_post(user, **{"memberships-0-role": Role.MANAGER})

    response = _admin(world, login).post(f"/admin/agencies/user/{user.pk}/change/", data)

    assert response.status_code == 302
    assert list(user.memberships.values_list("role", flat=True)) == [Role.MANAGER]
    assert world.a.police.group in user.groups.all()


def _agency_post(agency, **changes):
    data = {
        "name": agency.name,
        "kind": agency.kind,
        "email": agency.email,
        "telephone": agency.telephone,
        "is_active": "on" if agency.is_active else "",
    }
    data.update(changes)
    return data


def test_closing_an_agency_ends_its_staffs_access_and_reopening_restores_it(world, login):
    client = _admin(world, login)
    police, officer = world.a.police, world.a.users["police_practitioner"]

    closed = client.post(
        f"/admin/agencies/agency/{police.pk}/change/", _agency_post(police, is_active="")
    )

    assert closed.status_code == 302
    assert police.group not in officer.groups.all()
    police.refresh_from_db()
    assert not police.is_active
    # A member of a closed agency can still be edited; a new membership of it is refused.
    edited = client.post(
        f"/admin/agencies/user/{officer.pk}/change/", _staff_post(officer, job_title="Sergeant")
    )
    assert edited.status_code == 302
    joiner = make_staff(world.a.tenant, [], username="joiner", dbs=False)
    refused = client.post(
        f"/admin/agencies/user/{joiner.pk}/change/",
        _staff_post(
            joiner,
            **{
                "memberships-TOTAL_FORMS": "1",
                "memberships-0-agency": str(police.pk),
                "memberships-0-role": Role.PRACTITIONER,
                "memberships-0-user": str(joiner.pk),
            },
        ),
    )
    assert refused.status_code == 200 and "This agency is closed." in refused.content.decode()

    reopened = client.post(
        f"/admin/agencies/agency/{police.pk}/change/", _agency_post(police, is_active="on")
    )

    assert reopened.status_code == 302
    assert police.group in officer.groups.all()


def test_the_caf_team_keeps_its_kind_while_it_has_coordinators(world, login):
    team = world.a.caf_team
    response = _admin(world, login).post(
        f"/admin/agencies/agency/{team.pk}/change/", _agency_post(team, kind=AgencyKind.OTHER)
    )
    assert response.status_code == 200
    assert "CAF coordinators belong to the CAF team" in response.content.decode()
    team.refresh_from_db()
    assert team.kind == AgencyKind.CAF_TEAM


def test_the_delete_action_is_not_offered_and_does_nothing(world, login):
    user = world.a.users["police_practitioner"]
    client = _admin(world, login)

    page = client.get("/admin/agencies/user/").content.decode()
    client.post(
        "/admin/agencies/user/",
        {"action": "delete_selected", "_selected_action": [str(user.pk)], "post": "yes"},
    )
    agency_delete = client.get(f"/admin/agencies/agency/{world.a.police.pk}/delete/")

    assert "delete_selected" not in page
    assert User.objects.filter(pk=user.pk).exists()
    assert agency_delete.status_code == 403


def platform_user_with_password() -> User:
    user = platform_user()
    user.set_password("correct-horse-battery-staple")
    user.save(update_fields=["password"])
    return user
