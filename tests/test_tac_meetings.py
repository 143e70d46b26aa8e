"""Team-around-the-child meetings of a case (R-TAC-1..2, R-LP-1, R-ASSESS-7, R-PLAN-2,
R-AUDIT-4): who arranges and changes them, who may be invited, the record with its
revisions, apologies with written updates, holding (a new assessment version), the first TAC
due date, the PDFs, the API, and every meeting route walked as every role."""

import io
from datetime import date, timedelta
from html import escape
from types import SimpleNamespace

import pytest
from django.utils import timezone
from knox.models import AuthToken
from pypdf import PdfReader
from rest_framework.test import APIClient

from agencies.models import AgencyKind, Role
from assessments.models import Assessment, AssessmentState, VersionReason
from assessments.services import assessment_begin
from assessments.services.validation import assessment_submit, assessment_validate
from audit.models import AccessAction, AccessLogEntry
from cases.models import Case, CaseState, PlanActionStatus
from meetings.models import MeetingState, ParticipantResponse, TacMeeting
from meetings.selectors import first_tac_due_for
from meetings.services import MeetingError
from meetings.services.tac import (
    StaleRevision,
    tac_action_agree,
    tac_convene,
    tac_hold,
    tac_participant_invite,
    tac_participant_respond,
    tac_record,
    too_many_services_warning,
)
from tests.assessment_states import consented_case, sign, write
from tests.factories import make_agency, make_staff
from tests.test_access_oracle import changes, sees

NEXT_WEEK = timezone.now() + timedelta(days=7)
TODAY = timezone.localdate()


def api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def begun_case(world, name="Begun", *, excluded=()):
    """Consent to share with every agency but ``excluded``; the assessment begun."""
    case = consented_case(world, name, excluded=excluded)
    assessment_begin(case=case, by=world.a.users["assessor"])
    return Case.objects.get(pk=case.pk)


def logged_case(world, name="Logged", *, excluded=()):
    """The assessment written, signed, submitted and logged by the CAF team."""
    case = begun_case(world, name, excluded=excluded)
    assessor = world.a.users["assessor"]
    assessment = Assessment.objects.get(case=case)
    write(assessment, assessor)
    sign(assessment, assessor)
    assessment_submit(assessment=assessment, by=assessor)
    assessment_validate(
        assessment=Assessment.objects.get(pk=assessment.pk),
        by=world.a.users["coordinator"],
        confirmations={"safeguarding": True, "single_agency": True},
    )
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.LOGGED
    return case


def convene(world, case, by=None):
    return tac_convene(
        case=case,
        by=by or world.a.users["assessor"],
        scheduled_at=NEXT_WEEK,
        venue="Meadow Primary, family room",
        purpose="Mornings and attendance",
    )


def invite_police(world, meeting):
    return tac_participant_invite(
        meeting=meeting,
        by=world.a.users["assessor"],
        user=world.a.users["police_practitioner"],
        agency=world.a.police,
    )


def base(case, meeting) -> str:
    return f"/cases/{case.pk}/meetings/{meeting.pk}/"


def pages_of(response) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


# --- Arranging a meeting ----------------------------------------------------------------------


def test_the_assessor_arranges_a_meeting_once_the_assessment_has_begun(world, login):
    case = begun_case(world)
    client = login(world.a.users["assessor"])

    response = client.post(
        f"/cases/{case.pk}/meetings/new/",
        {"scheduled_at": NEXT_WEEK.strftime("%d/%m/%Y %H:%M"), "venue": "Meadow Primary"},
    )

    meeting = TacMeeting.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == base(case, meeting)
    assert (meeting.convened_by, meeting.convened_by_agency) == (
        world.a.users["assessor"],
        world.a.school,
    )
    assert meeting.state == MeetingState.PLANNED


def test_a_meeting_cannot_be_arranged_before_the_assessment_begins(world):
    case = consented_case(world, "Unbegun")

    with pytest.raises(MeetingError, match="assessment has not started"):
        convene(world, case)


def test_a_colleague_of_the_assessor_who_is_not_lead_professional_cannot_arrange_one(world, login):
    case = begun_case(world)

    with pytest.raises(MeetingError, match="Only the assessor"):
        convene(world, case, by=world.a.users["school_practitioner"])
    client = login(world.a.users["school_practitioner"])
    assert client.get(f"/cases/{case.pk}/meetings/new/").status_code == 404


