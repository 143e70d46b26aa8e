"""A forum's printed papers: the agenda with each session's slot times, and the attendance
(sign-in) sheet (R-MAF-3..4, R-AUDIT-4).

Each holds only the cases the printing user may see: a practitioner's print of the agenda
lists their own cases' slots and no other child, and the sign-in sheet lists only the
attendees of those cases (with the forum's invitees, who are not tied to a case). Every page
is marked OFFICIAL-SENSITIVE with who printed it and when (the shared page in
``templates/pdf/base.html``). The views log each print against every case it shows."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch
from django.template.loader import render_to_string

from agencies.models import User
from meetings.models import (
    Forum,
    ForumInvitation,
    ForumSession,
    InvitationKind,
    Nomination,
    NominationAttendee,
    NominationState,
)
from meetings.services.nominations import visible_nominations


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


@dataclass
class SessionPaper:
    session: ForumSession
    slots: list[Nomination] = field(default_factory=list)
    deferred: list[Nomination] = field(default_factory=list)


@dataclass
class SignInRow:
    name: str
    agency: str
    why: str


def _visible(forum: Forum, user: User, states) -> list[Nomination]:
    return list(
        visible_nominations(user, Nomination.objects.filter(session__forum=forum, state__in=states))
        .select_related("case__child", "nominated_by", "nominated_by_agency")
        .prefetch_related(
            Prefetch(
                "attendees", queryset=NominationAttendee.objects.select_related("agency", "user")
            )
        )
        .order_by("session_id", "position", "nominated_at", "id")
    )


def forum_papers(forum: Forum, user: User) -> tuple[list[SessionPaper], list[Nomination]]:
    """Each session of the forum with the cases ``user`` may see: scheduled ones in agenda
    order, and those deferred or proposed for deferral; and every nomination shown."""
    sessions = {s.pk: SessionPaper(s) for s in forum.sessions.order_by("starts_at", "id")}
    shown = _visible(
        forum,
        user,
        [NominationState.SCHEDULED, NominationState.NOMINATED, NominationState.DEFERRED],
    )
    for nomination in shown:
        paper = sessions[nomination.session_id]
        if nomination.state == NominationState.SCHEDULED:
            paper.slots.append(nomination)
        elif nomination.deferral_reason:
            paper.deferred.append(nomination)
    return list(sessions.values()), shown


def sign_in_rows(forum: Forum, nominations: list[Nomination]) -> list[SignInRow]:
    """The invitees of the forum, then each shown case's attendees not already listed."""
    rows: list[SignInRow] = []
    seen_users: set[int] = set()
    seen_agencies: set[int] = set()
    if forum.chair_id:
        rows.append(SignInRow(_name(forum.chair), "", "Chair"))
        seen_users.add(forum.chair_id)
    invitations = ForumInvitation.objects.filter(forum=forum).select_related(
        "user", "agency", "deputy"
    )
    for invitation in invitations:
        if invitation.user_id in seen_users:
            continue
        seen_users.add(invitation.user_id)
        why = InvitationKind(invitation.kind).label
        rows.append(SignInRow(_name(invitation.user), invitation.agency.name, why))
    for nomination in nominations:
        if nomination.state != NominationState.SCHEDULED:
            continue
        for attendee in nomination.attendees.all():
            why = f"Hears {nomination.case.reference}"
            if attendee.user_id:
                if attendee.user_id in seen_users:
                    continue
                seen_users.add(attendee.user_id)
                presenter = attendee.user_id == nomination.nominated_by_id
                rows.append(
                    SignInRow(
                        _name(attendee.user),
                        attendee.agency.name,
                        f"Presents {nomination.case.reference}" if presenter else why,
                    )
                )
            elif attendee.agency_id not in seen_agencies:
                seen_agencies.add(attendee.agency_id)
                rows.append(SignInRow("", attendee.agency.name, f"Representative: {why}"))
    return rows


def _render(template: str, context: dict, base_url: str) -> bytes:
    from weasyprint import HTML  # heavy: loaded when a PDF is asked for

    return HTML(string=render_to_string(template, context), base_url=base_url).write_pdf()


def agenda_pdf(
    forum: Forum, *, printed_by: User, printed_at: datetime, base_url: str
) -> tuple[bytes, list[Nomination]]:
    """The forum's agenda as ``printed_by`` may see it, and the nominations it shows."""
    papers, shown = forum_papers(forum, printed_by)
    context = {
        "forum": forum,
        "papers": papers,
        "printed_by": printed_by,
        "printed_at": printed_at,
    }
    return _render("meetings/agenda/agenda_pdf.html", context, base_url), shown


def sign_in_pdf(
    forum: Forum, *, printed_by: User, printed_at: datetime, base_url: str
) -> tuple[bytes, list[Nomination]]:
    """The forum's attendance sheet with a blank signature column."""
    _, shown = forum_papers(forum, printed_by)
    context = {
        "forum": forum,
        "rows": sign_in_rows(forum, shown),
        "printed_by": printed_by,
        "printed_at": printed_at,
    }
    scheduled = [n for n in shown if n.state == NominationState.SCHEDULED]
    return _render("meetings/agenda/sign_in_pdf.html", context, base_url), scheduled
