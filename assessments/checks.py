"""What the CAF team reads when it validates (R-ASSESS-6, seed 000 §3.12): the seven checks,
the five the data answers computed here with their reasons, and the CAF team's queue.

Each computed check says why it fails in words a coordinator can put to the assessor; none
of them writes anything. ``validation_summary`` is the small read the case page and the
home page use.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from agencies.models import Agency
from agencies.roles import caf_team_of
from assessments.framework import DOMAIN_SECTIONS, Finding, SectionStatus
from assessments.models import (
    COMPUTED_CHECKS,
    Assessment,
    AssessmentSection,
    AssessmentState,
    AssessmentVersion,
    ContributionState,
    Validation,
    ValidationCheck,
    ValidationOutcome,
    ValidationQuery,
)
from cases.models import Case, Ethnicity, Gender
from consent.models import Consent, ShareScope
from consent.selectors import current_consent
from consent.services import consent_covers
from deadlines.rules import submission_due

# The checks only the coordinator can answer: they tick them, with a note.
COORDINATOR_CHECKS = tuple(check for check in ValidationCheck if check not in COMPUTED_CHECKS)


@dataclass(frozen=True)
class CheckResult:
    """One line of the checklist: passed or not, and why not (or what was found)."""

    check: str
    passed: bool
    computed: bool
    reasons: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return ValidationCheck(self.check).label


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _sections(version: AssessmentVersion) -> dict[str, AssessmentSection]:
    return {section.key: section for section in version.sections.all()}


def check_demographics(case: Case, sections: dict[str, AssessmentSection]) -> CheckResult:
    """Identification and demographics from the register, and who was present and why from
    the about section (R-ASSESS-3)."""
    child = case.child
    missing = []
    if not (child.given_name.strip() and child.family_name.strip()):
        missing.append("The child's first and last name are not both on the register.")
    if child.date_of_birth is None and child.expected_date_of_birth is None:
        missing.append("No date of birth (or expected date) on the register.")
    # An unborn child's gender may not be known yet; anyone else's should be.
    if child.gender == Gender.NOT_KNOWN and not child.is_unborn:
        missing.append("The child's gender is recorded as not known.")
    if child.ethnicity == Ethnicity.NOBT:
        missing.append("The child's ethnicity is recorded as not yet obtained.")
    if not (child.postcode.strip() or child.address_line_1.strip()):
        missing.append("No address or postcode on the register.")
    about = sections.get("about")
    data = about.data if about is not None and isinstance(about.data, dict) else {}
    if not _text(data.get("present")):
        missing.append("The assessment does not say who was present.")
    if not _text(data.get("reason")):
        missing.append("The assessment does not give the reason for it.")
    return CheckResult(ValidationCheck.DEMOGRAPHICS, not missing, True, tuple(missing))


def check_consent_signature(consent: Consent | None) -> CheckResult:
    """A current consent to undertake and to record, signed (a name and a date) or scanned
    (R-CONSENT-1, R-CONSENT-3)."""
    if consent is None:
        return CheckResult(
            ValidationCheck.CONSENT_SIGNATURE, False, True, ("No current consent on record.",)
        )
    missing = []
    if not consent.to_undertake:
        missing.append("The consent does not cover undertaking the CAF.")
    if not consent.to_record:
        missing.append("The consent does not cover recording the CAF.")
    signed = bool(consent.signed_name.strip() and consent.signed_on)
    if not (signed or consent.scan):
        missing.append("The consent has neither a signed name and date nor a scan.")
    return CheckResult(ValidationCheck.CONSENT_SIGNATURE, not missing, True, tuple(missing))


def _refusal(consent: Consent, agency: Agency) -> str:
    excluded = consent.agencies.filter(agency=agency, excluded=True).exists()
    return "excludes" if excluded else "does not cover"


def check_layered_consent(
    case: Case, version: AssessmentVersion, consent: Consent | None
) -> CheckResult:
    """A share scope is recorded, and nothing in the assessment came from or went to an
    agency the family did not agree to share with (R-CONSENT-4): no accepted contribution
    and no copy given to such an agency. The assessor's agency and the CAF team always may."""
    if consent is None or not consent.share_scope:
        return CheckResult(
            ValidationCheck.LAYERED_CONSENT,
            False,
            True,
            ("No current consent says which agencies the family agrees to share with.",),
        )
    caf_team = caf_team_of(case.tenant_id)
    always = {case.assessor_agency_id} | ({caf_team.pk} if caf_team else set())
    problems = []
    contributions = version.contributions.filter(state=ContributionState.ACCEPTED)
    for contribution in contributions.select_related("agency"):
        agency = contribution.agency
        if agency.pk not in always and not consent_covers(consent, agency):
            problems.append(
                f"A contribution from {agency.name} was accepted, but the consent "
                f"{_refusal(consent, agency)} that agency."
            )
    for copy in version.distributions.filter(agency__isnull=False).select_related("agency"):
        agency = copy.agency
        if agency.pk not in always and not consent_covers(consent, agency):
            problems.append(
                f"A copy was given to {agency.name}, but the consent "
                f"{_refusal(consent, agency)} that agency."
            )
    found = () if problems else (f"Share scope: {ShareScope(consent.share_scope).label}.",)
    return CheckResult(
        ValidationCheck.LAYERED_CONSENT, not problems, True, tuple(problems) or found
    )


