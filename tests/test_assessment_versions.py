"""Versions of the assessment (R-ASSESS-7, R-REF-3): a new version copies what was written
and leaves the earlier one as it was, readable on its own element list; it is refused while
contributions are outstanding, naming them; an earlier version compared with the current
one shows the changes word by word. The word comparison is tested on its own first."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from assessments.diff import DELETE, EQUAL, INSERT, has_changes, joined, word_diff, words
from assessments.models import (
    Assessment,
    AssessmentSection,
    AssessmentState,
    AssessmentVersion,
    SectionDraft,
    VersionReason,
)
from assessments.services import AssessmentError, assessment_begin
from assessments.services.contributions import contribution_request
from assessments.services.versions import version_create
from audit.models import AccessAction, AccessLogEntry
from cases.models import Case
from consent.services import consent_record

TODAY = timezone.localdate()


# --- The word comparison on its own ----------------------------------------------------------


def test_identical_texts_have_no_changes():
    runs = word_diff("The child sleeps well.", "The child sleeps well.")
    assert runs == [(EQUAL, ["The", "child", "sleeps", "well."])]
    assert not has_changes(runs)


def test_a_changed_word_is_removed_then_added_in_place():
    runs = word_diff("Attends school most days", "Attends school every day")
    assert runs == [
        (EQUAL, ["Attends", "school"]),
        (DELETE, ["most", "days"]),
        (INSERT, ["every", "day"]),
    ]
    assert has_changes(runs)


def test_added_and_removed_words_alone():
    assert word_diff("", "New text") == [(INSERT, ["New", "text"])]
    assert word_diff("Old text", None) == [(DELETE, ["Old", "text"])]
    assert word_diff(None, "") == []


def test_spacing_alone_is_not_a_change_but_line_breaks_are_kept():
    assert not has_changes(word_diff("two  words", "two words\t"))
    assert words("one\r\ntwo \n three") == ["one", "\n", "two", "\n", "three"]
    assert joined(words("one  two\nthree")) == "one two\nthree"


def test_the_runs_give_back_both_texts():
    old = "Mum says he sleeps badly.\nThe school sees him tired on Mondays."
    new = "Mum says he now sleeps well.\nThe school sees him alert on Mondays and Fridays."
    runs = word_diff(old, new)
    assert [w for op, ws in runs if op != INSERT for w in ws] == words(old)
    assert [w for op, ws in runs if op != DELETE for w in ws] == words(new)


def test_common_words_in_long_texts_are_matched_not_treated_as_junk():
    # difflib's autojunk would ignore "the" in texts over 200 words and report a rewrite.
    base = " ".join(["the child and the school"] * 60)
    runs = word_diff(base, base + " together")
    assert runs[-1] == (INSERT, ["together"])
    assert [op for op, _ in runs] == [EQUAL, INSERT]


# --- Building the states ---------------------------------------------------------------------


def begin(world, *, share_with=()) -> Assessment:
    """World a's case with consent (sharing with ``share_with`` only) and its assessment."""
    consent_record(
        case=world.a.case,
        by=world.a.users["assessor"],
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="named_only" if share_with else "none",
        method="written",
        signed_name="Pat Parent",
        signed_on=TODAY,
        agencies=list(share_with),
    )
    return assessment_begin(case=world.a.case, by=world.a.users["assessor"])


def save_section(version, key, data, by):
    # The sections' own service is written alongside (tests/test_assessment_sections.py);
    # here only the saved row matters.
    section, _ = AssessmentSection.objects.update_or_create(
        version=version,
        key=key,
        defaults={"data": data, "saved_by": by, "status": "completed"},
    )
    return section


def sign_off(assessment):
    # Sign-off is written alongside (tests/test_assessment_sign_off.py): its result alone
    # matters here, the completion date of the latest version and the assessment's state.
    version = assessment.versions.order_by("-number").first()
    AssessmentVersion.objects.filter(pk=version.pk).update(completed_on=TODAY)
    Assessment.objects.filter(pk=assessment.pk).update(state=AssessmentState.SIGNED)
    assessment.refresh_from_db()


