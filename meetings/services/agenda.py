"""The agenda of a forum session (R-MAF-3): the database around the pure builder in
``meetings.agenda``.

The coordinator builds the agenda from the session's nominations; cases that do not fit are
*proposed* for deferral (they stay nominated with the reason filled in). The coordinator may
reorder the accepted cases by hand; every build or reorder has to be confirmed again, by the
coordinator and by the forum's chair (two confirmations). Once both have confirmed, the
proposed deferrals are carried out: each case moves to the next forum with its reason.

Reads are constant in the number of nominations (one query per kind of row); writes save the
rows that change one by one, so each change is in the change log."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models, transaction
from django.db.models import Prefetch
from django.utils import timezone

from agencies.models import Role, User
from agencies.roles import in_caf_team_as
from cases.models import Case
from meetings import agenda as builder
from meetings.models import (
    ForumSession,
    ForumState,
    Nomination,
    NominationAttendee,
    NominationKind,
    NominationState,
)
from meetings.services import MeetingError
from meetings.services.forums import (
    coordinating,
    is_forum_chair,
    next_forum_session,
    require_coordinator,
)
from meetings.services.nominations import nomination_defer


class AgendaAction(models.TextChoices):
    BUILD = "build", "Build the agenda"
    REORDER = "reorder", "Reorder by hand"
    CONFIRM = "confirm", "Confirm the agenda"


AGENDA_STATES = (NominationState.NOMINATED, NominationState.SCHEDULED)
DEFAULT_LEVEL_OF_NEED = 2


@dataclass(frozen=True)
class AgendaInput:
    row: Nomination
    value: builder.Nomination


def agenda_rows(session: ForumSession):
    """The session's nominations the agenda is built from, in nomination order, with what the
    pages show of them (constant queries)."""
    return (
        session.nominations.filter(state__in=AGENDA_STATES)
        .select_related("case__child", "nominated_by", "nominated_by_agency", "carried_from")
        .prefetch_related(
            Prefetch(
                "attendees",
                queryset=NominationAttendee.objects.select_related("agency", "user"),
            )
        )
        .order_by("nominated_at", "id")
    )


def _levels_of_need(case_ids: set[int]) -> dict[int, int]:
    """Each case's level of need (its latest assessment version that records one)."""
    return dict(
        Case.objects.filter(pk__in=case_ids, level_of_need__isnull=False).values_list(
            "pk", "level_of_need"
        )
    )


def _reviews_due(case_ids: set[int]) -> dict[int, object]:
    """Each case's review date set when a forum last heard it."""
    due: dict[int, object] = {}
    rows = (
        Nomination.objects.filter(
            case_id__in=case_ids, state=NominationState.HEARD, review_on__isnull=False
        )
        .order_by("case_id", "-session__forum__held_on", "-id")
        .values_list("case_id", "review_on")
    )
    for case_id, review_on in rows:
        due.setdefault(case_id, review_on)
    return due


def agenda_inputs(session: ForumSession, rows=None) -> list[AgendaInput]:
    """The session's nominations on the way to its agenda (nominated, or scheduled by an
    earlier build; late ones only once accepted) as the builder's values, in nomination order.

    Priority comes from the case: its level of need (latest assessment version; 2 if none is
    recorded), how many days the review a forum set for it is overdue on the day of this forum,
    and how many days it has waited since it was first nominated (across deferrals)."""
    rows = list(agenda_rows(session) if rows is None else rows)
    case_ids = {row.case_id for row in rows}
    levels = _levels_of_need(case_ids)
    reviews = _reviews_due(case_ids)
    day = session.forum.held_on
    now = timezone.now()
    inputs = []
    for row in rows:
        review_on = reviews.get(row.case_id)
        first = row.carried_from or row
        inputs.append(
            AgendaInput(
                row=row,
                value=builder.Nomination(
                    key=row.pk,
                    is_review=row.kind == NominationKind.REVIEW,
                    attendees=frozenset(a.label for a in row.attendees.all()),
                    level_of_need=levels.get(row.case_id, DEFAULT_LEVEL_OF_NEED),
                    review_overdue_days=max(0, (day - review_on).days) if review_on else 0,
                    waiting_days=max(0, (now - first.nominated_at).days),
                ),
            )
        )
    return inputs


