"""Ofsted's Annex A list 2, early help (R-REPORT-1), against a worked example: one row a child,
the census codes, -1 for the unborn, dd/mm/yyyy dates, as the page, CSV, Excel and the API;
scoped to what the viewer may see; every export in the access log (R-AUDIT-1, R-AUDIT-4)."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from knox.models import AuthToken
from openpyxl import load_workbook
from rest_framework.test import APIClient

from audit.models import AccessAction, AccessLogEntry
from cases.models import Case, Ethnicity, Gender
from reports.annex_a import HEADINGS, age_in_years, rows_from
from tests.returns_world import early_help_case, register

AS_AT = date(2026, 10, 31)
URL = "/reports/annex-a/"
API = "/api/reports/annex-a/"


@dataclass
class Example:
    cases: dict[str, Case]


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


@pytest.fixture
def example(world) -> Example:
    """As at 31/10/2026 (the six months from 30/04/2026):
    ava: assessed in June, CAF closed in August: on the list.
    bump: unborn, due 15/12/2026, assessment begun in October: age -1.
    chen: assessed in September 2025 (too long ago) but the CAF is open: a current
      intervention; the family said no to the police.
    dan: assessed and closed in 2025: not on the list.
    esha: two CAFs this year, one closed and one open: one row, the latest assessment.
    """
    w = world
    ava = register(
        w, "Ava", "Example", date_of_birth=date(2016, 2, 3), gender=Gender.FEMALE,
        ethnicity=Ethnicity.WBRI,
    )  # fmt: skip
    bump = register(w, "Baby", "Bump", expected_date_of_birth=date(2026, 12, 15))
    chen = register(
        w, "Chen", "Example", date_of_birth=date(2020, 11, 1), gender=Gender.MALE,
        ethnicity=Ethnicity.CHNE,
    )  # fmt: skip
    dan = register(
        w, "Dan", "Example", date_of_birth=date(2012, 5, 5), gender=Gender.MALE,
        ethnicity=Ethnicity.BCRB,
    )  # fmt: skip
    esha = register(
        w, "Esha", "Example", date_of_birth=date(2014, 7, 7), gender=Gender.FEMALE,
        ethnicity=Ethnicity.AIND,
    )  # fmt: skip
    cases = {
        "ava": early_help_case(
            w, ava, started=date(2026, 6, 1), completed=date(2026, 6, 20), closed=date(2026, 8, 1)
        ),
        "bump": early_help_case(w, bump, started=date(2026, 10, 1)),
        "chen": early_help_case(
            w, chen, started=date(2025, 9, 1), completed=date(2025, 10, 1), excluded=[w.a.police]
        ),
        "dan": early_help_case(
            w, dan, started=date(2025, 8, 1), completed=date(2025, 9, 1), closed=date(2025, 12, 1)
        ),
        "esha_first": early_help_case(
            w, esha, started=date(2026, 5, 10), completed=date(2026, 5, 30), closed=date(2026, 7, 1)
        ),
    }
    cases["esha"] = early_help_case(w, esha, started=date(2026, 9, 1))
    return Example(cases=cases)


def _expected(example, world) -> list[list[str]]:
    school = world.a.school.name
    i = {name: str(case.child_id) for name, case in example.cases.items()}
    return [
        [i["ava"], "2", "WBRI", "03/02/2016", "10", "01/06/2026", "20/06/2026", school],
        [i["bump"], "0", "NOBT", "15/12/2026", "-1", "01/10/2026", "", school],
        [i["chen"], "1", "CHNE", "01/11/2020", "5", "01/09/2025", "01/10/2025", school],
        [i["esha"], "2", "AIND", "07/07/2014", "12", "01/09/2026", "", school],
    ]


def _csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_an_unborn_child_is_minus_one_and_a_birthday_counts_from_the_day():
    assert age_in_years(None, AS_AT) == -1
    assert age_in_years(date(2026, 11, 2), AS_AT) == -1
    assert age_in_years(date(2020, 10, 31), AS_AT) == 6
    assert age_in_years(date(2020, 11, 1), AS_AT) == 5


def test_a_child_is_one_row_their_latest_assessment():
    base = {
        "child__gender": "1",
        "child__ethnicity": "WBRI",
        "child__date_of_birth": date(2015, 1, 1),
        "child__expected_date_of_birth": None,
        "assessor_agency__name": "School",
    }
    records = [
        {**base, "pk": 9, "child_id": 1, "assessment_started_on": date(2026, 9, 1),
         "assessment_completed_on": None},
        {**base, "pk": 4, "child_id": 1, "assessment_started_on": date(2026, 5, 1),
         "assessment_completed_on": date(2026, 5, 9)},
        {**base, "pk": 5, "child_id": 2, "assessment_started_on": date(2026, 6, 1),
         "assessment_completed_on": date(2026, 11, 9)},
    ]  # fmt: skip

    rows = list(rows_from(records, AS_AT))

    assert [(r.child_id, r.case_id) for r in rows] == [(1, 9), (2, 5)]
    # Completed after the list's date: not complete on it.
    assert rows[1].assessment_completed_on is None


def test_the_csv_has_ofsteds_headings_codes_and_dates_one_row_a_child(example, world, login):
    response = login(world.a.users["caf_manager"]).get(URL, {"date": "31/10/2026", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    disposition = response["Content-Disposition"]
    assert "attachment" in disposition and "OFFICIAL-SENSITIVE" in disposition
    rows = _csv(response)
    assert (
        rows[0]
        == HEADINGS
        == [
            "Child Unique ID",
            "Gender",
            "Ethnicity",
            "Date of Birth",
            "Age of Child (Years)",
            "Assessment start date",
            "Assessment completion date",
            "Organisation completing assessment",
        ]
    )
    assert rows[1:] == _expected(example, world)


def test_the_excel_list_has_date_cells_a_bold_header_and_the_marking(example, world, login):
    manager = world.a.users["caf_manager"]
    response = login(manager).get(URL, {"date": "2026-10-31", "format": "xlsx"})

    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["List 2"]
    assert book.sheetnames[0] == "List 2"
    assert [cell.value for cell in sheet[1]] == HEADINGS
    assert all(cell.font.bold for cell in sheet[1])
    ava = [cell for cell in sheet[2]]
    assert ava[0].value == example.cases["ava"].child_id
    assert ava[3].value == datetime(2016, 2, 3) and ava[3].number_format == "dd/mm/yyyy"
    assert ava[5].value == datetime(2026, 6, 1) and ava[5].number_format == "dd/mm/yyyy"
    assert ava[4].value == 10
    bump = [cell.value for cell in sheet[3]]
    assert bump[4] == -1 and bump[3] == datetime(2026, 12, 15) and bump[6] is None
    assert sheet.max_row == 5
    assert "OFFICIAL-SENSITIVE" in sheet.oddHeader.center.text
    assert "OFFICIAL-SENSITIVE" in sheet.oddFooter.center.text
    assert manager.username in sheet.oddFooter.left.text or (
        manager.get_full_name() in sheet.oddFooter.left.text
    )
    about = book["About this file"]
    assert about["A1"].value == "OFFICIAL-SENSITIVE"


def test_each_export_is_in_the_access_log(example, world, login):
    manager = world.a.users["caf_manager"]
    client = login(manager)
    client.get(URL, {"date": "31/10/2026", "format": "csv"})
    client.get(URL, {"date": "31/10/2026", "format": "xlsx"})

    exports = AccessLogEntry.objects.filter(user=manager, action=AccessAction.EXPORT)
    assert sorted(e.detail for e in exports) == [
        "Annex A list 2 as at 31/10/2026: 4 children, CSV",
        "Annex A list 2 as at 31/10/2026: 4 children, XLSX",
    ]
    assert all(e.agency_id == world.a.caf_team.pk for e in exports)


def test_the_page_shows_the_list_and_is_logged(example, world, login):
    manager = world.a.users["caf_manager"]
    page = login(manager).get(URL, {"date": "31/10/2026"})

    assert page.status_code == 200
    content = page.content.decode()
    assert "15/12/2026" in content and "Child Unique ID" in content
    assert "Example" not in content  # ids, not names
    assert AccessLogEntry.objects.filter(user=manager, action=AccessAction.LIST).exists()


def _ids(response) -> set[str]:
    return {row[0] for row in _csv(response)[1:]}


def test_an_agency_manager_gets_only_the_children_their_agencies_may_see(example, world, login):
    c = example.cases
    police = login(world.a.users["police_manager"]).get(URL, {"date": AS_AT, "format": "csv"})
    school = login(world.a.users["school_manager"]).get(URL, {"date": AS_AT, "format": "csv"})

    assert _ids(police) == {str(c[n].child_id) for n in ("ava", "bump", "esha")}
    assert _ids(school) == {str(c[n].child_id) for n in ("ava", "bump", "chen", "esha")}


def test_another_tenant_sees_none_of_these_children(example, world, login):
    response = login(world.b.users["caf_manager"]).get(URL, {"date": AS_AT, "format": "csv"})

    assert _csv(response) == [HEADINGS]


@pytest.mark.parametrize(
    "name", ["assessor", "police_practitioner", "tenant_admin", "school_no_dbs"]
)
def test_practitioners_and_administrators_get_404(example, world, login, name):
    user = world.a.users[name]
    assert login(user).get(URL, {"format": "csv"}).status_code == 404
    assert _api(user).get(API).status_code == 404


@pytest.mark.parametrize("bad", ["31/02/2026", "yesterday", "1/1/1800", "9" * 60])
def test_a_bad_date_is_a_field_error_on_the_page_and_a_400_in_the_api(world, login, bad):
    manager = world.a.users["caf_manager"]
    page = login(manager).get(URL, {"date": bad, "format": "csv"})
    api = _api(manager).get(API, {"date": bad})

    assert page.status_code == 200
    assert "govuk-error-summary" in page.content.decode()
    assert api.status_code == 400 and "date" in api.json()


def test_the_api_gives_the_same_rows_a_page_at_a_time(example, world, monkeypatch):
    monkeypatch.setattr("reports.returns_api.PAGE_LENGTH", 3)
    client = _api(world.a.users["caf_manager"])

    first = client.get(API, {"date": "31/10/2026"}).json()
    second = client.get(API, {"date": "31/10/2026", "after": first["next"]}).json()

    assert first["as_at"] == "31/10/2026"
    rows = first["results"] + second["results"]
    assert [[str(v) for v in r.values()] for r in rows] == _expected(example, world)
    assert second["next"] is None
    assert rows[1]["age_of_child_years"] == -1
    assert (
        AccessLogEntry.objects.filter(action=AccessAction.EXPORT, detail__contains="(API)").count()
        == 2
    )


def test_the_api_is_scoped_like_the_page(example, world):
    police = _api(world.a.users["police_manager"]).get(API, {"date": "31/10/2026"}).json()
    other = _api(world.b.users["caf_manager"]).get(API, {"date": "31/10/2026"}).json()

    chen = str(example.cases["chen"].child_id)
    assert chen not in {r["child_unique_id"] for r in police["results"]}
    assert other["results"] == []


def test_a_bad_cursor_is_a_400(world):
    response = _api(world.a.users["caf_manager"]).get(API, {"after": "abc"})

    assert response.status_code == 400