def test_the_caf_team_can_arrange_a_meeting(world):
    case = begun_case(world)

    meeting = convene(world, case, by=world.a.users["coordinator"])

    assert meeting.convened_by_agency == world.a.caf_team


def test_bad_input_to_arrange_a_meeting_is_a_field_error_with_the_text_kept(world, login):
    case = begun_case(world)
    client = login(world.a.users["assessor"])

    response = client.post(
        f"/cases/{case.pk}/meetings/new/",
        {"scheduled_at": "31/02/2027 25:00", "venue": "x" * 201, "purpose": "Keep this text"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter the date and time as day/month/year" in page
    assert "Enter no more than 200 characters" in page
    assert "Keep this text" in page
    assert not TacMeeting.objects.exists()


# --- Invitations ------------------------------------------------------------------------------


def test_an_agency_the_family_excluded_cannot_be_invited_and_is_named(world):
    case = begun_case(world, excluded=[world.a.police])
    meeting = convene(world, case)

    with pytest.raises(MeetingError, match=f"{world.a.police.name} cannot be invited") as error:
        invite_police(world, meeting)

    assert error.value.field == "agency"
    assert not meeting.participants.exists()


def test_the_invite_page_offers_only_agencies_the_family_agreed_to(world, login):
    case = begun_case(world, excluded=[world.a.police])
    meeting = convene(world, case)

    page = login(world.a.users["assessor"]).get(base(case, meeting) + "invite/").content.decode()

    assert escape(world.a.users["school_practitioner"].get_full_name()) in page
    assert world.a.police.name not in page


def test_an_excluded_agency_sees_neither_the_meeting_nor_its_pdfs(world, login):
    case = begun_case(world, excluded=[world.a.police])
    meeting = convene(world, case)
    client = login(world.a.users["police_practitioner"])

    for suffix in ("", "agenda.pdf", "minutes.pdf", "record/", "respond/"):
        assert client.get(base(case, meeting) + suffix).status_code == 404, suffix
    assert client.get(f"/cases/{case.pk}/meetings/").status_code == 404
    assert (
        api(world.a.users["police_practitioner"])
        .get(f"/api/cases/{case.pk}/meetings/{meeting.pk}/")
        .status_code
        == 404
    )


def test_a_practitioner_is_invited_only_as_a_member_of_their_agency(world):
    case = begun_case(world)
    meeting = convene(world, case)

    with pytest.raises(MeetingError, match="Choose a practitioner of") as error:
        tac_participant_invite(
            meeting=meeting,
            by=world.a.users["assessor"],
            user=world.a.users["school_practitioner"],
            agency=world.a.police,
        )
    assert error.value.field == "user"


def test_a_family_member_is_invited_by_name_and_relationship_not_as_a_user(world):
    case = begun_case(world)
    meeting = convene(world, case)

    participant = tac_participant_invite(
        meeting=meeting, by=world.a.users["assessor"], name="Pat Parent", relationship="mother"
    )

    assert (participant.kind, participant.user, participant.name) == ("family", None, "Pat Parent")


def test_more_than_six_services_is_a_warning_not_a_refusal(world):
    extra = [make_agency(world.a.tenant, f"Service {n}", AgencyKind.GP) for n in range(6)]
    people = [make_staff(world.a.tenant, [(agency, Role.PRACTITIONER)]) for agency in extra]
    case = begun_case(world)
    meeting = convene(world, case)
    invite_police(world, meeting)
    for person, agency in zip(people, extra, strict=True):
        tac_participant_invite(
            meeting=meeting, by=world.a.users["assessor"], user=person, agency=agency
        )

    assert meeting.participants.count() == 7
    assert "7 services are invited" in too_many_services_warning(meeting)


# --- Answering the invitation -----------------------------------------------------------------


def test_apologies_come_with_a_written_update_shown_on_the_meeting(world, login):
    case = begun_case(world)
    meeting = convene(world, case)
    invite_police(world, meeting)
    client = login(world.a.users["police_practitioner"])

    refused = client.post(base(case, meeting) + "respond/", {"response": "apologies"})
    assert refused.status_code == 200
    assert "Write an update on your actions" in refused.content.decode()

    response = client.post(
        base(case, meeting) + "respond/",
        {"response": "apologies", "written_update": "Patrol visits done twice a week."},
    )
    assert response.status_code == 302
    participant = meeting.participants.get()
    assert participant.response == ParticipantResponse.APOLOGIES
    page = login(world.a.users["assessor"]).get(base(case, meeting)).content.decode()
    assert "Patrol visits done twice a week." in page


def test_only_the_invited_practitioner_answers_their_invitation(world, login):
    case = begun_case(world)
    meeting = convene(world, case)
    participant = invite_police(world, meeting)

    with pytest.raises(MeetingError):
        tac_participant_respond(
            participant=participant, by=world.a.users["assessor"], response="attending"
        )
    assert login(world.a.users["assessor"]).get(base(case, meeting) + "respond/").status_code == 404


# --- The record -------------------------------------------------------------------------------


def test_a_stale_revision_saves_nothing_and_shows_the_users_text_again(world, login):
    case = begun_case(world)
    meeting = convene(world, case)
    first = login(world.a.users["assessor"])
    second = login(world.a.users["coordinator"])
    url = base(case, meeting) + "record/"
    first.get(url)
    second.get(url)

    saved = first.post(url, {"revision": "1", "development_notes": "Saved first."})
    assert saved.status_code == 302
    stale = second.post(url, {"revision": "1", "development_notes": "Typed second, kept."})

    assert stale.status_code == 200
    page = stale.content.decode()
    assert "Someone else saved this record" in page
    assert "Typed second, kept." in page  # the user's own text, in the form
    assert "Saved first." in page  # and what is saved now, beside it
    assert 'name="revision" value="2"' in page
    meeting.refresh_from_db()
    assert meeting.development_notes == "Saved first."


def test_tac_record_refuses_an_older_revision(world):
    case = begun_case(world)
    meeting = convene(world, case)
    tac_record(meeting=meeting, by=world.a.users["assessor"], revision=1, purpose="One")

    with pytest.raises(StaleRevision) as error:
        tac_record(meeting=meeting, by=world.a.users["assessor"], revision=1, purpose="Two")

    assert error.value.current.purpose == "One"


def test_the_lead_professional_proposed_is_an_invited_practitioner(world):
    case = begun_case(world)
    meeting = convene(world, case)

    with pytest.raises(MeetingError, match="Propose a practitioner invited"):
        tac_record(
            meeting=meeting,
            by=world.a.users["assessor"],
            revision=1,
            lead_professional_proposed=world.a.users["police_practitioner"],
        )
    invite_police(world, meeting)
    meeting = tac_record(
        meeting=meeting,
        by=world.a.users["assessor"],
        revision=1,
        lead_professional_proposed=world.a.users["police_practitioner"],
    )
    assert meeting.lead_professional_proposed == world.a.users["police_practitioner"]
    # Proposed only: the case's lead professional is agreed with their acceptance (R-LP-1).
    assert Case.objects.get(pk=case.pk).lead_professional is None


# --- Actions ----------------------------------------------------------------------------------


def test_an_action_for_another_agency_is_requested_and_one_for_the_conveners_is_not(world):
    case = begun_case(world)
    meeting = convene(world, case)
    agreed = {
        "meeting": meeting,
        "by": world.a.users["assessor"],
        "need": "Late most mornings",
        "due_on": TODAY + timedelta(days=30),
    }

    police = tac_action_agree(**agreed, action="Safer routes talk", owner_agency=world.a.police)
    school = tac_action_agree(
        **agreed,
        action="Breakfast club place",
        owner_agency=world.a.school,
        owner_user=world.a.users["school_practitioner"],
    )
    family = tac_action_agree(**agreed, action="Alarm clock", owner_family_member="Pat Parent")

    assert police.status == PlanActionStatus.REQUESTED
    assert school.status == PlanActionStatus.NOT_STARTED
    assert family.status == PlanActionStatus.NOT_STARTED
    assert set(meeting.actions.all()) == {police, school, family}


def test_an_action_cannot_be_given_to_an_excluded_agency(world):
    case = begun_case(world, excluded=[world.a.police])
    meeting = convene(world, case)

    with pytest.raises(MeetingError, match="cannot be given an action"):
        tac_action_agree(
            meeting=meeting,
            by=world.a.users["assessor"],
            need="Need",
            action="Action",
            owner_agency=world.a.police,
            due_on=TODAY,
        )


# --- Holding the meeting ----------------------------------------------------------------------


def test_holding_a_meeting_makes_a_new_assessment_version_and_starts_the_team_around_the_child(
    world, login
):
    case = logged_case(world)
    meeting = convene(world, case)
    participant = invite_police(world, meeting)
    family = tac_participant_invite(
        meeting=meeting, by=world.a.users["assessor"], name="Pat Parent", relationship="mother"
    )

    response = login(world.a.users["assessor"]).post(
        base(case, meeting) + "hold/",
        {"held_on": TODAY.strftime("%d/%m/%Y"), f"attended_{participant.pk}": "on"},
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assessment = Assessment.objects.get(case=case)
    latest = assessment.versions.order_by("-number").first()
    assert meeting.state == MeetingState.HELD and meeting.held_on == TODAY
    assert (latest.number, latest.reason) == (2, VersionReason.TAC)
    assert meeting.assessment_version == latest
    assert assessment.state == AssessmentState.IN_PROGRESS
    assert Case.objects.get(pk=case.pk).state == CaseState.DELIVERY
    participant.refresh_from_db()
    family.refresh_from_db()
    assert (participant.attended, family.attended) == (True, False)


def test_a_meeting_is_not_held_while_the_assessment_is_still_being_written(world, login):
    case = begun_case(world)
    meeting = convene(world, case)

    response = login(world.a.users["assessor"]).post(
        base(case, meeting) + "hold/", {"held_on": TODAY.strftime("%d/%m/%Y")}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot be recorded as held" in page
    assert "sign it off before making a new version" in page
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PLANNED
    assert Assessment.objects.get(case=case).versions.count() == 1


def test_a_meeting_cannot_be_held_in_the_future(world):
    case = logged_case(world)
    meeting = convene(world, case)

    with pytest.raises(MeetingError) as error:
        tac_hold(
            meeting=meeting,
            by=world.a.users["assessor"],
            held_on=TODAY + timedelta(days=1),
            attendance={},
        )
    assert error.value.field == "held_on"


# --- The first TAC due date -------------------------------------------------------------------


def _signed_on(world, monkeypatch, case, day: date) -> Case:
    """Sign the assessment off as if on ``day`` (the service dates completion today)."""
    from assessments.services import sign_off

    real = sign_off.timezone
    monkeypatch.setattr(
        sign_off,
        "timezone",
        SimpleNamespace(localdate=lambda: day, localtime=real.localtime, now=real.now),
    )
    assessment = Assessment.objects.get(case=case)
    write(assessment, world.a.users["assessor"])
    sign(assessment, world.a.users["assessor"])
    monkeypatch.setattr(sign_off, "timezone", real)
    return Case.objects.get(pk=case.pk)


def test_the_first_tac_is_due_20_working_days_after_completion_across_a_bank_holiday(
    world, login, monkeypatch
):
    # Completed Thursday 20 August 2026; Monday 31 August is the summer bank holiday.
    case = _signed_on(world, monkeypatch, begun_case(world), date(2026, 8, 20))

    assert case.assessment_completed_on == date(2026, 8, 20)
    assert first_tac_due_for(case) == date(2026, 9, 18)
    page = login(world.a.users["assessor"]).get(f"/cases/{case.pk}/").content.decode()
    assert "First TAC meeting due by 18 September 2026" in page
    home = login(world.a.users["assessor"]).get("/").content.decode()
    assert "First TAC meeting due by 18 September 2026" in home


def test_the_first_tac_is_no_longer_due_once_a_meeting_is_held(world):
    case = logged_case(world)
    assert first_tac_due_for(case) is not None
    meeting = convene(world, case)
    tac_hold(meeting=meeting, by=world.a.users["assessor"], held_on=TODAY, attendance={})

    assert first_tac_due_for(Case.objects.get(pk=case.pk)) is None


def test_the_case_page_lists_its_meetings_and_offers_to_arrange_one_to_those_who_may(world, login):
    case = begun_case(world)
    convene(world, case)

    assessor_page = login(world.a.users["assessor"]).get(f"/cases/{case.pk}/").content.decode()
    colleague_page = (
        login(world.a.users["school_practitioner"]).get(f"/cases/{case.pk}/").content.decode()
    )

    assert "Meadow Primary, family room" in assessor_page
    assert "Arrange a TAC meeting" in assessor_page
    assert "Meadow Primary, family room" in colleague_page
    assert "Arrange a TAC meeting" not in colleague_page


# --- PDFs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["agenda", "minutes"])
def test_the_pdf_is_marked_official_sensitive_with_the_printer_on_every_page(world, login, kind):
    case = begun_case(world)
    meeting = convene(world, case)
    participant = invite_police(world, meeting)
    tac_participant_respond(
        participant=participant,
        by=world.a.users["police_practitioner"],
        response="apologies",
        written_update="Update line. " * 300,  # long enough for several pages
    )
    tac_record(
        meeting=meeting,
        by=world.a.users["assessor"],
        revision=1,
        development_notes="Reading well.\n" * 80,
    )
    printer = world.a.users["school_practitioner"]

    response = login(printer).get(base(case, meeting) + f"{kind}.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = pages_of(response)
    if kind == "minutes":
        assert len(pages) > 1
    for page in pages:
        assert "OFFICIAL-SENSITIVE" in page
        assert f"Printed by {printer.get_full_name()}" in page
    text = " ".join(" ".join(pages).split())
    assert "Meadow Primary, family room" in text
    assert world.a.users["police_practitioner"].get_full_name() in text
    if kind == "agenda":
        assert "Welcome and introductions" in text and "the lead professional" in text
    else:
        assert "Update line." in text and "Reading well." in text
    assert AccessLogEntry.objects.filter(
        action=AccessAction.PRINT, case_id=case.pk, user=printer
    ).exists()


# --- The API ----------------------------------------------------------------------------------


def test_the_api_arranges_invites_and_holds_through_the_same_services(world):
    case = logged_case(world)
    client = api(world.a.users["assessor"])

    created = client.post(
        f"/api/cases/{case.pk}/meetings/",
        {"scheduled_at": NEXT_WEEK.isoformat(), "venue": "Meadow Primary"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    meeting_id = created.json()["id"]
    url = f"/api/cases/{case.pk}/meetings/{meeting_id}/"
    invited = client.post(
        url + "participants/",
        {"user": world.a.users["police_practitioner"].pk, "agency": world.a.police.pk},
        format="json",
    )
    assert invited.status_code == 201, invited.json()
    held = client.post(
        url + "hold/",
        {"held_on": TODAY.isoformat(), "attended": [invited.json()["id"]]},
        format="json",
    )

    assert held.status_code == 200, held.json()
    assert held.json()["state"] == "held"
    assert held.json()["assessment_version"] == 2
    assert held.json()["participants"][0]["attended"] is True
    listed = client.get(f"/api/cases/{case.pk}/meetings/").json()
    assert listed["first_tac_due"] is None and len(listed["meetings"]) == 1


def test_the_api_refuses_an_excluded_agency_with_a_field_error(world):
    case = begun_case(world, excluded=[world.a.police])
    meeting = convene(world, case)

    response = api(world.a.users["assessor"]).post(
        f"/api/cases/{case.pk}/meetings/{meeting.pk}/participants/",
        {"user": world.a.users["police_practitioner"].pk, "agency": world.a.police.pk},
        format="json",
    )

    assert response.status_code == 400
    assert "cannot be invited" in response.json()["agency"][0]


@pytest.mark.parametrize(
    ("suffix", "body", "field"),
    [
        ("record/", {"revision": "x"}, "revision"),
        ("record/", {"revision": 1, "purpose": 5}, "purpose"),
        ("record/", {"revision": 1, "chaired_by": "x" * 201}, "chaired_by"),
        ("hold/", {"held_on": "yesterday", "attended": []}, "held_on"),
        ("hold/", {"held_on": TODAY.isoformat(), "attended": [99999999]}, "attended"),
        ("actions/", {"need": "n", "action": "a", "due_on": TODAY.isoformat()}, "owner_agency"),
        ("cancel/", {}, "reason"),
    ],
)
def test_bad_api_input_is_a_400_naming_the_field(world, suffix, body, field):
    case = begun_case(world)
    meeting = convene(world, case)

    response = api(world.a.users["assessor"]).post(
        f"/api/cases/{case.pk}/meetings/{meeting.pk}/{suffix}", body, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()


def test_a_stale_revision_over_the_api_is_a_400_and_saves_nothing(world):
    case = begun_case(world)
    meeting = convene(world, case)
    client = api(world.a.users["assessor"])
    url = f"/api/cases/{case.pk}/meetings/{meeting.pk}/record/"
    assert client.post(url, {"revision": 1, "purpose": "A"}, format="json").status_code == 200

    response = client.post(url, {"revision": 1, "purpose": "B"}, format="json")

    assert response.status_code == 400 and "revision" in response.json()
    meeting.refresh_from_db()
    assert meeting.purpose == "A"


# --- Every meeting route, as every role -------------------------------------------------------

# name -> (suffix, methods, who may)
MEETING_ROUTES = {
    "meetings:detail": ("", ["get"], "sees"),
    "meetings:agenda_pdf": ("agenda.pdf", ["get"], "sees"),
    "meetings:minutes_pdf": ("minutes.pdf", ["get"], "sees"),
    "meetings:record": ("record/", ["get", "post"], "changes"),
    "meetings:invite": ("invite/", ["get", "post"], "changes"),
    "meetings:action": ("actions/", ["get", "post"], "changes"),
    "meetings:hold": ("hold/", ["get", "post"], "changes"),
    "meetings:cancel": ("cancel/", ["get", "post"], "changes"),
    "meetings:respond": ("respond/", ["get", "post"], "invited"),
    "meetings:api-detail": ("", ["get"], "sees"),
    "meetings:api-record": ("record/", ["post"], "changes"),
    "meetings:api-invite": ("participants/", ["post"], "changes"),
    "meetings:api-action": ("actions/", ["post"], "changes"),
    "meetings:api-hold": ("hold/", ["post"], "changes"),
    "meetings:api-cancel": ("cancel/", ["post"], "changes"),
    "meetings:api-respond": ("respond/", ["post"], "invited"),
}


def test_every_meeting_route_is_walked_here():
    from tests.test_access_oracle import ROUTES

    assert {n for n, (kind, _, _) in ROUTES.items() if kind == "meeting"} == set(MEETING_ROUTES)


def test_every_meeting_route_answers_each_role_by_the_rules_and_others_get_404(world, login):
    case = begun_case(world)
    meeting = convene(world, case)
    invite_police(world, meeting)
    other = begun_case(world, "Other")
    missing = TacMeeting(pk=99999999)
    users = {f"a.{n}": u for n, u in world.a.users.items()}
    users.update({f"b.{n}": world.b.users[n] for n in ("coordinator", "assessor", "caf_manager")})
    rules = {
        "sees": lambda user: sees(user, case),
        "changes": lambda user: changes(user, case),
        "invited": lambda user: user == world.a.users["police_practitioner"],
    }
    problems = []
    for label, user in users.items():
        client = login(user)
        for name, (suffix, methods, rule) in MEETING_ROUTES.items():
            prefix = "/api" if "api-" in name else ""
            for method in methods:
                allowed = rules[rule](user)
                url = f"{prefix}{base(case, meeting)}{suffix}"
                status = getattr(client, method)(url, {}).status_code
                if status >= 500 or (status == 404) == allowed:
                    problems.append(f"{label} {method} {name} -> {status}")
                # The meeting under another case, and one that does not exist: 404 alike.
                for wrong in (
                    f"{prefix}{base(other, meeting)}{suffix}",
                    f"{prefix}{base(case, missing)}{suffix}",
                ):
                    if getattr(client, method)(wrong, {}).status_code != 404:
                        problems.append(f"{label} {method} {name} {wrong}: not 404")
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.PLANNED  # empty posts changed nothing
    assert problems == []


# --- Audit and cancelling ---------------------------------------------------------------------


def test_each_change_is_audited_as_the_user_for_their_agency(world):
    from django.contrib.contenttypes.models import ContentType

    from audit.models import ChangeLogEntry

    case = begun_case(world)
    meeting = convene(world, case, by=world.a.users["coordinator"])
    participant = invite_police(world, meeting)
    tac_participant_respond(
        participant=participant, by=world.a.users["police_practitioner"], response="attending"
    )

    def entries(model):
        return ChangeLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), case_id=case.pk
        )

    created = entries(TacMeeting).get()
    assert (created.actor, created.agency_id) == (world.a.users["coordinator"], world.a.caf_team.pk)
    answered = entries(type(participant)).order_by("timestamp").last()
    assert (answered.actor, answered.agency_id) == (
        world.a.users["police_practitioner"],
        world.a.police.pk,
    )


def test_a_cancelled_meeting_keeps_its_reason_and_can_no_longer_be_held(world, login):
    case = logged_case(world)
    meeting = convene(world, case)
    client = login(world.a.users["assessor"])

    assert client.post(base(case, meeting) + "cancel/", {"reason": ""}).status_code == 200
    response = client.post(base(case, meeting) + "cancel/", {"reason": "Family moved away."})

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.state, meeting.cancelled_reason) == ("cancelled", "Family moved away.")
    with pytest.raises(MeetingError, match="was cancelled"):
        tac_hold(meeting=meeting, by=world.a.users["assessor"], held_on=TODAY, attendance={})
