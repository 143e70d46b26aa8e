"""The forum itself and what follows it (R-MAF-5, R-MAF-6, R-LP-1, R-PLAN-2, R-AUDIT-3..4):
the statement, attendance, the presenter's summary, what is agreed for each case, heard, the
minutes, circulation of the action plans, lessons learned, the PDFs and who may reach what."""

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from pypdf import PdfReader
from rest_framework.test import APIClient

from assessments.models import Assessment
from assessments.selectors import current_version
from assessments.services import assessment_begin
from assessments.services.sections import section_save
from assessments.services.validation import assessment_submit, assessment_validate
from audit.models import AccessAction, AccessLogEntry
from cafsite.errors import CafError
from cases.models import Child, PlanActionStatus
from consent.models import Consent
from meetings.models import (
    ForumInvitation,
    ForumState,
    Nomination,
    NominationKind,
    NominationState,
)
from meetings.services import MeetingError
from meetings.services import forum_day as day
from meetings.services.forum_day import (
    action_plans_circulate,
    confidentiality_statement_read,
    forum_attendance_record,
    forum_case_action_agree,
    forum_case_heard,
    forum_case_record,
    forum_close,
    forum_minutes_save,
    lessons_record,
    presenter_summary_draft,
    presenter_summary_save,
)
from meetings.services.forums import core_member_add
from meetings.services.nominations import nomination_create
from meetings.services.tac import tac_convene, tac_participant_invite
from referrals.models import Task, TaskKind
from tests.assessment_states import consented_case, section_data, sign, write
from tests.forum_states import scheduled_forum

pytestmark = pytest.mark.django_db

NEED = "Late to school most mornings, three days a week"
STRENGTH = "Reads well above her age"


def logged_case(world, family_name: str, *, excluded=()):
    """A logged CAF whose development section records a need and a strength."""
    case = consented_case(world, family_name, excluded=excluded)
    assessor = world.a.users["assessor"]
    assessment = assessment_begin(case=case, by=assessor)
    write(assessment, assessor)
    version = current_version(assessment)
    data = section_data(version, "development")
    first, second = list(data)[:2]
    for code, kind, text in ((first, "need", NEED), (second, "strength", STRENGTH)):
        data[code] = {
            "finding": "recorded",
            "statements": [
                {"kind": kind, "text": text, "whose": "Class teacher", "nature": "observation"}
            ],
        }
    section_save(
        version=version,
        key="development",
        data=data,
        base_revision=version.sections.get(key="development").revision,
        completed=True,
        by=assessor,
    )
    sign(assessment, assessor)
    assessment_submit(assessment=assessment, by=assessor)
    assessment_validate(
        assessment=Assessment.objects.get(pk=assessment.pk),
        by=world.a.users["coordinator"],
        confirmations={"safeguarding": True, "single_agency": True},
    )
    return case


@dataclass
class Day:
    forum: object
    session: object
    nomination: Nomination
    hidden: Nomination  # a case whose family did not agree to share with the police
    invitation: ForumInvitation


@pytest.fixture
def forum_day(world, monkeypatch) -> Day:
    forum, session = scheduled_forum(world)
    assessor = world.a.users["assessor"]
    nomination = nomination_create(
        session=session,
        case=logged_case(world, "Shared"),
        by=assessor,
        kind=NominationKind.NEW,
        reason="Ideas for mornings",
        attendees=[(world.a.police, world.a.users["police_practitioner"])],
    )
    hidden = nomination_create(
        session=session,
        case=logged_case(world, "Hiddenchild", excluded=[world.a.police]),
        by=assessor,
        kind=NominationKind.NEW,
    )
    # A core member of the season is invited by the invitations work; the forum day ticks it.
    core_member_add(
        season=forum.season,
        by=world.a.users["coordinator"],
        user=world.a.users["police_practitioner"],
        agency=world.a.police,
    )
    invitation = ForumInvitation.objects.get(forum=forum, user=world.a.users["police_practitioner"])
    monkeypatch.setattr(day, "today", lambda: forum.held_on)
    return Day(forum, session, nomination, hidden, invitation)


def _read(day_):
    return confidentiality_statement_read(forum=day_.forum, by=day_.forum.chair)


