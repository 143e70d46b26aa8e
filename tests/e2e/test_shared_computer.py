"""On a shared computer, what a signed-out practitioner saw stays out of reach (ASVS 8.2.1)."""

import shutil

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.e2e.navigation import follow
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def everyday_page(browser):
    """A page in Chromium as people run it: Playwright turns the back-forward cache off by
    default, and that cache is what shows a page again on Back without asking the server."""
    assert shutil.which(CHROMIUM)
    launched = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_FLAGS,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    yield launched.new_context().new_page()
    launched.close()


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def test_back_after_signing_out_shows_the_sign_in_page_not_the_child(
    live_server, world, everyday_page
):
    page = everyday_page
    case = world.a.case
    sign_in(page, live_server, world.a.users["assessor"])
    page.get_by_role("link", name=case.reference).click()
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")
    assert case.child.postcode in page.content()

    follow(page.get_by_role("button", name="Sign out"))
    page.wait_for_url(f"{live_server.url}/sign-in/")
    # A page restored from the back-forward cache fires no load event: wait for the commit.
    page.go_back(wait_until="commit")

    page.wait_for_url(f"{live_server.url}/sign-in/?next=/cases/{case.pk}/", timeout=20_000)
    expect(page.get_by_role("heading", name="Sign in to eCAF")).to_be_visible()
    assert case.child.postcode not in page.content()
    assert case.child.full_name not in page.content()


def test_timeout_warning_lets_a_practitioner_stay_signed_in_without_losing_the_form(
    live_server, world, page, settings
):
    # The warning shows 2 minutes before the end: here, 3 seconds after the page loads.
    settings.SESSION_COOKIE_AGE = settings.SESSION_WARNING_SECONDS + 3
    sign_in(page, live_server, world.a.users["assessor"])
    page.goto(f"{live_server.url}/checks/new/")
    page.get_by_label("First name").fill("Half-typed")
    warning = page.get_by_role("alert").filter(has_text="You will be signed out in 2 minutes")

    warning.wait_for(state="visible", timeout=10_000)
    page.get_by_role("button", name="Stay signed in").click()

    warning.wait_for(state="hidden", timeout=20_000)
    assert page.url == f"{live_server.url}/checks/new/"
    assert page.get_by_label("First name").input_value() == "Half-typed"
    assert [m.text for m in page.console_errors] == []


def test_timeout_warning_says_when_the_working_day_is_over(live_server, world, page, settings):
    settings.SESSION_ABSOLUTE_SECONDS = 60
    sign_in(page, live_server, world.a.users["assessor"])
    page.goto(f"{live_server.url}/checks/new/")

    warning = page.get_by_role("alert").filter(has_text="You will be signed out in 1 minute")
    warning.wait_for(state="visible", timeout=20_000)
    assert "Save your work now" in warning.inner_text()
    expect(page.get_by_role("button", name="Stay signed in")).not_to_be_visible()


def test_sessions_and_api_token_pages_are_accessible(live_server, world, page, axe_violations):
    sign_in(page, live_server, world.a.users["assessor"])
    follow(page.get_by_role("link", name="your sessions and API tokens"))

    page.get_by_role("heading", name="Your sessions").wait_for()
    expect(page.get_by_text("This browser")).to_be_visible()
    assert axe_violations(page) == []

    follow(page.get_by_role("link", name="Your API tokens"))
    follow(page.get_by_role("button", name="Issue a new token"))
    page.get_by_role("heading", name="Your new API token").wait_for()
    assert axe_violations(page) == []
    assert [m.text for m in page.console_errors] == []
