"""Nominations of cases for a forum session (R-MAF-2): by practitioners who work with the
child, before the deadline, only for a CAF the CAF team has logged; late ones wait for the
coordinator or go to the next forum. Deferrals carry a case to the next forum (R-MAF-3)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import CASEWORK_ROLES, Agency, Membership, User
from assessments.models import Assessment
from audit.context import acting_as
from cases.models import Case
from cases.permissions import VIEW, acting_agency_id, user_may, with_visible_case
from consent.services import agency_excluded
from meetings.models import (
    ForumSession,
    ForumState,
    Nomination,
    NominationAttendee,
    NominationKind,
    NominationState,
)
from meetings.services import MeetingError
from meetings.services.forums import coordinating, next_forum_session, require_coordinator
from meetings.services.invitations import specialist_invitations_schedule

LIVE_STATES = (NominationState.NOMINATED, NominationState.LATE, NominationState.SCHEDULED)
REASON_MAX_LENGTH = 2000


def caf_is_logged(case: Case) -> bool:
    """Whether the CAF team has received and logged the completed CAF (R-MAF-2)."""
    return Assessment.objects.filter(case=case, logged_on__isnull=False).exists()


def _require_attendee_agency(case: Case, agency: Agency) -> None:
    if agency.tenant_id != case.tenant_id or not agency.is_active:
        raise MeetingError("Choose an agency of this area.", field="agency")
    if agency_excluded(case, agency):
        raise MeetingError(
            f"The family has not agreed to share this CAF with {agency}: it cannot be invited "
            "to hear the case.",
            field="agency",
        )


def _attendee_add(nomination: Nomination, agency: Agency, user: User | None) -> NominationAttendee:
    _require_attendee_agency(nomination.case, agency)
    if (
        user is not None
        and not Membership.objects.filter(
            user=user, agency=agency, role__in=CASEWORK_ROLES, user__is_active=True
        ).exists()
    ):
        raise MeetingError(f"{user} does not work for {agency}.", field="user")
    attendee = NominationAttendee(nomination=nomination, agency=agency, user=user)
    attendee.full_clean()
    attendee.save()
    return attendee


def default_kind(case: Case) -> str:
    """A case a forum has heard before comes back as a review (10 minutes)."""
    heard = Nomination.objects.filter(case=case, state=NominationState.HEARD).exists()
    return NominationKind.REVIEW if heard else NominationKind.NEW


def nomination_create(
    *,
    session: ForumSession,
    case: Case,
    by: User,
    kind: str,
    reason: str = "",
    attendees: list[tuple[Agency, User | None]] = (),
) -> Nomination:
    """Nominate a case for a session. The nominator presents it and must work with the
    child (see the case); the CAF must be logged by the CAF team; after the deadline the
    nomination is late: the coordinator accepts it or it goes to the next forum (R-MAF-2).
    ``attendees`` are the agencies (or named practitioners) who should hear the case; each must
    be one the family agreed to share with."""
    session = ForumSession.objects.select_related("forum").get(pk=session.pk)
    forum = session.forum
    if forum.tenant_id != by.tenant_id or case.tenant_id != by.tenant_id:
        raise MeetingError("Forum not found.")
    if not user_may(by, case, VIEW):
        raise MeetingError("Case not found.")
    if not case.is_open:
        raise MeetingError("Only an open CAF can be heard at a forum.")
    if forum.state != ForumState.SCHEDULED or forum.held_on < timezone.localdate():
        raise MeetingError("This forum is not taking nominations.")
    if not caf_is_logged(case):
        raise MeetingError(
            "A case is heard only once the CAF team has received and logged its completed "
            "CAF. Submit the assessment first.",
            field="case",
        )
    if kind not in NominationKind.values:
        raise MeetingError("Say whether this is a new case or a review.", field="kind")
    agency_id = acting_agency_id(by, case)
    late = timezone.now() > forum.nomination_deadline
    try:
        with transaction.atomic(), acting_as(by, agency_id=agency_id):
            # One agenda per case at a forum: the case row serialises nominations of it.
            Case.objects.select_for_update().filter(pk=case.pk).first()
            if _live_at(forum, case).exists():
                raise MeetingError(
                    "This case is already nominated for this forum.", field="session"
                )
            nomination = Nomination(
                tenant_id=by.tenant_id,
                session=session,
                case=case,
                kind=kind,
                nominated_by=by,
                nominated_by_agency_id=agency_id,
                reason=reason.strip()[:REASON_MAX_LENGTH],
                state=NominationState.LATE if late else NominationState.NOMINATED,
            )
            nomination.full_clean(validate_constraints=False)
            nomination.save()
            # The presenter hears their own case.
            _attendee_add(nomination, nomination.nominated_by_agency, by)
            for agency, user in attendees:
                if user is not None and user.pk == by.pk:
                    continue
                _attendee_add(nomination, agency, user)
            # Those asked to hear it are invited two weeks before the forum (R-MAF-4).
            specialist_invitations_schedule(forum=forum, by=by)
            return nomination
    except IntegrityError as error:
        raise MeetingError(
            "This case is already nominated for this session.", field="case"
        ) from error


def _live_at(forum, case: Case):
    """The case's nominations on the way to ``forum``, in any of its sessions."""
    return Nomination.objects.filter(session__forum=forum, case=case, state__in=LIVE_STATES)


