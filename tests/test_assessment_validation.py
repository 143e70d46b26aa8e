"""Submission to the CAF team, its queue, validation with the seven checks, queries back to
the assessor and the returned-for-correction loop, and logging with a reference
(R-ASSESS-5, R-ASSESS-6; seed 000 §3.12)."""

import itertools
import threading
import time
from datetime import date, timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from agencies.models import Role
from assessments import checks
from assessments.framework import DOMAIN_SECTIONS, SectionStatus
from assessments.models import (
    Assessment,
    AssessmentSection,
    AssessmentState,
    AssessmentVersion,
    Contribution,
    ContributionState,
    CopyRecipient,
    Distribution,
    Validation,
    ValidationCheck,
    ValidationOutcome,
    ValidationQuery,
    VersionReason,
)
from assessments.services import (
    AssessmentError,
    assessment_begin,
    framework_snapshot,
    latest_version,
    version_is_editable,
)
from assessments.services import validation as validation_services
from assessments.services.validation import (
    QUERY_TASK_MESSAGE,
    assessment_submit,
    assessment_validate,
    query_answer,
)
from cases.models import Case, CaseState, Ethnicity, Gender
from cases.services import case_open, child_register
from consent.models import Consent
from consent.services import consent_record, consent_withdraw
from referrals.models import Task, TaskKind
from tests.factories import make_staff

TODAY = timezone.localdate()
ALL_TICKED = {"safeguarding": True, "single_agency": True}
_names = (f"{a}{b}" for a, b in itertools.product("ABCDEFGHIJ", "abcdefghij"))


def api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- Building states ------------------------------------------------------------------------


def ready_case(world, tenant: str = "a", *, assessor=None, **child_fields):
    """A child with complete demographics, consent to undertake, record and share with every
    agency but the police, and an assessment begun."""
    w = getattr(world, tenant)
    assessor = assessor or w.users["assessor"]
    fields = dict(
        given_name="Robin",
        family_name=f"Valid{next(_names)}",
        date_of_birth=date(2016, 2, 3),
        gender=Gender.FEMALE,
        ethnicity=Ethnicity.WBRI,
        address_line_1="1 High Street",
        postcode="NS1 1AB",
    )
    fields.update(child_fields)
    child = child_register(by=assessor, **fields)
    case = case_open(child=child, assessor_agency=w.school, by=assessor)
    consent_record(
        case=case,
        by=assessor,
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="all_except",
        method="written",
        signed_name="Pat Parent",
        signed_on=TODAY,
        agencies=[w.police],
    )
    assessment_begin(case=case, by=assessor)
    return Assessment.objects.select_related("case__child").get(case=case)


def write_sections(assessment, by, *, skip=()):
    """Stand-in for the sections service (another helper's): every section saved and
    completed, each element with a finding, in the shapes of assessments/models.py."""
    version = latest_version(assessment)
    rows = {
        "about": {"present": "Mother and Robin", "reason": "Attendance", "completing_agency": 1},
        "views": {"child": "I like school", "parents": "She is happier"},
        "conclusions": {"outcomes_at_risk": [], "level_of_need": 2, "priority_groups": []},
    }
    for domain in version.framework:
        if domain["code"] in DOMAIN_SECTIONS:
            rows[domain["code"]] = {
                element["code"]: {"finding": "no_concerns", "statements": []}
                for element in domain["elements"]
            }
    for key, data in rows.items():
        if key not in skip:
            AssessmentSection.objects.update_or_create(
                version=version,
                key=key,
                defaults={"data": data, "status": SectionStatus.COMPLETED, "saved_by": by},
            )


def sign_off(assessment, by, *, days_ago: int = 0, family: bool = True):
    """Stand-in for the sign-off service (another helper's): the version's sign-off fields
    and the assessment's state."""
    on = TODAY - timedelta(days=days_ago)
    AssessmentVersion.objects.filter(pk=latest_version(assessment).pk).update(
        completed_on=on,
        signed_off_by=by,
        assessor_signed_name=by.get_full_name() or by.username,
        assessor_signed_on=on,
        family_signed_name="Pat Parent" if family else "",
        family_signed_on=on if family else None,
    )
    Assessment.objects.filter(pk=assessment.pk).update(state=AssessmentState.SIGNED)
    assessment.refresh_from_db()


