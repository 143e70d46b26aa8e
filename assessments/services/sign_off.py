"""Sign-off of a version and the copies given of it (R-ASSESS-4, seed 001 §4.9, seed 000
§3.11).

Sign-off records the signatures (typed names and dates, or a scan of the signed page), the
completion date that reports read (R-REPORT-1) and the first copies: the assessor's and, unless
giving it could put the child at risk, the family's. The CAF team's copy is recorded when the
assessment is submitted to it. Later copies go with the action plan to services providing
support, and only to agencies the family's consent lets see the case."""

from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, AgencyKind, User
from assessments.framework import OPTIONAL_SECTIONS, SectionStatus
from assessments.models import (
    AssessmentState,
    AssessmentVersion,
    CopyRecipient,
    Distribution,
    SectionDraft,
)
from assessments.selectors import section_keys, section_title
from assessments.services import (
    AssessmentError,
    acting,
    latest_version,
    lock,
    require_case_worker,
    version_is_editable,
)
from cafsite.uploads import UploadError, checked_document
from cafsite.validation import require, require_names, validate_event_date
from cases.models import Case
from consent.selectors import current_consent
from consent.services import agency_excluded, consent_covers

# Copies recorded through ``distribution_record``: the assessor's and the family's first
# copies come with sign-off, the CAF team's with submission.
LATER_RECIPIENTS = (CopyRecipient.FAMILY, CopyRecipient.SERVICE)


def _birth(case: Case) -> dict:
    return {"born": case.child.date_of_birth, "expected": case.child.expected_date_of_birth}


def incomplete_sections(version: AssessmentVersion) -> list[str]:
    """The titles of the sections a sign-off still needs, in task-list order: every section
    of the version except the optional checklist (R-ASSESS-8) must be saved as completed."""
    completed = set(
        version.sections.filter(status=SectionStatus.COMPLETED).values_list("key", flat=True)
    )
    return [
        section_title(version.framework, key)
        for key in section_keys(version)
        if key not in OPTIONAL_SECTIONS and key not in completed
    ]


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise AssessmentError("This case is closed: the assessment can no longer change.")


def _require_signable(version: AssessmentVersion) -> None:
    if not version_is_editable(version):
        if version.pk != latest_version(version.assessment).pk:
            raise AssessmentError("Only the current version of the assessment can be signed off.")
        raise AssessmentError("This version of the assessment is already signed off.")
    missing = incomplete_sections(version)
    if missing:
        raise AssessmentError(
            "Complete these sections before signing off: " + "; ".join(missing) + "."
        )
    # Nothing typed is lost: unsaved work on this version would be stranded by signing it.
    drafts = SectionDraft.objects.filter(version=version).select_related("author")
    if drafts:
        unsaved = [
            f"{draft.author.get_full_name() or draft.author.username} "
            f"({section_title(version.framework, draft.key)})"
            for draft in drafts
        ]
        raise AssessmentError(
            "There are unsaved changes to this version: "
            + "; ".join(unsaved)
            + ". Each needs saving (or the section saving again over it) before sign-off."
        )


def assessment_sign_off(
    *,
    version: AssessmentVersion,
    by: User,
    assessor_signed_name: str,
    assessor_signed_on: date | None,
    family_signed_name: str,
    family_signed_relationship: str,
    family_signed_on: date | None,
    signature_scan: UploadedFile | None = None,
    family_copy_withheld_reason: str = "",
    withhold_family_copy: bool | None = None,
) -> AssessmentVersion:
    """Sign off the current version (R-ASSESS-4): signed and dated by the assessor and by the
    child or a parent (typed names with the relationship, or a scan of the signed page through
    the safe upload path), each date on or before today. Only an editable latest version whose
    required sections are all completed can be signed off; the refusal names the rest.

    Records the completion date (today: R-REPORT-1, and the start of the 28 days to submit,
    R-ASSESS-5), who signed it off, the assessment as signed (the case's state is left alone),
    and the first copies: the assessor's, and the family's unless it is withheld. Withholding
    it needs the reason, which is recorded (seed 001 §4.9). ``withhold_family_copy`` left as
    None means "withheld if a reason is given". Raises ``AssessmentError``."""
    assessment = version.assessment
    case = assessment.case
    require_case_worker(case, by)
    _require_open(case)
    assessor_signed_name = (assessor_signed_name or "").strip()
    family_signed_name = (family_signed_name or "").strip()
    family_signed_relationship = (family_signed_relationship or "").strip()
    reason = (family_copy_withheld_reason or "").strip()
    if withhold_family_copy is None:
        withhold_family_copy = bool(reason)
    if withhold_family_copy and not reason:
        raise AssessmentError(
            "Give the reason the family's copy is withheld: it is recorded.",
            field="family_copy_withheld_reason",
        )
    if not withhold_family_copy:
        reason = ""
    require_names(
        AssessmentError,
        assessor_signed_name=assessor_signed_name,
        family_signed_name=family_signed_name,
        family_signed_relationship=family_signed_relationship,
    )
    if signature_scan:
        try:
            signature_scan = checked_document(signature_scan, field="signature_scan")
        except UploadError as error:
            raise AssessmentError(error.message, field=error.field) from error
    else:
        if not assessor_signed_name:
            raise AssessmentError(
                "Enter the assessor's name as signed, or upload a scan of the signed page.",
                field="assessor_signed_name",
            )
        if not family_signed_name:
            raise AssessmentError(
                "Enter the name of the child or parent who signed, or upload a scan of the "
                "signed page.",
                field="family_signed_name",
            )
    if family_signed_name and not family_signed_relationship:
        raise AssessmentError(
            "Enter who signed for the family: the child, or their relationship to the child.",
            field="family_signed_relationship",
        )
    started = timezone.localtime(version.created_at).date() if version.created_at else None
    for field, value in (
        ("assessor_signed_on", assessor_signed_on),
        ("family_signed_on", family_signed_on),
    ):
        if value is None:
            raise AssessmentError("Enter the date it was signed.", field=field)
        require(field, validate_event_date, value, AssessmentError, **_birth(case))
        if started and value < started:
            raise AssessmentError(
                f"The date cannot be before this version was begun ({started:%-d/%-m/%Y}).",
                field=field,
            )
    with transaction.atomic():
        assessment = lock(assessment)
        case = assessment.case
        _require_open(case)
        version = AssessmentVersion.objects.select_for_update().get(pk=version.pk)
        version.assessment = assessment
        _require_signable(version)
        today = timezone.localdate()
        with acting(by, case):
            version.completed_on = today
            version.signed_off_by = by
            version.assessor_signed_name = assessor_signed_name
            version.assessor_signed_on = assessor_signed_on
            version.family_signed_name = family_signed_name
            version.family_signed_relationship = family_signed_relationship
            version.family_signed_on = family_signed_on
            version.family_copy_withheld_reason = reason
            fields = [
                "completed_on",
                "signed_off_by",
                "assessor_signed_name",
                "assessor_signed_on",
                "family_signed_name",
                "family_signed_relationship",
                "family_signed_on",
                "family_copy_withheld_reason",
            ]
            if signature_scan:
                version.signature_scan = signature_scan
                fields.append("signature_scan")
            version.full_clean()
            version.save(update_fields=fields)
            # Signed again after a return for correction, it stays returned: its resubmission
            # carries the answers to the CAF team's queries.
            if assessment.state != AssessmentState.RETURNED:
                assessment.state = AssessmentState.SIGNED
                assessment.save(update_fields=["state"])
            if case.assessment_completed_on is None:
                # The episode's completion date, which the case page and reports show.
                case.assessment_completed_on = today
                case.save(update_fields=["assessment_completed_on", "updated_at"])
            _copy(
                version,
                by,
                CopyRecipient.ASSESSOR,
                assessor_signed_name or by.get_full_name() or by.username,
                today,
                agency=case.assessor_agency,
            )
            if not reason:
                _copy(version, by, CopyRecipient.FAMILY, family_signed_name, today)
        return version