def development(text, *, code="general_health", by=None):
    return {
        code: {
            "finding": "recorded",
            "statements": [
                {
                    "kind": "need",
                    "text": text,
                    "whose": "class teacher",
                    "nature": "observation",
                    "by": by,
                    "contribution": None,
                }
            ],
        }
    }


@pytest.fixture
def written(world):
    """An assessment with three sections written and signed off."""
    assessor = world.a.users["assessor"]
    assessment = begin(world)
    first = assessment.versions.get()
    save_section(first, "views", {"child": "I like football.", "parents": "He is tired."}, assessor)
    save_section(
        first, "development", development("Often tired in class.", by=assessor.pk), assessor
    )
    save_section(first, "conclusions", {"level_of_need": 2, "summary": "Sleep."}, assessor)
    sign_off(assessment)
    return assessment


def api(user):
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- A new version ---------------------------------------------------------------------------


def test_new_version_copies_every_section_and_leaves_the_earlier_one_unchanged(world, written):
    assessor = world.a.users["assessor"]
    second = version_create(assessment=written, by=assessor, reason=VersionReason.UPDATE)
    first = written.versions.get(number=1)
    assert second.number == 2 and second.reason == VersionReason.UPDATE
    copied = {s.key: s for s in second.sections.all()}
    assert set(copied) == {"views", "development", "conclusions"}
    assert all(s.status == "completed" for s in copied.values())
    assert copied["views"].data == first.sections.get(key="views").data
    assert second.level_of_need == first.level_of_need

    save_section(second, "views", {"child": "I love football now."}, assessor)
    assert first.sections.get(key="views").data["child"] == "I like football."


def test_the_earlier_version_reads_as_it_was_written(world, written, login):
    assessor = world.a.users["assessor"]
    second = version_create(assessment=written, by=assessor, reason=VersionReason.UPDATE)
    save_section(second, "views", {"child": "I love football now."}, assessor)
    client = login(assessor)
    page = client.get(reverse("assessments:version", kwargs={"pk": world.a.case.pk, "number": 1}))
    assert page.status_code == 200
    text = page.content.decode()
    assert "I like football." in text and "I love football now." not in text
    assert "cannot be changed" in text
    main = text.split('id="main-content"')[1].split("</main>")[0]
    forms = re.findall(r"<form[^>]*>", main)
    assert all("session" in form for form in forms) and "<textarea" not in main
    current = client.get(
        reverse("assessments:version", kwargs={"pk": world.a.case.pk, "number": 2})
    )
    assert "I love football now." in current.content.decode()


def test_reading_a_version_is_in_the_access_log_with_its_number(world, written, login):
    client = login(world.a.users["coordinator"])
    client.get(reverse("assessments:version", kwargs={"pk": world.a.case.pk, "number": 1}))
    entry = AccessLogEntry.objects.filter(case_id=world.a.case.pk, action=AccessAction.VIEW).latest(
        "id"
    )
    assert entry.detail == "assessment version 1"


def test_a_version_that_does_not_exist_is_404(world, written, login):
    client = login(world.a.users["assessor"])
    for number in (2, 0, 40000):
        url = f"/cases/{world.a.case.pk}/assessment/versions/{number}/"
        assert client.get(url).status_code == 404
        assert client.get(url + "compare/").status_code == 404
    token = api(world.a.users["assessor"])
    assert token.get(f"/api/assessments/{world.a.case.pk}/versions/2/").status_code == 404
    missing = f"/api/assessments/{world.a.case.pk}/versions/99999/compare/"
    assert token.get(missing).status_code == 404


