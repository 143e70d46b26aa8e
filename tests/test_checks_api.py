"""The existing-CAF check over the API: the same rules and the same limits as the pages."""

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from cases.models import CafCheck, Case, CaseState, CheckOutcome
from referrals.models import Task


def api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def jamie(world, tenant="a"):
    tw = getattr(world, tenant)
    return {
        "agency": tw.police.pk,
        "given_name": "Jaime",
        "family_name": tw.case.child.family_name,
        "date_of_birth": "2015-05-17",
    }


def test_search_shows_existence_and_contact_but_no_case_reference(world):
    response = api(world.a.users["police_practitioner"]).post(
        "/api/checks/", jamie(world), format="json"
    )

    assert response.status_code == 201
    [match] = [m for m in response.json()["matches"] if m["child_id"] == world.a.case.child_id]
    assert match["caf"]["is_open"] is True
    assert match["caf"]["reference"] is None
    assert match["caf"]["contact"]["agency"] == world.a.school.name
    assert set(match) == {
        "child_id",
        "name",
        "date_of_birth",
        "postcode",
        "strength",
        "score",
        "reasons",
        "caf",
        "tier34_involvements",
    }


def test_search_by_identifier_is_certain(world):
    child = world.a.case.child
    child.nhs_number = "9434765919"
    child.save()

    response = api(world.a.users["police_practitioner"]).post(
        "/api/checks/",
        {"agency": world.a.police.pk, "nhs_number": "943 476 5919"},
        format="json",
    )

    assert response.json()["matches"][0]["child_id"] == child.pk
    assert response.json()["matches"][0]["strength"] == "certain"


def test_bad_input_is_a_400_with_field_errors(world):
    client = api(world.a.users["police_practitioner"])

    other_tenant_agency = client.post(
        "/api/checks/", {**jamie(world), "agency": world.b.police.pk}, format="json"
    )
    no_name = client.post(
        "/api/checks/", {"agency": world.a.police.pk, "postcode": "NS1 1AA"}, format="json"
    )
    bad_date = client.post(
        "/api/checks/", {**jamie(world), "date_of_birth": "17/05/2015x"}, format="json"
    )

    assert other_tenant_agency.status_code == 400 and "agency" in other_tenant_agency.json()
    assert no_name.status_code == 400 and "given_name" in no_name.json()
    assert bad_date.status_code == 400 and "date_of_birth" in bad_date.json()
    assert not CafCheck.objects.exists()


def test_join_decision_creates_the_task(world):
    client = api(world.a.users["police_practitioner"])
    check_id = client.post("/api/checks/", jamie(world), format="json").json()["check"]["id"]

    missing_child = client.post(f"/api/checks/{check_id}/decision/", {"action": "join"})
    decided = client.post(
        f"/api/checks/{check_id}/decision/",
        {"action": "join", "child": world.a.case.child_id, "message": "Can help."},
        format="json",
    )

    assert missing_child.status_code == 400 and "child" in missing_child.json()
    assert decided.status_code == 200
    assert decided.json()["outcome"] == CheckOutcome.JOIN_REQUESTED
    assert Task.objects.get().assigned_to == world.a.case.assessor


def test_new_child_warns_of_duplicates_with_400_then_accepts_confirmation(world):
    client = api(world.a.users["police_practitioner"])
    check_id = client.post(
        "/api/checks/",
        {"agency": world.a.police.pk, "given_name": "Nobody", "date_of_birth": "2011-01-01"},
        format="json",
    ).json()["check"]["id"]
    new_child = {
        "given_name": "Jamie",
        "family_name": world.a.case.child.family_name,
        "date_of_birth": "2015-05-17",
    }

    warned = client.post(
        f"/api/checks/{check_id}/decision/",
        {"action": "new_child", "new_child": new_child},
        format="json",
    )
    confirmed = client.post(
        f"/api/checks/{check_id}/decision/",
        {"action": "new_child", "new_child": new_child, "confirm_new_child": True},
        format="json",
    )

    assert warned.status_code == 400
    assert "confirm_new_child" in warned.json()
    assert warned.json()["matches"][0]["child_id"] == world.a.case.child_id
    assert confirmed.status_code == 200
    assert confirmed.json()["outcome"] == CheckOutcome.NEW_CAF
    assert confirmed.json()["case_reference"].startswith("CAF-")


def test_reopen_through_the_api(world):
    Case.objects.filter(pk=world.a.case.pk).update(
        state=CaseState.CLOSED, closed_on=timezone.localdate() - relativedelta(months=1)
    )
    client = api(world.a.users["police_practitioner"])
    check_id = client.post("/api/checks/", jamie(world), format="json").json()["check"]["id"]

    response = client.post(
        f"/api/checks/{check_id}/decision/",
        {"action": "reopen", "child": world.a.case.child_id},
        format="json",
    )

    assert response.status_code == 200
    assert Case.objects.get(pk=world.a.case.pk).state == CaseState.DELIVERY
    # No consent covers the police: reopening does not let them in.
    assert client.get(f"/api/cases/{world.a.case.pk}/").status_code == 404


def test_checks_are_listed_to_their_author_and_the_caf_team_only(world):
    police = api(world.a.users["police_practitioner"])
    check_id = police.post("/api/checks/", jamie(world), format="json").json()["check"]["id"]

    def ids(user):
        return [c["id"] for c in api(user).get("/api/checks/").json()["results"]]

    assert ids(world.a.users["police_practitioner"]) == [check_id]
    assert ids(world.a.users["coordinator"]) == [check_id]
    assert ids(world.a.users["school_practitioner"]) == []
    assert ids(world.b.users["coordinator"]) == []
    assert api(world.b.users["coordinator"]).get(f"/api/checks/{check_id}/").status_code == 404
    assert api(world.a.users["school_no_dbs"]).get(f"/api/checks/{check_id}/").status_code == 404


def test_a_broad_search_says_so_in_the_api(world, monkeypatch):
    from datetime import date

    from cases import register
    from cases.services import child_register

    monkeypatch.setattr(register, "CANDIDATE_LIMIT", 1)
    child_register(
        by=world.a.users["assessor"],
        given_name="Jamie",
        family_name=world.a.case.child.family_name,
        date_of_birth=date(2015, 5, 17),
    )
    client = api(world.a.users["police_practitioner"])

    broad = client.post("/api/checks/", jamie(world), format="json").json()
    monkeypatch.setattr(register, "CANDIDATE_LIMIT", 300)
    narrow = client.post("/api/checks/", jamie(world), format="json").json()

    assert broad["broad"] is True
    assert narrow["broad"] is False
