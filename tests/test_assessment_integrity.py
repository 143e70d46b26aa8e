"""What no one can get round in the assessment: who may validate it, what the family signed,
unsaved work at sign-off, autosaves racing saves, consent ending before a contribution is
accepted, borrowed attributions, and reads through the API in the access log."""

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from agencies.models import Role
from assessments.models import (
    Assessment,
    AssessmentSection,
    AssessmentState,
    ContributionState,
    SectionDraft,
    ValidationCheck,
)
from assessments.selectors import current_version
from assessments.services import AssessmentError, assessment_begin
from assessments.services.contributions import (
    contribution_accept,
    contribution_request,
    contribution_submit,
)
from assessments.services.sections import section_draft_save, section_save
from assessments.services.validation import (
    assessment_submit,
    assessment_validate,
    query_answer,
)
from audit.models import AccessLogEntry
from consent.services import consent_withdraw
from tests.assessment_states import consented_case, section_data, sign, submitted, write
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

EVERY_CHECK = dict.fromkeys(ValidationCheck.values, True)


def second_coordinator(world):
    return make_staff(
        world.a.tenant, [(world.a.caf_team, Role.CAF_COORDINATOR)], username="a-coordinator-2"
    )


def api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_coordinator_who_wrote_a_section_cannot_validate_after_someone_else_saves_it(world):
    coordinator, assessor = world.a.users["coordinator"], world.a.users["assessor"]
    case = consented_case(world, "Helped")
    assessment = assessment_begin(case=case, by=assessor)
    write(assessment, assessor)
    version = current_version(assessment)
    # The CAF team may change every case: the coordinator writes the views, the assessor
    # then corrects a typo, and is the last to save the section.
    views = version.sections.get(key="views")
    section_save(
        version=version,
        key="views",
        data={"child": "Written by the coordinator.", "parents": "Mornings."},
        base_revision=views.revision,
        completed=True,
        by=coordinator,
    )
    section_save(
        version=version,
        key="views",
        data={"child": "Written by the coordinator!", "parents": "Mornings."},
        base_revision=views.revision + 1,
        completed=True,
        by=assessor,
    )
    sign(assessment, assessor)
    assessment_submit(assessment=assessment, by=assessor)
    with pytest.raises(AssessmentError, match="You wrote this assessment"):
        assessment_validate(assessment=assessment, by=coordinator, confirmations=EVERY_CHECK)
    assert Assessment.objects.get(pk=assessment.pk).state == AssessmentState.SUBMITTED


def test_a_coordinator_who_answered_the_queries_cannot_validate_the_resubmission(world):
    assessment = submitted(world, "Answered")
    other = second_coordinator(world)
    assessment_validate(
        assessment=assessment,
        by=world.a.users["coordinator"],
        confirmations=EVERY_CHECK,
        queries=[("", "Which school year is Robin in?")],
    )
    query = assessment.validations.get().queries.get()
    query_answer(query=query, by=other, answer="Year 4.")
    assessment_submit(assessment=assessment, by=other)
    with pytest.raises(AssessmentError, match="You wrote this assessment"):
        assessment_validate(assessment=assessment, by=other, confirmations=EVERY_CHECK)


def test_a_returned_assessment_that_changes_must_be_signed_again_before_resubmission(world):
    assessor = world.a.users["assessor"]
    assessment = submitted(world, "Resigned")
    assessment_validate(
        assessment=assessment,
        by=world.a.users["coordinator"],
        confirmations=EVERY_CHECK,
        queries=[("", "Please say more about mornings.")],
    )
    query_answer(
        query=assessment.validations.get().queries.get(), by=assessor, answer="Added below."
    )
    version = current_version(assessment)
    views = version.sections.get(key="views")
    section_save(
        version=version,
        key="views",
        data={"child": "I am tired.", "parents": "Mornings are hard: I work from six."},
        base_revision=views.revision,
        completed=True,
        by=assessor,
    )
    version.refresh_from_db()
    assert version.completed_on is None and version.family_signed_name == ""
    with pytest.raises(AssessmentError, match="Sign off"):
        assessment_submit(assessment=assessment, by=assessor)

    sign(assessment, assessor)
    assert Assessment.objects.get(pk=assessment.pk).state == AssessmentState.RETURNED
    assessment_submit(assessment=assessment, by=assessor)
    assert Assessment.objects.get(pk=assessment.pk).state == AssessmentState.SUBMITTED


