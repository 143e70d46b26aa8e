"""A practitioner signs in with a real browser, meets the home page and opens a case; every
page passes axe-core with no serious or critical violations and runs under the CSP."""

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_home_and_case_pages_are_accessible(live_server, world, page, axe_violations):
    user = world.a.users["assessor"]

    page.goto(f"{live_server.url}/sign-in/")
    assert page.title().startswith("Sign in")
    assert axe_violations(page) == []

    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert axe_violations(page) == []
    # GOV.UK Frontend's module initialised its components: the CSP lets our own scripts run.
    page.wait_for_selector("[data-govuk-skip-link-init]", state="attached")

    page.get_by_role("link", name=world.a.case.reference).click()
    assert world.a.case.child.full_name in page.content()
    assert axe_violations(page) == []
    assert [m.text for m in page.console_errors] == []


def test_wrong_password_shows_the_error_summary(live_server, world, page, axe_violations):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(world.a.users["assessor"].username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    # GOV.UK pattern: the summary takes focus so screen readers announce it.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert axe_violations(page) == []


def test_sign_in_and_sign_out_work_without_javascript(live_server, world, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(world.a.users["coordinator"].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/sign-in/")
    context.close()