def test_new_version_puts_the_assessment_back_in_progress_and_leaves_the_case(world, written):
    state_before = Case.objects.get(pk=world.a.case.pk).state
    version_create(assessment=written, by=world.a.users["coordinator"], reason=VersionReason.TAC)
    written.refresh_from_db()
    assert written.state == AssessmentState.IN_PROGRESS
    assert Case.objects.get(pk=world.a.case.pk).state == state_before


def test_logged_assessment_keeps_its_reference_in_a_new_version(world, written):
    Assessment.objects.filter(pk=written.pk).update(
        state=AssessmentState.LOGGED, logged_reference="CAF-1", logged_on=TODAY
    )
    written.refresh_from_db()
    version_create(assessment=written, by=world.a.users["assessor"], reason=VersionReason.TAC)
    written.refresh_from_db()
    assert written.state == AssessmentState.IN_PROGRESS and written.logged_reference == "CAF-1"


def test_drafts_are_not_copied(world, written):
    first = written.versions.get(number=1)
    SectionDraft.objects.create(
        version=first, key="views", author=world.a.users["assessor"], data={"child": "draft"}
    )
    second = version_create(
        assessment=written, by=world.a.users["assessor"], reason=VersionReason.UPDATE
    )
    assert not SectionDraft.objects.filter(version=second).exists()
    assert second.sections.get(key="views").data["child"] == "I like football."


def test_new_version_needs_the_latest_signed_off(world):
    assessment = begin(world)
    with pytest.raises(AssessmentError, match="sign it off"):
        version_create(
            assessment=assessment, by=world.a.users["assessor"], reason=VersionReason.UPDATE
        )
    assert assessment.versions.count() == 1


@pytest.mark.parametrize("state", [AssessmentState.SUBMITTED, AssessmentState.RETURNED])
def test_new_version_waits_while_the_caf_team_has_it_or_it_is_being_corrected(
    world, written, state
):
    Assessment.objects.filter(pk=written.pk).update(state=state)
    with pytest.raises(AssessmentError):
        version_create(assessment=written, by=world.a.users["assessor"], reason=VersionReason.TAC)


def test_new_version_is_only_for_those_who_may_change_the_case(world, written):
    for user in (world.a.users["police_practitioner"], world.b.users["assessor"]):
        with pytest.raises(AssessmentError, match="Case not found"):
            version_create(assessment=written, by=user, reason=VersionReason.UPDATE)
    with pytest.raises(AssessmentError):
        version_create(assessment=written, by=world.a.users["assessor"], reason=VersionReason.FIRST)


def test_new_version_takes_todays_element_list_and_keeps_data_of_elements_gone(
    world, written, login
):
    """An element on version 1's list that is no longer on the form: its data is carried into
    version 2 under its code and shown as no longer on the form."""
    assessor = world.a.users["assessor"]
    first = written.versions.get(number=1)
    framework = first.framework
    framework[0]["elements"].append(
        {"code": "old_element", "title": "An old element", "prompt": "", "local_prompts": []}
    )
    AssessmentVersion.objects.filter(pk=first.pk).update(framework=framework)
    section = first.sections.get(key="development")
    section.data.update(development("Kept from the old form.", code="old_element"))
    section.save()
    from assessments.models import Element, LocalPrompt

    LocalPrompt.objects.create(
        tenant=world.a.tenant,
        element=Element.objects.get(code="general_health"),
        text="Our local prompt about sleep.",
    )
    second = version_create(assessment=written, by=assessor, reason=VersionReason.UPDATE)
    codes = [e["code"] for d in second.framework for e in d["elements"]]
    assert "old_element" not in codes
    assert "old_element" in second.sections.get(key="development").data
    general = next(e for e in second.framework[0]["elements"] if e["code"] == "general_health")
    assert general["local_prompts"] == ["Our local prompt about sleep."]
    client = login(assessor)
    page = client.get(reverse("assessments:version", kwargs={"pk": world.a.case.pk, "number": 2}))
    text = page.content.decode()
    assert "old_element (no longer on the form)" in text and "Kept from the old form." in text
    old = client.get(reverse("assessments:version", kwargs={"pk": world.a.case.pk, "number": 1}))
    assert "An old element" in old.content.decode()


