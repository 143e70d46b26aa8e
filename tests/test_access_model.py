"""The access model's holes found by the access review (issue 8), each reproduced over HTTP,
the audit of access, the agreement of consent and permission rows, and the races."""

import random
import threading
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import AgencyKind, Role
from audit.models import AccessAction, AccessLogEntry
from cases import checks
from cases.models import CafCheck, Case, CaseState, Gender
from cases.permissions import agency_access_grant
from cases.services import case_open, child_register
from consent.grant_audit import access_grant_disagreements
from consent.models import Consent, ConsentAgency
from consent.services import ConsentError, consent_record, consent_withdraw, refusal_record
from tests.factories import make_agency, make_staff

TODAY = timezone.localdate()
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and triggers are PostgreSQL's"
)


def _consent(case, by, scope="named_only", agencies=()):
    return consent_record(
        case=case,
        by=by,
        given_by="parent",
        giver_name="Pat Parent",
        relationship="father",
        to_undertake=True,
        to_record=True,
        share_scope=scope,
        method="written",
        signed_name="Pat Parent",
        signed_on=TODAY,
        agencies=list(agencies),
    )


def _api(client_login, user):
    return client_login(user)


def _close(case, months_ago=1):
    Case.objects.filter(pk=case.pk).update(
        state=CaseState.CLOSED, closed_on=TODAY - relativedelta(months=months_ago)
    )


def _police_check(world, child):
    officer = world.a.users["police_practitioner"]
    check, _ = checks.check_search(
        by=officer,
        agency=world.a.police,
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
    )
    return check


# Hole 1 -------------------------------------------------------------------------------------


def test_excluded_then_withdrawn_agency_reopens_without_seeing_or_writing(world, login):
    case = world.a.case
    assessor = world.a.users["assessor"]
    _consent(case, assessor, scope="all_except", agencies=[world.a.police])
    consent_withdraw(case=case, by=assessor, on=TODAY)
    _close(case)
    police = login(world.a.users["police_practitioner"])
    check = _police_check(world, case.child)

    police.post(f"/checks/{check.pk}/decide/", {"action": "reopen", "child": case.child_id})

    assert Case.objects.get(pk=case.pk).state == CaseState.DELIVERY
    for url in (
        f"/cases/{case.pk}/",
        f"/cases/{case.pk}/consent/",
        f"/cases/{case.pk}/notes/",
        f"/api/cases/{case.pk}/",
    ):
        assert police.get(url).status_code == 404, url
    assert case.child.family_name not in police.get("/").content.decode()
    assert police.post(f"/cases/{case.pk}/sharing/", {}).status_code == 404


def test_reopened_case_follows_the_new_consent_once_recorded(world, login):
    case = world.a.case
    _close(case)
    police = login(world.a.users["police_practitioner"])
    check = _police_check(world, case.child)
    police.post(f"/checks/{check.pk}/decide/", {"action": "reopen", "child": case.child_id})
    assert police.get(f"/cases/{case.pk}/").status_code == 404

    _consent(case, world.a.users["assessor"], agencies=[world.a.police])

    assert police.get(f"/cases/{case.pk}/").status_code == 200
    assert police.get(f"/cases/{case.pk}/consent/").status_code == 404  # view, not change


# Hole 2 -------------------------------------------------------------------------------------


def test_tenant_administrator_in_the_caf_team_sees_no_register_surface(world, login):
    admin = login(world.a.users["tenant_admin"])
    check = _police_check(world, world.a.case.child)
    refusal_record(
        case=world.a.case, by=world.a.users["assessor"], refused_by="parent", refused_on=TODAY
    )

    home = admin.get("/").content.decode()

    for url in ("/checks/", f"/checks/{check.pk}/", "/refusals/", "/api/refusals/"):
        assert admin.get(url).status_code == 404, url
    assert admin.get("/api/refusals/patterns/").status_code == 404
    assert 'href="/checks/"' not in home and 'href="/refusals/"' not in home


# Hole 3 -------------------------------------------------------------------------------------


def test_audit_trail_needs_a_dbs_check(world, login):
    manager = make_staff(world.a.tenant, [(world.a.caf_team, Role.MANAGER)], dbs=False)
    assert login(manager).get("/audit/").status_code == 404


