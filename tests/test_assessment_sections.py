"""Writing the CAF (issue 11; R-ASSESS-1..3, R-ASSESS-8, R-CONSENT-1, R-CONSENT-9): beginning
it, the task list, each section's page, drafts and autosave, concurrent edits, an expired
session, check your answers, the read-only view and the API, and who may reach any of it."""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    Assessment,
    AssessmentSection,
    AssessmentVersion,
    Element,
    SectionDraft,
    VersionReason,
)
from assessments.selectors import current_version, section_keys
from assessments.services import AssessmentError, assessment_begin
from assessments.services.sections import (
    SectionConflict,
    SectionInvalid,
    section_draft_save,
    section_save,
)
from audit.models import AccessLogEntry, ChangeLogEntry
from tests.factories import PASSWORD
from tests.test_consent import api, record

TODAY = timezone.localdate()


def started(world, **consent) -> Assessment:
    """World a's case with consent (police excluded unless told otherwise) and its CAF begun."""
    record(world, **({"agencies": [world.a.police]} | consent))
    return assessment_begin(case=world.a.case, by=world.a.users["assessor"])


def url(world, name, **kwargs) -> str:
    return reverse(f"assessments:{name}", kwargs={"pk": world.a.case.pk, **kwargs})


def api_url(world, tail="") -> str:
    return f"/api/assessments/{world.a.case.pk}/{tail}"


def domain_post(version, key, *, first_statements=(), completed="yes") -> dict:
    """A domain page posted with the first element's statements and "no concerns" elsewhere."""
    domain = next(d for d in version.framework if d["code"] == key)
    post = {"revision": "0", "completed": completed, "action": "continue"}
    for position, element in enumerate(domain["elements"]):
        code = element["code"]
        if position == 0 and first_statements:
            post[f"{code}.finding"] = "recorded"
            for index, (kind, text, whose, nature) in enumerate(first_statements):
                prefix = f"{code}.statements.{index}"
                post.update(
                    {
                        f"{prefix}.kind": kind,
                        f"{prefix}.text": text,
                        f"{prefix}.whose": whose,
                        f"{prefix}.nature": nature,
                    }
                )
        else:
            post[f"{code}.finding"] = "no_concerns"
    return post


def fixed_posts(world) -> dict[str, dict]:
    base = {"revision": "0", "completed": "yes", "action": "continue"}
    return {
        "about": base
        | {
            "present": "Pat Parent (mother) and Jamie",
            "reason": "Falling attendance since September",
            "completing_agency": str(world.a.school.pk),
        },
        "checklist": base
        | {
            "outcomes.be_healthy": "yes",
            "outcomes.stay_safe": "not_sure",
            "outcomes.enjoy_and_achieve": "no",
            "outcomes.positive_contribution": "yes",
            "outcomes.economic_well_being": "yes",
            "questions.needs_clear": "yes",
            "questions.needs_met": "no",
            "questions.without_support": "no",
            "notes": "Checklist notes: a CAF is worth doing",
        },
        "views": base
        | {"child": "I like football but not maths", "parents": "Mother: he is tired all the time"},
        "conclusions": base
        | {
            "outcomes_at_risk": ["enjoy_and_achieve", "stay_safe"],
            "level_of_need": "2",
            "priority_groups": ["persistent_absence"],
            "summary": "Support with attendance and sleep",
        },
    }


STATEMENTS = [
    ("need", "Often arrives without breakfast", "Class teacher", "observation"),
    ("strength", "Always has breakfast at home", "Mother", "opinion"),
]


def complete_everything(world, client, *, level="2"):
    version = current_version(Assessment.objects.get(case=world.a.case))
    posts = fixed_posts(world)
    posts["conclusions"]["level_of_need"] = level
    for key in section_keys(version):
        post = posts.get(key) or domain_post(version, key, first_statements=STATEMENTS)
        response = client.post(url(world, "section", section=key), post)
        assert response.status_code == 302, (key, response.content.decode()[:3000])


