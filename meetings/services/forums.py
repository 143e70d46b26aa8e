"""Seasons of multi-agency forums set up ahead by the CAF coordinators: dates, venues, chairs,
core members and session slots per school cluster (R-MAF-1, 000 §4.6.3-4.6.5, App. B)."""

from datetime import datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import CASEWORK_ROLES, Agency, Membership, Role, User
from agencies.roles import caf_team_of, in_caf_team_as
from audit.context import acting_as
from meetings.models import (
    FORUMS_PER_SEASON,
    Forum,
    ForumCoreMember,
    ForumSeason,
    ForumSession,
    ForumState,
)
from meetings.services import MeetingError
from meetings.services.invitations import core_invitations_create, invitations_reschedule


def require_coordinator(by: User) -> None:
    """Forums are the CAF coordinators' to arrange (000 §4.6)."""
    if not in_caf_team_as(by, Role.CAF_COORDINATOR):
        raise MeetingError("Only the CAF team's coordinators arrange forums.")


def coordinating(by: User):
    """The audit context of a coordinator's write: filed under the tenant's CAF team."""
    team = caf_team_of(by.tenant_id)
    return acting_as(by, agency_id=team.pk if team else None)


def is_forum_chair(user: User, forum: Forum) -> bool:
    return forum.chair_id is not None and forum.chair_id == user.pk


def _require_casework_member(user: User, agency: Agency, *, tenant_id: int, what: str) -> None:
    if agency.tenant_id != tenant_id or not agency.is_active:
        raise MeetingError(f"Choose an agency of this area for the {what}.", field="agency")
    if not Membership.objects.filter(
        user=user, agency=agency, role__in=CASEWORK_ROLES, user__is_active=True
    ).exists():
        raise MeetingError(f"{user} does not work for {agency}.", field="user")


def _require_chair(chair: User, tenant_id: int) -> None:
    if chair.tenant_id != tenant_id or not chair.is_active:
        raise MeetingError("Choose a chair from this area.", field="chair")
    if not chair.memberships.filter(
        role__in=[Role.MAF_CHAIR, Role.CAF_COORDINATOR], agency__is_active=True
    ).exists():
        raise MeetingError(f"{chair} is not a forum chair or coordinator.", field="chair")


def season_create(*, by: User, name: str, area: str = "") -> ForumSeason:
    """Start a season of forums for an area."""
    require_coordinator(by)
    name = name.strip()
    if ForumSeason.objects.filter(tenant_id=by.tenant_id, name__iexact=name).exists():
        raise MeetingError("A season of this name exists already.", field="name")
    season = ForumSeason(tenant_id=by.tenant_id, name=name, area=area.strip(), created_by=by)
    try:
        with transaction.atomic(), coordinating(by):
            season.full_clean()
            season.save()
    except ValidationError as error:
        # Also a colleague's season of this name, started at the same moment.
        field, messages = next(iter(error.message_dict.items()))
        raise MeetingError(messages[0], field="name" if field == "__all__" else field) from error
    except IntegrityError as error:
        raise MeetingError("A season of this name exists already.", field="name") from error
    return season


# A season is agreed ahead, not for years ahead; nominations open weeks, not years, before.
FURTHEST_AHEAD = timedelta(days=2 * 366)
LONGEST_NOMINATION_WINDOW = timedelta(days=120)


def _check_dates(held_on, nomination_deadline: datetime, *, today) -> None:
    if held_on < today:
        raise MeetingError("A forum is arranged for a day to come.", field="held_on")
    if held_on > today + FURTHEST_AHEAD:
        raise MeetingError(
            "A forum is arranged at most 2 years ahead: check the year.", field="held_on"
        )
    if timezone.localtime(nomination_deadline).date() < held_on - LONGEST_NOMINATION_WINDOW:
        raise MeetingError(
            "Nominations close within 4 months before the forum: check the date.",
            field="nomination_deadline",
        )
    if held_on.weekday() >= 5:
        raise MeetingError("Forums meet on working days.", field="held_on")
    if timezone.localtime(nomination_deadline).date() >= held_on:
        raise MeetingError(
            "Nominations close before the day of the forum.", field="nomination_deadline"
        )


def forum_schedule(
    *,
    season: ForumSeason,
    by: User,
    held_on,
    venue: str,
    nomination_deadline: datetime,
    venue_address: str = "",
    chair: User | None = None,
) -> Forum:
    """Add a forum to a season: at most six agreed ahead (R-MAF-1). Its core members and its
    chair are invited at once (emailed by the next scan, R-MAF-4)."""
    require_coordinator(by)
    if season.tenant_id != by.tenant_id:
        raise MeetingError("Season not found.")
    _check_dates(held_on, nomination_deadline, today=timezone.localdate())
    if chair is not None:
        _require_chair(chair, by.tenant_id)
    with transaction.atomic(), coordinating(by):
        season = ForumSeason.objects.select_for_update().get(pk=season.pk)
        scheduled = season.forums.exclude(state=ForumState.CANCELLED).count()
        if scheduled >= FORUMS_PER_SEASON:
            raise MeetingError(
                f"A season has at most {FORUMS_PER_SEASON} forums: start the next season.",
                field="held_on",
            )
        forum = Forum(
            tenant_id=by.tenant_id,
            season=season,
            held_on=held_on,
            venue=venue.strip(),
            venue_address=venue_address.strip(),
            nomination_deadline=nomination_deadline,
            chair=chair,
        )
        forum.full_clean()
        forum.save()
        # The season's core members and the chair are invited as soon as the date is set.
        core_invitations_create(forum=forum, by=by)
        return forum


