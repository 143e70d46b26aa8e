"""The returns' pages: Ofsted's Annex A list 2, the Supporting Families quarterly return and the
cases behind its figures, and the progress and download of a large export (issue 15)."""

import csv
import io
from itertools import islice

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from audit.models import AccessAction
from cafsite.validation import parse_id
from cases.models import SupportingFamiliesOutcome
from reports import supporting_families as sf
from reports.access import may_oversee
from reports.annex_a import MARKING
from reports.exports import (
    CONTENT_TYPES,
    FORMATS,
    annex_a_file,
    annex_a_rows,
    export_job_for,
    export_job_request,
    is_small,
    returns_record,
)
from reports.models import ExportState
from reports.returns_forms import AnnexAForm, FigureForm, SupportingFamiliesForm

PREVIEW_ROWS = 50
CASES_PAGE = 100
# While a job runs its page reloads itself this often (no JavaScript needed).
REFRESH_SECONDS = 3


def _require_returns(request) -> None:
    if not may_oversee(request.user):
        raise Http404


def _attachment(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def annex_a_page(request):
    """List 2 for a date: a preview of its first rows, and the list as CSV or Excel, answered
    at once when small and through an export job otherwise (R-REPORT-1)."""
    _require_returns(request)
    user = request.user
    form = AnnexAForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    as_at = form.as_at() if valid and form.is_bound else timezone.localdate()
    chosen = form.cleaned_data.get("format") if form.is_bound and valid else ""
    if chosen:
        kind = FORMATS[chosen]
        if not is_small(user, as_at):
            job = export_job_request(user=user, kind=kind, as_at=as_at)
            return redirect("reports:export_status", pk=job.pk)
        rows = list(annex_a_rows(user, as_at))
        content, name = annex_a_file(
            kind=kind, rows=rows, as_at=as_at, user=user, produced_at=timezone.now()
        )
        returns_record(
            user=user,
            request=request,
            action=AccessAction.EXPORT,
            detail=f"Annex A list 2 as at {as_at:%d/%m/%Y}: {len(rows)} children, {chosen.upper()}",
        )
        return _attachment(content, name, CONTENT_TYPES[kind])
    rows = list(islice(annex_a_rows(user, as_at), PREVIEW_ROWS + 1)) if valid else []
    returns_record(
        user=user,
        request=request,
        action=AccessAction.LIST,
        detail=f"Annex A list 2 as at {as_at:%d/%m/%Y}: {min(len(rows), PREVIEW_ROWS)} shown",
    )
    query = request.GET.copy()
    query.pop("format", None)
    query["date"] = as_at.strftime("%d/%m/%Y")
    return render(
        request,
        "reports/annex_a.html",
        {
            "form": form,
            "as_at": as_at,
            "rows": rows[:PREVIEW_ROWS],
            "more": len(rows) > PREVIEW_ROWS,
            "query": query.urlencode(),
            "here": "reports:annex_a",
        },
    )


@login_required
def supporting_families_page(request):
    """The quarterly return: per outcome, the families with a need, with evidence of progress
    and with the outcome achieved, each figure a link to its cases (R-REPORT-2)."""
    _require_returns(request)
    user = request.user
    form = SupportingFamiliesForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "reports/supporting_families.html", {"form": form})
    data = form.cleaned_data if form.is_bound else {}
    quarter = data.get("quarter") or sf.quarter_of(timezone.localdate())
    summary = sf.summary_rows(sf.figures(user, quarter))
    if data.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["Outcome", *sf.MEASURES.values()])
        for row in summary:
            writer.writerow([row["label"], *(row[m] for m in sf.MEASURES)])
        returns_record(
            user=user,
            request=request,
            action=AccessAction.EXPORT,
            detail=f"Supporting Families return {quarter.code}, CSV",
        )
        produced = f"{timezone.now():%Y%m%d-%H%M}"
        name = f"{MARKING} supporting-families {quarter.code} produced {produced}.csv"
        return _attachment(
            ("\ufeff" + out.getvalue()).encode("utf-8"), name, "text/csv; charset=utf-8"
        )
    returns_record(
        user=user,
        request=request,
        action=AccessAction.LIST,
        detail=f"Supporting Families return {quarter.code}",
    )
    return render(
        request,
        "reports/supporting_families.html",
        {
            "form": form,
            "quarter": quarter,
            "summary": summary,
            "measures": sf.MEASURES,
            "here": "reports:supporting_families",
        },
    )


@login_required
def supporting_families_cases(request):
    """The cases behind one figure of the return, as the viewer may see them."""
    _require_returns(request)
    user = request.user
    form = FigureForm(request.GET or None)
    context = {"form": form, "cases": None}
    if form.is_bound and form.is_valid():
        quarter = form.cleaned_data["quarter"]
        outcome, measure = form.cleaned_data["outcome"], form.cleaned_data["measure"]
        ids = sorted(sf.figures(user, quarter)[outcome][measure])
        after = parse_id(request.GET.get("after") or "") or 0
        page_ids = [pk for pk in ids if pk > after][: CASES_PAGE + 1]
        cases = list(sf.cases_behind(user, set(page_ids[:CASES_PAGE])))
        if len(page_ids) > CASES_PAGE:
            query = request.GET.copy()
            query["after"] = str(page_ids[CASES_PAGE - 1])
            context["next_query"] = query.urlencode()
        returns_record(
            user=user,
            request=request,
            action=AccessAction.LIST,
            detail=f"Supporting Families {quarter.code} {outcome} {measure}: "
            + ", ".join(case.reference for case in cases),
        )
        context.update(
            cases=cases,
            total=len(ids),
            quarter=quarter,
            outcome_label=SupportingFamiliesOutcome(outcome).label,
            measure_label=sf.MEASURES[measure],
        )
    return render(request, "reports/supporting_families_cases.html", context)


@login_required
def export_status(request, pk):
    """A large export's progress, reloading itself until it is finished; then its link."""
    job = export_job_for(request.user, pk)
    return render(
        request,
        "reports/export_status.html",
        {
            "job": job,
            "refresh": REFRESH_SECONDS if not job.is_finished else None,
            "percent": (100 * job.rows_done // job.rows_total) if job.rows_total else 0,
        },
    )


@login_required
def export_download(request, pk):
    """The finished file, for its requester alone; the download is in the access log."""
    job = export_job_for(request.user, pk)
    if job.state != ExportState.DONE or not job.file:
        raise Http404("No such export.")
    returns_record(
        user=request.user,
        request=request,
        action=AccessAction.EXPORT,
        detail=f"{job.get_kind_display()} as at {job.params.get('as_at')}: "
        f"{job.rows_total} children, export {job.pk}",
    )
    response = FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.filename,
        content_type=CONTENT_TYPES[job.kind],
    )
    response["Cache-Control"] = "no-store"
    return response
