"""Children's social care (R-REF-2, R-REF-4, R-CLOSE-2, R-AUDIT-4): the logged CAF referred by
the lead professional, the assessor or the CAF team; the duty manager reads it and decides on
the threshold, once, with written feedback that the referrer prints as a letter; "not met" can
route the case to an early help panel (a forum nomination); the lead professional is unchanged
until social care accepts; step-down opens a CAF whose first TAC is the final statutory
meeting; another tenant gets 404 everywhere."""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken
from pypdf import PdfReader
from rest_framework.test import APIClient

from agencies.models import AgencyKind, Role
from audit.models import AccessAction, AccessLogEntry
from cases.models import Case, Gender
from cases.services import child_register
from meetings.models import MeetingState, Nomination, ParticipantKind, TacMeeting
from meetings.selectors import first_tac_due_for
from referrals.models import SocialCareReferral, Task, TaskKind, TaskState, ThresholdDecision
from referrals.services import ReferralError
from referrals.social_care import social_care_decide, social_care_refer
from tests.assessment_states import logged
from tests.factories import make_agency, make_staff
from tests.forum_states import scheduled_forum

CONCERNS = "Neglect is getting worse despite the plan: no heating, missed health appointments."
FEEDBACK = "Threshold for a section 17 assessment not met; early help should continue."
SUMMARY = "Additional needs: a team around the child."  # tests/assessment_states.section_data


def api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def pages_of(response) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


@pytest.fixture
def csc(world):
    """Tenant a's children's social care: a duty manager and a social worker. Set up after the
    CAF below was consented, so it sees no case through consent."""
    case = logged(world, "Referred").case
    agency = make_agency(world.a.tenant, "North Children's Social Care", AgencyKind.CSC)
    manager = make_staff(world.a.tenant, [(agency, Role.MANAGER)], username="north-duty")
    worker = make_staff(world.a.tenant, [(agency, Role.PRACTITIONER)], username="north-sw")
    return Case.objects.get(pk=case.pk), agency, manager, worker


def refer(world, case, by=None):
    return social_care_refer(case=case, by=by or world.a.users["assessor"], concerns=CONCERNS)


def new_url(case) -> str:
    return f"/cases/{case.pk}/social-care/new/"


# --- Referring --------------------------------------------------------------------------------


def test_the_assessor_refers_the_logged_caf_and_the_duty_managers_get_a_task(world, login, csc):
    case, agency, manager, _ = csc

    response = login(world.a.users["assessor"]).post(new_url(case), {"concerns": CONCERNS})

    referral = SocialCareReferral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/social-care/referrals/{referral.pk}/"
    assert referral.to_agency == agency and referral.decision == ThresholdDecision.AWAITING
    task = Task.objects.get(kind=TaskKind.SOCIAL_CARE_REFERRAL)
    assert task.assigned_agency == agency and task.link == f"/social-care/referrals/{referral.pk}/"
    assert case.child.family_name not in task.message and CONCERNS not in task.message


def test_the_lead_professional_is_unchanged_until_social_care_accepts(world, csc):
    case, _, manager, _ = csc
    before = Case.objects.values(
        "lead_professional", "lead_agency", "lead_since", "assessor", "state"
    ).get(pk=case.pk)
    referral = refer(world, case)
    assert Case.objects.values(*before).get(pk=case.pk) == before
    social_care_decide(
        referral=referral, by=manager, decision=ThresholdDecision.NOT_MET, feedback=FEEDBACK
    )
    assert Case.objects.values(*before).get(pk=case.pk) == before


def test_once_social_care_accepts_the_lead_is_shown_the_escalation_closure_next(world, login, csc):
    case, _, manager, _ = csc
    referral = refer(world, case)
    assessor = login(world.a.users["assessor"])
    page = assessor.get(f"/cases/{case.pk}/").content.decode()
    assert "waiting for children&#x27;s social care&#x27;s decision" in page
    assert "close the CAF as escalated" not in page

    social_care_decide(
        referral=referral, by=manager, decision=ThresholdDecision.ACCEPTED, feedback=FEEDBACK
    )

    page = assessor.get(f"/cases/{case.pk}/").content.decode()
    assert "children&#x27;s social care accepted a referral" in page
    assert "close the CAF as escalated to statutory services" in page
    close_url = f"/cases/{case.pk}/close/?reason=escalated"
    assert f'href="{close_url}"' in page
    form = assessor.get(close_url).content.decode()
    assert 'value="escalated" checked' in form
    # A reason that is no choice preselects nothing and is no error.
    assert assessor.get(f"/cases/{case.pk}/close/?reason=%00junk").status_code == 200


