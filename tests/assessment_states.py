"""Assessments in the states that carry rules, built through the services as people would
(written section by section, signed off, submitted), for the tests that start from them."""

from datetime import date

from django.utils import timezone

from assessments.framework import DOMAIN_SECTIONS
from assessments.models import Assessment
from assessments.selectors import current_version
from assessments.services import assessment_begin
from assessments.services.sections import section_save
from assessments.services.sign_off import assessment_sign_off
from assessments.services.validation import assessment_submit, assessment_validate
from cases.models import Ethnicity, Gender
from cases.services import case_open, child_register
from consent.services import consent_record


def consented_case(world, family_name: str, *, excluded=()):
    """A child with complete register details and consent to share with every agency but
    ``excluded``, on a case of world a's school assessor."""
    assessor = world.a.users["assessor"]
    child = child_register(
        by=assessor,
        given_name="Robin",
        family_name=family_name,
        date_of_birth=date(2016, 2, 3),
        gender=Gender.FEMALE,
        ethnicity=Ethnicity.WBRI,
        address_line_1="1 High Street",
        postcode="NS1 1AB",
    )
    case = case_open(child=child, assessor_agency=world.a.school, by=assessor)
    parent_consent(case, assessor, excluded=excluded)
    return case


def parent_consent(case, by, *, excluded=()):
    """The mother's written consent to share with every agency but ``excluded``."""
    return consent_record(
        case=case,
        by=by,
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="all_except",
        method="written",
        signed_name="Pat Parent",
        signed_on=timezone.localdate(),
        agencies=list(excluded),
    )


def section_data(version, key: str) -> dict:
    if key == "about":
        return {
            "present": "Robin and her mother",
            "reason": "Attendance has fallen.",
            "completing_agency": version.assessment.case.assessor_agency_id,
        }
    if key == "views":
        return {"child": "I am tired in the mornings.", "parents": "Mornings are hard."}
    if key == "conclusions":
        return {
            "outcomes_at_risk": [],
            "level_of_need": 2,
            "priority_groups": [],
            "summary": "Additional needs: a team around the child.",
        }
    if key in DOMAIN_SECTIONS:
        return {
            element["code"]: {"finding": "no_concerns", "statements": []}
            for domain in version.framework
            if domain["code"] == key
            for element in domain["elements"]
        }
    raise ValueError(key)


def write(assessment, by, keys=("about", "views", *DOMAIN_SECTIONS, "conclusions")) -> None:
    version = current_version(assessment)
    for key in keys:
        saved = version.sections.filter(key=key).first()
        section_save(
            version=version,
            key=key,
            data=section_data(version, key),
            base_revision=saved.revision if saved else 0,
            completed=True,
            by=by,
        )


def sign(assessment, by) -> None:
    today = timezone.localdate()
    assessment_sign_off(
        version=current_version(assessment),
        by=by,
        assessor_signed_name=by.get_full_name() or by.username,
        assessor_signed_on=today,
        family_signed_name="Pat Parent",
        family_signed_relationship="mother",
        family_signed_on=today,
    )


def submitted(world, family_name: str) -> Assessment:
    case = consented_case(world, family_name)
    assessor = world.a.users["assessor"]
    assessment = assessment_begin(case=case, by=assessor)
    write(assessment, assessor)
    sign(assessment, assessor)
    assessment_submit(assessment=assessment, by=assessor)
    return Assessment.objects.get(pk=assessment.pk)


def logged(world, family_name: str) -> Assessment:
    """A CAF the CAF team has validated and logged: ready for a forum or a TAC."""
    assessment = submitted(world, family_name)
    assessment_validate(
        assessment=assessment,
        by=world.a.users["coordinator"],
        confirmations={"safeguarding": True, "single_agency": True},
    )
    return Assessment.objects.get(pk=assessment.pk)
