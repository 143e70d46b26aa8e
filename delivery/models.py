"""After a CAF is logged: who leads it, how it is reviewed, and how it closes (000 §5, 002).

The action plan itself is ``cases.PlanAction`` (meetings and forums agree its actions)."""

from django.db import models
from django.db.models import Q


class LeadChangeReason(models.TextChoices):
    # Why a lead professional is proposed (R-LP-1): the first, or a handover's reason.
    FIRST = "first", "First lead professional for this CAF"
    NEEDS_CHANGED = "needs_changed", "The child's needs have changed"
    PRACTITIONER_LEFT = "practitioner_left", "The lead professional is leaving their post"
    CHILD_OLDER = "child_older", "The child is older (for example, a move to secondary school)"
    FAMILY_WISH = "family_wish", "The family asked for a different lead professional"
    DISPUTE_RESOLVED = "dispute_resolved", "Decided by the CAF team after a disagreement"


class LeadProposalSource(models.TextChoices):
    TAC = "tac", "Team around the child meeting"
    FORUM = "forum", "Multi-agency forum"
    HANDOVER = "handover", "Handover"
    CAF_TEAM = "caf_team", "CAF team"


class LeadProposalState(models.TextChoices):
    PENDING = "pending", "Waiting for the practitioner to accept"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class LeadProposal(models.Model):
    """A practitioner proposed as a case's lead professional. They become lead only when they
    accept; until then the current lead (if any) stays, so a case is never without one."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="lead_proposals")
    proposed = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    proposed_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    # The lead at the time of the proposal: the one a handover is from.
    previous_lead = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=10, choices=LeadProposalSource.choices)
    meeting = models.ForeignKey(
        "meetings.TacMeeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    nomination = models.ForeignKey(
        "meetings.Nomination", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=LeadChangeReason.choices)
    note = models.TextField(blank=True)
    state = models.CharField(
        max_length=10, choices=LeadProposalState.choices, default=LeadProposalState.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    task = models.OneToOneField(
        "referrals.Task", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state="pending"),
                name="one_pending_lead_proposal",
                violation_error_message=(
                    "A lead professional is already proposed for this CAF: wait for their "
                    "answer or withdraw the proposal."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposed} proposed as lead professional"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id}


class LeadDisputeState(models.TextChoices):
    OPEN = "open", "With the CAF team"
    RESOLVED = "resolved", "Resolved"
    # Closing the CAF ends it: nobody decided it (delivery.services.closure).
    ENDED = "ended", "Ended when the CAF closed"


class LeadDispute(models.Model):
    """A disagreement about who leads a case, taken to the CAF team and resolved there
    (R-LP-1)."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="lead_disputes")
    raised_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    raised_by_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    about = models.TextField("what the disagreement is")
    state = models.CharField(
        max_length=10, choices=LeadDisputeState.choices, default=LeadDisputeState.OPEN
    )
    resolved_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    # The lead the CAF team proposed in resolving it, if it named one.
    resolved_with = models.ForeignKey(
        LeadProposal, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    task = models.OneToOneField(
        "referrals.Task", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state="open"),
                name="one_open_lead_dispute",
                violation_error_message="The CAF team already has a disagreement about this lead.",
            ),
        ]

    def __str__(self) -> str:
        return f"Lead professional disagreement raised by {self.raised_by}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id}


class ReviewDecision(models.TextChoices):
    CONTINUE = "continue", "Continue with the plan"
    REVISE = "revise", "Revise the plan"
    REASSESS = "reassess", "Reassess (a new assessment version)"
    CLOSE = "close", "Close the CAF"
    ESCALATE = "escalate", "Escalate (refer to children's social care or a specialist service)"


class CaseReview(models.Model):
    """A review of the plan (R-REV-1): the first within 3 months of the first TAC, then at
    most every 3 months. Records progress per outcome, needs met, unmet or new, and what the
    team decided."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="reviews")
    held_on = models.DateField()
    meeting = models.ForeignKey(
        "meetings.TacMeeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    needs_met = models.TextField(blank=True)
    needs_unmet = models.TextField("needs not yet met", blank=True)
    needs_new = models.TextField("new needs", blank=True)
    decision = models.CharField(max_length=10, choices=ReviewDecision.choices)
    decision_note = models.TextField(blank=True)
    # A "reassess" decision makes a new assessment version.
    assessment_version = models.ForeignKey(
        "assessments.AssessmentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["case", "-held_on"], name="review_case_latest")]

    def __str__(self) -> str:
        return f"Review on {self.held_on:%d/%m/%Y}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id}


class Progress(models.TextChoices):
    ACHIEVED = "achieved", "Achieved"
    PARTLY = "partly", "Some progress"
    NONE = "none", "No progress yet"
    NO_LONGER_NEEDED = "no_longer_needed", "No longer needed"


class ReviewProgress(models.Model):
    """Progress towards one action's outcome at a review."""

    review = models.ForeignKey(CaseReview, on_delete=models.PROTECT, related_name="progress")
    plan_action = models.ForeignKey(
        "cases.PlanAction", on_delete=models.PROTECT, related_name="review_progress"
    )
    progress = models.CharField(max_length=20, choices=Progress.choices)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review", "plan_action"], name="review_progress_once_per_action"
            )
        ]

    def __str__(self) -> str:
        return self.get_progress_display()

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.review.tenant_id, "case_id": self.review.case_id}


class ClosureReason(models.TextChoices):
    # R-CLOSE-1
    NEEDS_MET = "needs_met", "Needs met"
    ESCALATED = "escalated", "Escalated to statutory services"
    NON_ENGAGEMENT = "non_engagement", "The family did not engage"
    MOVED_AWAY = "moved_away", "The family moved away"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Consent withdrawn"
    OTHER = "other", "Other"


class CaseClosure(models.Model):
    """A CAF closed, with its reason, agreed at a sign-off TAC (R-CLOSE-1). A closure for
    non-engagement flags risk, shown in the register check. Reopening within 6 months
    (R-CHECK-4) is recorded on the closure it undoes."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="closures")
    closed_on = models.DateField()
    reason = models.CharField(max_length=20, choices=ClosureReason.choices)
    note = models.TextField(blank=True)
    meeting = models.ForeignKey(
        "meetings.TacMeeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    risk_flag = models.BooleanField(default=False)
    reopened_on = models.DateField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-closed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(reopened_on__isnull=True),
                name="one_standing_closure_per_case",
                violation_error_message="This CAF is already closed.",
            ),
        ]

    def __str__(self) -> str:
        return f"Closed on {self.closed_on:%d/%m/%Y}: {self.get_reason_display()}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id}