def _record(world, nomination, by=None, **changes):
    nomination.refresh_from_db()
    fields = {
        "needs": "Mornings; reading support",
        "services": "School nurse; attendance officer",
        "lead_professional_proposed": world.a.users["assessor"],
        "review_on": nomination.session.forum.held_on + timedelta(days=60),
        "anonymised_summary": "Year 5 girl, late most mornings; reading a strength.",
        **changes,
    }
    return forum_case_record(
        nomination=nomination,
        by=by or world.a.users["coordinator"],
        revision=nomination.revision,
        **fields,
    )


def _hear(world, nomination):
    _record(world, nomination)
    return forum_case_heard(nomination=nomination, by=world.a.users["chair"])


def _held(world, day_):
    """Statement read, both cases recorded and heard, forum closed."""
    _read(day_)
    _hear(world, day_.nomination)
    _hear(world, day_.hidden)
    return forum_close(forum=day_.forum, by=world.a.users["coordinator"])


def api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def pages_of(response) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


# --- The statement and the attendance ------------------------------------------------------------


def test_a_case_is_not_heard_before_the_statement_is_read(world, forum_day):
    with pytest.raises(MeetingError, match="confidentiality statement"):
        _record(world, forum_day.nomination)
    _read(forum_day)
    heard = _hear(world, forum_day.nomination)
    assert heard.state == NominationState.HEARD


def test_the_statement_is_read_on_the_day_only(world, forum_day, monkeypatch):
    monkeypatch.setattr(day, "today", lambda: forum_day.forum.held_on - timedelta(days=1))
    with pytest.raises(MeetingError, match="on the day|on \\d"):
        _read(forum_day)


def test_only_the_chair_or_a_coordinator_reads_the_statement(world, forum_day):
    with pytest.raises(MeetingError):
        confidentiality_statement_read(forum=forum_day.forum, by=world.a.users["assessor"])
    read = confidentiality_statement_read(forum=forum_day.forum, by=world.a.users["coordinator"])
    assert read.confidentiality_read_at is not None


def test_a_case_is_heard_only_with_its_lead_professional_and_review_date(world, forum_day):
    _read(forum_day)
    _record(world, forum_day.nomination, lead_professional_proposed=None)
    with pytest.raises(MeetingError, match="lead professional"):
        forum_case_heard(nomination=forum_day.nomination, by=world.a.users["chair"])


def test_attendance_is_ticked_on_the_invitations(world, forum_day):
    forum_attendance_record(
        forum=forum_day.forum,
        by=world.a.users["chair"],
        attended={forum_day.invitation.pk: True},
        deputies_attended={},
    )
    forum_day.invitation.refresh_from_db()
    assert forum_day.invitation.attended is True


def test_attendance_refuses_an_invitation_of_another_forum(world, forum_day):
    with pytest.raises(MeetingError):
        forum_attendance_record(
            forum=forum_day.forum,
            by=world.a.users["chair"],
            attended={99999999: True},
            deputies_attended={},
        )


# --- The presenter's summary ---------------------------------------------------------------------


def test_the_summary_is_drafted_from_the_logged_caf(world, forum_day):
    draft = presenter_summary_draft(forum_day.nomination)
    assert NEED in draft["needs"]["development"]
    assert STRENGTH in draft["strengths"]["development"]
    assert world.a.school.name in draft["school_and_year"]
    assert "Year" in draft["school_and_year"]
    assert draft["asks"] == "Ideas for mornings"
    # Name and date of birth come from the case, never stored in the summary.
    assert "Shared" not in str(draft)


def test_only_the_presenter_edits_the_summary(world, forum_day):
    nomination = forum_day.nomination
    summary = presenter_summary_draft(nomination)
    for other in ("coordinator", "school_practitioner", "chair"):
        with pytest.raises(MeetingError):
            presenter_summary_save(
                nomination=nomination,
                by=world.a.users[other],
                revision=nomination.revision,
                summary=summary,
            )
    saved = presenter_summary_save(
        nomination=nomination,
        by=world.a.users["assessor"],
        revision=nomination.revision,
        summary={**summary, "actions_tried": "A morning club"},
    )
    assert saved.presenter_summary["actions_tried"] == "A morning club"


def test_a_stale_summary_save_is_refused_and_the_page_keeps_the_text(world, forum_day, login):
    nomination = forum_day.nomination
    old_revision = nomination.revision
    presenter_summary_save(
        nomination=nomination,
        by=world.a.users["assessor"],
        revision=old_revision,
        summary=presenter_summary_draft(nomination),
    )
    url = reverse("meetings:presenter_summary", kwargs={"pk": nomination.pk})
    response = login(world.a.users["assessor"]).post(
        url, {"revision": old_revision, "actions_tried": "Typed while someone else saved"}
    )
    assert response.status_code == 400
    assert b"Someone else saved this" in response.content
    assert b"Typed while someone else saved" in response.content
    nomination.refresh_from_db()
    assert "Typed while" not in nomination.presenter_summary["actions_tried"]