def test_agency_manager_does_not_see_what_their_staff_did_for_another_agency(world, login):
    csc = make_agency(world.a.tenant, "north social care", AgencyKind.CSC)
    officer = make_staff(
        world.a.tenant,
        [(world.a.police, Role.PRACTITIONER), (csc, Role.PRACTITIONER)],
        username="dual-officer",
    )
    child = child_register(
        by=officer,
        given_name="Ivy",
        family_name="Colecross",
        date_of_birth=date(2016, 2, 2),
        gender=Gender.FEMALE,
    )
    case = case_open(child=child, assessor_agency=csc, by=officer)
    login(officer).get(f"/cases/{case.pk}/")

    police_manager = login(world.a.users["police_manager"])
    caf_manager = login(world.a.users["caf_manager"])
    for log in ("changes", "access"):
        theirs = police_manager.get(f"/audit/?log={log}").content.decode()
        overseer = caf_manager.get(f"/audit/?log={log}").content.decode()
        assert "Colecross" not in theirs and case.reference not in theirs, log
        assert case.reference in overseer, log


# Hole 4 -------------------------------------------------------------------------------------


def test_only_the_caf_team_with_dbs_escalates_refusals_and_ids_do_not_leak(world):
    refusal = refusal_record(
        case=world.a.case, by=world.a.users["assessor"], refused_by="parent", refused_on=TODAY
    )
    other = refusal_record(
        case=world.b.case, by=world.b.users["assessor"], refused_by="parent", refused_on=TODAY
    )
    body = {"pattern": "Same child", "escalated_to": "MASH", "reason": "Repeated refusals"}
    no_dbs = make_staff(world.a.tenant, [(world.a.caf_team, Role.CAF_COORDINATOR)], dbs=False)

    def post(user, ids):
        client = APIClient()
        client.force_authenticate(user)
        return client.post("/api/refusals/escalate/", {**body, "refusals": ids}, format="json")

    assert post(world.a.users["police_manager"], [refusal.pk]).status_code == 404
    assert post(no_dbs, [refusal.pk]).status_code == 404
    foreign = post(world.a.users["coordinator"], [other.pk])
    missing = post(world.a.users["coordinator"], [99999999])
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()
    assert post(world.a.users["coordinator"], [refusal.pk]).status_code == 201


# Hole 5 -------------------------------------------------------------------------------------


def test_withdrawal_for_another_tenants_agency_is_answered_as_a_missing_one(world):
    _consent(world.a.case, world.a.users["assessor"], scope="all_except")
    client = APIClient()
    client.force_authenticate(world.a.users["assessor"])
    url = f"/api/cases/{world.a.case.pk}/consent/withdraw/"

    foreign = client.post(url, {"agency": world.b.police.pk, "on": str(TODAY)}, format="json")
    missing = client.post(url, {"agency": 99999999, "on": str(TODAY)}, format="json")

    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["agency"][0].replace(str(world.b.police.pk), "N") == missing.json()[
        "agency"
    ][0].replace("99999999", "N")
    assert not ConsentAgency.objects.filter(agency=world.b.police).exists()
    with pytest.raises(ConsentError):
        consent_withdraw(
            case=world.a.case, by=world.a.users["assessor"], on=TODAY, agency=world.b.police
        )


# Hole 7 -------------------------------------------------------------------------------------


def test_archived_case_is_the_caf_teams_alone(world, login):
    Case.objects.filter(pk=world.a.case.pk).update(state=CaseState.ARCHIVED)
    url = f"/cases/{world.a.case.pk}/"
    assert login(world.a.users["assessor"]).get(url).status_code == 404
    assert login(world.a.users["school_manager"]).get(url).status_code == 404
    assert login(world.a.users["coordinator"]).get(url).status_code == 200
    with pytest.raises(ConsentError):
        _consent(world.a.case, world.a.users["assessor"])


# Hole 9 -------------------------------------------------------------------------------------


def test_check_pages_are_only_about_children_the_check_found(world, login):
    from referrals.models import InvolvementKind
    from referrals.services import tier34_involvement_record

    stranger = child_register(
        by=world.a.users["coordinator"],
        given_name="Unrelated",
        family_name="Otherchild",
        date_of_birth=date(2012, 1, 1),
        gender=Gender.MALE,
    )
    involvement = tier34_involvement_record(
        child=stranger,
        kind=InvolvementKind.SOCIAL_CARE,
        keyworker_agency=world.a.school,
        keyworker_name="Sam Social",
        started_on=date(2025, 1, 1),
        by=world.a.users["coordinator"],
    )
    police = login(world.a.users["police_practitioner"])
    check = _police_check(world, world.a.case.child)

    concern = police.get(f"/checks/{check.pk}/concern/{involvement.pk}/")
    join = police.get(f"/checks/{check.pk}/join/{stranger.pk}/")

    assert concern.status_code == 404 and "Sam Social" not in concern.content.decode()
    assert join.status_code == 404
    assert police.get(f"/checks/{check.pk}/join/{world.a.case.child_id}/").status_code == 200