def check_signed_and_dated(version: AssessmentVersion) -> CheckResult:
    """Signed and dated by the assessor and the child or parent, or a scan of the signed form
    (R-ASSESS-4)."""
    if version.signature_scan:
        return CheckResult(
            ValidationCheck.SIGNED_AND_DATED, True, True, ("A scan of the signed form is held.",)
        )
    missing = []
    if not (version.assessor_signed_name.strip() and version.assessor_signed_on):
        missing.append("The assessor's signature (name and date) is missing.")
    if not (version.family_signed_name.strip() and version.family_signed_on):
        missing.append("The child's or parent's signature (name and date) is missing.")
    return CheckResult(ValidationCheck.SIGNED_AND_DATED, not missing, True, tuple(missing))


def check_areas_completed(
    version: AssessmentVersion, sections: dict[str, AssessmentSection]
) -> CheckResult:
    """Each domain section of the element list the version was written on is completed, and
    each element has a finding: strengths or needs written, no concerns, or not assessed
    (R-ASSESS-1, R-ASSESS-2: not every box must be filled, but each says why not)."""
    missing = []
    findings = set(Finding.values)
    for domain in version.framework:
        if domain.get("code") not in DOMAIN_SECTIONS:
            continue
        section = sections.get(domain["code"])
        if section is None or section.status != SectionStatus.COMPLETED:
            missing.append(f"{domain['title']}: the section is not completed.")
            continue
        data = section.data if isinstance(section.data, dict) else {}
        for element in domain.get("elements", []):
            entry = data.get(element["code"])
            entry = entry if isinstance(entry, dict) else {}
            finding = entry.get("finding")
            if finding not in findings:
                missing.append(f"{domain['title']}, {element['title']}: no finding recorded.")
            elif finding == Finding.STRENGTHS_AND_NEEDS and not any(
                isinstance(s, dict) and _text(s.get("text")) for s in entry.get("statements", [])
            ):
                missing.append(
                    f"{domain['title']}, {element['title']}: strengths or needs are recorded "
                    "as found, but none is written."
                )
    return CheckResult(ValidationCheck.AREAS_COMPLETED, not missing, True, tuple(missing))


def computed_checks(assessment: Assessment, version: AssessmentVersion) -> dict[str, CheckResult]:
    """The five checks the data answers, by check code, in the order of seed 000 §3.12."""
    case = assessment.case
    sections = _sections(version)
    consent = current_consent(case)
    results = [
        check_demographics(case, sections),
        check_consent_signature(consent),
        check_layered_consent(case, version, consent),
        check_signed_and_dated(version),
        check_areas_completed(version, sections),
    ]
    return {str(result.check): result for result in results}


def checklist(
    assessment: Assessment,
    version: AssessmentVersion,
    confirmations: dict | None = None,
) -> list[CheckResult]:
    """The seven checks in the guidance's order: the computed ones from the data, the
    coordinator's as ticked (not ticked: not passed)."""
    confirmations = confirmations or {}
    computed = computed_checks(assessment, version)
    rows = []
    for check in ValidationCheck:
        if check in COMPUTED_CHECKS:
            rows.append(computed[str(check)])
        else:
            rows.append(CheckResult(str(check), confirmations.get(str(check)) is True, False))
    return rows


# --- The CAF team's queue -----------------------------------------------------------------

QUEUE_PAGE_SIZE = 25


def _pending(field_name: str) -> Subquery:
    return Subquery(
        Validation.objects.filter(
            assessment=OuterRef("pk"), outcome=ValidationOutcome.PENDING
        ).values(field_name)[:1]
    )