def _lock_live(nomination: Nomination, by: User) -> Nomination:
    nomination = (
        Nomination.objects.select_for_update()
        .select_related("case", "session__forum")
        .get(pk=nomination.pk, tenant_id=by.tenant_id)
    )
    if nomination.state not in LIVE_STATES:
        raise MeetingError("This nomination is no longer on the way to a forum.")
    return nomination


def nomination_attendee_add(
    *, nomination: Nomination, by: User, agency: Agency, user: User | None = None
) -> NominationAttendee:
    """Ask another agency (or a named practitioner of it) to hear the case: the presenter or
    a coordinator. Specialists are invited two weeks before the forum (R-MAF-4)."""
    is_presenter = nomination.nominated_by_id == by.pk
    if not is_presenter:
        require_coordinator(by)
    with transaction.atomic(), acting_as(by, agency_id=acting_agency_id(by, nomination.case)):
        nomination = _lock_live(nomination, by)
        duplicate = nomination.attendees.filter(agency=agency)
        duplicate = duplicate.filter(user=user) if user else duplicate.filter(user__isnull=True)
        if duplicate.exists():
            raise MeetingError("Already asked to hear this case.", field="agency")
        attendee = _attendee_add(nomination, agency, user)
        specialist_invitations_schedule(forum=nomination.session.forum, by=by)
        return attendee


def nomination_attendee_remove(*, attendee: NominationAttendee, by: User) -> None:
    nomination = attendee.nomination
    if nomination.nominated_by_id != by.pk:
        require_coordinator(by)
    if attendee.user_id == nomination.nominated_by_id:
        raise MeetingError("The presenter hears their own case.")
    with transaction.atomic(), acting_as(by, agency_id=acting_agency_id(by, nomination.case)):
        _lock_live(nomination, by)
        attendee.delete()


def late_nomination_accept(*, nomination: Nomination, by: User) -> Nomination:
    """The coordinator takes a late nomination onto this forum after all (R-MAF-2)."""
    require_coordinator(by)
    with transaction.atomic(), coordinating(by):
        nomination = _lock_live(nomination, by)
        if nomination.state != NominationState.LATE:
            raise MeetingError("This nomination is not late.")
        nomination.state = NominationState.NOMINATED
        nomination.late_accepted_by = by
        nomination.revision += 1
        nomination.save(update_fields=["state", "late_accepted_by", "revision"])
        specialist_invitations_schedule(forum=nomination.session.forum, by=by)
        return nomination


def nomination_defer(*, nomination: Nomination, by: User, reason: str) -> Nomination | None:
    """Move a case to the next forum with the reason (a late nomination not accepted, or a
    deferral confirmed for lack of time, R-MAF-3). Returns the nomination at the next forum,
    or None when the case is nominated there already. Refused while no later forum has a
    session (the case would be on no forum)."""
    require_coordinator(by)
    reason = reason.strip()
    if not reason:
        raise MeetingError("Say why the case is deferred.", field="reason")
    with transaction.atomic(), coordinating(by):
        nomination = _lock_live(nomination, by)
        target = next_forum_session(nomination.session)
        if target is None:
            # Deferred to no forum, the case would drop off every agenda unnoticed.
            raise MeetingError(
                "No forum after this one has a session yet: arrange the next forum before "
                "moving a case to it.",
                field="reason",
            )
        nomination.leave_agenda(NominationState.DEFERRED, reason[:REASON_MAX_LENGTH])
        if _live_at(target.forum, nomination.case).exists():
            return None
        carried = Nomination(
            tenant_id=nomination.tenant_id,
            session=target,
            case=nomination.case,
            kind=nomination.kind,
            nominated_by=nomination.nominated_by,
            nominated_by_agency=nomination.nominated_by_agency,
            reason=nomination.reason,
            carried_from=nomination.carried_from or nomination,
        )
        carried.save()
        NominationAttendee.objects.bulk_create(
            NominationAttendee(nomination=carried, agency_id=a.agency_id, user_id=a.user_id)
            for a in nomination.attendees.all()
            if not agency_excluded(nomination.case, a.agency)
        )
        specialist_invitations_schedule(forum=target.forum, by=by)
        return carried


def nomination_withdraw(*, nomination: Nomination, by: User) -> Nomination:
    """The presenter (or a coordinator) takes a case off the forum."""
    if nomination.nominated_by_id != by.pk:
        require_coordinator(by)
    with transaction.atomic(), acting_as(by, agency_id=acting_agency_id(by, nomination.case)):
        nomination = _lock_live(nomination, by)
        nomination.state = NominationState.WITHDRAWN
        nomination.position = nomination.starts_at = nomination.ends_at = None
        nomination.revision += 1
        nomination.save(update_fields=["state", "position", "starts_at", "ends_at", "revision"])
        return nomination


def live_nominations(session: ForumSession):
    return session.nominations.filter(state__in=LIVE_STATES)


def visible_nominations(user: User, queryset):
    """Only nominations of cases ``user`` may see: forum pages, agendas and their PDFs list
    no other child (R-MAF-4, R-AUDIT-2)."""
    return with_visible_case(user, queryset)