def test_a_referral_needs_a_logged_caf(world, login):
    make_agency(world.a.tenant, "North CSC", AgencyKind.CSC)
    response = login(world.a.users["assessor"]).post(new_url(world.a.case), {"concerns": CONCERNS})
    assert response.status_code == 200
    assert "The CAF is the referral" in response.content.decode()
    assert CONCERNS in response.content.decode()
    assert not SocialCareReferral.objects.exists()


def test_only_the_lead_the_assessor_or_the_caf_team_refers(world, login, csc):
    case, _, manager, worker = csc
    # A colleague of the assessor works on the case but is neither assessor nor lead.
    for user in (
        world.a.users["school_practitioner"],
        world.a.users["police_practitioner"],
        manager,
        worker,
    ):
        assert login(user).get(new_url(case)).status_code == 404, user.username
    assert login(world.a.users["coordinator"]).get(new_url(case)).status_code == 200


def test_one_referral_waits_at_a_time(world, csc):
    case, *_ = csc
    refer(world, case)
    with pytest.raises(ReferralError, match="already waiting"):
        refer(world, case, by=world.a.users["coordinator"])


# --- The duty manager's decision --------------------------------------------------------------


def test_the_duty_manager_reads_the_referral_with_the_logged_caf(world, login, csc):
    case, agency, manager, _ = csc
    referral = refer(world, case)
    client = login(manager)

    page = client.get(f"/social-care/referrals/{referral.pk}/")

    text = page.content.decode()
    assert page.status_code == 200
    assert CONCERNS.replace("'", "&#x27;") in text and SUMMARY in text
    assert case.child.full_name in text and "Threshold decision" in text
    # The referral is not a grant: the case itself stays closed to social care.
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert AccessLogEntry.objects.filter(
        case_id=case.pk, user=manager, agency_id=agency.pk, action=AccessAction.VIEW
    ).exists()


def test_only_a_duty_manager_of_social_care_decides(world, login, csc):
    case, _, manager, worker = csc
    referral = refer(world, case)
    url = f"/social-care/referrals/{referral.pk}/"
    decision = {"decision": "accepted", "feedback": "Accepted for assessment."}

    # The social worker is not a duty manager; the team sees the referral but cannot decide.
    assert login(worker).get(url).status_code == 404
    for name in ("assessor", "coordinator", "caf_manager"):
        assert login(world.a.users[name]).post(url, decision).status_code == 404, name
    with pytest.raises(ReferralError, match="duty manager"):
        social_care_decide(
            referral=referral,
            by=world.a.users["caf_manager"],
            decision=ThresholdDecision.ACCEPTED,
            feedback="x",
        )
    assert SocialCareReferral.objects.get().decision == ThresholdDecision.AWAITING
    # The decision needs written feedback.
    empty = login(manager).post(url, {"decision": "accepted", "feedback": ""})
    assert empty.status_code == 200 and "Enter written feedback" in empty.content.decode()


