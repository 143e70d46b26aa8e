"""Sign-off, the family's copy as a PDF, withholding it, the copies given and the stored scan
of the signed page (R-ASSESS-4, R-ASSESS-5, R-AUDIT-4, R-CONSENT-4, R-CONSENT-9)."""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from knox.models import AuthToken
from pypdf import PdfReader, PdfWriter
from rest_framework.test import APIClient

from agencies.models import AgencyKind, Role
from assessments.framework import OPTIONAL_SECTIONS, SectionStatus
from assessments.models import (
    AssessmentSection,
    AssessmentState,
    Contribution,
    ContributionState,
    CopyRecipient,
    Distribution,
    SectionDraft,
)
from assessments.selectors import current_version, section_keys
from assessments.services import AssessmentError, assessment_begin
from assessments.services.sign_off import assessment_sign_off, distribution_record
from audit.models import AccessAction, AccessLogEntry, ChangeLogEntry
from cases.models import CaseState
from consent.services import confidential_note_add, consent_record
from tests.factories import make_agency, make_staff

TODAY = timezone.localdate()
CONFIDENTIAL = "Dad drinks on Fridays, do not record"
UNACCEPTED = "Police text still waiting for the assessor"
ACCEPTED = "Attends the youth club every week"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture
def health(world):
    """An agency the family's consent covers (it exists before consent is given)."""
    return make_agency(world.a.tenant, "north Health Visiting", AgencyKind.HEALTH_VISITING)


@pytest.fixture
def assessment(world, health):
    """The case's assessment, begun with consent that shares with every agency but the police."""
    consent_record(
        case=world.a.case,
        by=world.a.users["assessor"],
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="all_except",
        agencies=[world.a.police],
        method="written",
        signed_name="Pat Parent",
        signed_on=TODAY,
    )
    return assessment_begin(case=world.a.case, by=world.a.users["assessor"])


def statement(user, text, **extra):
    return {
        "kind": "need",
        "text": text,
        "whose": "Mother",
        "nature": "opinion",
        "by": user.pk,
        "contribution": None,
        **extra,
    }


def write_sections(assessment, by, *, skip=(), status=SectionStatus.COMPLETED):
    """Every section of the current version saved (completed unless told), with content in
    each: the one place these tests write sections, until the sections service is on main."""
    version = current_version(assessment)
    domains = {domain["code"]: domain for domain in version.framework}
    for key in section_keys(version):
        if key in skip:
            continue
        if key == "about":
            data = {
                "present": "Mother and Jamie at school",
                "reason": "Falling attendance since spring",
                "completing_agency": assessment.case.assessor_agency_id,
            }
        elif key == "checklist":
            data = {"outcomes": {"stay_safe": "not_sure"}, "questions": {}, "notes": ""}
        elif key == "views":
            data = {"child": "I like art lessons", "parents": "We need help at mornings"}
        elif key == "conclusions":
            data = {
                "outcomes_at_risk": ["enjoy_and_achieve"],
                "level_of_need": 2,
                "priority_groups": ["persistent_absence"],
                "summary": "",
            }
        else:
            data = {
                element["code"]: {
                    "finding": "recorded",
                    "statements": [statement(by, f"Need in {element['code']}")],
                }
                for element in domains[key]["elements"]
            }
        AssessmentSection.objects.update_or_create(
            version=version,
            key=key,
            defaults={"data": data, "status": status, "saved_by": by},
        )
    return version


def signatures(**extra) -> dict:
    return {
        "assessor_signed_name": "Alex Assessor",
        "assessor_signed_on": TODAY,
        "family_signed_name": "Pat Parent",
        "family_signed_relationship": "mother",
        "family_signed_on": TODAY,
        **extra,
    }


def sign(world, assessment, **extra):
    version = current_version(assessment)
    return assessment_sign_off(version=version, by=world.a.users["assessor"], **signatures(**extra))


def page_fields(**extra) -> dict:
    return {
        "assessor_signed_name": "Alex Assessor",
        "assessor_signed_on": f"{TODAY:%d/%m/%Y}",
        "family_signed_name": "Pat Parent",
        "family_signed_relationship": "mother",
        "family_signed_on": f"{TODAY:%d/%m/%Y}",
        "family_copy": "give",
        **extra,
    }


