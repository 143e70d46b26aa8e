"""The CAF assessment of a case: its versions and sections, drafts, contributions, the CAF
team's validation and log, and the copies given (R-ASSESS-1..8, R-REF-3).

Section content is stored as one JSON document a section (``AssessmentSection.data``), in the
shapes below; the columns reports and the agenda builder read (level of need, completing
agency, dates) are kept on the version as well, written by the same service that saves the
section.

- about: {"present": str, "reason": str, "completing_agency": agency id}
- checklist: {"outcomes": {outcome: "yes"|"no"|"not_sure"}, "questions": {question: "yes"|"no"},
  "notes": str}
- views: {"child": str, "parents": str}
- a domain (development, parents, family): {element code: {"finding": Finding,
  "statements": [{"kind": StatementKind, "text": str, "whose": str, "nature": Nature,
  "by": user id, "contribution": contribution id or null}]}}
- conclusions: {"outcomes_at_risk": [Outcome], "level_of_need": 1-4, "priority_groups":
  [PriorityGroup], "summary": str}
"""

from datetime import date

from django.db import models
from django.db.models import Q

from assessments.framework import Section, SectionStatus
from cafsite.uploads import random_path
from deadlines.rules import submission_due

# Version numbers are small integers in the database: nothing above is a version.
LARGEST_VERSION_NUMBER = 2**15 - 1


class Domain(models.Model):
    """One of the three domains of the national form (R-ASSESS-1): reference data."""

    code = models.SlugField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.title


class Element(models.Model):
    """An element of a domain (R-ASSESS-1), with the national prompt to practitioners."""

    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="elements")
    code = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=200)
    prompt = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["domain__position", "position"]

    def __str__(self) -> str:
        return self.title


class LocalPrompt(models.Model):
    """A tenant's own prompt under an element (their local guidance), added by the tenant
    administrator without code. New versions are written with the prompts of their day."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.CASCADE, related_name="+")
    element = models.ForeignKey(Element, on_delete=models.PROTECT, related_name="local_prompts")
    text = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["element", "position", "id"]

    def __str__(self) -> str:
        return self.text[:60]

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id}


class AssessmentState(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SIGNED = "signed", "Signed off, not yet submitted"
    SUBMITTED = "submitted", "Submitted to the CAF team"
    RETURNED = "returned", "Returned for correction"
    LOGGED = "logged", "Logged by the CAF team"


class Assessment(models.Model):
    """The CAF of one case episode: its versions, its submission and its log entry."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="assessment")
    state = models.CharField(
        max_length=12, choices=AssessmentState.choices, default=AssessmentState.IN_PROGRESS
    )
    started_on = models.DateField()
    started_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    # The CAF team's queue is read oldest first by this.
    submitted_at = models.DateTimeField(null=True, blank=True)
    logged_reference = models.CharField(max_length=30, blank=True)
    logged_on = models.DateField(null=True, blank=True)
    logged_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "logged_reference"],
                condition=~Q(logged_reference=""),
                name="logged_reference_unique_in_tenant",
                violation_error_message="This CAF reference is already in use.",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "state", "submitted_at", "id"], name="assessment_queue"),
        ]

    def __str__(self) -> str:
        return f"Assessment of {self.case.reference}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id}


class VersionReason(models.TextChoices):
    FIRST = "first", "First assessment"
    TAC = "tac", "Team around the child meeting"
    UPDATE = "update", "Assessment updated"


def signature_scan_path(instance: "AssessmentVersion", filename: str) -> str:
    return random_path("signatures", filename)


