"""The lead professional of a case (R-LP-1, 000 §5, seed 003): proposed at a TAC, at a forum,
by the CAF team or in a handover; lead only once they accept; one proposal waiting at a time;
a case that has a lead never loses it; disagreements resolved by the CAF team; the register
check shows the lead and the agency they lead for. Through HTTP where a person acts."""

import contextlib
import threading
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from rest_framework.test import APIClient

from agencies.models import Role
from audit.models import ChangeLogEntry
from cases import checks
from cases.models import Case, TeamJoinReason, TeamMembership
from cases.permissions import CHANGE, VIEW, user_may
from deadlines.rules import add_working_days
from delivery.models import (
    ClosureReason,
    LeadChangeReason,
    LeadDispute,
    LeadDisputeState,
    LeadProposal,
    LeadProposalSource,
    LeadProposalState,
)
from delivery.services.closure import ClosureError, case_close
from delivery.services.lead import (
    LeadError,
    lead_accept,
    lead_decline,
    lead_dispute_raise,
    lead_dispute_resolve,
    lead_handover_propose,
    lead_propose,
    lead_withdraw,
)
from meetings.services.tac import tac_record
from referrals.models import Task, TaskKind, TaskState
from tests.assessment_states import consented_case
from tests.factories import make_staff
from tests.test_forum_day import _read, _record, forum_day  # noqa: F401 (a fixture)
from tests.test_tac_meetings import base, convene, invite_police, logged_case

TODAY = timezone.localdate()


def api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def lead_url(case, tail="") -> str:
    return f"/cases/{case.pk}/lead/{tail}"


def proposal_url(proposal, tail="") -> str:
    return f"/lead-proposals/{proposal.pk}/{tail}"


def person(user, agency) -> str:
    return f"{user.pk}:{agency.pk}"


def propose(world, case, user, agency=None, by=None) -> LeadProposal:
    return lead_propose(
        case=case,
        by=by or world.a.users["coordinator"],
        proposed=user,
        agency=agency,
        source=LeadProposalSource.CAF_TEAM,
    )


def led_by_police(world, name="Leadson") -> Case:
    """A case whose family agreed to share with every agency, led by the police officer."""
    case = consented_case(world, name)
    officer = world.a.users["police_practitioner"]
    lead_accept(proposal=propose(world, case, officer), by=officer)
    return Case.objects.get(pk=case.pk)


# --- Proposing ----------------------------------------------------------------------------------


def test_the_assessor_is_not_the_lead_professional_by_default(world):
    case = consented_case(world, "Leadson")

    assert case.lead_professional is None and case.lead_agency is None


def test_the_caf_team_proposes_a_lead_who_gets_a_task_without_case_content(world, login):
    case = consented_case(world, "Leadson")
    officer = world.a.users["police_practitioner"]
    client = login(world.a.users["coordinator"])

    response = client.post(
        lead_url(case, "propose/"),
        {"proposed": person(officer, world.a.police), "note": "Knows the family well."},
    )

    assert response.status_code == 302
    proposal = LeadProposal.objects.get(case=case)
    assert (proposal.proposed, proposal.proposed_agency) == (officer, world.a.police)
    assert (proposal.source, proposal.reason) == (
        LeadProposalSource.CAF_TEAM,
        LeadChangeReason.FIRST,
    )
    task = proposal.task
    assert (task.kind, task.assigned_to, task.assigned_agency) == (
        TaskKind.LEAD_PROPOSAL,
        officer,
        world.a.police,
    )
    assert task.link == reverse("delivery:proposal", kwargs={"pk": proposal.pk})
    assert task.due_on == add_working_days(TODAY, 5)
    assert case.child.family_name not in task.message
    assert Case.objects.get(pk=case.pk).lead_professional is None


@pytest.mark.parametrize("name", ["assessor", "police_practitioner", "school_manager"])
def test_only_the_caf_team_proposes_outside_a_meeting(world, login, name):
    case = consented_case(world, "Leadson")
    client = login(world.a.users[name])

    assert client.get(lead_url(case, "propose/")).status_code == 404
    response = client.post(
        lead_url(case, "propose/"),
        {"proposed": person(world.a.users["police_practitioner"], world.a.police)},
    )
    assert response.status_code == 404
    assert not LeadProposal.objects.filter(case=case).exists()