def test_the_summary_page_shows_the_child_from_the_case_and_a_reader_cannot_post(
    world, forum_day, login
):
    url = reverse("meetings:presenter_summary", kwargs={"pk": forum_day.nomination.pk})
    client = login(world.a.users["school_practitioner"])
    page = client.get(url)
    assert page.status_code == 200
    assert forum_day.nomination.case.child.family_name.encode() in page.content
    assert NEED.encode() in page.content
    assert client.post(url, {"revision": 1}).status_code == 404


# --- What the forum agrees -----------------------------------------------------------------------


def test_actions_agreed_at_the_forum_go_on_the_plan_and_another_agency_s_is_requested(
    world, forum_day
):
    _read(forum_day)
    nomination = forum_day.nomination
    police = forum_case_action_agree(
        nomination=nomination,
        by=world.a.users["coordinator"],
        need="Mornings",
        outcome="On time four days in five",
        action="PCSO visit",
        owner_agency=world.a.police,
        owner_user=world.a.users["police_practitioner"],
        due_on=forum_day.forum.held_on + timedelta(days=30),
    )
    family = forum_case_action_agree(
        nomination=nomination,
        by=world.a.users["coordinator"],
        need="Mornings",
        outcome="",
        action="Alarm clock",
        owner_family_member="Pat Parent",
        due_on=forum_day.forum.held_on + timedelta(days=7),
    )
    assert police.status == PlanActionStatus.REQUESTED
    assert family.status == PlanActionStatus.NOT_STARTED
    assert set(nomination.actions.all()) == {police, family}
    assert police.case == nomination.case


def test_an_action_cannot_go_to_an_agency_the_family_excluded(world, forum_day):
    _read(forum_day)
    with pytest.raises(CafError, match="not agreed"):
        forum_case_action_agree(
            nomination=forum_day.hidden,
            by=world.a.users["coordinator"],
            need="n",
            outcome="",
            action="a",
            owner_agency=world.a.police,
            due_on=forum_day.forum.held_on + timedelta(days=7),
        )


def test_the_summary_for_the_minutes_names_no_child(world, forum_day):
    _read(forum_day)
    with pytest.raises(MeetingError, match="names a family \\(“Robin”\\)"):
        _record(world, forum_day.nomination, anonymised_summary="Robin is late.")


def test_a_summary_names_no_child_of_another_case_of_the_forum(world, forum_day):
    """The minutes show every case's summary together."""
    _read(forum_day)
    with pytest.raises(MeetingError, match="Hiddenchild"):
        _record(world, forum_day.nomination, anonymised_summary="Like the HIDDENCHILD girl.")


@pytest.mark.parametrize(
    "summary, named",
    [
        ("Mother, pat parent, came along.", "Pat Parent"),  # the parent who consented
        ("Mother (Pat  Parent) came.", "Pat Parent"),
        ("The family live at 1, High Street.", "1 High Street"),
        ("A girl from ns11ab.", "NS1 1AB"),
    ],
)
def test_the_summary_for_the_minutes_names_no_parent_and_no_address(
    world, forum_day, summary, named
):
    _read(forum_day)
    with pytest.raises(MeetingError, match=f"names a family \\(“{named}”\\)"):
        _record(world, forum_day.nomination, anonymised_summary=summary)


@pytest.mark.parametrize(
    "summary",
    [
        "The parent came; a high street job.",  # a surname alone, an address in other words
        "A robin sang: the shared hall was small.",  # the children's names, written as words
        "Mum says mornings are better.",  # a one-word family name at a TAC meeting
        "Mother is White British.",  # a consent signed "A White"
        "Flat 2 miles away; 12 cases heard.",  # address lines with no street word
    ],
)
def test_a_summary_may_use_words_that_are_also_names(world, forum_day, summary):
    _read(forum_day)
    case = forum_day.nomination.case
    Child.objects.filter(pk=case.child_id).update(other_names="known as Jay")
    meeting = tac_convene(
        case=case, by=world.a.users["assessor"], scheduled_at=timezone.now(), venue="School"
    )
    tac_participant_invite(
        meeting=meeting, by=world.a.users["assessor"], name="Mum", relationship="mother"
    )
    Consent.objects.filter(case=case).update(giver_name="A White")
    hidden_child = forum_day.hidden.case.child
    Child.objects.filter(pk=hidden_child.pk).update(address_line_1="Flat 2", postcode="")

    _record(world, forum_day.nomination, anonymised_summary=summary)
    forum_day.nomination.refresh_from_db()
    assert forum_day.nomination.anonymised_summary == summary


