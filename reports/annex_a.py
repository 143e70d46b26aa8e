"""Ofsted's ILACS Annex A, list 2: early help (R-REPORT-1).

Every child with an early help assessment in the six months before the list's date, or in a
current intervention on that date, one row a child (their latest assessment). The headings are
Ofsted's template's, as the local authorities' Annex A pipelines read them (liia-tools' list 2
schema): the row-1 header a checker expects. Codes: gender and ethnicity in the DfE
children-in-need census codes (cases.models.Gender, Ethnicity). Dates dd/mm/yyyy.

- Child Unique ID: the child's register id, stable and not identifying (no NHS number or UPN).
- An unborn child: age -1 and the expected date of birth in the date-of-birth column (Ofsted
  asks for the expected date where a child is not yet born); blank if none was recorded.
- Assessment completion date: blank while the assessment was not complete on the list's date.
- Organisation completing assessment: the assessor's agency.

Building the rows is pure (``rows_from``); the query and the file writers sit beside it.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Q, QuerySet

HEADINGS = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Assessment start date",
    "Assessment completion date",
    "Organisation completing assessment",
]
UNBORN_AGE = -1
MARKING = "OFFICIAL-SENSITIVE"


@dataclass(frozen=True)
class AnnexARow:
    child_id: int
    gender: str
    ethnicity: str
    date_of_birth: date | None
    age: int | None
    assessment_started_on: date
    assessment_completed_on: date | None
    organisation: str
    case_id: int


def window_start(as_at: date) -> date:
    """The first day of the six months before ``as_at``."""
    return as_at - relativedelta(months=6)


def age_in_years(date_of_birth: date | None, as_at: date) -> int:
    """Whole years on ``as_at``; -1 for a child not born by then (R-REPORT-1)."""
    if date_of_birth is None or date_of_birth > as_at:
        return UNBORN_AGE
    return (
        as_at.year
        - date_of_birth.year
        - ((as_at.month, as_at.day) < (date_of_birth.month, date_of_birth.day))
    )


def rows_from(records: Iterable[dict], as_at: date) -> Iterator[AnnexARow]:
    """One row a child from ``records`` (as ``annex_a_records`` gives them: by child, latest
    assessment first): the child's first record is their row."""
    last_child = None
    for record in records:
        if record["child_id"] == last_child:
            continue
        last_child = record["child_id"]
        born = record["child__date_of_birth"]
        completed = record["assessment_completed_on"]
        yield AnnexARow(
            child_id=record["child_id"],
            gender=record["child__gender"],
            ethnicity=record["child__ethnicity"],
            date_of_birth=born or record["child__expected_date_of_birth"],
            age=age_in_years(born, as_at),
            assessment_started_on=record["assessment_started_on"],
            assessment_completed_on=completed if completed and completed <= as_at else None,
            organisation=record["assessor_agency__name"],
            case_id=record["pk"],
        )


def annex_a_records(cases: QuerySet, as_at: date) -> QuerySet:
    """The cases of ``cases`` on list 2 for ``as_at``: an assessment begun by then, and begun
    or completed in the six months before it, or the CAF still open on that day (a current
    intervention). Ordered for ``rows_from``: one pass, no count."""
    start = window_start(as_at)
    return (
        cases.filter(assessment_started_on__isnull=False, assessment_started_on__lte=as_at)
        .filter(
            Q(assessment_started_on__gte=start)
            | Q(assessment_completed_on__gte=start, assessment_completed_on__lte=as_at)
            | Q(closed_on__isnull=True)
            | Q(closed_on__gt=as_at)
        )
        .order_by("child_id", "-assessment_started_on", "-pk")
        .values(
            "pk",
            "child_id",
            "child__gender",
            "child__ethnicity",
            "child__date_of_birth",
            "child__expected_date_of_birth",
            "assessment_started_on",
            "assessment_completed_on",
            "assessor_agency__name",
        )
    )


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def text_cells(row: AnnexARow) -> list[str]:
    """The row as Ofsted's list shows it: codes, dd/mm/yyyy dates."""
    return [
        str(row.child_id),
        row.gender,
        row.ethnicity,
        _day(row.date_of_birth),
        str(row.age),
        _day(row.assessment_started_on),
        _day(row.assessment_completed_on),
        row.organisation,
    ]


Progress = Callable[[int], None]
PROGRESS_EVERY = 500


def _counted(rows: Iterable[AnnexARow], progress: Progress | None) -> Iterator[AnnexARow]:
    done = 0
    for done, row in enumerate(rows, start=1):
        yield row
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
    if progress is not None:
        progress(done)


def csv_bytes(rows: Iterable[AnnexARow], progress: Progress | None = None) -> bytes:
    """The list as CSV: Ofsted's header on row 1, so the marking is in the file's name."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADINGS)
    for row in _counted(rows, progress):
        writer.writerow(text_cells(row))
    # Excel reads UTF-8 with a byte-order mark as UTF-8 (agency names with accents).
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(
    rows: Iterable[AnnexARow],
    *,
    as_at: date,
    produced_by: str,
    produced_at: datetime,
    progress: Progress | None = None,
) -> bytes:
    """The list as an Excel workbook: sheet "List 2" with Ofsted's header on row 1 (bold) and
    dates as date cells shown dd/mm/yyyy; the marking, who produced it and when in the printed
    header and footer of every page and on a second sheet (R-AUDIT-4)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    # Write-only: rows stream to the file as they come, for lists of 100,000 children.
    book = Workbook(write_only=True)
    sheet = book.create_sheet("List 2")
    # Sheet settings come before the first row in a write-only workbook.
    sheet.freeze_panes = "A2"
    for width, letter in zip((16, 8, 10, 14, 20, 22, 26, 40), "ABCDEFGH", strict=True):
        sheet.column_dimensions[letter].width = width
    produced = f"Produced by {produced_by} on {produced_at:%d/%m/%Y %H:%M}"
    for header_footer in (sheet.oddHeader, sheet.evenHeader, sheet.firstHeader):
        header_footer.center.text = MARKING
        header_footer.right.text = f"Annex A list 2 as at {as_at:%d/%m/%Y}"
    for header_footer in (sheet.oddFooter, sheet.evenFooter, sheet.firstFooter):
        header_footer.center.text = MARKING
        header_footer.left.text = produced
        header_footer.right.text = "Page &P of &N"

    def bold(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        return cell

    def day(value: date | None):
        if value is None:
            return None
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "dd/mm/yyyy"
        return cell

    sheet.append([bold(heading) for heading in HEADINGS])
    for row in _counted(rows, progress):
        sheet.append(
            [
                row.child_id,
                row.gender,
                row.ethnicity,
                day(row.date_of_birth),
                row.age,
                day(row.assessment_started_on),
                day(row.assessment_completed_on),
                row.organisation,
            ]
        )
    about = book.create_sheet("About this file")
    about.column_dimensions["A"].width = 80
    about.append([bold(MARKING)])
    about.append([f"Ofsted ILACS Annex A, list 2 (early help), as at {as_at:%d/%m/%Y}"])
    about.append([produced])
    about.append(["Handle, store and share as OFFICIAL-SENSITIVE personal data."])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def file_name(as_at: date, produced_at: datetime, extension: str) -> str:
    """Marked, since a CSV has no room for the marking above Ofsted's header (R-AUDIT-4)."""
    produced = f"{produced_at:%Y%m%d-%H%M}"
    return f"{MARKING} annex-a-list-2 {as_at:%Y-%m-%d} produced {produced}.{extension}"