def test_a_practitioner_of_an_excluded_agency_cannot_be_proposed(world, login):
    case = consented_case(world, "Leadson", excluded=[world.a.police])
    officer = world.a.users["police_practitioner"]

    with pytest.raises(LeadError) as error:
        propose(world, case, officer)
    assert error.value.field == "proposed"
    response = login(world.a.users["coordinator"]).post(
        lead_url(case, "propose/"), {"proposed": person(officer, world.a.police)}
    )
    assert response.status_code == 200
    assert "Choose a practitioner from the list" in response.content.decode()
    assert not LeadProposal.objects.filter(case=case).exists()


def test_a_practitioner_cannot_be_proposed_for_an_agency_that_is_not_theirs(world):
    case = consented_case(world, "Leadson")

    with pytest.raises(LeadError) as error:
        propose(world, case, world.a.users["police_practitioner"], agency=world.a.school)
    assert error.value.field == "agency"


def test_one_proposal_waits_at_a_time(world):
    case = consented_case(world, "Leadson")
    propose(world, case, world.a.users["police_practitioner"])

    with pytest.raises(LeadError, match="already proposed"):
        propose(world, case, world.a.users["school_practitioner"])
    assert LeadProposal.objects.filter(case=case).count() == 1


def test_a_tac_held_with_a_lead_proposed_asks_them_to_accept(world, login):
    case = logged_case(world)
    meeting = convene(world, case)
    invite_police(world, meeting)
    officer = world.a.users["police_practitioner"]
    tac_record(
        meeting=meeting,
        by=world.a.users["assessor"],
        revision=meeting.revision,
        lead_professional_proposed=officer,
    )

    response = login(world.a.users["assessor"]).post(
        base(case, meeting) + "hold/", {"held_on": TODAY.strftime("%d/%m/%Y")}
    )

    assert response.status_code == 302
    proposal = LeadProposal.objects.get(case=case)
    assert (proposal.source, proposal.meeting_id, proposal.reason) == (
        LeadProposalSource.TAC,
        meeting.pk,
        LeadChangeReason.FIRST,
    )
    assert proposal.proposed == officer and proposal.proposed_agency == world.a.police
    assert Task.objects.filter(
        kind=TaskKind.LEAD_PROPOSAL, assigned_to=officer, state=TaskState.OPEN
    ).exists()
    assert Case.objects.get(pk=case.pk).lead_professional is None


def test_a_case_heard_at_a_forum_with_a_lead_proposed_asks_them_to_accept(
    world,
    login,
    forum_day,  # noqa: F811
):
    officer = world.a.users["police_practitioner"]
    nomination = forum_day.nomination
    _read(forum_day)
    _record(world, nomination, lead_professional_proposed=officer)

    response = login(world.a.users["chair"]).post(
        reverse("meetings:forum_case_heard", kwargs={"pk": nomination.pk})
    )

    assert response.status_code == 302
    proposal = LeadProposal.objects.get(case=nomination.case)
    assert (proposal.source, proposal.nomination_id, proposal.proposed) == (
        LeadProposalSource.FORUM,
        nomination.pk,
        officer,
    )
    assert proposal.task.assigned_to == officer and proposal.task.kind == TaskKind.LEAD_PROPOSAL


# --- Answering ----------------------------------------------------------------------------------


