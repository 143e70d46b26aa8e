"""A case in delivery in a real browser (issue 13): the proposed practitioner accepts the lead
professional role from the task on their home page, adds an action to the plan and marks it
done, records a review and closes the case at the sign-off TAC. The case page then says
"Closed" and shows the timeline. axe-core finds no serious or critical violation on any page
on the way."""

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.second_factor import authenticator_of
from cases.models import Case, CaseState
from meetings.services.tac import tac_convene, tac_hold, tac_participant_invite, tac_record
from tests.assessment_states import logged
from tests.e2e.navigation import follow
from tests.factories import PASSWORD, current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# E2E_SHOTS=/some/folder saves a full-page screenshot of the pages worth looking at.
SHOTS = os.environ.get("E2E_SHOTS", "")


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


def _checked(page, axe_violations, visited, shot=None):
    assert axe_violations(page) == [], page.url
    visited.append(page.url)
    if shot and SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{shot}.png"), full_page=True)


def _case_in_delivery(world):
    """A logged CAF whose first TAC was held today with the police officer, who was proposed
    as lead professional (as demo/delivery.py builds it)."""
    case = logged(world, "Delivery").case
    assessor, officer = world.a.users["assessor"], world.a.users["police_practitioner"]
    today = timezone.localdate()
    meeting = tac_convene(
        case=case,
        by=assessor,
        scheduled_at=timezone.now(),
        venue="Meadow Primary, family room",
        purpose="First meeting of Robin's team.",
    )
    invited = tac_participant_invite(
        meeting=meeting, by=assessor, user=officer, agency=world.a.police
    )
    mother = tac_participant_invite(
        meeting=meeting, by=assessor, name="Pat Parent", relationship="mother"
    )
    tac_record(
        meeting=meeting,
        by=assessor,
        revision=meeting.revision,
        chaired_by=assessor.get_full_name(),
        recorded_by_name=assessor.get_full_name(),
        consent_checked=True,
        confidentiality_agreed=True,
        lead_professional_proposed=officer,
    )
    meeting = tac_hold(
        meeting=meeting, by=assessor, held_on=today, attendance={invited.pk: True, mother.pk: True}
    )
    return Case.objects.get(pk=case.pk), meeting