def test_the_minutes_name_no_family_member_at_a_tac_meeting(world, forum_day):
    meeting = tac_convene(
        case=forum_day.nomination.case,
        by=world.a.users["assessor"],
        scheduled_at=timezone.now(),
        venue="School",
        purpose="First meeting",
    )
    tac_participant_invite(
        meeting=meeting, by=world.a.users["assessor"], name="Sam Carer", relationship="uncle"
    )
    forum = forum_day.forum
    with pytest.raises(MeetingError, match="names a family \\(“Sam Carer”\\)"):
        forum_minutes_save(
            forum=forum,
            by=world.a.users["coordinator"],
            revision=forum.revision,
            minutes="Sam Carer spoke for the family.",
        )


def test_a_stale_case_record_is_refused(world, forum_day):
    _read(forum_day)
    nomination = forum_day.nomination
    stale = nomination.revision
    _record(world, nomination)
    with pytest.raises(MeetingError, match="Someone else saved"):
        forum_case_record(
            nomination=nomination,
            by=world.a.users["coordinator"],
            revision=stale,
            needs="x",
            services="",
            lead_professional_proposed=None,
            review_on=None,
            anonymised_summary="",
        )


def test_the_lead_professional_proposed_must_see_the_case(world, forum_day):
    _read(forum_day)
    with pytest.raises(MeetingError, match="may see the case"):
        _record(
            world,
            forum_day.hidden,
            lead_professional_proposed=world.a.users["police_practitioner"],
        )


# --- After the forum -----------------------------------------------------------------------------


def test_the_forum_closes_only_when_every_case_is_heard(world, forum_day):
    _read(forum_day)
    _hear(world, forum_day.nomination)
    with pytest.raises(MeetingError, match="still on the agenda"):
        forum_close(forum=forum_day.forum, by=world.a.users["coordinator"])
    _hear(world, forum_day.hidden)
    assert forum_close(forum=forum_day.forum, by=world.a.users["chair"]).state == ForumState.HELD


def test_circulating_gives_everyone_named_a_task_without_case_content(world, forum_day):
    _read(forum_day)
    forum_case_action_agree(
        nomination=forum_day.nomination,
        by=world.a.users["coordinator"],
        need="Mornings",
        outcome="",
        action="PCSO visit",
        owner_agency=world.a.police,
        owner_user=world.a.users["police_practitioner"],
        due_on=forum_day.forum.held_on + timedelta(days=30),
    )
    forum_case_action_agree(
        nomination=forum_day.nomination,
        by=world.a.users["coordinator"],
        need="Reading",
        outcome="",
        action="Reading club",
        owner_agency=world.a.school,
        due_on=forum_day.forum.held_on + timedelta(days=30),
    )
    _hear(world, forum_day.nomination)
    _hear(world, forum_day.hidden)
    forum_close(forum=forum_day.forum, by=world.a.users["coordinator"])
    tasks = action_plans_circulate(forum=forum_day.forum, by=world.a.users["coordinator"])
    case = forum_day.nomination.case
    named = {(t.assigned_to, t.assigned_agency) for t in tasks if t.case == case}
    assert named == {
        (world.a.users["police_practitioner"], world.a.police),
        (None, world.a.school),  # the school's queue: no one named
        (world.a.users["assessor"], world.a.school),  # the lead professional proposed
    }
    for task in tasks:
        assert task.kind == TaskKind.ACTION_PLAN
        child = task.case.child
        for name in (child.given_name, child.family_name, task.case.reference):
            assert name not in task.message
        assert task.link == reverse("meetings:action_plan_pdf", kwargs={"pk": task.case_id})
    # Circulating again adds nothing to open tasks.
    assert action_plans_circulate(forum=forum_day.forum, by=world.a.users["coordinator"]) == []
    assert Task.objects.filter(kind=TaskKind.ACTION_PLAN).count() == len(tasks)