def test_accepting_makes_them_lead_and_gives_their_agency_change(world, login):
    case = consented_case(world, "Leadson")
    officer = world.a.users["police_practitioner"]
    proposal = propose(world, case, officer)
    colleague = world.a.users["police_manager"]
    assert not user_may(colleague, case, CHANGE)

    response = login(officer).post(proposal_url(proposal), {"decision": "accept"})

    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert (case.lead_professional, case.lead_agency, case.lead_since) == (
        officer,
        world.a.police,
        TODAY,
    )
    assert TeamMembership.objects.get(case=case, agency=world.a.police).reason == (
        TeamJoinReason.LEAD_PROFESSIONAL
    )
    assert user_may(colleague, case, CHANGE)
    proposal.refresh_from_db()
    assert proposal.state == LeadProposalState.ACCEPTED
    assert proposal.task.state == TaskState.ACCEPTED
    page = login(world.a.users["assessor"]).get(lead_url(case)).content.decode()
    assert "Lead since" in page and world.a.police.name in page


@pytest.mark.parametrize("name", ["assessor", "school_practitioner", "police_manager"])
def test_only_the_proposed_practitioner_answers(world, login, name):
    case = consented_case(world, "Leadson")
    proposal = propose(world, case, world.a.users["police_practitioner"])

    response = login(world.a.users[name]).post(proposal_url(proposal), {"decision": "accept"})

    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).lead_professional is None


def test_the_caf_team_reads_a_proposal_but_cannot_answer_it(world, login):
    case = consented_case(world, "Leadson")
    proposal = propose(world, case, world.a.users["police_practitioner"])
    client = login(world.a.users["caf_manager"])

    assert client.get(proposal_url(proposal)).status_code == 200
    assert client.post(proposal_url(proposal), {"decision": "accept"}).status_code == 404


def test_declining_needs_a_reason_which_the_proposer_reads_in_their_task(world, login):
    case = consented_case(world, "Leadson")
    officer = world.a.users["police_practitioner"]
    proposal = propose(world, case, officer)
    client = login(officer)

    empty = client.post(proposal_url(proposal), {"decision": "decline", "reason": " "})
    assert empty.status_code == 200 and "Enter why you decline" in empty.content.decode()
    response = client.post(
        proposal_url(proposal), {"decision": "decline", "reason": "I am leaving in May."}
    )

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == LeadProposalState.DECLINED
    assert proposal.decline_reason == "I am leaving in May."
    task = proposal.task
    assert (task.state, task.response, task.from_user) == (
        TaskState.DECLINED,
        "I am leaving in May.",
        world.a.users["coordinator"],
    )
    assert Case.objects.get(pk=case.pk).lead_professional is None


def test_an_answered_proposal_cannot_be_answered_again(world):
    case = consented_case(world, "Leadson")
    officer = world.a.users["police_practitioner"]
    proposal = propose(world, case, officer)
    lead_decline(proposal=proposal, by=officer, reason="No capacity.")

    with pytest.raises(LeadError, match="no longer waiting"):
        lead_accept(proposal=proposal, by=officer)
    assert Case.objects.get(pk=case.pk).lead_professional is None


def test_the_proposer_or_the_caf_team_withdraws_a_proposal(world, login):
    case = consented_case(world, "Leadson")
    officer = world.a.users["police_practitioner"]
    proposal = propose(world, case, officer)

    assert login(officer).post(proposal_url(proposal, "withdraw/")).status_code == 404
    assert (
        login(world.a.users["assessor"]).post(proposal_url(proposal, "withdraw/")).status_code
        == 404
    )
    response = login(world.a.users["chair"]).post(proposal_url(proposal, "withdraw/"))

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == LeadProposalState.WITHDRAWN
    assert proposal.task.state == TaskState.DONE
    with pytest.raises(LeadError):
        lead_accept(proposal=proposal, by=officer)


# --- Handover -----------------------------------------------------------------------------------