def api(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pages_of(response) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages]


def without_tokens(response) -> bytes:
    return re.sub(rb'(nonce|value|csrfmiddlewaretoken)="[^"]*"', b"", response.content)


# --- Sign-off ------------------------------------------------------------------------------------


def test_sign_off_is_refused_naming_the_sections_not_completed(world, login, assessment):
    write_sections(assessment, world.a.users["assessor"], skip=("views",))
    version = current_version(assessment)
    AssessmentSection.objects.filter(version=version, key="family").update(
        status=SectionStatus.IN_PROGRESS
    )

    with pytest.raises(AssessmentError) as refused:
        sign(world, assessment)
    page = login(world.a.users["assessor"]).post(
        f"/cases/{world.a.case.pk}/assessment/sign-off/", page_fields()
    )

    message = refused.value.message
    assert "The child's and the parents' views" in message
    assert "Family and environment" in message
    assert "About the assessment" not in message
    assert "Pre-assessment checklist" not in message  # optional (R-ASSESS-8)
    assert page.status_code == 200
    assert "Family and environment" in page.content.decode()
    assert 'value="Pat Parent"' in page.content.decode()  # nothing typed lost
    version.refresh_from_db()
    assert version.completed_on is None
    assert not Distribution.objects.exists()


def test_the_checklist_is_not_needed_to_sign_off(world, assessment):
    assert OPTIONAL_SECTIONS
    write_sections(assessment, world.a.users["assessor"], skip=OPTIONAL_SECTIONS)

    version = sign(world, assessment)

    assert version.completed_on == TODAY


def test_sign_off_records_completion_and_the_first_copies(world, login, assessment):
    write_sections(assessment, world.a.users["assessor"])
    client = login(world.a.users["assessor"])

    response = client.post(f"/cases/{world.a.case.pk}/assessment/sign-off/", page_fields())

    assert response.status_code == 302
    version = current_version(assessment)
    assessment.refresh_from_db()
    world.a.case.refresh_from_db()
    assert version.completed_on == TODAY
    assert version.signed_off_by == world.a.users["assessor"]
    assert version.submit_by == TODAY + timedelta(days=28)
    assert assessment.state == AssessmentState.SIGNED
    assert world.a.case.state == CaseState.ASSESSMENT  # the case's state is left alone
    assert world.a.case.assessment_completed_on == TODAY
    copies = {copy.recipient: copy for copy in Distribution.objects.filter(version=version)}
    assert set(copies) == {CopyRecipient.ASSESSOR, CopyRecipient.FAMILY}  # CAF team's: on submit
    assert copies[CopyRecipient.FAMILY].recipient_name == "Pat Parent"
    assert copies[CopyRecipient.ASSESSOR].given_on == TODAY
    signed_page = client.get(response["Location"]).content.decode()
    assert "28 days" in signed_page
    assert f"{version.submit_by:%-d %B %Y}" in signed_page


def test_the_sign_off_page_explains_the_28_days_and_what_is_missing(world, login, assessment):
    page = login(world.a.users["assessor"]).get(f"/cases/{world.a.case.pk}/assessment/sign-off/")

    text = page.content.decode()
    assert page.status_code == 200
    assert "28 days" in text
    assert f"{TODAY + timedelta(days=28):%-d %B %Y}" in text
    assert "About the assessment" in text  # not completed yet


def test_a_signed_version_cannot_be_signed_again(world, assessment):
    write_sections(assessment, world.a.users["assessor"])
    sign(world, assessment)

    with pytest.raises(AssessmentError, match="already signed off"):
        sign(world, assessment)
    assert Distribution.objects.count() == 2


@pytest.mark.parametrize("field", ["assessor_signed_on", "family_signed_on"])
def test_signature_dates_cannot_be_in_the_future(world, login, assessment, field):
    write_sections(assessment, world.a.users["assessor"])
    tomorrow = TODAY + timedelta(days=1)

    with pytest.raises(AssessmentError) as refused:
        sign(world, assessment, **{field: tomorrow})
    page = login(world.a.users["assessor"]).post(
        f"/cases/{world.a.case.pk}/assessment/sign-off/",
        page_fields(**{field: f"{tomorrow:%d/%m/%Y}"}),
    )

    assert refused.value.field == field
    assert "cannot be in the future" in refused.value.message
    assert page.status_code == 200
    assert f'id="id_{field}-error"' in page.content.decode()
    assert current_version(assessment).completed_on is None