def test_circulating_waits_for_the_forum_to_be_held(world, forum_day):
    with pytest.raises(MeetingError, match="held"):
        action_plans_circulate(forum=forum_day.forum, by=world.a.users["coordinator"])


def test_minutes_are_the_coordinator_s_and_keep_to_their_revision(world, forum_day):
    forum = forum_day.forum
    with pytest.raises(MeetingError):
        forum_minutes_save(
            forum=forum, by=world.a.users["assessor"], revision=forum.revision, minutes="x"
        )
    saved = forum_minutes_save(
        forum=forum, by=world.a.users["coordinator"], revision=forum.revision, minutes="Ran well"
    )
    with pytest.raises(MeetingError, match="Someone else saved"):
        forum_minutes_save(
            forum=forum, by=world.a.users["coordinator"], revision=saved.revision - 1, minutes="y"
        )


def test_lessons_are_recorded_by_the_coordinator_after_the_forum(world, forum_day):
    coordinator = world.a.users["coordinator"]
    with pytest.raises(MeetingError, match="held"):
        lessons_record(
            forum=forum_day.forum,
            by=coordinator,
            revision=forum_day.forum.revision,
            case_numbers="Too many",
            services_invited="",
            invitees_equipped="",
            place_and_time="",
        )
    forum = _held(world, forum_day)
    recorded = lessons_record(
        forum=forum,
        by=coordinator,
        revision=forum.revision,
        case_numbers="Two cases fitted the hour",
        services_invited="Health was missing",
        invitees_equipped="Yes",
        place_and_time="Yes",
    )
    assert recorded.lesson_services_invited == "Health was missing"
    assert recorded.lessons_recorded_by == coordinator
    # Lessons outlive the cases (a purge keeps the forum): they name no family.
    with pytest.raises(MeetingError, match="names a family") as refused:
        lessons_record(
            forum=forum,
            by=coordinator,
            revision=recorded.revision,
            case_numbers="",
            services_invited="Robin's school nurse was missing",
            invitees_equipped="",
            place_and_time="",
        )
    assert refused.value.field == "services_invited"


# --- PDFs ----------------------------------------------------------------------------------------


def test_the_minutes_pdf_for_an_excluded_agency_lacks_the_excluded_child(world, forum_day, login):
    _held(world, forum_day)
    officer = world.a.users["police_practitioner"]
    response = login(officer).get(
        reverse("meetings:forum_minutes_pdf", kwargs={"pk": forum_day.forum.pk})
    )
    assert response.status_code == 200
    text = "\n".join(pages_of(response))
    assert forum_day.nomination.case.reference in text
    assert forum_day.hidden.case.reference not in text
    assert "Hiddenchild" not in text
    everyone = login(world.a.users["coordinator"]).get(
        reverse("meetings:forum_minutes_pdf", kwargs={"pk": forum_day.forum.pk})
    )
    assert forum_day.hidden.case.reference in "\n".join(pages_of(everyone))


def test_every_pdf_page_is_marked_with_the_printer(world, forum_day, login):
    _read(forum_day)
    _record(world, forum_day.nomination)
    forum_case_action_agree(
        nomination=forum_day.nomination,
        by=world.a.users["coordinator"],
        need="Mornings " * 50,
        outcome="Better " * 50,
        action="Visit " * 80,
        owner_agency=world.a.police,
        due_on=forum_day.forum.held_on + timedelta(days=30),
    )
    printer = world.a.users["coordinator"]
    client = login(printer)
    urls = [
        reverse("meetings:presenter_summary_pdf", kwargs={"pk": forum_day.nomination.pk}),
        reverse("meetings:action_plan_pdf", kwargs={"pk": forum_day.nomination.case.pk}),
        reverse("meetings:forum_minutes_pdf", kwargs={"pk": forum_day.forum.pk}),
    ]
    name = printer.get_full_name() or printer.username
    for url in urls:
        before = AccessLogEntry.objects.filter(action=AccessAction.PRINT).count()
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        for text in pages_of(response):
            assert "OFFICIAL-SENSITIVE" in text, url
            assert name in text, url
        assert AccessLogEntry.objects.filter(action=AccessAction.PRINT).count() > before


