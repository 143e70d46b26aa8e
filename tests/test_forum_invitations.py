"""Forum invitations and reminders (R-MAF-4, R-AUDIT-3): core members invited once, specialists
two weeks before, excluded agencies never, emails with a link and no case content, sent once
however many scans run, answered by the invitee alone."""

import re
import threading
from datetime import date, datetime, time, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from agencies.models import AgencyKind, Role
from audit.models import ChangeLogEntry
from deadlines.rules import SPECIALIST_NOTICE, is_working_day
from meetings.models import (
    Forum,
    ForumCoreMember,
    ForumInvitation,
    ForumSeason,
    ForumSession,
    InvitationKind,
    InvitationResponse,
    Nomination,
    NominationAttendee,
    NominationKind,
    NominationState,
)
from meetings.services import MeetingError
from meetings.services.invitations import (
    attendance_invitation,
    core_invitations_create,
    invitation_respond,
    invitations_send_due,
    reminders_send_due,
    specialist_invitations_schedule,
    working_days_before,
)
from meetings.tasks import forum_invitations_send_task, forum_reminders_send_task
from tests.assessment_states import consented_case
from tests.factories import make_agency, make_staff

TODAY = timezone.localdate()
VENUE = "Loughborough Town Hall"


def _forum(world, *, days_ahead=40, deadline_days_before=21, core=("police_manager",)):
    """A season of world a with a forum ``days_ahead`` days away, one session, its chair and
    core members (rows made directly: the forum set-up service is built alongside)."""
    a = world.a
    season = ForumSeason.objects.create(
        tenant=a.tenant, name=f"Charnwood forums {days_ahead}", created_by=a.users["coordinator"]
    )
    held_on = TODAY + timedelta(days=days_ahead)
    deadline = timezone.make_aware(
        datetime.combine(held_on - timedelta(days=deadline_days_before), time(12, 0))
    )
    forum = Forum.objects.create(
        tenant=a.tenant,
        season=season,
        held_on=held_on,
        venue=VENUE,
        venue_address="Market Place\nLoughborough",
        chair=a.users["chair"],
        nomination_deadline=deadline,
    )
    ForumSession.objects.create(
        forum=forum, cluster="Wreake Valley and all feeder schools", starts_at=time(9, 30),
        ends_at=time(12, 0),
    )  # fmt: skip
    for name in core:
        user = a.users[name]
        agency = a.police if name.startswith("police") else a.school
        ForumCoreMember.objects.create(season=season, user=user, agency=agency)
    return forum


def _nominate(world, forum, case, attendees):
    a = world.a
    nomination = Nomination.objects.create(
        tenant=a.tenant,
        session=forum.sessions.get(),
        case=case,
        kind=NominationKind.NEW,
        nominated_by=a.users["assessor"],
        nominated_by_agency=a.school,
        state=NominationState.NOMINATED,
    )
    for agency, user in attendees:
        NominationAttendee.objects.create(nomination=nomination, agency=agency, user=user)
    return nomination


def _bodies() -> str:
    return "\n".join(f"{m.subject}\n{m.body}" for m in mail.outbox)


# --- Core members ---------------------------------------------------------------------------


def test_core_members_and_the_chair_are_invited_for_today(world):
    forum = _forum(world, core=("police_manager", "school_manager"))

    created = core_invitations_create(forum=forum, by=world.a.users["coordinator"])

    kinds = {(i.user.username, i.kind, i.agency.name) for i in created}
    assert kinds == {
        ("north-chair", InvitationKind.CHAIR, world.a.caf_team.name),
        ("north-police_manager", InvitationKind.CORE, world.a.police.name),
        ("north-school_manager", InvitationKind.CORE, world.a.school.name),
    }
    assert {i.send_on for i in created} == {TODAY}


def test_creating_core_invitations_twice_invites_each_member_once(world):
    forum = _forum(world)
    core_invitations_create(forum=forum, by=world.a.users["coordinator"])
    again = core_invitations_create(forum=forum, by=world.a.users["coordinator"])
    assert again == []
    assert ForumInvitation.objects.filter(forum=forum).count() == 2