def status_of(page: str, key: str) -> str:
    match = re.search(rf'id="task-{key}-status">(.*?)</div>', page, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


# --- Beginning ----------------------------------------------------------------------


def test_without_consent_the_case_page_says_so_and_the_api_refuses(world, login):
    client = login(world.a.users["assessor"])
    response = client.post(url(world, "begin"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("cases:detail", args=[world.a.case.pk])
    assert "consent" in response.content.decode()
    refused = api(world.a.users["assessor"]).post(api_url(world, "begin/"))
    assert refused.status_code == 400 and "consent" in str(refused.json()).lower()
    assert not Assessment.objects.exists()


def test_beginning_goes_to_the_task_list_with_identifying_details_from_the_register(world, login):
    record(world)
    client = login(world.a.users["assessor"])
    response = client.post(url(world, "begin"))
    assert response["Location"] == url(world, "tasks")
    page = client.get(response["Location"]).content.decode()
    child = world.a.case.child
    assert child.full_name in page and "17 May 2015" in page and "NS1 1AA" in page
    assert "Not known" in page  # gender, from the register
    version = current_version(Assessment.objects.get(case=world.a.case))
    for key in section_keys(version):
        assert status_of(page, key) == "Not started"
        assert url(world, "section", section=key) in page
    assert url(world, "check_answers") in page
    assert reverse("consent:note", args=[world.a.case.pk]) in page
    for key in ("development", "parents", "family"):
        assert url(world, "contribution_request", section=key) in page
    # Nothing is ready for sign-off yet.
    assert status_of(page, "sign-off") == "Cannot start yet"


def test_the_api_begins_and_answers_with_the_assessment(world):
    record(world)
    response = api(world.a.users["assessor"]).post(api_url(world, "begin/"))
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "in_progress" and body["current_version"] == 1
    assert [s["section"] for s in body["sections"]][:3] == ["about", "checklist", "views"]
    assert all(s["status"] == "not_started" for s in body["sections"])


# --- Sections ----------------------------------------------------------------------


def test_each_section_saves_and_shows_on_check_your_answers_and_the_view(world, login):
    started(world)
    client = login(world.a.users["assessor"])
    complete_everything(world, client)
    version = current_version(Assessment.objects.get(case=world.a.case))
    assert version.completing_agency == world.a.school and version.level_of_need == 2
    tasks = client.get(url(world, "tasks")).content.decode()
    for key in section_keys(version):
        assert status_of(tasks, key) == "Completed"
    assert reverse("assessments:sign_off", args=[world.a.case.pk]) in tasks
    check = client.get(url(world, "check_answers")).content.decode()
    for text in (
        "Falling attendance since September",
        "Checklist notes: a CAF is worth doing",
        "I like football but not maths",
        "Support with attendance and sleep",
        "Often arrives without breakfast",
        "Persistently absent from school",
    ):
        assert text in check
    assert "Before you can sign off" not in check
    assert "Continue to sign-off" in check
    assert f"{url(world, 'section', section='views')}#child" in check
    view = client.get(url(world, "view")).content.decode()
    assert "I like football but not maths" in view and "Support with attendance" in view


def test_each_section_page_shows_what_was_saved_and_links_the_confidential_note(world, login):
    started(world)
    client = login(world.a.users["assessor"])
    complete_everything(world, client)
    note = reverse("consent:note", args=[world.a.case.pk])
    for key, text in [
        ("about", "Falling attendance since September"),
        ("checklist", "Checklist notes"),
        ("views", "Mother: he is tired all the time"),
        ("development", "Often arrives without breakfast"),
        ("conclusions", "Support with attendance and sleep"),
    ]:
        page = client.get(url(world, "section", section=key)).content.decode()
        assert text in page and note in page
        assert "do not write it here" in page
    checklist = client.get(url(world, "section", section="checklist")).content.decode()
    assert "If the answer to any question below is no, consider a CAF" in checklist
    assert 'value="not_sure" checked' in checklist


def test_a_validation_error_keeps_every_field(world, login):
    started(world)
    client = login(world.a.users["assessor"])
    response = client.post(
        url(world, "section", section="about"),
        {"present": "Pat and Jamie", "reason": "", "completed": "yes", "revision": "0"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "Enter the reason for the assessment." in page and "Pat and Jamie" in page
    version = current_version(Assessment.objects.get(case=world.a.case))
    post = domain_post(version, "development", first_statements=STATEMENTS)
    post["general_health.statements.1.whose"] = ""
    post["learning.finding"] = ""
    response = client.post(url(world, "section", section="development"), post)
    page = response.content.decode()
    assert "Enter whose view this is" in page and "Select what the assessment found" in page
    assert 'href="#general_health-statements-1-whose"' in page
    assert "Always has breakfast at home" in page and "Often arrives without breakfast" in page
    assert 'value="Class teacher"' in page
    assert not AssessmentSection.objects.exists()


def test_not_saying_whether_the_section_is_complete_keeps_what_was_typed(world, login):
    started(world)
    client = login(world.a.users["assessor"])
    response = client.post(
        url(world, "section", section="views"), {"child": "My own words", "revision": "0"}
    )
    page = response.content.decode()
    assert "Select whether you have completed this section." in page and "My own words" in page


def test_a_section_in_progress_may_leave_answers_out(world, login):
    started(world)
    client = login(world.a.users["assessor"])
    response = client.post(
        url(world, "section", section="views"),
        {"child": "Half written", "completed": "no", "revision": "0"},
    )
    assert response.status_code == 302
    assert AssessmentSection.objects.get(key="views").status == "in_progress"


def test_differing_views_are_both_kept_with_their_attribution(world, login):
    started(world)
    client = login(world.a.users["assessor"])
    version = current_version(Assessment.objects.get(case=world.a.case))
    post = domain_post(version, "development", first_statements=STATEMENTS)
    # A made-up attribution is not taken: the statement is the saver's.
    post["general_health.statements.0.by"] = str(world.a.users["coordinator"].pk)
    assert client.post(url(world, "section", section="development"), post).status_code == 302
    saved = AssessmentSection.objects.get(key="development").data["general_health"]
    assert [s["whose"] for s in saved["statements"]] == ["Class teacher", "Mother"]
    assert {s["by"] for s in saved["statements"]} == {world.a.users["assessor"].pk}
    view = client.get(url(world, "view")).content.decode()
    assert "(observation), the view of <bdi>Class teacher</bdi>" in view
    assert "(opinion), the view of <bdi>Mother</bdi>" in view


def test_add_another_statement_works_without_javascript(world, login):
    started(world)
    client = login(world.a.users["assessor"])
    version = current_version(Assessment.objects.get(case=world.a.case))
    post = domain_post(version, "development", first_statements=STATEMENTS[:1])
    post.pop("action")
    post["add_statement"] = "general_health"
    page = client.post(url(world, "section", section="development"), post).content.decode()
    assert 'id="general_health-statements-1"' in page
    assert "Often arrives without breakfast" in page
    post.pop("add_statement")
    post["remove_statement"] = "general_health.0"
    page = client.post(url(world, "section", section="development"), post).content.decode()
    assert "Often arrives without breakfast" not in page


def test_the_element_list_is_the_one_the_version_was_written_on(world, login):
    started(world)
    Element.objects.filter(code="general_health").update(title="Renamed by a later change")
    client = login(world.a.users["assessor"])
    page = client.get(url(world, "section", section="development")).content.decode()
    assert "General health" in page and "Renamed by a later change" not in page
    version = current_version(Assessment.objects.get(case=world.a.case))
    post = domain_post(version, "development", first_statements=STATEMENTS)
    assert client.post(url(world, "section", section="development"), post).status_code == 302
    view = client.get(url(world, "view")).content.decode()
    assert "General health" in view and "Renamed by a later change" not in view


def test_an_unknown_section_is_not_found(world, login):
    started(world)
    client = login(world.a.users["assessor"])
    assert client.get(url(world, "section", section="nonsense")).status_code == 404
    tenant_api = api(world.a.users["assessor"])
    assert tenant_api.get(api_url(world, "sections/nonsense/")).status_code == 404


# --- Drafts and autosave ----------------------------------------------------------------------


def test_save_and_come_back_later_keeps_a_draft_shown_on_the_next_visit(world, login):
    started(world)
    client = login(world.a.users["assessor"])
    response = client.post(
        url(world, "section", section="views"),
        {"child": "Unfinished thoughts", "revision": "0", "action": "later"},
    )
    assert response["Location"] == url(world, "tasks")
    assert not AssessmentSection.objects.exists()
    tasks = client.get(url(world, "tasks")).content.decode()
    assert status_of(tasks, "views") == "In progress"
    page = client.get(url(world, "section", section="views")).content.decode()
    assert "Unfinished thoughts" in page and "You have unsaved changes from" in page
    # A draft is its author's only.
    colleague = login(world.a.users["school_practitioner"])
    assert (
        "Unfinished thoughts"
        not in colleague.get(url(world, "section", section="views")).content.decode()
    )
    # Saving the section removes the draft.
    client.post(
        url(world, "section", section="views"),
        {"child": "Finished", "parents": "Theirs", "revision": "0", "completed": "yes"},
    )
    assert not SectionDraft.objects.exists()


def test_autosave_keeps_a_draft_and_answers_when(world, login):
    started(world)
    client = login(world.a.users["assessor"])
    response = client.post(
        url(world, "autosave", section="about"), {"present": "Typed a moment ago", "revision": "0"}
    )
    assert response.status_code == 200
    assert re.fullmatch(r"\d\d:\d\d", response.json()["saved_at_display"])
    draft = SectionDraft.objects.get(key="about", author=world.a.users["assessor"])
    assert draft.data["present"] == "Typed a moment ago"
    page = client.get(url(world, "section", section="about")).content.decode()
    assert "Typed a moment ago" in page
    assert 'data-autosave-url="' + url(world, "autosave", section="about") in page
    assert "js/autosave.mjs" in page and "aria-live" in page


def test_the_api_keeps_a_draft(world):
    started(world)
    client = api(world.a.users["assessor"])
    response = client.put(
        api_url(world, "sections/views/draft/"),
        {"data": {"child": "Draft over the API"}, "revision": 0},
        format="json",
    )
    assert response.status_code == 200
    got = client.get(api_url(world, "sections/views/")).json()
    assert got["draft"]["data"]["child"] == "Draft over the API" and got["revision"] == 0


# --- Concurrent edits ----------------------------------------------------------------------


def test_a_concurrent_edit_on_the_pages_shows_both_texts_and_loses_neither(world, login):
    started(world)
    mine, theirs = login(world.a.users["assessor"]), login(world.a.users["school_practitioner"])
    section = url(world, "section", section="views")
    assert 'name="revision" value="0"' in mine.get(section).content.decode()
    theirs.post(
        section,
        {"child": "Their words", "parents": "Their parents", "revision": "0", "completed": "yes"},
    )
    response = mine.post(
        section,
        {"child": "My words", "parents": "My parents", "revision": "0", "completed": "yes"},
    )
    page = response.content.decode()
    assert "after you opened it" in page
    assert "Their words" in page and "My words" in page
    assert 'name="revision" value="1"' in page
    assert AssessmentSection.objects.get(key="views").data["child"] == "Their words"
    draft = SectionDraft.objects.get(key="views", author=world.a.users["assessor"])
    assert draft.data["child"] == "My words"
    # Coming back later, the draft says the section moved on since.
    later = mine.get(section).content.decode()
    assert "My words" in later and "since you started these changes" in later
    # Saved again on top of the latest revision, it goes through.
    response = mine.post(
        section,
        {"child": "Both: mine", "parents": "Both", "revision": "1", "completed": "yes"},
    )
    assert response.status_code == 302
    saved = AssessmentSection.objects.get(key="views")
    assert saved.data["child"] == "Both: mine" and saved.revision == 2
    assert not SectionDraft.objects.filter(author=world.a.users["assessor"]).exists()


def test_a_concurrent_edit_over_the_api_is_a_409_with_both(world):
    started(world)
    first, second = api(world.a.users["assessor"]), api(world.a.users["school_practitioner"])
    body = {"data": {"child": "First", "parents": "P"}, "revision": 0, "completed": True}
    assert first.put(api_url(world, "sections/views/"), body, format="json").status_code == 200
    body["data"]["child"] = "Second"
    response = second.put(api_url(world, "sections/views/"), body, format="json")
    assert response.status_code == 409
    answer = response.json()
    assert answer["theirs"]["data"]["child"] == "First" and answer["theirs"]["revision"] == 1
    assert answer["yours"]["child"] == "Second"
    assert SectionDraft.objects.get(author=world.a.users["school_practitioner"]).data["child"] == (
        "Second"
    )


def test_the_service_refuses_a_stale_revision(world):
    assessment = started(world)
    version = current_version(assessment)
    data = {"child": "A", "parents": "B"}
    by = world.a.users["assessor"]
    section_save(version=version, key="views", data=data, base_revision=0, completed=True, by=by)
    with pytest.raises(SectionConflict) as conflict:
        section_save(
            version=version, key="views", data=data, base_revision=0, completed=True, by=by
        )
    assert conflict.value.revision == 1


# --- An expired session ----------------------------------------------------------------------


def _sign_in(client, user, next_url):
    response = client.post(
        f"{reverse('login')}?next={next_url}", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return response["Location"]


def test_text_posted_after_the_session_ended_is_a_draft_after_signing_in(world, login):
    started(world)
    assessor = world.a.users["assessor"]
    section = url(world, "section", section="views")
    expired = Client()  # the browser whose session has ended: no signed-in session
    response = expired.post(
        section,
        {
            "child": "Words typed before the session ended",
            "revision": "0",
            "completed": "yes",
            "author": str(assessor.pk),
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not SectionDraft.objects.exists()
    back_to = _sign_in(expired, assessor, section)
    assert back_to == section
    page = expired.get(back_to).content.decode()
    assert "Words typed before the session ended" in page
    assert "kept as your draft" in page
    assert SectionDraft.objects.get(author=assessor, key="views").data["child"].startswith("Words")
    # Said once: the next visit shows the draft, not the message again.
    assert "kept as your draft" not in expired.get(section).content.decode()


def test_autosave_after_the_session_ended_answers_401_and_keeps_the_text(world):
    started(world)
    assessor = world.a.users["assessor"]
    expired = Client()
    response = expired.post(
        url(world, "autosave", section="about"),
        {"present": "Autosaved while signed out", "revision": "0", "author": str(assessor.pk)},
    )
    assert response.status_code == 401
    assert "sign in again" in response.json()["message"]
    section = url(world, "section", section="about")
    expired.get(_sign_in(expired, assessor, section))
    assert SectionDraft.objects.get(author=assessor).data["present"] == (
        "Autosaved while signed out"
    )


def test_text_posted_while_signed_out_goes_to_nobody_who_may_not_change_the_case(world):
    started(world)
    section = url(world, "section", section="views")
    expired = Client()
    expired.post(
        section,
        {"child": "Private words", "revision": "0", "author": str(world.a.users["assessor"].pk)},
    )
    police = world.a.users["police_practitioner"]
    back_to = _sign_in(expired, police, section)
    assert expired.get(back_to).status_code == 404
    assert not SectionDraft.objects.exists()
    # Nor to a colleague who signs in on the same computer: it was not their form.
    expired = Client()
    expired.post(
        section,
        {"child": "Private words", "revision": "0", "author": str(world.a.users["assessor"].pk)},
    )
    colleague = world.a.users["school_practitioner"]
    page = expired.get(_sign_in(expired, colleague, section)).content.decode()
    assert "Private words" not in page and not SectionDraft.objects.exists()


# --- Versions that cannot change ------------------------------------------------


def test_a_signed_off_version_refuses_saves_and_drafts(world, login):
    assessment = started(world)
    version = current_version(assessment)
    # Sign-off is tests/test_assessment_sign_off.py's: here only its mark on the version.
    AssessmentVersion.objects.filter(pk=version.pk).update(completed_on=TODAY)
    client = login(world.a.users["assessor"])
    response = client.post(
        url(world, "section", section="views"),
        {"child": "Too late", "parents": "P", "revision": "0", "completed": "yes"},
    )
    page = response.content.decode()
    assert "can no longer be changed" in page and "Too late" in page
    later = client.post(
        url(world, "section", section="views"),
        {"child": "Too late", "revision": "0", "action": "later"},
    )
    assert "can no longer be changed" in later.content.decode()
    assert client.post(url(world, "autosave", section="views"), {"child": "x"}).status_code == 400
    put = api(world.a.users["assessor"]).put(
        api_url(world, "sections/views/"),
        {"data": {"child": "Too late"}, "revision": 0, "completed": False},
        format="json",
    )
    assert put.status_code == 400
    assert not AssessmentSection.objects.exists() and not SectionDraft.objects.exists()


def test_an_earlier_version_never_changes(world, login):
    assessment = started(world)
    first = current_version(assessment)
    by = world.a.users["assessor"]
    section_save(
        version=first,
        key="views",
        data={"child": "V1", "parents": "V1"},
        base_revision=0,
        completed=True,
        by=by,
    )
    # A new version is the versions service's (another test module): here only the row.
    AssessmentVersion.objects.create(
        assessment=assessment,
        number=2,
        reason=VersionReason.UPDATE,
        created_by=by,
        framework=first.framework,
    )
    for call in (
        lambda: section_save(
            version=first, key="views", data={}, base_revision=1, completed=False, by=by
        ),
        lambda: section_draft_save(version=first, key="views", data={}, base_revision=1, by=by),
    ):
        with pytest.raises(AssessmentError, match="can no longer be changed"):
            call()
    view = login(by).get(url(world, "view")).content.decode()
    assert reverse("assessments:version", args=[world.a.case.pk, 1]) in view


# --- Check your answers, level 4, the task list ----------------------------------------------


def test_task_list_shows_each_section_status(world, login):
    started(world)
    client = login(world.a.users["assessor"])
    client.post(url(world, "section", section="about"), fixed_posts(world)["about"])
    client.post(
        url(world, "section", section="views"),
        {"child": "Some", "revision": "0", "completed": "no"},
    )
    client.post(url(world, "section", section="checklist"), {"notes": "Draft", "action": "later"})
    page = client.get(url(world, "tasks")).content.decode()
    assert status_of(page, "about") == "Completed"
    assert status_of(page, "views") == "In progress"
    assert status_of(page, "checklist") == "In progress"
    assert status_of(page, "development") == "Not started"
    assert status_of(page, "conclusions") == "Not started"


def test_check_answers_lists_what_is_missing_for_sign_off(world, login):
    started(world)
    client = login(world.a.users["assessor"])
    client.post(url(world, "section", section="about"), fixed_posts(world)["about"])
    page = client.get(url(world, "check_answers")).content.decode()
    assert "Before you can sign off" in page
    missing = page.split("Before you can sign off")[1].split("</ul>")[0]
    assert "The child&#x27;s and the parents&#x27; views" in missing
    assert "Pre-assessment checklist" not in missing and "About the assessment" not in missing
    assert "Continue to sign-off" not in page
    assert f"{url(world, 'section', section='about')}#reason" in page


def test_level_of_need_4_warns_and_stops_nothing(world, login):
    started(world)
    client = login(world.a.users["assessor"])
    complete_everything(world, client, level="4")
    response = client.get(url(world, "tasks"))
    page = response.content.decode()
    assert "referral to children&#x27;s social care" in page
    check = client.get(url(world, "check_answers")).content.decode()
    assert "level-4-warning" in check and "Continue to sign-off" in check
    section = client.get(url(world, "section", section="conclusions")).content.decode()
    assert "level-4-warning" in section
    assert current_version(Assessment.objects.get(case=world.a.case)).level_of_need == 4


def test_saving_level_4_says_so_at_once(world, login):
    started(world)
    client = login(world.a.users["assessor"])
    post = fixed_posts(world)["conclusions"] | {"level_of_need": "4"}
    response = client.post(url(world, "section", section="conclusions"), post, follow=True)
    assert "contact children&#x27;s social care now" in response.content.decode()


# --- The API ----------------------------------------------------------------------


def test_the_api_reads_and_saves_a_section_through_the_same_rules(world):
    started(world)
    client = api(world.a.users["assessor"])
    got = client.get(api_url(world, "sections/about/"))
    assert got.status_code == 200
    assert got.json()["status"] == "not_started" and got.json()["revision"] == 0
    bad = client.put(
        api_url(world, "sections/about/"),
        {"data": {"present": 5, "reason": ""}, "revision": 0, "completed": True},
        format="json",
    )
    assert bad.status_code == 400 and "present" in bad.json()["data"]
    incomplete = client.put(
        api_url(world, "sections/about/"),
        {"data": {"present": "Pat", "reason": ""}, "revision": 0, "completed": True},
        format="json",
    )
    assert incomplete.status_code == 400
    assert incomplete.json()["data"]["reason"] == ["Enter the reason for the assessment."]
    unknown = client.put(
        api_url(world, "sections/development/"),
        {"data": {"not_an_element": {}}, "revision": 0, "completed": False},
        format="json",
    )
    assert unknown.status_code == 400
    saved = client.put(
        api_url(world, "sections/about/"),
        {
            "data": {"present": "Pat", "reason": "Why", "completing_agency": world.a.school.pk},
            "revision": 0,
            "completed": True,
        },
        format="json",
    )
    assert saved.status_code == 200
    assert saved.json()["status"] == "completed" and saved.json()["revision"] == 1
    detail = client.get(api_url(world)).json()
    about = next(s for s in detail["sections"] if s["section"] == "about")
    assert about["data"]["reason"] == "Why" and detail["completing_agency"] == world.a.school.name


def test_the_api_saves_a_domain_with_attributed_statements(world):
    assessment = started(world)
    version = current_version(assessment)
    elements = next(d for d in version.framework if d["code"] == "family")["elements"]
    data = {e["code"]: {"finding": "not_assessed"} for e in elements}
    data[elements[0]["code"]] = {
        "finding": "recorded",
        "statements": [
            {"kind": "need", "text": "Moved three times", "whose": "Mother", "nature": "fact"}
        ],
    }
    response = api(world.a.users["assessor"]).put(
        api_url(world, "sections/family/"),
        {"data": data, "revision": 0, "completed": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    statement = response.json()["data"][elements[0]["code"]]["statements"][0]
    assert statement["by"] == world.a.users["assessor"].pk and statement["nature"] == "fact"


def test_the_service_reports_every_problem_by_input(world):
    assessment = started(world)
    with pytest.raises(SectionInvalid) as invalid:
        section_save(
            version=current_version(assessment),
            key="conclusions",
            data={"level_of_need": 7, "outcomes_at_risk": ["nonsense"]},
            base_revision=0,
            completed=True,
            by=world.a.users["assessor"],
        )
    assert set(invalid.value.errors) == {"outcomes_at_risk", "level_of_need", "summary"}


# --- Audit ----------------------------------------------------------------------


def test_saves_are_in_the_change_log_and_reads_in_the_access_log(world, login):
    started(world)
    assessor = world.a.users["assessor"]
    client = login(assessor)
    client.post(url(world, "section", section="about"), fixed_posts(world)["about"])
    entry = ChangeLogEntry.objects.filter(content_type__model="assessmentsection").get()
    assert entry.actor == assessor
    before = AccessLogEntry.objects.filter(case_id=world.a.case.pk).count()
    client.get(url(world, "section", section="about"))
    client.get(url(world, "tasks"))
    client.get(url(world, "check_answers"))
    client.get(url(world, "view"))
    api(assessor).get(api_url(world))
    api(assessor).get(api_url(world, "sections/about/"))
    details = list(
        AccessLogEntry.objects.filter(case_id=world.a.case.pk)
        .order_by("id")
        .values_list("detail", flat=True)
    )[before:]
    assert details == [
        "assessment section about",
        "assessment task list",
        "assessment check answers",
        "assessment version 1",
        "assessment (API)",
        "assessment section about (API)",
    ]


# --- Access ----------------------------------------------------------------------


PAGES = [
    ("get", "view", {}),
    ("post", "begin", {}),
    ("get", "tasks", {}),
    ("get", "check_answers", {}),
    ("get", "section", {"section": "about"}),
    ("post", "section", {"section": "about"}),
    ("post", "autosave", {"section": "about"}),
]
APIS = [
    ("get", ""),
    ("post", "begin/"),
    ("get", "sections/about/"),
    ("put", "sections/about/"),
    ("put", "sections/about/draft/"),
]


@pytest.mark.parametrize("outsider", ["other_tenant", "police_without_grant"])
def test_outsiders_get_404_on_every_page_and_api_route(world, login, outsider):
    started(world)  # the police are excluded by the family
    user = (
        world.b.users["assessor"]
        if outsider == "other_tenant"
        else world.a.users["police_practitioner"]
    )
    client = login(user)
    for method, name, extra in PAGES:
        response = getattr(client, method)(url(world, name, **extra), {"child": "x"})
        assert response.status_code == 404, (name, method)
    tenant_api = api(user)
    for method, tail in APIS:
        body = {"data": {}, "revision": 0, "completed": False}
        response = getattr(tenant_api, method)(api_url(world, tail), body, format="json")
        assert response.status_code == 404, (tail, method)
    assert not SectionDraft.objects.exists() and not AssessmentSection.objects.exists()


def test_an_agency_with_a_grant_reads_the_assessment_but_cannot_write_it(world, login):
    started(world, agencies=[])  # shared with every agency
    client = login(world.a.users["police_practitioner"])
    assert client.get(url(world, "view")).status_code == 200
    assert client.get(url(world, "tasks")).status_code == 404
    assert client.get(url(world, "section", section="about")).status_code == 404
    police_api = api(world.a.users["police_practitioner"])
    assert police_api.get(api_url(world)).status_code == 200
    assert police_api.get(api_url(world, "sections/about/")).status_code == 404


def test_the_caf_team_writes_sections_too(world, login):
    started(world)
    client = login(world.a.users["coordinator"])
    response = client.post(url(world, "section", section="about"), fixed_posts(world)["about"])
    assert response.status_code == 302


def test_the_version_date_fields_stay_as_begun(world):
    assessment = started(world)
    assert assessment.started_on == TODAY and isinstance(assessment.started_on, date)


BAD_BODIES = [
    {},
    {"data": [], "revision": 0, "completed": True},
    {"data": {"present": ["a"]}, "revision": -1, "completed": "maybe"},
    {"data": {"outcomes": "yes"}, "revision": 2**40, "completed": True},
    {"data": {"general_health": {"statements": "many"}}, "revision": 0, "completed": True},
    {"data": {"general_health": {"statements": [{"by": "me", "kind": 3}]}}, "revision": 0},
    {"data": {"level_of_need": "4x", "priority_groups": {"a": 1}}, "revision": 0},
    {"data": {"present": "\x00"}, "revision": 5, "completed": False},
]


@pytest.mark.parametrize("section", ["about", "checklist", "development", "conclusions"])
def test_malformed_input_is_a_400_or_a_conflict_never_a_server_error(world, login, section):
    started(world)
    client = api(world.a.users["assessor"])
    for body in BAD_BODIES:
        for tail in (f"sections/{section}/", f"sections/{section}/draft/"):
            response = client.put(api_url(world, tail), body, format="json")
            assert response.status_code in (200, 400, 409), (tail, body, response.status_code)
    page = login(world.a.users["assessor"])
    for post in (
        {"revision": "x" * 50, "completed": "yes"},
        {"general_health.statements.999.text": "far", "completed": "no"},
        {"add_statement": "nonsense", "remove_statement": "general_health.99"},
        {"level_of_need": "99", "completing_agency": "abc", "completed": "yes"},
    ):
        response = page.post(url(world, "section", section=section), post)
        assert response.status_code in (200, 302), (post, response.status_code)
        response = page.post(url(world, "autosave", section=section), post)
        assert response.status_code in (200, 400), (post, response.status_code)


def test_the_case_page_links_to_the_assessment(world, login):
    case_page = reverse("cases:detail", args=[world.a.case.pk])
    record(world, agencies=[])
    assert (
        "View the assessment"
        not in login(world.a.users["assessor"]).get(case_page).content.decode()
    )
    assessment_begin(case=world.a.case, by=world.a.users["assessor"])
    page = login(world.a.users["assessor"]).get(case_page).content.decode()
    assert url(world, "view") in page and url(world, "tasks") in page
    police = login(world.a.users["police_practitioner"]).get(case_page).content.decode()
    assert url(world, "view") in police and url(world, "tasks") not in police
