"""Tasks people can act on (R-CHECK-3, R-CHECK-5, R-REF-3), through HTTP as real users: a join
request accepted brings the requester's agency into the team (through consent), declined it
tells them why; a Tier 3/4 concern is acknowledged by the keyworker's agency with what they
will do; a request to read a CAF accepted lets the practitioner's agency see it. Only a task's
owner (the person named, or its agency's queue) opens and answers it, once."""

import importlib
import re
import threading
import time
from datetime import date

import pytest
from django.apps import apps
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from agencies.models import AgencyKind, Role
from audit.models import AccessAction, AccessLogEntry, ChangeLogEntry
from cases.models import CafCheck, TeamJoinReason, TeamMembership
from deadlines.rules import add_working_days
from referrals import task_answers
from referrals.models import InvolvementKind, Task, TaskKind, TaskState
from referrals.services import NOTICES, task_create, tier34_involvement_record
from tests.assessment_states import consented_case
from tests.factories import make_agency, make_staff

TODAY = timezone.localdate()


def api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _search(client, agency, given_name, family_name, date_of_birth) -> CafCheck:
    response = client.post(
        "/checks/new/",
        {
            "agency": agency.pk,
            "given_name": given_name,
            "family_name": family_name,
            "date_of_birth": date_of_birth,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return CafCheck.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def join_request(world, login, case, message="We know the family well.") -> Task:
    """The police practitioner finds the child's open CAF and asks to join its team."""
    client = login(world.a.users["police_practitioner"])
    child = case.child
    born = f"{child.date_of_birth:%d/%m/%Y}"
    check = _search(client, world.a.police, child.given_name, child.family_name, born)
    response = client.post(f"/checks/{check.pk}/join/{child.pk}/", {"message": message})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Task.objects.get(kind=TaskKind.JOIN_REQUEST, case=case)


def concern(world, login, *, keyworker=None, message="Not at school for two weeks.") -> Task:
    """The police practitioner registers a concern with a Tier 3/4 keyworker (R-CHECK-5):
    with no keyworker named on the register, the task goes to the school's queue."""
    child = world.a.case.child
    involvement = tier34_involvement_record(
        child=child,
        kind=InvolvementKind.EARLY_SUPPORT,
        keyworker_agency=world.a.school,
        keyworker_name="Kim Keyworker",
        keyworker=keyworker,
        started_on=date(2025, 1, 6),
        by=world.a.users["coordinator"],
    )
    client = login(world.a.users["police_practitioner"])
    check = _search(client, world.a.police, "Jaime", child.family_name, "17/5/2015")
    response = client.post(f"/checks/{check.pk}/concern/{involvement.pk}/", {"message": message})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Task.objects.get(kind=TaskKind.TIER34_CONCERN)


def health_visitor(world):
    """A practitioner of an agency opened after the family's consent: a consent to share with
    every agency but some covers it, though no grant was made for it yet."""
    agency = make_agency(world.a.tenant, "north Health Visiting", AgencyKind.HEALTH_VISITING)
    return agency, make_staff(world.a.tenant, [(agency, Role.PRACTITIONER)], username="north-hv")


def answer(client, task, **data):
    return client.post(f"/tasks/{task.pk}/", data)


def without_tokens(content: bytes) -> bytes:
    return re.sub(rb'(nonce|value|csrfmiddlewaretoken)="[^"]*"', b"", content)


# --- Owner, state, due date ------------------------------------------------------------------


def test_join_requests_and_concerns_are_due_in_five_working_days(world, login):
    join = join_request(world, login, consented_case(world, "Duedate"))
    worry = concern(world, login)
    assert join.due_on == worry.due_on == add_working_days(TODAY, 5)
    assert join.state == worry.state == TaskState.OPEN


def test_home_lists_tasks_with_due_date_owner_and_link_to_the_task_page(world, login):
    join = join_request(world, login, consented_case(world, "Homelist"))
    concern(world, login)
    page = login(world.a.users["assessor"]).get("/").content.decode()
    assert f'href="/tasks/{join.pk}/"' in page
    assert join.due_on.strftime("%-d %b %Y") in page
    assert ">You<" in page  # the join request names the assessor
    assert f"Your agency: {world.a.school.name}" in page  # the concern is the school's queue


# --- Join requests (R-CHECK-3) -----------------------------------------------------------------


def test_assessor_accepts_a_join_request_and_the_requesters_agency_can_change_the_case(
    world, login
):
    case = consented_case(world, "Joined")
    task = join_request(world, login, case)
    police = login(world.a.users["police_practitioner"])
    # Consent lets the police see the case; working on it comes with joining the team.
    assert police.get(f"/cases/{case.pk}/").status_code == 200
    assert police.get(f"/cases/{case.pk}/child/").status_code == 404
    owner = login(world.a.users["assessor"])
    page = owner.get(f"/tasks/{task.pk}/").content.decode()
    assert "We know the family well." in page
    assert world.a.users["police_practitioner"].get_full_name() in page
    assert world.a.police.name in page

    response = answer(owner, task, answer="accept")

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == TaskState.ACCEPTED
    assert task.responded_by == world.a.users["assessor"] and task.done_at is not None
    membership = TeamMembership.objects.get(case=case, agency=world.a.police)
    assert membership.reason == TeamJoinReason.JOIN_REQUEST and membership.left_at is None
    assert police.get(f"/cases/{case.pk}/child/").status_code == 200


def test_every_answer_is_audited_with_the_person_who_answered(world, login):
    task = join_request(world, login, consented_case(world, "Audited"))
    answer(login(world.a.users["assessor"]), task, answer="decline", response="Not needed.")
    entry = ChangeLogEntry.objects.filter(
        content_type__model="task", object_pk=str(task.pk), action=1
    ).get()
    assert entry.actor == world.a.users["assessor"]
    assert entry.agency_id == world.a.school.pk
    assert entry.changes_dict["state"] == ["open", "declined"]


def test_a_join_request_is_refused_when_the_family_excluded_the_agency(world, login):
    case = consented_case(world, "Excluded", excluded=[world.a.police])
    task = join_request(world, login, case)

    response = answer(login(world.a.users["assessor"]), task, answer="accept")

    page = response.content.decode()
    assert response.status_code == 200
    assert "The family has not agreed to share this CAF with" in page
    assert world.a.police.name in page
    assert re.search(r'value="accept"\s+checked', page) or 'value="accept" checked' in page
    task.refresh_from_db()
    assert task.state == TaskState.OPEN
    assert not TeamMembership.objects.filter(case=case, agency=world.a.police).exists()
    police = login(world.a.users["police_practitioner"])
    assert police.get(f"/cases/{case.pk}/").status_code == 404


def test_declining_without_a_reason_is_a_field_error_and_keeps_the_form(world, login):
    task = join_request(world, login, consented_case(world, "Noreason"))
    owner = login(world.a.users["assessor"])

    response = answer(owner, task, answer="decline", response="   ")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Say why you are declining" in page
    assert 'id="id_response-error"' in page
    assert 'value="decline" checked' in page
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def test_declined_the_requester_is_told_why_in_their_worklist(world, login):
    case = consented_case(world, "Declined")
    task = join_request(world, login, case)
    answer(
        login(world.a.users["assessor"]),
        task,
        answer="decline",
        response="The school nurse already covers this.",
    )

    task.refresh_from_db()
    assert task.state == TaskState.DECLINED
    assert task.response == "The school nurse already covers this."
    assert not TeamMembership.objects.filter(case=case, agency=world.a.police).exists()
    home = login(world.a.users["police_practitioner"]).get("/").content.decode()
    yours = home[home.index("Your requests") :]
    assert "Declined" in yours and "The school nurse already covers this." in yours
    assert world.a.users["assessor"].get_full_name() in yours


def test_the_requester_sees_open_requests_waiting_with_their_due_date(world, login):
    task = join_request(world, login, consented_case(world, "Waiting"))
    home = login(world.a.users["police_practitioner"]).get("/").content.decode()
    yours = home[home.index("Your requests") :]
    assert "Waiting for an answer" in yours
    assert task.due_on.strftime("%-d %b %Y") in yours


def test_a_task_answered_twice_is_refused_and_keeps_the_first_answer(world, login):
    task = join_request(world, login, consented_case(world, "Twice"))
    owner = login(world.a.users["assessor"])
    answer(owner, task, answer="decline", response="Not now.")

    again = answer(owner, task, answer="accept")
    assert again.status_code == 302
    follow = owner.get(again["Location"]).content.decode()
    assert "already been answered" in follow
    through_api = api(world.a.users["assessor"]).post(
        f"/api/tasks/{task.pk}/answer/", {"answer": "accept"}, format="json"
    )
    assert through_api.status_code == 400
    assert "already been answered" in str(through_api.json())
    task.refresh_from_db()
    assert (task.state, task.response) == (TaskState.DECLINED, "Not now.")
    assert not TeamMembership.objects.filter(case=task.case, agency=world.a.police).exists()


def test_a_named_task_is_its_owners_alone(world, login):
    """Another practitioner of the same agency, another agency, the CAF team, a tenant
    administrator, staff without a DBS check and another tenant: the 404 of a missing task,
    for reading and for answering, with nothing written."""
    task = join_request(world, login, consented_case(world, "Named"))
    missing = Task(pk=99999999)
    others = [
        world.a.users[name]
        for name in (
            "school_practitioner",
            "school_manager",
            "police_practitioner",
            "coordinator",
            "caf_manager",
            "tenant_admin",
            "school_no_dbs",
        )
    ] + [world.b.users["assessor"], world.b.users["coordinator"]]
    for user in others:
        client = login(user)
        for target in (task, missing):
            assert client.get(f"/tasks/{target.pk}/").status_code == 404, user
        theirs, absent = client.get(f"/tasks/{task.pk}/"), client.get(f"/tasks/{missing.pk}/")
        assert without_tokens(theirs.content) == without_tokens(absent.content)
        assert task.child.family_name not in theirs.content.decode()
        before = ChangeLogEntry.objects.count()
        assert answer(client, task, answer="accept").status_code == 404
        assert ChangeLogEntry.objects.count() == before
        rest = api(user)
        assert rest.get(f"/api/tasks/{task.pk}/").status_code == 404
        assert (
            rest.post(f"/api/tasks/{task.pk}/answer/", {"answer": "accept"}, format="json")
        ).status_code == 404
    task.refresh_from_db()
    assert task.state == TaskState.OPEN
    assert AccessLogEntry.objects.filter(
        action=AccessAction.DENIED, detail__startswith=f"task {task.pk} "
    ).exists()


# --- Tier 3/4 concerns (R-CHECK-5) ------------------------------------------------------------


def test_any_practitioner_of_the_keyworkers_agency_acknowledges_a_queued_concern(world, login):
    task = concern(world, login)
    assert task.assigned_to is None
    # Everyone with a casework role at the school opens it.
    for name in ("assessor", "school_manager"):
        assert login(world.a.users[name]).get(f"/tasks/{task.pk}/").status_code == 200
    colleague = login(world.a.users["school_practitioner"])
    page = colleague.get(f"/tasks/{task.pk}/").content.decode()
    assert "Not at school for two weeks." in page
    assert world.a.case.child.full_name in page

    response = answer(colleague, task, response="Our family worker will visit this week.")

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == TaskState.ACCEPTED
    assert task.response == "Our family worker will visit this week."
    assert task.responded_by == world.a.users["school_practitioner"]
    home = login(world.a.users["police_practitioner"]).get("/").content.decode()
    yours = home[home.index("Your requests") :]
    assert "Acknowledged" in yours and "Our family worker will visit this week." in yours


def test_a_queued_concern_is_not_another_agencys_or_tenants(world, login):
    task = concern(world, login)
    for user in (
        world.a.users["police_practitioner"],
        world.a.users["coordinator"],
        world.a.users["tenant_admin"],
        world.a.users["school_no_dbs"],
        world.b.users["assessor"],
    ):
        client = login(user)
        assert client.get(f"/tasks/{task.pk}/").status_code == 404
        assert answer(client, task, response="Mine now.").status_code == 404
        assert api(user).get(f"/api/tasks/{task.pk}/").status_code == 404
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def test_acknowledging_needs_what_the_agency_will_do(world, login):
    task = concern(world, login)
    response = answer(login(world.a.users["assessor"]), task, response="")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Say what you will do about the concern" in page
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def test_a_concern_for_a_named_keyworker_is_theirs_alone(world, login):
    keyworker = world.a.users["school_manager"]
    task = concern(world, login, keyworker=keyworker)
    assert login(world.a.users["school_practitioner"]).get(f"/tasks/{task.pk}/").status_code == 404
    assert login(keyworker).get(f"/tasks/{task.pk}/").status_code == 200
    home = login(keyworker).get("/").content.decode()
    assert f'href="/tasks/{task.pk}/"' in home


# --- Requests to read a CAF (R-REF-3) ---------------------------------------------------------


def test_the_assessor_asks_a_practitioner_to_read_and_acceptance_gives_view_only(world, login):
    case = consented_case(world, "Reader")
    agency, visitor = health_visitor(world)
    reader = login(visitor)
    assert reader.get(f"/cases/{case.pk}/").status_code == 404
    assessor = login(world.a.users["assessor"])
    form = assessor.get(f"/cases/{case.pk}/read-access/").content.decode()
    assert f'value="{visitor.pk}"' in form and agency.name in form
    assert "Ask a practitioner of another agency to read this CAF" in (
        assessor.get(f"/cases/{case.pk}/").content.decode()
    )

    sent = assessor.post(
        f"/cases/{case.pk}/read-access/", {"practitioner": visitor.pk, "message": "Please read."}
    )

    assert sent.status_code == 302
    task = Task.objects.get(kind=TaskKind.READ_ACCESS)
    assert (task.assigned_to, task.assigned_agency, task.case) == (visitor, agency, case)
    assert task.due_on == add_working_days(TODAY, 5)
    # Until they accept, they see the task, not the case.
    assert case.reference not in reader.get("/").content.decode()
    assert reader.get(f"/cases/{case.pk}/").status_code == 404

    assert answer(reader, task, answer="accept").status_code == 302

    task.refresh_from_db()
    assert task.state == TaskState.ACCEPTED
    assert reader.get(f"/cases/{case.pk}/").status_code == 200
    assert reader.get(f"/cases/{case.pk}/child/").status_code == 404
    assert not TeamMembership.objects.filter(case=case, agency=agency).exists()
    yours = login(world.a.users["assessor"]).get("/").content.decode()
    assert "Accepted" in yours[yours.index("Your requests") :]


def test_a_practitioner_declines_to_read_with_a_reason(world, login):
    case = consented_case(world, "Notreader")
    agency, visitor = health_visitor(world)
    login(world.a.users["assessor"]).post(
        f"/cases/{case.pk}/read-access/", {"practitioner": visitor.pk}
    )
    task = Task.objects.get(kind=TaskKind.READ_ACCESS)
    reader = login(visitor)

    answer(reader, task, answer="decline", response="Not our area.")

    task.refresh_from_db()
    assert (task.state, task.response) == (TaskState.DECLINED, "Not our area.")
    assert reader.get(f"/cases/{case.pk}/").status_code == 404


def test_only_agencies_the_consent_covers_can_be_asked_to_read(world, login):
    case = consented_case(world, "Uncovered", excluded=[world.a.police])
    assessor = login(world.a.users["assessor"])
    page = assessor.get(f"/cases/{case.pk}/read-access/").content.decode()
    police = world.a.users["police_practitioner"]
    assert f'value="{police.pk}"' not in page

    response = assessor.post(f"/cases/{case.pk}/read-access/", {"practitioner": police.pk})

    assert response.status_code == 200
    assert "Choose a practitioner from the list." in response.content.decode()
    assert not Task.objects.filter(kind=TaskKind.READ_ACCESS).exists()
    refused = api(world.a.users["assessor"]).post(
        "/api/tasks/read-access/", {"case": case.pk, "practitioner": police.pk}, format="json"
    )
    assert refused.status_code == 400 and "practitioner" in refused.json()


def test_consent_withdrawn_after_the_request_refuses_the_acceptance(world, login):
    from consent.services import consent_withdraw

    case = consented_case(world, "Withdrawn")
    agency, visitor = health_visitor(world)
    login(world.a.users["assessor"]).post(
        f"/cases/{case.pk}/read-access/", {"practitioner": visitor.pk}
    )
    task = Task.objects.get(kind=TaskKind.READ_ACCESS)
    consent_withdraw(case=case, by=world.a.users["assessor"], on=TODAY)

    response = answer(login(visitor), task, answer="accept")

    assert response.status_code == 200
    assert "no longer covers" in response.content.decode()
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def test_asking_to_read_is_the_assessors_the_leads_and_the_caf_teams(world, login):
    case = consented_case(world, "Askers")
    _, visitor = health_visitor(world)
    url = f"/cases/{case.pk}/read-access/"
    assert login(world.a.users["coordinator"]).get(url).status_code == 200
    for user in (
        world.a.users["school_practitioner"],  # sees the case, is not its assessor
        world.a.users["police_practitioner"],  # sees it through consent
        world.b.users["coordinator"],
        world.a.users["tenant_admin"],
    ):
        client = login(user)
        assert client.get(url).status_code == 404, user
        assert client.post(url, {"practitioner": visitor.pk}).status_code == 404, user
        refused = api(user).post(
            "/api/tasks/read-access/", {"case": case.pk, "practitioner": visitor.pk}, format="json"
        )
        assert refused.status_code == 404, user
    assert not Task.objects.filter(kind=TaskKind.READ_ACCESS).exists()


# --- Kinds answered on their own page ---------------------------------------------------------


def test_a_task_answered_elsewhere_links_there_and_takes_no_answer(world, login):
    task = task_create(
        kind=TaskKind.ACTION_REQUEST,
        by=world.a.users["assessor"],
        from_agency=world.a.school,
        assigned_agency=world.a.police,
        assigned_to=world.a.users["police_practitioner"],
        child=world.a.case.child,
        case=world.a.case,
        message="An action for you.",
        link="/somewhere/else/",
    )
    client = login(world.a.users["police_practitioner"])
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert 'href="/somewhere/else/"' in page and 'name="response"' not in page
    assert answer(client, task, answer="accept").status_code == 302
    task.refresh_from_db()
    assert task.state == TaskState.OPEN
    refused = api(world.a.users["police_practitioner"]).post(
        f"/api/tasks/{task.pk}/answer/", {"answer": "accept"}, format="json"
    )
    assert refused.status_code == 400


# --- The API -----------------------------------------------------------------------------------


def test_the_api_lists_my_tasks_and_answers_them_through_the_same_service(world, login):
    join = join_request(world, login, consented_case(world, "Apijoin"))
    worry = concern(world, login)
    mine = api(world.a.users["assessor"])
    listed = mine.get("/api/tasks/").json()["results"]
    assert {row["id"] for row in listed} == {join.pk, worry.pk}
    owners = {row["id"]: row["owner"] for row in listed}
    assert owners == {join.pk: "you", worry.pk: "agency"}
    detail = mine.get(f"/api/tasks/{join.pk}/").json()
    assert detail["due_on"] == join.due_on.isoformat() and detail["answered_here"] is True

    url = f"/api/tasks/{join.pk}/answer/"
    missing_reason = mine.post(url, {"answer": "decline"}, format="json")
    assert missing_reason.status_code == 400 and "response" in missing_reason.json()
    wrong = mine.post(f"/api/tasks/{worry.pk}/answer/", {"answer": "accept"}, format="json")
    assert wrong.status_code == 400 and "answer" in wrong.json()

    accepted = mine.post(f"/api/tasks/{join.pk}/answer/", {"answer": "accept"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    acknowledged = mine.post(
        f"/api/tasks/{worry.pk}/answer/",
        {"answer": "acknowledge", "response": "We will call the family."},
        format="json",
    )
    assert acknowledged.json()["response"] == "We will call the family."
    assert TeamMembership.objects.filter(case=join.case, agency=world.a.police).exists()

    asked = api(world.a.users["police_practitioner"]).get("/api/tasks/requests/").json()
    assert {row["id"]: row["state"] for row in asked} == {
        join.pk: "accepted",
        worry.pk: "accepted",
    }
    # Another tenant lists nothing of these.
    assert api(world.b.users["assessor"]).get("/api/tasks/").json()["results"] == []


def test_the_api_asks_a_practitioner_to_read_a_caf(world):
    case = consented_case(world, "Apireader")
    _, visitor = health_visitor(world)
    sent = api(world.a.users["assessor"]).post(
        "/api/tasks/read-access/",
        {"case": case.pk, "practitioner": visitor.pk, "message": "Please read."},
        format="json",
    )
    assert sent.status_code == 201
    assert sent.json()["kind"] == "read_access" and sent.json()["owner"] == "you"
    again = api(world.a.users["assessor"]).post(
        "/api/tasks/read-access/", {"case": case.pk, "practitioner": visitor.pk}, format="json"
    )
    assert again.status_code == 400 and "already been asked" in str(again.json())


# --- The home page stays cheap ------------------------------------------------------------------


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_home_query_count_does_not_grow_with_tasks_and_requests(world, login):
    assessor, police = world.a.users["assessor"], world.a.users["police_practitioner"]

    def ask(n):
        for i in range(n):
            task_create(
                kind=TaskKind.JOIN_REQUEST,
                by=police,
                from_agency=world.a.police,
                assigned_agency=world.a.school,
                assigned_to=assessor,
                child=world.a.case.child,
                case=world.a.case,
                message=f"Request {i}",
            )
            task_create(
                kind=TaskKind.READ_ACCESS,
                by=assessor,
                from_agency=world.a.school,
                assigned_agency=world.a.police,
                assigned_to=police,
                child=world.a.case.child,
                case=world.a.case,
            )

    ask(1)
    Task.objects.filter(message="Request 0").update(
        state=TaskState.DECLINED, response="No.", responded_by=assessor, done_at=timezone.now()
    )
    owner, requester = login(assessor), login(police)
    few = (_home_queries(owner), _home_queries(requester))
    ask(8)
    assert (_home_queries(owner), _home_queries(requester)) == few


# --- Two answers at once (PostgreSQL row locks) -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_answer_the_task_once(world, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write; the row lock is PostgreSQL's")
    from tests.assessment_states import consented_case as consented

    case = consented(world, "Racing")
    police = world.a.users["police_practitioner"]
    task = task_create(
        kind=TaskKind.JOIN_REQUEST,
        by=police,
        from_agency=world.a.police,
        assigned_agency=world.a.school,
        child=case.child,
        case=case,
        message="Both of you?",
    )
    # A queue task: two practitioners of the school answer it together.
    real = task_answers.task_close

    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        time.sleep(0.5)  # still inside the transaction while the other arrives
        return result

    monkeypatch.setattr("referrals.task_answers.task_close", slow)
    start, outcomes = threading.Barrier(2), []

    def run(user, verdict, reason):
        try:
            start.wait(5)
            task_answers.task_answer(
                task=Task.objects.get(pk=task.pk), by=user, answer=verdict, response=reason
            )
            outcomes.append(verdict)
        except task_answers.TaskError as error:
            outcomes.append(error.message)
        except Exception as error:  # reported to the test, which fails on it
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(world.a.users["assessor"], "accept", "")),
        threading.Thread(
            target=run, args=(world.a.users["school_practitioner"], "decline", "No room.")
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(outcomes) == 2
    answered = [o for o in outcomes if o in ("accept", "decline")]
    refused = [o for o in outcomes if o not in ("accept", "decline")]
    assert len(answered) == 1, outcomes
    assert refused[0].startswith("This task has already been answered"), outcomes
    task.refresh_from_db()
    assert task.state == (TaskState.ACCEPTED if answered == ["accept"] else TaskState.DECLINED)
    joined = TeamMembership.objects.filter(case=case, agency=world.a.police).exists()
    assert joined == (answered == ["accept"])


def _ask(world, kind):
    """The school's assessor asks the police something about world a's case."""
    case = world.a.case
    return task_create(
        kind=kind,
        by=world.a.users["assessor"],
        from_agency=world.a.school,
        assigned_agency=world.a.police,
        child=case.child,
        case=case,
        message="Please look at this.",
    )


@pytest.mark.parametrize("kind", TaskKind.values)
def test_every_task_but_a_notice_falls_due_when_its_asker_sets_no_date(world, kind):
    task = _ask(world, kind)
    if kind in NOTICES:
        # A forum's action plan, told to those it names: never overdue in a worklist.
        assert task.due_on is None
    else:
        assert task.due_on == add_working_days(timezone.localdate(), 5)


def test_open_tasks_asked_before_every_task_had_a_date_take_one(world):
    migration = importlib.import_module("referrals.migrations.0008_open_tasks_fall_due")
    asked = [
        _ask(world, kind)
        for kind in (TaskKind.SERVICE_REQUEST, TaskKind.SERVICE_REQUEST, TaskKind.ACTION_PLAN)
    ]
    Task.objects.filter(pk__in=[t.pk for t in asked]).update(due_on=None)
    Task.objects.filter(pk=asked[1].pk).update(state=TaskState.DONE, done_at=timezone.now())

    migration.open_tasks_fall_due(apps, None)

    open_task, done_task, notice = (Task.objects.get(pk=t.pk) for t in asked)
    assert open_task.due_on == add_working_days(timezone.localdate(), 5)
    assert done_task.due_on is None
    assert notice.due_on is None
