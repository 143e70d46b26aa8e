"""The case page says where the case stands, the one next step for the person looking at it,
and what happened, in a practitioner's words, from the records themselves (issue 13).

Delivery rows (lead proposals, reviews, closures, requests, referrals) are made with the ORM:
their services are built elsewhere; the states before them are built through the services."""

import html
import re
from datetime import datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import AgencyKind, Role
from assessments.services import assessment_begin
from cases.models import Case, PlanAction, TeamJoinReason, TeamMembership
from consent.models import ConfidentialNote
from deadlines.rules import first_tac_due, review_due
from delivery.models import (
    CaseClosure,
    CaseReview,
    ClosureReason,
    LeadChangeReason,
    LeadProposal,
    LeadProposalSource,
    LeadProposalState,
    ReviewDecision,
)
from delivery.services.closure import case_close, case_reopen
from meetings.models import MeetingState, Nomination, NominationKind, NominationState, TacMeeting
from referrals.models import (
    ServiceRequest,
    ServiceRequestState,
    SocialCareReferral,
    ThresholdDecision,
)
from referrals.social_care import social_care_refer
from tests.assessment_states import consented_case, logged, submitted
from tests.factories import make_agency, make_staff
from tests.forum_states import scheduled_forum

TODAY = timezone.localdate()


def long_date(day) -> str:
    return f"{day.day} {day:%B %Y}"


def text_of(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    assert response.status_code == 200
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(words))


def timeline_of(response) -> str:
    """The text of the "What happened" list only."""
    page = response.content.decode()
    start = page.index('aria-label="What happened, newest first"')
    return re.sub(
        r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page[start:].split("</ol>")[0]))
    )


def next_step_of(response) -> str | None:
    page = response.content.decode()
    if 'id="next-step-title"' not in page:
        return None
    banner = page.split('id="next-step-title"', 1)[1]
    banner = banner.split('class="govuk-notification-banner__content">', 1)[1].split("</div>")[0]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", banner))).strip()


def next_step_link(response) -> str:
    page = response.content.decode()
    banner = page.split('id="next-step-title"', 1)[1]
    return re.search(r'class="govuk-notification-banner__link" href="([^"]+)"', banner).group(1)


def held_tac(case, by, *, held_on=TODAY) -> TacMeeting:
    return TacMeeting.objects.create(
        tenant_id=case.tenant_id,
        case=case,
        convened_by=by,
        convened_by_agency=case.assessor_agency,
        scheduled_at=timezone.make_aware(datetime.combine(held_on, time(10, 0))),
        venue="The school",
        state=MeetingState.HELD,
        held_on=held_on,
        held_recorded_by=by,
    )


def plan_action(case, by) -> PlanAction:
    return PlanAction.objects.create(
        tenant_id=case.tenant_id,
        case=case,
        need="Getting to school on time",
        action="Breakfast club place",
        owner_agency=case.assessor_agency,
        due_on=TODAY + timedelta(days=30),
        agreed_by=by,
    )


def proposal(case, *, proposed, agency, by, state=LeadProposalState.PENDING) -> LeadProposal:
    decided = state != LeadProposalState.PENDING
    return LeadProposal.objects.create(
        tenant_id=case.tenant_id,
        case=case,
        proposed=proposed,
        proposed_agency=agency,
        proposed_by=by,
        source=LeadProposalSource.TAC,
        reason=LeadChangeReason.FIRST,
        state=state,
        decided_at=timezone.now() if decided else None,
    )


def make_lead(case, user, agency) -> Case:
    Case.objects.filter(pk=case.pk).update(
        lead_professional=user, lead_agency=agency, lead_since=TODAY
    )
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def camhs(world):
    return make_agency(world.a.tenant, "North CAMHS", AgencyKind.CAMHS)


@pytest.fixture
def social_care(world):
    return make_agency(world.a.tenant, "North Children's Social Care", AgencyKind.CSC)