def test_the_action_plan_pdf_lists_the_actions_and_the_lead_professional(world, forum_day, login):
    _read(forum_day)
    _record(world, forum_day.nomination)
    forum_case_action_agree(
        nomination=forum_day.nomination,
        by=world.a.users["coordinator"],
        need="Mornings",
        outcome="On time",
        action="PCSO visit",
        owner_agency=world.a.police,
        due_on=forum_day.forum.held_on + timedelta(days=30),
    )
    forum_case_heard(nomination=forum_day.nomination, by=world.a.users["chair"])
    response = login(world.a.users["assessor"]).get(
        reverse("meetings:action_plan_pdf", kwargs={"pk": forum_day.nomination.case.pk})
    )
    text = " ".join(" ".join(pages_of(response)).split())
    assert "PCSO visit" in text
    assert "Requested" in text
    assert "Lead professional proposed" in text


# --- Pages ---------------------------------------------------------------------------------------


def test_the_chair_s_page_shows_the_statement_prompts_and_cases(world, forum_day, login):
    client = login(world.a.users["chair"])
    page = client.get(reverse("meetings:forum_chair", kwargs={"pk": forum_day.forum.pk}))
    assert page.status_code == 200
    content = page.content.decode()
    assert "information remains confidential to this meeting" in content
    assert "I have read the statement" in content
    assert "Professional opinions only should be aired" in content
    assert "What does the parent want?" in content
    assert forum_day.nomination.case.reference in content
    response = client.post(reverse("meetings:forum_statement", kwargs={"pk": forum_day.forum.pk}))
    assert response.status_code == 302
    forum_day.forum.refresh_from_db()
    assert forum_day.forum.confidentiality_read_at is not None


def test_the_record_page_keeps_what_was_typed_on_an_error(world, forum_day, login):
    _read(forum_day)
    client = login(world.a.users["coordinator"])
    url = reverse("meetings:forum_case_record", kwargs={"pk": forum_day.nomination.pk})
    response = client.post(
        url,
        {
            "revision": forum_day.nomination.revision,
            "needs": "Typed needs",
            "anonymised_summary": "Robin was discussed",
        },
    )
    assert response.status_code == 400
    assert b"Typed needs" in response.content
    assert b"names a family" in response.content


def test_the_attendance_form_ticks_the_invitations(world, forum_day, login):
    client = login(world.a.users["chair"])
    client.post(
        reverse("meetings:forum_attendance", kwargs={"pk": forum_day.forum.pk}),
        {f"attended_{forum_day.invitation.pk}": "yes"},
    )
    forum_day.invitation.refresh_from_db()
    assert forum_day.invitation.attended is True


# --- Who reaches what ----------------------------------------------------------------------------

FORUM_ROUTES = {
    # name: (methods, who may: a set of world.a user names)
    "meetings:forum_chair": (["get"], {"coordinator", "chair"}),
    "meetings:forum_statement": (["post"], {"coordinator", "chair"}),
    "meetings:forum_attendance": (["post"], {"coordinator", "chair"}),
    "meetings:forum_close": (["post"], {"coordinator", "chair"}),
    "meetings:forum_circulate": (["post"], {"coordinator"}),
    "meetings:forum_minutes": (["get"], {"coordinator", "chair"}),
    "meetings:forum_minutes_pdf": (["get"], {"coordinator", "chair"}),
    "meetings:forum_lessons": (["get", "post"], {"coordinator"}),
    "forum-day-minutes": (["get"], {"coordinator", "chair"}),
    "forum-day-lessons": (["put"], {"coordinator"}),
}
# Keyed by the nomination of the shared case (every casework user of world a sees it but
# school_no_dbs and the tenant administrator).
SEES_SHARED = {
    "assessor",
    "school_practitioner",
    "school_manager",
    "police_practitioner",
    "police_manager",
    "coordinator",
    "chair",
    "caf_manager",
}
NOMINATION_ROUTES = {
    "meetings:presenter_summary": (["get"], SEES_SHARED),
    "meetings:presenter_summary_pdf": (["get"], SEES_SHARED),
    "meetings:forum_case_record": (["get", "post"], {"coordinator", "chair"}),
    "meetings:forum_case_action": (["post"], {"coordinator", "chair"}),
    "meetings:forum_case_heard": (["post"], {"coordinator", "chair"}),
    "forum-case-summary": (["get"], SEES_SHARED),
    "forum-case-record": (["put"], {"coordinator", "chair"}),
    "forum-case-heard": (["post"], {"coordinator", "chair"}),
}


def _call(client, method, url):
    if method == "get":
        return client.get(url)
    if method == "put":
        return client.put(url, {}, content_type="application/json")
    return client.post(url, {})