def submitted(world, tenant: str = "a", *, days_ago: int = 0, **child_fields):
    """A complete assessment, signed off ``days_ago`` and submitted to the CAF team."""
    assessor = getattr(world, tenant).users["assessor"]
    assessment = ready_case(world, tenant, **child_fields)
    write_sections(assessment, assessor)
    sign_off(assessment, assessor, days_ago=days_ago)
    assessment_submit(assessment=assessment, by=assessor)
    assessment.refresh_from_db()
    return assessment


def coordinator(world, tenant: str = "a"):
    return getattr(world, tenant).users["coordinator"]


def validate(world, assessment, *, by=None, confirmations=ALL_TICKED, **extra):
    decided = assessment_validate(
        assessment=assessment,
        by=by or coordinator(world),
        confirmations=confirmations,
        **extra,
    )
    assessment.refresh_from_db()
    assessment.case.refresh_from_db()
    return decided


def results(assessment) -> dict:
    version = latest_version(assessment)
    return checks.computed_checks(Assessment.objects.get(pk=assessment.pk), version)


# --- Submission -----------------------------------------------------------------------------


def test_submission_joins_the_queue_moves_the_case_and_records_the_caf_teams_copy(world):
    assessment = submitted(world)
    case = assessment.case
    case.refresh_from_db()

    pending = Validation.objects.get(assessment=assessment)
    assert pending.outcome == ValidationOutcome.PENDING
    assert assessment.state == AssessmentState.SUBMITTED and assessment.submitted_at
    assert case.state == CaseState.SUBMITTED and case.submitted_on == TODAY
    copy = Distribution.objects.get(version=pending.version)
    assert copy.recipient == CopyRecipient.CAF_TEAM and copy.agency == world.a.caf_team


def test_an_assessment_not_signed_off_cannot_be_submitted(world):
    assessment = ready_case(world)
    write_sections(assessment, world.a.users["assessor"])
    with pytest.raises(AssessmentError, match="Sign off"):
        assessment_submit(assessment=assessment, by=world.a.users["assessor"])
    assert not Validation.objects.exists()


def test_an_assessment_with_the_caf_team_cannot_be_submitted_again(world):
    assessment = submitted(world)
    with pytest.raises(AssessmentError, match="already with the CAF team"):
        assessment_submit(assessment=assessment, by=world.a.users["assessor"])
    assert Validation.objects.filter(assessment=assessment).count() == 1


def test_an_assessment_of_a_closed_case_cannot_be_submitted(world):
    assessment = ready_case(world)
    write_sections(assessment, world.a.users["assessor"])
    sign_off(assessment, world.a.users["assessor"])
    # No closure service exists yet (the delivery issue builds it): the state alone matters.
    Case.objects.filter(pk=assessment.case_id).update(state=CaseState.CLOSED, closed_on=TODAY)
    assessment.case.refresh_from_db()
    with pytest.raises(AssessmentError, match="closed"):
        assessment_submit(assessment=assessment, by=world.a.users["assessor"])


def test_a_late_submission_is_accepted_and_shown_late_in_the_queue(world, login):
    on_time = submitted(world, days_ago=28)
    late = submitted(world, days_ago=29)

    page = login(coordinator(world)).get("/assessments/queue/").content.decode()
    rows = page.split('<tr class="govuk-table__row">')[2:]
    assert on_time.case.reference in rows[0] and "Late" not in rows[0]
    assert late.case.reference in rows[1] and "Late" in rows[1]


def test_the_submit_page_explains_a_refusal(world, login):
    assessment = ready_case(world)
    response = login(world.a.users["assessor"]).post(
        f"/cases/{assessment.case_id}/assessment/submit/"
    )
    assert response.status_code == 200
    assert "Sign off the assessment before submitting it" in response.content.decode()


# --- The five computed checks ---------------------------------------------------------------