def walked_case(world, camhs, social_care):
    """A CAF logged, met, nominated, led, reviewed, asked for services, referred, closed and
    reopened."""
    assessor = world.a.users["assessor"]
    police = world.a.users["police_practitioner"]
    case = logged(world, "Timeline").case
    held_tac(case, assessor, held_on=TODAY)
    forum, session = scheduled_forum(world)
    Nomination.objects.create(
        tenant_id=case.tenant_id,
        session=session,
        case=case,
        kind=NominationKind.NEW,
        nominated_by=assessor,
        nominated_by_agency=world.a.school,
        state=NominationState.SCHEDULED,
    )
    proposal(
        case,
        proposed=police,
        agency=world.a.police,
        by=assessor,
        state=LeadProposalState.ACCEPTED,
    )
    TeamMembership.objects.create(
        tenant_id=case.tenant_id,
        case=case,
        agency=world.a.police,
        reason=TeamJoinReason.LEAD_PROFESSIONAL,
        added_by=assessor,
    )
    CaseReview.objects.create(
        tenant_id=case.tenant_id,
        case=case,
        held_on=TODAY,
        decision=ReviewDecision.CONTINUE,
        decision_note="REVIEW-NOTE-TEXT",
        recorded_by=police,
    )
    ServiceRequest.objects.create(
        tenant_id=case.tenant_id,
        case=case,
        to_agency=camhs,
        requested_by=police,
        from_agency=world.a.police,
        service="SERVICE-ASKED-TEXT",
        shared_summary="SHARED-SUMMARY-TEXT",
        state=ServiceRequestState.REFUSED,
        decided_at=timezone.now(),
        reason="REFUSAL-REASON-TEXT",
    )
    SocialCareReferral.objects.create(
        tenant_id=case.tenant_id,
        case=case,
        to_agency=social_care,
        referred_by=police,
        from_agency=world.a.police,
        concerns="CONCERNS-TEXT",
        decision=ThresholdDecision.NOT_MET,
        decided_at=timezone.now(),
        feedback="FEEDBACK-TEXT",
    )
    CaseClosure.objects.create(
        tenant_id=case.tenant_id,
        case=case,
        closed_on=TODAY,
        reason=ClosureReason.NEEDS_MET,
        note="CLOSURE-NOTE-TEXT",
        closed_by=police,
        reopened_on=TODAY,
        reopened_by=police,
        reopen_reason="REOPEN-REASON-TEXT",
    )
    ConfidentialNote.objects.create(case=case, author=assessor, text="CONFIDENTIAL-NOTE-TEXT")
    return case, forum


# --- The timeline in words -------------------------------------------------------------------


def test_timeline_tells_what_happened_in_a_practitioners_words(world, login, camhs, social_care):
    case, forum = walked_case(world, camhs, social_care)
    assessor = world.a.users["assessor"]
    response = login(assessor).get(f"/cases/{case.pk}/timeline/")
    told = timeline_of(response)
    reference = case.assessment.logged_reference
    said = [
        "Reopened",
        "Closed: needs met",
        "Review: continue with the plan",
        "Referred to children's social care: threshold not met",
        "Request for service to North CAMHS: refused",
        "Request for service to North CAMHS",
        f"{world.a.police.name} joined the team around the child (lead professional)",
        f"{world.a.users['police_practitioner']} accepted the lead professional role",
        f"{world.a.users['police_practitioner']} ({world.a.police.name}) proposed as lead "
        "professional",
        "Team around the child meeting held",
        f"Nominated to the forum of {long_date(forum.held_on)}",
        f"Logged by the CAF team as {reference}",
        f"Assessment submitted to the CAF team by {assessor}",
        f"Assessment signed off by {assessor}",
        f"Assessment started by {assessor}",
        "Consent recorded: shared with",
        f"Intention to start a CAF logged by {assessor} ({world.a.school.name})",
    ]
    positions = []
    for words in said:
        assert words in told, words
        positions.append(told.index(words))
    assert positions == sorted(positions), "newest first, a day told in the order it happened"
    assert long_date(TODAY) in told


def test_events_of_different_days_are_newest_first(world, login):
    case = logged(world, "Days").case
    assessor = world.a.users["assessor"]
    held_tac(case, assessor, held_on=TODAY + timedelta(days=3))
    CaseReview.objects.create(
        tenant_id=case.tenant_id,
        case=case,
        held_on=TODAY + timedelta(days=2),
        decision=ReviewDecision.REVISE,
        recorded_by=assessor,
    )
    told = timeline_of(login(assessor).get(f"/cases/{case.pk}/"))
    assert told.index("Team around the child meeting held") < told.index("Review: revise the plan")
    assert told.index("Review: revise the plan") < told.index("Logged by the CAF team")


def test_the_case_page_shows_the_latest_events_and_links_to_all(world, login):
    case = logged(world, "Many").case
    assessor = world.a.users["assessor"]
    for days in range(15):
        CaseReview.objects.create(
            tenant_id=case.tenant_id,
            case=case,
            held_on=TODAY + timedelta(days=days + 1),
            decision=ReviewDecision.CONTINUE,
            recorded_by=assessor,
        )
    client = login(assessor)
    page = client.get(f"/cases/{case.pk}/")
    assert "Intention to start a CAF logged" not in timeline_of(page)
    assert f'href="/cases/{case.pk}/timeline/"' in page.content.decode()
    everything = timeline_of(client.get(f"/cases/{case.pk}/timeline/"))
    assert everything.count("Review: continue with the plan") == 15
    assert "Intention to start a CAF logged" in everything


