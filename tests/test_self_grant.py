"""A tenant administrator keeps reference data and cannot give themselves case access: no
casework role and no DBS record granted to oneself; each casework role granted by an
administrator is in the access log, where the tenant's managers see it."""

from datetime import date

import pytest

from agencies.models import Role
from agencies.services import StaffError, membership_add, staff_record_dbs_check
from audit.models import AccessAction, AccessLogEntry
from tests.factories import make_staff
from tests.test_admin import _staff_post


@pytest.mark.parametrize(
    "role", [Role.CAF_COORDINATOR, Role.PRACTITIONER, Role.MANAGER, Role.MAF_CHAIR]
)
def test_administrator_cannot_give_themselves_a_casework_role(world, role):
    admin_user = world.a.users["tenant_admin"]

    with pytest.raises(StaffError, match="cannot give yourself"):
        membership_add(user=admin_user, agency=world.a.caf_team, role=role, by=admin_user)

    assert not admin_user.memberships.filter(role=role).exists()
    assert world.a.caf_team.group not in admin_user.groups.all()


def test_administrator_cannot_record_their_own_dbs_check(world):
    admin_user = make_staff(
        world.a.tenant, [(world.a.caf_team, Role.TENANT_ADMIN)], username="fresh-admin", dbs=False
    )

    with pytest.raises(StaffError, match="your own DBS check"):
        staff_record_dbs_check(
            user=admin_user, checked_on=date(2025, 1, 1), reference="001", by=admin_user
        )

    admin_user.refresh_from_db()
    assert not admin_user.has_dbs_check


def test_self_granted_coordinator_role_in_admin_is_a_form_error(world, login):
    admin_user = world.a.users["tenant_admin"]
    data = _staff_post(admin_user)
    data.update(
        {
            "memberships-TOTAL_FORMS": str(int(data["memberships-TOTAL_FORMS"]) + 1),
            "memberships-1-agency": str(world.a.caf_team.pk),
            "memberships-1-role": Role.CAF_COORDINATOR,
            "memberships-1-user": str(admin_user.pk),
        }
    )

    response = login(admin_user).post(f"/admin/agencies/user/{admin_user.pk}/change/", data)

    assert response.status_code == 200
    assert "You cannot give yourself a casework role" in response.content.decode()
    assert not admin_user.memberships.filter(role=Role.CAF_COORDINATOR).exists()


def test_own_dbs_date_in_admin_is_a_form_error(world, login):
    admin_user = world.a.users["tenant_admin"]
    data = _staff_post(admin_user, dbs_checked_on="2025-03-03", dbs_reference="009999")

    response = login(admin_user).post(f"/admin/agencies/user/{admin_user.pk}/change/", data)

    assert response.status_code == 200
    assert "You cannot record your own DBS check" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.dbs_reference != "009999"


def test_administrator_still_grants_roles_to_others(world, login):
    admin_user = world.a.users["tenant_admin"]
    officer = world.a.users["police_practitioner"]
    data = _staff_post(officer, dbs_checked_on="2025-03-03", dbs_reference="007777")

    response = login(admin_user).post(f"/admin/agencies/user/{officer.pk}/change/", data)

    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.dbs_reference == "007777"


def test_casework_role_grant_is_in_the_access_log_the_managers_search(world, login):
    admin_user = world.a.users["tenant_admin"]
    joiner = make_staff(world.a.tenant, [], username="joiner")

    membership_add(user=joiner, agency=world.a.caf_team, role=Role.CAF_COORDINATOR, by=admin_user)

    grant = AccessLogEntry.objects.get(action=AccessAction.ROLE_GRANTED, user=admin_user)
    assert grant.tenant_id == world.a.tenant.pk
    assert "joiner" in grant.detail and "CAF coordinator" in grant.detail
    page = login(world.a.users["caf_manager"]).get("/audit/").content.decode()
    assert "Granted a casework role" in page
    assert "joiner" in page
    other_tenant = login(world.b.users["caf_manager"]).get("/audit/").content.decode()
    assert "joiner" not in other_tenant


def test_agency_managers_see_grants_in_their_own_agency_only(world, login):
    admin_user = world.a.users["tenant_admin"]
    joiner = make_staff(world.a.tenant, [], username="joiner")

    membership_add(user=joiner, agency=world.a.school, role=Role.PRACTITIONER, by=admin_user)

    school = login(world.a.users["school_manager"]).get("/audit/").content.decode()
    police = login(world.a.users["police_manager"]).get("/audit/").content.decode()
    assert "Granted a casework role" in school and "joiner" in school
    assert "joiner" not in police