def test_a_handover_keeps_the_old_lead_until_the_new_one_accepts_and_the_check_shows_them(
    world, login
):
    case = led_by_police(world)
    # Works for two agencies: the check must name the one they lead this case for.
    nurse = make_staff(
        world.a.tenant,
        [(world.a.school, Role.PRACTITIONER), (world.a.police, Role.PRACTITIONER)],
        username="north-nurse",
        first_name="Nell",
        last_name="Newlead",
    )
    officer = world.a.users["police_practitioner"]

    response = login(officer).post(
        lead_url(case, "handover/"),
        {"proposed": person(nurse, world.a.police), "reason": LeadChangeReason.PRACTITIONER_LEFT},
    )

    assert response.status_code == 302
    proposal = LeadProposal.objects.get(case=case, state=LeadProposalState.PENDING)
    assert (proposal.source, proposal.reason, proposal.previous_lead) == (
        LeadProposalSource.HANDOVER,
        LeadChangeReason.PRACTITIONER_LEFT,
        officer,
    )
    assert Case.objects.get(pk=case.pk).lead_professional == officer

    assert login(nurse).post(proposal_url(proposal), {"decision": "accept"}).status_code == 302

    case = Case.objects.get(pk=case.pk)
    assert (case.lead_professional, case.lead_agency) == (nurse, world.a.police)
    searcher = world.a.users["school_manager"]
    check, _ = checks.check_search(
        by=searcher,
        agency=world.a.school,
        given_name="Robin",
        family_name="Leadson",
        date_of_birth=date(2016, 2, 3),
    )
    page = login(searcher).get(f"/checks/{check.pk}/").content.decode()
    assert "Nell Newlead" in page
    row = page[page.index("Lead professional") :]
    assert world.a.police.name in row[:600]
    assert world.a.school.name not in row[: row.index("</dd>")]


@pytest.mark.parametrize("name", ["assessor", "police_manager", "school_practitioner"])
def test_only_the_lead_or_the_caf_team_hands_over(world, login, name):
    case = led_by_police(world)
    client = login(world.a.users[name])

    assert client.get(lead_url(case, "handover/")).status_code == 404
    response = client.post(
        lead_url(case, "handover/"),
        {
            "proposed": person(world.a.users["school_practitioner"], world.a.school),
            "reason": LeadChangeReason.NEEDS_CHANGED,
        },
    )
    assert response.status_code == 404
    assert not LeadProposal.objects.filter(case=case, state=LeadProposalState.PENDING).exists()


def test_the_caf_team_hands_over_with_a_reason(world, login):
    case = led_by_police(world)
    client = login(world.a.users["coordinator"])
    chosen = person(world.a.users["school_practitioner"], world.a.school)

    missing = client.post(lead_url(case, "handover/"), {"proposed": chosen})
    assert missing.status_code == 200
    assert "Choose why the lead professional changes" in missing.content.decode()
    response = client.post(
        lead_url(case, "handover/"),
        {"proposed": chosen, "reason": LeadChangeReason.FAMILY_WISH},
    )
    assert response.status_code == 302
    assert LeadProposal.objects.get(case=case, state="pending").reason == "family_wish"


def test_a_closed_case_takes_no_new_lead(world):
    case = consented_case(world, "Leadson")
    officer = world.a.users["police_practitioner"]
    proposal = propose(world, case, officer)
    # The state alone matters here.
    Case.objects.filter(pk=case.pk).update(state="closed", closed_on=TODAY)

    with pytest.raises(LeadError, match="closed"):
        lead_accept(proposal=proposal, by=officer)
    with pytest.raises(LeadError, match="closed"):
        propose(world, Case.objects.get(pk=case.pk), world.a.users["school_practitioner"])
    with pytest.raises(LeadError, match="closed"):
        lead_dispute_raise(
            case=Case.objects.get(pk=case.pk), by=world.a.users["assessor"], about="Who leads?"
        )


def test_a_handover_needs_a_lead_to_hand_over_from(world):
    case = consented_case(world, "Leadson")

    with pytest.raises(LeadError, match="no lead professional yet"):
        lead_handover_propose(
            case=case,
            by=world.a.users["coordinator"],
            proposed=world.a.users["police_practitioner"],
            reason=LeadChangeReason.NEEDS_CHANGED,
        )


# --- Disagreements -------------------------------------------------------------------------------


