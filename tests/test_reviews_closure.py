"""Reviews of the plan and closing a CAF (R-REV-1, R-CLOSE-1, R-CHECK-4, R-AUDIT-4): when
reviews are due, recording one with each decision, closing at a sign-off TAC with its reason,
the risk flag of a non-engagement closure in the register check, the family's closure letter,
reopening within 6 months and not after; as the assessor, the lead professional, another agency
with a grant, an excluded agency, the CAF team and another tenant."""

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken
from pypdf import PdfReader
from rest_framework.test import APIClient

from agencies.models import Agency, AgencyKind, Role, User
from assessments.models import Assessment, VersionReason
from audit.models import AccessAction, AccessLogEntry, ChangeLogEntry
from cases import checks
from cases.models import Case, CaseState, PlanAction, TeamJoinReason
from cases.team import team_agency_join
from delivery.models import CaseClosure, CaseReview, ClosureReason, ReviewProgress
from delivery.selectors import review_due_of
from delivery.services.closure import ClosureError, case_close
from meetings.models import TacMeeting
from meetings.services.tac import tac_action_agree, tac_hold
from tests.assessment_states import sign
from tests.factories import make_agency, make_staff
from tests.test_tac_meetings import convene, logged_case

TODAY = timezone.localdate()
THREE_MONTHS = relativedelta(months=3)


@dataclass
class Scene:
    case: Case
    meeting: TacMeeting
    action: PlanAction
    users: dict[str, User]
    health: Agency
    youth: Agency


def _day(value) -> str:
    return value.strftime("%d/%m/%Y")


def _pages(response) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


def _api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _delivered(world, name="Reviewed", *, held_days_ago=30) -> Scene:
    """A logged CAF whose first TAC was held ``held_days_ago`` with one action agreed; the
    police practitioner its lead professional; health with only a consent grant; the youth
    service excluded by the family."""
    tenant = world.a.tenant
    health = make_agency(tenant, "North Health Visiting", AgencyKind.HEALTH_VISITING)
    youth = make_agency(tenant, "North Youth Service", AgencyKind.YOUTH_SERVICE)
    users = {
        "assessor": world.a.users["assessor"],
        "colleague": world.a.users["school_practitioner"],
        "lead": world.a.users["police_practitioner"],
        "health": make_staff(tenant, [(health, Role.PRACTITIONER)], username="health-hv"),
        "youth": make_staff(tenant, [(youth, Role.PRACTITIONER)], username="youth-worker"),
        "caf_team": world.a.users["coordinator"],
        "other_tenant": world.b.users["coordinator"],
    }
    case = logged_case(world, name, excluded=[youth])
    assessor = users["assessor"]
    meeting = convene(world, case)
    action = tac_action_agree(
        meeting=meeting,
        by=assessor,
        need="Mornings are hard; Robin loves reading",
        outcome="On time at school four days a week",
        action="Breakfast club place",
        owner_agency=world.a.school,
        due_on=TODAY + timedelta(days=30),
    )
    tac_hold(
        meeting=meeting,
        by=assessor,
        held_on=TODAY - timedelta(days=held_days_ago),
        attendance={},
    )
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        team_agency_join(
            case=locked,
            agency=world.a.police,
            by=assessor,
            reason=TeamJoinReason.LEAD_PROFESSIONAL,
        )
    # Proposing and accepting a lead is another part of this issue: only who leads matters.
    Case.objects.filter(pk=case.pk).update(
        lead_professional=users["lead"], lead_agency=world.a.police, lead_since=TODAY
    )
    meeting.refresh_from_db()
    return Scene(
        case=Case.objects.get(pk=case.pk),
        meeting=meeting,
        action=action,
        users=users,
        health=health,
        youth=youth,
    )


def _review_form(scene, decision="continue", held_on=None, **extra) -> dict:
    return {
        "held_on": _day(held_on or TODAY),
        "meeting": "",
        f"progress_{scene.action.pk}": "partly",
        f"note_{scene.action.pk}": "Three days out of five.",
        "needs_met": "Robin has breakfast before school.",
        "needs_unmet": "Getting up on time.",
        "needs_new": "",
        "decision": decision,
        "decision_note": "Keep going.",
        **extra,
    }


def _base(case) -> str:
    return f"/cases/{case.pk}/"


# --- When reviews are due ---------------------------------------------------------------------


