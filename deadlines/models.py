"""Every due date is computed from the case's own dates when it is read (``deadlines.rules`` in
Python, ``deadlines.selectors`` in SQL), so pages are right even when no worker runs. What is
stored here is only what the jobs did: the reminders and digests sent, each at most once."""

from django.db import models


class DeadlineKind(models.TextChoices):
    SUBMISSION = "submission", "Submit the CAF to the CAF team"  # R-ASSESS-5, 28 days
    FIRST_TAC = "first_tac", "Hold the first team around the child meeting"  # R-TAC-1
    REVIEW = "review", "Review the CAF"  # R-REV-1, every 3 months
    CONSENT_RENEWAL = "consent_renewal", "Revisit the family's consent"  # R-CONSENT-6, 2 years
    PLAN_ACTION = "plan_action", "Action on the plan"  # R-PLAN-1, its own "by when"
    TASK = "task", "Answer a task"  # 5 working days
    REOPEN_WINDOW = "reopen_window", "Last day to reopen without a new assessment"  # R-CHECK-4
    SPECIALIST_INVITATIONS = (
        "specialist_invitations",
        "Invite specialist services to the forum",  # R-MAF-4, 2 weeks before
    )
    ARCHIVE = "archive", "Archive the closed CAF"  # R-RET-1, policy (1 year)
    PURGE = "purge", "Purge the archived CAF"  # R-RET-1, policy (6 more years)


class ReminderSent(models.Model):
    """At most one reminder per deadline, person and day, even if the job runs twice."""

    deadline_kind = models.CharField(max_length=30, choices=DeadlineKind.choices)
    case_id = models.BigIntegerField(null=True)
    source_id = models.BigIntegerField(default=0)
    recipient = models.ForeignKey("agencies.User", on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    # The run that inserted the row: after an insert that skips rows already there, the rows
    # of this run are the reminders it must email (deadlines.reminders).
    run = models.ForeignKey(
        "retention.JobRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["deadline_kind", "case_id", "source_id", "recipient", "sent_on"],
                name="one_reminder_per_deadline_person_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deadline_kind} reminder to {self.recipient_id} on {self.sent_on}"


class DigestSent(models.Model):
    """The coordinators' weekly digest, once per person and week (the Monday it covers)."""

    recipient = models.ForeignKey("agencies.User", on_delete=models.CASCADE, related_name="+")
    week_of = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "week_of"], name="one_digest_per_week"),
        ]

    def __str__(self) -> str:
        return f"digest to {self.recipient_id} for the week of {self.week_of}"