def test_the_decision_is_recorded_once_and_the_referrer_prints_the_feedback_letter(
    world, login, csc
):
    case, agency, manager, _ = csc
    referral = refer(world, case)
    url = f"/social-care/referrals/{referral.pk}/"
    referrer = login(world.a.users["assessor"])
    assert referrer.get(url + "letter.pdf").status_code == 404  # nothing to say yet

    response = login(manager).post(
        url, {"decision": "accepted", "feedback": "Accepted: a social worker will visit."}
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.decision == ThresholdDecision.ACCEPTED and referral.decided_by == manager
    assert referral.task.state == TaskState.ACCEPTED
    with pytest.raises(ReferralError, match="already recorded"):
        social_care_decide(
            referral=referral, by=manager, decision=ThresholdDecision.NOT_MET, feedback="No."
        )
    letter = referrer.get(url + "letter.pdf")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    pages = pages_of(letter)
    for page in pages:
        assert "OFFICIAL-SENSITIVE" in page
        assert f"Printed by {world.a.users['assessor'].get_full_name()}" in page
    text = " ".join(" ".join(pages).split())
    assert "Accepted: a social worker will visit." in text
    assert "Threshold met: accepted by children" in text
    assert case.child.full_name in text and case.reference in text
    assert manager.get_full_name() in text
    assert AccessLogEntry.objects.filter(
        case_id=case.pk, user=world.a.users["assessor"], action=AccessAction.PRINT
    ).exists()


def test_threshold_not_met_routes_the_case_to_an_early_help_panel(world, login, csc):
    case, _, manager, _ = csc
    forum, session = scheduled_forum(world)
    referral = refer(world, case)
    url = f"/social-care/referrals/{referral.pk}/"

    response = login(manager).post(
        url, {"decision": "not_met", "feedback": FEEDBACK, "panel_session": session.pk}
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    nomination = Nomination.objects.get(case=case)
    assert referral.decision == ThresholdDecision.NOT_MET
    assert referral.early_help_panel == nomination and nomination.session == session
    assert nomination.nominated_by == world.a.users["assessor"]  # the referrer presents it
    assert referral.task.state == TaskState.DECLINED
    text = " ".join(
        " ".join(pages_of(login(world.a.users["assessor"]).get(url + "letter.pdf"))).split()
    )
    assert FEEDBACK in text and "early help panel" in text and forum.venue in text


def test_a_panel_is_only_for_a_threshold_not_met(world, csc):
    case, _, manager, _ = csc
    _, session = scheduled_forum(world)
    referral = refer(world, case)
    with pytest.raises(ReferralError, match="early help panel"):
        social_care_decide(
            referral=referral,
            by=manager,
            decision=ThresholdDecision.ACCEPTED,
            feedback="Accepted.",
            panel_session=session,
        )
    assert not Nomination.objects.exists()


def test_the_api_refers_and_decides_with_the_same_rules(world, csc):
    case, _, manager, worker = csc
    made = api(world.a.users["assessor"]).post(
        f"/api/cases/{case.pk}/social-care-referrals/", {"concerns": CONCERNS}, format="json"
    )
    assert made.status_code == 201
    pk = made.json()["id"]
    decision = {"decision": "not_met", "feedback": FEEDBACK}
    assert (
        api(worker)
        .post(f"/api/social-care-referrals/{pk}/decision/", decision, format="json")
        .status_code
        == 404
    )
    assert (
        api(world.a.users["assessor"])
        .post(f"/api/social-care-referrals/{pk}/decision/", decision, format="json")
        .status_code
        == 404
    )
    decided = api(manager).post(
        f"/api/social-care-referrals/{pk}/decision/", decision, format="json"
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "not_met"
    bad = api(manager).post(
        f"/api/social-care-referrals/{pk}/decision/", {"decision": 3, "feedback": 4}, format="json"
    )
    assert bad.status_code == 400


# --- Step-down --------------------------------------------------------------------------------


def _child(world, name="Stepped"):
    return child_register(
        by=world.a.users["assessor"],
        given_name="Sam",
        family_name=name,
        date_of_birth=date(2014, 9, 1),
        gender=Gender.MALE,
        postcode="NS1 1AC",
    )


def step_down_form(**changes) -> dict:
    return {
        "statutory_reference": "CIN-2027-0042",
        "meeting_on": (timezone.localdate() - timedelta(days=3)).strftime("%d/%m/%Y"),
        "venue": "Family home",
        "family_attendees": "Pat Parent, mother\nSam",
        "other_attendees": "Kim Teacher, North Primary",
        "notes": "Plan ends; early help to continue with the school.",
        **changes,
    }


def test_step_down_opens_a_caf_whose_first_tac_is_the_final_statutory_meeting(world, login, csc):
    _, agency, _, worker = csc
    child = _child(world)

    response = login(worker).post(f"/social-care/step-down/{child.pk}/", step_down_form())

    case = Case.objects.get(child=child)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.stepped_down_from == "CIN-2027-0042"
    assert case.assessor == worker and case.assessor_agency == agency
    meeting = TacMeeting.objects.get(case=case)
    assert meeting.state == MeetingState.HELD
    assert meeting.held_on == timezone.localdate() - timedelta(days=3)
    assert "CIN-2027-0042" in meeting.purpose and "Kim Teacher" in meeting.actions_reviewed
    attended = {(p.kind, str(p)) for p in meeting.participants.all() if p.attended}
    assert (ParticipantKind.PRACTITIONER, str(worker)) in attended
    assert (ParticipantKind.FAMILY, "Pat Parent") in attended
    # The first TAC is held: none falls due, even once the assessment is complete.
    case.assessment_completed_on = timezone.localdate()
    assert first_tac_due_for(case) is None
    assert login(worker).get(f"/cases/{case.pk}/meetings/{meeting.pk}/").status_code == 200


def test_step_down_is_refused_when_the_child_has_an_open_caf(world, login, csc):
    case, _, _, worker = csc

    response = login(worker).post(f"/social-care/step-down/{case.child_id}/", step_down_form())

    assert response.status_code == 200
    assert "already has an open CAF" in response.content.decode()
    assert Case.objects.filter(child=case.child).count() == 1


def test_step_down_checks_its_dates(world, login, csc):
    _, _, _, worker = csc
    child = _child(world)
    client = login(worker)
    future = (timezone.localdate() + timedelta(days=2)).strftime("%d/%m/%Y")
    for changes, message in (
        ({"meeting_on": future}, "cannot be in the future"),
        ({"meeting_on": "31/02/2027"}, "Enter the date as day/month/year"),
        ({"statutory_reference": ""}, "Enter social care case reference"),
    ):
        response = client.post(f"/social-care/step-down/{child.pk}/", step_down_form(**changes))
        assert response.status_code == 200 and message in response.content.decode(), message
    assert not Case.objects.filter(child=child).exists()


def test_only_social_care_steps_a_case_down(world, login, csc):
    _, _, manager, _ = csc
    child = _child(world)
    for name in ("assessor", "coordinator", "police_manager", "tenant_admin"):
        client = login(world.a.users[name])
        assert client.get(f"/social-care/step-down/{child.pk}/").status_code == 404, name
        assert (
            client.post(f"/social-care/step-down/{child.pk}/", step_down_form()).status_code == 404
        )
    assert login(manager).get(f"/social-care/step-down/{child.pk}/").status_code == 200
    assert not Case.objects.filter(child=child).exists()


# --- The other tenant -------------------------------------------------------------------------


def test_another_tenant_gets_404_everywhere(world, login, csc):
    case, _, manager, _ = csc
    referral = refer(world, case)
    social_care_decide(
        referral=referral, by=manager, decision=ThresholdDecision.NOT_MET, feedback=FEEDBACK
    )
    child = _child(world)
    # Tenant b's own social care, so its staff are social care staff too.
    b_csc = make_agency(world.b.tenant, "West CSC", AgencyKind.CSC)
    b_manager = make_staff(world.b.tenant, [(b_csc, Role.MANAGER)], username="west-duty")
    for user in [*world.b.users.values(), b_manager]:
        client = login(user)
        for url in (
            new_url(case),
            f"/social-care/referrals/{referral.pk}/",
            f"/social-care/referrals/{referral.pk}/letter.pdf",
            f"/social-care/step-down/{child.pk}/",
            f"/api/social-care-referrals/{referral.pk}/",
        ):
            assert client.get(url).status_code == 404, (user.username, url)
        assert (
            client.post(f"/social-care/step-down/{child.pk}/", step_down_form()).status_code == 404
        )
        assert (
            client.post(
                f"/api/cases/{case.pk}/social-care-referrals/", {"concerns": "x"}
            ).status_code
            == 404
        )
    assert not Case.objects.filter(child=child).exists()


def test_every_referral_route_answers_only_the_team_and_the_duty_managers(world, login, csc):
    case, _, manager, worker = csc
    referral = refer(world, case)
    social_care_decide(
        referral=referral, by=manager, decision=ThresholdDecision.ACCEPTED, feedback="Yes."
    )
    # Consent covered every agency of tenant a when it was given: the police see the case.
    sees_case = {
        "assessor",
        "school_practitioner",
        "school_manager",
        "coordinator",
        "chair",
        "caf_manager",
        "police_practitioner",
        "police_manager",
    }
    users = {**world.a.users, "manager": manager, "worker": worker}
    problems = []
    for name, user in users.items():
        client = login(user)
        for suffix in ("", "letter.pdf"):
            status = client.get(f"/social-care/referrals/{referral.pk}/{suffix}").status_code
            if status != (200 if name in sees_case | {"manager"} else 404):
                problems.append(f"{name} {suffix or 'page'} -> {status}")
    assert problems == []


def test_the_decision_is_in_the_change_log_under_social_care(world, csc):
    from audit.models import ChangeLogEntry

    case, agency, manager, _ = csc
    referral = refer(world, case)
    social_care_decide(
        referral=referral, by=manager, decision=ThresholdDecision.NOT_MET, feedback=FEEDBACK
    )
    entries = ChangeLogEntry.objects.filter(
        content_type__model="socialcarereferral", object_pk=str(referral.pk)
    )
    assert entries.filter(actor=world.a.users["assessor"], case_id=case.pk).exists()
    assert entries.filter(actor=manager, agency_id=agency.pk).exists()