def test_core_members_are_emailed_once_even_if_the_scan_runs_twice(world):
    forum = _forum(world)
    core_invitations_create(forum=forum, by=world.a.users["coordinator"])

    assert invitations_send_due(today=TODAY) == 2
    assert invitations_send_due(today=TODAY) == 0

    assert sorted(m.to[0] for m in mail.outbox) == [
        world.a.users["chair"].email,
        world.a.users["police_manager"].email,
    ]
    assert not ForumInvitation.objects.filter(sent_at__isnull=True).exists()


def test_only_the_caf_team_of_the_forums_tenant_invites(world):
    forum = _forum(world)
    for user in (world.a.users["police_practitioner"], world.b.users["coordinator"]):
        with pytest.raises(MeetingError):
            core_invitations_create(forum=forum, by=user)
    assert not ForumInvitation.objects.exists()


def test_the_reminder_falls_three_working_days_before_the_nomination_deadline(world):
    forum = _forum(world, days_ahead=40, deadline_days_before=21)
    invitation = core_invitations_create(forum=forum, by=world.a.users["coordinator"])[0]
    deadline = forum.nomination_deadline.date()
    between = [
        deadline - timedelta(days=n)
        for n in range(1, (deadline - invitation.remind_on).days)
        if is_working_day(deadline - timedelta(days=n))
    ]
    assert invitation.remind_on < deadline
    assert is_working_day(invitation.remind_on)
    assert len(between) == 2  # the reminder's day, then two more working days, then the deadline


def test_after_the_deadline_the_reminder_falls_three_working_days_before_the_forum(world):
    forum = _forum(world, days_ahead=10, deadline_days_before=12)
    invitation = core_invitations_create(forum=forum, by=world.a.users["coordinator"])[0]
    assert invitation.remind_on == working_days_before(forum.held_on, 3)
    assert TODAY < invitation.remind_on < forum.held_on


def test_working_days_before_skips_weekends_and_bank_holidays():
    # Tuesday 29 December 2026: Christmas Day (Friday) and the Boxing Day substitute (Monday
    # 28th) are not working days.
    assert working_days_before(date(2026, 12, 29), 1) == date(2026, 12, 24)
    assert working_days_before(date(2026, 12, 29), 3) == date(2026, 12, 22)


# --- Specialists ----------------------------------------------------------------------------


def test_specialists_are_emailed_exactly_two_weeks_before_not_earlier(world):
    forum = _forum(world, days_ahead=40, core=())
    case = consented_case(world, "Specialistson")
    police = world.a.users["police_practitioner"]
    _nominate(world, forum, case, [(world.a.police, police)])
    Forum.objects.filter(pk=forum.pk).update(chair=None)

    created = specialist_invitations_schedule(forum=forum, by=world.a.users["coordinator"])

    assert [(i.user, i.kind) for i in created.created] == [(police, InvitationKind.SPECIALIST)]
    two_weeks_before = forum.held_on - SPECIALIST_NOTICE
    assert created.created[0].send_on == two_weeks_before
    assert invitations_send_due(today=two_weeks_before - timedelta(days=1)) == 0
    assert mail.outbox == []
    assert invitations_send_due(today=two_weeks_before) == 1
    assert mail.outbox[0].to == [police.email]


def test_a_specialist_nominated_inside_the_two_weeks_is_invited_by_the_next_scan(world):
    forum = _forum(world, days_ahead=10, core=())
    Forum.objects.filter(pk=forum.pk).update(chair=None)
    case = consented_case(world, "Lateson")
    police = world.a.users["police_practitioner"]
    _nominate(world, forum, case, [(world.a.police, police)])

    assert invitations_send_due(today=TODAY) == 1

    invitation = ForumInvitation.objects.get(forum=forum)
    assert (invitation.user, invitation.send_on) == (police, TODAY)


def test_an_excluded_agency_is_never_invited(world):
    forum = _forum(world, days_ahead=10, core=())
    Forum.objects.filter(pk=forum.pk).update(chair=None)
    world.a.police.email = "referrals@police.example.org"
    world.a.police.save()
    case = consented_case(world, "Excludedson", excluded=[world.a.police])
    _nominate(
        world,
        forum,
        case,
        [(world.a.police, world.a.users["police_practitioner"]), (world.a.police, None)],
    )

    result = specialist_invitations_schedule(forum=forum, by=world.a.users["coordinator"])
    invitations_send_due(today=TODAY)

    assert result.created == []
    assert not ForumInvitation.objects.exists()
    assert mail.outbox == []


