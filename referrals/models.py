"""Tier 3/4 involvement on the register, safeguarding referrals, and tasks between people."""

from django.db import models

from cases.models import FULL_NAME_MAX_LENGTH


class InvolvementKind(models.TextChoices):
    # The Tier 3/4 services with which no CAF is started (R-CHECK-5).
    SOCIAL_CARE = "social_care", "Children's social care, allocated social worker"
    LOOKED_AFTER = "looked_after", "Looked-after child"
    YOUTH_OFFENDING = "youth_offending", "Youth offending order"
    EARLY_SUPPORT = "early_support", "Early Support keyworker (complex disability)"


class Tier34Involvement(models.Model):
    """A specialist service already working with a child, and its keyworker to contact."""

    child = models.ForeignKey(
        "cases.Child", on_delete=models.PROTECT, related_name="tier34_involvements"
    )
    kind = models.CharField(max_length=20, choices=InvolvementKind.choices)
    keyworker = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    keyworker_name = models.CharField(max_length=200)
    keyworker_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="tier34_involvements"
    )
    keyworker_email = models.EmailField(blank=True)
    keyworker_telephone = models.CharField(max_length=30, blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.keyworker_name})"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.child.tenant_id, "child_id": self.child_id}


class SafeguardingReferral(models.Model):
    """A child protection concern raised during a check or a CAF: the CAF stops (R-CHECK-6)."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(
        "cases.Child", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # As long as the register's longest name: a safeguarding referral must always record.
    child_name = models.CharField(max_length=FULL_NAME_MAX_LENGTH)
    referred_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    referred_to = models.CharField(
        max_length=200, help_text="For example, the children's social care front door (MASH)."
    )
    referred_on = models.DateField()
    reference = models.CharField(max_length=50, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Safeguarding referral for {self.child_name} on {self.referred_on:%d/%m/%Y}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id, "child_id": self.child_id}


class TaskKind(models.TextChoices):
    JOIN_REQUEST = "join_request", "Request to join the team or add needs"
    TIER34_CONCERN = "tier34_concern", "Concern for a child you are keyworker for"
    CONSENT_NEEDED = "consent_needed", "A reopened CAF needs the family's consent to share"
    CONTRIBUTION = "contribution", "Contribute to a section of an assessment"
    ASSESSMENT_QUERY = "assessment_query", "The CAF team has a query about your assessment"


class Task(models.Model):
    """Something one person asks another to do. Notifications of it carry no case content,
    only a link (R-AUDIT-3)."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=TaskKind.choices)
    assigned_to = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    assigned_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="tasks"
    )
    from_user = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    from_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="tasks"
    )
    child = models.ForeignKey("cases.Child", on_delete=models.PROTECT, related_name="+")
    message = models.TextField(blank=True)
    # Where in the service the task is done (a path, never case content): the worklist links
    # there, so referrals need not know every app that asks for work.
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["assigned_to", "done_at"], name="task_assignee_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.from_user}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id, "child_id": self.child_id}
