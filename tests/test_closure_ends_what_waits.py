"""Closing a CAF ends what only a live CAF could answer: a pending lead proposal, a request for
service still waiting and open asks of the team leave the worklists, each saying why; a referral
to social care still waits for its decision (R-CLOSE-1, R-REF-4)."""

from datetime import timedelta

from django.utils import timezone

from cases.models import PlanActionStatus
from cases.plans import plan_action_agree
from delivery.models import (
    ClosureReason,
    LeadDisputeState,
    LeadProposalSource,
    LeadProposalState,
)
from delivery.services.closure import case_close
from delivery.services.lead import lead_dispute_raise, lead_propose
from meetings.models import NominationKind, NominationState
from meetings.services.nominations import nomination_create
from referrals.models import ServiceRequestState, TaskKind, TaskState
from referrals.service_requests import service_request_send
from referrals.services import task_create
from tests.assessment_states import logged, parent_consent
from tests.forum_states import scheduled_forum


def test_closing_a_caf_ends_the_asks_it_can_no_longer_answer(world, login):
    case = logged(world, "Closeson").case
    assessor, police = world.a.users["assessor"], world.a.users["police_practitioner"]
    proposal = lead_propose(
        case=case,
        by=world.a.users["coordinator"],
        proposed=police,
        source=LeadProposalSource.CAF_TEAM,
    )
    action = plan_action_agree(
        case=case,
        by=assessor,
        need="A need",
        action="Something for the police",
        due_on=timezone.localdate() + timedelta(days=7),
        owner_agency=world.a.police,
    )
    assert action.status == PlanActionStatus.REQUESTED
    request = service_request_send(
        case=case,
        to_agency=world.a.police,
        by=assessor,
        service="A service",
        shared_summary="What the police need to decide.",
    )
    police_home = login(police)
    assert f"/lead-proposals/{proposal.pk}/" in police_home.get("/").content.decode()

    case_close(case=case, by=assessor, reason=ClosureReason.MOVED_AWAY, note="Moved to Leeds.")

    proposal.refresh_from_db()
    request.refresh_from_db()
    assert proposal.state == LeadProposalState.WITHDRAWN
    assert request.state == ServiceRequestState.WITHDRAWN
    for task in (proposal.task, request.task, action_task(case)):
        task.refresh_from_db()
        assert task.state == TaskState.DONE and "The CAF was closed" in task.response
    home = police_home.get("/").content.decode()
    assert f"/lead-proposals/{proposal.pk}/" not in home
    assert f"/tasks/{request.task.pk}/" not in home


def action_task(case):
    return case.tasks.get(kind=TaskKind.ACTION_REQUEST)


def test_closing_a_caf_takes_it_off_forums_to_come_and_settles_a_lead_disagreement(world, login):
    forum, session = scheduled_forum(world)
    assessor, coordinator = world.a.users["assessor"], world.a.users["coordinator"]
    closing, staying = logged(world, "Closeson").case, logged(world, "Stayson").case
    nominated = nomination_create(
        session=session, case=closing, by=assessor, kind=NominationKind.NEW
    )
    other = nomination_create(session=session, case=staying, by=assessor, kind=NominationKind.NEW)
    dispute = lead_dispute_raise(case=closing, by=assessor, about="Who leads is unclear.")
    coordinator_home = login(coordinator)
    assert dispute.task.link in coordinator_home.get("/").content.decode()

    case_close(case=closing, by=assessor, reason=ClosureReason.MOVED_AWAY, note="Moved away.")

    nominated.refresh_from_db()
    other.refresh_from_db()
    dispute.refresh_from_db()
    assert nominated.state == NominationState.WITHDRAWN
    assert nominated.deferral_reason == "The CAF was closed before the forum."
    assert other.state == NominationState.NOMINATED
    assert dispute.state == LeadDisputeState.ENDED and dispute.resolved_by == assessor
    assert dispute.task.state == TaskState.DONE
    timeline = coordinator_home.get(f"/cases/{closing.pk}/timeline/").content.decode()
    assert "ended when the CAF closed" in timeline
    assert "resolved by the CAF team" not in timeline
    assert dispute.task.link not in coordinator_home.get("/").content.decode()
    forum_page = coordinator_home.get(f"/forums/{forum.pk}/").content.decode()
    assert staying.reference in forum_page
    assert closing.reference not in forum_page


def test_a_forum_that_has_begun_keeps_the_case_on_its_agenda(world):
    forum, session = scheduled_forum(world)
    assessor = world.a.users["assessor"]
    case = logged(world, "Heardof").case
    nomination = nomination_create(session=session, case=case, by=assessor, kind=NominationKind.NEW)
    # The chair has read the confidentiality statement: the forum is running.
    type(forum).objects.filter(pk=forum.pk).update(
        held_on=timezone.localdate(), confidentiality_read_at=timezone.now()
    )

    case_close(case=case, by=assessor, reason=ClosureReason.MOVED_AWAY, note="Moved away.")

    nomination.refresh_from_db()
    assert nomination.state == NominationState.NOMINATED


def test_a_forum_whose_day_passed_without_beginning_no_longer_hears_the_case(world):
    forum, session = scheduled_forum(world)
    assessor = world.a.users["assessor"]
    case = logged(world, "Lateforum").case
    nomination = nomination_create(session=session, case=case, by=assessor, kind=NominationKind.NEW)
    type(forum).objects.filter(pk=forum.pk).update(held_on=timezone.localdate() - timedelta(days=3))

    case_close(case=case, by=assessor, reason=ClosureReason.MOVED_AWAY, note="Moved away.")

    nomination.refresh_from_db()
    assert nomination.state == NominationState.WITHDRAWN


def test_the_familys_consent_answers_a_reopened_cafs_ask_for_it(world):
    assessor = world.a.users["assessor"]
    case = logged(world, "Askedfor").case
    ask = task_create(
        kind=TaskKind.CONSENT_NEEDED,
        by=world.a.users["police_practitioner"],
        from_agency=world.a.police,
        assigned_agency=world.a.school,
        assigned_to=assessor,
        child=case.child,
        case=case,
        message="Reopened: consent to share needed.",
    )

    parent_consent(case, assessor)

    ask.refresh_from_db()
    assert ask.state == TaskState.DONE and "consent is recorded" in ask.response