def test_a_new_case_has_no_link_to_more(world, login):
    page = login(world.a.users["assessor"]).get(f"/cases/{world.a.case.pk}/")
    assert "Intention to start a CAF logged" in timeline_of(page)
    assert f"/cases/{world.a.case.pk}/timeline/" not in page.content.decode()


# --- What the viewer may see ----------------------------------------------------------------

FREE_TEXT = (
    "CONFIDENTIAL-NOTE-TEXT",
    "REVIEW-NOTE-TEXT",
    "SERVICE-ASKED-TEXT",
    "SHARED-SUMMARY-TEXT",
    "REFUSAL-REASON-TEXT",
    "CONCERNS-TEXT",
    "FEEDBACK-TEXT",
    "CLOSURE-NOTE-TEXT",
    "REOPEN-REASON-TEXT",
)


@pytest.mark.parametrize("viewer", ["assessor", "police_practitioner", "coordinator"])
def test_timeline_never_carries_confidential_notes_or_free_text(
    world, login, camhs, social_care, viewer
):
    case, _ = walked_case(world, camhs, social_care)
    client = login(world.a.users[viewer])
    everything = text_of(client.get(f"/cases/{case.pk}/timeline/"))
    assert "Closed: needs met" in everything
    for text in FREE_TEXT:
        assert text not in everything
    assert "CONFIDENTIAL-NOTE-TEXT" not in timeline_of(client.get(f"/cases/{case.pk}/"))


def test_confidential_note_is_not_on_another_viewers_case_page(world, login, camhs, social_care):
    case, _ = walked_case(world, camhs, social_care)
    page = text_of(login(world.a.users["police_practitioner"]).get(f"/cases/{case.pk}/"))
    assert "CONFIDENTIAL-NOTE-TEXT" not in page


@pytest.mark.parametrize("outsider", ["b-coordinator", "excluded"])
def test_timeline_page_is_not_found_for_who_cannot_see_the_case(world, login, outsider):
    case = consented_case(world, "Excluded", excluded=[world.a.police])
    user = (
        world.b.users["coordinator"]
        if outsider == "b-coordinator"
        else world.a.users["police_practitioner"]
    )
    assert login(user).get(f"/cases/{case.pk}/timeline/").status_code == 404


def test_viewing_the_timeline_is_in_the_access_log(world, login):
    from audit.models import AccessLogEntry

    case = world.a.case
    login(world.a.users["coordinator"]).get(f"/cases/{case.pk}/timeline/")
    assert AccessLogEntry.objects.filter(case_id=case.pk, detail="timeline").exists()


# --- The next step, per person --------------------------------------------------------------


def test_assessor_without_consent_is_asked_to_record_it(world, login):
    response = login(world.a.users["assessor"]).get(f"/cases/{world.a.case.pk}/")
    assert next_step_of(response) == "Record the family's consent"
    assert next_step_link(response) == f"/cases/{world.a.case.pk}/consent/"
    assert "the family's consent is not yet recorded" in text_of(response)


def test_assessor_with_consent_is_asked_to_start_the_assessment(world, login):
    case = consented_case(world, "Consented")
    response = login(world.a.users["assessor"]).get(f"/cases/{case.pk}/")
    assert next_step_of(response) == "Start the assessment"


def test_assessor_continues_an_assessment_in_progress(world, login):
    case = consented_case(world, "Writing")
    assessment_begin(case=case, by=world.a.users["assessor"])
    response = login(world.a.users["assessor"]).get(f"/cases/{case.pk}/")
    assert next_step_of(response) == "Continue the assessment"
    assert next_step_link(response) == f"/cases/{case.pk}/assessment/tasks/"


def test_caf_team_validates_a_submitted_assessment_and_the_assessor_waits(world, login):
    case = submitted(world, "Submitted").case
    team = login(world.a.users["coordinator"]).get(f"/cases/{case.pk}/")
    assert next_step_of(team) == "Validate the assessment"
    assert next_step_link(team) == f"/cases/{case.pk}/assessment/validate/"
    assessor = login(world.a.users["assessor"]).get(f"/cases/{case.pk}/")
    assert next_step_of(assessor) is None
    assert "Submitted: with the CAF team for validation" in text_of(assessor)