def test_sign_off_is_refused_while_anyone_has_unsaved_changes_and_names_them(world):
    assessor, colleague = world.a.users["assessor"], world.a.users["school_practitioner"]
    assessment = assessment_begin(case=consented_case(world, "Drafted"), by=assessor)
    write(assessment, assessor)
    version = current_version(assessment)
    section_draft_save(
        version=version,
        key="views",
        data={"child": "Half a thought", "parents": ""},
        base_revision=version.sections.get(key="views").revision,
        by=colleague,
    )
    with pytest.raises(AssessmentError, match=colleague.get_full_name()) as refused:
        sign(assessment, assessor)
    assert "views" in refused.value.message
    assert SectionDraft.objects.get(author=colleague).data["child"] == "Half a thought"


def test_an_autosave_arriving_after_its_authors_save_is_not_kept_as_a_draft(world):
    assessor = world.a.users["assessor"]
    assessment = assessment_begin(case=consented_case(world, "Autosaved"), by=assessor)
    version = current_version(assessment)
    data = section_data(version, "views")
    section_save(
        version=version, key="views", data=data, base_revision=0, completed=True, by=assessor
    )
    # The autosave sent just before the save lands just after it.
    section_draft_save(version=version, key="views", data=data, base_revision=0, by=assessor)
    assert not SectionDraft.objects.exists()
    # Text that differs from what was saved is still kept.
    changed = data | {"child": "Something new"}
    section_draft_save(version=version, key="views", data=changed, base_revision=0, by=assessor)
    assert SectionDraft.objects.get().data["child"] == "Something new"


def _sent_contribution(world, case, assessment):
    officer = world.a.users["police_practitioner"]
    version = current_version(assessment)
    contribution = contribution_request(
        version=version,
        key="development",
        contributor=officer,
        message="What did you see?",
        by=world.a.users["assessor"],
    )
    element = version.framework[0]["elements"][0]["code"]
    statement = {
        "kind": "need",
        "text": "Seen out alone late at night.",
        "whose": "PC Officer",
        "nature": "observation",
    }
    contribution_submit(
        contribution=contribution,
        data={element: {"finding": "recorded", "statements": [statement]}},
        by=officer,
    )
    return contribution, element


def test_a_contribution_cannot_be_accepted_once_consent_for_its_agency_ends(world):
    assessor = world.a.users["assessor"]
    case = consented_case(world, "Withdrawn")
    assessment = assessment_begin(case=case, by=assessor)
    contribution, _ = _sent_contribution(world, case, assessment)
    consent_withdraw(case=case, by=assessor, on=timezone.localdate(), agency=world.a.police)
    with pytest.raises(AssessmentError, match="consent no longer covers"):
        contribution_accept(contribution=contribution, by=assessor)
    contribution.refresh_from_db()
    assert contribution.state == ContributionState.SUBMITTED
    assert not AssessmentSection.objects.filter(key="development").exists()


def test_a_statement_cannot_borrow_a_contributors_attribution(world):
    assessor = world.a.users["assessor"]
    case = consented_case(world, "Borrowed")
    assessment = assessment_begin(case=case, by=assessor)
    contribution, element = _sent_contribution(world, case, assessment)
    contribution_accept(contribution=contribution, by=assessor)
    version = current_version(assessment)
    section = version.sections.get(key="development")
    data = section.data
    theirs = data[element]["statements"][0]
    forged = dict(theirs, text="Words the officer never wrote.")
    data[element]["statements"].append(forged)
    section_save(
        version=version,
        key="development",
        data=data,
        base_revision=section.revision,
        completed=False,
        by=assessor,
    )
    saved = version.sections.get(key="development").data[element]["statements"]
    assert saved[0]["by"] == world.a.users["police_practitioner"].pk  # kept, word for word
    assert saved[1]["by"] == assessor.pk and saved[1]["contribution"] is None


def test_reading_through_the_api_begin_and_a_conflict_is_in_the_access_log(world):
    assessor = world.a.users["assessor"]
    case = consented_case(world, "Logged")
    assessment = assessment_begin(case=case, by=assessor)
    write(assessment, assessor, keys=("views",))
    client = api(assessor)
    before = AccessLogEntry.objects.filter(case_id=case.pk).count()
    assert client.post(f"/api/assessments/{case.pk}/begin/").status_code == 200
    conflict = client.put(
        f"/api/assessments/{case.pk}/sections/views/",
        {"data": {"child": "Mine", "parents": "Mine"}, "revision": 0, "completed": False},
        format="json",
    )
    assert conflict.status_code == 409
    details = list(
        AccessLogEntry.objects.filter(case_id=case.pk)
        .order_by("pk")
        .values_list("detail", flat=True)[before:]
    )
    assert any("assessment (API)" in d for d in details)
    assert any("conflict" in d for d in details)