def _walk(world, login, routes, pk, missing_ok=False):
    problems = []
    people = {f"a.{name}": user for name, user in world.a.users.items()}
    people.update({f"b.{name}": world.b.users[name] for name in ("coordinator", "chair")})
    for label, user in people.items():
        client = login(user)
        for name, (methods, allowed) in routes.items():
            may = label.startswith("a.") and label[2:] in allowed
            url = reverse(name, kwargs={"pk": pk})
            for method in methods:
                status = _call(client, method, url).status_code
                missing = _call(client, method, reverse(name, kwargs={"pk": 99999999}))
                if status >= 500:
                    problems.append(f"{label} {method} {name}: {status}")
                elif may and status == 404:
                    problems.append(f"{label} {method} {name}: refused")
                elif not may and status != 404:
                    problems.append(f"{label} {method} {name}: answered {status}")
                if missing.status_code != 404:
                    problems.append(f"{label} {method} {name} missing: {missing.status_code}")
    return problems


def test_forum_routes_answer_404_to_everyone_else_and_another_tenant(world, forum_day, login):
    assert _walk(world, login, FORUM_ROUTES, forum_day.forum.pk) == []


def test_nomination_routes_answer_404_to_everyone_else_and_another_tenant(world, forum_day, login):
    assert _walk(world, login, NOMINATION_ROUTES, forum_day.nomination.pk) == []


def test_the_excluded_agency_cannot_reach_the_hidden_case_s_summary(world, forum_day, login):
    client = login(world.a.users["police_practitioner"])
    url = reverse("meetings:presenter_summary", kwargs={"pk": forum_day.hidden.pk})
    response = client.get(url)
    assert response.status_code == 404
    assert b"Hiddenchild" not in response.content


def test_minutes_of_a_held_forum_open_to_those_invited_with_only_their_cases(
    world, forum_day, login
):
    _held(world, forum_day)
    url = reverse("meetings:forum_minutes", kwargs={"pk": forum_day.forum.pk})
    officer = login(world.a.users["police_practitioner"]).get(url)
    assert officer.status_code == 200
    assert forum_day.nomination.case.reference.encode() in officer.content
    assert forum_day.hidden.case.reference.encode() not in officer.content
    assert login(world.a.users["school_no_dbs"]).get(url).status_code == 404
    assert login(world.b.users["coordinator"]).get(url).status_code == 404


# --- The API -------------------------------------------------------------------------------------


def test_the_api_saves_the_summary_and_refuses_a_stale_one(world, forum_day):
    client = api(world.a.users["assessor"])
    url = f"/api/forum-cases/{forum_day.nomination.pk}/summary/"
    got = client.get(url)
    assert got.status_code == 200
    body = got.json()
    assert NEED in body["summary"]["needs"]["development"]
    put = client.put(url, {"revision": body["revision"], "summary": body["summary"]}, format="json")
    assert put.status_code == 200
    stale = client.put(
        url, {"revision": body["revision"], "summary": body["summary"]}, format="json"
    )
    assert stale.status_code == 400


def test_the_api_records_and_hears_a_case(world, forum_day):
    _read(forum_day)
    client = api(world.a.users["coordinator"])
    nomination = forum_day.nomination
    url = f"/api/forum-cases/{nomination.pk}/"
    response = client.put(
        f"{url}record/",
        {
            "revision": nomination.revision,
            "needs": "Mornings",
            "services": "Nurse",
            "lead_professional_proposed": world.a.users["assessor"].pk,
            "review_on": str(forum_day.forum.held_on + timedelta(days=60)),
            "anonymised_summary": "A girl in year 5.",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert client.post(f"{url}heard/").status_code == 200
    nomination.refresh_from_db()
    assert nomination.state == NominationState.HEARD


def test_the_api_minutes_list_only_the_cases_the_caller_may_see(world, forum_day):
    _held(world, forum_day)
    body = api(world.a.users["police_practitioner"]).get(
        f"/api/forum-day/{forum_day.forum.pk}/minutes/"
    )
    assert body.status_code == 200
    references = [case["reference"] for case in body.json()["cases"]]
    assert references == [forum_day.nomination.case.reference]
    refused = api(world.a.users["police_practitioner"]).put(
        f"/api/forum-day/{forum_day.forum.pk}/minutes/",
        {"revision": 1, "minutes": "x"},
        format="json",
    )
    assert refused.status_code == 404
