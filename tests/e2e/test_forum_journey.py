"""A multi-agency forum in a real browser (issue 12): the coordinator sets up a season with a
forum and a session; practitioners of two agencies nominate logged CAFs; the coordinator
accepts the late nominations, builds and confirms the agenda; the chair confirms it, runs the
forum from the chair's view, records what was agreed for each case, and prints the agenda, the
sign-in sheet and the action plans. axe-core finds no serious or critical violation on any
page on the way."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.second_factor import authenticator_of
from deadlines.rules import add_working_days, is_working_day
from meetings.models import Forum, Nomination, NominationState
from meetings.services import forum_day
from tests.e2e.navigation import follow
from tests.factories import PASSWORD, current_code
from tests.test_tac_meetings import logged_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, base, user):
    page.context.clear_cookies()
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/(sign-in/verify/.*)?$"))
    if "/verify/" in page.url:
        page.get_by_label("Enter your security code").fill(current_code(authenticator_of(user)))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/")


def _checked(page, axe_violations, visited):
    assert axe_violations(page) == [], page.url
    visited.append(page.url)


def _fill_date(page, name, day):
    page.locator(f'[name$="{name}_day"]').fill(str(day.day))
    page.locator(f'[name$="{name}_month"]').fill(str(day.month))
    page.locator(f'[name$="{name}_year"]').fill(str(day.year))


def _pdf(page, path):
    response = page.request.get(path)
    assert response.status == 200, path
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


def test_a_forum_from_set_up_to_the_chairs_print(
    live_server, world, login, page, axe_violations, monkeypatch
):
    base = live_server.url
    today = timezone.localdate()
    forum_on = today if is_working_day(today) else add_working_days(today, 1)
    # The forum day's "on the day" is the forum's date, whatever day the test runs.
    monkeypatch.setattr(forum_day, "today", lambda: forum_on)
    first = logged_case(world, "Forumone")
    second = logged_case(world, "Forumtwo")
    coordinator, chair = world.a.users["coordinator"], world.a.users["chair"]
    assessor = world.a.users["assessor"]
    for user in (coordinator, chair):
        login(user)  # sets up the CAF team's authenticator apps
    visited: list[str] = []

    # The coordinator sets up a season, a forum and a session.
    _sign_in(page, base, coordinator)
    page.goto(f"{base}/forums/")
    _checked(page, axe_violations, visited)
    follow(page.get_by_role("link", name="Set up a season"))
    _checked(page, axe_violations, visited)
    page.get_by_label("Name of the season").fill("Northshire forums 2027")
    follow(page.get_by_role("button", name="Start the season"))
    _checked(page, axe_violations, visited)
    _fill_date(page, "held_on", forum_on)
    page.get_by_label("Venue", exact=True).fill("Burleigh Community College")
    # Nominations closed yesterday: the practitioners' nominations come in late.
    _fill_date(page, "nomination_deadline", forum_on - timedelta(days=1))
    page.get_by_label("Nominations close at").fill("12:00")
    page.get_by_label("Chair (optional)").select_option(value=str(chair.pk))
    follow(page.get_by_role("button", name="Add the forum"))
    _checked(page, axe_violations, visited)
    forum = Forum.objects.get(tenant=world.a.tenant)
    page.get_by_label("Forum", exact=True).select_option(value=str(forum.pk))
    page.get_by_label("School cluster").fill("Riverside and all feeder schools")
    page.get_by_label("Starts at").fill("09:00")
    page.get_by_label("Ends at").fill("10:30")
    follow(page.get_by_role("button", name="Add the session"))
    _checked(page, axe_violations, visited)
    assert forum.sessions.count() == 1

    # Two practitioners of two agencies nominate a case each from its case page.
    for case, practitioner in ((first, assessor), (second, world.a.users["police_practitioner"])):
        _sign_in(page, base, practitioner)
        page.goto(f"{base}/cases/{case.pk}/")
        follow(page.get_by_role("link", name="Nominate for a forum"))
        _checked(page, axe_violations, visited)
        page.locator('[name="session"]').first.check()
        page.get_by_label("New case (20 minutes)").check()
        page.get_by_label("What would you like from the forum?").fill("A lead professional.")
        follow(page.get_by_role("button", name="Nominate the case"))
        _checked(page, axe_violations, visited)
    assert set(Nomination.objects.values_list("state", flat=True)) == {NominationState.LATE}
    assert Nomination.objects.values("nominated_by_agency").distinct().count() == 2

    # The coordinator accepts them, builds the agenda and confirms it.
    _sign_in(page, base, coordinator)
    page.goto(f"{base}/forums/{forum.pk}/")
    _checked(page, axe_violations, visited)
    for _ in range(2):
        follow(page.get_by_role("button", name="Accept onto this forum").first)
        _checked(page, axe_violations, visited)
    follow(page.get_by_role("link", name="Agenda").first)
    _checked(page, axe_violations, visited)
    follow(page.get_by_role("button", name="Build the agenda"))
    _checked(page, axe_violations, visited)
    expect(page.get_by_text("09:00").first).to_be_visible()
    follow(page.get_by_role("button", name="Confirm the agenda"))
    _checked(page, axe_violations, visited)

    # The chair confirms too, runs the forum, and prints.
    _sign_in(page, base, chair)
    page.goto(f"{base}/forums/{forum.pk}/")
    follow(page.get_by_role("link", name="Agenda").first)
    follow(page.get_by_role("button", name="Confirm the agenda as chair"))
    _checked(page, axe_violations, visited)
    page.goto(f"{base}/forums/{forum.pk}/")
    follow(page.get_by_role("link", name="Chair's view: run the forum"))
    _checked(page, axe_violations, visited)
    expect(page.get_by_text("information remains confidential to this meeting")).to_be_visible()
    follow(page.get_by_role("button", name="I have read the statement"))
    _checked(page, axe_violations, visited)
    for heard in range(2):
        follow(page.get_by_role("link", name="Record what was agreed").nth(heard))
        _checked(page, axe_violations, visited)
        page.get_by_label("The child's needs the forum identified").fill("Tired in the mornings.")
        page.get_by_label("The services that will help").fill("Breakfast club; youth club.")
        page.get_by_label("Lead professional proposed").select_option(index=1)
        page.get_by_label("Review date").fill((forum_on + timedelta(days=90)).strftime("%d/%m/%Y"))
        page.get_by_label("Summary for the minutes").fill("A pupil who is tired in the mornings.")
        follow(page.get_by_role("button", name="Save", exact=True))
        _checked(page, axe_violations, visited)
        page.goto(f"{base}/forums/{forum.pk}/chair/")
    _pdf(page, f"{base}/forums/{forum.pk}/agenda.pdf")
    _pdf(page, f"{base}/forums/{forum.pk}/sign-in.pdf")
    recorded = Nomination.objects.exclude(review_on=None)
    assert recorded.count() == 2
    for nomination in recorded:
        _pdf(page, f"{base}/cases/{nomination.case_id}/action-plan.pdf")
    assert len(visited) >= 17