def test_a_disagreement_goes_to_the_caf_team_and_a_coordinator_resolves_it(world, login):
    case = led_by_police(world)
    assessor = world.a.users["assessor"]

    response = login(assessor).post(
        lead_url(case, "disagreement/"), {"about": "The school sees the child daily."}
    )

    assert response.status_code == 302
    dispute = LeadDispute.objects.get(case=case)
    task = dispute.task
    assert (task.kind, task.assigned_agency, task.assigned_to) == (
        TaskKind.LEAD_DISPUTE,
        world.a.caf_team,
        None,
    )
    assert task.link == f"/lead-disputes/{dispute.pk}/"
    assert case.child.family_name not in task.message
    again = login(assessor).post(lead_url(case, "disagreement/"), {"about": "Again."})
    assert again.status_code == 200 and "already has a disagreement" in again.content.decode()

    # The raiser reads it; only a coordinator or manager of the CAF team resolves it.
    assert login(assessor).get(f"/lead-disputes/{dispute.pk}/").status_code == 200
    assert (
        login(assessor).post(f"/lead-disputes/{dispute.pk}/", {"resolution": "x"}).status_code
        == 404
    )
    chair = login(world.a.users["chair"])
    assert chair.post(f"/lead-disputes/{dispute.pk}/", {"resolution": "x"}).status_code == 404
    client = login(world.a.users["coordinator"])
    empty = client.post(f"/lead-disputes/{dispute.pk}/", {"resolution": ""})
    assert empty.status_code == 200
    school_practitioner = world.a.users["school_practitioner"]
    resolved = client.post(
        f"/lead-disputes/{dispute.pk}/",
        {
            "resolution": "Agreed at a call with both agencies.",
            "proposed": person(school_practitioner, world.a.school),
        },
    )

    assert resolved.status_code == 302
    dispute.refresh_from_db()
    assert dispute.state == LeadDisputeState.RESOLVED
    assert dispute.resolved_by == world.a.users["coordinator"]
    assert dispute.task.state == TaskState.DONE
    proposal = dispute.resolved_with
    assert (proposal.proposed, proposal.reason, proposal.source) == (
        school_practitioner,
        LeadChangeReason.DISPUTE_RESOLVED,
        LeadProposalSource.CAF_TEAM,
    )
    assert Case.objects.get(pk=case.pk).lead_professional == world.a.users["police_practitioner"]
    logged = ChangeLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(LeadDispute), object_pk=str(dispute.pk)
    )
    assert logged.count() >= 2


def test_a_disagreement_is_raised_only_with_change_on_the_case(world, login):
    case = consented_case(world, "Leadson")
    officer = world.a.users["police_practitioner"]
    assert user_may(officer, case, VIEW)

    client = login(officer)
    assert client.get(lead_url(case)).status_code == 200
    assert client.post(lead_url(case, "disagreement/"), {"about": "x"}).status_code == 404
    assert not LeadDispute.objects.exists()


# --- Who sees what -----------------------------------------------------------------------------


def test_another_tenant_and_outsiders_get_404_everywhere(world, login):
    case = consented_case(world, "Leadson", excluded=[world.a.police])
    proposal = propose(world, case, world.a.users["school_practitioner"])
    dispute = lead_dispute_raise(case=case, by=world.a.users["assessor"], about="Who leads?")
    urls = [
        lead_url(case),
        lead_url(case, "propose/"),
        lead_url(case, "handover/"),
        lead_url(case, "disagreement/"),
        proposal_url(proposal),
        f"/lead-disputes/{dispute.pk}/",
        f"/api/cases/{case.pk}/lead/",
        f"/api/lead-proposals/{proposal.pk}/",
        f"/api/lead-disputes/{dispute.pk}/",
    ]
    for user in (
        world.b.users["coordinator"],
        world.b.users["assessor"],
        world.a.users["police_practitioner"],  # the family did not agree to share with them
    ):
        client = login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user.username, url)
        assert client.post(proposal_url(proposal, "withdraw/")).status_code == 404
        assert client.post(proposal_url(proposal), {"decision": "accept"}).status_code == 404
        assert client.post(f"/lead-disputes/{dispute.pk}/", {"resolution": "x"}).status_code == 404
        through_api = api(user)
        for tail in ("accept/", "withdraw/"):
            assert through_api.post(f"/api/lead-proposals/{proposal.pk}/{tail}").status_code == 404
        declined = through_api.post(
            f"/api/lead-proposals/{proposal.pk}/decline/", {"reason": "x"}, format="json"
        )
        assert declined.status_code == 404
        resolved = through_api.post(
            f"/api/lead-disputes/{dispute.pk}/resolve/", {"resolution": "x"}, format="json"
        )
        assert resolved.status_code == 404
    assert LeadProposal.objects.get(pk=proposal.pk).state == LeadProposalState.PENDING