def test_typed_names_are_needed_without_a_scan(world, assessment):
    write_sections(assessment, world.a.users["assessor"])

    with pytest.raises(AssessmentError) as refused:
        sign(world, assessment, family_signed_name="", family_signed_relationship="")

    assert refused.value.field == "family_signed_name"


def test_a_scan_of_the_signed_page_can_stand_for_typed_names(world, login, assessment):
    write_sections(assessment, world.a.users["assessor"])
    client = login(world.a.users["assessor"])
    fields = page_fields(assessor_signed_name="", family_signed_name="")
    fields["family_signed_relationship"] = ""

    refused = client.post(
        f"/cases/{world.a.case.pk}/assessment/sign-off/",
        {**fields, "signature_scan": SimpleUploadedFile("x.pdf", b"<svg onload=alert(1)>")},
    )
    signed = client.post(
        f"/cases/{world.a.case.pk}/assessment/sign-off/",
        {**fields, "signature_scan": SimpleUploadedFile("whatever.txt", pdf_bytes())},
    )

    assert refused.status_code == 200
    assert "The file must be a PDF, JPEG or PNG." in refused.content.decode()
    assert signed.status_code == 302
    version = current_version(assessment)
    assert re.fullmatch(r"signatures/[0-9a-f]{32}\.pdf", version.signature_scan.name)


def test_withholding_the_family_copy_needs_a_reason(world, login, assessment):
    write_sections(assessment, world.a.users["assessor"])
    client = login(world.a.users["assessor"])
    url = f"/cases/{world.a.case.pk}/assessment/sign-off/"

    refused = client.post(url, page_fields(family_copy="withhold"))
    with pytest.raises(AssessmentError) as by_service:
        sign(world, assessment, withhold_family_copy=True, family_copy_withheld_reason="  ")
    withheld = client.post(
        url,
        page_fields(
            family_copy="withhold", family_copy_withheld_reason="Father is not to know of it"
        ),
    )

    assert refused.status_code == 200
    assert "Give the reason the family" in refused.content.decode()
    assert by_service.value.field == "family_copy_withheld_reason"
    assert withheld.status_code == 302
    version = current_version(assessment)
    assert version.family_copy_withheld_reason == "Father is not to know of it"
    recipients = set(Distribution.objects.values_list("recipient", flat=True))
    assert recipients == {CopyRecipient.ASSESSOR}
    copies = client.get(f"/cases/{world.a.case.pk}/assessment/copies/").content.decode()
    assert "withheld" in copies and "Father is not to know of it" in copies
    with pytest.raises(AssessmentError, match="withheld"):
        distribution_record(
            version=version,
            by=world.a.users["assessor"],
            recipient=CopyRecipient.FAMILY,
            recipient_name="Pat Parent",
            given_on=TODAY,
        )


def test_the_api_signs_off_through_the_same_rules(world, assessment):
    client = api(world.a.users["assessor"])
    url = f"/api/assessments/{world.a.case.pk}/sign-off/"
    body = {**signatures(), "assessor_signed_on": TODAY.isoformat()}
    body["family_signed_on"] = TODAY.isoformat()

    incomplete = client.post(url, body, format="json")
    write_sections(assessment, world.a.users["assessor"])
    empty = client.post(url, {}, format="json")
    signed = client.post(url, body, format="json")

    assert incomplete.status_code == 400
    assert "About the assessment" in str(incomplete.json())
    assert empty.status_code == 400 and "assessor_signed_on" in empty.json()
    assert signed.status_code == 200
    assert signed.json()["completed_on"] == TODAY.isoformat()
    assert signed.json()["submit_by"] == (TODAY + timedelta(days=28)).isoformat()
    assert signed.json()["state"] == "signed"


# --- The PDF -------------------------------------------------------------------------------------