def test_the_lead_professional_delivers_the_plan_reviews_and_closes_the_case(
    live_server, world, login, page, axe_violations
):
    base = live_server.url
    today = timezone.localdate()
    case, meeting = _case_in_delivery(world)
    assert case.state == CaseState.DELIVERY
    assessor, officer = world.a.users["assessor"], world.a.users["police_practitioner"]
    for user in (assessor, officer):
        login(user)  # sets up the authenticator apps of those who need one
    visited: list[str] = []

    # The assessor opens the case: it is in delivery, waiting for a lead professional.
    _sign_in(page, base, assessor)
    page.goto(f"{base}/cases/{case.pk}/")
    expect(page.get_by_role("heading", name="Where this case stands")).to_be_visible()
    _checked(page, axe_violations, visited, "01-case-before")
    page.goto(f"{base}/cases/{case.pk}/lead/")
    _checked(page, axe_violations, visited, "02-lead-pending")
    page.goto(f"{base}/cases/{case.pk}/plan/")
    _checked(page, axe_violations, visited, "03-plan-assessor")

    # The officer accepts the lead role from the task on their home page.
    _sign_in(page, base, officer)
    _checked(page, axe_violations, visited, "04-officer-home")
    follow(page.locator('a[href*="/lead-proposals/"]').first)
    _checked(page, axe_violations, visited, "05-proposal")
    follow(page.get_by_role("button", name=re.compile("Send|Save|Continue|answer", re.I)))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _checked(page, axe_violations, visited, "05b-proposal-error")
    page.get_by_label("Yes, I accept").check()
    follow(page.get_by_role("button", name=re.compile("Send|Save|Continue|answer", re.I)))
    _checked(page, axe_violations, visited, "06-after-accept")
    expect(page.get_by_text("You are the lead professional.")).to_be_visible()
    case.refresh_from_db()
    assert case.lead_professional == officer

    # The lead adds an action on the plan page and marks it done.
    page.goto(f"{base}/cases/{case.pk}/plan/")
    _checked(page, axe_violations, visited, "07-plan")
    follow(page.get_by_role("link", name=re.compile("Add an action")))
    _checked(page, axe_violations, visited, "08-plan-add")
    follow(page.get_by_role("button", name="Add the action"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _checked(page, axe_violations, visited, "08b-plan-add-error")
    page.get_by_label("The need", exact=True).fill("Robin is tired and late in the mornings.")
    page.get_by_label("What will be done").fill("Walk Robin to school on two mornings a week.")
    page.get_by_label("Who will do it: an agency or a practitioner").select_option(
        label=f"{officer.get_full_name()} ({world.a.police.name})"
    )
    page.get_by_label("By when").fill(today.strftime("%d/%m/%Y"))
    follow(page.get_by_role("button", name="Add the action"))
    _checked(page, axe_violations, visited, "09-plan-after-add")
    # No outcome was written: the plan asks, gently, for a measurable one (R-PLAN-1).
    expect(page.get_by_text("1 action has no outcome.")).to_be_visible()
    follow(page.get_by_role("link", name=re.compile("Walk Robin to school")).first)
    _checked(page, axe_violations, visited, "10-action")
    page.get_by_label("Done", exact=True).check()
    follow(page.get_by_role("button", name="Save the status"))
    _checked(page, axe_violations, visited, "11-action-done")
    expect(page.get_by_text("Done").first).to_be_visible()

    # The lead records the review at the sign-off TAC, deciding to close.
    page.goto(f"{base}/cases/{case.pk}/reviews/new/")
    _checked(page, axe_violations, visited, "12-review")
    follow(page.get_by_role("button", name=re.compile("review", re.I)))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _checked(page, axe_violations, visited, "12b-review-error")
    page.get_by_label("Date of the review").fill(today.strftime("%d/%m/%Y"))
    page.get_by_label("TAC meeting it was held at (if any)").select_option(str(meeting.pk))
    page.get_by_label("Achieved").check()
    page.get_by_label("Needs met").fill("Robin is in school on time.")
    page.get_by_label("Close the CAF").check()
    follow(page.get_by_role("button", name=re.compile("review", re.I)))
    _checked(page, axe_violations, visited, "13-after-review")

    # ... and closes the case, as the review decided: the case page's next step leads there.
    page.goto(f"{base}/cases/{case.pk}/")
    next_step = page.get_by_role("link", name=re.compile("Close the CAF, as the review of"))
    expect(next_step).to_be_visible()
    _checked(page, axe_violations, visited, "13b-next-step-close")
    next_step.click()
    page.wait_for_url(f"{base}/cases/{case.pk}/close/")
    _checked(page, axe_violations, visited, "14-close")
    page.get_by_label("Needs met").check()
    page.get_by_label("Sign-off TAC meeting that agreed the closure").select_option(str(meeting.pk))
    page.get_by_label("Why the CAF is closing").fill("All actions done.")
    follow(page.get_by_role("button", name=re.compile("Close", re.I)))
    _checked(page, axe_violations, visited, "15-after-close")
    assert Case.objects.get(pk=case.pk).state == CaseState.CLOSED

    page.goto(f"{base}/cases/{case.pk}/")
    _checked(page, axe_violations, visited, "16-case-closed")
    expect(page.locator(".govuk-tag", has_text="Closed").first).to_be_visible()
    expect(page.get_by_text(f"Closed on {today:%-d %B %Y}: needs met.")).to_be_visible()
    expect(page.get_by_role("heading", name="What happened")).to_be_visible()
    timeline = page.locator('ol[aria-label^="What happened"] > li')
    for event in (
        "Closed: needs met",
        "Review: close the CAF",
        f"{officer.get_full_name()} accepted the lead professional role",
        "Team around the child meeting held",
    ):
        assert timeline.filter(has_text=event).count() == 1, event
    response = page.request.get(f"{base}/cases/{case.pk}/closure-letter.pdf")
    assert response.status == 200
    assert response.body().startswith(b"%PDF")
    assert page.console_errors == []
