"""Regression tests from the review of the meetings work (issue 12): one agenda per case at a
forum, even when nominated twice at once; no specialist emailed for a case withdrawn or no
longer shared with their agency; no deferral dropped for want of a later forum; bad input and
concurrent season set-up answered without a server error."""

from datetime import time

import pytest

from meetings.models import NominationKind, NominationState
from meetings.services import MeetingError
from meetings.services.agenda import agenda_build, agenda_confirm
from meetings.services.forums import forum_session_add
from meetings.services.nominations import nomination_create
from tests.assessment_states import logged
from tests.forum_states import scheduled_forum
from tests.test_forum_day import forum_day  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def test_a_case_is_not_nominated_to_two_sessions_of_one_forum(world):
    forum, session = scheduled_forum(world)
    other = forum_session_add(
        forum=forum,
        by=world.a.users["coordinator"],
        cluster="Longslade",
        starts_at=time(11, 0),
        ends_at=time(12, 0),
    )
    case = logged(world, "Twice").case
    nomination_create(
        session=session, case=case, by=world.a.users["assessor"], kind=NominationKind.NEW
    )
    with pytest.raises(MeetingError):
        nomination_create(
            session=other, case=case, by=world.a.users["assessor"], kind=NominationKind.NEW
        )


def test_api_nomination_bad_input(world):
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    forum, session = scheduled_forum(world)
    case = logged(world, "Api").case
    client = APIClient()
    _, token = AuthToken.objects.create(world.a.users["assessor"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    for body in [
        {"session": session.pk, "case": case.pk, "kind": "new", "reason": "x" * 100000},
        {"session": session.pk, "case": case.pk, "kind": "new", "agencies": [2**40]},
        {"session": 2**40, "case": case.pk, "kind": "new"},
        {"session": session.pk, "case": case.pk, "kind": "new", "agencies": "abc"},
        {"session": session.pk, "case": case.pk, "kind": "new", "reason": "a\x00b"},
        [],
        "x",
    ]:
        response = client.post("/api/nominations/", body, format="json")
        assert response.status_code < 500, (body, response.status_code)


def _specialist_forum(world):
    from tests.test_forum_invitations import _forum

    forum = _forum(world, days_ahead=40, core=())
    type(forum).objects.filter(pk=forum.pk).update(chair=None)
    return forum


def test_a_specialist_is_not_emailed_once_the_family_excludes_their_agency(world):
    from django.core import mail
    from django.utils import timezone

    from consent.services import consent_withdraw
    from deadlines.rules import SPECIALIST_NOTICE
    from meetings.services.invitations import (
        invitations_send_due,
        specialist_invitations_schedule,
    )
    from tests.assessment_states import consented_case
    from tests.test_forum_invitations import _nominate

    forum = _specialist_forum(world)
    case = consented_case(world, "Laterexcluded")
    _nominate(world, forum, case, [(world.a.police, world.a.users["police_practitioner"])])
    assert specialist_invitations_schedule(forum=forum, by=world.a.users["coordinator"]).created
    consent_withdraw(
        case=case, by=world.a.users["assessor"], on=timezone.localdate(), agency=world.a.police
    )
    invitations_send_due(today=forum.held_on - SPECIALIST_NOTICE)
    assert mail.outbox == []


def test_a_specialist_is_not_emailed_for_a_withdrawn_nomination(world):
    from django.core import mail

    from deadlines.rules import SPECIALIST_NOTICE
    from meetings.models import NominationState
    from meetings.services.invitations import (
        invitations_send_due,
        specialist_invitations_schedule,
    )
    from tests.assessment_states import consented_case
    from tests.test_forum_invitations import _nominate

    forum = _specialist_forum(world)
    nomination = _nominate(
        world,
        forum,
        consented_case(world, "Withdrawn"),
        [(world.a.police, world.a.users["police_practitioner"])],
    )
    assert specialist_invitations_schedule(forum=forum, by=world.a.users["coordinator"]).created
    type(nomination).objects.filter(pk=nomination.pk).update(state=NominationState.WITHDRAWN)
    invitations_send_due(today=forum.held_on - SPECIALIST_NOTICE)
    assert mail.outbox == []


def test_forum_pages_answer_bad_input_without_a_500(world, login):
    forum, session = scheduled_forum(world)
    case = logged(world, "Fuzz").case
    nomination = nomination_create(
        session=session, case=case, by=world.a.users["assessor"], kind=NominationKind.NEW
    )
    coordinator = login(world.a.users["coordinator"])
    big = "9" * 40
    posts = [
        (f"/forums/sessions/{session.pk}/agenda/", {"action": "build", "revision": big}),
        (f"/forums/sessions/{session.pk}/agenda/", {"action": "confirm", "revision": "-1"}),
        (f"/forums/sessions/{session.pk}/agenda/", {"action": "reorder", "revision": big}),
        (
            f"/forums/sessions/{session.pk}/agenda/",
            {"action": "reorder", "revision": "1", f"place_{nomination.pk}": big},
        ),
        (f"/forums/sessions/{session.pk}/agenda/", {}),
        (f"/forums/seasons/{forum.season_id}/", {"action": "member_remove", "member": big}),
        (f"/forums/seasons/{forum.season_id}/", {"action": "session_remove", "session": "x"}),
        (
            f"/forums/seasons/{forum.season_id}/",
            {
                "action": "session",
                "session-forum": str(forum.pk),
                "session-cluster": "x" * 5000,
                "session-starts_at": "23:59",
                "session-ends_at": "00:00",
            },
        ),
        (
            f"/forums/seasons/{forum.season_id}/",
            {
                "action": "forum",
                "forum-held_on_day": "31",
                "forum-held_on_month": "12",
                "forum-held_on_year": "9999",
                "forum-nomination_deadline_day": "31",
                "forum-nomination_deadline_month": "12",
                "forum-nomination_deadline_year": "9999",
                "forum-deadline_time": "23:59",
                "forum-venue": "Hall",
            },
        ),
        (
            f"/forums/seasons/{forum.season_id}/",
            {
                "action": "forum",
                "forum-held_on_day": "1",
                "forum-held_on_month": "1",
                "forum-held_on_year": "0001",
                "forum-nomination_deadline_day": "1",
                "forum-nomination_deadline_month": "1",
                "forum-nomination_deadline_year": "0001",
                "forum-deadline_time": "00:00",
                "forum-venue": "Hall",
            },
        ),
        (f"/forums/nominations/{nomination.pk}/", {"action": "attendee_remove", "attendee": big}),
        (f"/forums/nominations/{nomination.pk}/", {"action": "defer"}),
        (f"/forums/nominations/{nomination.pk}/", {"action": "accept"}),
        (
            f"/forums/nominations/{nomination.pk}/",
            {"action": "attendee_add", "attendee-agency": big},
        ),
        (f"/forums/{forum.pk}/chair/attendance/", {"attended_x": "on"}),
        (f"/forums/{forum.pk}/minutes/", {"revision": big, "minutes": "x" * 200000}),
        (f"/forums/{forum.pk}/lessons/", {"revision": big}),
        (
            f"/forums/nominations/{nomination.pk}/record/",
            {"revision": big, "review_on": "99/99/9999"},
        ),
        (f"/forums/nominations/{nomination.pk}/actions/", {"action-due_on": "31/12/9999"}),
        (f"/forums/nominations/{nomination.pk}/heard/", {}),
        (f"/forums/invitations/{big}/", {}),
        (f"/cases/{case.pk}/nominate/", {"session": big, "kind": "zzz", "agencies": [big]}),
    ]
    failures = []
    for url, data in posts:
        response = coordinator.post(url, data)
        if response.status_code >= 500:
            failures.append((url, data.get("action"), response.status_code))
    for url in [
        f"/forums/{big}/",
        f"/forums/sessions/{big}/agenda/",
        f"/forums/{forum.pk}/agenda.pdf",
        f"/forums/{forum.pk}/sign-in.pdf",
        f"/forums/{forum.pk}/chair/",
        f"/forums/{forum.pk}/minutes/",
        f"/forums/{forum.pk}/minutes.pdf",
        f"/cases/{case.pk}/action-plan.pdf",
        f"/forums/{forum.pk}/lessons/",
    ]:
        response = coordinator.get(url)
        if response.status_code >= 500:
            failures.append((url, "GET", response.status_code))
    assert failures == []


def test_a_deferral_with_no_later_forum_is_not_lost(world):
    """Confirming an agenda whose deferrals have no later forum to go to is refused: before,
    the cases were marked deferred and dropped off every agenda, the page saying they were
    moved to the next forum."""
    from tests.test_forum_agenda import next_forum

    forum, session = scheduled_forum(world)
    for i in range(5):  # 100 minutes for a 90-minute session
        case = logged(world, f"Lost{i}").case
        nomination_create(
            session=session, case=case, by=world.a.users["assessor"], kind=NominationKind.NEW
        )
    coordinator, chair = world.a.users["coordinator"], world.a.users["chair"]
    agenda_build(session=session, by=coordinator)
    agenda_confirm(session=session, by=coordinator)
    with pytest.raises(MeetingError, match="arrange the next forum"):
        agenda_confirm(session=session, by=chair)
    proposed = session.nominations.exclude(deferral_reason="").get()
    assert proposed.state == NominationState.NOMINATED
    later = next_forum(world, forum)
    agenda_confirm(session=session, by=chair)
    assert later.nominations.get().case_id == proposed.case_id


def _at_once(*calls):
    import threading

    from django.db import connections

    start, errors, results = threading.Barrier(len(calls)), [], []

    def run(call):
        try:
            start.wait(10)
            results.append(call())
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_one_case_nominated_to_two_sessions_at_once_lands_on_one_agenda(world):
    from django.db import connection

    from meetings.models import Nomination

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    forum, session = scheduled_forum(world)
    other = forum_session_add(
        forum=forum,
        by=world.a.users["coordinator"],
        cluster="Longslade",
        starts_at=time(11, 0),
        ends_at=time(12, 0),
    )
    case = logged(world, "Raced").case
    by = world.a.users["assessor"]
    results, errors = _at_once(
        *(
            lambda s=s: nomination_create(session=s, case=case, by=by, kind=NominationKind.NEW)
            for s in (session, other)
        )
    )
    assert all(isinstance(error, MeetingError) for error in errors), errors
    assert Nomination.objects.filter(case=case).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_starting_one_season_at_once_get_no_server_error(world):
    from django.db import connection

    from meetings.models import ForumSeason
    from meetings.services.forums import season_create

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    by = world.a.users["coordinator"]
    results, errors = _at_once(
        *(lambda: season_create(by=by, name="Charnwood 2027") for _ in range(2))
    )
    assert all(isinstance(error, MeetingError) for error in errors), errors
    assert ForumSeason.objects.filter(name="Charnwood 2027").count() == 1


def test_the_forum_minutes_name_no_child(world, forum_day):  # noqa: F811
    """The minutes go to everyone invited, also to agencies a family did not agree to share
    its case with: like each case's summary for them, the general minutes name no child."""
    from meetings.services.forum_day import forum_minutes_save

    forum = forum_day.forum
    child = forum_day.hidden.case.child
    with pytest.raises(MeetingError, match="names"):
        forum_minutes_save(
            forum=forum,
            by=world.a.users["coordinator"],
            revision=forum.revision,
            minutes=f"Ran long: {child.given_name} {child.family_name}'s case took an hour.",
        )
    forum.refresh_from_db()
    assert forum.minutes == ""


def test_two_people_ticking_attendance_keep_each_others_ticks(world, forum_day, login):  # noqa: F811
    """The chair and the coordinator tick attendance side by side: saving one's page does not
    untick what the other ticked since it was opened."""
    from django.urls import reverse

    from meetings.models import ForumInvitation

    forum = forum_day.forum
    invitations = list(ForumInvitation.objects.filter(forum=forum).order_by("pk"))
    assert len(invitations) >= 2
    first, second = invitations[:2]
    url = reverse("meetings:forum_attendance", kwargs={"pk": forum.pk})
    chair, coordinator = login(world.a.users["chair"]), login(world.a.users["coordinator"])
    # Both opened the chair's page with nobody ticked; the page says what it showed.
    page = chair.get(reverse("meetings:forum_chair", kwargs={"pk": forum.pk})).content.decode()
    assert f'name="shown_attended_{first.pk}"' in page
    shown = {f"shown_attended_{i.pk}": "" for i in invitations}
    coordinator.post(url, {**shown, f"attended_{first.pk}": "yes"})
    chair.post(url, {**shown, f"attended_{second.pk}": "yes"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.attended, second.attended) == (True, True)
