"""Writes to assessments, one module a concern: beginning one (here), sections and drafts,
sign-off and copies, submission and the CAF team's validation, versions and contributions.

Every service takes the acting user as ``by``, checks that they may do it on this case, runs
in one transaction under the assessment row's lock, audits with ``by`` as actor, and raises
``AssessmentError`` with a message written for the user."""

from django.db import transaction
from django.utils import timezone

from agencies.models import User
from assessments.models import (
    Assessment,
    AssessmentState,
    AssessmentVersion,
    Domain,
    LocalPrompt,
    VersionReason,
)
from audit.context import acting_as
from cafsite.errors import CafError
from cases.models import Case
from cases.permissions import CHANGE, acting_agency_id, user_may
from consent.services import assessment_start


class AssessmentError(CafError):
    pass


def acting(by: User, case: Case):
    """The audit context of a write on the case's assessment: by whom, for which agency."""
    return acting_as(by, agency_id=acting_agency_id(by, case))


def require_case_worker(case: Case, by: User) -> None:
    """The assessor's agency and the CAF team write the assessment (R-AUDIT-2); anyone else
    is told the case does not exist, as everywhere."""
    if not user_may(by, case, CHANGE):
        raise AssessmentError("Case not found.")


def lock(assessment: Assessment) -> Assessment:
    """Writes to one assessment queue behind each other on its row."""
    return Assessment.objects.select_for_update().select_related("case").get(pk=assessment.pk)


def latest_version(assessment: Assessment) -> AssessmentVersion:
    return assessment.versions.order_by("-number").first()


def version_is_editable(version: AssessmentVersion) -> bool:
    """Sections are written on the latest version until it is signed off; a version returned
    for correction by the CAF team opens again (R-ASSESS-6). Earlier versions never change
    (R-ASSESS-7)."""
    assessment = version.assessment
    latest = assessment.versions.order_by("-number").values_list("pk", flat=True).first()
    if version.pk != latest:
        return False
    return version.completed_on is None or assessment.state == AssessmentState.RETURNED


def signatures_withdraw(version: AssessmentVersion) -> None:
    """A version returned for correction that changes is no longer what the family signed:
    its sign-off is withdrawn, so it must be signed again before it is resubmitted
    (R-ASSESS-4). Called inside the caller's transaction, on the locked version."""
    if version.completed_on is None:
        return
    version.completed_on = None
    version.signed_off_by = None
    version.assessor_signed_name = ""
    version.assessor_signed_on = None
    version.family_signed_name = ""
    version.family_signed_relationship = ""
    version.family_signed_on = None
    version.signature_scan = ""
    version.save(
        update_fields=[
            "completed_on",
            "signed_off_by",
            "assessor_signed_name",
            "assessor_signed_on",
            "family_signed_name",
            "family_signed_relationship",
            "family_signed_on",
            "signature_scan",
        ]
    )


def framework_snapshot(tenant_id: int) -> list[dict]:
    """The domains, elements and prompts (national, then the tenant's own) of today, as a
    version is to keep them."""
    local: dict[int, list[str]] = {}
    for prompt in LocalPrompt.objects.filter(tenant_id=tenant_id, is_active=True):
        local.setdefault(prompt.element_id, []).append(prompt.text)
    return [
        {
            "code": domain.code,
            "title": domain.title,
            "elements": [
                {
                    "code": element.code,
                    "title": element.title,
                    "prompt": element.prompt,
                    "local_prompts": local.get(element.pk, []),
                }
                for element in domain.elements.all()
            ],
        }
        for domain in Domain.objects.prefetch_related("elements")
    ]


def assessment_begin(*, case: Case, by: User) -> Assessment:
    """Start the CAF of a case: consent to undertake and to record must be on record
    (R-CONSENT-1, checked by ``consent.services.assessment_start``, which moves the case into
    assessment). Creates the assessment and its first version, written on today's element
    list. Starting one already started returns it."""
    require_case_worker(case, by)
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        existing = Assessment.objects.filter(case=case).first()
        if existing is not None:
            return existing
        try:
            assessment_start(case=case, by=by)
        except CafError as error:
            raise AssessmentError(error.message, field=error.field) from error
        with acting(by, case):
            assessment = Assessment.objects.create(
                tenant_id=case.tenant_id,
                case=case,
                started_on=case.assessment_started_on or timezone.localdate(),
                started_by=by,
            )
            AssessmentVersion.objects.create(
                assessment=assessment,
                number=1,
                reason=VersionReason.FIRST,
                created_by=by,
                framework=framework_snapshot(case.tenant_id),
                completing_agency=case.assessor_agency,
            )
        return assessment