def queue_queryset(tenant_id: int):
    """Assessments of the tenant waiting for the CAF team, oldest submission first.

    One query, whatever the number of rows: the ``assessment_queue`` index answers the filter
    and the order; the case, child, assessor and agency come by join; whether it is a
    resubmission and when this version was first submitted come from subqueries on the
    few validations of each row shown."""
    first_submitted = Validation.objects.filter(
        assessment=OuterRef("pk"), version_id=OuterRef("pending_version_id")
    ).order_by("submitted_at", "id")
    return (
        Assessment.objects.filter(tenant_id=tenant_id, state=AssessmentState.SUBMITTED)
        .select_related("case__child", "case__assessor", "case__assessor_agency")
        .annotate(
            pending_version_id=_pending("version_id"),
            completed_on=_pending("version__completed_on"),
            first_submitted_at=Subquery(first_submitted.values("submitted_at")[:1]),
            resubmission=Exists(
                Validation.objects.filter(
                    assessment=OuterRef("pk"), outcome=ValidationOutcome.RETURNED
                )
            ),
        )
        .order_by("submitted_at", "id")
    )


@dataclass
class QueueRow:
    assessment: Assessment
    submitted_at: datetime
    days_waiting: int
    resubmission: bool
    late: bool
    submit_by: date | None

    @property
    def case(self) -> Case:
        return self.assessment.case


def queue_row(assessment: Assessment, today: date | None = None) -> QueueRow:
    """What the queue shows of one annotated row (``queue_queryset``). Late means this
    version first reached the CAF team more than 28 days after its completion (R-ASSESS-5);
    a return for correction does not make it late."""
    today = today or timezone.localdate()
    submitted = timezone.localtime(assessment.submitted_at)
    first = assessment.first_submitted_at or assessment.submitted_at
    submit_by = submission_due(assessment.completed_on) if assessment.completed_on else None
    return QueueRow(
        assessment=assessment,
        submitted_at=submitted,
        days_waiting=max((today - submitted.date()).days, 0),
        resubmission=assessment.resubmission,
        late=submit_by is not None and timezone.localtime(first).date() > submit_by,
        submit_by=submit_by,
    )


def submitted_late(validation: Validation) -> bool:
    """Whether the version of this submission first reached the CAF team after its due date
    (R-ASSESS-5): allowed, and shown."""
    submit_by = validation.version.submit_by
    if submit_by is None:
        return False
    first = (
        Validation.objects.filter(
            assessment_id=validation.assessment_id, version_id=validation.version_id
        )
        .order_by("submitted_at", "id")
        .values_list("submitted_at", flat=True)
        .first()
    )
    return timezone.localtime(first or validation.submitted_at).date() > submit_by


@dataclass
class QueuePage:
    rows: list[QueueRow]
    number: int
    has_next: bool
    has_previous: bool = field(init=False)

    def __post_init__(self) -> None:
        self.has_previous = self.number > 1


def queue_page(tenant_id: int, number: int = 1) -> QueuePage:
    """One page of the queue (25 rows): one query, no count of the whole queue."""
    number = max(number, 1)
    start = (number - 1) * QUEUE_PAGE_SIZE
    # The page's rows are found on the queue index alone, then read with their joins and
    # subqueries: an OFFSET over the annotated query would compute them for every row
    # skipped (measured: 1.9 s for the last page of 12,500 at 200,000 cases).
    waiting = Assessment.objects.filter(tenant_id=tenant_id, state=AssessmentState.SUBMITTED)
    ids = list(
        waiting.order_by("submitted_at", "id").values_list("pk", flat=True)[
            start : start + QUEUE_PAGE_SIZE + 1
        ]
    )
    found = list(queue_queryset(tenant_id).filter(pk__in=ids))
    today = timezone.localdate()
    rows = [queue_row(assessment, today) for assessment in found[:QUEUE_PAGE_SIZE]]
    return QueuePage(rows=rows, number=number, has_next=len(found) > QUEUE_PAGE_SIZE)


# --- For the case page and the home page ----------------------------------------------------


@dataclass
class ValidationSummary:
    """Where the assessment stands with the CAF team: its latest submission and decision,
    the queries still to answer, and the log reference once logged."""

    latest: Validation | None
    open_queries: list[ValidationQuery]
    logged_reference: str
    logged_on: date | None

    @property
    def waiting(self) -> bool:
        return self.latest is not None and self.latest.outcome == ValidationOutcome.PENDING

    @property
    def returned(self) -> bool:
        return self.latest is not None and self.latest.outcome == ValidationOutcome.RETURNED


def validation_summary(assessment: Assessment) -> ValidationSummary:
    """The latest validation and its unanswered queries (two queries). Show it only to
    someone who may see the case."""
    latest = (
        Validation.objects.filter(assessment=assessment)
        .select_related("decided_by")
        .order_by("-submitted_at", "-id")
        .first()
    )
    open_queries = []
    if latest is not None and latest.outcome == ValidationOutcome.RETURNED:
        open_queries = list(latest.queries.filter(answered_at__isnull=True))
    return ValidationSummary(
        latest=latest,
        open_queries=open_queries,
        logged_reference=assessment.logged_reference,
        logged_on=assessment.logged_on,
    )