def test_the_first_review_is_due_3_months_after_the_first_tac(world, login):
    scene = _delivered(world)
    first_tac = scene.meeting.held_on
    due = first_tac + THREE_MONTHS

    assert review_due_of(scene.case) == due
    page = login(scene.users["assessor"]).get(_base(scene.case)).content.decode()
    assert f"Next review due by {due:%-d %B %Y}" in page
    assert "3 months after the first TAC meeting" in page
    for who in ("assessor", "lead"):
        home = login(scene.users[who]).get("/").content.decode()
        assert "Reviews due" in home and scene.case.reference in home.split("Reviews due")[1]


def test_no_review_is_due_before_a_tac_is_held(world, login):
    case = logged_case(world, "Untouched")
    assessor = world.a.users["assessor"]

    assert review_due_of(case) is None
    page = login(assessor).get(_base(case)).content.decode()
    assert "Next review due" not in page
    assert "Reviews are due once the first TAC meeting has been held" in page
    response = login(assessor).post(
        _base(case) + "reviews/new/",
        {"held_on": _day(TODAY), "decision": "continue"},
    )
    assert response.status_code == 200
    assert "once a TAC meeting has been held" in response.content.decode()
    assert not CaseReview.objects.filter(case=case).exists()


def test_the_next_review_is_due_3_months_after_the_latest(world, login):
    scene = _delivered(world)
    held_on = TODAY - timedelta(days=10)

    response = login(scene.users["lead"]).post(
        _base(scene.case) + "reviews/new/", _review_form(scene, held_on=held_on)
    )

    assert response.status_code == 302
    due = held_on + THREE_MONTHS
    assert review_due_of(Case.objects.get(pk=scene.case.pk)) == due
    page = login(scene.users["assessor"]).get(_base(scene.case)).content.decode()
    assert f"Next review due by {due:%-d %B %Y}" in page
    assert "3 months after the last review" in page


def test_an_overdue_review_is_said_to_be_overdue(world, login):
    scene = _delivered(world, held_days_ago=120)

    page = login(scene.users["assessor"]).get(_base(scene.case)).content.decode()

    assert "The review is overdue" in page
    home = login(scene.users["assessor"]).get("/").content.decode()
    assert "Overdue" in home.split("Reviews due")[1]


# --- Recording a review -----------------------------------------------------------------------


def test_a_review_records_progress_per_action_needs_and_the_decision(world, login):
    scene = _delivered(world)
    meeting_day = scene.meeting.held_on

    response = login(scene.users["assessor"]).post(
        _base(scene.case) + "reviews/new/",
        _review_form(scene, held_on=meeting_day, meeting=str(scene.meeting.pk)),
    )

    assert response.status_code == 302
    assert response["Location"] == f"/cases/{scene.case.pk}/reviews/"
    review = CaseReview.objects.get(case=scene.case)
    assert (review.held_on, review.meeting, review.decision) == (
        meeting_day,
        scene.meeting,
        "continue",
    )
    assert review.needs_met == "Robin has breakfast before school."
    progress = ReviewProgress.objects.get(review=review)
    assert (progress.plan_action, progress.progress, progress.note) == (
        scene.action,
        "partly",
        "Three days out of five.",
    )
    assert Case.objects.get(pk=scene.case.pk).state == CaseState.DELIVERY
    page = login(scene.users["health"]).get(_base(scene.case) + "reviews/").content.decode()
    assert "Breakfast club place" in page and "Some progress" in page


@pytest.mark.parametrize(
    ("decision", "state", "goes_to", "link"),
    [
        ("revise", CaseState.DELIVERY, "reviews/", "/meetings/"),
        ("close", CaseState.REVIEW, "close/", None),
        ("escalate", CaseState.REVIEW, "reviews/", "/social-care/new/"),
    ],
)
def test_each_decision_leads_to_its_next_step(world, login, decision, state, goes_to, link):
    scene = _delivered(world)
    client = login(scene.users["assessor"])

    response = client.post(_base(scene.case) + "reviews/new/", _review_form(scene, decision))

    assert response.status_code == 302
    assert response["Location"] == _base(scene.case) + goes_to
    assert Case.objects.get(pk=scene.case.pk).state == state
    if link:
        page = client.get(_base(scene.case) + "reviews/").content.decode()
        assert f"/cases/{scene.case.pk}{link}" in page


