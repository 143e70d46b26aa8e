"""The oversight dashboard and the case lists behind its figures (issue 15), for managers and
the CAF team. Anyone else finds no page here (404). What a viewer sees is what they may open:
a manager the cases their agencies may see, the CAF team its whole tenant."""

from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies.models import Agency
from audit.models import AccessAction
from audit.services import access_log_record
from cases.models import Ethnicity
from consent.models import ConsentGiver
from deadlines import rules
from delivery.models import ClosureReason
from reports import charts
from reports.access import may_oversee
from reports.dashboard import (
    FIGURES,
    LEVELS,
    LOGGING_WITHIN_DAYS,
    NO_LEVEL,
    Dashboard,
    Filters,
    Timeliness,
    UnknownFigure,
    dashboard,
    figure_cases,
)
from reports.dashboard_forms import (
    DashboardFilterForm,
    FigureCasesForm,
    default_period,
    encode_after,
)

PAGE_LENGTH = 50
LEVEL_NAMES = {NO_LEVEL: "Not yet assessed", **{level: f"Level {level}" for level in LEVELS}}


def figure_url(filters: Filters, figure: str, key: str = "", agency_id: int | None = None) -> str:
    """The list of the cases behind a figure, under the same filters (``agency_id`` narrows
    them to one assessing agency)."""
    params = QueryDict(mutable=True)
    params["figure"] = figure
    if key:
        params["key"] = key
    params["date_from"] = filters.date_from.isoformat()
    params["date_to"] = filters.date_to.isoformat()
    if filters.area:
        params["area"] = filters.area
    agency = agency_id if agency_id is not None else filters.agency_id
    if agency is not None:
        params["agency"] = str(agency)
    return reverse("reports:cases") + "?" + params.urlencode()


# --- The figures as tables (and charts): one shape for the page and the API -----------------


@dataclass
class Cell:
    text: str
    count: int | float | None = None
    url: str = ""


@dataclass
class Figure:
    """One figure of the dashboard: its total (a link to its cases), a summary, and a table
    whose counts are each a link to the cases behind them."""

    name: str
    title: str
    total: int
    url: str
    summary: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    chart: str = ""
    # For the timeliness figures: the median in days and the share in time, in all.
    median_days: float | None = None
    share_in_time: int | None = None


def _count(filters: Filters, value, figure: str, key: str = "", agency=None) -> Cell:
    return Cell(str(value), value, figure_url(filters, figure, key, agency))


def _open_figure(board: Dashboard) -> Figure:
    filters = board.filters
    levels = (NO_LEVEL, *LEVELS)
    rows = []
    bars = []
    for entry in board.open_by_agency:
        agency = entry["agency_id"]
        cells = [Cell(entry["name"])]
        cells += [
            _count(filters, entry["levels"][level], "open", str(level), agency) for level in levels
        ]
        cells.append(_count(filters, entry["total"], "open", "", agency))
        rows.append(cells)
        bars.append(
            charts.StackedBar(
                label=entry["name"],
                values=[entry["levels"][level] for level in levels],
                hrefs=[figure_url(filters, "open", str(level), agency) for level in levels],
            )
        )
    rows.append(
        [Cell("All agencies")]
        + [_count(filters, board.open_by_level[level], "open", str(level)) for level in levels]
        + [_count(filters, board.open_total, "open")]
    )
    title = "Open CAFs by assessing agency and level of need"
    return Figure(
        name="open",
        title=title,
        total=board.open_total,
        url=figure_url(filters, "open"),
        summary=(
            f"{board.open_total} open today. The level of need is the latest version of the "
            "assessment that states one."
        ),
        columns=["Assessing agency", *(LEVEL_NAMES[level] for level in levels), "Total"],
        rows=rows,
        chart=charts.stacked_bar_chart(
            title=title,
            series=[LEVEL_NAMES[level] for level in levels],
            bars=bars,
            colours=charts.LEVEL_COLOURS,
        ),
    )