def test_assessor_arranges_the_first_tac_by_its_due_date(world, login):
    case = logged(world, "Logged").case
    response = login(world.a.users["assessor"]).get(f"/cases/{case.pk}/")
    due = first_tac_due(Case.objects.get(pk=case.pk).assessment_completed_on or TODAY)
    assert next_step_of(response) == (
        f"Arrange the first team around the child meeting by {long_date(due)}"
    )
    assert next_step_link(response) == f"/cases/{case.pk}/meetings/new/"


def test_caf_team_has_no_step_on_a_logged_case(world, login):
    case = logged(world, "Team").case
    assert next_step_of(login(world.a.users["coordinator"]).get(f"/cases/{case.pk}/")) is None


def test_another_agency_with_a_grant_is_offered_to_ask_to_join(world, login):
    case = logged(world, "Grant").case
    response = login(world.a.users["police_practitioner"]).get(f"/cases/{case.pk}/")
    assert next_step_of(response) == "Ask to join the team"
    assert next_step_link(response) == "/checks/new/"


def test_the_proposed_lead_is_asked_to_accept_or_decline(world, login):
    case = logged(world, "Proposed").case
    held_tac(case, world.a.users["assessor"])
    police = world.a.users["police_practitioner"]
    proposal(case, proposed=police, agency=world.a.police, by=world.a.users["assessor"])
    response = login(police).get(f"/cases/{case.pk}/")
    assert next_step_of(response) == "Accept or decline the lead professional role"
    assert next_step_link(response) == f"/cases/{case.pk}/lead/"
    # The assessor's step is not theirs.
    other = login(world.a.users["assessor"]).get(f"/cases/{case.pk}/")
    assert next_step_of(other) != "Accept or decline the lead professional role"


def test_after_the_first_tac_the_team_records_the_plan_then_proposes_a_lead(world, login):
    case = logged(world, "Plan").case
    assessor = world.a.users["assessor"]
    held_tac(case, assessor)
    client = login(assessor)
    assert next_step_of(client.get(f"/cases/{case.pk}/")) == "Record the action plan"
    plan_action(case, assessor)
    response = client.get(f"/cases/{case.pk}/")
    assert next_step_of(response) == "Propose a lead professional"
    assert next_step_link(response) == f"/cases/{case.pk}/lead/"


def test_the_lead_records_the_review_due_three_months_after_the_first_tac(world, login):
    case = logged(world, "Review").case
    assessor = world.a.users["assessor"]
    first = TODAY - timedelta(days=10)
    held_tac(case, assessor, held_on=first)
    held_tac(case, assessor, held_on=TODAY - timedelta(days=2))
    plan_action(case, assessor)
    make_lead(case, assessor, world.a.school)
    response = login(assessor).get(f"/cases/{case.pk}/")
    due = first + relativedelta(months=3)
    assert next_step_of(response) == f"Record the review due by {long_date(due)}"
    assert next_step_link(response) == f"/cases/{case.pk}/reviews/new/"
    page = text_of(response)
    assert f"Lead professional {assessor} ({world.a.school.name})" in page
    assert f"Next review due {long_date(due)}" in page


def test_the_next_review_is_three_months_after_the_latest(world, login):
    case = logged(world, "Reviewed").case
    assessor = world.a.users["assessor"]
    held_tac(case, assessor, held_on=TODAY - timedelta(days=200))
    plan_action(case, assessor)
    make_lead(case, assessor, world.a.school)
    for days_ago in (150, 100):
        CaseReview.objects.create(
            tenant_id=case.tenant_id,
            case=case,
            held_on=TODAY - timedelta(days=days_ago),
            decision=ReviewDecision.CONTINUE,
            recorded_by=assessor,
        )
    response = login(assessor).get(f"/cases/{case.pk}/")
    due = TODAY - timedelta(days=100) + relativedelta(months=3)
    assert next_step_of(response).startswith(f"Record the review due by {long_date(due)}")
    if due < TODAY:
        assert "This is overdue" in next_step_of(response)


def _reviewed(world, name, decision, held_on=None):
    case = logged(world, name).case
    assessor = world.a.users["assessor"]
    held_tac(case, assessor, held_on=TODAY - timedelta(days=60))
    plan_action(case, assessor)
    make_lead(case, assessor, world.a.school)
    CaseReview.objects.create(
        tenant_id=case.tenant_id,
        case=case,
        held_on=held_on or TODAY - timedelta(days=1),
        decision=decision,
        recorded_by=assessor,
    )
    return case, assessor


def test_a_review_that_decided_to_close_leads_to_closing(world, login):
    case, assessor = _reviewed(world, "Closing", ReviewDecision.CLOSE)
    response = login(assessor).get(f"/cases/{case.pk}/")
    yesterday = long_date(TODAY - timedelta(days=1))
    assert next_step_of(response) == f"Close the CAF, as the review of {yesterday} decided"
    assert next_step_link(response) == f"/cases/{case.pk}/close/"


