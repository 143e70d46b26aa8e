"""A practitioner signs in with a real browser, meets the home page and opens a case; every
page passes axe-core with no serious or critical violations and runs under the CSP."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from agencies.second_factor import authenticator_of
from tests.e2e.navigation import follow
from tests.factories import PASSWORD, current_code

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
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert axe_violations(page) == []
    # GOV.UK Frontend's module initialised its components: the CSP lets our own scripts run.
    page.wait_for_selector("[data-govuk-skip-link-init]", state="attached")

    page.get_by_role("link", name=world.a.case.reference).click()
    page.wait_for_url(f"{live_server.url}/cases/{world.a.case.pk}/")
    assert world.a.case.child.full_name in page.content()
    assert axe_violations(page) == []
    assert [m.text for m in page.console_errors] == []


def test_wrong_password_shows_the_error_summary(live_server, world, page, axe_violations):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(world.a.users["assessor"].username)
    page.get_by_label("Password").fill("not the password")
    follow(page.get_by_role("button", name="Sign in"))

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    # GOV.UK pattern: the summary takes focus so screen readers announce it.
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    assert axe_violations(page) == []


def test_sign_in_with_the_second_factor_and_sign_out_work_without_javascript(
    live_server, world, browser, login
):
    coordinator = world.a.users["coordinator"]
    login(coordinator)  # sets up the authenticator app
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(coordinator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/sign-in/verify/**")
    page.get_by_label("Enter your security code").fill(current_code(authenticator_of(coordinator)))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")

    follow(page.get_by_role("button", name="Sign out"))

    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/sign-in/")
    context.close()


def test_setting_up_the_authenticator_app_is_accessible(live_server, world, page, axe_violations):
    coordinator = world.a.users["coordinator"]
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(coordinator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/account/two-factor/set-up/**")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert axe_violations(page) == []
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    page.get_by_label("Code").fill(current_code(device))
    follow(page.get_by_role("button", name="Continue"))

    expect(page.get_by_text("Your authenticator app is set up")).to_be_visible()
    assert page.locator(".app-recovery-codes li").count() == 10
    assert axe_violations(page) == []
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")
    assert [m.text for m in page.console_errors] == []