# --- Outstanding contributions hold a new version back (R-REF-3) -----------------------------


def test_new_version_is_refused_while_a_contribution_is_outstanding_naming_it(world, login):
    police = world.a.users["police_practitioner"]
    assessment = begin(world, share_with=[world.a.police])
    contribution_request(
        version=assessment.versions.get(),
        key="development",
        contributor=police,
        message="",
        by=world.a.users["assessor"],
    )
    sign_off(assessment)
    name = police.get_full_name() or police.username
    with pytest.raises(AssessmentError) as refused:
        version_create(
            assessment=assessment, by=world.a.users["assessor"], reason=VersionReason.UPDATE
        )
    assert name in refused.value.message
    assert "Development of the child or young person" in refused.value.message

    client = login(world.a.users["assessor"])
    url = reverse("assessments:version_new", kwargs={"pk": world.a.case.pk})
    page = client.get(url).content.decode()
    assert "Outstanding contributions" in page and name in page
    posted = client.post(url, {"reason": "update"})
    assert posted.status_code == 200
    assert "contributions are outstanding" in posted.content.decode()
    response = api(world.a.users["assessor"]).post(
        f"/api/assessments/{world.a.case.pk}/versions/new/", {"reason": "update"}, format="json"
    )
    assert response.status_code == 400 and name in str(response.json())
    assert assessment.versions.count() == 1


def test_new_version_page_makes_the_version(world, written, login):
    client = login(world.a.users["assessor"])
    url = reverse("assessments:version_new", kwargs={"pk": world.a.case.pk})
    assert client.get(url).status_code == 200
    refused = client.post(url, {})
    assert refused.status_code == 200 and "Choose why" in refused.content.decode()
    made = client.post(url, {"reason": "update"})
    assert made.status_code == 302
    assert made["Location"] == f"/cases/{world.a.case.pk}/assessment/versions/2/"
    assert written.versions.count() == 2


def test_new_version_over_the_api(world, written):
    client = api(world.a.users["coordinator"])
    url = f"/api/assessments/{world.a.case.pk}/versions/new/"
    assert client.post(url, {}, format="json").status_code == 400
    assert client.post(url, {"reason": "first"}, format="json").status_code == 400
    made = client.post(url, {"reason": "tac"}, format="json")
    assert made.status_code == 201
    assert made.json()["number"] == 2 and made.json()["is_current"] is True
    listed = client.get(f"/api/assessments/{world.a.case.pk}/versions/").json()
    assert [v["number"] for v in listed] == [1, 2]
    assert [v["editable"] for v in listed] == [False, True]
    first = client.get(f"/api/assessments/{world.a.case.pk}/versions/1/").json()
    views = next(s for s in first["sections"] if s["key"] == "views")
    assert views["rows"][0]["text"] == "I like football."
    assert first["framework"][0]["code"] == "development"


# --- Comparing -------------------------------------------------------------------------------


def test_compare_highlights_word_changes_and_folds_unchanged_sections(world, written, login):
    assessor = world.a.users["assessor"]
    second = version_create(assessment=written, by=assessor, reason=VersionReason.UPDATE)
    save_section(
        second, "views", {"child": "I like swimming.", "parents": "He is tired."}, assessor
    )
    client = login(assessor)
    page = client.get(reverse("assessments:compare", kwargs={"pk": world.a.case.pk, "number": 1}))
    assert page.status_code == 200
    text = page.content.decode()
    views = text.split('id="section-views"')[1].split('id="section-')[0]
    assert re.search(r"<del[^>]*>.*removed: </span>football\.<", views)
    assert re.search(r"<ins[^>]*>.*added: </span>swimming\.<", views)
    assert "I like" in views and "He is tired." not in views  # only the changed row
    development = text.split('id="section-development"')[1].split('id="section-')[0]
    assert "No changes" in development
    entry = AccessLogEntry.objects.filter(case_id=world.a.case.pk).latest("id")
    assert entry.detail == "assessment version 1 compared with 2"