def test_an_agency_named_without_a_practitioner_is_invited_at_its_address(world):
    forum = _forum(world, days_ahead=10, core=())
    Forum.objects.filter(pk=forum.pk).update(chair=None)
    world.a.police.email = "referrals@police.example.org"
    world.a.police.save()
    health = make_agency(world.a.tenant, "north Health visiting", AgencyKind.HEALTH_VISITING)
    _nominate(world, forum, consented_case(world, "Agencyson"), [(world.a.police, None)])
    _nominate(world, forum, consented_case(world, "Nomailson"), [(health, None)])

    result = specialist_invitations_schedule(forum=forum, by=world.a.users["coordinator"])
    invitations_send_due(today=TODAY)

    assert [(i.user, i.email) for i in result.created] == [(None, "referrals@police.example.org")]
    assert result.unreachable == [health]
    assert [m.to for m in mail.outbox] == [["referrals@police.example.org"]]


def test_an_agency_excluded_by_one_family_is_invited_for_another_familys_case(world):
    forum = _forum(world, days_ahead=10, core=())
    Forum.objects.filter(pk=forum.pk).update(chair=None)
    police = world.a.users["police_practitioner"]
    excluded = consented_case(world, "Excludedson", excluded=[world.a.police])
    _nominate(world, forum, excluded, [(world.a.police, police)])
    _nominate(world, forum, consented_case(world, "Sharedson"), [(world.a.police, police)])

    result = specialist_invitations_schedule(forum=forum, by=world.a.users["coordinator"])

    assert [i.user for i in result.created] == [police]


# --- What the email says ---------------------------------------------------------------------


def test_the_invitation_has_the_link_date_times_and_venue_and_no_case_content(world):
    forum = _forum(world, days_ahead=10, core=())
    case = consented_case(world, "Privateson")
    police = world.a.users["police_practitioner"]
    _nominate(world, forum, case, [(world.a.police, police)])

    invitations_send_due(today=TODAY)

    sent = {m.to[0]: m for m in mail.outbox}
    email = sent[police.email]
    text = f"{email.subject}\n{email.body}"
    invitation = ForumInvitation.objects.get(user=police)
    assert f"{settings.SITE_URL}/forums/invitations/{invitation.pk}/" in text
    assert forum.held_on.strftime("%-d %B %Y") in text
    assert "09:30 to 12:00" in text
    assert VENUE in text
    child = case.child
    for secret in (
        child.given_name,
        child.family_name,
        child.date_of_birth.strftime("%-d %B %Y"),
        child.date_of_birth.strftime("%d/%m/%Y"),
        child.date_of_birth.isoformat(),
        case.reference,
    ):
        # Whole words: a child called Robin is not named by a practitioner called Robinson.
        assert not re.search(rf"\b{re.escape(secret)}\b", _bodies()), secret


def test_the_link_is_built_from_the_site_url_setting(world, settings):
    settings.SITE_URL = "https://ecaf.example.gov.uk"
    forum = _forum(world)
    core_invitations_create(forum=forum, by=world.a.users["coordinator"])
    invitations_send_due(today=TODAY)
    assert "https://ecaf.example.gov.uk/forums/invitations/" in mail.outbox[0].body


def test_reminders_carry_the_nomination_deadline_and_go_once(world):
    forum = _forum(world, days_ahead=40, deadline_days_before=21)
    invitation = core_invitations_create(forum=forum, by=world.a.users["coordinator"])[0]
    invitations_send_due(today=TODAY)
    mail.outbox.clear()

    assert reminders_send_due(today=invitation.remind_on - timedelta(days=1)) == 0
    assert reminders_send_due(today=invitation.remind_on) == 2
    assert reminders_send_due(today=invitation.remind_on) == 0

    deadline = timezone.localtime(forum.nomination_deadline)
    body = mail.outbox[0].body
    assert mail.outbox[0].subject.startswith("Reminder")
    assert f"Nominations close: {deadline.strftime('%A %-d %B %Y')}, 12:00" in body
    assert VENUE in body


def test_no_reminder_after_apologies(world):
    forum = _forum(world)
    invitation = core_invitations_create(forum=forum, by=world.a.users["coordinator"])[0]
    remind = invitation.remind_on
    invitations_send_due(today=TODAY)
    invitation_respond(
        invitation=invitation, by=invitation.user, response=InvitationResponse.APOLOGIES
    )
    mail.outbox.clear()

    reminders_send_due(today=remind)

    assert invitation.user.email not in [m.to[0] for m in mail.outbox]


