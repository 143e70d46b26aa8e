"""Two tenants, each with a CAF team and agencies, staff in every role, and a case each.

``world.a`` is the tenant under test; ``world.b`` is the other tenant that must see nothing.
"""

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Agency, AgencyKind, Role, Tenant, User
from agencies.second_factor import authenticator_of
from cases.models import Case, Gender
from cases.services import case_open, child_register
from tests.factories import PASSWORD, TenantFactory, current_code, make_agency, make_staff


@dataclass
class TenantWorld:
    tenant: Tenant
    caf_team: Agency
    school: Agency
    police: Agency
    users: dict[str, User] = field(default_factory=dict)
    case: Case | None = None


@dataclass
class World:
    a: TenantWorld
    b: TenantWorld


def build_tenant(slug: str) -> TenantWorld:
    tenant = TenantFactory(slug=slug, name=f"{slug.title()} Council")
    caf_team = make_agency(tenant, f"{slug} CAF team", AgencyKind.CAF_TEAM)
    school = make_agency(tenant, f"{slug} Primary School", AgencyKind.SCHOOL)
    police = make_agency(tenant, f"{slug} Police", AgencyKind.POLICE)
    world = TenantWorld(tenant=tenant, caf_team=caf_team, school=school, police=police)
    people = {
        # The assessor of the tenant's case, and a colleague in the same agency.
        "assessor": [(school, Role.PRACTITIONER)],
        "school_practitioner": [(school, Role.PRACTITIONER)],
        "school_manager": [(school, Role.MANAGER)],
        "police_practitioner": [(police, Role.PRACTITIONER)],
        "police_manager": [(police, Role.MANAGER)],
        "coordinator": [(caf_team, Role.CAF_COORDINATOR)],
        "chair": [(caf_team, Role.MAF_CHAIR)],
        "caf_manager": [(caf_team, Role.MANAGER)],
        "tenant_admin": [(caf_team, Role.TENANT_ADMIN)],
    }
    for name, memberships in people.items():
        world.users[name] = make_staff(tenant, memberships, username=f"{slug}-{name}")
    world.users["school_no_dbs"] = make_staff(
        tenant, [(school, Role.PRACTITIONER)], username=f"{slug}-school_no_dbs", dbs=False
    )
    assessor = world.users["assessor"]
    child = child_register(
        by=assessor,
        given_name="Jamie",
        family_name=f"{slug.title()}son",
        date_of_birth=date(2015, 5, 17),
        gender=Gender.NOT_KNOWN,
        postcode="NS1 1AA",
    )
    world.case = case_open(child=child, assessor_agency=school, by=assessor)
    return world


@pytest.fixture
def world(db) -> World:
    return World(a=build_tenant("north"), b=build_tenant("west"))


@pytest.fixture
def login(db):
    """Sign a user in through the real sign-in pages; each call returns a browser of its own.

    Whoever needs a second factor completes it as a person would: the first time through the
    set-up page (scanning the secret it shows), afterwards with the app's current code."""

    def _login(user: User) -> Client:
        client = Client()
        response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, f"{user.username} could not sign in"
        assert client.session["_auth_user_id"] == str(user.pk)
        step = response["Location"]
        if step.startswith("/account/two-factor/set-up/"):
            assert client.get(step).status_code == 200
            device = TOTPDevice.objects.get(user=user, confirmed=False)
            response = client.post(step, {"code": current_code(device)})
            assert response.status_code == 200, f"{user.username} could not set up the app"
        elif step.startswith("/sign-in/verify/"):
            response = client.post(step, {"code": current_code(authenticator_of(user))})
            assert response.status_code == 302, f"{user.username} could not enter a code"
        return client

    return _login


@pytest.fixture(autouse=True)
def _national_form_after_a_flush(request):
    """The national form's domains and elements come from a data migration. A transactional
    test ends by emptying every table, so the transactional tests after it (run last, as
    Django orders them) get the form back before they start."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        from assessments.models import Domain, Element
        from assessments.national_form import load

        load(Domain, Element)
