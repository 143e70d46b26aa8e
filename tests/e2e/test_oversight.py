"""The managers' pages in a real browser (issue 15): the CAF team's manager reads the audit
trail in words, a case's whole history, a person's activity, the oversight dashboard and the
case list behind one of its figures, Ofsted's Annex A list and the Supporting Families return.
axe-core finds no serious or critical violation on any page."""

from datetime import date

import pytest
from playwright.sync_api import expect

from audit.models import AccessAction
from audit.services import access_log_record
from cases.services import child_details_correct
from tests.e2e.navigation import follow
from tests.e2e.test_delivery import _checked, _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_caf_manager_reads_the_trail_the_dashboard_and_the_returns(
    live_server, world, login, page, axe_violations
):
    base = live_server.url
    manager = world.a.users["caf_manager"]
    assessor = world.a.users["assessor"]
    case = world.a.case
    child_details_correct(case=case, by=assessor, date_of_birth=date(2016, 4, 21))
    access_log_record(action=AccessAction.PRINT, user=assessor, case=case, detail="consent form")
    login(manager)  # sets up the manager's authenticator app
    visited: list[str] = []

    _sign_in(page, base, manager)
    page.goto(f"{base}/audit/?log=changes")
    _checked(page, axe_violations, visited, "15-01-audit-trail")
    # In words, with the value before and after, never a field name.
    expect(page.get_by_text("21/04/2016").first).to_be_visible()
    assert "date_of_birth" not in page.content()
    page.goto(f"{base}/audit/?date_from=31/02/2026")
    _checked(page, axe_violations, visited)
    expect(page.locator(".govuk-error-summary")).to_be_visible()

    page.goto(f"{base}/cases/{case.pk}/history/")
    _checked(page, axe_violations, visited, "15-02-case-history")
    expect(page.get_by_text("consent form").first).to_be_visible()
    page.goto(f"{base}/audit/people/{assessor.pk}/")
    _checked(page, axe_violations, visited, "15-03-person-activity")

    page.goto(f"{base}/reports/dashboard/")
    _checked(page, axe_violations, visited, "15-04-dashboard")
    # Every chart can be read as a table too.
    assert page.locator("svg[role=group]").count() >= 1
    assert page.locator("table.govuk-table").count() >= page.locator("svg[role=group]").count()
    follow(page.locator("main table.govuk-table a").first)
    _checked(page, axe_violations, visited, "15-05-figure-cases")
    expect(page.get_by_text(case.reference).first).to_be_visible()

    page.goto(f"{base}/reports/annex-a/")
    _checked(page, axe_violations, visited, "15-06-annex-a")
    page.goto(f"{base}/reports/supporting-families/")
    _checked(page, axe_violations, visited, "15-07-supporting-families")

    assert len(visited) == 8
