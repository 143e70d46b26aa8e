"""Requests for service to targeted and specialist agencies (R-REF-1, R-CONSENT-4): only to an
agency the family's consent covers; the receiving agency reads what the request shares and
nothing of the case; it answers once, with reasons, and may join the team; the team records
next steps; the requester may withdraw; every route walked as every role and another tenant."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from agencies.models import AgencyKind, Role
from cases.models import CaseGroupObjectPermission, TeamMembership
from referrals.models import ServiceRequest, ServiceRequestState, Task, TaskKind, TaskState
from referrals.service_requests import (
    service_request_answer,
    service_request_send,
)
from referrals.services import ReferralError
from tests.assessment_states import consented_case
from tests.factories import make_agency, make_staff

SERVICE = "Six sessions of family support at home, mornings."
SHARED = "Mornings are hard since the baby arrived; Robin is often late to school."


def api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def support(world):
    """A targeted family-support service of tenant a, set up after the family gave consent to
    share with every agency but the police: their consent covers it, and it has no access to
    the case (no grant was made when it did not yet exist)."""
    case = consented_case(world, "Requested", excluded=[world.a.police])
    agency = make_agency(world.a.tenant, "North Family Support", AgencyKind.VOLUNTARY)
    worker = make_staff(world.a.tenant, [(agency, Role.PRACTITIONER)], username="north-support")
    colleague = make_staff(world.a.tenant, [(agency, Role.MANAGER)], username="north-support-m")
    return case, agency, worker, colleague


def send(world, case, agency, by=None):
    return service_request_send(
        case=case,
        to_agency=agency,
        by=by or world.a.users["assessor"],
        service=SERVICE,
        shared_summary=SHARED,
    )


def new_url(case) -> str:
    return f"/cases/{case.pk}/service-requests/new/"


def form(agency) -> dict:
    return {"to_agency": agency.pk, "service": SERVICE, "shared_summary": SHARED}


# --- Sending ----------------------------------------------------------------------------------


def test_a_request_is_refused_without_the_familys_consent(world, login):
    case = world.a.case  # no consent recorded
    response = login(world.a.users["assessor"]).post(new_url(case), form(world.a.police))

    assert response.status_code == 200
    assert "has not agreed to share this CAF with" in response.content.decode()
    assert SERVICE in response.content.decode()  # what was typed is kept
    assert not ServiceRequest.objects.exists()


def test_a_request_is_refused_to_an_agency_the_family_excluded(world, login, support):
    case, *_ = support
    response = login(world.a.users["assessor"]).post(new_url(case), form(world.a.police))

    assert response.status_code == 200
    assert f"has not agreed to share this CAF with {world.a.police.name}" in (
        response.content.decode()
    )
    assert not ServiceRequest.objects.exists()


def test_a_request_goes_to_an_agency_the_consent_covers_with_a_task_without_case_content(
    world, login, support
):
    case, agency, _, _ = support
    response = login(world.a.users["assessor"]).post(new_url(case), form(agency))

    made = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/service-requests/{made.pk}/"
    assert made.state == ServiceRequestState.SENT and made.from_agency == world.a.school
    task = Task.objects.get(kind=TaskKind.SERVICE_REQUEST)
    assert task.assigned_agency == agency and task.assigned_to is None
    assert task.link == f"/service-requests/{made.pk}/" and task.case is None
    assert case.child.family_name not in task.message and SHARED not in task.message


def test_only_those_who_change_the_case_may_request(world, login, support):
    case, agency, _, _ = support
    # The police see nothing; the support worker is not in the team: both get a 404.
    for name in ("police_practitioner", "school_no_dbs"):
        assert login(world.a.users[name]).get(new_url(case)).status_code == 404
    assert login(world.a.users["coordinator"]).get(new_url(case)).status_code == 200


def test_a_second_request_to_the_same_agency_waits_for_the_first(world, support):
    case, agency, _, _ = support
    send(world, case, agency)
    with pytest.raises(ReferralError, match="already waiting"):
        send(world, case, agency)


def test_a_request_cannot_go_to_social_care_or_the_caf_team(world, support):
    case, *_ = support
    csc = make_agency(world.a.tenant, "North CSC", AgencyKind.CSC)
    for agency in (csc, world.a.caf_team):
        with pytest.raises(ReferralError):
            send(world, case, agency)


# --- What the receiving agency reads ----------------------------------------------------------


def test_the_receiving_agency_reads_only_what_the_request_shares(world, login, support):
    case, agency, worker, _ = support
    made = send(world, case, agency)
    client = login(worker)

    page = client.get(f"/service-requests/{made.pk}/")
    text = page.content.decode()

    assert page.status_code == 200
    assert SERVICE in text and SHARED in text
    assert case.child.full_name in text and "3 February 2016" in text
    assert world.a.users["assessor"].email in text
    assert case.reference not in text and "Pat Parent" not in text  # nothing of the CAF
    assert f"/cases/{case.pk}/" not in text
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.get(f"/api/cases/{case.pk}/").status_code == 404


def test_the_request_gives_the_agency_no_access_to_the_case(world, support):
    case, agency, _, _ = support
    before = set(CaseGroupObjectPermission.objects.filter(content_object=case).values_list("pk"))
    send(world, case, agency)
    after = set(CaseGroupObjectPermission.objects.filter(content_object=case).values_list("pk"))
    assert before == after


def test_the_api_gives_the_receiving_agency_the_request_and_no_case(world, support):
    case, agency, worker, _ = support
    made = send(world, case, agency)

    response = api(worker).get(f"/api/service-requests/{made.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["service"] == SERVICE and body["child_name"] == case.child.full_name
    assert "case" not in body and case.reference not in str(body)


# --- Answering --------------------------------------------------------------------------------


def test_only_the_receiving_agency_answers(world, login, support):
    case, agency, worker, _ = support
    made = send(world, case, agency)
    answer = {"action": "answer", "answer": "accept", "reason": "We have a worker free."}
    url = f"/service-requests/{made.pk}/"

    # The team sees the request but cannot answer it for the agency.
    for name in ("assessor", "coordinator"):
        assert login(world.a.users[name]).post(url, answer).status_code == 404
    assert login(world.a.users["police_practitioner"]).post(url, answer).status_code == 404
    with pytest.raises(ReferralError, match="Only a member of"):
        service_request_answer(
            request=made, by=world.a.users["assessor"], accept=True, reason="No."
        )
    assert ServiceRequest.objects.get().state == ServiceRequestState.SENT


def test_an_answer_needs_reasons(world, login, support):
    case, agency, worker, _ = support
    made = send(world, case, agency)

    response = login(worker).post(
        f"/service-requests/{made.pk}/", {"action": "answer", "answer": "refuse", "reason": " "}
    )

    assert response.status_code == 200
    assert "Enter the reasons for refusing." in response.content.decode()
    assert ServiceRequest.objects.get().state == ServiceRequestState.SENT


def test_a_refusal_with_reasons_is_recorded_once_and_the_team_records_next_steps(
    world, login, support
):
    case, agency, worker, colleague = support
    made = send(world, case, agency)
    url = f"/service-requests/{made.pk}/"

    response = login(worker).post(
        url, {"action": "answer", "answer": "refuse", "reason": "No capacity until spring."}
    )

    assert response.status_code == 302
    made.refresh_from_db()
    assert made.state == ServiceRequestState.REFUSED and made.decided_by == worker
    assert made.reason == "No capacity until spring."
    assert made.task.state == TaskState.DECLINED and made.task.response == made.reason
    # Answered once: a colleague cannot answer again.
    again = login(colleague).post(
        url, {"action": "answer", "answer": "accept", "reason": "Actually we can."}
    )
    assert again.status_code == 404
    with pytest.raises(ReferralError, match="already been refused"):
        service_request_answer(request=made, by=colleague, accept=True, reason="Yes.")
    # The team records what it does next.
    steps = login(world.a.users["assessor"]).post(
        url, {"action": "next_steps", "next_steps": "Ask the children's centre instead."}
    )
    assert steps.status_code == 302
    made.refresh_from_db()
    assert made.next_steps == "Ask the children's centre instead."
    assert "Ask the children&#x27;s centre instead." in login(worker).get(url).content.decode()


def test_an_accepted_request_can_bring_the_agency_into_the_team(world, login, support):
    case, agency, worker, _ = support
    made = send(world, case, agency)
    client = login(worker)

    response = client.post(
        f"/service-requests/{made.pk}/",
        {
            "action": "answer",
            "answer": "accept",
            "reason": "A worker starts Monday.",
            "join_team": "on",
        },
    )

    assert response.status_code == 302
    made.refresh_from_db()
    assert made.state == ServiceRequestState.ACCEPTED
    assert made.task.state == TaskState.ACCEPTED
    membership = TeamMembership.objects.get(case=case, agency=agency)
    assert membership.reason == "service_request"
    assert client.get(f"/cases/{case.pk}/").status_code == 200


def test_accepting_without_joining_leaves_the_case_closed_to_the_agency(world, login, support):
    case, agency, worker, _ = support
    made = send(world, case, agency)
    client = login(worker)
    client.post(
        f"/service-requests/{made.pk}/",
        {"action": "answer", "answer": "accept", "reason": "Yes."},
    )
    assert ServiceRequest.objects.get().state == ServiceRequestState.ACCEPTED
    assert not TeamMembership.objects.filter(case=case, agency=agency).exists()
    assert client.get(f"/cases/{case.pk}/").status_code == 404


def test_joining_the_team_needs_consent_that_still_covers_the_agency(world, login, support):
    from django.utils import timezone

    from consent.services import consent_withdraw

    case, agency, worker, _ = support
    made = send(world, case, agency)
    consent_withdraw(
        case=case, by=world.a.users["assessor"], on=timezone.localdate(), agency=agency
    )

    response = login(worker).post(
        f"/service-requests/{made.pk}/",
        {"action": "answer", "answer": "accept", "reason": "Yes.", "join_team": "on"},
    )

    assert response.status_code == 200
    assert "no longer covers your agency" in response.content.decode()
    assert ServiceRequest.objects.get().state == ServiceRequestState.SENT
    assert not TeamMembership.objects.filter(case=case, agency=agency).exists()


def test_the_requester_withdraws_while_waiting(world, login, support):
    case, agency, worker, _ = support
    made = send(world, case, agency)
    url = f"/service-requests/{made.pk}/"

    # Someone else in the team cannot withdraw it for them.
    assert login(world.a.users["coordinator"]).post(url, {"action": "withdraw"}).status_code == 404
    response = login(world.a.users["assessor"]).post(url, {"action": "withdraw"})

    assert response.status_code == 302
    made.refresh_from_db()
    assert made.state == ServiceRequestState.WITHDRAWN and made.task.state == TaskState.DONE
    answer = {"action": "answer", "answer": "accept", "reason": "Too late."}
    assert login(worker).post(url, answer).status_code == 404


def test_the_api_sends_and_answers(world, support):
    case, agency, worker, _ = support
    refused = api(world.a.users["assessor"]).post(
        f"/api/cases/{case.pk}/service-requests/",
        {"to_agency": world.a.police.pk, "service": SERVICE, "shared_summary": SHARED},
        format="json",
    )
    assert refused.status_code == 400 and "to_agency" in refused.json()

    sent = api(world.a.users["assessor"]).post(
        f"/api/cases/{case.pk}/service-requests/", form(agency), format="json"
    )
    assert sent.status_code == 201
    pk = sent.json()["id"]
    not_theirs = api(world.a.users["coordinator"]).post(
        f"/api/service-requests/{pk}/answer/", {"accept": True, "reason": "x"}, format="json"
    )
    assert not_theirs.status_code == 404
    answered = api(worker).post(
        f"/api/service-requests/{pk}/answer/",
        {"accept": False, "reason": "No capacity."},
        format="json",
    )
    assert answered.status_code == 200 and answered.json()["state"] == "refused"
    listed = api(world.a.users["assessor"]).get(f"/api/cases/{case.pk}/service-requests/")
    assert [r["id"] for r in listed.json()] == [pk]


# --- Every role, and the other tenant ---------------------------------------------------------


def test_every_request_route_answers_only_the_team_and_the_receiving_agency(world, login, support):
    case, agency, worker, colleague = support
    made = send(world, case, agency)
    users = {
        **world.a.users,
        "worker": worker,
        "colleague": colleague,
        **{f"b-{name}": user for name, user in world.b.users.items()},
    }
    # Who sees the case: the school (assessor's agency) and the CAF team; the police were
    # excluded; the support service receives the request.
    sees_case = {
        "assessor",
        "school_practitioner",
        "school_manager",
        "coordinator",
        "chair",
        "caf_manager",
    }
    receives = {"worker", "colleague"}
    problems = []
    for name, user in users.items():
        client = login(user)
        for url in (f"/service-requests/{made.pk}/", f"/api/service-requests/{made.pk}/"):
            status = client.get(url).status_code
            expected = 200 if name in sees_case | receives else 404
            if status != expected:
                problems.append(f"{name} {url} -> {status}")
        status = client.get(f"/cases/{case.pk}/service-requests/").status_code
        if status != (200 if name in sees_case else 404):
            problems.append(f"{name} list -> {status}")
    assert problems == []


def test_another_tenant_gets_404_everywhere(world, login, support):
    case, agency, _, _ = support
    made = send(world, case, agency)
    for user in world.b.users.values():
        client = login(user)
        for url in (
            new_url(case),
            f"/cases/{case.pk}/service-requests/",
            f"/service-requests/{made.pk}/",
            f"/api/service-requests/{made.pk}/",
            f"/api/cases/{case.pk}/service-requests/",
        ):
            assert client.get(url).status_code == 404, (user.username, url)
        assert (
            client.post(
                f"/service-requests/{made.pk}/",
                {"action": "answer", "answer": "accept", "reason": "x"},
            ).status_code
            == 404
        )
        assert client.get("/service-requests/99999999/").status_code == 404
