"""A whole CAF in a real browser (issue 11): the assessor writes it section by section, signs it
off and submits it; the coordinator returns it with a query; the assessor answers; the
coordinator logs it. axe-core finds no serious or critical violation on any page on the way."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agencies.second_factor import authenticator_of
from assessments.framework import Outcome, PriorityGroup
from assessments.models import Assessment, AssessmentState
from cases.models import CaseState
from tests.e2e.navigation import follow
from tests.factories import PASSWORD, current_code
from tests.test_consent import record

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _sign_in(page, base, user, *, code=False):
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if code:
        page.wait_for_url(f"{base}/sign-in/verify/**")
        page.get_by_label("Enter your security code").fill(current_code(authenticator_of(user)))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/")


def _field(page, name, value=None):
    if value is None:
        return page.locator(f'[name="{name}"]')
    return page.locator(f'[name="{name}"][value="{value}"]')


def _save_completed(page, checked_pages, axe_violations):
    assert axe_violations(page) == [], page.url
    checked_pages.append(page.url)
    page.get_by_label("Yes, I’ve completed this section").check()
    follow(page.get_by_role("button", name="Save and continue"))
    # Saved, the page goes back to the task list.
    page.wait_for_url("**/assessment/tasks/")
    page.get_by_text("is saved").first.wait_for()


def _write_domain(page, elements, need_text):
    for position, element in enumerate(elements):
        if position == 0:
            _field(page, f"{element['code']}.finding", "recorded").check()
            _field(page, f"{element['code']}.statements.0.kind", "need").check()
            _field(page, f"{element['code']}.statements.0.text").fill(need_text)
            _field(page, f"{element['code']}.statements.0.whose").fill("Mother")
            _field(page, f"{element['code']}.statements.0.nature", "fact").check()
        else:
            _field(page, f"{element['code']}.finding", "no_concerns").check()


def test_a_caf_written_signed_submitted_returned_answered_and_logged(
    live_server, world, browser, login, axe_violations
):
    base = live_server.url
    record(world, agencies=[world.a.police])
    login(world.a.users["coordinator"])  # sets up the coordinator's authenticator app
    case = world.a.case
    assessor, coordinator = world.a.users["assessor"], world.a.users["coordinator"]
    checked_pages: list[str] = []

    # The assessor starts the assessment from the case page.
    page = browser.new_context().new_page()
    _sign_in(page, base, assessor)
    page.goto(f"{base}/cases/{case.pk}/")
    page.get_by_role("button", name="Start the assessment").click()
    page.wait_for_url(f"{base}{reverse('assessments:tasks', args=[case.pk])}")
    assert axe_violations(page) == []
    framework = Assessment.objects.get(case=case).versions.get().framework

    follow(page.get_by_role("link", name="About the assessment"))
    _field(page, "present").fill("Jamie, Pat Parent (mother) and the class teacher")
    _field(page, "reason").fill("Jamie's attendance has fallen to 82% this term.")
    _save_completed(page, checked_pages, axe_violations)

    follow(page.get_by_role("link", name="Pre-assessment checklist"))
    for outcome in Outcome.values:
        _field(page, f"outcomes.{outcome}", "yes").check()
    _field(page, "outcomes.enjoy_and_achieve", "no").check()
    for question, answer in (("needs_clear", "yes"), ("needs_met", "no")):
        _field(page, f"questions.{question}", answer).check()
    _field(page, "questions.without_support", "no").check()
    _save_completed(page, checked_pages, axe_violations)

    follow(page.get_by_role("link", name="The child's and the parents' views"))
    _field(page, "child").fill("I get tired and I miss breakfast.")
    _field(page, "parents").fill("Mornings are hard since I started early shifts.")
    _save_completed(page, checked_pages, axe_violations)

    for domain in framework:
        follow(page.get_by_role("link", name=domain["title"], exact=True))
        _write_domain(page, domain["elements"], f"A need in {domain['title'].lower()}.")
        _save_completed(page, checked_pages, axe_violations)

    follow(page.get_by_role("link", name="Outcomes at risk, level of need and priority groups"))
    _field(page, "outcomes_at_risk", Outcome.ENJOY_AND_ACHIEVE).check()
    _field(page, "level_of_need", "2").check()
    _field(page, "priority_groups", PriorityGroup.PERSISTENT_ABSENCE).check()
    _field(page, "summary").fill("A team around the child: school, family support, nurse.")
    _save_completed(page, checked_pages, axe_violations)

    # Check your answers, then sign off with typed names and today's date.
    page.goto(base + reverse("assessments:check_answers", args=[case.pk]))
    assert "A need in parents and carers." in page.content()
    assert axe_violations(page) == []
    page.goto(base + reverse("assessments:sign_off", args=[case.pk]))
    assert axe_violations(page) == []
    today = timezone.localdate().strftime("%d/%m/%Y")
    page.get_by_label("Assessor's name as signed").fill(assessor.get_full_name())
    page.get_by_label("Date the assessor signed").fill(today)
    page.get_by_label("Name of the child or parent who signed").fill("Pat Parent")
    page.get_by_label("Who they are").fill("mother")
    page.get_by_label("Date the child or parent signed").fill(today)
    page.get_by_label("Yes, give the family a copy").check()
    follow(page.get_by_role("button", name="Sign off the assessment"))
    page.get_by_text("Submit to the CAF team by").first.wait_for()
    assert axe_violations(page) == []

    page.goto(f"{base}/cases/{case.pk}/")
    follow(page.get_by_role("button", name="Submit to the CAF team"))
    assert Assessment.objects.get(case=case).state == AssessmentState.SUBMITTED
    page.context.close()

    # The coordinator finds it in the queue and returns it with a query.
    page = browser.new_context().new_page()
    _sign_in(page, base, coordinator, code=True)
    page.get_by_role("link", name="Validation queue").click()
    page.wait_for_url(re.compile(r"/assessments/queue/"))
    assert case.reference in page.content()
    assert axe_violations(page) == []
    page.goto(base + reverse("assessments:validate", args=[case.pk]))
    assert axe_violations(page) == []
    page.get_by_label("Safeguarding issues checked: confirmed").check()
    page.get_by_label(
        "Single-agency services that may help but not yet tried noted: confirmed"
    ).check()
    page.locator('[name="query_1_question"]').fill(
        "Has the school's attendance support been tried?"
    )
    follow(page.get_by_role("button", name="Record the decision"))
    assert Assessment.objects.get(case=case).state == AssessmentState.RETURNED
    page.context.close()

    # The assessor completes the child's register details the CAF team found missing, then
    # answers from the task in their worklist and resubmits.
    page = browser.new_context().new_page()
    _sign_in(page, base, assessor)
    page.goto(f"{base}/cases/{case.pk}/")
    follow(page.get_by_role("link", name="Correct the child's details"))
    assert axe_violations(page) == []
    page.get_by_label("Gender").select_option(label="Male")
    page.get_by_label("Ethnicity").select_option(label="White British")
    page.get_by_label("Address line 1").fill("12 High Street")
    follow(page.get_by_role("button", name="Save the child's details"))
    page.get_by_text("corrected on the register").wait_for()
    page.goto(f"{base}/")
    # One task a query: the coordinator's, and any check that failed goes back as one too.
    follow(page.get_by_role("link", name="The CAF team has a query about your assessment").first)
    query = page.get_by_text("Has the school's attendance support been tried?").first
    expect(query).to_be_visible()
    assert axe_violations(page) == []
    for answer_box in page.locator("textarea").all():
        answer_box.fill("Yes: a mentor since September, with little change.")
    follow(page.get_by_role("button", name="Send answers and resubmit"))
    assert Assessment.objects.get(case=case).state == AssessmentState.SUBMITTED
    page.context.close()

    # The coordinator sees the answer and logs the CAF.
    page = browser.new_context().new_page()
    _sign_in(page, base, coordinator, code=True)
    page.goto(base + reverse("assessments:validate", args=[case.pk]))
    assert "a mentor since September" in page.content()
    page.get_by_label("Safeguarding issues checked: confirmed").check()
    page.get_by_label(
        "Single-agency services that may help but not yet tried noted: confirmed"
    ).check()
    follow(page.get_by_role("button", name="Record the decision"))
    assessment = Assessment.objects.get(case=case)
    assert assessment.state == AssessmentState.LOGGED and assessment.logged_reference
    page.goto(f"{base}/cases/{case.pk}/")
    assert assessment.logged_reference in page.content()
    assert axe_violations(page) == []
    case.refresh_from_db()
    assert case.state == CaseState.LOGGED and case.logged_on is not None
    # Every section page was checked by axe on the way.
    assert len(checked_pages) == 4 + len(framework)