def test_the_lead_page_lists_proposals_and_disagreements(world, login):
    case = led_by_police(world)
    lead_dispute_raise(case=case, by=world.a.users["assessor"], about="Who should lead?")
    propose_school = lead_handover_propose(
        case=case,
        by=world.a.users["police_practitioner"],
        proposed=world.a.users["school_practitioner"],
        reason=LeadChangeReason.CHILD_OLDER,
    )

    page = login(world.a.users["assessor"]).get(lead_url(case)).content.decode()

    assert "Who should lead?" in page
    assert propose_school.get_reason_display().replace("'", "&#x27;") in page
    assert "Accepted" in page and "Waiting for an answer" in page


# --- The API ------------------------------------------------------------------------------------


def test_the_api_proposes_accepts_and_hands_over_through_the_same_services(world):
    case = consented_case(world, "Leadson")
    officer = world.a.users["police_practitioner"]

    refused = api(world.a.users["assessor"]).post(
        f"/api/cases/{case.pk}/lead/proposals/", {"proposed": officer.pk}, format="json"
    )
    assert refused.status_code == 404
    created = api(world.a.users["coordinator"]).post(
        f"/api/cases/{case.pk}/lead/proposals/", {"proposed": officer.pk}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert (
        api(world.a.users["assessor"]).post(f"/api/lead-proposals/{pk}/accept/").status_code == 404
    )
    accepted = api(officer).post(f"/api/lead-proposals/{pk}/accept/")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    read = api(world.a.users["assessor"]).get(f"/api/cases/{case.pk}/lead/").json()
    assert (read["lead_professional"], read["lead_agency"]) == (officer.pk, world.a.police.name)

    handover = api(officer).post(
        f"/api/cases/{case.pk}/lead/handover/",
        {"proposed": world.a.users["school_practitioner"].pk, "reason": "needs_changed"},
        format="json",
    )
    assert handover.status_code == 201
    declined = api(world.a.users["school_practitioner"]).post(
        f"/api/lead-proposals/{handover.json()['id']}/decline/", {"reason": ""}, format="json"
    )
    assert declined.status_code == 400
    dispute = api(world.a.users["assessor"]).post(
        f"/api/cases/{case.pk}/lead/disputes/", {"about": "Who leads?"}, format="json"
    )
    assert dispute.status_code == 201
    resolved = api(world.a.users["caf_manager"]).post(
        f"/api/lead-disputes/{dispute.json()['id']}/resolve/",
        {"resolution": "The police stay lead."},
        format="json",
    )
    assert resolved.status_code == 200 and resolved.json()["state"] == "resolved"


# --- Invariants -------------------------------------------------------------------------------

PEOPLE = ("police_practitioner", "school_practitioner", "assessor", "police_manager")
EVENTS = st.lists(
    st.tuples(
        st.sampled_from(
            ["propose", "accept", "decline", "withdraw", "handover", "dispute", "settle", "close"]
        ),
        st.sampled_from(PEOPLE),
    ),
    max_size=10,
)


def _apply(world, case, event, name) -> None:
    users = world.a.users
    pending = LeadProposal.objects.filter(case=case, state=LeadProposalState.PENDING).first()
    if event == "propose":
        propose(world, case, users[name])
    elif event == "handover":
        by = case.lead_professional or users["coordinator"]
        lead_handover_propose(
            case=case, by=by, proposed=users[name], reason=LeadChangeReason.NEEDS_CHANGED
        )
    elif event == "dispute":
        lead_dispute_raise(case=case, by=users[name], about="Who leads is unclear.")
    elif event == "settle":
        # The CAF team settles a disagreement by proposing someone (the waiting proposal, if
        # any, is withdrawn): the current lead stays until they accept.
        dispute = LeadDispute.objects.filter(case=case, state=LeadDisputeState.OPEN).first()
        if dispute is not None:
            lead_dispute_resolve(
                dispute=dispute,
                by=users["coordinator"],
                resolution="Settled.",
                proposed=users[name],
            )
    elif event == "close":
        case_close(
            case=case, by=users["coordinator"], reason=ClosureReason.MOVED_AWAY, note="Moved."
        )
    elif pending is None:
        return
    elif event == "accept":
        lead_accept(proposal=pending, by=pending.proposed)
    elif event == "decline":
        lead_decline(proposal=pending, by=pending.proposed, reason="Not now.")
    else:
        lead_withdraw(proposal=pending, by=users["coordinator"])


@pytest.fixture
def shared_case(world):
    return consented_case(world, "Leadson")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=EVENTS)
