"""The case's action plan through HTTP (R-PLAN-1..2, R-REPORT-2, seed 004 §5, seed 003 guide
16): as the assessor, the lead professional, another agency with a grant, an excluded agency,
the CAF team and another tenant."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Role, User
from audit.models import AccessLogEntry, ChangeLogEntry
from cases.models import Case, CaseState, PlanAction, PlanActionStatus
from cases.plans import ONLY_REFERRALS_WARNING, plan_action_agree
from referrals.models import Task, TaskKind, TaskState
from tests.assessment_states import consented_case
from tests.factories import make_agency, make_staff

TODAY = timezone.localdate()
SOON = TODAY + timedelta(days=14)


@dataclass
class Plan:
    case: Case
    health: Agency  # sees the case through the family's consent
    housing: Agency  # the family did not agree to share with it
    users: dict[str, User]


@pytest.fixture
def plan(world) -> Plan:
    health = make_agency(world.a.tenant, "north Health Visiting", AgencyKind.HEALTH_VISITING)
    housing = make_agency(world.a.tenant, "north Housing", AgencyKind.HOUSING)
    users = {name: world.a.users[name] for name in ("assessor", "school_practitioner")}
    users["lead"] = world.a.users["police_practitioner"]
    users["police_colleague"] = world.a.users["police_manager"]
    users["coordinator"] = world.a.users["coordinator"]
    users["health"] = make_staff(
        world.a.tenant, [(health, Role.PRACTITIONER)], username="north-health"
    )
    users["health_colleague"] = make_staff(
        world.a.tenant, [(health, Role.PRACTITIONER)], username="north-health-colleague"
    )
    users["housing"] = make_staff(
        world.a.tenant, [(housing, Role.PRACTITIONER)], username="north-housing"
    )
    users["other_tenant"] = world.b.users["assessor"]
    users["other_coordinator"] = world.b.users["coordinator"]
    case = consented_case(world, "Planson", excluded=[housing])
    # The lead professional's agency sees the case through consent only (VIEW, no CHANGE).
    Case.objects.filter(pk=case.pk).update(
        lead_professional=users["lead"], lead_agency=world.a.police, lead_since=TODAY
    )
    case.refresh_from_db()
    return Plan(case=case, health=health, housing=housing, users=users)


def _agree(plan, *, by="assessor", due_on=SOON, **owner) -> PlanAction:
    """An action agreed as a TAC would, through the one service that adds actions."""
    return plan_action_agree(
        case=plan.case,
        by=plan.users[by],
        need=owner.pop("need", "Attendance has fallen"),
        outcome="Attends every morning by the end of term",
        action=owner.pop("action", "Morning routine support"),
        due_on=due_on,
        today=TODAY,
        **owner,
    )


def _accepted(plan, **kwargs) -> PlanAction:
    plan_action = _agree(plan, owner_agency=plan.health, **kwargs)
    if plan_action.status == PlanActionStatus.REQUESTED:
        PlanAction.objects.filter(pk=plan_action.pk).update(status=PlanActionStatus.NOT_STARTED)
    return PlanAction.objects.get(pk=plan_action.pk)


def _form(plan, **fields) -> dict:
    data = {
        "need": "Attendance has fallen",
        "strengths": "Loves reading with her grandmother",
        "outcome": "Attends every morning by the end of term",
        "action": "Breakfast club place",
        "owner": f"agency:{plan.case.assessor_agency_id}",
        "owner_family_member": "",
        "due_on": SOON.strftime("%d/%m/%Y"),
    }
    data.update(fields)
    return data


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _plan_url(plan) -> str:
    return reverse("delivery:plan", kwargs={"pk": plan.case.pk})


def _action_url(plan_action, what="") -> str:
    name = "delivery:plan_action" + (f"_{what}" if what else "")
    return reverse(name, kwargs={"pk": plan_action.pk})


# --- Seeing the plan ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [
        ("assessor", 200),
        ("lead", 200),
        ("health", 200),
        ("coordinator", 200),
        ("housing", 404),
        ("other_tenant", 404),
        ("other_coordinator", 404),
    ],
)
def test_plan_page_is_for_everyone_who_sees_the_case(plan, login, who, status):
    _agree(plan, owner_agency=plan.case.assessor_agency)
    response = login(plan.users[who]).get(_plan_url(plan))

    assert response.status_code == status
    if status == 200:
        assert "Morning routine support" in response.content.decode()
        assert AccessLogEntry.objects.filter(
            user=plan.users[who], case_id=plan.case.pk, detail="action plan"
        ).exists()
    else:
        assert plan.case.child.family_name not in response.content.decode()


def test_plan_groups_actions_by_need_with_strengths_and_supporting_families_tags(plan, login):
    client = login(plan.users["assessor"])
    response = client.post(
        reverse("delivery:plan_add", kwargs={"pk": plan.case.pk}),
        _form(plan, supporting_families_outcomes=["education", "health"]),
    )
    assert response.status_code == 302
    client.post(
        reverse("delivery:plan_add", kwargs={"pk": plan.case.pk}),
        _form(plan, need="Sleep", action="Bedtime plan", owner="", owner_family_member="Pat"),
    )

    page = _page(client, _plan_url(plan))
    attendance = page.split("Need: <bdi>Attendance has fallen")[1].split("Need: ")[0]
    assert "Loves reading with her grandmother" in attendance
    assert "Getting a good education" in attendance
    assert "Improved mental and physical health" in attendance
    assert "Breakfast club place" in attendance and "Bedtime plan" not in attendance
    action = PlanAction.objects.get(action="Breakfast club place")
    assert action.supporting_families_outcomes == ["education", "health"]
    assert action.strengths == "Loves reading with her grandmother"
    assert action.status == PlanActionStatus.NOT_STARTED  # the assessor's own agency


def test_unknown_supporting_families_code_is_refused_and_typing_kept(plan, login):
    client = login(plan.users["assessor"])
    response = client.post(
        reverse("delivery:plan_add", kwargs={"pk": plan.case.pk}),
        _form(plan, supporting_families_outcomes=["education", "astrology"]),
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert "Choose Supporting Families outcomes from the list." in page
    assert "Loves reading with her grandmother" in page
    assert not PlanAction.objects.exists()

    api = client.post(
        reverse("delivery:api-plan-add", kwargs={"pk": plan.case.pk}),
        {
            "need": "Attendance",
            "action": "Breakfast club",
            "owner_agency": plan.case.assessor_agency_id,
            "due_on": SOON.isoformat(),
            "supporting_families_outcomes": ["astrology"],
        },
        content_type="application/json",
    )
    assert api.status_code == 400
    assert "supporting_families_outcomes" in api.json()


# --- Adding actions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("assessor", True),
        ("school_practitioner", True),  # the assessor's agency holds CHANGE
        ("lead", True),
        ("coordinator", True),
        ("health", False),
        ("police_colleague", False),
        ("housing", False),
        ("other_tenant", False),
    ],
)
def test_who_may_add_an_action(plan, login, who, allowed):
    client = login(plan.users[who])
    url = reverse("delivery:plan_add", kwargs={"pk": plan.case.pk})

    response = client.post(url, _form(plan, owner="", owner_family_member="Pat Parent"))

    assert response.status_code == (302 if allowed else 404)
    assert PlanAction.objects.filter(case=plan.case).exists() == allowed
    assert (client.get(url).status_code == 200) == allowed


def test_lead_professionals_own_agency_action_is_not_a_request(plan, login):
    client = login(plan.users["lead"])
    client.post(
        reverse("delivery:plan_add", kwargs={"pk": plan.case.pk}),
        _form(plan, owner=f"agency:{plan.case.lead_agency_id}"),
    )

    assert PlanAction.objects.get().status == PlanActionStatus.NOT_STARTED
    assert not Task.objects.filter(kind=TaskKind.ACTION_REQUEST).exists()


def test_excluded_agency_cannot_be_given_an_action(plan, login):
    client = login(plan.users["assessor"])
    response = client.post(
        reverse("delivery:plan_add", kwargs={"pk": plan.case.pk}),
        _form(plan, owner=f"agency:{plan.housing.pk}"),
    )
    assert response.status_code == 200
    assert "Choose from the list." in response.content.decode()

    api = client.post(
        reverse("delivery:api-plan-add", kwargs={"pk": plan.case.pk}),
        {
            "need": "Housing",
            "action": "Housing review",
            "owner_agency": plan.housing.pk,
            "due_on": SOON.isoformat(),
        },
        content_type="application/json",
    )
    assert api.status_code == 400
    assert "the family has not agreed to share" in api.json()["owner_agency"][0]
    assert not PlanAction.objects.exists()


# --- Requested actions (R-PLAN-2) -------------------------------------------------------------


def test_an_action_for_another_agency_is_requested_with_a_task_without_case_content(plan, login):
    client = login(plan.users["assessor"])
    client.post(
        reverse("delivery:plan_add", kwargs={"pk": plan.case.pk}),
        _form(plan, owner=f"user:{plan.users['health'].pk}:{plan.health.pk}"),
    )

    action = PlanAction.objects.get()
    task = Task.objects.get(kind=TaskKind.ACTION_REQUEST)
    assert action.status == PlanActionStatus.REQUESTED
    assert task.assigned_to == plan.users["health"]
    assert task.assigned_agency == plan.health
    assert task.link == _action_url(action)
    assert task.due_on > TODAY
    assert plan.case.child.family_name not in task.message
    assert "Breakfast" not in task.message and "Attendance" not in task.message
    home = _page(login(plan.users["health"]), "/")
    assert task.link in home


def test_agency_queue_gets_the_request_when_nobody_is_named(plan):
    action = _agree(plan, owner_agency=plan.health)

    task = Task.objects.get(kind=TaskKind.ACTION_REQUEST)
    assert action.status == PlanActionStatus.REQUESTED
    assert task.assigned_to is None and task.assigned_agency == plan.health


@pytest.mark.parametrize(
    "who", ["assessor", "lead", "coordinator", "police_colleague", "housing", "other_tenant"]
)
def test_nobody_accepts_for_another_agency(plan, login, who):
    action = _agree(plan, owner_agency=plan.health)
    client = login(plan.users[who])

    assert client.post(_action_url(action, "accept")).status_code == 404
    assert client.post(_action_url(action, "decline"), {"reason": "No"}).status_code == 404
    api = client.post(reverse("delivery:api-plan-action-accept", kwargs={"pk": action.pk}))
    assert api.status_code == 404
    action.refresh_from_db()
    assert action.status == PlanActionStatus.REQUESTED


def test_a_member_of_the_agency_accepts(plan, login):
    action = _agree(plan, owner_agency=plan.health, owner_user=plan.users["health"])
    client = login(plan.users["health_colleague"])

    page = _page(client, _action_url(action))
    assert "Accept the action" in page
    response = client.post(_action_url(action, "accept"))

    action.refresh_from_db()
    task = Task.objects.get(kind=TaskKind.ACTION_REQUEST)
    assert response.status_code == 302
    assert action.status == PlanActionStatus.NOT_STARTED
    assert action.accepted_by == plan.users["health_colleague"]
    assert action.accepted_at is not None
    assert task.state == TaskState.ACCEPTED
    assert client.post(_action_url(action, "accept")).status_code == 404  # answered


def test_declining_needs_a_reason_and_closes_the_task_with_it(plan, login):
    action = _agree(plan, owner_agency=plan.health)
    client = login(plan.users["health"])

    empty = client.post(_action_url(action, "decline"), {"reason": "  "})
    assert empty.status_code == 200
    assert "Enter why your agency declines it." in empty.content.decode()
    action.refresh_from_db()
    assert action.status == PlanActionStatus.REQUESTED

    client.post(_action_url(action, "decline"), {"reason": "No capacity this term"})
    action.refresh_from_db()
    task = Task.objects.get(kind=TaskKind.ACTION_REQUEST)
    assert action.status == PlanActionStatus.DECLINED
    assert action.status_reason == "No capacity this term"
    assert task.state == TaskState.DECLINED and task.response == "No capacity this term"
    assert "No capacity this term" in _page(login(plan.users["assessor"]), _plan_url(plan))


# --- Status and notes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("health", True),  # a member of the owner agency
        ("health_colleague", True),
        ("assessor", True),
        ("lead", True),
        ("coordinator", True),
        ("school_practitioner", False),  # CHANGE, but neither owner, lead nor assessor
        ("police_colleague", False),
        ("housing", False),
        ("other_tenant", False),
    ],
)
def test_who_may_update_an_actions_status(plan, login, who, allowed):
    action = _accepted(plan)
    client = login(plan.users[who])

    response = client.post(
        _action_url(action, "status"),
        {"status": "in_progress", "seen": action.updated_at.isoformat()},
    )

    action.refresh_from_db()
    assert response.status_code == (302 if allowed else 404)
    assert (action.status == PlanActionStatus.IN_PROGRESS) == allowed


def test_status_update_is_audited_under_the_agency_acted_for(plan, login):
    action = _accepted(plan)
    login(plan.users["health"]).post(
        _action_url(action, "status"), {"status": "done", "seen": action.updated_at.isoformat()}
    )

    entry = ChangeLogEntry.objects.filter(object_pk=str(action.pk)).latest("timestamp")
    assert entry.actor == plan.users["health"]
    assert entry.case_id == plan.case.pk
    assert entry.agency_id == plan.health.pk


def test_not_done_needs_a_reason_and_keeps_the_form(plan, login):
    action = _accepted(plan)
    client = login(plan.users["health"])

    response = client.post(
        _action_url(action, "status"),
        {"status": "not_done", "reason": "", "seen": action.updated_at.isoformat()},
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert "Say why the action was not done." in page
    assert re.search(r'value="not_done" checked', page)
    action.refresh_from_db()
    assert action.status == PlanActionStatus.NOT_STARTED

    client.post(
        _action_url(action, "status"),
        {"status": "not_done", "reason": "Family moved", "seen": action.updated_at.isoformat()},
    )
    action.refresh_from_db()
    assert action.status == PlanActionStatus.NOT_DONE and action.status_reason == "Family moved"


def test_a_stale_update_keeps_what_was_typed_and_says_someone_else_changed_it(plan, login):
    action = _accepted(plan)
    seen = action.updated_at.isoformat()
    login(plan.users["assessor"]).post(
        _action_url(action, "status"), {"status": "in_progress", "seen": seen}
    )

    response = login(plan.users["health"]).post(
        _action_url(action, "status"),
        {"status": "not_done", "reason": "The family declined the club", "seen": seen},
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert "Someone else changed this action" in page
    assert "The family declined the club" in page
    assert re.search(r'value="not_done" checked', page)
    assert "What is saved now" in page and "In progress" in page
    action.refresh_from_db()
    assert action.status == PlanActionStatus.IN_PROGRESS


def test_an_unaccepted_action_has_no_status_to_update(plan, login):
    action = _agree(plan, owner_agency=plan.health)
    response = login(plan.users["assessor"]).post(
        _action_url(action, "status"), {"status": "done", "seen": action.updated_at.isoformat()}
    )

    assert response.status_code == 200
    assert "waits for its agency to accept it" in response.content.decode()


@pytest.mark.parametrize(
    "who, allowed",
    [
        ("health", True),
        ("school_practitioner", True),
        ("lead", True),
        ("coordinator", True),
        ("police_colleague", False),
        ("housing", False),
        ("other_tenant", False),
    ],
)
def test_who_may_write_a_progress_note(plan, login, who, allowed):
    action = _accepted(plan)
    client = login(plan.users[who])

    response = client.post(_action_url(action, "note"), {"text": "Went to two sessions"})

    assert response.status_code == (302 if allowed else 404)
    assert action.notes.exists() == allowed
    if allowed:
        assert "Went to two sessions" in _page(client, _action_url(action))


# --- Overdue actions in the worklist -----------------------------------------------------------


def test_overdue_action_is_in_its_named_owners_worklist_only(plan, login):
    yesterday = TODAY - timedelta(days=1)
    action = _accepted(
        plan, owner_user=plan.users["health"], due_on=yesterday, action="Home visit overdue"
    )

    assert "Home visit overdue" in _page(login(plan.users["health"]), "/")
    assert ">Overdue</caption>" in _page(login(plan.users["health"]), "/")
    assert "Home visit overdue" not in _page(login(plan.users["health_colleague"]), "/")
    assert "Home visit overdue" not in _page(login(plan.users["assessor"]), "/")
    plan_page = _page(login(plan.users["assessor"]), _plan_url(plan))
    assert "Overdue" in plan_page

    PlanAction.objects.filter(pk=action.pk).update(status=PlanActionStatus.DONE)
    assert "Home visit overdue" not in _page(login(plan.users["health"]), "/")


def test_overdue_action_of_an_agency_is_in_every_members_worklist(plan, login):
    _accepted(plan, due_on=TODAY - timedelta(days=3), action="Agency visit overdue")
    _accepted(plan, due_on=SOON, action="Not yet due")

    for who in ("health", "health_colleague"):
        home = _page(login(plan.users[who]), "/")
        overdue = home[home.index(">Overdue</caption>") :].split("</table>")[0]
        assert "Agency visit overdue" in overdue
        assert "Not yet due" not in overdue
    assert "Agency visit overdue" not in _page(login(plan.users["housing"]), "/")


# --- A plan that is only referrals (seed 004 §5) ------------------------------------------------


def _warning_shown(page: str) -> bool:
    return "should never just be a list of referrals" in page


def test_a_plan_of_other_agencies_actions_only_gets_a_gentle_warning(plan, login):
    _agree(plan, owner_agency=plan.health)
    _agree(plan, owner_agency=plan.health, action="Health check")

    assert _warning_shown(_page(login(plan.users["assessor"]), _plan_url(plan)))
    api = login(plan.users["assessor"]).get(
        reverse("delivery:api-plan", kwargs={"pk": plan.case.pk})
    )
    assert api.json()["warnings"] == [ONLY_REFERRALS_WARNING]


@pytest.mark.parametrize(
    "owner",
    [{"owner_family_member": "Pat Parent"}, {"owner_agency": "assessor"}, {"owner_agency": "lead"}],
)
def test_no_warning_with_an_action_for_the_family_or_the_team_itself(plan, login, owner):
    _agree(plan, owner_agency=plan.health)
    if owner.get("owner_agency") == "assessor":
        owner = {"owner_agency": plan.case.assessor_agency}
    elif owner.get("owner_agency") == "lead":
        owner = {"owner_agency": plan.case.lead_agency}
    _agree(plan, action="Our own part", **owner)

    assert not _warning_shown(_page(login(plan.users["assessor"]), _plan_url(plan)))


def test_no_warning_on_an_empty_plan(plan, login):
    assert not _warning_shown(_page(login(plan.users["assessor"]), _plan_url(plan)))


def test_an_action_without_an_outcome_gets_a_gentle_smart_warning(plan, login):
    """R-PLAN-1: what will be different, and how anyone will know, not only what is done."""
    _agree(plan, owner_family_member="Pat Parent", action="Breakfast before school")
    client = login(plan.users["assessor"])
    assert "no outcome" not in _page(client, _plan_url(plan))

    vague = _agree(plan, owner_family_member="Pat Parent", action="Bedtime routine")
    PlanAction.objects.filter(pk=vague.pk).update(outcome="  ")
    assert "1 action has no outcome" in _page(client, _plan_url(plan))
    api = client.get(reverse("delivery:api-plan", kwargs={"pk": plan.case.pk}))
    assert [w for w in api.json()["warnings"] if "no outcome" in w] != []
    # Not for those who only read the plan.
    assert "no outcome" not in _page(login(plan.users["health"]), _plan_url(plan))
    # Not once the case is closed, nor once the action is done or not done.
    Case.objects.filter(pk=plan.case.pk).update(state=CaseState.CLOSED)
    assert "no outcome" not in _page(client, _plan_url(plan))
    Case.objects.filter(pk=plan.case.pk).update(state=plan.case.state)
    for ended in (PlanActionStatus.DONE, PlanActionStatus.NOT_DONE):
        PlanAction.objects.filter(pk=vague.pk).update(status=ended)
        assert "no outcome" not in _page(client, _plan_url(plan))


# --- Dropping completed actions (seed 003 guide 16) -------------------------------------------


def test_a_done_action_can_be_dropped_and_stays_on_record(plan, login):
    done = _accepted(plan, action="Finished breakfast club")
    PlanAction.objects.filter(pk=done.pk).update(status=PlanActionStatus.DONE)
    live = _accepted(plan, action="Still going")
    client = login(plan.users["assessor"])

    refused = client.post(_action_url(live, "drop"))
    response = client.post(_action_url(done, "drop"))

    done.refresh_from_db()
    live.refresh_from_db()
    assert refused.status_code == 302 and live.dropped_on is None
    assert response.status_code == 302 and done.dropped_on == TODAY
    page = _page(client, _plan_url(plan))
    dropped = page.split('id="dropped"')[1]
    assert "Finished breakfast club" in dropped and "Still going" not in dropped
    assert login(plan.users["health"]).post(_action_url(done, "drop")).status_code == 404


# --- The API ---------------------------------------------------------------------------------


def test_api_walks_an_action_from_request_to_done(plan, login):
    assessor = login(plan.users["assessor"])
    created = assessor.post(
        reverse("delivery:api-plan-add", kwargs={"pk": plan.case.pk}),
        {
            "need": "Attendance",
            "strengths": "Good friendships",
            "supporting_families_outcomes": ["education"],
            "action": "Health review",
            "owner_agency": plan.health.pk,
            "due_on": SOON.isoformat(),
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "requested" and body["supporting_families_outcomes"] == ["education"]
    pk = body["id"]

    health = login(plan.users["health"])
    accepted = health.post(reverse("delivery:api-plan-action-accept", kwargs={"pk": pk}))
    assert accepted.status_code == 200 and accepted.json()["status"] == "not_started"
    seen = accepted.json()["updated_at"]

    url = reverse("delivery:api-plan-action-status", kwargs={"pk": pk})
    no_reason = health.post(
        url, {"status": "not_done", "updated_at": seen}, content_type="application/json"
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    moving = health.post(
        url, {"status": "in_progress", "updated_at": seen}, content_type="application/json"
    )
    assert moving.status_code == 200
    stale = assessor.post(
        url, {"status": "done", "updated_at": seen}, content_type="application/json"
    )
    assert stale.status_code == 409 and stale.json()["status"] == "in_progress"

    note = health.post(
        reverse("delivery:api-plan-action-note", kwargs={"pk": pk}),
        {"text": "Seen at clinic"},
        content_type="application/json",
    )
    assert note.status_code == 201
    listed = assessor.get(reverse("delivery:api-plan", kwargs={"pk": plan.case.pk})).json()
    assert [a["id"] for a in listed["actions"]] == [pk]
    detail = assessor.get(reverse("delivery:api-plan-action", kwargs={"pk": pk})).json()
    assert detail["notes"][0]["text"] == "Seen at clinic"


def test_api_decline_needs_a_reason(plan, login):
    action = _agree(plan, owner_agency=plan.health)
    client = login(plan.users["health"])
    url = reverse("delivery:api-plan-action-decline", kwargs={"pk": action.pk})

    assert client.post(url, {"reason": ""}, content_type="application/json").status_code == 400
    answer = client.post(url, {"reason": "Not our service"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["status"] == "declined"


# --- Routes keyed by an action: who gets the 404 of a missing action -----------------------------

ACTION_ROUTES = {
    # name -> (method, who may beyond seeing the case)
    "delivery:plan_action": "get",
    "delivery:plan_action_accept": "post",
    "delivery:plan_action_decline": "post",
    "delivery:plan_action_status": "post",
    "delivery:plan_action_note": "post",
    "delivery:plan_action_drop": "post",
    "delivery:api-plan-action": "get",
    "delivery:api-plan-action-accept": "post",
    "delivery:api-plan-action-decline": "post",
    "delivery:api-plan-action-status": "post",
    "delivery:api-plan-action-note": "post",
    "delivery:api-plan-action-drop": "post",
}


def _without_tokens(content: bytes) -> bytes:
    return re.sub(rb'(nonce|value|csrfmiddlewaretoken)="[^"]*"', b"", content)


@pytest.mark.parametrize("who", ["housing", "other_tenant", "other_coordinator"])
def test_action_routes_answer_outsiders_as_for_a_missing_action(plan, login, who):
    action = _agree(plan, owner_agency=plan.health)
    client = login(plan.users[who])
    before = ChangeLogEntry.objects.count()
    for name, method in ACTION_ROUTES.items():
        url = reverse(name, kwargs={"pk": action.pk})
        missing = reverse(name, kwargs={"pk": 99999999})
        answer = getattr(client, method)(url)
        alike = getattr(client, method)(missing)
        assert answer.status_code == 404, name
        assert _without_tokens(answer.content) == _without_tokens(alike.content), name
        assert plan.case.child.family_name.encode() not in answer.content
    assert ChangeLogEntry.objects.count() == before


@pytest.mark.parametrize(
    "who, answers",
    [
        # A viewer of the case reads the action, and acts only where the rules let them.
        ("police_colleague", {"delivery:plan_action", "delivery:api-plan-action"}),
        (
            "health",
            {
                "delivery:plan_action",
                "delivery:api-plan-action",
                "delivery:plan_action_accept",
                "delivery:plan_action_decline",
                "delivery:api-plan-action-accept",
                "delivery:api-plan-action-decline",
                # The owner agency updates and writes notes (refused until it accepts).
                "delivery:plan_action_status",
                "delivery:plan_action_note",
                "delivery:api-plan-action-status",
                "delivery:api-plan-action-note",
            },
        ),
    ],
)
def test_action_routes_answer_whom_the_rules_allow(plan, login, who, answers):
    action = _agree(plan, owner_agency=plan.health)
    client = login(plan.users[who])
    for name, method in ACTION_ROUTES.items():
        if name.endswith("accept"):
            continue  # answering changes the action for the routes after it
        status = getattr(client, method)(reverse(name, kwargs={"pk": action.pk})).status_code
        assert (status != 404) == (name in answers), (name, status)


def test_tac_actions_for_another_agency_are_requested_with_a_task(plan):
    action = plan_action_agree(
        case=plan.case,
        by=plan.users["assessor"],
        need="Sleep",
        action="Sleep clinic",
        due_on=SOON,
        owner_agency=plan.health,
        own_agency_id=plan.case.assessor_agency_id,
    )

    assert action.status == PlanActionStatus.REQUESTED
    assert Task.objects.filter(kind=TaskKind.ACTION_REQUEST, link=_action_url(action)).exists()


def test_home_page_queries_do_not_grow_with_overdue_actions(plan, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(plan.users["health"])
    counts = []
    for extra in (1, 10):
        for i in range(extra):
            _accepted(plan, due_on=TODAY - timedelta(days=2), action=f"Late {extra}-{i}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
