"""The assessor records consent in a real browser; the case and consent pages pass axe-core."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consent.models import Consent
from tests.e2e.navigation import follow
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_consent_excluding_an_agency(live_server, world, page, axe_violations):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(world.a.users["assessor"].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/cases/{world.a.case.pk}/")
    assert axe_violations(page) == []

    follow(page.get_by_role("link", name="Record consent"))
    follow(page.get_by_role("button", name="Record consent"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_label("A person with parental responsibility").check()
    page.get_by_label("Their full name").fill("Pat Parent")
    page.get_by_label("Relationship to the child").fill("mother")
    page.get_by_label("They consent to the CAF assessment").check()
    page.get_by_label("They consent to the CAF being recorded and stored").check()
    page.get_by_label("All agencies, except any named").check()
    page.get_by_label(world.a.police.name).check()
    page.get_by_label("Written, signed").check()
    page.get_by_label("Name signed").fill("Pat Parent")
    page.get_by_label("Date of consent").fill(timezone.localdate().strftime("%d/%m/%Y"))
    follow(page.get_by_role("button", name="Record consent"))

    expect(
        page.get_by_text("Consent recorded. The agencies it names can now see the case.")
    ).to_be_visible()
    assert axe_violations(page) == []
    consent = Consent.objects.get()
    assert [row.agency for row in consent.agencies.all()] == [world.a.police]
    assert [m.text for m in page.console_errors] == []