def test_after_reopening_the_review_before_closing_no_longer_leads(world, login):
    # All on one day: the review, the closing and the reopening.
    case, assessor = _reviewed(world, "Reopening", ReviewDecision.CLOSE, held_on=TODAY)
    case_close(case=case, by=assessor, reason=ClosureReason.MOVED_AWAY, note="Moved away.")
    case_reopen(case=Case.objects.get(pk=case.pk), by=assessor, reason="They came back.")

    step = next_step_of(login(assessor).get(f"/cases/{case.pk}/"))
    assert step is not None and not step.startswith("Close the CAF")


def test_a_review_that_decided_to_escalate_asks_for_the_referral_until_it_is_made(
    world, login, social_care
):
    case, assessor = _reviewed(world, "Escalating", ReviewDecision.ESCALATE)
    client = login(assessor)
    response = client.get(f"/cases/{case.pk}/")
    assert next_step_of(response).startswith("Make the referral the review of ")
    assert next_step_link(response) == f"/cases/{case.pk}/#plan"

    social_care_refer(case=case, by=assessor, concerns="Worries have grown since the review.")

    step = next_step_of(client.get(f"/cases/{case.pk}/"))
    assert step.startswith("Record the review due by")


def test_a_case_closed_within_six_months_can_be_reopened(world, login):
    case = logged(world, "Closed").case
    assessor = world.a.users["assessor"]
    closed_on = TODAY - timedelta(days=20)
    CaseClosure.objects.create(
        tenant_id=case.tenant_id,
        case=case,
        closed_on=closed_on,
        reason=ClosureReason.NEEDS_MET,
        closed_by=assessor,
    )
    Case.objects.filter(pk=case.pk).update(state="closed", closed_on=closed_on)
    response = login(assessor).get(f"/cases/{case.pk}/")
    until = closed_on + relativedelta(months=6)
    assert next_step_of(response) == f"Reopen if needed until {long_date(until)}"
    assert next_step_link(response) == f"/cases/{case.pk}/reopen/"
    assert f"Closed on {long_date(closed_on)}: needs met" in text_of(response)
    police = login(world.a.users["police_practitioner"]).get(f"/cases/{case.pk}/")
    assert next_step_of(police) is None


def test_a_case_closed_longer_ago_has_no_next_step(world, login):
    case = logged(world, "Long ago").case
    closed_on = TODAY - relativedelta(months=7)
    Case.objects.filter(pk=case.pk).update(state="closed", closed_on=closed_on)
    response = login(world.a.users["assessor"]).get(f"/cases/{case.pk}/")
    assert next_step_of(response) is None


def test_review_due_rule():
    first = TODAY
    assert review_due(first_tac_held_on=None, last_review_on=None) is None
    assert review_due(first_tac_held_on=first, last_review_on=None) == first + relativedelta(
        months=3
    )
    later = first + timedelta(days=40)
    assert review_due(first_tac_held_on=first, last_review_on=later) == later + relativedelta(
        months=3
    )


# --- Queries ---------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def _more_of_everything(case, world, camhs, count):
    assessor = world.a.users["assessor"]
    for i in range(count):
        held_tac(case, assessor, held_on=TODAY - timedelta(days=i))
        CaseReview.objects.create(
            tenant_id=case.tenant_id,
            case=case,
            held_on=TODAY - timedelta(days=i),
            decision=ReviewDecision.CONTINUE,
            recorded_by=assessor,
        )
        ServiceRequest.objects.create(
            tenant_id=case.tenant_id,
            case=case,
            to_agency=camhs,
            requested_by=assessor,
            from_agency=world.a.school,
            service="Counselling",
            shared_summary="Summary",
        )
        proposal(
            case,
            proposed=make_staff(case.tenant, [(world.a.police, Role.PRACTITIONER)]),
            agency=world.a.police,
            by=assessor,
            state=LeadProposalState.DECLINED,
        )


@pytest.mark.parametrize("viewer", ["assessor", "coordinator"])
def test_case_page_and_timeline_queries_do_not_grow_with_events(
    world, login, camhs, social_care, viewer
):
    case, _ = walked_case(world, camhs, social_care)
    client = login(world.a.users[viewer])
    page, everything = f"/cases/{case.pk}/", f"/cases/{case.pk}/timeline/"
    before = (_queries(client, page), _queries(client, everything))
    _more_of_everything(case, world, camhs, 20)
    assert (_queries(client, page), _queries(client, everything)) == before