def test_a_case_never_loses_its_lead_and_never_has_two_proposals_waiting(
    world, shared_case, events
):
    # Each example runs in a savepoint rolled back at its end: the fixtures stay as built.
    savepoint = transaction.savepoint()
    try:
        had_lead = False
        for event, name in events:
            case = Case.objects.get(pk=shared_case.pk)
            with contextlib.suppress(LeadError, ClosureError):
                _apply(world, case, event, name)
            case = Case.objects.get(pk=shared_case.pk)
            if had_lead:
                assert case.lead_professional_id is not None, (event, name)
            had_lead = case.lead_professional_id is not None
            assert (case.lead_agency_id is None) == (case.lead_professional_id is None)
            waiting = LeadProposal.objects.filter(case=case, state=LeadProposalState.PENDING)
            assert waiting.count() <= 1
            if not case.is_open:
                # Closing ends what waits on the case: no proposal, no open disagreement.
                assert not waiting.exists()
                assert not LeadDispute.objects.filter(
                    case=case, state=LeadDisputeState.OPEN
                ).exists()
            if case.lead_professional_id is not None:
                assert TeamMembership.objects.filter(
                    case=case, agency_id=case.lead_agency_id, left_at__isnull=True
                ).exists()
    finally:
        transaction.savepoint_rollback(savepoint)


# --- Two people at once (PostgreSQL) ----------------------------------------------------------


def _race(*works) -> tuple[list, list]:
    """Run ``works`` at once, each in a thread with its own connection; their results and
    errors."""
    barrier = threading.Barrier(len(works))
    results, errors = [], []

    def run(work):
        try:
            barrier.wait(5)
            results.append(work())
        except Exception as error:  # LeadError expected for the loser; others fail the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_two_proposals_at_once_cannot_both_wait_and_two_accepts_cannot_both_win(world):
    if connection.vendor != "postgresql":
        pytest.skip("Row locks are PostgreSQL's; SQLite serialises every write anyway")
    case = consented_case(world, "Leadson")
    users = world.a.users

    results, errors = _race(
        lambda: propose(world, case, users["police_practitioner"]),
        lambda: propose(world, case, users["school_practitioner"], by=users["chair"]),
    )

    assert len(results) == 1 and len(errors) == 1, errors
    assert isinstance(errors[0], LeadError)
    assert LeadProposal.objects.filter(case=case, state="pending").count() == 1
    proposal = LeadProposal.objects.get(case=case, state="pending")

    results, errors = _race(
        lambda: lead_accept(proposal=proposal, by=proposal.proposed),
        lambda: lead_accept(proposal=proposal, by=proposal.proposed),
    )

    assert len(results) == 1 and len(errors) == 1, errors
    assert isinstance(errors[0], LeadError)
    case = Case.objects.get(pk=case.pk)
    assert case.lead_professional == proposal.proposed
    assert TeamMembership.objects.filter(case=case, agency=proposal.proposed_agency).count() == 1
    assert Task.objects.get(pk=proposal.task_id).state == TaskState.ACCEPTED