HEADINGS = [
    "Identifying details",
    "Who was present",
    "Reason for assessment",
    "The child's and the parents' views",
    "Development of the child or young person",
    "Parents and carers",
    "Family and environment",
    "Outcomes at risk",
    "Level of need",
    "Priority groups",
    "Signatures and dates",
]


def full_assessment(world, assessment):
    """Every section written and signed off, a confidential note, an accepted contribution
    and one still waiting (its text also wrongly present in the section, as a statement)."""
    assessor = world.a.users["assessor"]
    version = write_sections(assessment, assessor)
    confidential_note_add(case=world.a.case, by=assessor, text=CONFIDENTIAL)
    common = dict(
        version=version,
        key="family",
        contributor=world.a.users["police_practitioner"],
        agency=world.a.police,
        requested_by=assessor,
    )
    waiting = Contribution.objects.create(
        **common,
        state=ContributionState.SUBMITTED,
        data={"statements": [{"text": UNACCEPTED}]},
    )
    accepted = Contribution.objects.create(**common, state=ContributionState.ACCEPTED)
    section = AssessmentSection.objects.get(version=version, key="family")
    first = next(iter(section.data))
    section.data[first]["statements"] += [
        statement(assessor, UNACCEPTED, contribution=waiting.pk),
        statement(assessor, ACCEPTED, contribution=accepted.pk, whose="Youth worker"),
    ]
    section.save()
    sign(world, assessment)
    return version