def test_a_cancelled_forum_sends_nothing(world):
    forum = _forum(world)
    core_invitations_create(forum=forum, by=world.a.users["coordinator"])
    Forum.objects.filter(pk=forum.pk).update(state="cancelled")
    assert invitations_send_due(today=TODAY) == 0
    assert mail.outbox == []


def test_the_tasks_run_the_scans(world):
    forum = _forum(world)
    core_invitations_create(forum=forum, by=world.a.users["coordinator"])
    assert forum_invitations_send_task.delay().get() == 2
    assert forum_reminders_send_task.delay().get() == 0
    assert len(mail.outbox) == 2


def test_the_command_sends_for_the_day_given(world, capsys):
    forum = _forum(world, days_ahead=40, core=())
    Forum.objects.filter(pk=forum.pk).update(chair=None)
    _nominate(
        world,
        forum,
        consented_case(world, "Commandson"),
        [(world.a.police, world.a.users["police_practitioner"])],
    )
    specialist_invitations_schedule(forum=forum, by=world.a.users["coordinator"])
    day = forum.held_on - SPECIALIST_NOTICE

    call_command("meetings_send_invitations", "--today", (day - timedelta(days=1)).isoformat())
    call_command("meetings_send_invitations", "--today", day.isoformat())

    assert len(mail.outbox) == 1
    assert "1 invitations and 0 reminders" in capsys.readouterr().out


def test_a_failing_email_is_left_due_for_the_next_scan(world, monkeypatch):
    forum = _forum(world)
    core_invitations_create(forum=forum, by=world.a.users["coordinator"])

    def refuse(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    assert invitations_send_due(today=TODAY) == 0
    monkeypatch.undo()
    assert invitations_send_due(today=TODAY) == 2


# --- Two workers at once (PostgreSQL row locks) -----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_send_each_invitation_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite serialises whole transactions")
    forum = _forum(world)
    extra = [
        make_staff(world.a.tenant, [(world.a.police, Role.PRACTITIONER)], username=f"core{n}")
        for n in range(30)
    ]
    for user in extra:
        ForumCoreMember.objects.create(season=forum.season, user=user, agency=world.a.police)
    core_invitations_create(forum=forum, by=world.a.users["coordinator"])
    expected = ForumInvitation.objects.count()
    start, errors, counts = threading.Barrier(2), [], []

    def scan():
        try:
            start.wait(10)
            counts.append(invitations_send_due(today=TODAY, batch=5))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sum(counts) == expected
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ForumInvitation.objects.values_list("user__email", flat=True)
    )
    assert len(mail.outbox) == expected


# --- Answering ---------------------------------------------------------------------------------


def _police_invitation(world):
    forum = _forum(world)
    core_invitations_create(forum=forum, by=world.a.users["coordinator"])
    return ForumInvitation.objects.get(forum=forum, user=world.a.users["police_manager"])


def test_the_invitee_sends_a_deputy_of_their_own_agency(world):
    invitation = _police_invitation(world)
    deputy = world.a.users["police_practitioner"]

    invitation_respond(
        invitation=invitation,
        by=invitation.user,
        response=InvitationResponse.DEPUTY,
        deputy=deputy,
    )

    invitation.refresh_from_db()
    assert (invitation.response, invitation.deputy) == (InvitationResponse.DEPUTY, deputy)
    assert attendance_invitation(forum=invitation.forum, user=deputy) == invitation
    assert attendance_invitation(forum=invitation.forum, user=invitation.user) is None


@pytest.mark.parametrize("who", ["assessor", "school_no_dbs", "tenant_admin"])
def test_a_deputy_of_another_agency_or_without_casework_is_refused(world, who):
    invitation = _police_invitation(world)
    with pytest.raises(MeetingError) as refused:
        invitation_respond(
            invitation=invitation,
            by=invitation.user,
            response=InvitationResponse.DEPUTY,
            deputy=world.a.users[who],
        )
    assert refused.value.field == "deputy"
    invitation.refresh_from_db()
    assert invitation.response == InvitationResponse.NO_REPLY