def _days(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"


def _cafs(count: int) -> str:
    return f"{count} CAF" if count == 1 else f"{count} CAFs"


def _timeliness_figure(
    board: Dashboard, name: str, data: Timeliness, title: str, what: str, what_one: str
) -> Figure:
    filters = board.filters
    rows = []
    bars = []
    for entry in data.by_agency:
        agency = entry["agency_id"]
        rows.append(
            [
                Cell(entry["name"]),
                _count(filters, entry["total"], name, "", agency),
                _count(filters, entry["in_time"], name, "in_time", agency),
                _count(filters, entry["late"], name, "late", agency),
                Cell(_days(entry["median_days"]), entry["median_days"]),
            ]
        )
        bars.append(
            charts.StackedBar(
                label=entry["name"],
                values=[entry["in_time"], entry["late"]],
                hrefs=[
                    figure_url(filters, name, "in_time", agency),
                    figure_url(filters, name, "late", agency),
                ],
            )
        )
    rows.append(
        [
            Cell("All agencies"),
            _count(filters, data.total, name),
            _count(filters, data.in_time, name, "in_time"),
            _count(filters, data.late, name, "late"),
            Cell(_days(data.median_days), data.median_days),
        ]
    )
    share = "" if data.share_in_time is None else f", {data.share_in_time}% {data.standard}"
    series = [f"In time ({data.standard})", "Later"]
    return Figure(
        name=name,
        title=title,
        total=data.total,
        url=figure_url(filters, name),
        summary=(
            f"{data.total} {what if data.total != 1 else what_one} in the period: "
            f"median {_days(data.median_days)} days{share}."
        ),
        columns=["Assessing agency", "Cases", series[0], series[1], "Median days"],
        rows=rows,
        chart=charts.stacked_bar_chart(
            title=title, series=series, bars=bars, colours=charts.TIMELINESS_COLOURS
        ),
        median_days=data.median_days,
        share_in_time=data.share_in_time,
    )


def _agency_count_figure(
    board: Dashboard, name: str, title: str, entries: list[dict], total: int, summary: str
) -> Figure:
    filters = board.filters
    rows = [
        [Cell(e["name"]), _count(filters, e["count"], name, "", e["agency_id"])] for e in entries
    ]
    rows.append([Cell("All agencies"), _count(filters, total, name)])
    bars = [
        charts.Bar(e["name"], e["count"], figure_url(filters, name, "", e["agency_id"]))
        for e in entries
    ]
    return Figure(
        name=name,
        title=title,
        total=total,
        url=figure_url(filters, name),
        summary=summary,
        columns=["Assessing agency", "Cases"],
        rows=rows,
        chart=charts.bar_chart(title=title, bars=bars),
    )


REFUSAL_TITLES = {
    "agency": ("Refusals by the agency that recorded them", "Agency"),
    "ethnicity": ("Refusals by the child's ethnicity", "Ethnicity"),
    "refused_by": ("Refusals by who refused", "Who refused"),
    "month": ("Refusals by month", "Month"),
}


def _refusal_figures(board: Dashboard) -> list[Figure]:
    filters = board.filters
    figures = []
    for dimension, entries in board.refusals.items():
        title, column = REFUSAL_TITLES[dimension]
        rows = [
            [Cell(e["label"]), _count(filters, e["count"], "refusals", f"{dimension}:{e['key']}")]
            for e in entries
        ]
        rows.append([Cell("In all"), _count(filters, board.refusals_total, "refusals")])
        bars = [
            charts.Bar(
                e["label"], e["count"], figure_url(filters, "refusals", f"{dimension}:{e['key']}")
            )
            for e in entries
        ]
        figures.append(
            Figure(
                name=f"refusals_by_{dimension}",
                title=title,
                total=board.refusals_total,
                url=figure_url(filters, "refusals"),
                summary=(
                    f"{_cafs(board.refusals_total)} with a refusal in the period, counted once "
                    "in each group they fall in."
                ),
                columns=[column, "Cases"],
                rows=rows,
                chart=charts.bar_chart(title=title, bars=bars),
            )
        )
    return figures


def dashboard_figures(board: Dashboard) -> list[Figure]:
    filters = board.filters
    closure_rows = [
        [Cell(e["label"]), _count(filters, e["count"], "closures", e["key"])]
        for e in board.closures
    ]
    closure_rows.append([Cell("In all"), _count(filters, board.closures_total, "closures")])
    closures_title = "Closures by reason"
    return [
        _open_figure(board),
        _timeliness_figure(
            board,
            "logging",
            board.logging,
            f"From intention to logging, against {LOGGING_WITHIN_DAYS} days",
            "CAFs logged",
            "CAF logged",
        ),
        _timeliness_figure(
            board,
            "first_tac",
            board.first_tac,
            "From the completed assessment to the first TAC, against "
            f"{rules.FIRST_TAC_WITHIN} working days",
            "first TACs held",
            "first TAC held",
        ),
        _agency_count_figure(
            board,
            "overdue_reviews",
            "Overdue reviews",
            board.overdue_reviews,
            board.overdue_reviews_total,
            f"{_cafs(board.overdue_reviews_total)} with a review overdue today (a review is due "
            "3 months after the first TAC or the last review).",
        ),
        *_refusal_figures(board),
        Figure(
            name="closures",
            title=closures_title,
            total=board.closures_total,
            url=figure_url(filters, "closures"),
            summary=(f"{_cafs(board.closures_total)} closed in the period and not reopened since."),
            columns=["Reason", "Cases"],
            rows=closure_rows,
            chart=charts.bar_chart(
                title=closures_title,
                bars=[
                    charts.Bar(e["label"], e["count"], figure_url(filters, "closures", e["key"]))
                    for e in board.closures
                ],
            ),
        ),
        _agency_count_figure(
            board,
            "risk_flags",
            "Non-engagement risk flags",
            board.risk_flags,
            board.risk_flags_total,
            f"{_cafs(board.risk_flags_total)} closed in the period because the family did not "
            "engage, flagged as a risk.",
        ),
    ]


# --- Pages ----------------------------------------------------------------------------------


def _tenant_of(request) -> int:
    if not may_oversee(request.user):
        raise Http404
    return request.user.tenant_id


@login_required
@require_http_methods(["GET"])
def dashboard_page(request):
    tenant_id = _tenant_of(request)
    today = timezone.localdate()
    start, end = default_period(today)
    form = DashboardFilterForm(
        request.GET or None, tenant_id=tenant_id, initial={"date_from": start, "date_to": end}
    )
    figures = None
    filters = None
    if not form.is_bound or form.is_valid():
        filters = form.filters(today)
        figures = dashboard_figures(dashboard(request.user, filters, today))
        access_log_record(
            action=AccessAction.VIEW,
            user=request.user,
            request=request,
            detail=f"dashboard: {_describe(filters)}",
        )
    return render(
        request,
        "reports/dashboard.html",
        {"form": form, "figures": figures, "filters": filters, "today": today},
    )


def _describe(filters: Filters) -> str:
    parts = [f"{filters.date_from:%d/%m/%Y} to {filters.date_to:%d/%m/%Y}"]
    if filters.area:
        parts.append(f"area {filters.area}")
    if filters.agency_id is not None:
        parts.append(f"agency {filters.agency_id}")
    return ", ".join(parts)


@dataclass
class CasePage:
    rows: list
    next_after: str


def figure_case_page(user, form: FigureCasesForm, today: date) -> CasePage | None:
    """One page of the cases behind the figure ``form`` asks for, newest intention first (by
    keyset: no count, no offset); None, with a field error on the form, for a figure or key
    that is not one."""
    filters = form.filters(today)
    data = form.cleaned_data
    try:
        cases = figure_cases(user, filters, data["figure"], data.get("key") or "", today)
    except UnknownFigure:
        form.add_error("key", "Choose a part of the figure from the dashboard")
        return None
    after = data.get("after")
    if after is not None:
        when, pk = after
        cases = cases.filter(intention_logged_at__lte=when).exclude(
            intention_logged_at=when, pk__gte=pk
        )
    rows = list(
        cases.select_related("child", "assessor_agency").order_by("-intention_logged_at", "-pk")[
            : PAGE_LENGTH + 1
        ]
    )
    next_after = ""
    if len(rows) > PAGE_LENGTH:
        last = rows[PAGE_LENGTH - 1]
        next_after = encode_after(last.intention_logged_at, last.pk)
    return CasePage(rows=rows[:PAGE_LENGTH], next_after=next_after)


def describe_key(figure: str, key: str, tenant_id: int) -> str:
    """A bar or cell of a figure in words, for the heading of its list."""
    if not key:
        return ""
    if figure == "open":
        return LEVEL_NAMES.get(int(key), key) if key.isascii() and key.isdigit() else key
    if figure in ("logging", "first_tac"):
        return {"in_time": "in time", "late": "later than the standard"}.get(key, key)
    if figure == "closures":
        return ClosureReason(key).label if key in ClosureReason.values else key
    dimension, _, value = key.partition(":")
    if dimension == "agency" and value.isascii() and value.isdigit() and len(value) < 19:
        name = (
            Agency.objects.filter(pk=int(value), tenant_id=tenant_id)
            .values_list("name", flat=True)
            .first()
        )
        return f"recorded by {name}" if name else key
    if dimension == "ethnicity":
        return Ethnicity(value).label if value in Ethnicity.values else "ethnicity not recorded"
    if dimension == "refused_by":
        return ConsentGiver(value).label if value in ConsentGiver.values else value
    return f"in {value}" if dimension == "month" else key


@login_required
@require_http_methods(["GET"])
def figure_cases_page(request):
    tenant_id = _tenant_of(request)
    today = timezone.localdate()
    form = FigureCasesForm(request.GET or {"figure": "open"}, tenant_id=tenant_id)
    page = None
    if form.is_valid():
        page = figure_case_page(request.user, form, today)
    next_url = ""
    if page is not None:
        access_log_record(
            action=AccessAction.LIST,
            user=request.user,
            request=request,
            detail="dashboard: " + (", ".join(case.reference for case in page.rows) or "no cases"),
        )
        if page.next_after:
            params = request.GET.copy()
            params["after"] = page.next_after
            next_url = "?" + params.urlencode()
    figure = form.cleaned_data.get("figure") if form.is_valid() else ""
    key = ""
    if form.is_valid():
        key = describe_key(figure, form.cleaned_data.get("key") or "", tenant_id)
    return render(
        request,
        "reports/dashboard_cases.html",
        {
            "form": form,
            "page": page,
            "next_url": next_url,
            "figure_title": FIGURES.get(figure or "", ""),
            "key": key,
            "filters": form.filters(today) if form.is_valid() else None,
        },
    )
