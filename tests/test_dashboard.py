"""The oversight dashboard (issue 15): who may see it, what each figure counts for whom (a
manager of one agency what their agencies may see, the CAF team its tenant, another tenant
nothing), each figure's number equal to the rows of the list behind it, the filters and bad
input, charts with their tables, constant queries, and the API."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from assessments.models import VersionReason
from assessments.services.sections import section_save
from assessments.services.versions import version_create
from audit.models import AccessAction, AccessLogEntry
from cases.models import Case, Ethnicity, Gender
from cases.services import case_open, child_register
from consent.services import refusal_record
from delivery.services.closure import case_close
from meetings.services.tac import tac_hold
from reports import charts
from reports.dashboard import _median
from tests.assessment_states import logged
from tests.test_tac_meetings import convene, logged_case

TODAY = timezone.localdate()
DASHBOARD = "/reports/dashboard/"
API = "/api/reports/dashboard/"


@dataclass
class Board:
    delivered: Case
    closed: Case
    refused: Case
    open_only: Case


def _held(world, case, days_ago: int):
    meeting = convene(world, case)
    return tac_hold(
        meeting=meeting,
        by=world.a.users["assessor"],
        held_on=TODAY - timedelta(days=days_ago),
        attendance={},
    )


def _refused_case(world, name: str) -> Case:
    assessor = world.a.users["assessor"]
    child = child_register(
        by=assessor,
        given_name="Ash",
        family_name=name,
        date_of_birth=date(2017, 1, 9),
        gender=Gender.MALE,
        ethnicity=Ethnicity.BAFR,
        postcode="NS2 4QT",
    )
    case = case_open(child=child, assessor_agency=world.a.school, by=assessor)
    refusal_record(case=case, by=assessor, refused_by="parent", refused_on=TODAY)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def board(world) -> Board:
    """World a: an open CAF with consent to no one (world.a.case); a logged CAF in the team
    around the child whose review is overdue; one closed for non-engagement; one refused.
    The logged ones are shared with every agency, so the police see them."""
    delivered = logged_case(world, "Deliveredson")
    _held(world, delivered, 120)
    closed = logged_case(world, "Closedson")
    meeting = _held(world, closed, 10)
    case_close(
        case=closed,
        by=world.a.users["assessor"],
        reason="non_engagement",
        note="No reply to three letters",
        meeting=meeting,
    )
    return Board(
        delivered=Case.objects.get(pk=delivered.pk),
        closed=Case.objects.get(pk=closed.pk),
        refused=_refused_case(world, "Refusedson"),
        open_only=world.a.case,
    )


def _api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _figures(user, **params) -> dict:
    response = _api(user).get(API, params)
    assert response.status_code == 200, response.content
    return {figure["name"]: figure for figure in response.json()["figures"]}


def _cells(figure: dict):
    for row in figure["rows"]:
        for cell in row[1:]:
            if cell["url"]:
                yield row[0]["text"], cell


def _listed(client, url: str) -> list[int]:
    """Every case id on the list at ``url``, following its pages."""
    ids = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        ids += [int(pk) for pk in re.findall(r'data-case="(\d+)"', content)]
        following = re.search(r'href="(\?[^"]*)" rel="next"', content)
        url = (
            "/reports/dashboard/cases/" + following.group(1).replace("&amp;", "&")
            if following
            else ""
        )
    return ids


# --- Who may see it ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["caf_manager", "coordinator", "chair", "school_manager", "police_manager"]
)
def test_managers_and_the_caf_team_see_the_dashboard(world, login, name):
    client = login(world.a.users[name])
    assert client.get(DASHBOARD).status_code == 200
    assert client.get("/reports/dashboard/cases/?figure=open").status_code == 200
    assert _api(world.a.users[name]).get(API).status_code == 200


@pytest.mark.parametrize(
    "name", ["assessor", "school_practitioner", "police_practitioner", "tenant_admin"]
)
def test_anyone_else_finds_no_dashboard(world, login, name):
    client = login(world.a.users[name])
    assert client.get(DASHBOARD).status_code == 404
    assert client.get("/reports/dashboard/cases/?figure=open").status_code == 404
    assert _api(world.a.users[name]).get(API).status_code == 404


@pytest.mark.parametrize("name", ["police_manager", "caf_manager", "coordinator"])
def test_without_a_dbs_check_neither_a_manager_nor_the_caf_team_sees_any_report(world, login, name):
    # One rule for every report (reports.access.may_oversee): the returns list children too.
    person = world.a.users[name]
    client = login(person)
    person.dbs_checked_on = None
    person.save(update_fields=["dbs_checked_on"])
    for url in (DASHBOARD, "/reports/annex-a/", "/reports/supporting-families/"):
        assert client.get(url).status_code == 404, url
    assert _api(person).get(API).status_code == 404


def test_the_menu_shows_the_dashboard_to_those_who_may_see_it(world, login):
    assert b'href="/reports/dashboard/"' in login(world.a.users["police_manager"]).get("/").content
    assert b'href="/reports/dashboard/"' in login(world.a.users["coordinator"]).get("/").content
    assert b'href="/reports/dashboard/"' not in login(world.a.users["assessor"]).get("/").content


# --- Scoping ------------------------------------------------------------------------------


def test_the_caf_team_counts_its_whole_tenant(board, world):
    figures = _figures(world.a.users["caf_manager"])
    assert figures["open"]["total"] == 2
    assert figures["logging"]["total"] == 2
    assert figures["first_tac"]["total"] == 2
    assert figures["overdue_reviews"]["total"] == 1
    assert figures["refusals_by_agency"]["total"] == 1
    assert figures["closures"]["total"] == 1
    assert figures["risk_flags"]["total"] == 1


def test_a_manager_of_one_agency_counts_only_what_their_agency_may_see(board, world):
    """The police hold a grant on the two logged CAFs only: not on the CAF without consent,
    nor on the refused one."""
    figures = _figures(world.a.users["police_manager"])
    assert figures["open"]["total"] == 1
    assert figures["logging"]["total"] == 2
    assert figures["overdue_reviews"]["total"] == 1
    assert figures["refusals_by_agency"]["total"] == 0
    assert figures["closures"]["total"] == 1
    assert figures["risk_flags"]["total"] == 1


def test_another_tenant_counts_none_of_this_tenants_cases(board, world, login):
    figures = _figures(world.b.users["caf_manager"])
    assert figures["open"]["total"] == 1  # its own
    assert figures["logging"]["total"] == 0
    assert figures["refusals_by_agency"]["total"] == 0
    content = login(world.b.users["caf_manager"]).get(DASHBOARD).content
    assert world.a.school.name.encode() not in content
    listed = login(world.b.users["caf_manager"]).get("/reports/dashboard/cases/?figure=open")
    assert board.delivered.child.family_name.encode() not in listed.content
    assert world.b.case.child.family_name.encode() in listed.content


def test_another_tenants_agency_as_a_filter_is_a_field_error(board, world):
    response = _api(world.b.users["caf_manager"]).get(API, {"agency": world.a.school.pk})
    assert response.status_code == 400
    assert "agency" in response.json()


@pytest.mark.parametrize("name", ["caf_manager", "police_manager", "school_manager"])
def test_every_figure_counts_exactly_the_cases_of_its_list(board, world, login, name):
    user = world.a.users[name]
    client = login(user)
    checked = 0
    for figure in _figures(user).values():
        total = _listed(client, figure["url"])
        assert len(total) == figure["total"], figure["name"]
        for label, cell in _cells(figure):
            ids = _listed(client, cell["url"])
            assert len(ids) == cell["count"], (figure["name"], label)
            assert len(set(ids)) == len(ids)
            checked += 1
    assert checked > 20


def test_the_lists_show_only_cases_the_viewer_may_open(board, world, login):
    client = login(world.a.users["police_manager"])
    content = client.get("/reports/dashboard/cases/?figure=open").content
    assert board.delivered.child.family_name.encode() in content
    assert board.open_only.child.family_name.encode() not in content
    content = client.get("/reports/dashboard/cases/?figure=refusals").content
    assert board.refused.child.family_name.encode() not in content


# --- The figures ----------------------------------------------------------------------------


def test_open_cafs_by_agency_and_level_of_need(board, world):
    figure = _figures(world.a.users["caf_manager"])["open"]
    assert figure["columns"][1:] == [
        "Not yet assessed",
        "Level 1",
        "Level 2",
        "Level 3",
        "Level 4",
        "Total",
    ]
    school = next(row for row in figure["rows"] if row[0]["text"] == world.a.school.name)
    assert [cell["count"] for cell in school[1:]] == [1, 0, 1, 0, 0, 2]


def test_a_new_versions_level_of_need_moves_the_case_in_the_figure(board, world):
    assessor = world.a.users["assessor"]
    assessment = logged(world, "Levelson")
    version = version_create(assessment=assessment, by=assessor, reason=VersionReason.UPDATE)
    conclusions = version.sections.get(key="conclusions")
    section_save(
        version=version,
        key="conclusions",
        data={**conclusions.data, "level_of_need": 4},
        base_revision=conclusions.revision,
        completed=True,
        by=assessor,
    )

    school = next(
        row
        for row in _figures(world.a.users["caf_manager"])["open"]["rows"]
        if row[0]["text"] == world.a.school.name
    )
    # Not yet assessed, levels 1-4, total: the earlier version's level 2 no longer counts.
    assert [cell["count"] for cell in school[1:]] == [1, 0, 1, 0, 1, 3]
    assert Case.objects.get(pk=assessment.case_id).level_of_need == 4


def test_timeliness_against_the_standards(board, world):
    figures = _figures(world.a.users["caf_manager"])
    # Both logged the day their intention was logged; both first TACs were held before the
    # completion date the tests sign off with (today), so within 20 working days.
    assert figures["logging"]["median_days"] == 0
    assert figures["logging"]["share_in_time"] == 100
    assert figures["first_tac"]["share_in_time"] == 100
    assert figures["first_tac"]["median_days"] == -65  # -120 and -10


def test_refusal_patterns_by_agency_ethnicity_who_and_month(board, world):
    figures = _figures(world.a.users["coordinator"])
    labels = {
        name: {row[0]["text"]: row[1]["count"] for row in figures[f"refusals_by_{name}"]["rows"]}
        for name in ("agency", "ethnicity", "refused_by", "month")
    }
    assert labels["agency"][world.a.school.name] == 1
    assert labels["ethnicity"]["Black African"] == 1
    assert labels["refused_by"]["A person with parental responsibility"] == 1
    assert labels["month"][TODAY.strftime("%B %Y")] == 1


def test_closures_by_reason_leave_out_reopened_cafs(board, world):
    figures = _figures(world.a.users["caf_manager"])
    reasons = {row[0]["text"]: row[1]["count"] for row in figures["closures"]["rows"]}
    assert reasons["The family did not engage"] == 1
    assert reasons["Needs met"] == 0
    from delivery.models import CaseClosure

    CaseClosure.objects.filter(case=board.closed).update(reopened_on=TODAY)
    figures = _figures(world.a.users["caf_manager"])
    assert figures["closures"]["total"] == 0
    assert figures["risk_flags"]["total"] == 0


def test_the_period_bounds_the_events_counted(board, world):
    last_year = TODAY - timedelta(days=400)
    figures = _figures(
        world.a.users["caf_manager"],
        date_from=(last_year - timedelta(days=30)).isoformat(),
        date_to=last_year.isoformat(),
    )
    assert figures["logging"]["total"] == 0
    assert figures["closures"]["total"] == 0
    assert figures["open"]["total"] == 2  # as it stands today


def test_area_and_agency_filters(board, world):
    user = world.a.users["caf_manager"]
    assert _figures(user, area="ns2")["refusals_by_agency"]["total"] == 1
    assert _figures(user, area="NS2")["open"]["total"] == 0
    assert _figures(user, agency=world.a.police.pk)["open"]["total"] == 0
    assert _figures(user, agency=world.a.school.pk)["open"]["total"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {"area": "not a postcode"},
        {"agency": "abc"},
        {"agency": "99999999999999999999999"},
        {"date_from": "31/02/2026"},
        {"date_from": "1/1/1200"},
        {"date_from": "2026-03-01", "date_to": "2026-02-01"},
        {"date_to": "\x00"},
    ],
)
def test_bad_filters_are_field_errors_never_a_500(board, world, login, params):
    client = login(world.a.users["caf_manager"])
    response = client.get(DASHBOARD, params)
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert _api(world.a.users["caf_manager"]).get(API, params).status_code == 400
    listed = client.get("/reports/dashboard/cases/", {"figure": "open", **params})
    assert listed.status_code == 200
    assert b"govuk-error-summary" in listed.content


@pytest.mark.parametrize(
    "params",
    [
        {"figure": "nonsense"},
        {"figure": "open", "key": "7"},
        {"figure": "open", "key": "²"},
        {"figure": "logging", "key": "soon"},
        {"figure": "refusals", "key": "month:2026-13"},
        {"figure": "refusals", "key": "agency:x"},
        {"figure": "closures", "key": "bored"},
        {"figure": "open", "after": "yesterday_1"},
        {"figure": "open", "after": "2026-01-01T00:00:00+00:00_99999999999999999999"},
    ],
)
def test_bad_figures_and_cursors_are_field_errors(board, world, login, params):
    response = login(world.a.users["caf_manager"]).get("/reports/dashboard/cases/", params)
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b"data-case=" not in response.content


# --- Charts and tables -----------------------------------------------------------------


def test_each_chart_is_an_image_with_its_figures_and_a_table_beside_it(board, world, login):
    content = login(world.a.users["caf_manager"]).get(DASHBOARD).content.decode()
    charts_on_page = re.findall(r"<svg[^>]*>.*?</svg>", content, flags=re.S)
    assert len(charts_on_page) >= 8
    for svg in charts_on_page:
        assert 'role="group"' in svg
        assert "<title" in svg and "<desc" in svg
    open_chart = charts_on_page[0]
    assert f"{world.a.school.name}: Not yet assessed 1" in open_chart
    assert 'href="/reports/dashboard/cases/?figure=open&amp;key=2' in open_chart
    assert 'id="open-table"' in content
    assert content.count('<table class="govuk-table"') >= 10


def test_the_chart_module_escapes_what_it_draws():
    svg = charts.bar_chart(title="<Refusals>", bars=[charts.Bar('"><script>', 3, "/x?a=1&b=2")])
    assert "<script>" not in svg
    assert "&lt;Refusals&gt;" in svg
    assert 'href="/x?a=1&amp;b=2"' in svg
    assert 'role="group"' in svg


def test_the_median_of_grouped_counts():
    assert _median({}) is None
    assert _median({3: 1}) == 3
    assert _median({1: 1, 5: 1}) == 3
    assert _median({0: 2, 10: 1}) == 0
    assert _median({2: 1, 4: 2, 9: 1}) == 4


# --- Queries, the access log ------------------------------------------------------------------


def test_the_dashboard_costs_the_same_queries_whatever_the_number_of_cases(board, world, login):
    client = login(world.a.users["caf_manager"])
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as few:
        assert client.get(DASHBOARD).status_code == 200
    for name in ("Moreson", "Mostson"):
        _held(world, logged_case(world, name), 40)
        _refused_case(world, f"Refused{name}")
    with CaptureQueriesContext(connection) as more:
        assert client.get(DASHBOARD).status_code == 200
    assert len(more) == len(few)
    assert len(few) < 40


def test_a_list_costs_the_same_queries_whatever_its_length(board, world, login):
    client = login(world.a.users["caf_manager"])
    client.get("/reports/dashboard/cases/?figure=open")
    with CaptureQueriesContext(connection) as few:
        client.get("/reports/dashboard/cases/?figure=first_tac")
    for name in ("Moreson", "Mostson"):
        _held(world, logged_case(world, name), 40)
    with CaptureQueriesContext(connection) as more:
        response = client.get("/reports/dashboard/cases/?figure=first_tac")
    assert response.content.count(b"data-case=") == 4
    assert len(more) == len(few)


def test_viewing_the_dashboard_and_its_lists_is_in_the_access_log(board, world, login):
    user = world.a.users["police_manager"]
    client = login(user)
    client.get(DASHBOARD)
    client.get("/reports/dashboard/cases/?figure=open")
    entries = AccessLogEntry.objects.filter(user=user).order_by("at", "id")
    assert entries.filter(action=AccessAction.VIEW, detail__startswith="dashboard").exists()
    listed = entries.get(action=AccessAction.LIST)
    assert listed.detail == f"dashboard: {board.delivered.reference}"


def test_the_api_is_in_the_schema(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/reports/dashboard/" in schema
    assert "reports_dashboard" in schema


def test_the_demo_gives_the_caf_teams_manager_every_figure(db, settings):
    from io import StringIO

    from django.core.management import call_command

    from agencies.models import User
    from reports.dashboard import Filters, dashboard

    settings.DEBUG = True
    call_command("load_demo_data", stdout=StringIO())
    manager = User.objects.get(username="manager")
    board = dashboard(manager, Filters(date_from=TODAY - timedelta(days=364), date_to=TODAY), TODAY)
    assert board.open_total > 0
    assert board.logging.total > 0 and board.logging.late > 0
    assert board.first_tac.total > 0
    assert board.overdue_reviews_total > 0
    assert board.refusals_total >= 2
    assert board.closures_total > 0
    assert board.risk_flags_total > 0


def test_a_list_never_names_another_tenants_agency(board, world, login):
    client = login(world.a.users["caf_manager"])
    response = client.get(
        f"/reports/dashboard/cases/?figure=refusals&key=agency:{world.b.school.pk}"
    )
    assert response.status_code == 200
    assert world.b.school.name.encode() not in response.content
    assert b"data-case=" not in response.content
