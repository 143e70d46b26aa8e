"""Demo forums and nominations, set up through the services as the CAF
coordinator and the practitioners would, so that a newcomer can walk them after ``bin/run``:

- A season of three forums, the first today (or on the next working day), chaired by Martin
  Hughes (``chair``), with two sessions (000 App. B) and four core members, invited by email.
- Seven logged CAFs nominated for the first forum's sessions by their assessors, each with the
  agencies that should hear it. Nominations closed yesterday, so the coordinator accepted them
  as late; the agendas are built and the coordinator has confirmed them: the Riverside
  session has more than its 90 minutes' worth, so one case is proposed for deferral and waits
  for the chair's confirmation. The chair then runs the forum from the chair's view.

The TAC meetings of the demo are in ``demo/tac.py``.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from agencies.models import Agency, Tenant, User
from cases.models import Child
from deadlines.rules import add_working_days, is_working_day
from meetings.models import ForumSeason, NominationKind, NominationState
from meetings.services.agenda import agenda_build, agenda_confirm
from meetings.services.forums import (
    core_member_add,
    forum_schedule,
    forum_session_add,
    season_create,
)
from meetings.services.nominations import late_nomination_accept, nomination_create

SEASON = "Northshire forums 2027"
CORE_MEMBERS = [
    ("police", "Northshire Police"),
    ("youthworker", "Northshire Youth Service"),
    ("healthvisitor", "Northshire Health Visiting"),
    ("socialworker", "Northshire Children's Social Care"),
]
RIVERSIDE = "Riverside Primary and all feeder schools, early years settings and post-16"
CASTLE = "Castle Academy and all feeder schools, early years settings and post-16"
# child, session, agencies to hear the case besides the presenter, what the presenter asks
NOMINATIONS = [
    (
        "Noah Campbell",
        RIVERSIDE,
        ["Northshire Police", "Northshire Youth Service"],
        "Ideas for after-school activities and support for his mother.",
    ),
    (
        "Kacper Zielinski",
        RIVERSIDE,
        ["Northshire Health Visiting"],
        "Speech and language support while he waits for an assessment.",
    ),
    (
        "Mia Patel",
        RIVERSIDE,
        ["Northshire Health Visiting", "Family Action Northshire"],
        "Help with mornings and a lead professional.",
    ),
    (
        "Ruby Kaur",
        RIVERSIDE,
        ["Northshire Youth Service", "Northshire Police"],
        "A mentor and a safe route to school.",
    ),
    (
        "Ellie Thompson",
        RIVERSIDE,
        ["Northshire Children's Social Care"],
        "Advice on whether the threshold for social care is near.",
    ),
    (
        "Tyler Evans",
        CASTLE,
        ["Northshire Police", "Family Action Northshire"],
        "Diversion from the group he has been seen with.",
    ),
    (
        "Hafsa Ahmed",
        CASTLE,
        ["Family Action Northshire"],
        "Housing advice and a place at the children's centre.",
    ),
]


def _nomination_deadline(held_on):
    day_before = held_on - timedelta(days=1)
    return timezone.make_aware(datetime.combine(day_before, time(12, 0)))


def _first_forum_day(today):
    return today if is_working_day(today) else add_working_days(today, 1)


def load_meeting_examples(tenant: Tenant) -> None:
    """Idempotent: a tenant that has the demo season already is left as it is."""
    if ForumSeason.objects.filter(tenant=tenant, name=SEASON).exists():
        return
    users = {u.username: u for u in User.objects.filter(tenant=tenant)}
    agencies = {a.name: a for a in Agency.objects.filter(tenant=tenant)}
    coordinator = users["coordinator"]
    season = season_create(by=coordinator, name=SEASON, area="Northshire")
    for username, agency_name in CORE_MEMBERS:
        core_member_add(
            season=season, by=coordinator, user=users[username], agency=agencies[agency_name]
        )
    today = timezone.localdate()
    forums = []
    first_day = _first_forum_day(today)
    for held_on in (first_day, add_working_days(first_day, 20), add_working_days(first_day, 40)):
        forums.append(
            forum_schedule(
                season=season,
                by=coordinator,
                held_on=held_on,
                venue="Burleigh Community College, Hall 2",
                venue_address="Thorpe Hill, Northshire NS1 4EE",
                nomination_deadline=_nomination_deadline(held_on),
                chair=users["chair"],
            )
        )
    sessions = {}
    for forum in forums:
        sessions[forum.pk, RIVERSIDE] = forum_session_add(
            forum=forum, by=coordinator, cluster=RIVERSIDE, starts_at=time(9), ends_at=time(10, 30)
        )
        sessions[forum.pk, CASTLE] = forum_session_add(
            forum=forum, by=coordinator, cluster=CASTLE, starts_at=time(10, 45), ends_at=time(12)
        )
    first = forums[0]
    for child_name, cluster, hearing, reason in NOMINATIONS:
        given, family = child_name.split(" ", 1)
        child = Child.objects.get(tenant=tenant, given_name=given, family_name=family)
        case = child.cases.get(state__in=["logged", "delivery", "assessment"])
        nomination = nomination_create(
            session=sessions[first.pk, cluster],
            case=case,
            by=case.assessor,
            kind=NominationKind.NEW,
            reason=reason,
            attendees=[(agencies[name], None) for name in hearing],
        )
        if nomination.state == NominationState.LATE:
            late_nomination_accept(nomination=nomination, by=coordinator)
    for cluster in (RIVERSIDE, CASTLE):
        session = sessions[first.pk, cluster]
        agenda_build(session=session, by=coordinator)
        session.refresh_from_db()
        agenda_confirm(session=session, by=coordinator, revision=session.revision)
