"""Forum invitations and reminders (R-MAF-4, R-AUDIT-3).

Who is invited:
- core members of the forum's season, and its chair, as soon as the forum is set up
  (``core_invitations_create``);
- specialist services asked to hear a nominated case, two weeks before the forum
  (``specialist_invitations_schedule``): a named practitioner in person, an agency named
  without a practitioner at the agency's own address (``Agency.email``). An agency the family
  did not agree to share a case with is never invited for that case (``agency_excluded``);
  it is invited at all only if some other live case of the forum lets it.

When: each invitation carries the day it falls due (``send_on``) and the day of its one
reminder (``remind_on``). Nothing is queued in Celery for later: a task scheduled every few
minutes by beat (``meetings.tasks``) sends whatever is due (``invitations_send_due``,
``reminders_send_due``), rows locked with ``SKIP LOCKED`` so two workers, or the same job run
twice, send each invitation once (FIELD-NOTES: long ETAs are redelivered and run again).

The one reminder: three working days before the nomination deadline while that is still
ahead when the invitation is sent (so invitees can still nominate), otherwise three working
days before the forum; none if both have passed. The reminder goes only to those who have not
sent apologies or a deputy, and carries the nomination deadline.

What the email says (R-AUDIT-3): the forum's date, its sessions' times, the venue, the
nomination deadline, and a link into the service. Never a child's name, date of birth or case
reference: those are read in the application, by attendees whose agencies may see the case.

Exactly-once: the row stays locked while its email is handed to the backend and ``sent_at``
is written in the same transaction; a second scan skips it while locked and no longer finds it
due afterwards. The one gap is a commit failing after the backend accepted the email: that
invitation is sent again by the next scan (at least once, never silently lost).
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from agencies.models import CASEWORK_ROLES, Agency, Membership, User
from agencies.roles import in_caf_team
from audit.context import acting_as
from consent.services import agency_excluded
from deadlines import rules
from deadlines.rules import is_working_day
from meetings.models import (
    Forum,
    ForumInvitation,
    ForumState,
    InvitationKind,
    InvitationResponse,
    NominationAttendee,
    NominationState,
)
from meetings.services import MeetingError

log = logging.getLogger(__name__)

REMIND_WORKING_DAYS = 3  # before the nomination deadline, or else before the forum
LIVE_NOMINATIONS = (NominationState.NOMINATED, NominationState.SCHEDULED)
# The forum's own page, built with the forum set-up; until it exists links go to the home page.
FORUM_PAGE = "meetings:forum"


# --- Dates ----------------------------------------------------------------------------------


def working_days_before(day: date, count: int) -> date:
    """The working day ``count`` working days before ``day`` (``day`` itself not counted)."""
    while count > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def remind_on(forum: Forum, send_on: date) -> date | None:
    """The one reminder's day: before the nomination deadline while it is still ahead of the
    invitation, else before the forum; None when both are too close."""
    deadline = timezone.localtime(forum.nomination_deadline).date()
    for before in (deadline, forum.held_on):
        day = working_days_before(before, REMIND_WORKING_DAYS)
        if day > send_on:
            return day
    return None


def specialist_send_on(forum: Forum, today: date) -> date:
    """Two weeks before the forum, or today when that has passed (R-MAF-4)."""
    return max(rules.specialist_invitations_due(forum.held_on), today)


# --- Who -------------------------------------------------------------------------------------


def casework_member(user: User | None, agency: Agency) -> bool:
    """An active practitioner (casework role, enhanced DBS check) of ``agency``, in its
    tenant."""
    return (
        user is not None
        and user.is_active
        and not user.is_superuser
        and user.tenant_id == agency.tenant_id
        and user.has_dbs_check
        and agency.is_active
        and Membership.objects.filter(user=user, agency=agency, role__in=CASEWORK_ROLES).exists()
    )


def deputy_choices(invitation: ForumInvitation) -> list[User]:
    """Colleagues the invitee may send instead: casework members of the invitation's agency
    with a DBS check, not the invitee, not already invited to this forum themselves."""
    invited = ForumInvitation.objects.filter(forum_id=invitation.forum_id, user__isnull=False)
    return list(
        User.objects.filter(
            memberships__agency_id=invitation.agency_id,
            memberships__role__in=CASEWORK_ROLES,
            is_active=True,
            is_superuser=False,
            tenant_id=invitation.forum.tenant_id,
            dbs_checked_on__isnull=False,
        )
        .exclude(dbs_reference="")
        .exclude(pk=invitation.user_id)
        .exclude(pk__in=invited.values("user_id"))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _agency_of(user: User, tenant_id: int) -> Agency | None:
    """The agency a core member or chair is invited for: their CAF-team membership first,
    else their first casework agency."""
    memberships = (
        Membership.objects.filter(
            user=user, role__in=CASEWORK_ROLES, agency__tenant_id=tenant_id, agency__is_active=True
        )
        .select_related("agency")
        .order_by("agency__name", "agency_id")
    )
    chosen = next((m for m in memberships if m.agency.kind == "caf_team"), None)
    chosen = chosen or memberships.first()
    return chosen.agency if chosen else None


def _require_caf_team(forum: Forum, by: User | None) -> None:
    """Forum invitations are set by the CAF team of the forum's tenant; ``None`` is the
    scheduled job, acting for nobody."""
    if by is None:
        return
    if not in_caf_team(by) or by.tenant_id != forum.tenant_id:
        raise MeetingError("Forum not found.")


def _require_forum_tenant(forum: Forum, by: User | None) -> None:
    """Specialists are invited as nominations come in, so whoever may nominate (a
    practitioner of the forum's tenant) may set it going; it only reads the nominations."""
    if by is None:
        return
    if not by.is_active or by.tenant_id != forum.tenant_id or not by.has_dbs_check:
        raise MeetingError("Forum not found.")


def _lock_forum(forum: Forum) -> Forum:
    """Invitations of one forum are written one caller at a time (the set-up page and the
    scan may meet)."""
    return Forum.objects.select_for_update().get(pk=forum.pk)


def _require_open(forum: Forum, today: date) -> None:
    if forum.state != ForumState.SCHEDULED or forum.held_on < today:
        raise MeetingError("This forum is no longer open for invitations.")


# --- Writes ----------------------------------------------------------------------------------


@transaction.atomic
def core_invitations_create(
    *, forum: Forum, by: User | None, today: date | None = None
) -> list[ForumInvitation]:
    """Invite every core member of the forum's season, and its chair, to be emailed by the
    next scan (send_on today). Idempotent: members already invited are left as they are;
    running it again after a core member joins the season invites the newcomer only."""
    _require_caf_team(forum, by)
    forum = _lock_forum(forum)
    today = today or timezone.localdate()
    _require_open(forum, today)
    already = set(
        ForumInvitation.objects.filter(forum=forum, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    wanted: list[tuple[User, Agency, str]] = []
    if forum.chair_id and forum.chair_id not in already:
        agency = _agency_of(forum.chair, forum.tenant_id)
        if agency is not None:
            wanted.append((forum.chair, agency, InvitationKind.CHAIR))
            already.add(forum.chair_id)
    for member in forum.season.core_members.select_related("user", "agency"):
        if member.user_id in already or not member.user.is_active:
            continue
        wanted.append((member.user, member.agency, InvitationKind.CORE))
        already.add(member.user_id)
    created = []
    with acting_as(by, agency_id=None):
        for user, agency, kind in wanted:
            invitation = ForumInvitation(
                forum=forum,
                kind=kind,
                user=user,
                agency=agency,
                send_on=today,
                remind_on=remind_on(forum, today),
            )
            invitation.full_clean()
            invitation.save()
            created.append(invitation)
    return created


@transaction.atomic
def invitations_reschedule(*, forum: Forum, by: User | None, today: date | None = None) -> None:
    """After the forum's date, deadline or chair changed: invitations still to send fall due
    on the new dates, reminders still to send move with them, a new chair is invited. (Those
    already emailed are not told of the change by email: see the forum page.)"""
    _require_caf_team(forum, by)
    forum = _lock_forum(forum)
    today = today or timezone.localdate()
    _require_open(forum, today)
    with acting_as(by, agency_id=None):
        for invitation in ForumInvitation.objects.filter(forum=forum):
            fields = []
            if invitation.sent_at is None and invitation.kind == InvitationKind.SPECIALIST:
                invitation.send_on = specialist_send_on(forum, today)
                fields.append("send_on")
            if invitation.reminded_at is None and invitation.response not in (
                InvitationResponse.APOLOGIES,
                InvitationResponse.DEPUTY,
            ):
                invitation.remind_on = remind_on(forum, max(invitation.send_on, today))
                fields.append("remind_on")
            if fields:
                invitation.save(update_fields=fields)
    core_invitations_create(forum=forum, by=by, today=today)


@dataclass
class SpecialistSchedule:
    created: list[ForumInvitation] = field(default_factory=list)
    # Agencies to hear a case with no named practitioner and no address of their own: the
    # coordinator has to name someone (shown on the forum page).
    unreachable: list[Agency] = field(default_factory=list)


@transaction.atomic
def specialist_invitations_schedule(
    *, forum: Forum, by: User | None, today: date | None = None
) -> SpecialistSchedule:
    """Invite those asked to hear the forum's live nominations who are not invited yet, to be
    emailed two weeks before the forum (or at once when that is past). Each attendee's agency
    must not be excluded by that case's family (R-CONSENT-4). Idempotent; called again as
    nominations come in, and by the scan itself for forums inside the two weeks."""
    _require_forum_tenant(forum, by)
    forum = _lock_forum(forum)
    today = today or timezone.localdate()
    _require_open(forum, today)
    attendees = (
        NominationAttendee.objects.filter(
            nomination__session__forum=forum, nomination__state__in=LIVE_NOMINATIONS
        )
        .select_related("nomination__case", "agency", "user")
        .order_by("nomination_id", "id")
    )
    invited_people = set(
        ForumInvitation.objects.filter(forum=forum, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    invited_agencies = set(
        ForumInvitation.objects.filter(forum=forum, user__isnull=True).values_list(
            "agency_id", flat=True
        )
    )
    send_on = specialist_send_on(forum, today)
    result = SpecialistSchedule()
    unreachable: dict[int, Agency] = {}
    with acting_as(by, agency_id=None):
        for attendee in attendees:
            agency = attendee.agency
            if agency.tenant_id != forum.tenant_id or not agency.is_active:
                continue
            if agency_excluded(attendee.nomination.case, agency):
                continue
            if attendee.user_id:
                if attendee.user_id in invited_people or not casework_member(attendee.user, agency):
                    continue
                invitation = ForumInvitation(forum=forum, user=attendee.user)
                invited_people.add(attendee.user_id)
            else:
                if agency.pk in invited_agencies:
                    continue
                if not agency.email:
                    unreachable[agency.pk] = agency
                    continue
                invitation = ForumInvitation(forum=forum, email=agency.email)
                invited_agencies.add(agency.pk)
                unreachable.pop(agency.pk, None)
            invitation.kind = InvitationKind.SPECIALIST
            invitation.agency = agency
            invitation.send_on = send_on
            invitation.remind_on = remind_on(forum, send_on)
            invitation.full_clean()
            invitation.save()
            result.created.append(invitation)
    result.unreachable = sorted(unreachable.values(), key=lambda agency: agency.name)
    return result


@transaction.atomic
def invitation_respond(
    *,
    invitation: ForumInvitation,
    by: User,
    response: str,
    deputy: User | None = None,
) -> ForumInvitation:
    """The invitee answers: attending, apologies, or a deputy, who must be a practitioner of
    the same agency. The deputy attends in the invitee's place; at the forum they see, like
    everyone, only the cases their own agency may see. An agency invited at its address has
    no invitee to answer here."""
    invitation = (
        ForumInvitation.objects.select_for_update(of=("self",))
        .select_related("forum", "agency", "user")
        .get(pk=invitation.pk)
    )
    if invitation.user_id is None or invitation.user_id != by.pk or not by.is_active:
        raise MeetingError("Invitation not found.")
    _require_open(invitation.forum, timezone.localdate())
    if response not in InvitationResponse.values or response == InvitationResponse.NO_REPLY:
        raise MeetingError("Choose whether you will attend.", field="response")
    if response == InvitationResponse.DEPUTY:
        if deputy is None:
            raise MeetingError("Choose who will attend in your place.", field="deputy")
        if deputy.pk == by.pk:
            raise MeetingError("Choose a colleague, not yourself.", field="deputy")
        if not casework_member(deputy, invitation.agency):
            raise MeetingError(
                f"Your deputy must be a practitioner of {invitation.agency.name}.", field="deputy"
            )
        if ForumInvitation.objects.filter(forum_id=invitation.forum_id, user=deputy).exists():
            raise MeetingError("They are invited to this forum already.", field="deputy")
    else:
        deputy = None
    invitation.response = response
    invitation.deputy = deputy
    if response == InvitationResponse.APOLOGIES:
        invitation.remind_on = None  # nobody to remind
    invitation.full_clean()
    with acting_as(by, agency_id=invitation.agency_id):
        invitation.save(update_fields=["response", "deputy", "remind_on"])
    return invitation


# --- Who attends (for the forum page) -------------------------------------------------------


def attendance_invitation(*, forum: Forum, user: User) -> ForumInvitation | None:
    """The invitation through which ``user`` attends ``forum``: their own (unless they sent
    apologies or a deputy), or one whose invitee named them deputy. None if neither. What they
    see of each case is still decided by the case's access model, for their own agency."""
    own = (
        ForumInvitation.objects.filter(forum=forum, user=user)
        .exclude(response__in=[InvitationResponse.APOLOGIES, InvitationResponse.DEPUTY])
        .first()
    )
    if own is not None:
        return own
    return ForumInvitation.objects.filter(
        forum=forum, deputy=user, response=InvitationResponse.DEPUTY
    ).first()


# --- The scan: emails falling due ------------------------------------------------------------


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def forum_link(forum: Forum) -> str:
    try:
        return absolute(reverse(FORUM_PAGE, kwargs={"pk": forum.pk}))
    except NoReverseMatch:
        return absolute(reverse("home"))


def invitation_link(invitation: ForumInvitation) -> str:
    """A person's invitation links to their answer page (which links on to the forum); an
    agency's to the forum's page, for whoever of the agency signs in."""
    if invitation.user_id:
        return absolute(reverse("meetings:invitation", kwargs={"pk": invitation.pk}))
    return forum_link(invitation.forum)


def email_context(invitation: ForumInvitation) -> dict:
    """What an email may say: the forum's date, times, venue and deadline, and links. Nothing
    of any case (R-AUDIT-3)."""
    forum = invitation.forum
    return {
        "invitation": invitation,
        "forum": forum,
        "season": forum.season.name,
        "sessions": list(forum.sessions.all()),
        "deadline": timezone.localtime(forum.nomination_deadline),
        "deadline_passed": forum.nomination_deadline <= timezone.now(),
        "link": invitation_link(invitation),
        "forum_link": forum_link(forum),
        "addressee": (
            (invitation.user.get_full_name() or invitation.user.username)
            if invitation.user_id
            else invitation.agency.name
        ),
    }


def _email(invitation: ForumInvitation, template: str) -> EmailMessage:
    context = email_context(invitation)
    subject = render_to_string(f"meetings/email/{template}_subject.txt", context)
    body = render_to_string(f"meetings/email/{template}.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.address],
    )


def _has_address() -> Q:
    return Q(user__isnull=False, user__is_active=True, user__email__gt="") | Q(
        user__isnull=True, email__gt=""
    )


def _open_forums(today: date) -> Q:
    return Q(forum__state=ForumState.SCHEDULED, forum__held_on__gte=today)


def _specialist_wanted(invitation: ForumInvitation) -> bool:
    """Whether a live case of the forum still asks the specialist to hear it, with its
    family's agreement to share with their agency (checked again when the email goes)."""
    attendees = NominationAttendee.objects.filter(
        nomination__session__forum_id=invitation.forum_id,
        nomination__state__in=LIVE_NOMINATIONS,
        agency_id=invitation.agency_id,
    ).select_related("nomination__case")
    if invitation.user_id:
        attendees = attendees.filter(user_id=invitation.user_id)
    else:
        attendees = attendees.filter(user__isnull=True)
    return any(
        not agency_excluded(attendee.nomination.case, invitation.agency) for attendee in attendees
    )


def _send_batch(due, *, stamp: str, template: str, batch: int) -> int:
    """Lock up to ``batch`` due rows nobody else holds, email each, stamp each, commit."""
    sent = 0
    with transaction.atomic():
        rows = list(due.select_for_update(skip_locked=True, of=("self",)).order_by("pk")[:batch])
        if not rows:
            return 0
        # Related rows are read after the lock, without locking them.
        invitations = (
            ForumInvitation.objects.filter(pk__in=[row.pk for row in rows])
            .select_related("forum__season", "user", "agency")
            .order_by("pk")
        )
        with acting_as(None, agency_id=None):
            for invitation in invitations:
                if invitation.kind == InvitationKind.SPECIALIST and not _specialist_wanted(
                    invitation
                ):
                    # The case it was for was withdrawn, or its family excluded the agency
                    # since: nothing to send (a new nomination invites them again).
                    if invitation.sent_at is None:
                        invitation.delete()
                    else:
                        invitation.remind_on = None
                        invitation.save(update_fields=["remind_on"])
                    continue
                try:
                    with transaction.atomic():
                        _email(invitation, template).send(fail_silently=False)
                        setattr(invitation, stamp, timezone.now())
                        invitation.save(update_fields=[stamp])
                except Exception:
                    # Left due: the next scan tries again.
                    log.exception(
                        "forum %s email for invitation %s failed", template, invitation.pk
                    )
                    continue
                sent += 1
    return sent


def invitations_send_due(*, today: date, batch: int = 200) -> int:
    """Email every invitation due by ``today`` and not yet sent, once each. Also invites, for
    forums now within two weeks, specialists nominated since the last call. Returns how many
    were sent."""
    for forum in Forum.objects.filter(
        state=ForumState.SCHEDULED,
        held_on__gte=today,
        held_on__lte=rules.latest_start(rules.specialist_invitations_due, today),
        sessions__nominations__state__in=LIVE_NOMINATIONS,
    ).distinct():
        try:
            specialist_invitations_schedule(forum=forum, by=None, today=today)
        except MeetingError:
            log.exception("specialist invitations of forum %s not scheduled", forum.pk)
    due = ForumInvitation.objects.filter(
        _has_address(), _open_forums(today), sent_at__isnull=True, send_on__lte=today
    )
    return _send_in_batches(due, stamp="sent_at", template="invitation", batch=batch)


def reminders_send_due(*, today: date, batch: int = 200) -> int:
    """Email the one reminder of every invitation due for it by ``today``: already sent, no
    apologies or deputy yet, not reminded before. Returns how many were sent."""
    due = ForumInvitation.objects.filter(
        _has_address(),
        _open_forums(today),
        sent_at__isnull=False,
        reminded_at__isnull=True,
        remind_on__lte=today,
    ).exclude(response__in=[InvitationResponse.APOLOGIES, InvitationResponse.DEPUTY])
    return _send_in_batches(due, stamp="reminded_at", template="reminder", batch=batch)


MAX_BATCHES = 50


def _send_in_batches(due, *, stamp: str, template: str, batch: int) -> int:
    """Batch after batch, each its own transaction, until a batch comes back short (rows
    whose email failed stay due for the next scan, so the loop is bounded)."""
    total = 0
    for _ in range(MAX_BATCHES):
        sent = _send_batch(due, stamp=stamp, template=template, batch=batch)
        total += sent
        if sent < batch:
            break
    return total