# The audit of access (R-AUDIT-1) --------------------------------------------------------------


def _logged(user, action) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(user=user, action=action))


def test_lists_that_show_children_are_in_the_access_log(world, login):
    coordinator = world.a.users["coordinator"]
    client = login(coordinator)
    for url in ("/", "/api/cases/", "/checks/", "/refusals/", "/api/checks/"):
        before = len(_logged(coordinator, AccessAction.LIST))
        assert client.get(url).status_code == 200, url
        assert len(_logged(coordinator, AccessAction.LIST)) == before + 1, url
    home = [e for e in _logged(coordinator, AccessAction.LIST) if e.path == "/"][0]
    assert world.a.case.reference in home.detail


def test_check_results_and_refused_check_look_ups_are_logged(world, login):
    check = _police_check(world, world.a.case.child)
    police = login(world.a.users["police_practitioner"])
    colleague = login(world.a.users["school_practitioner"])

    police.get(f"/checks/{check.pk}/")
    colleague.get(f"/checks/{check.pk}/")

    shown = _logged(world.a.users["police_practitioner"], AccessAction.SEARCH)
    assert any(f"child {world.a.case.child_id}" in e.detail for e in shown)
    refused = _logged(world.a.users["school_practitioner"], AccessAction.DENIED)
    assert [e.path for e in refused] == [f"/checks/{check.pk}/"]


def test_viewing_the_audit_trail_is_itself_logged(world, login):
    login(world.a.users["caf_manager"]).get("/audit/?log=changes")
    assert _logged(world.a.users["caf_manager"], AccessAction.AUDIT)


def test_refused_look_up_from_another_tenant_is_filed_under_the_owning_tenant(world, login):
    login(world.b.users["coordinator"]).get(f"/cases/{world.a.case.pk}/")

    denial = AccessLogEntry.objects.get(user=world.b.users["coordinator"], action="denied")
    assert denial.tenant_id == world.a.tenant.pk
    page = login(world.a.users["caf_manager"]).get("/audit/").content.decode()
    assert world.b.users["coordinator"].get_full_name() in page


@on_postgresql
def test_audit_tables_refuse_truncate(world):
    access_log_record_count = AccessLogEntry.objects.count()
    for table in ("audit_accesslogentry", "audit_changelogentry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL ecaf.allow_audit_truncate = 'off'")
            cursor.execute(f"TRUNCATE {table}")
    assert AccessLogEntry.objects.count() == access_log_record_count


# Consent and permission rows agree ----------------------------------------------------------


def test_random_sequences_of_consent_events_keep_permissions_and_consent_in_agreement(world):
    extra = [make_agency(world.a.tenant, f"north agency {n}", AgencyKind.VOLUNTARY) for n in (1, 2)]
    agencies = [world.a.police, world.a.school, world.a.caf_team, *extra]
    assessor = world.a.users["assessor"]
    case = world.a.case
    for seed in range(6):
        rng = random.Random(seed)
        for _ in range(12):
            event = rng.choice(["record", "record", "withdraw", "withdraw_one", "refuse"])
            try:
                if event == "record":
                    chosen = rng.sample(agencies, rng.randint(0, 3))
                    scope = rng.choice(["all_except", "named_only", "none"])
                    _consent(case, assessor, scope=scope, agencies=chosen or [world.a.police])
                elif event == "withdraw":
                    consent_withdraw(case=case, by=assessor, on=TODAY)
                elif event == "withdraw_one":
                    consent_withdraw(case=case, by=assessor, on=TODAY, agency=rng.choice(agencies))
                else:
                    refusal_record(case=case, by=assessor, refused_by="parent", refused_on=TODAY)
                    Case.objects.filter(pk=case.pk).update(state=CaseState.CONSENT, closed_on=None)
            except ConsentError:
                pass
            assert access_grant_disagreements() == [], (seed, event)
        assert Consent.objects.filter(case=case, withdrawn_on__isnull=True).count() <= 1


def test_grant_check_command_reports_and_mends_a_permission_without_reason(world):
    agency_access_grant(case=world.a.case, agency=world.a.police)  # no consent behind it

    with pytest.raises(CommandError):
        call_command("check_access_grants")
    call_command("check_access_grants", "--repair")

    assert access_grant_disagreements() == []
    call_command("check_access_grants")


# Races, against PostgreSQL's row locks ------------------------------------------------------


