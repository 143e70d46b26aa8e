"""Forums in the states that carry rules, built through the services as a coordinator would."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from deadlines.rules import add_working_days
from meetings.services.forums import forum_schedule, forum_session_add, season_create


def forum_day(working_days_ahead: int = 20):
    return add_working_days(timezone.localdate(), working_days_ahead)


def scheduled_forum(world, *, name="Northshire forums", days_ahead=20, deadline_days_before=5):
    """A season with one forum ``days_ahead`` working days from today, chaired by world a's
    chair, with a morning session; nominations close ``deadline_days_before`` days before."""
    coordinator = world.a.users["coordinator"]
    season = season_create(by=coordinator, name=name, area="Northshire")
    held_on = forum_day(days_ahead)
    deadline = timezone.make_aware(
        datetime.combine(held_on - timedelta(days=deadline_days_before), time(12, 0))
    )
    forum = forum_schedule(
        season=season,
        by=coordinator,
        held_on=held_on,
        venue="Burleigh Community College",
        nomination_deadline=deadline,
        chair=world.a.users["chair"],
    )
    session = forum_session_add(
        forum=forum,
        by=coordinator,
        cluster="Wreake Valley and all feeder schools",
        starts_at=time(9, 0),
        ends_at=time(10, 30),
    )
    return forum, session
