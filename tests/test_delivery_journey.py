"""A whole case, from the register check to closure and reopening, through HTTP as six people:
the school's practitioner (the assessor), a police officer (a second agency, who becomes the
lead professional), the CAF coordinator, the forum's chair, the CAF team's manager, and a
practitioner of another council who must see none of it (issue 13's acceptance test).

The assessment's sections are written through the service (tests/assessment_states.write):
filling them in page by page is the browser journey's (tests/e2e/test_assessment_journey.py).
"""

import html
from datetime import timedelta

from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from assessments.models import Assessment
from audit.models import AccessLogEntry
from cases.models import CafCheck, Case, CaseState, PlanAction, PlanActionStatus
from delivery.models import CaseClosure, LeadProposal
from meetings.models import TacMeeting, TacParticipant
from tests.assessment_states import sign, write

TODAY = timezone.localdate()
ALL_TICKED = {"safeguarding": True, "single_agency": True}


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    return client


def _ok(response, *codes):
    assert response.status_code in (codes or (200, 201, 302)), response.content.decode()[:2000]
    return response


def test_a_case_from_the_register_check_to_closure_and_reopening(world, login):
    school, police = world.a.school, world.a.police
    assessor = world.a.users["assessor"]
    officer = world.a.users["police_practitioner"]
    teacher, officer_page = login(assessor), login(officer)
    coordinator = login(world.a.users["coordinator"])
    chair = login(world.a.users["chair"])
    manager = login(world.a.users["caf_manager"])
    outsider = login(world.b.users["police_practitioner"])

    # 1. The practitioner checks the register: no CAF, so the intention is logged.
    check_url = _ok(
        teacher.post(
            "/checks/new/",
            {
                "agency": school.pk,
                "given_name": "Nia",
                "family_name": "Okonkwo-Hart",
                "date_of_birth": "4/10/2016",
            },
        )
    )["Location"]
    check = CafCheck.objects.get(pk=int(check_url.rstrip("/").rsplit("/", 1)[1]))
    _ok(
        teacher.post(
            f"/checks/{check.pk}/new-child/",
            {
                "given_name": "Nia",
                "family_name": "Okonkwo-Hart",
                "date_of_birth": "4/10/2016",
                "gender": "2",
                "ethnicity": "BAFR",
                "address_line_1": "5 Mill Lane",
                "postcode": "NS1 4QQ",
            },
        )
    )
    check.refresh_from_db()
    case = check.case
    case_url = f"/cases/{case.pk}/"

    # 2. Consent: shared with every agency (the police included), recorded by the assessor.
    _ok(
        api(assessor).post(
            f"/api/cases/{case.pk}/consent/",
            {
                "given_by": "parent",
                "giver_name": "Ruth Hart",
                "relationship": "mother",
                "to_undertake": True,
                "to_record": True,
                "share_scope": "all_except",
                "agencies": [],
                "method": "written",
                "signed_name": "Ruth Hart",
                "signed_on": TODAY.isoformat(),
            },
            format="json",
        )
    )
    assert officer_page.get(case_url).status_code == 200

    # 3. The assessment, submitted; the coordinator validates and logs it.
    _ok(api(assessor).post(f"/api/assessments/{case.pk}/begin/"))
    assessment = Assessment.objects.get(case=case)
    write(assessment, assessor)
    sign(assessment, assessor)
    _ok(teacher.post(f"{case_url}assessment/submit/"))
    _ok(
        api(world.a.users["coordinator"]).post(
            f"/api/assessments/{case.pk}/validation/", {"confirmations": ALL_TICKED}, format="json"
        )
    )
    assert Case.objects.get(pk=case.pk).state == CaseState.LOGGED

    # 4. The first TAC: the officer invited, an action requested of the police, the officer
    # proposed as lead professional; held.
    _ok(
        teacher.post(
            f"{case_url}meetings/new/",
            {"scheduled_at": TODAY.strftime("%d/%m/%Y 09:30"), "venue": "Meadow Primary"},
        )
    )
    meeting = TacMeeting.objects.get(case=case)
    meeting_api = f"/api/cases/{case.pk}/meetings/{meeting.pk}/"
    _ok(
        api(assessor).post(
            f"{meeting_api}participants/",
            {"user": officer.pk, "agency": police.pk},
            format="json",
        )
    )
    _ok(
        api(assessor).post(
            f"{meeting_api}record/",
            {
                "revision": meeting.revision,
                "consent_checked": True,
                "confidentiality_agreed": True,
                "lead_professional_proposed": officer.pk,
            },
            format="json",
        )
    )
    _ok(
        api(assessor).post(
            f"{meeting_api}actions/",
            {
                "need": "Nia is anxious on the way to school.",
                "action": "Walk the route with Nia and her mother on two mornings.",
                "due_on": (TODAY + timedelta(days=14)).isoformat(),
                "owner_agency": police.pk,
                "owner_user": officer.pk,
            },
            format="json",
        )
    )
    officer_participant = TacParticipant.objects.get(meeting=meeting, user=officer)
    _ok(
        teacher.post(
            f"{case_url}meetings/{meeting.pk}/hold/",
            {"held_on": TODAY.strftime("%d/%m/%Y"), f"attended_{officer_participant.pk}": "on"},
        )
    )
    assert Case.objects.get(pk=case.pk).state == CaseState.DELIVERY
    # Holding it started version 2 of the assessment: an update, not the case's stage.
    standing = teacher.get(case_url).content.decode()
    assert "The team around the child is working with the family since" in standing
    assert "an updated version of the assessment is being written" in standing
    next_step = standing.split('id="next-step-title"')[1].split("</a>")[0]
    assert "Continue the assessment" not in next_step

    # 5. The officer sees both requests in their worklist, accepts the action and the lead.
    home = officer_page.get("/").content.decode()
    proposal = LeadProposal.objects.get(case=case)
    action = PlanAction.objects.get(case=case)
    assert f"/lead-proposals/{proposal.pk}/" in home
    assert action.status == PlanActionStatus.REQUESTED
    assert outsider.get(f"/lead-proposals/{proposal.pk}/").status_code == 404
    _ok(officer_page.post(f"/plan/actions/{action.pk}/accept/"))
    _ok(officer_page.post(f"/lead-proposals/{proposal.pk}/", {"decision": "accept"}))
    case.refresh_from_db()
    assert (case.lead_professional, case.lead_agency) == (officer, police)
    action.refresh_from_db()
    assert action.status == PlanActionStatus.NOT_STARTED

    # The register check now names the lead professional to call.
    found = login(world.a.users["school_practitioner"]).post(
        "/checks/new/",
        {"agency": school.pk, "given_name": "Nia", "family_name": "Okonkwo-Hart"},
        follow=True,
    )
    assert html.escape(officer.get_full_name()) in found.content.decode()

    # 6. The lead reviews progress at a sign-off TAC and closes the case: needs met.
    _ok(
        officer_page.post(
            f"/plan/actions/{action.pk}/status/",
            {"seen": action.updated_at.isoformat(), "status": "done"},
        )
    )
    review_page = officer_page.get(f"{case_url}reviews/new/").content.decode()
    assert f'name="progress_{action.pk}"' in review_page
    _ok(
        officer_page.post(
            f"{case_url}reviews/new/",
            {
                "held_on": TODAY.strftime("%d/%m/%Y"),
                "meeting": meeting.pk,
                f"progress_{action.pk}": "achieved",
                "needs_met": "Nia walks to school with a friend.",
                "decision": "close",
            },
        )
    )
    _ok(
        officer_page.post(
            f"{case_url}close/",
            {"reason": "needs_met", "meeting": meeting.pk, "note": "All actions done."},
        )
    )
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    # A closed CAF offers no more writing of its update (version 2 made at the TAC).
    assert "Continue the assessment" not in officer_page.get(case_url).content.decode()
    letter = officer_page.get(f"{case_url}closure-letter.pdf")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"

    # 7. A month later a concern comes back: the coordinator reopens it without a new
    # assessment.
    _ok(coordinator.post(f"{case_url}reopen/", {"reason": "School reports new worries."}))
    case.refresh_from_db()
    assert case.state == CaseState.DELIVERY
    assert CaseClosure.objects.get(case=case).reopened_on == TODAY
    assert Assessment.objects.filter(case=case).count() == 1

    # 8. The chair sees the case as the CAF team does; the manager reads who saw what.
    assert chair.get(case_url).status_code == 200
    assert AccessLogEntry.objects.filter(case_id=case.pk, user=officer).exists()
    audit = manager.get("/audit/", {"case": case.pk})
    assert audit.status_code == 200

    # 9. Another council sees none of it, on any surface.
    for url in (
        case_url,
        f"{case_url}plan/",
        f"{case_url}lead/",
        f"{case_url}reviews/",
        f"{case_url}closure-letter.pdf",
        f"/plan/actions/{action.pk}/",
        f"/api/cases/{case.pk}/",
        f"/api/cases/{case.pk}/plan/",
    ):
        assert outsider.get(url).status_code == 404, url
