"""The assessor arranges a team-around-the-child meeting from the case page, invites the
team, records it and records it as held, in a real browser: every page passes axe-core."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import TacMeeting
from tests.e2e.navigation import follow
from tests.factories import PASSWORD
from tests.test_tac_meetings import logged_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_assessor_arranges_records_and_holds_a_tac_meeting(
    live_server, world, page, axe_violations
):
    case = logged_case(world)
    assessor = world.a.users["assessor"]
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(assessor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.get_by_text("First TAC meeting due by")).to_be_visible()
    follow(page.get_by_role("link", name="Arrange a TAC meeting"))
    assert axe_violations(page) == []
    follow(page.get_by_role("button", name="Arrange the meeting"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert axe_violations(page) == []
    when = timezone.localtime() + timedelta(days=7)
    page.get_by_label("Date and time").fill(when.strftime("%d/%m/%Y 14:30"))
    page.get_by_label("Venue").fill("Meadow Primary, family room")
    follow(page.get_by_role("button", name="Arrange the meeting"))
    expect(page.get_by_role("heading", name="Team around the child meeting")).to_be_visible()
    assert axe_violations(page) == []

    follow(page.get_by_role("link", name="Invite someone"))
    assert axe_violations(page) == []
    page.get_by_label("A practitioner").select_option(
        label=f"{world.a.users['police_practitioner'].get_full_name()} ({world.a.police.name})"
    )
    follow(page.get_by_role("button", name="Invite"))

    follow(page.get_by_role("link", name="Record the meeting"))
    assert axe_violations(page) == []
    page.get_by_label("The child's or young person's development").fill("Reading well.")
    page.get_by_label("The family's consent to share information was checked").check()
    follow(page.get_by_role("button", name="Save the record"))
    expect(page.get_by_text("Reading well.")).to_be_visible()

    follow(page.get_by_role("link", name="Agree an action"))
    assert axe_violations(page) == []
    follow(page.get_by_role("link", name="Back to the meeting"))

    follow(page.get_by_role("link", name="Record that the meeting was held"))
    assert axe_violations(page) == []
    page.get_by_label("Date the meeting was held").fill(timezone.localdate().strftime("%d/%m/%Y"))
    follow(page.get_by_role("button", name="Record the meeting as held"))
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    assert axe_violations(page) == []
    assert TacMeeting.objects.get(case=case).state == "held"
