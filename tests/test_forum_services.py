"""The coordinators' forum seasons and the practitioners' nominations (R-MAF-1..3)."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from consent.services import consent_withdraw
from meetings.models import NominationKind, NominationState
from meetings.services import MeetingError
from meetings.services.forums import forum_schedule, forum_session_add
from meetings.services.nominations import (
    late_nomination_accept,
    nomination_create,
    nomination_defer,
    visible_nominations,
)
from tests.assessment_states import consented_case, logged
from tests.forum_states import forum_day, scheduled_forum

pytestmark = pytest.mark.django_db


def _deadline(day):
    return timezone.make_aware(datetime.combine(day - timedelta(days=3), time(12, 0)))


def test_a_season_holds_at_most_six_forums(world):
    forum, _ = scheduled_forum(world)
    coordinator = world.a.users["coordinator"]
    for weeks in range(1, 6):
        day = forum_day(20 + 5 * weeks)
        forum_schedule(
            season=forum.season,
            by=coordinator,
            held_on=day,
            venue="Hall",
            nomination_deadline=_deadline(day),
        )
    day = forum_day(60)
    with pytest.raises(MeetingError, match="at most 6"):
        forum_schedule(
            season=forum.season,
            by=coordinator,
            held_on=day,
            venue="Hall",
            nomination_deadline=_deadline(day),
        )


def test_only_coordinators_arrange_forums(world):
    forum, _ = scheduled_forum(world)
    with pytest.raises(MeetingError):
        forum_session_add(
            forum=forum,
            by=world.a.users["assessor"],
            cluster="Longslade",
            starts_at=time(11, 0),
            ends_at=time(12, 0),
        )


def test_sessions_of_a_forum_do_not_overlap(world):
    forum, _ = scheduled_forum(world)
    with pytest.raises(MeetingError, match="overlaps"):
        forum_session_add(
            forum=forum,
            by=world.a.users["coordinator"],
            cluster="Longslade",
            starts_at=time(10, 0),
            ends_at=time(12, 0),
        )


def test_a_case_is_nominated_only_once_its_caf_is_logged(world):
    _, session = scheduled_forum(world)
    case = consented_case(world, "Unlogged")
    with pytest.raises(MeetingError, match="logged"):
        nomination_create(
            session=session, case=case, by=world.a.users["assessor"], kind=NominationKind.NEW
        )
    logged_case = logged(world, "Logged").case
    nomination = nomination_create(
        session=session, case=logged_case, by=world.a.users["assessor"], kind=NominationKind.NEW
    )
    assert nomination.state == NominationState.NOMINATED
    assert nomination.attendees.get().user == world.a.users["assessor"]


def test_an_excluded_agency_cannot_be_asked_to_hear_a_case(world):
    _, session = scheduled_forum(world)
    case = logged(world, "Excluded").case
    consent_withdraw(
        case=case, by=world.a.users["assessor"], on=timezone.localdate(), agency=world.a.police
    )
    with pytest.raises(MeetingError, match="not agreed"):
        nomination_create(
            session=session,
            case=case,
            by=world.a.users["assessor"],
            kind=NominationKind.NEW,
            attendees=[(world.a.police, None)],
        )


def test_a_late_nomination_waits_for_the_coordinator(world):
    forum, session = scheduled_forum(world, days_ahead=3, deadline_days_before=1)
    # Time passes: nominations closed an hour ago.
    type(forum).objects.filter(pk=forum.pk).update(
        nomination_deadline=timezone.now() - timedelta(hours=1)
    )
    case = logged(world, "Late").case
    nomination = nomination_create(
        session=session, case=case, by=world.a.users["assessor"], kind=NominationKind.NEW
    )
    assert nomination.state == NominationState.LATE
    accepted = late_nomination_accept(nomination=nomination, by=world.a.users["coordinator"])
    assert accepted.state == NominationState.NOMINATED


def test_a_deferred_case_goes_to_the_same_cluster_at_the_next_forum(world):
    forum, session = scheduled_forum(world)
    coordinator = world.a.users["coordinator"]
    day = forum_day(40)
    later = forum_schedule(
        season=forum.season,
        by=coordinator,
        held_on=day,
        venue="Hall",
        nomination_deadline=_deadline(day),
    )
    forum_session_add(
        forum=later, by=coordinator, cluster="Longslade", starts_at=time(9), ends_at=time(10)
    )
    same = forum_session_add(
        forum=later,
        by=coordinator,
        cluster=session.cluster,
        starts_at=time(11),
        ends_at=time(12),
    )
    case = logged(world, "Deferred").case
    nomination = nomination_create(
        session=session, case=case, by=world.a.users["assessor"], kind=NominationKind.NEW
    )
    carried = nomination_defer(nomination=nomination, by=coordinator, reason="No time left.")
    nomination.refresh_from_db()
    assert nomination.state == NominationState.DEFERRED
    assert nomination.deferral_reason == "No time left."
    assert carried.session == same
    assert carried.carried_from == nomination
    assert list(carried.attendees.values_list("user", flat=True)) == [world.a.users["assessor"].pk]


def test_forum_lists_show_only_the_cases_the_viewer_may_see(world):
    _, session = scheduled_forum(world)
    case = logged(world, "Visible").case
    nomination_create(
        session=session, case=case, by=world.a.users["assessor"], kind=NominationKind.NEW
    )
    everything = session.nominations.all()
    assert visible_nominations(world.a.users["assessor"], everything).count() == 1
    assert visible_nominations(world.b.users["coordinator"], everything).count() == 0