def _clock(session: ForumSession, minutes: int):
    start = datetime.combine(session.forum.held_on, session.starts_at)
    return (start + timedelta(minutes=minutes)).time()


def _lock(session: ForumSession, by: User) -> ForumSession:
    try:
        session = (
            ForumSession.objects.select_for_update(of=("self",))
            .select_related("forum")
            .get(pk=session.pk, forum__tenant_id=by.tenant_id)
        )
    except ForumSession.DoesNotExist as missing:
        raise MeetingError("Session not found.") from missing
    if session.forum.state != ForumState.SCHEDULED:
        raise MeetingError("The agenda is set for a forum still to come.")
    return session


def _check_revision(session: ForumSession, revision: int | None) -> None:
    if revision is not None and session.revision != revision:
        raise MeetingError(
            "A colleague changed this agenda while you were looking at it. Check the agenda "
            "as it is now and make your change again."
        )


def _save_slots(session: ForumSession, slots, inputs: list[AgendaInput]) -> None:
    rows = {i.row.pk: i.row for i in inputs}
    for position, slot in enumerate(slots, start=1):
        row = rows[slot.nomination.key]
        new = (
            NominationState.SCHEDULED,
            position,
            _clock(session, slot.starts_after),
            _clock(session, slot.ends_after),
            "",
        )
        if (row.state, row.position, row.starts_at, row.ends_at, row.deferral_reason) == new:
            continue
        row.state, row.position, row.starts_at, row.ends_at, row.deferral_reason = new
        row.revision += 1
        row.save(update_fields=Nomination.AGENDA_PLACE_FIELDS)


def _unconfirm(session: ForumSession) -> None:
    session.coordinator_confirmed_by = session.coordinator_confirmed_at = None
    session.chair_confirmed_by = session.chair_confirmed_at = None


SESSION_AGENDA_FIELDS = [
    "agenda_method",
    "attendee_minutes",
    "nomination_order_minutes",
    "builder_attendee_minutes",
    "agenda_built_at",
    "coordinator_confirmed_by",
    "coordinator_confirmed_at",
    "chair_confirmed_by",
    "chair_confirmed_at",
    "revision",
]


def agenda_build(*, session: ForumSession, by: User, revision: int | None = None) -> builder.Agenda:
    """Build the session's agenda (R-MAF-3): the cases that fit, in the order that keeps
    attendees the least time; the rest proposed for deferral with the reason. A rebuilt agenda
    must be confirmed again."""
    require_coordinator(by)
    with transaction.atomic(), coordinating(by):
        session = _lock(session, by)
        _check_revision(session, revision)
        inputs = agenda_inputs(session)
        if not inputs:
            raise MeetingError("No case is nominated for this session yet.")
        result = builder.build_agenda([i.value for i in inputs], session.minutes)
        _save_slots(session, result.slots, inputs)
        rows = {i.row.pk: i.row for i in inputs}
        for deferral in result.deferred:
            rows[deferral.nomination.key].leave_agenda(NominationState.NOMINATED, deferral.reason)
        session.agenda_method = result.method
        session.attendee_minutes = result.attendee_minutes
        session.builder_attendee_minutes = result.attendee_minutes
        session.nomination_order_minutes = result.nomination_order_minutes
        session.agenda_built_at = timezone.now()
        _unconfirm(session)
        session.revision += 1
        session.save(update_fields=SESSION_AGENDA_FIELDS)
        return result


def agenda_reorder(
    *, session: ForumSession, by: User, order: list[int], revision: int
) -> builder.Agenda:
    """The coordinator's own order of the cases on the agenda (``order``: their nomination
    ids, first heard first), timed and costed like the builder's; it must be confirmed again.
    Refused if the agenda changed since the coordinator opened it."""
    require_coordinator(by)
    with transaction.atomic(), coordinating(by):
        session = _lock(session, by)
        _check_revision(session, revision)
        if session.agenda_built_at is None:
            raise MeetingError("Build the agenda first.")
        inputs = [i for i in agenda_inputs(session) if i.row.state == NominationState.SCHEDULED]
        by_id = {i.row.pk: i for i in inputs}
        if len(order) != len(set(order)) or set(order) != set(by_id):
            raise MeetingError("Give every case on the agenda a place, each once.", field="order")
        values = [by_id[pk].value for pk in order]
        base = builder.Agenda(
            slots=[],
            deferred=[],
            attendee_minutes=0,
            nomination_order_minutes=session.nomination_order_minutes or 0,
            method="",
        )
        result = builder.retime(values, base)
        if result.minutes_used > session.minutes:
            raise MeetingError("These cases do not fit in the session.", field="order")
        _save_slots(session, result.slots, inputs)
        session.agenda_method = result.method
        session.attendee_minutes = result.attendee_minutes
        _unconfirm(session)
        session.revision += 1
        session.save(update_fields=SESSION_AGENDA_FIELDS)
        return result


