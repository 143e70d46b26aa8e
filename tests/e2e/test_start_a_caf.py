"""A practitioner checks for an existing CAF in a real browser: search, results, a decision,
with axe-core finding no serious or critical violations on any page."""

import pytest
from playwright.sync_api import expect

from cases.models import CafCheck, CheckOutcome
from tests.e2e.navigation import follow
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_finds_the_open_caf_and_asks_to_join(live_server, world, page, axe_violations):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(world.a.users["police_practitioner"].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    follow(page.get_by_role("link", name="Start a CAF"))
    assert axe_violations(page) == []
    follow(page.get_by_role("button", name="Search the register"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("First name").fill("Jaime")
    page.get_by_label("Last name").fill(world.a.case.child.family_name)
    page.get_by_label("Date of birth").fill("17/5/2015")
    follow(page.get_by_role("button", name="Search the register"))

    expect(page.get_by_role("heading", name=world.a.case.child.full_name)).to_be_visible()
    expect(page.get_by_text("Open CAF")).to_be_visible()
    assert axe_violations(page) == []
    follow(page.get_by_role("link", name="Ask to join or add needs"))
    assert axe_violations(page) == []
    page.get_by_label("Message to the lead professional").fill("We know the family.")
    follow(page.get_by_role("button", name="Send the request"))

    expect(page.get_by_text("Your request has been sent")).to_be_visible()
    assert axe_violations(page) == []
    assert CafCheck.objects.get().outcome == CheckOutcome.JOIN_REQUESTED
    assert [m.text for m in page.console_errors] == []