def test_demographics_pass_when_the_register_and_the_about_section_are_complete(world):
    assessment = ready_case(world)
    write_sections(assessment, world.a.users["assessor"])
    assert results(assessment)["demographics"].passed


def test_demographics_fail_on_ethnicity_not_obtained_gender_not_known_and_no_address(world):
    assessment = ready_case(
        world, ethnicity=Ethnicity.NOBT, gender=Gender.NOT_KNOWN, address_line_1="", postcode=""
    )
    write_sections(assessment, world.a.users["assessor"])
    result = results(assessment)["demographics"]
    assert not result.passed
    assert any("ethnicity" in reason for reason in result.reasons)
    assert any("gender" in reason for reason in result.reasons)
    assert any("postcode" in reason for reason in result.reasons)


def test_demographics_fail_without_who_was_present_and_the_reason(world):
    assessment = ready_case(world)
    write_sections(assessment, world.a.users["assessor"], skip=("about",))
    result = results(assessment)["demographics"]
    assert not result.passed
    assert "who was present" in " ".join(result.reasons)


def test_consent_signature_passes_with_a_signed_and_dated_consent(world):
    assert results(ready_case(world))["consent_signature"].passed


def test_consent_signature_fails_without_a_current_consent(world):
    assessment = ready_case(world)
    consent_withdraw(case=assessment.case, by=world.a.users["assessor"], on=TODAY)
    result = results(assessment)["consent_signature"]
    assert not result.passed and "No current consent" in result.reasons[0]


def test_consent_signature_fails_without_a_signed_name_or_a_scan():
    unsigned = Consent(to_undertake=True, to_record=True, signed_name="", signed_on=TODAY)
    assert not checks.check_consent_signature(unsigned).passed


def test_layered_consent_passes_when_nothing_came_from_an_excluded_agency(world):
    result = results(ready_case(world))["layered_consent"]
    assert result.passed and "All agencies, except any named" in result.reasons[0]


def test_layered_consent_fails_with_a_contribution_accepted_from_an_excluded_agency(world):
    assessment = ready_case(world)
    # Stand-in for the contributions service (another helper's): an accepted contribution.
    Contribution.objects.create(
        version=latest_version(assessment),
        key="development",
        contributor=world.a.users["police_practitioner"],
        agency=world.a.police,
        requested_by=world.a.users["assessor"],
        state=ContributionState.ACCEPTED,
    )
    result = results(assessment)["layered_consent"]
    assert not result.passed
    assert "the consent excludes that agency" in result.reasons[0]


def test_layered_consent_fails_with_a_copy_given_to_an_agency_the_consent_does_not_cover(world):
    assessment = ready_case(world)
    # Stand-in for the copies service (another helper's): a copy given to the police.
    Distribution.objects.create(
        version=latest_version(assessment),
        recipient=CopyRecipient.SERVICE,
        agency=world.a.police,
        given_on=TODAY,
        recorded_by=world.a.users["assessor"],
    )
    result = results(assessment)["layered_consent"]
    assert not result.passed and world.a.police.name in result.reasons[0]


def test_signed_and_dated_passes_with_both_signatures(world):
    assessment = ready_case(world)
    sign_off(assessment, world.a.users["assessor"])
    assert results(assessment)["signed_and_dated"].passed


def test_signed_and_dated_fails_without_the_familys_signature(world):
    assessment = ready_case(world)
    sign_off(assessment, world.a.users["assessor"], family=False)
    result = results(assessment)["signed_and_dated"]
    assert not result.passed and "child's or parent's signature" in result.reasons[0]


def test_signed_and_dated_passes_with_a_scan_of_the_signed_form(world):
    assessment = ready_case(world)
    AssessmentVersion.objects.filter(assessment=assessment).update(signature_scan="s/x.pdf")
    assert results(assessment)["signed_and_dated"].passed


def test_areas_completed_passes_when_every_domain_is_completed_with_findings(world):
    assessment = ready_case(world)
    write_sections(assessment, world.a.users["assessor"])
    assert results(assessment)["areas_completed"].passed