class AssessmentVersion(models.Model):
    """One version of the assessment (R-ASSESS-7). Once a later version exists, this one is
    read-only: no service writes to a version that is not the latest."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=10, choices=VersionReason.choices)
    created_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The domains, elements and prompts this version was written on: it always renders with
    # them, whatever the tenant or a later migration changes.
    framework = models.JSONField()
    level_of_need = models.PositiveSmallIntegerField(null=True, blank=True)
    completing_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Sign-off (R-ASSESS-4). The completion date is the day it was signed off.
    completed_on = models.DateField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessor_signed_name = models.CharField(max_length=200, blank=True)
    assessor_signed_on = models.DateField(null=True, blank=True)
    family_signed_name = models.CharField(max_length=200, blank=True)
    family_signed_relationship = models.CharField(max_length=100, blank=True)
    family_signed_on = models.DateField(null=True, blank=True)
    signature_scan = models.FileField(upload_to=signature_scan_path, blank=True)
    family_copy_withheld_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["assessment", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "number"], name="one_version_number_per_assessment"
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of {self.assessment}"

    def get_additional_data(self) -> dict:
        return {
            "tenant_id": self.assessment.tenant_id,
            "case_id": self.assessment.case_id,
        }

    @property
    def is_signed_off(self) -> bool:
        return self.completed_on is not None

    @property
    def submit_by(self) -> date | None:
        """The last day to submit to the CAF team (R-ASSESS-5)."""
        return submission_due(self.completed_on) if self.completed_on else None


class AssessmentSection(models.Model):
    """What has been saved of one section of one version. ``revision`` counts the saves: a
    save made from an older revision than the stored one is refused (a concurrent edit)."""

    version = models.ForeignKey(
        AssessmentVersion, on_delete=models.PROTECT, related_name="sections"
    )
    key = models.CharField(max_length=40, choices=Section.choices)
    status = models.CharField(
        max_length=12, choices=SectionStatus.choices, default=SectionStatus.IN_PROGRESS
    )
    revision = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)
    saved_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["version", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="one_row_per_section"),
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()} ({self.version})"

    def get_additional_data(self) -> dict:
        return {
            "tenant_id": self.version.assessment.tenant_id,
            "case_id": self.version.assessment.case_id,
        }


class SectionDraft(models.Model):
    """Unsaved work on a section, kept server-side per person and section: written on "Save
    and come back later", by the autosave while typing, and from a submission that could not
    be saved (a conflict, an expired session), so that nothing typed is lost."""

    version = models.ForeignKey(AssessmentVersion, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=40, choices=Section.choices)
    author = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    data = models.JSONField(default=dict)
    # The section revision the author was editing from.
    base_revision = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "key", "author"], name="one_draft_per_person_and_section"
            ),
        ]

    def __str__(self) -> str:
        return f"Draft of {self.key} by {self.author}"


class ContributionState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    SUBMITTED = "submitted", "Sent to the assessor"
    ACCEPTED = "accepted", "Accepted into the assessment"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Contribution(models.Model):
    """A named practitioner's contribution to one section (R-REF-3). The contributor sees that
    section only; the assessor accepts the text into the assessment, attributed to them."""

    version = models.ForeignKey(
        AssessmentVersion, on_delete=models.PROTECT, related_name="contributions"
    )
    key = models.CharField(max_length=40, choices=Section.choices)
    contributor = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, related_name="contributions"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    task = models.OneToOneField(
        "referrals.Task", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    state = models.CharField(
        max_length=10, choices=ContributionState.choices, default=ContributionState.REQUESTED
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["contributor", "state"], name="contribution_open_for"),
        ]

    def __str__(self) -> str:
        return f"Contribution to {self.key} by {self.contributor}"

    def get_additional_data(self) -> dict:
        return {
            "tenant_id": self.version.assessment.tenant_id,
            "case_id": self.version.assessment.case_id,
        }

    @property
    def is_outstanding(self) -> bool:
        return self.state in (ContributionState.REQUESTED, ContributionState.SUBMITTED)


class ValidationCheck(models.TextChoices):
    # Seed 000 §3.12, in its order. The first three, the sixth and the seventh are answered
    # from the data; safeguarding and single-agency services are the coordinator's judgement.
    DEMOGRAPHICS = "demographics", "All identification and demographic information complete"
    CONSENT_SIGNATURE = "consent_signature", "Consent gained with a valid consent signature"
    LAYERED_CONSENT = "layered_consent", "Any layered consent recorded and observed"
    SAFEGUARDING = "safeguarding", "Safeguarding issues checked"
    SINGLE_AGENCY = "single_agency", "Single-agency services that may help but not yet tried noted"
    SIGNED_AND_DATED = "signed_and_dated", "The form is signed and dated"
    AREAS_COMPLETED = "areas_completed", "All relevant areas of needs and strengths completed"


COMPUTED_CHECKS = (
    ValidationCheck.DEMOGRAPHICS,
    ValidationCheck.CONSENT_SIGNATURE,
    ValidationCheck.LAYERED_CONSENT,
    ValidationCheck.SIGNED_AND_DATED,
    ValidationCheck.AREAS_COMPLETED,
)


class ValidationOutcome(models.TextChoices):
    PENDING = "pending", "Waiting for the CAF team"
    RETURNED = "returned", "Returned for correction"
    LOGGED = "logged", "Logged"


class Validation(models.Model):
    """One submission to the CAF team and its decision (R-ASSESS-6). Each resubmission after
    a return is a new row; at most one waits for a decision at a time."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="validations")
    version = models.ForeignKey(AssessmentVersion, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(
        max_length=10, choices=ValidationOutcome.choices, default=ValidationOutcome.PENDING
    )
    # {check: {"passed": bool, "computed": bool, "note": str}}, as decided.
    results = models.JSONField(default=dict)
    decided_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment"],
                condition=Q(outcome="pending"),
                name="one_pending_validation_per_assessment",
                violation_error_message="This assessment is already with the CAF team.",
            ),
        ]
        indexes = [
            # The queue asks of each row whether it was returned before: without this, one
            # scan of every returned validation of every tenant and year (bench/assessment.py).
            models.Index(
                fields=["assessment"],
                condition=Q(outcome="returned"),
                name="validation_returned",
            ),
        ]

    def __str__(self) -> str:
        return f"Validation of {self.assessment} ({self.get_outcome_display()})"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.assessment.tenant_id, "case_id": self.assessment.case_id}


