"""Django admin for tenant administrators: their own tenant's agencies and staff, through the
same services as everywhere else, and nothing of another tenant."""

import re

import pytest

from agencies.models import Agency, AgencyKind, Membership, Role, User
from tests.factories import make_staff
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
    assert response.status_code == 404


def test_anonymous_is_sent_to_the_service_sign_in(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/sign-in/")


def test_tenant_admin_sees_only_their_tenant(world, login):
    client = _admin(world, login)

    index = client.get("/admin/")
    agencies = client.get("/admin/agencies/agency/").content.decode()
    staff = client.get("/admin/agencies/user/").content.decode()

    assert index.status_code == 200
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
