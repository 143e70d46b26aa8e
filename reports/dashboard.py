"""The figures of the oversight dashboard (issue 15), as pure selectors over the cases a viewer
may see (``cases_for_user``): every figure is an aggregate in the database (GROUP BY), a fixed
number of queries whatever the number of cases, and every figure's cases are one queryset,
``figure_cases``, so the number on the dashboard and the list behind it cannot disagree.

"Agency" is the assessing agency throughout: every case has one from the day it opens, while a
lead agency is agreed only at the first TAC. Refusals are grouped by the agency they were
recorded by as well (R-CONSENT-7).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from cases.models import Case, CaseState, Ethnicity
from cases.permissions import cases_for_user, with_visible_case
from consent.models import ConsentGiver, ConsentRefusal
from deadlines import rules
from delivery.models import CaseClosure, CaseReview, ClosureReason
from meetings.models import MeetingState, TacMeeting

OPEN_STATES = [s for s in CaseState.values if s not in (CaseState.CLOSED, CaseState.ARCHIVED)]
# Reviews are due while the team around the child works with the family (R-REV-1), as in
# deadlines.sources.
REVIEWED_STATES = (CaseState.DELIVERY, CaseState.REVIEW)
LEVELS = (1, 2, 3, 4)
NO_LEVEL = 0  # no version of the assessment states a level of need yet
LOGGING_WITHIN_DAYS = rules.SUBMIT_WITHIN.days  # the 28 days of R-ASSESS-5


@dataclass(frozen=True)
class Filters:
    """What the viewer narrowed the figures to. The period bounds the events counted (logging,
    first TAC, refusals, closures); open CAFs and overdue reviews are as they stand today."""

    date_from: date
    date_to: date
    area: str = ""  # a postcode district, normalised (deadlines.sources.normalise_area)
    agency_id: int | None = None


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (two dates), in the database."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        return f"({end[0]} - {start[0]})", [*end[1], *start[1]]

    def as_sqlite(self, compiler, connection, **extra):
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        return (
            f"CAST(ROUND(julianday({end[0]}) - julianday({start[0]})) AS INTEGER)",
            [*end[1], *start[1]],
        )


def visible_cases(user, filters: Filters) -> QuerySet[Case]:
    """The cases ``user`` may open, in the area and agency asked for."""
    cases = cases_for_user(user)
    if filters.area:
        cases = cases.filter(child__postcode__startswith=f"{filters.area} ")
    if filters.agency_id is not None:
        cases = cases.filter(assessor_agency_id=filters.agency_id)
    return cases


def _case_filters(filters: Filters, prefix: str = "case__") -> Q:
    q = Q()
    if filters.area:
        q &= Q(**{f"{prefix}child__postcode__startswith": f"{filters.area} "})
    if filters.agency_id is not None:
        q &= Q(**{f"{prefix}assessor_agency_id": filters.agency_id})
    return q


def _latest_level():
    # Kept on the case by the conclusions section's save: a GROUP BY, not a subquery a case.
    return Coalesce(F("level_of_need"), Value(NO_LEVEL))


def _first_tac():
    return Subquery(
        TacMeeting.objects.filter(case=OuterRef("pk"), state=MeetingState.HELD)
        .order_by("held_on")
        .values("held_on")[:1],
        output_field=DateField(),
    )


# --- Each figure's cases ------------------------------------------------------------------


def open_cases(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.filter(state__in=OPEN_STATES).annotate(level=_latest_level())


def logged_cases(cases: QuerySet[Case], filters: Filters) -> QuerySet[Case]:
    """Logged in the period, with the days from the intention to the logging."""
    return cases.filter(logged_on__gte=filters.date_from, logged_on__lte=filters.date_to).annotate(
        days=DaysBetween(F("logged_on"), TruncDate("intention_logged_at"))
    )


def first_tacs(user, filters: Filters) -> QuerySet[TacMeeting]:
    """Each case's first TAC held, where it was held in the period after a completed
    assessment, on the cases ``user`` may open, with the days from the completion. Read from
    the meetings (one row a case: no earlier TAC of the case was held), so the days are plain
    columns rather than a subquery repeated in every expression that uses them."""
    earlier = TacMeeting.objects.filter(case=OuterRef("case"), state=MeetingState.HELD).filter(
        Q(held_on__lt=OuterRef("held_on")) | Q(held_on=OuterRef("held_on"), pk__lt=OuterRef("pk"))
    )
    held = TacMeeting.objects.filter(
        state=MeetingState.HELD,
        held_on__gte=filters.date_from,
        held_on__lte=filters.date_to,
        case__assessment_completed_on__isnull=False,
    )
    return (
        with_visible_case(user, held)
        .filter(_case_filters(filters))
        .filter(~Exists(earlier))
        .annotate(days=DaysBetween(F("held_on"), F("case__assessment_completed_on")))
    )


def first_tac_in_time(meetings: QuerySet[TacMeeting]) -> Q:
    """First TACs held within 20 working days of the completion (R-TAC-1), exactly as
    ``rules.first_tac_due`` counts them: the completion dates are grouped by how many calendar
    days their 20 working days span (a handful of values), one condition per group."""
    completed = (
        meetings.order_by().values_list("case__assessment_completed_on", flat=True).distinct()
    )
    by_span: dict[int, list[date]] = defaultdict(list)
    for day in completed:
        by_span[(rules.first_tac_due(day) - day).days].append(day)
    # Always false, for a period with no first TAC.
    in_time = Q(pk__isnull=True)
    for span, days in by_span.items():
        in_time |= Q(case__assessment_completed_on__in=days, days__lte=span)
    return in_time


def overdue_review_cases(cases: QuerySet[Case], today: date) -> QuerySet[Case]:
    """Reviews overdue today: 3 months after the latest review, or after the first TAC held
    when there has been none (R-REV-1, ``rules.review_due``)."""
    last_review = Subquery(
        CaseReview.objects.filter(case=OuterRef("pk")).order_by("-held_on").values("held_on")[:1],
        output_field=DateField(),
    )
    latest = rules.latest_start(
        lambda since: rules.review_due(first_tac_held_on=since, last_review_on=None),
        today - timedelta(days=1),
    )
    return (
        cases.filter(state__in=REVIEWED_STATES)
        .annotate(review_since=Coalesce(last_review, _first_tac()))
        .filter(review_since__lte=latest)
    )


def refusals_in(user, filters: Filters) -> QuerySet[ConsentRefusal]:
    """Refusals in the period on cases ``user`` may open (R-CONSENT-7)."""
    return with_visible_case(user, ConsentRefusal.objects.all()).filter(
        _case_filters(filters), refused_on__gte=filters.date_from, refused_on__lte=filters.date_to
    )


def closures_in(user, filters: Filters) -> QuerySet[CaseClosure]:
    """Closures in the period that stand (a reopened CAF's closure is undone), on cases
    ``user`` may open (R-CLOSE-1)."""
    return with_visible_case(user, CaseClosure.objects.all()).filter(
        _case_filters(filters),
        reopened_on__isnull=True,
        closed_on__gte=filters.date_from,
        closed_on__lte=filters.date_to,
    )


# --- The figures ----------------------------------------------------------------------------


@dataclass
class Timeliness:
    """How long something took, against its standard: per agency and in all."""

    standard: str
    total: int = 0
    in_time: int = 0
    median_days: float | None = None
    by_agency: list[dict] = field(default_factory=list)

    @property
    def late(self) -> int:
        return self.total - self.in_time

    @property
    def share_in_time(self) -> int | None:
        return round(100 * self.in_time / self.total) if self.total else None


@dataclass
class Dashboard:
    filters: Filters
    today: date
    # Open CAFs: one row per agency, its count per level of need (NO_LEVEL first).
    open_by_agency: list[dict]
    open_by_level: dict[int, int]
    open_total: int
    logging: Timeliness
    first_tac: Timeliness
    overdue_reviews: list[dict]
    overdue_reviews_total: int
    refusals: dict[str, list[dict]]
    refusals_total: int
    closures: list[dict]
    closures_total: int
    risk_flags: list[dict]
    risk_flags_total: int


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) < 19


def _median(histogram: dict[int, int]) -> float | None:
    """The median of values counted in ``histogram`` (value -> how many)."""
    total = sum(histogram.values())
    if not total:
        return None
    middle = [(total - 1) // 2, total // 2]
    found, seen = [], 0
    for value in sorted(histogram):
        count = histogram[value]
        found += [value] * sum(1 for m in middle if seen <= m < seen + count)
        seen += count
    return sum(found) / 2


def _timeliness(rows, standard: str) -> Timeliness:
    """``rows``: (agency id, agency name, days, in time, count) from a GROUP BY."""
    per_agency: dict[int, dict] = {}
    everyone: dict[int, int] = defaultdict(int)
    result = Timeliness(standard=standard)
    for agency_id, name, days, in_time, count in rows:
        entry = per_agency.setdefault(
            agency_id,
            {"agency_id": agency_id, "name": name, "total": 0, "in_time": 0, "days": {}},
        )
        entry["total"] += count
        entry["in_time"] += count if in_time else 0
        entry["days"][days] = entry["days"].get(days, 0) + count
        everyone[days] += count
        result.total += count
        result.in_time += count if in_time else 0
    for entry in per_agency.values():
        entry["late"] = entry["total"] - entry["in_time"]
        entry["median_days"] = _median(entry.pop("days"))
    result.median_days = _median(everyone)
    result.by_agency = sorted(per_agency.values(), key=lambda e: e["name"])
    return result


def _counts_by_agency(cases: QuerySet[Case]) -> list[dict]:
    rows = (
        cases.order_by()
        .values("assessor_agency_id", "assessor_agency__name")
        .annotate(count=Count("pk"))
    )
    return sorted(
        (
            {"agency_id": r["assessor_agency_id"], "name": r["assessor_agency__name"], **r}
            for r in rows
        ),
        key=lambda e: e["name"],
    )


REFUSAL_GROUPS = {
    "agency": ("agency_id", "agency__name"),
    "ethnicity": ("ethnicity", None),
    "refused_by": ("refused_by", None),
    "month": ("month", None),
}


def _refusal_label(dimension: str, key, name) -> str:
    if dimension == "agency":
        return name
    if dimension == "ethnicity":
        return Ethnicity(key).label if key in Ethnicity.values else (key or "Not recorded")
    if dimension == "refused_by":
        return ConsentGiver(key).label if key in ConsentGiver.values else key
    return key.strftime("%B %Y")


def _refusal_key(dimension: str, key) -> str:
    return key.strftime("%Y-%m") if dimension == "month" else str(key)


def dashboard(user, filters: Filters, today: date) -> Dashboard:
    """Every figure for ``user`` (the caller checks they may oversee): a fixed number of
    queries, each grouped in the database."""
    cases = visible_cases(user, filters)

    open_rows = (
        open_cases(cases)
        .order_by()
        .values("assessor_agency_id", "assessor_agency__name", "level")
        .annotate(count=Count("pk"))
    )
    agencies: dict[int, dict] = {}
    by_level = dict.fromkeys((NO_LEVEL, *LEVELS), 0)
    for row in open_rows:
        entry = agencies.setdefault(
            row["assessor_agency_id"],
            {
                "agency_id": row["assessor_agency_id"],
                "name": row["assessor_agency__name"],
                "levels": dict.fromkeys((NO_LEVEL, *LEVELS), 0),
                "total": 0,
            },
        )
        entry["levels"][row["level"]] += row["count"]
        entry["total"] += row["count"]
        by_level[row["level"]] += row["count"]

    logged = logged_cases(cases, filters).annotate(in_time=_flag(Q(days__lte=LOGGING_WITHIN_DAYS)))
    logging = _timeliness(
        logged.order_by()
        .values_list("assessor_agency_id", "assessor_agency__name", "days", "in_time")
        .annotate(count=Count("pk")),
        f"within {LOGGING_WITHIN_DAYS} days",
    )
    tac = first_tacs(user, filters)
    tac = tac.annotate(in_time=_flag(first_tac_in_time(tac)))
    first_tac = _timeliness(
        tac.order_by()
        .values_list("case__assessor_agency_id", "case__assessor_agency__name", "days", "in_time")
        .annotate(count=Count("case_id")),
        f"within {rules.FIRST_TAC_WITHIN} working days",
    )

    overdue = _counts_by_agency(overdue_review_cases(cases, today))

    refusals = refusals_in(user, filters)
    refusal_figures: dict[str, list[dict]] = {}
    for dimension, (key_field, name_field) in REFUSAL_GROUPS.items():
        rows = refusals.order_by()
        if dimension == "month":
            rows = rows.annotate(month=TruncMonth("refused_on", output_field=DateField()))
        fields = [key_field] + ([name_field] if name_field else [])
        grouped = rows.values(*fields).annotate(count=Count("case_id", distinct=True))
        refusal_figures[dimension] = [
            {
                "key": _refusal_key(dimension, r[key_field]),
                "label": _refusal_label(dimension, r[key_field], r.get(name_field)),
                "count": r["count"],
            }
            for r in grouped
        ]
        refusal_figures[dimension].sort(
            key=lambda e: e["key"] if dimension == "month" else e["label"]
        )
    refusals_total = refusals.aggregate(count=Count("case_id", distinct=True))["count"]

    closures = closures_in(user, filters)
    closure_counts = dict(
        closures.order_by().values_list("reason").annotate(count=Count("case_id", distinct=True))
    )
    closure_rows = [
        {"key": reason.value, "label": reason.label, "count": closure_counts.get(reason.value, 0)}
        for reason in ClosureReason
    ]
    risk = (
        closures.filter(risk_flag=True)
        .order_by()
        .values("case__assessor_agency_id", "case__assessor_agency__name")
        .annotate(count=Count("case_id", distinct=True))
    )
    risk_rows = sorted(
        (
            {
                "agency_id": r["case__assessor_agency_id"],
                "name": r["case__assessor_agency__name"],
                "count": r["count"],
            }
            for r in risk
        ),
        key=lambda e: e["name"],
    )

    return Dashboard(
        filters=filters,
        today=today,
        open_by_agency=sorted(agencies.values(), key=lambda e: e["name"]),
        open_by_level=by_level,
        open_total=sum(by_level.values()),
        logging=logging,
        first_tac=first_tac,
        overdue_reviews=overdue,
        overdue_reviews_total=sum(e["count"] for e in overdue),
        refusals=refusal_figures,
        refusals_total=refusals_total,
        closures=closure_rows,
        closures_total=sum(e["count"] for e in closure_rows),
        risk_flags=risk_rows,
        risk_flags_total=sum(e["count"] for e in risk_rows),
    )


# --- The cases behind a figure --------------------------------------------------------------

FIGURES = {
    "open": "Open CAFs",
    "logging": "Intention to logging",
    "first_tac": "Completed assessment to first TAC",
    "overdue_reviews": "Overdue reviews",
    "refusals": "Refusals",
    "closures": "Closures",
    "risk_flags": "Non-engagement risk flags",
}


class UnknownFigure(ValueError):
    """A figure or key that names no figure: a field error, never a 500."""


def _timeliness_key(key: str, in_time: Q) -> Q:
    if key == "in_time":
        return in_time
    if key == "late":
        return ~in_time
    if key == "":
        return Q()
    raise UnknownFigure(key)


def figure_cases(user, filters: Filters, figure: str, key: str, today: date) -> QuerySet[Case]:
    """The cases counted by one figure (and, with ``key``, one bar or cell of it): the same
    querysets the dashboard groups, so a list has exactly as many rows as its figure counts.
    Raises UnknownFigure for a figure or key that is not one."""
    cases = visible_cases(user, filters)
    if figure == "open":
        rows = open_cases(cases)
        if key == "":
            return rows
        if _is_number(key) and int(key) in (NO_LEVEL, *LEVELS):
            return rows.filter(level=int(key))
        raise UnknownFigure(key)
    if figure == "logging":
        rows = logged_cases(cases, filters)
        return rows.filter(_timeliness_key(key, Q(days__lte=LOGGING_WITHIN_DAYS)))
    if figure == "first_tac":
        meetings = first_tacs(user, filters)
        meetings = meetings.filter(_timeliness_key(key, first_tac_in_time(meetings)))
        return cases.filter(Exists(meetings.filter(case=OuterRef("pk"))))
    if figure == "overdue_reviews":
        if key:
            raise UnknownFigure(key)
        return overdue_review_cases(cases, today)
    if figure == "refusals":
        return cases.filter(Exists(_refusals_for(user, filters, key).filter(case=OuterRef("pk"))))
    if figure in ("closures", "risk_flags"):
        closures = closures_in(user, filters)
        if figure == "risk_flags":
            if key:
                raise UnknownFigure(key)
            closures = closures.filter(risk_flag=True)
        elif key:
            if key not in ClosureReason.values:
                raise UnknownFigure(key)
            closures = closures.filter(reason=key)
        return cases.filter(Exists(closures.filter(case=OuterRef("pk"))))
    raise UnknownFigure(figure)


def _refusals_for(user, filters: Filters, key: str) -> QuerySet[ConsentRefusal]:
    refusals = refusals_in(user, filters)
    if key == "":
        return refusals
    dimension, _, value = key.partition(":")
    if dimension == "agency" and _is_number(value):
        return refusals.filter(agency_id=int(value))
    if dimension in ("ethnicity", "refused_by") and len(value) <= 10:
        return refusals.filter(**{dimension: value})
    if dimension == "month":
        try:
            first = date.fromisoformat(f"{value}-01")
        except ValueError as error:
            raise UnknownFigure(key) from error
        following = (first + timedelta(days=32)).replace(day=1)
        return refusals.filter(refused_on__gte=first, refused_on__lt=following)
    raise UnknownFigure(key)