def _copy(
    version: AssessmentVersion,
    by: User,
    recipient: str,
    name: str,
    given_on: date,
    agency: Agency | None = None,
) -> Distribution:
    copy = Distribution(
        version=version,
        recipient=recipient,
        recipient_name=name,
        agency=agency,
        given_on=given_on,
        recorded_by=by,
    )
    copy.full_clean()
    copy.save()
    return copy


def signed_versions(assessment) -> list[AssessmentVersion]:
    """The versions a copy can be given of: those signed off, newest first."""
    return list(assessment.versions.filter(completed_on__isnull=False).order_by("-number"))


def distribution_record(
    *,
    version: AssessmentVersion,
    by: User,
    recipient: str,
    recipient_name: str,
    given_on: date | None,
    agency: Agency | None = None,
) -> Distribution:
    """Record a copy of a signed-off version given after sign-off (R-ASSESS-4, seed 000 §3.11):
    to the family, or with the action plan to a service providing support. Consent decides
    who may have it: a copy for an agency the family excluded, or one without a live consent
    grant, is refused (R-CONSENT-4); the family's copy is refused where it was withheld
    because it could put the child at risk. Raises ``AssessmentError``."""
    assessment = version.assessment
    case = assessment.case
    require_case_worker(case, by)
    _require_open(case)
    if recipient not in LATER_RECIPIENTS:
        raise AssessmentError(
            "Record a copy for the family or for a service providing support: the assessor's "
            "copy is recorded at sign-off and the CAF team's on submission.",
            field="recipient",
        )
    recipient_name = (recipient_name or "").strip()
    require_names(AssessmentError, recipient_name=recipient_name)
    if not recipient_name:
        raise AssessmentError(
            "Enter the name of the person given the copy.", field="recipient_name"
        )
    if given_on is None:
        raise AssessmentError("Enter the date the copy was given.", field="given_on")
    require("given_on", validate_event_date, given_on, AssessmentError, **_birth(case))
    if recipient == CopyRecipient.SERVICE:
        if agency is None or agency.tenant_id != case.tenant_id:
            raise AssessmentError("Choose the agency given the copy.", field="agency")
        if agency.kind == AgencyKind.CAF_TEAM:
            raise AssessmentError(
                "The CAF team's copy is recorded when the assessment is submitted to it.",
                field="agency",
            )
        base = agency.pk == case.assessor_agency_id
        if agency_excluded(case, agency) or not (
            base or consent_covers(current_consent(case), agency)
        ):
            raise AssessmentError(
                f"The family's consent does not cover {agency.name}: it cannot be given a copy.",
                field="agency",
            )
    else:
        agency = None
    with transaction.atomic():
        assessment = lock(assessment)
        case = assessment.case
        version = AssessmentVersion.objects.get(pk=version.pk, assessment=assessment)
        if not version.is_signed_off:
            raise AssessmentError(
                "Copies are given of a signed-off version: sign this one off first."
            )
        if given_on < version.completed_on:
            raise AssessmentError(
                f"The date cannot be before the version was signed off "
                f"({version.completed_on:%-d/%-m/%Y}).",
                field="given_on",
            )
        if recipient == CopyRecipient.FAMILY and version.family_copy_withheld_reason:
            raise AssessmentError(
                "The family's copy of this version was withheld because giving it could put "
                "the child at risk.",
                field="recipient",
            )
        with acting(by, case):
            return _copy(version, by, recipient, recipient_name, given_on, agency=agency)
