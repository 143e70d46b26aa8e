"""Consent to a CAF and to sharing it, refusals, sharing decisions and confidential notes."""

from django.db import models
from django.db.models import Q

from cafsite.idempotency import idempotency_constraint, idempotency_key_field
from cafsite.uploads import random_path
from cases.models import FULL_NAME_MAX_LENGTH


class ConsentGiver(models.TextChoices):
    CHILD = "child", "The child or young person"
    PARENT = "parent", "A person with parental responsibility"


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", "Written, signed"
    VERBAL = "verbal", "Verbal, recorded by the assessor"


class ShareScope(models.TextChoices):
    ALL_EXCEPT = "all_except", "All agencies, except any named"
    NAMED_ONLY = "named_only", "Only the agencies named"
    NONE = "none", "No sharing beyond the assessor's agency and the CAF team"


def consent_scan_path(instance: "Consent", filename: str) -> str:
    return random_path("consent", filename)


class Consent(models.Model):
    """One consent given for a case (R-CONSENT-1..3). A later consent replaces an earlier
    one; a withdrawn consent keeps its row and its dates."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="consents")
    given_by = models.CharField(max_length=10, choices=ConsentGiver.choices)
    giver_name = models.CharField("name of the person consenting", max_length=200)
    relationship = models.CharField(
        max_length=100, blank=True, help_text="For a person with parental responsibility."
    )
    child_age = models.PositiveSmallIntegerField(null=True, blank=True)
    competence_evidence = models.TextField(
        blank=True, help_text="For a child under 16: why they can understand and decide."
    )
    to_undertake = models.BooleanField("consent to undertake the CAF")
    to_record = models.BooleanField("consent to record and store it")
    share_scope = models.CharField(max_length=12, choices=ShareScope.choices)
    method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    signed_name = models.CharField(
        max_length=200, help_text="The signatory's name, or the assessor's for verbal consent."
    )
    signed_on = models.DateField()
    # A checked PDF, JPEG or PNG under a random name (cafsite.uploads), served by consent_scan.
    scan = models.FileField(upload_to=consent_scan_path, blank=True)
    recorded_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            # Consents due for review (R-CONSENT-6) are found from their dates, not by case.
            models.Index(
                fields=["signed_on"],
                condition=Q(withdrawn_on__isnull=True),
                name="consent_current_signed_on",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(given_by="child") | ~Q(relationship=""),
                name="consent_parent_has_relationship",
                violation_error_message="Record the relationship to the child.",
            ),
            # Two consents recorded at once must not both stay current (R-CONSENT-5).
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(withdrawn_on__isnull=True),
                name="one_current_consent_per_case",
                violation_error_message="This case already has a current consent.",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent by {self.giver_name} on {self.signed_on:%d/%m/%Y}"

    def get_additional_data(self) -> dict:
        return {
            "tenant_id": self.case.tenant_id,
            "case_id": self.case_id,
            "child_id": self.case.child_id,
        }

    @property
    def is_current(self) -> bool:
        return self.withdrawn_on is None


class ConsentAgency(models.Model):
    """An agency the family named: shared with (named-only scope), or excluded (all-except
    scope). Per-agency withdrawal dates the row; the grant ends with it (R-CONSENT-4, 5)."""

    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="agencies")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    excluded = models.BooleanField(default=False)
    withdrawn_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consent", "agency"], name="consent_agency_once")
        ]

    def __str__(self) -> str:
        return f"{'Excluded' if self.excluded else 'Shared with'} {self.agency}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.agency.tenant_id, "case_id": self.consent.case_id}


class ConsentGrant(models.Model):
    """Why an agency has access to a case: the consent that granted it. Revoked grants keep
    their row, so what was already shared stays on record (R-CONSENT-5)."""

    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="grants")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agency__name"]

    def __str__(self) -> str:
        return f"{self.agency} via {self.consent}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.agency.tenant_id, "case_id": self.consent.case_id}


class ConsentRefusal(models.Model):
    """A refusal to a CAF, with the child's demographics as given, for the CAF team to watch
    for patterns (R-CONSENT-7). Only this note is kept without consent to record."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="refusals"
    )
    child = models.ForeignKey(
        "cases.Child", on_delete=models.PROTECT, null=True, blank=True, related_name="refusals"
    )
    child_name = models.CharField(max_length=FULL_NAME_MAX_LENGTH)
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=1, blank=True)
    ethnicity = models.CharField(max_length=4, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    refused_by = models.CharField(max_length=10, choices=ConsentGiver.choices)
    note = models.TextField(blank=True)
    practitioner = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    refused_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = idempotency_key_field()

    class Meta:
        ordering = ["-refused_on", "-id"]
        indexes = [models.Index(fields=["tenant", "-refused_on"], name="refusal_tenant_date")]
        constraints = [idempotency_constraint("practitioner", "refusal_submitted_once")]

    def __str__(self) -> str:
        return f"Refusal for {self.child_name} on {self.refused_on:%d/%m/%Y}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id, "child_id": self.child_id}


class RefusalEscalation(models.Model):
    """The CAF team escalating a pattern of refusals to social care (R-CONSENT-7)."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    pattern = models.CharField(max_length=300)
    refusals = models.ManyToManyField(ConsentRefusal, related_name="escalations")
    escalated_to = models.CharField(max_length=200)
    reason = models.TextField()
    escalated_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    escalated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-escalated_at"]

    def __str__(self) -> str:
        return f"Escalated to {self.escalated_to}: {self.pattern}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id}


class SharingGround(models.TextChoices):
    CONSENT = "consent", "With consent"
    SIGNIFICANT_HARM = (
        "significant_harm",
        "Without consent: the child is suffering significant harm",
    )
    RISK_OF_HARM = "risk_of_harm", "Without consent: risk of significant harm"
    SERIOUS_CRIME = "serious_crime", "Without consent: prevention or detection of serious crime"
    NOT_SHARED = "not_shared", "Decided not to share"


class SharingDecision(models.Model):
    """Every decision to share or not, with what, with whom and why (R-CONSENT-8)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="sharing")
    ground = models.CharField(max_length=20, choices=SharingGround.choices)
    shared_with = models.CharField(max_length=200)
    what = models.TextField()
    justification = models.TextField()
    decided_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = idempotency_key_field()

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [idempotency_constraint("decided_by", "sharing_decision_submitted_once")]

    def __str__(self) -> str:
        return f"{self.get_ground_display()}: {self.shared_with}"

    def get_additional_data(self) -> dict:
        return {
            "tenant_id": self.case.tenant_id,
            "case_id": self.case_id,
            "child_id": self.case.child_id,
        }


class ConfidentialNote(models.Model):
    """What the family asked not to be recorded in the CAF: its author's eyes only, never in
    exports or PDFs (R-CONSENT-9). Not in the change log either: its text must not leak there."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    written_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = idempotency_key_field()

    class Meta:
        ordering = ["-written_at"]
        constraints = [idempotency_constraint("author", "confidential_note_submitted_once")]

    def __str__(self) -> str:
        return f"Confidential note by {self.author} on {self.written_at:%d/%m/%Y}"
