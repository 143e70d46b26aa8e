"""A TAC meeting's agenda (seed 003's example agenda, with the date, venue and invitees) and
its minutes (the record, attendance, apologies with written updates, actions agreed, the lead
professional proposed, the next meeting), as PDFs with WeasyPrint.

Both use the page of every printed document, ``templates/pdf/base.html``: OFFICIAL-SENSITIVE
and who printed it and when, on every page (R-AUDIT-4). The view logs each print. Only what
anyone who sees the case sees: no confidential notes, nothing of other cases."""

from datetime import datetime

from django.template.loader import render_to_string

from agencies.models import User
from meetings.models import MeetingState, ParticipantResponse, TacMeeting

KINDS = {"agenda": "meetings/tac_agenda_pdf.html", "minutes": "meetings/tac_minutes_pdf.html"}


def tac_pdf_context(
    meeting: TacMeeting, kind: str, *, printed_by: User, printed_at: datetime
) -> dict:
    participants = list(meeting.participants.select_related("user", "agency"))
    return {
        "case": meeting.case,
        "meeting": meeting,
        "participants": participants,
        "updates": [
            p
            for p in participants
            if p.response == ParticipantResponse.APOLOGIES and p.written_update
        ],
        "actions": list(meeting.actions.select_related("owner_agency", "owner_user")),
        # Minutes of a meeting still to be held are a draft on every page.
        "draft_mark": "DRAFT – not yet held"
        if kind == "minutes" and meeting.state != MeetingState.HELD
        else "",
        "printed_by": printed_by,
        "printed_at": printed_at,
    }


def tac_pdf(
    meeting: TacMeeting, kind: str, *, printed_by: User, printed_at: datetime, base_url: str
) -> bytes:
    """The agenda or the minutes of ``meeting``, for a user already allowed to see its case."""
    from weasyprint import HTML  # heavy: loaded when a PDF is asked for

    html = render_to_string(
        KINDS[kind], tac_pdf_context(meeting, kind, printed_by=printed_by, printed_at=printed_at)
    )
    return HTML(string=html, base_url=base_url).write_pdf()
