"""Reading meetings: a case's TAC meetings for a user who sees the case, and when its first
TAC is due (R-TAC-1: within 20 working days of the assessment's completion)."""

from datetime import date

from django.db.models import Exists, OuterRef
from django.http import Http404

from cafsite.validation import parse_id
from cases.models import Case
from cases.permissions import VIEW, get_case_for_user
from deadlines.rules import first_tac_due
from meetings.models import MeetingState, TacMeeting


def meetings_of(case: Case) -> list[TacMeeting]:
    """Every TAC meeting of ``case``, the latest first (a case has a handful)."""
    return list(
        TacMeeting.objects.filter(case=case).select_related("convened_by", "convened_by_agency")
    )


def first_tac_due_for(case: Case, meetings: list[TacMeeting] | None = None) -> date | None:
    """The last day for the first TAC meeting: 20 working days (England's bank holidays) after
    the assessment's completion; None before it is complete, once a TAC has been held and
    once the case is closed.
    Pass the case's ``meetings`` when already read, to save the query."""
    if case.assessment_completed_on is None or not case.is_open:
        return None
    if meetings is not None:
        held = any(m.state == MeetingState.HELD for m in meetings)
    else:
        held = TacMeeting.objects.filter(case=case, state=MeetingState.HELD).exists()
    return None if held else first_tac_due(case.assessment_completed_on)


def with_tac_held(cases):
    """Annotate a list query of cases with ``tac_held`` (for ``first_tac_due_of``): a
    subquery in the list's own query, no query more."""
    return cases.annotate(
        tac_held=Exists(TacMeeting.objects.filter(case=OuterRef("pk"), state=MeetingState.HELD))
    )


def first_tac_due_of(case) -> date | None:
    """For a case annotated by ``with_tac_held``."""
    if case.assessment_completed_on is None or case.tac_held or not case.is_open:
        return None
    return first_tac_due(case.assessment_completed_on)


def get_meeting_for_user(user, pk, meeting_pk, perm: str = VIEW, *, request=None):
    """The case ``pk`` and its meeting ``meeting_pk`` if ``user`` may see the case (or act on
    it, with ``perm``); Http404 otherwise, as for a meeting that does not exist."""
    case = get_case_for_user(user, pk, perm, request=request)
    meeting_id = parse_id(meeting_pk)
    meeting = (
        TacMeeting.objects.filter(pk=meeting_id, case=case)
        .select_related("convened_by", "convened_by_agency", "lead_professional_proposed")
        .first()
        if meeting_id
        else None
    )
    if meeting is None:
        raise Http404("No such meeting.")
    meeting.case = case
    return case, meeting