def may_confirm_as(user: User, session: ForumSession) -> list[str]:
    """What ``user`` may confirm the session's agenda as: "chair", "coordinator", or none."""
    roles = []
    if is_forum_chair(user, session.forum):
        roles.append("chair")
    if in_caf_team_as(user, Role.CAF_COORDINATOR):
        roles.append("coordinator")
    return roles


def confirmation_left(user: User, session: ForumSession) -> str:
    """The confirmation ``user`` has still to give ("chair" or "coordinator"), or "" when
    they have given theirs (one person never gives both)."""
    roles = may_confirm_as(user, session)
    if "chair" in roles and session.chair_confirmed_at is None:
        return "chair"
    if (
        "coordinator" in roles
        and session.coordinator_confirmed_at is None
        and session.chair_confirmed_by_id != user.pk
    ):
        return "coordinator"
    return ""


def proposed_deferrals(session: ForumSession):
    return session.nominations.filter(state=NominationState.NOMINATED).exclude(deferral_reason="")


def agenda_confirm(*, session: ForumSession, by: User, revision: int | None = None) -> ForumSession:
    """Confirm the agenda and its deferrals: the coordinator and the forum's chair, two
    confirmations by two people (R-MAF-3, "with the chair"). The chair confirms as chair; a
    coordinator as coordinator. When both have, the proposed deferrals are carried out: each
    case goes to the next forum with its reason (by the confirming coordinator), and so do the
    late nominations not accepted (R-MAF-2)."""
    if session.forum.tenant_id != by.tenant_id:
        raise MeetingError("Session not found.")
    roles = may_confirm_as(by, session)
    if not roles:
        raise MeetingError("Only the forum's chair and the CAF coordinators confirm an agenda.")
    with transaction.atomic(), coordinating(by):
        session = _lock(session, by)
        _check_revision(session, revision)
        if session.agenda_built_at is None:
            raise MeetingError("Build the agenda first.")
        if session.nominations.filter(state=NominationState.NOMINATED, deferral_reason="").exists():
            raise MeetingError(
                "Cases were nominated since the agenda was built: build it again first."
            )
        now = timezone.now()
        if "chair" in roles and session.chair_confirmed_at is None:
            session.chair_confirmed_by, session.chair_confirmed_at = by, now
        elif (
            "coordinator" in roles
            and session.coordinator_confirmed_at is None
            and session.chair_confirmed_by_id != by.pk
        ):
            session.coordinator_confirmed_by, session.coordinator_confirmed_at = by, now
        else:
            raise MeetingError(
                "You have confirmed this agenda already: the "
                + ("coordinator" if session.chair_confirmed_at else "chair")
                + " confirms it too."
            )
        session.revision += 1
        session.save(update_fields=SESSION_AGENDA_FIELDS)
        if session.agenda_confirmed:
            coordinator = session.coordinator_confirmed_by
            for nomination in proposed_deferrals(session).order_by("nominated_at", "id"):
                nomination_defer(
                    nomination=nomination, by=coordinator, reason=nomination.deferral_reason
                )
            _late_ones_to_the_next_forum(session, coordinator)
        return session


LATE_NOT_ACCEPTED = (
    "Nominated after the deadline and not accepted for this forum: moved to the next forum."
)


def _late_ones_to_the_next_forum(session: ForumSession, coordinator: User) -> None:
    """R-MAF-2: a late nomination the coordinator did not accept before the agenda was
    confirmed goes to the next forum. With no later session arranged yet it stays late, on
    the coordinator's list, rather than dropping off every agenda."""
    if next_forum_session(session) is None:
        return
    late = session.nominations.filter(state=NominationState.LATE).order_by("nominated_at", "id")
    for nomination in late:
        nomination_defer(nomination=nomination, by=coordinator, reason=LATE_NOT_ACCEPTED)