class ValidationQuery(models.Model):
    """A question the CAF team sends back to the assessor, as a task, and its answer."""

    validation = models.ForeignKey(Validation, on_delete=models.PROTECT, related_name="queries")
    check_code = models.CharField(max_length=20, choices=ValidationCheck.choices, blank=True)
    question = models.TextField()
    task = models.OneToOneField(
        "referrals.Task", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["validation", "id"]

    def __str__(self) -> str:
        return self.question[:60]

    def get_additional_data(self) -> dict:
        assessment = self.validation.assessment
        return {"tenant_id": assessment.tenant_id, "case_id": assessment.case_id}


class CopyRecipient(models.TextChoices):
    # Initially three copies (seed 000 §3.11); later ones go with the action plan.
    ASSESSOR = "assessor", "The assessor"
    CAF_TEAM = "caf_team", "The CAF team"
    FAMILY = "family", "The child or family"
    SERVICE = "service", "A service providing support"


class Distribution(models.Model):
    """A copy of a version given to someone (R-ASSESS-4)."""

    version = models.ForeignKey(
        AssessmentVersion, on_delete=models.PROTECT, related_name="distributions"
    )
    recipient = models.CharField(max_length=10, choices=CopyRecipient.choices)
    recipient_name = models.CharField(max_length=200, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    given_on = models.DateField()
    recorded_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "given_on", "id"]

    def __str__(self) -> str:
        return f"Copy for {self.get_recipient_display()} on {self.given_on:%d/%m/%Y}"

    def get_additional_data(self) -> dict:
        return {
            "tenant_id": self.version.assessment.tenant_id,
            "case_id": self.version.assessment.case_id,
        }
