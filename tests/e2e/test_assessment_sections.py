"""The assessor writes sections in a real browser: the autosave keeps a draft while typing,
and the task list, section pages, a page with errors, check your answers and the read-only
view pass axe-core."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.models import AssessmentSection, SectionDraft
from assessments.services import assessment_begin
from tests.e2e.navigation import follow
from tests.factories import PASSWORD
from tests.test_consent import record

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_autosave_and_the_section_pages(live_server, world, page, axe_violations):
    record(world, agencies=[world.a.police])
    assessor = world.a.users["assessor"]
    assessment_begin(case=world.a.case, by=assessor)
    case = world.a.case.pk
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill(assessor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(live_server.url + reverse("assessments:tasks", args=[case]))
    assert axe_violations(page) == []
    follow(page.get_by_role("link", name="About the assessment"))
    assert axe_violations(page) == []
    page.get_by_label("Who was present at the assessment?").fill("Pat Parent and Jamie")
    status = page.locator("[data-autosave-status]")
    status.get_by_text("Draft saved at").wait_for(timeout=15000)
    assert SectionDraft.objects.get(author=assessor).data["present"] == "Pat Parent and Jamie"

    follow(page.get_by_role("button", name="Save and continue"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert page.get_by_label("Who was present at the assessment?").input_value() == (
        "Pat Parent and Jamie"
    )
    assert axe_violations(page) == []
    page.get_by_label("Reason for the assessment").fill("Attendance")
    page.get_by_label("Yes, I’ve completed this section").check()
    follow(page.get_by_role("button", name="Save and continue"))
    page.get_by_text("is saved").wait_for()
    assert AssessmentSection.objects.get(key="about").data["reason"] == "Attendance"

    follow(page.get_by_role("link", name="Development of the child or young person", exact=True))
    assert axe_violations(page) == []
    page.goto(live_server.url + reverse("assessments:check_answers", args=[case]))
    assert axe_violations(page) == []
    page.goto(live_server.url + reverse("assessments:view", args=[case]))
    assert axe_violations(page) == []
    assert [m.text for m in page.console_errors] == []
