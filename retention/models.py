"""Retention of closed CAFs (R-RET-1): the tenant's policy, legal holds, the record left by a
purge, and the log of every scheduled run (deadlines and retention alike)."""

from django.db import models
from django.db.models import Q

# The national default (000 App. F 10, seed 002): accessible for a year after closure, archived
# for six more, then purged.
ACCESSIBLE_FOR_MONTHS = 12
ARCHIVED_FOR_YEARS = 6


class RetentionPolicy(models.Model):
    """A tenant's periods. Lengthening is the tenant's choice; shortening needs a recorded
    decision (``retention.services.policy_change``)."""

    tenant = models.OneToOneField(
        "agencies.Tenant", on_delete=models.CASCADE, related_name="retention_policy"
    )
    accessible_for_months = models.PositiveSmallIntegerField(default=ACCESSIBLE_FOR_MONTHS)
    archived_for_years = models.PositiveSmallIntegerField(default=ARCHIVED_FOR_YEARS)
    # Some councils keep early-help records to a birthday (e.g. the 25th): purge no earlier.
    keep_until_age = models.PositiveSmallIntegerField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"retention policy of {self.tenant}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id}


class RetentionPolicyChange(models.Model):
    """Every change of a tenant's periods, with who, why and (when it shortens them) the
    decision that allowed it."""

    policy = models.ForeignKey(RetentionPolicy, on_delete=models.CASCADE, related_name="changes")
    by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField()
    after = models.JSONField()
    reason = models.TextField()
    shortens = models.BooleanField(default=False)
    decision_reference = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(shortens=False) | ~Q(decision_reference=""),
                name="shortening_needs_a_recorded_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"retention policy change on {self.at:%d/%m/%Y}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.policy.tenant_id}


class LegalHold(models.Model):
    """Stops archive and purge of one case, or of a whole tenant when ``case`` is empty, until
    lifted (e.g. a public inquiry)."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="legal_holds"
    )
    reason = models.TextField()
    placed_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    lifted_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | Q(lifted_by__isnull=False),
                name="a_lifted_hold_says_who_lifted_it",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "lifted_at"], name="legal_hold_live")]

    def __str__(self) -> str:
        return f"legal hold placed {self.placed_at:%d/%m/%Y}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id}


class PurgeRecord(models.Model):
    """What is left of a purged CAF: its reference, dates and counts, and anonymous figures
    for reports. No personal data."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=20, unique=True)
    opened_on = models.DateField(null=True)
    closed_on = models.DateField(null=True)
    archived_on = models.DateField(null=True)
    purged_on = models.DateField()
    # Rows destroyed or anonymised, by table: {"assessment versions": 3, ...}.
    counts = models.JSONField(default=dict)
    # Non-identifying figures for reports: closure reason, level of need, assessor agency kind.
    statistics = models.JSONField(default=dict)
    run = models.ForeignKey(
        "retention.JobRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-purged_on", "-id"]

    def __str__(self) -> str:
        return f"{self.reference} purged {self.purged_on:%d/%m/%Y}"


class JobKind(models.TextChoices):
    DEADLINES = "deadlines", "Deadlines and reminders"
    DIGEST = "digest", "Coordinators' weekly digest"
    RETENTION = "retention", "Archive and purge"


class JobRun(models.Model):
    """One run of a scheduled job: as of which day, what it did, how long it took, what
    failed. Managers read these to know the jobs run."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, choices=JobKind.choices)
    as_of = models.DateField()
    dry_run = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    # {"archived": 120, "purged": 4, "held": 2, "reminders": 310, ...}: for the operators.
    counts = models.JSONField(default=dict)
    # The same, council by council, {"<tenant id>": {"archived": 3, ...}}: a run covers every
    # council, and one council's staff read only their own figures (R-TEN-1).
    tenant_counts = models.JSONField(default=dict)
    errors = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["kind", "-started_at"], name="job_run_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} as of {self.as_of:%d/%m/%Y}"

    def add_tenant_counts(self, tenant_id: int, **counts: int) -> None:
        """Add to one council's figures (saved with the run)."""
        mine = self.tenant_counts.setdefault(str(tenant_id), {})
        for name, count in counts.items():
            mine[name] = mine.get(name, 0) + count

    def counts_for(self, tenant_id: int | None) -> dict[str, int]:
        """One council's figures: what its staff may read of the run."""
        return self.tenant_counts.get(str(tenant_id), {})
