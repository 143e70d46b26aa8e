"""The forum day's printouts (R-MAF-6, R-AUDIT-4): the presenter's summary, a case's action
plan and the forum's minutes. Each on the shared page of ``templates/pdf/base.html``:
OFFICIAL-SENSITIVE with who printed it and when on every page. Each print is logged by the
caller (``printed``); each holds only what the printing user may see: the minutes list only
the cases the reader may see."""

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from audit.models import AccessAction
from audit.services import access_log_record
from cases.models import Case, PlanActionStatus
from cases.permissions import case_access_record
from meetings.models import Forum, ForumState, Nomination, NominationState
from meetings.services.forum_day import (
    agenda_of,
    presenter_summary_of,
    summary_domains,
    year_group,
)


def render_pdf(template: str, context: dict, *, base_url: str) -> bytes:
    from weasyprint import HTML  # heavy: loaded when a PDF is asked for

    return HTML(string=render_to_string(template, context), base_url=base_url).write_pdf()


def _response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _printing(request: HttpRequest) -> dict:
    return {"printed_by": request.user, "printed_at": timezone.localtime()}


def summary_context(nomination: Nomination) -> dict:
    summary = presenter_summary_of(nomination)
    domains = [
        {
            "title": title,
            "needs": (summary.get("needs") or {}).get(code, ""),
            "strengths": (summary.get("strengths") or {}).get(code, ""),
        }
        for code, title in summary_domains(nomination)
    ]
    child = nomination.case.child
    return {
        "nomination": nomination,
        "case": nomination.case,
        "child": child,
        "forum": nomination.session.forum,
        "summary": summary,
        "domains": domains,
        "year": year_group(child.date_of_birth, nomination.session.forum.held_on),
    }


def presenter_summary_pdf_response(request: HttpRequest, nomination: Nomination) -> HttpResponse:
    """For a user who may see the nomination's case."""
    pdf = render_pdf(
        "meetings/forum_day/summary_pdf.html",
        {**summary_context(nomination), **_printing(request)},
        base_url=request.build_absolute_uri("/"),
    )
    case_access_record(
        user=request.user,
        case=nomination.case,
        request=request,
        action=AccessAction.PRINT,
        detail=f"presenter's summary for forum nomination {nomination.pk}",
    )
    return _response(pdf, f"{nomination.case.reference}-presenter-summary.pdf")


def action_plan_context(case: Case) -> dict:
    actions = list(
        case.plan_actions.select_related("owner_agency", "owner_user").order_by("due_on", "id")
    )
    heard = (
        Nomination.objects.filter(case=case, state=NominationState.HEARD)
        .select_related("lead_professional_proposed", "session__forum")
        .order_by("-session__forum__held_on", "-id")
        .first()
    )
    return {
        "case": case,
        "child": case.child,
        "actions": actions,
        "heard": heard,
        "requested": PlanActionStatus.REQUESTED,
    }


def action_plan_pdf_response(request: HttpRequest, case: Case) -> HttpResponse:
    """For a user who may see ``case``: its action plan and the lead professional proposed."""
    pdf = render_pdf(
        "meetings/forum_day/action_plan_pdf.html",
        {**action_plan_context(case), **_printing(request)},
        base_url=request.build_absolute_uri("/"),
    )
    case_access_record(
        user=request.user,
        case=case,
        request=request,
        action=AccessAction.PRINT,
        detail="action plan",
    )
    return _response(pdf, f"{case.reference}-action-plan.pdf")


def minutes_context(forum: Forum, user) -> dict:
    cases = [
        nomination
        for nomination in agenda_of(forum, user)
        if nomination.state == NominationState.HEARD
    ]
    invitations = forum.invitations.select_related("user", "agency", "deputy").order_by(
        "agency__name", "id"
    )
    return {
        "forum": forum,
        "cases": cases,
        "invitations": invitations,
        "held": forum.state == ForumState.HELD,
    }


def minutes_pdf_response(request: HttpRequest, forum: Forum) -> HttpResponse:
    """For a user who may read the minutes: only the cases they may see are in it."""
    context = minutes_context(forum, request.user)
    pdf = render_pdf(
        "meetings/forum_day/minutes_pdf.html",
        {**context, **_printing(request)},
        base_url=request.build_absolute_uri("/"),
    )
    access_log_record(
        action=AccessAction.PRINT,
        user=request.user,
        request=request,
        tenant_id=forum.tenant_id,
        detail=f"minutes of forum {forum.pk}",
    )
    for nomination in context["cases"]:
        case_access_record(
            user=request.user,
            case=nomination.case,
            request=request,
            action=AccessAction.PRINT,
            detail=f"in the minutes of forum {forum.pk}",
        )
    return _response(pdf, f"forum-{forum.held_on:%Y-%m-%d}-minutes.pdf")