def test_areas_completed_fails_for_a_domain_not_completed_or_an_element_without_a_finding(world):
    assessment = ready_case(world)
    write_sections(assessment, world.a.users["assessor"])
    version = latest_version(assessment)
    AssessmentSection.objects.filter(version=version, key="family").update(
        status=SectionStatus.IN_PROGRESS
    )
    parents = AssessmentSection.objects.get(version=version, key="parents")
    first_element = version.framework[1]["elements"][0]["code"]
    parents.data[first_element] = {"finding": "", "statements": []}
    parents.save()

    result = results(assessment)["areas_completed"]
    assert not result.passed
    assert any("Family and environment: the section is not completed" in r for r in result.reasons)
    assert any("no finding recorded" in r for r in result.reasons)


# --- The coordinator's two checks and the decision -------------------------------------------


def test_every_check_passed_and_no_query_logs_the_caf(world):
    assessment = submitted(world)
    decided = validate(world, assessment)

    assert decided.outcome == ValidationOutcome.LOGGED
    assert (
        decided.results["safeguarding"]["passed"]
        and not decided.results["safeguarding"]["computed"]
    )
    assert assessment.state == AssessmentState.LOGGED
    assert assessment.logged_reference == f"CAF/NORTH/{TODAY.year}/00001"
    assert (assessment.logged_on, assessment.logged_by) == (TODAY, coordinator(world))
    assert assessment.case.state == CaseState.LOGGED and assessment.case.logged_on == TODAY


def test_safeguarding_not_confirmed_returns_the_assessment_with_a_query(world):
    assessment = submitted(world)
    decided = validate(
        world,
        assessment,
        confirmations={"safeguarding": False, "single_agency": True},
        notes={"safeguarding": "The police contact in March is not mentioned."},
    )

    assert decided.outcome == ValidationOutcome.RETURNED
    query = decided.queries.get()
    assert query.check_code == "safeguarding"
    assert "The police contact in March is not mentioned." in query.question
    assert decided.results["safeguarding"]["note"].startswith("The police contact")
    assert assessment.state == AssessmentState.RETURNED


def test_single_agency_services_not_confirmed_returns_the_assessment(world):
    assessment = submitted(world)
    decided = validate(world, assessment, confirmations={"safeguarding": True})
    assert decided.outcome == ValidationOutcome.RETURNED
    assert decided.queries.get().check_code == "single_agency"


def test_a_failed_computed_check_goes_back_as_a_query_with_its_reasons(world):
    assessment = submitted(world, ethnicity=Ethnicity.NOBT)
    decided = validate(world, assessment)
    assert decided.outcome == ValidationOutcome.RETURNED
    assert "ethnicity" in decided.queries.get(check_code="demographics").question


# --- The returned-for-correction loop --------------------------------------------------------