def _at_once(*calls):
    """Run the calls in threads released together; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # the losing side's domain error is the point
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_consents_at_once_leave_one_current_and_withdrawal_ends_all_access(world, login):
    case, assessor = world.a.case, world.a.users["assessor"]

    for _ in range(3):
        _at_once(
            lambda: _consent(case, assessor, agencies=[world.a.police]),
            lambda: _consent(case, assessor, scope="all_except"),
        )
        assert Consent.objects.filter(case=case, withdrawn_on__isnull=True).count() == 1
    consent_withdraw(case=case, by=assessor, on=TODAY)

    assert login(world.a.users["police_practitioner"]).get(f"/cases/{case.pk}/").status_code == 404
    assert access_grant_disagreements() == []


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_once_on_one_check_record_one(world):
    _close(world.a.case, months_ago=8)
    officer = world.a.users["police_practitioner"]
    check = _police_check(world, world.a.case.child)
    child = world.a.case.child

    results = _at_once(
        lambda: checks.check_new_episode(check=check, by=officer, child=child),
        lambda: checks.check_new_episode(check=check, by=officer, child=child),
    )

    assert sum(isinstance(r, Case) for r in results) == 1
    assert sum(isinstance(r, checks.CheckError) for r in results) == 1
    assert Case.objects.filter(child=child).exclude(state=CaseState.CLOSED).count() == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_new_child_decisions_at_once_add_one_child(world):
    officer = world.a.users["police_practitioner"]
    check, _ = checks.check_search(
        by=officer,
        agency=world.a.police,
        given_name="Brand",
        family_name="Newchild",
        date_of_birth=date(2019, 6, 6),
    )
    details = {
        "given_name": "Brand",
        "family_name": "Newchild",
        "date_of_birth": date(2019, 6, 6),
        "gender": Gender.MALE,
    }

    def start():
        return checks.check_start_new_caf(check=check, by=officer, child_details=details)

    results = _at_once(start, start)

    assert sum(isinstance(r, Case) for r in results) == 1
    assert Case.objects.filter(child__family_name="Newchild").count() == 1
    assert CafCheck.objects.get(pk=check.pk).case_id is not None


# Found by review after the first fixes ---------------------------------------------------------


def test_a_manager_does_not_read_the_name_of_a_case_their_agency_reopened_without_access(
    world, login
):
    _close(world.a.case)
    officer = world.a.users["police_practitioner"]
    check = _police_check(world, world.a.case.child)
    checks.check_reopen(check=check, by=officer, child=world.a.case.child)

    page = login(world.a.users["police_manager"]).get("/audit/?log=changes").content.decode()

    assert world.a.case.child.family_name not in page
    assert world.a.case.reference not in page
    overseer = login(world.a.users["caf_manager"]).get("/audit/?log=changes").content.decode()
    assert world.a.case.reference in overseer


def test_a_refusal_escalation_is_filed_under_the_caf_team(world, login):
    dual = make_staff(
        world.a.tenant,
        [(world.a.caf_team, Role.CAF_COORDINATOR), (world.a.school, Role.PRACTITIONER)],
        username="dual-coordinator",
    )
    refusal = refusal_record(
        case=world.a.case, by=world.a.users["assessor"], refused_by="parent", refused_on=TODAY
    )
    from consent.services import refusal_escalate

    refusal_escalate(
        by=dual,
        refusals=[refusal],
        pattern=f"Same child: {world.a.case.child.full_name}",
        escalated_to="MASH",
        reason="Repeated refusals",
    )

    page = login(world.a.users["school_manager"]).get("/audit/?log=changes").content.decode()
    assert f"Same child: {world.a.case.child.full_name}" not in page


def test_a_check_author_who_leaves_casework_loses_the_check(world, login):
    officer = world.a.users["police_practitioner"]
    check = _police_check(world, world.a.case.child)
    client = login(officer)
    officer.memberships.all().delete()  # left the police, and casework

    assert client.get(f"/checks/{check.pk}/").status_code == 404
    assert client.get(f"/api/checks/{check.pk}/").status_code == 404
    with pytest.raises(checks.CheckError):
        checks.check_out_of_scope(check=check, by=officer)


def test_object_permissions_are_answered_by_the_access_model_alone(world):
    # guardian's backend would answer has_perm from group rows, blind to DBS and archiving.
    assessor = world.a.users["assessor"]
    assert not assessor.has_perm("cases.view_case", world.a.case)
    assert not world.a.users["school_no_dbs"].has_perm("cases.view_case", world.a.case)
