"""Tier 3/4 involvement on the register, safeguarding referrals, and tasks between people."""

from django.db import models
from django.db.models import Q

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
    ACTION_PLAN = "action_plan", "An action plan from a forum names you"
    READ_ACCESS = "read_access", "You are asked to read a CAF (read-only access)"
    ACTION_REQUEST = "action_request", "An action is requested of your agency"
    LEAD_PROPOSAL = "lead_proposal", "You are proposed as lead professional"
    LEAD_DISPUTE = "lead_dispute", "A disagreement about the lead professional"
    SERVICE_REQUEST = "service_request", "A request for service"
    SOCIAL_CARE_REFERRAL = "social_care_referral", "A referral to children's social care"


class TaskState(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    DONE = "done", "Done"


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
    due_on = models.DateField(null=True, blank=True)
    # Open until the person or agency asked answers: accepted, declined (with the reason in
    # ``response``) or done. ``done_at`` is when it stopped being open, whatever the answer.
    state = models.CharField(max_length=10, choices=TaskState.choices, default=TaskState.OPEN)
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["assigned_to", "done_at"], name="task_assignee_open"),
            # The requester's worklist shows the answers to what they asked.
            models.Index(fields=["from_user", "-done_at"], name="task_requester_answered"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="open", done_at__isnull=True)
                | (~Q(state="open") & Q(done_at__isnull=False)),
                name="task_closed_when_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.from_user}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id, "child_id": self.child_id}


class ServiceRequestState(models.TextChoices):
    SENT = "sent", "Waiting for the agency's answer"
    ACCEPTED = "accepted", "Accepted"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ServiceRequest(models.Model):
    """A request for service to a targeted or specialist agency (R-REF-1), made only where the
    family agreed to share with it. The receiving agency reads what the request shares and no
    more; it accepts or refuses with reasons, and the team records its next steps."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="service_requests"
    )
    to_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="service_requests_received"
    )
    requested_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    from_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    service = models.TextField("what is asked for")
    shared_summary = models.TextField(
        "what the request shares", help_text="Only what the agency needs to decide."
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(
        max_length=10, choices=ServiceRequestState.choices, default=ServiceRequestState.SENT
    )
    decided_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    next_steps = models.TextField("the team's next steps", blank=True)
    task = models.OneToOneField(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="service_request"
    )

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["to_agency", "state"], name="service_request_inbox"),
        ]

    def __str__(self) -> str:
        return f"Request for service to {self.to_agency}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id}


class ThresholdDecision(models.TextChoices):
    AWAITING = "awaiting", "Waiting for the duty manager's decision"
    ACCEPTED = "accepted", "Threshold met: accepted by children's social care"
    NOT_MET = "not_met", "Threshold not met"


class SocialCareReferral(models.Model):
    """A referral of a CAF into children's social care (R-REF-2, R-REF-4). The lead
    professional stays lead until social care accepts; the duty manager's threshold decision
    goes back to the referrer in writing; "not met" can route the case to an early help panel
    (a forum of the meetings work)."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="social_care_referrals"
    )
    to_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="social_care_referrals"
    )
    referred_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    from_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    concerns = models.TextField("why the referral is made")
    referred_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(
        max_length=10, choices=ThresholdDecision.choices, default=ThresholdDecision.AWAITING
    )
    decided_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    feedback = models.TextField("written feedback to the referrer", blank=True)
    early_help_panel = models.ForeignKey(
        "meetings.Nomination", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    task = models.OneToOneField(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="social_care_referral"
    )

    class Meta:
        ordering = ["-referred_at"]
        constraints = [
            # One referral awaiting a decision at a time per case.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(decision="awaiting"),
                name="one_awaiting_social_care_referral",
                violation_error_message="This CAF is already waiting for social care's decision.",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral to {self.to_agency}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id}