def test_compare_over_the_api(world, written):
    assessor = world.a.users["assessor"]
    second = version_create(assessment=written, by=assessor, reason=VersionReason.UPDATE)
    save_section(
        second, "development", development("Often tired in class. Worse on Mondays."), assessor
    )
    answer = api(assessor).get(f"/api/assessments/{world.a.case.pk}/versions/1/compare/")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["earlier"], body["current"]) == (1, 2)
    sections = {s["key"]: s for s in body["sections"]}
    assert not sections["views"]["changed"]
    row = next(r for r in sections["development"]["rows"] if r["changed"])
    assert row["label"] == "General health"
    assert row["chunks"][-1] == {"op": "insert", "text": "Worse on Mondays."}


def test_comparing_the_current_version_with_itself_shows_no_changes(world, written, login):
    page = login(world.a.users["assessor"]).get(
        reverse("assessments:compare", kwargs={"pk": world.a.case.pk, "number": 1})
    )
    assert page.status_code == 200
    assert "nothing to compare" in page.content.decode()


# --- Who may see them ------------------------------------------------------------------------


def _routes(case_pk):
    return [
        ("get", f"/cases/{case_pk}/assessment/versions/new/"),
        ("post", f"/cases/{case_pk}/assessment/versions/new/"),
        ("get", f"/cases/{case_pk}/assessment/versions/1/"),
        ("get", f"/cases/{case_pk}/assessment/versions/1/compare/"),
    ]


def _api_routes(case_pk):
    return [
        ("get", f"/api/assessments/{case_pk}/versions/"),
        ("post", f"/api/assessments/{case_pk}/versions/new/"),
        ("get", f"/api/assessments/{case_pk}/versions/1/"),
        ("get", f"/api/assessments/{case_pk}/versions/1/compare/"),
    ]


@pytest.mark.parametrize(
    "who",
    [("b", "assessor"), ("b", "coordinator"), ("a", "police_practitioner"), ("a", "school_no_dbs")],
)
def test_outsiders_get_404_on_every_version_route(world, written, login, who):
    """Another tenant's staff, an agency without a consent grant, staff without a DBS check:
    404 on pages and API, as for a case that does not exist."""
    tenant, name = who
    user = getattr(world, tenant).users[name]
    if name == "school_no_dbs":
        from django.test import Client

        client = Client()
        client.force_login(user)
    else:
        client = login(user)
    for method, url in _routes(world.a.case.pk):
        assert getattr(client, method)(url, {"reason": "update"}).status_code == 404, url
    token = api(user)
    for method, url in _api_routes(world.a.case.pk):
        assert getattr(token, method)(url, {"reason": "update"}, format="json").status_code == 404
    assert written.versions.count() == 1


def test_agency_with_a_grant_reads_versions_but_cannot_make_one(world, login):
    assessment = begin(world, share_with=[world.a.police])
    sign_off(assessment)
    police = world.a.users["police_practitioner"]
    client = login(police)
    case_pk = world.a.case.pk
    assert client.get(f"/cases/{case_pk}/assessment/versions/1/").status_code == 200
    assert client.get(f"/cases/{case_pk}/assessment/versions/1/compare/").status_code == 200
    assert client.get(f"/cases/{case_pk}/assessment/versions/new/").status_code == 404
    assert client.post(f"/cases/{case_pk}/assessment/versions/new/", {}).status_code == 404
    token = api(police)
    assert token.get(f"/api/assessments/{case_pk}/versions/").status_code == 200
    assert token.post(f"/api/assessments/{case_pk}/versions/new/", {}).status_code == 404
