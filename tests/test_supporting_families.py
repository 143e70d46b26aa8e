"""The Supporting Families quarterly return (R-REPORT-2): needs mapped to the ten outcomes,
evidence of progress from reviews and done actions, each figure equal to the list behind it,
scoped to what the viewer may see; the CSV in the access log."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from audit.models import AccessAction, AccessLogEntry
from cases.models import Case, PlanAction, SupportingFamiliesOutcome
from cases.plans import (
    plan_action_add,
    plan_action_drop,
    plan_action_note_add,
    plan_action_status_update,
)
from delivery.models import ReviewDecision
from delivery.services.reviews import review_record
from meetings.services.tac import tac_hold
from reports.supporting_families import Quarter, parse_quarter, quarter_of
from tests.test_tac_meetings import convene, logged_case

TODAY = timezone.localdate()
QUARTER = quarter_of(TODAY)
URL = "/reports/supporting-families/"
CASES_URL = "/reports/supporting-families/cases/"
API = "/api/reports/supporting-families/"


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def test_quarters_are_the_financial_years():
    q3 = parse_quarter("2026-Q3")
    assert (q3.start, q3.end) == (date(2026, 10, 1), date(2026, 12, 31))
    q4 = Quarter(2026, 4)
    assert (q4.start, q4.end) == (date(2027, 1, 1), date(2027, 3, 31))
    assert q4.label == "Q4 2026/27 (January to March 2027)"
    assert quarter_of(date(2027, 3, 31)) == q4
    assert quarter_of(date(2026, 4, 1)) == Quarter(2026, 1)
    assert q4.next() == Quarter(2027, 1) and Quarter(2027, 1).previous() == q4
    assert parse_quarter("2026-Q5") is None and parse_quarter("Q3") is None


@dataclass
class Families:
    reviewed: Case
    done: Case


def _action(case, by, outcomes) -> PlanAction:
    return plan_action_add(
        case=case,
        by=by,
        owner_agency=case.assessor_agency,
        need="A need",
        action="Something to do",
        due_on=TODAY + timedelta(days=30),
        supporting_families_outcomes=outcomes,
    )


@pytest.fixture
def families(world) -> Families:
    """reviewed: education and health achieved at a review today, housing with some progress.
    done: an education action marked done; the family said no to sharing with the police."""
    assessor = world.a.users["assessor"]
    reviewed = logged_case(world, "Reviewed")
    education = _action(reviewed, assessor, ["education", "health"])
    housing = _action(reviewed, assessor, ["housing"])
    meeting = convene(world, reviewed)
    tac_hold(meeting=meeting, by=assessor, held_on=TODAY - timedelta(days=1), attendance={})
    review_record(
        case=Case.objects.get(pk=reviewed.pk),
        by=assessor,
        held_on=TODAY,
        decision=ReviewDecision.CONTINUE,
        progress={
            education.pk: {"progress": "achieved", "note": "In school every day."},
            housing.pk: {"progress": "partly", "note": "On the housing list."},
        },
    )
    done = logged_case(world, "Done", excluded=[world.a.police])
    action = _action(done, assessor, ["education"])
    plan_action_status_update(
        plan_action=action, by=assessor, status="done", seen=action.updated_at
    )
    return Families(reviewed=reviewed, done=done)


def _figures(content: str) -> dict[tuple[str, str], int]:
    found = re.findall(r"outcome=(\w+)&amp;measure=(\w+)\">(\d+)<", content)
    return {(outcome, measure): int(n) for outcome, measure, n in found}


def test_each_outcome_counts_needs_progress_and_achievement(families, world, login):
    page = login(world.a.users["caf_manager"]).get(URL, {"quarter": QUARTER.code})

    figures = _figures(page.content.decode())
    assert len(figures) == 30
    assert {k: v for k, v in figures.items() if v} == {
        ("education", "need"): 2,
        ("education", "progress"): 2,
        ("education", "achieved"): 2,
        ("health", "need"): 1,
        ("health", "progress"): 1,
        ("health", "achieved"): 1,
        ("housing", "need"): 1,
        ("housing", "progress"): 1,
    }


def test_an_action_counts_in_the_quarter_it_was_done_not_when_last_touched(world, login):
    assessor = world.a.users["assessor"]
    case = logged_case(world, "Donebefore")
    action = _action(case, assessor, ["education"])
    plan_action_status_update(
        plan_action=action, by=assessor, status="done", seen=action.updated_at
    )
    done_at = PlanAction.objects.get(pk=action.pk).done_at
    assert done_at is not None
    client = login(world.a.users["caf_manager"])
    figures = _figures(client.get(URL, {"quarter": QUARTER.code}).content.decode())
    assert figures[("education", "achieved")] == 1

    # Agreed and done last quarter, noted and dropped from the plan today: last quarter's.
    last_quarter_day = QUARTER.start - timedelta(days=1)
    PlanAction.objects.filter(pk=action.pk).update(
        agreed_at=timezone.make_aware(datetime.combine(last_quarter_day, time(9))),
        done_at=timezone.make_aware(datetime.combine(last_quarter_day, time(12))),
    )
    action.refresh_from_db()
    plan_action_note_add(plan_action=action, by=assessor, text="Still going every day.")
    plan_action_drop(plan_action=action, by=assessor)
    figures = _figures(client.get(URL, {"quarter": QUARTER.code}).content.decode())
    assert figures[("education", "achieved")] == 0
    earlier = quarter_of(last_quarter_day)
    figures = _figures(client.get(URL, {"quarter": earlier.code}).content.decode())
    assert figures[("education", "achieved")] == 1


def test_every_figure_equals_the_list_behind_it(families, world, login):
    client = login(world.a.users["police_manager"])
    figures = _figures(client.get(URL, {"quarter": QUARTER.code}).content.decode())

    for (outcome, measure), count in figures.items():
        listed = client.get(
            CASES_URL, {"quarter": QUARTER.code, "outcome": outcome, "measure": measure}
        ).content.decode()
        references = set(re.findall(r"CAF-\d{6}", listed))
        assert len(references) == count, (outcome, measure)
    assert (
        families.done.reference
        not in client.get(
            CASES_URL, {"quarter": QUARTER.code, "outcome": "education", "measure": "need"}
        ).content.decode()
    )
    assert figures[("education", "need")] == 1


def test_the_list_behind_a_figure_costs_the_same_queries_for_more_cases(families, world, login):
    client = login(world.a.users["caf_manager"])

    def queries(outcome: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(
                CASES_URL, {"quarter": QUARTER.code, "outcome": outcome, "measure": "need"}
            )
        assert response.status_code == 200
        return len(captured)

    assert queries("health") == queries("education")


def test_the_cases_behind_a_figure_come_a_page_at_a_time(families, world, login, monkeypatch):
    monkeypatch.setattr("reports.returns_views.CASES_PAGE", 1)
    client = login(world.a.users["caf_manager"])
    query = {"quarter": QUARTER.code, "outcome": "education", "measure": "need"}

    first = client.get(CASES_URL, query).content.decode()
    after = re.search(r"after=(\d+)", first).group(1)
    second = client.get(CASES_URL, {**query, "after": after}).content.decode()

    shown = set(re.findall(r"CAF-\d{6}", first)) | set(re.findall(r"CAF-\d{6}", second))
    assert shown == {families.reviewed.reference, families.done.reference}
    assert "More families" not in second


def test_another_quarter_has_no_progress(families, world, login):
    previous = QUARTER.previous().code
    page = login(world.a.users["caf_manager"]).get(URL, {"quarter": previous})

    assert not any(_figures(page.content.decode()).values())


def test_another_tenant_counts_nothing_of_ours(families, world):
    data = _api(world.b.users["caf_manager"]).get(API, {"quarter": QUARTER.code}).json()

    assert all(row["need"] == 0 for row in data["outcomes"])


def test_the_api_gives_the_figures_and_their_cases(families, world):
    client = _api(world.a.users["caf_manager"])
    data = client.get(API, {"year": QUARTER.year, "quarter": QUARTER.number}).json()

    assert data["quarter"] == QUARTER.code
    assert len(data["outcomes"]) == len(SupportingFamiliesOutcome.values)
    education = next(row for row in data["outcomes"] if row["outcome"] == "education")
    assert education["need"] == 2
    assert sorted(education["cases"]["achieved"]) == sorted(
        [families.reviewed.pk, families.done.pk]
    )


@pytest.mark.parametrize("bad", ["2026-Q9", "next quarter", "1999-Q1", "9" * 30])
def test_a_bad_quarter_is_a_field_error_or_a_400(world, login, bad):
    manager = world.a.users["caf_manager"]
    page = login(manager).get(URL, {"quarter": bad})
    api = _api(manager).get(API, {"quarter": bad})

    assert page.status_code == 200 and "govuk-error-summary" in page.content.decode()
    assert api.status_code == 400 and "quarter" in api.json()


def test_the_csv_is_marked_and_in_the_access_log(families, world, login):
    manager = world.a.users["caf_manager"]
    response = login(manager).get(URL, {"quarter": QUARTER.code, "format": "csv"})

    assert "OFFICIAL-SENSITIVE" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Outcome" and len(rows) == 11
    assert rows[1] == ["Getting a good education", "2", "2", "2"]
    assert AccessLogEntry.objects.filter(
        user=manager, action=AccessAction.EXPORT, detail__contains="Supporting Families"
    ).exists()


@pytest.mark.parametrize("name", ["assessor", "police_practitioner", "tenant_admin"])
def test_who_is_not_a_manager_or_in_the_caf_team_gets_404(world, login, name):
    user = world.a.users[name]
    client = login(user)

    assert client.get(URL).status_code == 404
    assert client.get(CASES_URL).status_code == 404
    assert _api(user).get(API).status_code == 404
