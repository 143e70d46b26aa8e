"""The Supporting Families quarterly return (R-REPORT-2): for each of the ten outcomes, the
families (CAFs) with a need mapped to it, those with evidence of progress in the quarter, and
those whose outcome was achieved, counted over the cases the viewer may see.

- A need: a plan action tagged with the outcome, agreed by the quarter's end and not dropped
  before it began, on a CAF not closed before it began.
- Evidence of progress: a review held in the quarter found the action achieved or with some
  progress, or the action was marked done in the quarter (``PlanAction.done_at``).
- Achieved: a review in the quarter found it achieved, or the action was marked done in it.

Quarters are the financial year's: Q1 April to June ... Q4 January to March; "2026-Q3" is
October to December 2026, of 2026/27.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from cases.models import PlanAction, SupportingFamiliesOutcome
from cases.permissions import cases_for_user, with_visible_case
from delivery.models import Progress, ReviewProgress

MEASURES = {
    "need": "Families with a need",
    "progress": "Families with evidence of progress",
    "achieved": "Families whose outcome is achieved",
}
QUARTER_PATTERN = re.compile(r"(\d{4})-?Q([1-4])", re.IGNORECASE)
MONTHS = ["April to June", "July to September", "October to December", "January to March"]


@dataclass(frozen=True)
class Quarter:
    """Quarter ``number`` of the financial year starting in April of ``year``."""

    year: int
    number: int

    @property
    def start(self) -> date:
        month = 4 + 3 * (self.number - 1)
        return date(self.year + month // 13, (month - 1) % 12 + 1, 1)

    @property
    def end(self) -> date:
        following = Quarter(self.year + (self.number == 4), self.number % 4 + 1)
        return following.start - timedelta(days=1)

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        return (
            f"Q{self.number} {self.year}/{(self.year + 1) % 100:02d} "
            f"({MONTHS[self.number - 1]} {self.end.year})"
        )

    def previous(self) -> "Quarter":
        return Quarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)

    def next(self) -> "Quarter":
        return Quarter(self.year + (self.number == 4), self.number % 4 + 1)


def quarter_of(day: date) -> Quarter:
    year = day.year if day.month >= 4 else day.year - 1
    return Quarter(year, ((day.month - 4) % 12) // 3 + 1)


def parse_quarter(text: str) -> Quarter | None:
    """``2026-Q3`` (or ``2026Q3``) as a quarter, or None for anything else."""
    match = QUARTER_PATTERN.fullmatch((text or "").strip())
    if not match:
        return None
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        return None
    return Quarter(year, int(match.group(2)))


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _tagged(outcomes) -> list[str]:
    # A JSON list as typed into the plan; anything else tags nothing.
    if not isinstance(outcomes, list):
        return []
    return [o for o in outcomes if o in SupportingFamiliesOutcome.values]


def figures(user, quarter: Quarter) -> dict[str, dict[str, set[int]]]:
    """For each outcome and measure, the ids of the cases behind the figure, among the cases
    ``user`` may see (R-REPORT-2). Two reads, whatever the number of outcomes."""
    start, end = _moment(quarter.start), _moment(quarter.end + timedelta(days=1))
    result = {o: {m: set() for m in MEASURES} for o in SupportingFamiliesOutcome.values}
    actions = (
        with_visible_case(user, PlanAction.objects.all())
        .filter(agreed_at__lt=end)
        .exclude(dropped_on__lt=quarter.start)
        .exclude(case__closed_on__lt=quarter.start)
        .values_list("case_id", "supporting_families_outcomes", "done_at")
    )
    for case_id, outcomes, done_at in actions.iterator():
        done = done_at is not None and start <= done_at < end
        for outcome in _tagged(outcomes):
            result[outcome]["need"].add(case_id)
            if done:
                result[outcome]["progress"].add(case_id)
                result[outcome]["achieved"].add(case_id)
    progress = (
        with_visible_case(user, ReviewProgress.objects.all(), case_field="review__case")
        .filter(
            review__held_on__gte=quarter.start,
            review__held_on__lte=quarter.end,
            progress__in=[Progress.ACHIEVED, Progress.PARTLY],
        )
        .values_list("review__case_id", "plan_action__supporting_families_outcomes", "progress")
    )
    for case_id, outcomes, found in progress.iterator():
        for outcome in _tagged(outcomes):
            result[outcome]["need"].add(case_id)
            result[outcome]["progress"].add(case_id)
            if found == Progress.ACHIEVED:
                result[outcome]["achieved"].add(case_id)
    return result


def cases_behind(user, case_ids: set[int]):
    """The cases of a figure, as the viewer may see them, by reference."""
    return (
        cases_for_user(user)
        .filter(pk__in=sorted(case_ids))
        .select_related("child", "assessor_agency")
        .order_by("pk")
    )


def summary_rows(result: dict[str, dict[str, set[int]]]) -> list[dict]:
    return [
        {
            "outcome": outcome,
            "label": label,
            **{measure: len(result[outcome][measure]) for measure in MEASURES},
        }
        for outcome, label in SupportingFamiliesOutcome.choices
    ]