def test_reassessing_makes_a_new_assessment_version(world, login):
    scene = _delivered(world)
    assessment = Assessment.objects.get(case=scene.case)
    # Holding the TAC began version 2: it is signed off before another can be made.
    sign(assessment, scene.users["assessor"])

    response = login(scene.users["assessor"]).post(
        _base(scene.case) + "reviews/new/", _review_form(scene, "reassess")
    )

    assert response.status_code == 302
    review = CaseReview.objects.get(case=scene.case)
    latest = assessment.versions.order_by("-number").first()
    assert (latest.number, latest.reason) == (3, VersionReason.UPDATE)
    assert review.assessment_version == latest


def test_reassessing_is_refused_with_the_assessments_reason_and_nothing_is_saved(world, login):
    scene = _delivered(world)  # version 2, begun by the TAC, is not signed off

    response = login(scene.users["assessor"]).post(
        _base(scene.case) + "reviews/new/", _review_form(scene, "reassess")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "A new version of the assessment cannot be made now" in page
    assert "sign it off before making a new version" in page
    assert "Three days out of five." in page  # nothing typed is lost
    assert not CaseReview.objects.filter(case=scene.case).exists()
    assert Assessment.objects.get(case=scene.case).versions.count() == 2


@pytest.mark.parametrize(
    ("held_on", "message"),
    [
        (TODAY + timedelta(days=1), "cannot be in the future"),
        (TODAY - timedelta(days=200), "cannot be before the first TAC meeting"),
    ],
)
def test_a_review_date_in_the_future_or_before_the_first_tac_is_a_field_error(
    world, login, held_on, message
):
    scene = _delivered(world)

    response = login(scene.users["assessor"]).post(
        _base(scene.case) + "reviews/new/", _review_form(scene, held_on=held_on)
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and 'id="id_held_on-error"' in page
    assert "Robin has breakfast before school." in page
    assert not CaseReview.objects.exists()


def test_progress_is_needed_for_every_live_action(world, login):
    scene = _delivered(world)
    form = _review_form(scene)
    del form[f"progress_{scene.action.pk}"]

    response = login(scene.users["assessor"]).post(_base(scene.case) + "reviews/new/", form)

    assert response.status_code == 200
    assert "Say what progress was made on this action." in response.content.decode()
    assert not CaseReview.objects.exists()


def test_who_may_see_and_record_reviews(world, login):
    scene = _delivered(world)
    reviews, new = _base(scene.case) + "reviews/", _base(scene.case) + "reviews/new/"
    expected = {
        # name: (sees the reviews, records one)
        "assessor": (200, 200),
        "colleague": (200, 200),
        "lead": (200, 200),
        "health": (200, 404),
        "youth": (404, 404),
        "caf_team": (200, 200),
        "other_tenant": (404, 404),
    }
    for name, (sees, records) in expected.items():
        client = login(scene.users[name])
        assert client.get(reviews).status_code == sees, name
        assert client.get(new).status_code == records, name
        response = client.post(new, _review_form(scene))
        assert response.status_code == (302 if records == 200 else 404), name
    assert CaseReview.objects.filter(case=scene.case).count() == 4


# --- Closing ----------------------------------------------------------------------------------


def _close_form(scene, reason="needs_met", meeting=True, note="Needs met; plan complete."):
    return {"reason": reason, "meeting": str(scene.meeting.pk) if meeting else "", "note": note}


@pytest.mark.parametrize("reason", ["needs_met", "non_engagement", "other"])
def test_closing_for_these_reasons_needs_a_held_sign_off_tac(world, login, reason):
    scene = _delivered(world)
    client = login(scene.users["assessor"])

    refused = client.post(_base(scene.case) + "close/", _close_form(scene, reason, meeting=False))

    assert refused.status_code == 200
    assert "Choose the sign-off TAC meeting" in refused.content.decode()
    assert "Needs met; plan complete." in refused.content.decode()
    assert Case.objects.get(pk=scene.case.pk).is_open

    response = client.post(_base(scene.case) + "close/", _close_form(scene, reason))

    assert response.status_code == 302
    case = Case.objects.get(pk=scene.case.pk)
    closure = CaseClosure.objects.get(case=case)
    assert (case.state, case.closed_on) == (CaseState.CLOSED, TODAY)
    assert (closure.reason, closure.meeting, closure.closed_by) == (
        reason,
        scene.meeting,
        scene.users["assessor"],
    )
    assert closure.risk_flag == (reason == "non_engagement")


@pytest.mark.parametrize("reason", ["escalated", "moved_away", "consent_withdrawn"])
def test_closing_for_these_reasons_may_have_no_meeting(world, login, reason):
    scene = _delivered(world)

    response = login(scene.users["lead"]).post(
        _base(scene.case) + "close/", _close_form(scene, reason, meeting=False)
    )

    assert response.status_code == 302
    closure = CaseClosure.objects.get(case=scene.case)
    assert closure.meeting is None and closure.closed_by == scene.users["lead"]


def test_a_planned_meeting_is_not_a_sign_off_tac(world):
    scene = _delivered(world)
    planned = convene(world, scene.case)

    with pytest.raises(ClosureError) as error:
        case_close(
            case=scene.case,
            by=scene.users["assessor"],
            reason=ClosureReason.NEEDS_MET,
            note="Done",
            meeting=planned,
        )
    assert error.value.field == "meeting"


def test_who_may_close(world, login):
    scene = _delivered(world)
    close = _base(scene.case) + "close/"
    # The lead, the assessor and the CAF team; not the assessor's colleague, another agency
    # with a grant, an excluded agency or another tenant.
    for name in ("colleague", "health", "youth", "other_tenant"):
        client = login(scene.users[name])
        assert client.get(close).status_code == 404, name
        assert client.post(close, _close_form(scene)).status_code == 404, name
    assert Case.objects.get(pk=scene.case.pk).is_open
    for name in ("assessor", "lead", "caf_team"):
        assert login(scene.users[name]).get(close).status_code == 200, name
    assert login(scene.users["caf_team"]).post(close, _close_form(scene)).status_code == 302


def test_a_closed_caf_cannot_be_closed_again(world, login):
    scene = _delivered(world)
    client = login(scene.users["assessor"])
    client.post(_base(scene.case) + "close/", _close_form(scene))

    again = client.post(_base(scene.case) + "close/", _close_form(scene, "other"))

    assert again.status_code == 200
    assert "already closed" in again.content.decode()
    with pytest.raises(ClosureError, match="already closed"):
        case_close(
            case=scene.case,
            by=scene.users["assessor"],
            reason=ClosureReason.OTHER,
            note="Again",
            meeting=scene.meeting,
        )
    assert CaseClosure.objects.filter(case=scene.case).count() == 1


def test_a_non_engagement_closure_is_risk_flagged_in_the_register_check(world, login):
    scene = _delivered(world)
    login(scene.users["assessor"]).post(
        _base(scene.case) + "close/", _close_form(scene, "non_engagement")
    )
    officer = world.a.users["police_manager"]
    check, _ = checks.check_search(
        by=officer,
        agency=world.a.police,
        given_name="Robin",
        family_name="Reviewed",
        date_of_birth=scene.case.child.date_of_birth,
    )

    page = login(officer).get(f"/checks/{check.pk}/").content.decode()

    assert "Closed for non-engagement: risk flagged" in page
    matches = _api(officer).get(f"/api/checks/{check.pk}/").json()["matches"]
    assert [m["caf"]["risk_flagged"] for m in matches if m["caf"]] == [True]


def test_a_closure_for_another_reason_is_not_risk_flagged(world, login):
    scene = _delivered(world)
    login(scene.users["assessor"]).post(_base(scene.case) + "close/", _close_form(scene))
    officer = world.a.users["police_manager"]
    check, _ = checks.check_search(
        by=officer, agency=world.a.police, given_name="Robin", family_name="Reviewed"
    )

    page = login(officer).get(f"/checks/{check.pk}/").content.decode()

    assert "Closed " in page and "risk flagged" not in page
    matches = _api(officer).get(f"/api/checks/{check.pk}/").json()["matches"]
    assert [m["caf"]["risk_flagged"] for m in matches if m["caf"]] == [False]


# --- The family's closure letter --------------------------------------------------------------


def test_the_closure_letter_is_plain_words_marked_with_the_printer_and_logged(world, login):
    scene = _delivered(world)
    login(scene.users["assessor"]).post(
        _base(scene.case) + "close/",
        _close_form(scene, "needs_met", note="Confidential: mother's new partner checked."),
    )
    printer = scene.users["health"]

    response = login(printer).get(_base(scene.case) + "closure-letter.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = _pages(response)
    for page in pages:
        assert "OFFICIAL-SENSITIVE" in page
        assert f"Printed by {printer.get_full_name()}" in page
    text = " ".join(" ".join(pages).split())
    assert "Your support plan has ended" in text
    assert "have been achieved" in text
    assert scene.case.reference in text
    assert "Confidential" not in text and "partner" not in text
    assert AccessLogEntry.objects.filter(
        action=AccessAction.PRINT, case_id=scene.case.pk, user=printer
    ).exists()


def test_there_is_no_letter_while_the_caf_is_open(world, login):
    scene = _delivered(world)

    assert (
        login(scene.users["assessor"]).get(_base(scene.case) + "closure-letter.pdf").status_code
        == 404
    )


def test_an_excluded_agency_cannot_print_the_letter(world, login):
    scene = _delivered(world)
    login(scene.users["assessor"]).post(_base(scene.case) + "close/", _close_form(scene))

    for name in ("youth", "other_tenant"):
        response = login(scene.users[name]).get(_base(scene.case) + "closure-letter.pdf")
        assert response.status_code == 404, name


# --- Reopening --------------------------------------------------------------------------------


def _closed(scene, login, *, months_ago=0):
    login(scene.users["assessor"]).post(_base(scene.case) + "close/", _close_form(scene))
    if months_ago:
        # Time passes: the closure happened months ago.
        day = TODAY - relativedelta(months=months_ago)
        Case.objects.filter(pk=scene.case.pk).update(closed_on=day)
        CaseClosure.objects.filter(case=scene.case).update(closed_on=day)


def test_a_caf_closed_less_than_6_months_ago_reopens_without_a_new_assessment(world, login):
    scene = _delivered(world)
    _closed(scene, login, months_ago=5)
    client = login(scene.users["lead"])
    assert "Reopen the CAF" in client.get(_base(scene.case)).content.decode()
    versions = Assessment.objects.get(case=scene.case).versions.count()

    response = client.post(_base(scene.case) + "reopen/", {"reason": "Mornings are hard again."})

    assert response.status_code == 302
    case = Case.objects.get(pk=scene.case.pk)
    assert (case.state, case.closed_on, case.reopened_on) == (CaseState.DELIVERY, None, TODAY)
    closure = CaseClosure.objects.get(case=case)
    assert (closure.reopened_on, closure.reopened_by, closure.reopen_reason) == (
        TODAY,
        scene.users["lead"],
        "Mornings are hard again.",
    )
    assert Assessment.objects.get(case=case).versions.count() == versions
    # Audited as the lead professional.
    assert ChangeLogEntry.objects.filter(
        actor=scene.users["lead"], object_pk=str(closure.pk)
    ).exists()
    # And it can be closed again: the reopened closure no longer stands.
    assert (
        login(scene.users["assessor"])
        .post(_base(scene.case) + "close/", _close_form(scene, "other"))
        .status_code
        == 302
    )
    assert CaseClosure.objects.filter(case=case).count() == 2


def test_after_6_months_only_a_new_episode_is_offered_and_reopening_is_refused(world, login):
    scene = _delivered(world)
    _closed(scene, login, months_ago=7)
    client = login(scene.users["assessor"])

    page = client.get(_base(scene.case)).content.decode()
    assert "Only a new episode can be started" in page and "Reopen the CAF</a>" not in page
    response = client.post(_base(scene.case) + "reopen/", {"reason": "Please"})

    assert response.status_code == 200
    assert "cannot be reopened" in response.content.decode()
    assert Case.objects.get(pk=scene.case.pk).state == CaseState.CLOSED
    with pytest.raises(ClosureError, match="more than 6 months ago"):
        from delivery.services.closure import case_reopen

        case_reopen(case=scene.case, by=scene.users["assessor"], reason="Please")


def test_reopening_needs_a_reason(world, login):
    scene = _delivered(world)
    _closed(scene, login)

    response = login(scene.users["assessor"]).post(_base(scene.case) + "reopen/", {"reason": ""})

    assert response.status_code == 200
    assert "Enter why the CAF is reopening." in response.content.decode()


def test_who_may_reopen(world, login):
    scene = _delivered(world)
    _closed(scene, login)
    reopen = _base(scene.case) + "reopen/"
    for name in ("colleague", "health", "youth", "other_tenant"):
        response = login(scene.users[name]).post(reopen, {"reason": "Again"})
        assert response.status_code == 404, name
    assert Case.objects.get(pk=scene.case.pk).state == CaseState.CLOSED
    assert login(scene.users["caf_team"]).post(reopen, {"reason": "Again"}).status_code == 302


def test_reopening_through_the_register_check_marks_the_closure_reopened(world, login):
    scene = _delivered(world)
    _closed(scene, login, months_ago=1)
    officer = world.a.users["police_manager"]
    check, _ = checks.check_search(
        by=officer, agency=world.a.police, given_name="Robin", family_name="Reviewed"
    )

    checks.check_reopen(check=check, by=officer, child=scene.case.child)

    closure = CaseClosure.objects.get(case=scene.case)
    assert (closure.reopened_on, closure.reopened_by) == (TODAY, officer)
    assert "register check" in closure.reopen_reason
    assert Case.objects.get(pk=scene.case.pk).state == CaseState.DELIVERY


# --- The API ----------------------------------------------------------------------------------


def test_the_api_records_a_review_closes_and_reopens_through_the_same_services(world):
    scene = _delivered(world)
    assessor = _api(scene.users["assessor"])
    url = f"/api/cases/{scene.case.pk}/"

    listed = assessor.get(url + "reviews/")
    assert listed.status_code == 200
    assert listed.json()["review_due"] == str(scene.meeting.held_on + THREE_MONTHS)
    recorded = assessor.post(
        url + "reviews/",
        {
            "held_on": str(TODAY),
            "decision": "close",
            "progress": [{"plan_action": scene.action.pk, "progress": "achieved"}],
        },
        format="json",
    )
    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["progress"][0]["progress"] == "achieved"
    closed = assessor.post(
        url + "close/",
        {"reason": "needs_met", "note": "Done", "meeting": scene.meeting.pk},
        format="json",
    )
    assert closed.status_code == 201, closed.content
    again = assessor.post(url + "close/", {"reason": "other", "note": "x"}, format="json")
    assert again.status_code == 400
    reopened = assessor.post(url + "reopen/", {"reason": "Again"}, format="json")
    assert reopened.status_code == 200 and reopened.json()["state"] == "delivery"


@pytest.mark.parametrize(
    ("suffix", "body", "field"),
    [
        ("reviews/", {"held_on": "soon", "decision": "continue"}, "held_on"),
        ("reviews/", {"held_on": str(TODAY), "decision": "maybe"}, "decision"),
        ("reviews/", {"held_on": str(TODAY), "decision": "continue"}, "progress_"),
        ("reviews/", {"held_on": str(TODAY), "decision": "continue", "meeting": 999999}, "meeting"),
        ("close/", {"reason": "needs_met", "note": "x"}, "meeting"),
        ("close/", {"reason": "because", "note": "x"}, "reason"),
        ("close/", {"reason": "other", "note": 5}, "note"),
        ("reopen/", {}, "reason"),
    ],
)
def test_bad_api_input_is_a_400_naming_the_field(world, suffix, body, field):
    scene = _delivered(world)

    response = _api(scene.users["assessor"]).post(
        f"/api/cases/{scene.case.pk}/{suffix}", body, format="json"
    )

    assert response.status_code == 400
    assert any(key.startswith(field) for key in response.json()), response.json()


def test_the_api_refuses_those_the_pages_refuse_with_404(world):
    scene = _delivered(world)
    url = f"/api/cases/{scene.case.pk}/"
    for name in ("youth", "other_tenant"):
        assert _api(scene.users[name]).get(url + "reviews/").status_code == 404, name
    for name in ("health", "youth", "other_tenant"):
        client = _api(scene.users[name])
        body = {"held_on": str(TODAY), "decision": "continue"}
        assert client.post(url + "reviews/", body, format="json").status_code == 404, name
        body = {"reason": "moved_away", "note": "Gone"}
        assert client.post(url + "close/", body, format="json").status_code == 404, name
    assert not CaseReview.objects.exists() and not CaseClosure.objects.exists()


# --- Query counts -----------------------------------------------------------------------------


def test_the_case_page_and_home_keep_their_query_limits_with_reviews_and_a_closure(
    world, login, django_assert_max_num_queries
):
    from tests.test_pages import CASE_QUERY_LIMIT, HOME_QUERY_LIMIT

    scene = _delivered(world)
    client = login(scene.users["assessor"])
    client.post(_base(scene.case) + "reviews/new/", _review_form(scene))
    client.get("/")
    with django_assert_max_num_queries(HOME_QUERY_LIMIT):
        assert "Reviews due" in client.get("/").content.decode()
    client.post(_base(scene.case) + "close/", _close_form(scene))
    client.get(_base(scene.case))  # shows (and so clears) the message it left
    with django_assert_max_num_queries(CASE_QUERY_LIMIT):
        assert "closure letter" in client.get(_base(scene.case)).content.decode()
