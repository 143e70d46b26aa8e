"""The CAF team's deadlines, run log and retention pages in a real browser (issue 14): the
manager sees an overdue CAF on the deadlines page, the run log, tries to shorten a retention
period without a decision and is told why, and sees on the dry run the CAF that will be
archived within the month. axe-core finds no serious or critical violation on any page."""

import re

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case
from delivery.models import ClosureReason
from delivery.services.closure import case_close
from retention.models import JobKind, JobRun
from tests.assessment_states import logged
from tests.e2e.navigation import follow
from tests.e2e.test_delivery import _checked, _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_caf_manager_reads_deadlines_runs_and_what_retention_will_do(
    live_server, world, login, page, axe_violations
):
    base = live_server.url
    today = timezone.localdate()
    manager = world.a.users["caf_manager"]
    # A CAF closed 11 months and a week ago: archived within the month (R-RET-1).
    closing = world.a.case
    case_close(
        case=closing,
        by=world.a.users["coordinator"],
        reason=ClosureReason.MOVED_AWAY,
        note="The family moved to another council.",
    )
    Case.objects.filter(pk=closing.pk).update(closed_on=today - relativedelta(months=11, days=7))
    # A logged CAF whose first team around the child meeting is overdue.
    overdue = logged(world, "Overdue").case
    Case.objects.filter(pk=overdue.pk).update(
        assessment_completed_on=today - relativedelta(months=3)
    )
    JobRun.objects.create(kind=JobKind.RETENTION, as_of=today, counts={"archived": 0})
    login(manager)  # sets up the manager's authenticator app
    visited: list[str] = []

    _sign_in(page, base, manager)
    _checked(page, axe_violations, visited, "14-01-home")
    page.goto(f"{base}/deadlines/")
    _checked(page, axe_violations, visited, "14-02-deadlines")
    expect(page.get_by_text(overdue.reference).first).to_be_visible()
    page.goto(f"{base}/deadlines/?days=abc&area=12345")
    _checked(page, axe_violations, visited)

    page.goto(f"{base}/runs/")
    _checked(page, axe_violations, visited, "14-03-runs")
    expect(page.get_by_text("Archive and purge").first).to_be_visible()

    page.goto(f"{base}/retention/policy/")
    _checked(page, axe_violations, visited, "14-04-policy")
    page.get_by_label("Months a closed CAF stays accessible").fill("6")
    follow(page.get_by_role("button", name="Save the periods"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.get_by_label("Months a closed CAF stays accessible").input_value() == "6"
    _checked(page, axe_violations, visited, "14-05-policy-error")

    page.goto(f"{base}/retention/holds/")
    _checked(page, axe_violations, visited, "14-06-holds")
    page.goto(f"{base}/retention/dry-run/")
    _checked(page, axe_violations, visited, "14-07-dry-run")
    expect(page.get_by_text(re.compile(closing.reference)).first).to_be_visible()
    # The day is shown as the hint asks for it to be typed.
    month_ahead = today + relativedelta(months=1)
    assert page.get_by_label("Run as on").input_value() == f"{month_ahead:%d/%m/%Y}"

    assert len(visited) == 8
