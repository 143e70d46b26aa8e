"""The demo data a newcomer signs in with: loaded once, loaded again without change, and
shaped so a whole case can be walked."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from agencies.models import Agency, AgencyKind, Membership, Role, Tenant, User
from audit.models import ChangeLogEntry
from cases.models import Case, CaseState, Child
from demo.management.commands.load_demo_data import DEMO_PASSWORD, DEMO_TOTP_SECRET
from referrals.models import Tier34Involvement


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (Tenant, Agency, User, Membership, Child, Case, ChangeLogEntry)
    }


def test_demo_data_is_complete_and_idempotent(db, settings):
    settings.DEBUG = True
    call_command("load_demo_data", stdout=StringIO())
    first = _counts()
    call_command("load_demo_data", stdout=StringIO())

    assert _counts() == first
    assert first["Tenant"] == 2
    northshire = Tenant.objects.get(slug="northshire")
    kinds = set(northshire.agencies.values_list("kind", flat=True))
    assert AgencyKind.CAF_TEAM in kinds
    assert len(kinds - {AgencyKind.CAF_TEAM}) >= 5
    roles = set(Membership.objects.filter(agency__tenant=northshire).values_list("role", flat=True))
    assert {Role.CAF_COORDINATOR, Role.MAF_CHAIR, Role.MANAGER, Role.TENANT_ADMIN} <= roles
    assert Child.objects.filter(tenant=northshire).count() >= 3
    # Every outcome of "Start a CAF" can be walked: open, recently and long closed, Tier 3/4.
    states = set(Case.objects.filter(tenant=northshire).values_list("state", flat=True))
    assert {CaseState.INTENTION_LOGGED, CaseState.CLOSED} <= states
    assert Tier34Involvement.objects.filter(child__tenant=northshire).exists()
    # A TAC meeting planned and one held (which moved its case to the team around the child).
    from meetings.models import TacMeeting

    meetings = set(TacMeeting.objects.filter(tenant=northshire).values_list("state", flat=True))
    assert meetings == {"planned", "held"}
    assert CaseState.DELIVERY in states


def test_demo_teacher_signs_in_and_sees_their_case(db, settings):
    settings.DEBUG = True
    call_command("load_demo_data", stdout=StringIO())
    client = Client()

    response = client.post("/sign-in/", {"username": "teacher", "password": DEMO_PASSWORD})
    home = client.get("/")

    assert response.status_code == 302
    teacher_cases = Case.objects.filter(assessor__username="teacher")
    assert teacher_cases.exists()
    for case in teacher_cases:
        assert case.reference in home.content.decode()


def test_demo_data_refuses_to_load_on_a_live_service(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=true"):
        call_command("load_demo_data")
    assert not Tenant.objects.exists()


def test_readme_names_every_demo_account_that_bin_run_prints():
    from pathlib import Path

    from demo.management.commands.load_demo_data import NORTHSHIRE_STAFF, WESTBOROUGH_STAFF

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for username, *_ in NORTHSHIRE_STAFF + WESTBOROUGH_STAFF:
        assert f"| `{username}` |" in readme, f"README does not name the demo account {username}"


def test_demo_coordinator_signs_in_with_the_code_demo_totp_prints(db, settings):
    settings.DEBUG = True
    loaded = StringIO()
    call_command("load_demo_data", stdout=loaded)
    code = StringIO()
    call_command("demo_totp", "coordinator", stdout=code)
    client = Client()

    password = client.post("/sign-in/", {"username": "coordinator", "password": DEMO_PASSWORD})
    verified = client.post(password["Location"], {"code": code.getvalue().strip()})

    assert DEMO_TOTP_SECRET in loaded.getvalue()
    assert "coordinator      *" in loaded.getvalue()
    assert password["Location"].startswith("/sign-in/verify/")
    assert verified.status_code == 302
    assert client.get("/").status_code == 200


def test_demo_totp_refuses_accounts_without_the_demo_secret(db, settings):
    settings.DEBUG = True
    call_command("load_demo_data", stdout=StringIO())

    with pytest.raises(CommandError):
        call_command("demo_totp", "teacher", stdout=StringIO())