def test_the_returned_for_correction_loop_ends_logged(world, login):
    assessment = submitted(world)
    case = assessment.case
    assessor = world.a.users["assessor"]
    coordinator_client = login(coordinator(world))

    # The coordinator asks a question through the page.
    response = coordinator_client.post(
        f"/cases/{case.pk}/assessment/validate/",
        {
            "confirm_safeguarding": "on",
            "confirm_single_agency": "on",
            "query_1_check": "",
            "query_1_question": "Which school year is Robin in?",
        },
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    case.refresh_from_db()
    assert assessment.state == AssessmentState.RETURNED and case.state == CaseState.RETURNED
    assert version_is_editable(latest_version(assessment))

    # The question is a task for the assessor, with no case content in it (R-AUDIT-3).
    query = ValidationQuery.objects.get(validation__assessment=assessment)
    task = Task.objects.get(pk=query.task_id)
    assert (task.kind, task.assigned_to, task.done_at) == (
        TaskKind.ASSESSMENT_QUERY,
        assessor,
        None,
    )
    assert task.message == QUERY_TASK_MESSAGE and case.child.family_name not in task.message

    # Resubmitting before answering is refused, and the answer typed is kept.
    assessor_client = login(assessor)
    url = f"/cases/{case.pk}/assessment/queries/"
    assert task.link == url and f'href="{url}"' in assessor_client.get("/").content.decode()
    page = assessor_client.get(url).content.decode()
    assert "Which school year is Robin in?" in page
    refused = assessor_client.post(url, {"action": "resubmit"})
    assert "Write your answer to this query." in refused.content.decode()
    assert Validation.objects.filter(assessment=assessment).count() == 1

    response = assessor_client.post(url, {f"answer_{query.pk}": "Year 4", "action": "resubmit"})
    assert response.status_code == 302
    query.refresh_from_db()
    task.refresh_from_db()
    assert query.answer == "Year 4" and query.answered_by == assessor and task.done_at

    # Back in the queue, marked as a resubmission, with the answer for the coordinator.
    assessment.refresh_from_db()
    case.refresh_from_db()
    assert assessment.state == AssessmentState.SUBMITTED and case.state == CaseState.SUBMITTED
    queue = coordinator_client.get("/assessments/queue/").content.decode()
    assert case.reference in queue and "Resubmitted" in queue
    validation_page = coordinator_client.get(f"/cases/{case.pk}/assessment/validate/")
    assert "Year 4" in validation_page.content.decode()

    response = coordinator_client.post(
        f"/cases/{case.pk}/assessment/validate/",
        {"confirm_safeguarding": "on", "confirm_single_agency": "on"},
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    case.refresh_from_db()
    assert assessment.state == AssessmentState.LOGGED and case.state == CaseState.LOGGED
    assert Validation.objects.filter(assessment=assessment).count() == 2


def test_an_answer_after_resubmission_is_refused(world):
    assessment = submitted(world)
    validate(world, assessment, queries=[("", "Which year?")])
    query = ValidationQuery.objects.get()
    query_answer(query=query, by=world.a.users["assessor"], answer="Year 4")
    assessment_submit(assessment=assessment, by=world.a.users["assessor"])
    with pytest.raises(AssessmentError, match="closed"):
        query_answer(query=query, by=world.a.users["assessor"], answer="Year 5")


def test_validation_summary_gives_the_latest_validation_and_its_open_queries(world):
    assessment = submitted(world)
    assert checks.validation_summary(assessment).waiting
    validate(world, assessment, queries=[("", "Which year?"), ("safeguarding", "Police?")])
    summary = checks.validation_summary(assessment)
    assert summary.returned and len(summary.open_queries) == 2
    query_answer(query=summary.open_queries[0], by=world.a.users["assessor"], answer="Year 4")
    assert len(checks.validation_summary(assessment).open_queries) == 1


# --- The log reference -----------------------------------------------------------------------


def test_references_are_unique_in_each_tenant_and_shown(world, login):
    first, second = submitted(world), submitted(world)
    other = submitted(world, "b")
    validate(world, first)
    validate(world, second)
    validate(world, other, by=coordinator(world, "b"))

    assert first.logged_reference == f"CAF/NORTH/{TODAY.year}/00001"
    assert second.logged_reference == f"CAF/NORTH/{TODAY.year}/00002"
    assert other.logged_reference == f"CAF/WEST/{TODAY.year}/00001"
    page = login(coordinator(world)).get(f"/cases/{second.case_id}/assessment/validate/")
    assert second.logged_reference in page.content.decode()
    data = api(coordinator(world)).get(f"/api/assessments/{first.case_id}/validation/").json()
    assert data["logged_reference"] == first.logged_reference


def test_a_later_version_logged_again_keeps_its_first_reference(world):
    assessment = submitted(world)
    validate(world, assessment)
    reference = assessment.logged_reference
    # Stand-in for the versions service (another helper's): version 2 after a TAC.
    AssessmentVersion.objects.create(
        assessment=assessment,
        number=2,
        reason=VersionReason.TAC,
        created_by=world.a.users["assessor"],
        framework=framework_snapshot(world.a.tenant.pk),
    )
    Assessment.objects.filter(pk=assessment.pk).update(state=AssessmentState.IN_PROGRESS)
    write_sections(assessment, world.a.users["assessor"])
    sign_off(assessment, world.a.users["assessor"])
    assessment_submit(assessment=assessment, by=world.a.users["assessor"])

    validate(world, assessment)
    assert assessment.state == AssessmentState.LOGGED
    assert assessment.logged_reference == reference


# --- Who may decide ---------------------------------------------------------------------------


def test_a_coordinator_who_is_also_the_assessor_cannot_validate(world, login):
    both = make_staff(
        world.a.tenant,
        [(world.a.school, Role.PRACTITIONER), (world.a.caf_team, Role.CAF_COORDINATOR)],
    )
    assessment = ready_case(world, assessor=both)
    write_sections(assessment, both)
    sign_off(assessment, both)
    assessment_submit(assessment=assessment, by=both)

    with pytest.raises(AssessmentError, match="You wrote this assessment"):
        validate(world, assessment, by=both)
    page = login(both).get(f"/cases/{assessment.case_id}/assessment/validate/").content.decode()
    assert "You wrote this assessment, so you cannot validate it" in page
    assert Validation.objects.get(assessment=assessment).outcome == ValidationOutcome.PENDING


def test_a_coordinator_who_saved_a_section_cannot_validate(world):
    assessment = ready_case(world)
    write_sections(assessment, world.a.users["assessor"])
    AssessmentSection.objects.filter(key="views").update(saved_by=coordinator(world))
    sign_off(assessment, world.a.users["assessor"])
    assessment_submit(assessment=assessment, by=world.a.users["assessor"])
    with pytest.raises(AssessmentError, match="You wrote this assessment"):
        validate(world, assessment)


@pytest.mark.parametrize("member", ["chair", "caf_manager"])
def test_a_caf_team_member_who_is_not_a_coordinator_cannot_decide(world, login, member):
    assessment = submitted(world)
    user = world.a.users[member]
    with pytest.raises(AssessmentError, match="Only a CAF coordinator"):
        validate(world, assessment, by=user)

    url = f"/cases/{assessment.case_id}/assessment/validate/"
    client = login(user)
    assert client.get(url).status_code == 200
    response = client.post(url, {"confirm_safeguarding": "on", "confirm_single_agency": "on"})
    assert "Only a CAF coordinator" in response.content.decode()
    answer = api(user).post(
        f"/api/assessments/{assessment.case_id}/validation/",
        {"confirmations": ALL_TICKED},
        format="json",
    )
    assert answer.status_code == 400
    assert Validation.objects.get(assessment=assessment).outcome == ValidationOutcome.PENDING


def test_a_decided_submission_cannot_be_decided_again(world):
    assessment = submitted(world)
    validate(world, assessment, queries=[("", "Which year?")])
    with pytest.raises(AssessmentError, match="already been decided"):
        validate(world, assessment)


def _at_once(monkeypatch, decisions, *, held_in: str = "checklist") -> list[str]:
    """Run each (assessment, coordinator) decision in a thread of its own, all released
    together, each held open inside its transaction (after ``held_in`` in the service) so
    that the others arrive meanwhile."""
    target = f"assessments.services.validation.{held_in}"
    real = getattr(validation_services, held_in)

    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(target, slow)
    start, outcomes = threading.Barrier(len(decisions)), []

    def decide(assessment, user):
        try:
            start.wait(5)
            assessment_validate(
                assessment=Assessment.objects.get(pk=assessment.pk),
                by=user,
                confirmations=ALL_TICKED,
            )
            outcomes.append("logged")
        except AssessmentError as error:
            outcomes.append(error.message)
        except Exception as error:  # reported to the test, which fails on it
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=decision) for decision in decisions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_deciding_at_once_decide_once(world, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write; the row lock is PostgreSQL's")
    assessment = submitted(world)
    second = make_staff(world.a.tenant, [(world.a.caf_team, Role.CAF_COORDINATOR)])

    outcomes = _at_once(monkeypatch, [(assessment, coordinator(world)), (assessment, second)])

    assert outcomes == ["This submission has already been decided.", "logged"]
    assert Validation.objects.get(assessment=assessment).outcome == ValidationOutcome.LOGGED
    assert Assessment.objects.get(pk=assessment.pk).logged_reference.endswith("/00001")


@pytest.mark.django_db(transaction=True)
def test_two_cafs_logged_at_once_take_different_references(world, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write; the row lock is PostgreSQL's")
    first, second = submitted(world), submitted(world)
    colleague = make_staff(world.a.tenant, [(world.a.caf_team, Role.CAF_COORDINATOR)])

    outcomes = _at_once(
        monkeypatch, [(first, coordinator(world)), (second, colleague)], held_in="_next_reference"
    )

    assert outcomes == ["logged", "logged"]
    references = set(
        Assessment.objects.filter(pk__in=[first.pk, second.pk]).values_list(
            "logged_reference", flat=True
        )
    )
    assert references == {f"CAF/NORTH/{TODAY.year}/00001", f"CAF/NORTH/{TODAY.year}/00002"}


# --- The queue ----------------------------------------------------------------------------------


def test_the_queue_shows_submissions_oldest_first_with_what_the_team_needs(world, login):
    newer, older = submitted(world), submitted(world)
    Assessment.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - timedelta(days=3))
    page = login(coordinator(world)).get("/assessments/queue/").content.decode()
    assert page.index(older.case.reference) < page.index(newer.case.reference)
    assert older.case.child.full_name in page and world.a.school.name in page
    rows = api(coordinator(world)).get("/api/assessment-queue/").json()["results"]
    assert [row["reference"] for row in rows] == [older.case.reference, newer.case.reference]
    assert rows[0]["days_waiting"] == 3 and rows[0]["resubmission"] is False
    assert rows[0]["agency"] == world.a.school.name and rows[0]["late"] is False


def test_the_queue_leaves_out_decided_and_other_tenants_submissions(world, login):
    waiting, decided = submitted(world), submitted(world)
    theirs = submitted(world, "b")
    validate(world, decided)
    page = login(coordinator(world)).get("/assessments/queue/").content.decode()
    assert waiting.case.reference in page
    assert decided.case.reference not in page
    assert theirs.case.child.family_name not in page


def test_the_queue_is_logged_as_a_list(world, login):
    from audit.models import AccessAction, AccessLogEntry

    assessment = submitted(world)
    login(coordinator(world)).get("/assessments/queue/")
    api(coordinator(world)).get("/api/assessment-queue/")
    entries = AccessLogEntry.objects.filter(action=AccessAction.LIST, detail__contains="queue")
    assert entries.count() == 2
    assert all(assessment.case.reference in entry.detail for entry in entries)


def test_the_queue_is_the_caf_teams_only(world, login):
    assessment = submitted(world)
    practitioner = world.a.users["school_practitioner"]
    assert login(practitioner).get("/assessments/queue/").status_code == 404
    assert api(practitioner).get("/api/assessment-queue/").status_code == 404
    # Another tenant's coordinator has a queue of their own, without this submission; its
    # validation page is a 404 to them like any other case of another tenant.
    theirs = world.b.users["coordinator"]
    client = login(theirs)
    assert assessment.case.reference not in client.get("/assessments/queue/").content.decode()
    assert api(theirs).get("/api/assessment-queue/").json()["results"] == []
    url = f"/cases/{assessment.case_id}/assessment/validate/"
    assert client.get(url).status_code == 404


def _queue_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_queue_costs_the_same_queries_for_5_and_25_submissions(world, login):
    client = login(coordinator(world))
    token = api(coordinator(world))
    for _ in range(5):
        submitted(world)
    few = _queue_queries(client, "/assessments/queue/")
    few_api = _queue_queries(token, "/api/assessment-queue/")
    for _ in range(20):
        submitted(world)
    many = _queue_queries(client, "/assessments/queue/")
    many_api = _queue_queries(token, "/api/assessment-queue/")
    assert few == many and few_api == many_api
    assert len(api(coordinator(world)).get("/api/assessment-queue/").json()["results"]) == 25


def test_the_queue_pages_by_25_without_counting_the_whole_queue(world, login):
    for _ in range(26):
        submitted(world)
    client = login(coordinator(world))
    first = client.get("/assessments/queue/").content.decode()
    second = client.get("/assessments/queue/?page=2").content.decode()
    assert first.count('href="/cases/') == 25 and "?page=2" in first
    assert second.count('href="/cases/') == 1 and "?page=1" in second
    assert client.get("/assessments/queue/?page=abc").status_code == 200
    body = api(coordinator(world)).get("/api/assessment-queue/").json()
    assert body["next"] and "count" not in body


# --- The API ------------------------------------------------------------------------------------


def test_the_api_walks_submission_return_answers_and_logging(world):
    assessment = ready_case(world)
    assessor, case_id = world.a.users["assessor"], assessment.case_id
    write_sections(assessment, assessor)
    sign_off(assessment, assessor)
    mine, theirs = api(assessor), api(coordinator(world))

    response = mine.post(f"/api/assessments/{case_id}/submit/")
    assert response.status_code == 201 and response.json()["outcome"] == "pending"
    checklist = theirs.get(f"/api/assessments/{case_id}/validation/").json()
    assert [c["check"] for c in checklist["checks"]] == list(ValidationCheck.values)
    assert checklist["may_decide"] is True

    assert (
        theirs.post(f"/api/assessments/{case_id}/validation/", {}, format="json").status_code == 400
    )
    decided = theirs.post(
        f"/api/assessments/{case_id}/validation/",
        {"confirmations": ALL_TICKED, "queries": [{"question": "Which year?"}]},
        format="json",
    )
    assert decided.status_code == 200 and decided.json()["state"] == "returned"

    queries = mine.get(f"/api/assessments/{case_id}/queries/").json()
    query_id = queries["returned"]["queries"][0]["id"]
    unknown = mine.post(
        f"/api/assessments/{case_id}/queries/",
        {"answers": [{"id": query_id + 1000, "answer": "x"}]},
        format="json",
    )
    assert unknown.status_code == 400
    answered = mine.post(
        f"/api/assessments/{case_id}/queries/",
        {"answers": [{"id": query_id, "answer": "Year 4"}], "resubmit": True},
        format="json",
    )
    assert answered.status_code == 200 and answered.json()["state"] == "submitted"

    logged = theirs.post(
        f"/api/assessments/{case_id}/validation/", {"confirmations": ALL_TICKED}, format="json"
    )
    assert logged.json()["logged_reference"] == f"CAF/NORTH/{TODAY.year}/00001"
    assert logged.json()["history"][1]["queries"][0]["answer"] == "Year 4"


# --- Access: 404 alike for another tenant and an agency without a grant ------------------------


def test_every_route_is_404_for_another_tenant_and_an_agency_without_a_grant(world, login):
    assessment = submitted(world)
    case_id = assessment.case_id
    pages = [
        ("post", f"/cases/{case_id}/assessment/submit/"),
        ("get", f"/cases/{case_id}/assessment/validate/"),
        ("post", f"/cases/{case_id}/assessment/validate/"),
        ("get", f"/cases/{case_id}/assessment/queries/"),
        ("post", f"/cases/{case_id}/assessment/queries/"),
    ]
    apis = [
        ("post", f"/api/assessments/{case_id}/submit/"),
        ("get", f"/api/assessments/{case_id}/validation/"),
        ("post", f"/api/assessments/{case_id}/validation/"),
        ("get", f"/api/assessments/{case_id}/queries/"),
        ("post", f"/api/assessments/{case_id}/queries/"),
    ]
    # The police are excluded by the family's consent; the other tenant's team sees nothing.
    for user in (world.a.users["police_practitioner"], world.b.users["coordinator"]):
        client, token = login(user), api(user)
        for method, url in pages:
            assert getattr(client, method)(url).status_code == 404, (user, method, url)
        for method, url in apis:
            assert getattr(token, method)(url, {}, format="json").status_code == 404, (user, url)
    # The assessor's own agency does not validate either.
    colleague = world.a.users["school_practitioner"]
    assert login(colleague).get(f"/cases/{case_id}/assessment/validate/").status_code == 404
    assert api(colleague).get(f"/api/assessments/{case_id}/validation/").status_code == 404
    assert Validation.objects.get(assessment=assessment).outcome == ValidationOutcome.PENDING