def forum_update(
    *,
    forum: Forum,
    by: User,
    revision: int,
    held_on,
    venue: str,
    nomination_deadline: datetime,
    venue_address: str = "",
    chair: User | None = None,
) -> Forum:
    """Change a scheduled forum's date, venue, deadline or chair. An edit begun before a
    colleague's is refused, not applied over theirs."""
    require_coordinator(by)
    if chair is not None:
        _require_chair(chair, by.tenant_id)
    _check_dates(held_on, nomination_deadline, today=timezone.localdate())
    with transaction.atomic(), coordinating(by):
        forum = Forum.objects.select_for_update().get(pk=forum.pk, tenant_id=by.tenant_id)
        if forum.state != ForumState.SCHEDULED:
            raise MeetingError("Only a forum still to come can change.")
        if forum.revision != revision:
            raise MeetingError(
                "A colleague changed this forum while you were editing. Check their changes "
                "and make yours again."
            )
        forum.held_on = held_on
        forum.venue = venue.strip()
        forum.venue_address = venue_address.strip()
        forum.nomination_deadline = nomination_deadline
        forum.chair = chair
        forum.revision += 1
        forum.full_clean()
        forum.save(
            update_fields=[
                "held_on",
                "venue",
                "venue_address",
                "nomination_deadline",
                "chair",
                "revision",
            ]
        )
        invitations_reschedule(forum=forum, by=by)
        return forum


def forum_cancel(*, forum: Forum, by: User) -> Forum:
    """Cancel a forum still to come. The cases nominated for it move to the next forum, with
    the reason; with no later forum arranged, cancelling is refused, so no case is lost."""
    from meetings.services.nominations import live_nominations, nomination_defer

    require_coordinator(by)
    with transaction.atomic(), coordinating(by):
        forum = Forum.objects.select_for_update().get(pk=forum.pk, tenant_id=by.tenant_id)
        if forum.state != ForumState.SCHEDULED:
            raise MeetingError("Only a forum still to come can be cancelled.")
        reason = f"The forum on {forum.held_on:%d/%m/%Y} was cancelled."
        for session in forum.sessions.all():
            for nomination in live_nominations(session):
                nomination_defer(nomination=nomination, by=by, reason=reason)
        forum.state = ForumState.CANCELLED
        forum.save(update_fields=["state"])
        return forum


def forum_session_add(*, forum: Forum, by: User, cluster: str, starts_at: time, ends_at: time):
    """A session slot for one school cluster (000 App. B): its own time, its own agenda.
    Sessions of one forum do not overlap."""
    require_coordinator(by)
    if forum.tenant_id != by.tenant_id:
        raise MeetingError("Forum not found.")
    if ends_at <= starts_at:
        raise MeetingError("A session ends after it starts.", field="ends_at")
    with transaction.atomic(), coordinating(by):
        forum = Forum.objects.select_for_update().get(pk=forum.pk)
        if forum.state != ForumState.SCHEDULED:
            raise MeetingError("Sessions are added to a forum still to come.")
        if forum.sessions.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
            raise MeetingError("This overlaps another session of the forum.", field="starts_at")
        session = ForumSession(
            forum=forum, cluster=cluster.strip(), starts_at=starts_at, ends_at=ends_at
        )
        session.full_clean()
        session.save()
        return session


def forum_session_remove(*, session: ForumSession, by: User) -> None:
    """Remove a session nobody has nominated a case for yet."""
    require_coordinator(by)
    with transaction.atomic(), coordinating(by):
        session = ForumSession.objects.select_for_update().get(
            pk=session.pk, forum__tenant_id=by.tenant_id
        )
        if session.nominations.exists():
            raise MeetingError("Cases are nominated for this session: move them first.")
        session.delete()


def core_member_add(*, season: ForumSeason, by: User, user: User, agency: Agency):
    """A core member of the season's forums (R-MAF-4), invited to each of them."""
    require_coordinator(by)
    if season.tenant_id != by.tenant_id:
        raise MeetingError("Season not found.")
    _require_casework_member(user, agency, tenant_id=by.tenant_id, what="core member")
    if season.core_members.filter(user=user).exists():
        raise MeetingError(f"{user} is already a core member.", field="user")
    with transaction.atomic(), coordinating(by):
        member = ForumCoreMember(season=season, user=user, agency=agency)
        member.full_clean()
        member.save()
        # A core member is invited to every forum of the season still to come (R-MAF-4).
        for forum in season.forums.filter(
            state=ForumState.SCHEDULED, held_on__gte=timezone.localdate()
        ):
            core_invitations_create(forum=forum, by=by)
        return member


def core_member_remove(*, member: ForumCoreMember, by: User) -> None:
    require_coordinator(by)
    if member.season.tenant_id != by.tenant_id:
        raise MeetingError("Core member not found.")
    with transaction.atomic(), coordinating(by):
        member.delete()


def next_forum_session(session: ForumSession) -> ForumSession | None:
    """The same cluster's session at the tenant's next forum still to come (where deferred
    and late nominations go, R-MAF-2..3); else the first session of that forum."""
    forum = session.forum
    later = (
        Forum.objects.filter(
            tenant_id=forum.tenant_id,
            state=ForumState.SCHEDULED,
            held_on__gt=forum.held_on,
            sessions__isnull=False,
        )
        .order_by("held_on", "id")
        .distinct()
        .first()
    )
    if later is None:
        return None
    sessions = later.sessions.all()
    return sessions.filter(cluster__iexact=session.cluster).first() or sessions.first()