def test_the_pdf_follows_the_national_form_with_the_marking_on_every_page(world, login, assessment):
    version = full_assessment(world, assessment)
    printer = world.a.users["coordinator"]

    response = login(printer).get(f"/cases/{world.a.case.pk}/assessment/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    pages = pages_of(response)
    assert len(pages) > 1
    for page in pages:
        assert "OFFICIAL-SENSITIVE" in page
        assert f"Printed by {printer.get_full_name()}" in page
        assert "DRAFT" not in page
    # Lines wrapped in a table cell joined again (a break after a hyphen adds no space).
    text = " ".join(re.sub(r"-\n", "-", " ".join(pages)).split())
    for heading in HEADINGS:
        assert heading in text, heading
    for domain in version.framework:
        for element in domain["elements"]:
            assert element["title"] in text, element["title"]
    assert world.a.case.child.full_name in text
    assert "Mother and Jamie at school" in text
    assert "I like art lessons" in text
    assert "Enjoy and achieve" in text
    assert "2: Additional" in text
    assert "Persistently absent from school" in text
    assert "Alex Assessor" in text and "Pat Parent (mother)" in text
    assert ACCEPTED in text and "Youth worker" in text


def test_the_pdf_never_holds_confidential_notes_unaccepted_contributions_or_drafts(
    world, login, assessment
):
    version = full_assessment(world, assessment)
    SectionDraft.objects.create(
        version=version,
        key="views",
        author=world.a.users["assessor"],
        data={"child": "Unsaved words typed in a draft"},
    )

    response = login(world.a.users["assessor"]).get(f"/cases/{world.a.case.pk}/assessment/pdf/")

    text = " ".join(pages_of(response))
    assert CONFIDENTIAL not in text and "Dad drinks" not in text
    assert UNACCEPTED not in text
    assert "Unsaved words" not in text
    assert ACCEPTED in text


def test_each_print_is_logged_with_the_version(world, login, assessment):
    full_assessment(world, assessment)
    user = world.a.users["school_practitioner"]

    login(user).get(f"/cases/{world.a.case.pk}/assessment/pdf/")
    api(user).get(f"/api/assessments/{world.a.case.pk}/pdf/?version=1")

    prints = AccessLogEntry.objects.filter(action=AccessAction.PRINT, case_id=world.a.case.pk)
    assert prints.count() == 2
    assert all(entry.user == user and "version 1" in entry.detail for entry in prints)


def test_a_draft_prints_marked_as_not_signed_off_on_every_page(world, login, assessment):
    write_sections(assessment, world.a.users["assessor"], skip=("conclusions",))

    response = login(world.a.users["assessor"]).get(f"/cases/{world.a.case.pk}/assessment/pdf/")

    pages = pages_of(response)
    assert all("DRAFT – not signed off" in page for page in pages)
    assert all("OFFICIAL-SENSITIVE" in page for page in pages)


def test_an_earlier_or_missing_version_by_number(world, login, assessment):
    full_assessment(world, assessment)
    client = login(world.a.users["assessor"])
    url = f"/cases/{world.a.case.pk}/assessment/pdf/"

    assert client.get(f"{url}?version=1").status_code == 200
    assert client.get(f"{url}?version=2").status_code == 404
    assert client.get(f"{url}?version=x").status_code == 404
    by_api = api(world.a.users["assessor"])
    assert by_api.get(f"/api/assessments/{world.a.case.pk}/pdf/?version=x").status_code == 400
    assert by_api.get(f"/api/assessments/{world.a.case.pk}/pdf/?version=9").status_code == 404


# --- Copies given ---------------------------------------------------------------------------------


def copy_fields(agency, **extra) -> dict:
    return {
        "version": "1",
        "recipient": "service",
        "recipient_name": "Sam Visitor",
        "agency": str(agency.pk),
        "given_on": f"{TODAY:%d/%m/%Y}",
        **extra,
    }


def test_a_copy_goes_with_the_action_plan_to_an_agency_consent_covers(
    world, login, assessment, health
):
    full_assessment(world, assessment)
    client = login(world.a.users["assessor"])

    response = client.post(f"/cases/{world.a.case.pk}/assessment/copies/", copy_fields(health))

    assert response.status_code == 302
    copy = Distribution.objects.get(recipient=CopyRecipient.SERVICE)
    assert copy.agency == health and copy.recorded_by == world.a.users["assessor"]
    page = client.get(response["Location"]).content.decode()
    for shown in ("Sam Visitor", health.name, "Pat Parent", "The assessor"):
        assert shown in page
    listed = api(world.a.users["coordinator"]).get(f"/api/assessments/{world.a.case.pk}/copies/")
    assert {row["recipient"] for row in listed.json()} == {"assessor", "family", "service"}


def test_no_copy_for_an_agency_the_family_excluded(world, login, assessment):
    full_assessment(world, assessment)
    police = world.a.police

    page = login(world.a.users["assessor"]).post(
        f"/cases/{world.a.case.pk}/assessment/copies/", copy_fields(police)
    )
    by_api = api(world.a.users["assessor"]).post(
        f"/api/assessments/{world.a.case.pk}/copies/",
        {
            "recipient": "service",
            "recipient_name": "PC Plod",
            "agency": police.pk,
            "given_on": TODAY.isoformat(),
        },
        format="json",
    )

    assert page.status_code == 200
    assert "consent does not cover" in page.content.decode()
    assert 'value="Sam Visitor"' in page.content.decode()
    assert by_api.status_code == 400 and "agency" in by_api.json()
    assert not Distribution.objects.filter(recipient=CopyRecipient.SERVICE).exists()


def test_no_copy_of_a_version_not_signed_off(world, assessment, health):
    with pytest.raises(AssessmentError, match="signed-off"):
        distribution_record(
            version=current_version(assessment),
            by=world.a.users["assessor"],
            recipient=CopyRecipient.SERVICE,
            recipient_name="Sam Visitor",
            given_on=TODAY,
            agency=health,
        )


def test_the_caf_teams_copy_is_not_recorded_here(world, assessment):
    version = full_assessment(world, assessment)

    with pytest.raises(AssessmentError, match="recorded"):
        distribution_record(
            version=version,
            by=world.a.users["assessor"],
            recipient=CopyRecipient.CAF_TEAM,
            recipient_name="CAF team",
            given_on=TODAY,
        )


# --- The signature scan ---------------------------------------------------------------------------


def signed_with_scan(world, assessment):
    write_sections(assessment, world.a.users["assessor"])
    return sign(world, assessment, signature_scan=SimpleUploadedFile("s.pdf", pdf_bytes()))


def test_who_may_see_the_case_gets_the_signature_scan(world, login, assessment, health):
    signed_with_scan(world, assessment)
    url = f"/cases/{world.a.case.pk}/assessment/signature/"

    for name in ("assessor", "school_practitioner", "coordinator"):
        response = login(world.a.users[name]).get(url)
        assert response.status_code == 200, name
        assert b"".join(response.streaming_content) == pdf_bytes()
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "no-store" in response["Cache-Control"]
        assert response["X-Content-Type-Options"] == "nosniff"
    by_api = api(world.a.users["coordinator"]).get(f"/api/assessments/{world.a.case.pk}/signature/")
    assert by_api.status_code == 200
    exports = AccessLogEntry.objects.filter(action=AccessAction.EXPORT, case_id=world.a.case.pk)
    assert exports.count() == 4


def test_everyone_else_gets_the_same_404_as_for_a_missing_scan(world, login, assessment):
    signed_with_scan(world, assessment)
    url = f"/cases/{world.a.case.pk}/assessment/signature/"

    for outsider in (world.a.users["police_practitioner"], world.b.users["coordinator"]):
        client = login(outsider)
        response = client.get(url)
        missing = client.get("/cases/99999999/assessment/signature/")
        assert response.status_code == missing.status_code == 404
        assert without_tokens(response) == without_tokens(missing)
        assert world.a.case.child.family_name.encode() not in response.content
        by_api = api(outsider).get(f"/api/assessments/{world.a.case.pk}/signature/")
        assert by_api.status_code == 404
    assert not AccessLogEntry.objects.filter(action=AccessAction.EXPORT).exists()


def test_no_scan_stored_is_a_404(world, login, assessment):
    write_sections(assessment, world.a.users["assessor"])
    sign(world, assessment)

    page = login(world.a.users["assessor"]).get(f"/cases/{world.a.case.pk}/assessment/signature/")
    by_api = api(world.a.users["assessor"]).get(f"/api/assessments/{world.a.case.pk}/signature/")

    assert page.status_code == by_api.status_code == 404


# --- Outsiders ------------------------------------------------------------------------------------

PAGES = [
    ("get", "sign-off/"),
    ("post", "sign-off/"),
    ("get", "pdf/"),
    ("get", "copies/"),
    ("post", "copies/"),
    ("get", "signature/"),
]
API = [
    ("post", "sign-off/"),
    ("get", "pdf/"),
    ("get", "copies/"),
    ("post", "copies/"),
    ("get", "signature/"),
]


def test_outsiders_get_404_on_every_page_and_api_route(world, login, assessment, health):
    full_assessment(world, assessment)
    case = world.a.case
    before = (Distribution.objects.count(), ChangeLogEntry.objects.count())
    # Another tenant's CAF team, and an agency the family excluded (no consent grant).
    for outsider in (world.b.users["coordinator"], world.a.users["police_practitioner"]):
        client = login(outsider)
        for method, path in PAGES:
            data = {"version": "1"} if method == "get" else copy_fields(health)
            response = getattr(client, method)(f"/cases/{case.pk}/assessment/{path}", data)
            assert response.status_code == 404, (outsider.username, method, path)
            assert case.child.family_name.encode() not in response.content
        for method, path in API:
            response = (
                getattr(api(outsider), method)(
                    f"/api/assessments/{case.pk}/{path}", {}, format="json"
                )
                if method == "post"
                else api(outsider).get(f"/api/assessments/{case.pk}/{path}")
            )
            assert response.status_code == 404, (outsider.username, method, path)
    assert (Distribution.objects.count(), ChangeLogEntry.objects.count()) == before
    assert not AccessLogEntry.objects.filter(
        action__in=[AccessAction.PRINT, AccessAction.EXPORT]
    ).exists()


def test_an_agency_with_a_grant_prints_but_neither_signs_nor_records_copies(
    world, login, assessment, health
):
    """Consent lets an agency see the case (and print it); working on it is the assessor's
    agency's and the CAF team's."""
    full_assessment(world, assessment)
    visitor = make_staff(world.a.tenant, [(health, Role.PRACTITIONER)], username="north-visitor")
    client = login(visitor)
    base = f"/cases/{world.a.case.pk}/assessment/"

    assert client.get(f"{base}pdf/").status_code == 200
    assert client.get(f"{base}signature/").status_code == 404  # none stored
    assert client.get(f"{base}sign-off/").status_code == 404
    assert client.get(f"{base}copies/").status_code == 404
    assert client.post(f"{base}copies/", copy_fields(health)).status_code == 404
    assert api(visitor).get(f"/api/assessments/{world.a.case.pk}/copies/").status_code == 404