def test_a_deputy_of_another_tenant_is_refused(world):
    invitation = _police_invitation(world)
    with pytest.raises(MeetingError):
        invitation_respond(
            invitation=invitation,
            by=invitation.user,
            response=InvitationResponse.DEPUTY,
            deputy=world.b.users["police_practitioner"],
        )


def test_only_the_invitee_answers(world):
    invitation = _police_invitation(world)
    with pytest.raises(MeetingError):
        invitation_respond(
            invitation=invitation,
            by=world.a.users["coordinator"],
            response=InvitationResponse.ATTENDING,
        )


def test_the_answer_page_records_a_deputy(world, login):
    invitation = _police_invitation(world)
    client = login(invitation.user)
    url = reverse("meetings:invitation", kwargs={"pk": invitation.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert VENUE in page.content.decode()

    deputy = world.a.users["police_practitioner"]
    response = client.post(url, {"response": "deputy", "deputy": str(deputy.pk)})

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.deputy == deputy


def test_the_answer_page_keeps_the_choice_when_the_deputy_is_missing(world, login):
    invitation = _police_invitation(world)
    client = login(invitation.user)
    url = reverse("meetings:invitation", kwargs={"pk": invitation.pk})

    response = client.post(url, {"response": "deputy", "deputy": ""})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose who will attend in your place." in page
    assert 'value="deputy" checked' in page


def test_the_answer_page_refuses_a_colleague_not_offered(world, login):
    invitation = _police_invitation(world)
    client = login(invitation.user)
    url = reverse("meetings:invitation", kwargs={"pk": invitation.pk})
    response = client.post(url, {"response": "deputy", "deputy": str(world.a.users["assessor"].pk)})
    assert response.status_code == 200
    assert "Choose a colleague from the list." in response.content.decode()


def test_the_api_answer_refuses_a_deputy_of_another_agency(world):
    invitation = _police_invitation(world)
    client = _api(invitation.user)
    url = f"/api/forum-invitations/{invitation.pk}/respond/"

    refused = client.post(
        url, {"response": "deputy", "deputy": world.a.users["assessor"].pk}, format="json"
    )
    accepted = client.post(url, {"response": "attending"}, format="json")

    assert refused.status_code == 400 and "deputy" in refused.json()
    assert accepted.status_code == 200
    assert accepted.json()["response"] == "attending"


# --- Who opens the invitation's routes ---------------------------------------------------------


def _api(user) -> APIClient:
    _, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


ROUTES = [
    ("page", "get", "meetings:invitation"),
    ("page", "post", "meetings:invitation"),
    ("api", "get", "forum-invitation-detail"),
    ("api", "post", "forum-invitation-respond"),
]
WORLD_USERS = [("a", name) for name in (
    "assessor", "school_practitioner", "school_manager", "police_practitioner",
    "police_manager", "coordinator", "chair", "caf_manager", "tenant_admin", "school_no_dbs",
)] + [("b", "police_manager"), ("b", "coordinator")]  # fmt: skip


def _call(client, method, url, kind):
    if method == "get":
        return client.get(url)
    if kind == "api":
        return client.post(url, {}, format="json")
    response = client.post(url, {})
    if response.status_code == 302:
        client.get(response["Location"])
    return response


def _without_tokens(content: bytes) -> bytes:
    import re

    return re.sub(rb'(nonce|value|csrfmiddlewaretoken)="[^"]*"', b"", content)


@pytest.mark.parametrize("who", WORLD_USERS, ids=lambda who: f"{who[0]}.{who[1]}")
def test_only_the_invitee_opens_the_invitation_routes(world, login, who):
    """The invitee alone (here the police manager of tenant a) opens their invitation; every
    other role of both tenants, the chair and the coordinator included, gets the 404 of an
    invitation that does not exist, and changes nothing."""
    invitation = _police_invitation(world)
    tenant, name = who
    user = getattr(world, tenant).users[name]
    allowed = user == invitation.user
    page = login(user)
    token = _api(user)
    for kind, method, route in ROUTES:
        client = page if kind == "page" else token
        url = reverse(route, kwargs={"pk": invitation.pk})
        before = ChangeLogEntry.objects.count()
        response = _call(client, method, url, kind)
        where = f"{tenant}.{name} {method} {url}"
        if allowed:
            assert response.status_code in (200, 302, 400), where
            continue
        assert response.status_code == 404, where
        assert ChangeLogEntry.objects.count() == before, where
        missing = _call(client, method, reverse(route, kwargs={"pk": 99999999}), kind)
        assert missing.status_code == 404
        if kind == "page":
            assert _without_tokens(response.content) == _without_tokens(missing.content), where
        else:
            assert response.json() == missing.json(), where
    invitation.refresh_from_db()
    assert invitation.response == InvitationResponse.NO_REPLY


def test_an_agency_invitation_has_no_answer_page(world, login):
    forum = _forum(world, days_ahead=10, core=())
    world.a.police.email = "referrals@police.example.org"
    world.a.police.save()
    _nominate(world, forum, consented_case(world, "Agencyson"), [(world.a.police, None)])
    specialist_invitations_schedule(forum=forum, by=world.a.users["coordinator"])
    invitation = ForumInvitation.objects.get(user__isnull=True)
    client = login(world.a.users["police_manager"])
    url = reverse("meetings:invitation", kwargs={"pk": invitation.pk})
    assert client.get(url).status_code == 404


def test_the_nominating_practitioner_sets_specialist_invitations_going(world):
    forum = _forum(world, days_ahead=30, core=())
    police = world.a.users["police_practitioner"]
    _nominate(world, forum, consented_case(world, "Nominatedson"), [(world.a.police, police)])

    result = specialist_invitations_schedule(forum=forum, by=world.a.users["assessor"])

    assert [i.user for i in result.created] == [police]
    with pytest.raises(MeetingError):
        specialist_invitations_schedule(forum=forum, by=world.b.users["assessor"])


def test_a_reminder_after_the_deadline_says_nominations_closed(world):
    forum = _forum(world, days_ahead=10, deadline_days_before=12)
    invitation = core_invitations_create(forum=forum, by=world.a.users["coordinator"])[0]
    invitations_send_due(today=TODAY)
    mail.outbox.clear()

    reminders_send_due(today=invitation.remind_on)

    assert "Nominations closed: " in mail.outbox[0].body


def test_an_agencys_email_links_to_the_service_not_to_an_answer_page(world):
    forum = _forum(world, days_ahead=10, core=())
    Forum.objects.filter(pk=forum.pk).update(chair=None)
    world.a.police.email = "referrals@police.example.org"
    world.a.police.save()
    _nominate(world, forum, consented_case(world, "Linkson"), [(world.a.police, None)])

    invitations_send_due(today=TODAY)

    body = mail.outbox[0].body
    assert "/forums/invitations/" not in body
    assert f"{settings.SITE_URL}/" in body


# --- Through the forum set-up services ---------------------------------------------------------


def test_scheduling_a_forum_invites_its_chair_and_a_new_core_member_each_forum_to_come(world):
    from meetings.services.forums import core_member_add
    from tests.forum_states import scheduled_forum

    forum, _ = scheduled_forum(world)
    assert [(i.user, i.kind) for i in forum.invitations.all()] == [
        (world.a.users["chair"], InvitationKind.CHAIR)
    ]

    core_member_add(
        season=forum.season,
        by=world.a.users["coordinator"],
        user=world.a.users["police_manager"],
        agency=world.a.police,
    )

    assert forum.invitations.filter(
        user=world.a.users["police_manager"], kind=InvitationKind.CORE, send_on=TODAY
    ).exists()


def test_moving_the_forum_moves_the_specialists_invitation(world):
    from meetings.services.forums import forum_update
    from tests.forum_states import scheduled_forum

    forum, _ = scheduled_forum(world, days_ahead=20)
    police = world.a.users["police_practitioner"]
    _nominate(world, forum, consented_case(world, "Movedson"), [(world.a.police, police)])
    specialist_invitations_schedule(forum=forum, by=world.a.users["coordinator"])
    later = forum.held_on + timedelta(days=7)

    forum_update(
        forum=forum,
        by=world.a.users["coordinator"],
        revision=forum.revision,
        held_on=later,
        venue=forum.venue,
        nomination_deadline=forum.nomination_deadline + timedelta(days=7),
        chair=forum.chair,
    )

    invitation = ForumInvitation.objects.get(user=police)
    assert invitation.send_on == later - SPECIALIST_NOTICE
    assert invitation.remind_on > invitation.send_on
