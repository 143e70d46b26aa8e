"""Team-around-the-child meetings of a case, and the multi-agency forums that hear many cases
(R-TAC-1..2, R-MAF-1..6).

A TAC meeting belongs to one case; its participants are practitioners of agencies the family
agreed to share with, and family members (who are not users). A forum belongs to a season set
up by the CAF coordinators; it has sessions, one per school cluster, each with its own agenda of
nominated cases, ordered by ``meetings.agenda``.
"""

from datetime import datetime

from django.db import models
from django.db.models import Q

from deadlines.rules import specialist_invitations_due

FORUMS_PER_SEASON = 6  # R-MAF-1: up to 6 dates agreed ahead


class MeetingState(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class TacMeeting(models.Model):
    """A team-around-the-child (or family) meeting of one case, structured by the agenda of
    seed 003 (R-TAC-2). Holding it creates a new version of the assessment (R-ASSESS-7)."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="tac_meetings")
    convened_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    convened_by_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    scheduled_at = models.DateTimeField("date and time")
    venue = models.CharField(max_length=200)
    state = models.CharField(
        max_length=20, choices=MeetingState.choices, default=MeetingState.PLANNED
    )
    # The agenda of seed 003, recorded as the meeting goes.
    purpose = models.TextField("purpose of the meeting", blank=True)
    chaired_by = models.CharField(max_length=200, blank=True)
    recorded_by_name = models.CharField("who records the meeting", max_length=200, blank=True)
    consent_checked = models.BooleanField(
        "the family's consent to share was checked", default=False
    )
    confidentiality_agreed = models.BooleanField(
        "the level of confidentiality was agreed", default=False
    )
    actions_reviewed = models.TextField("progress of actions from the last meeting", blank=True)
    development_notes = models.TextField("the child's development", blank=True)
    parenting_notes = models.TextField("parents and carers", blank=True)
    family_environment_notes = models.TextField("family and environment", blank=True)
    # Proposed here; the lead is only the lead once they accept (R-LP-1, the delivery work).
    lead_professional_proposed = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    next_meeting_at = models.DateTimeField("next meeting", null=True, blank=True)
    next_meeting_venue = models.CharField(max_length=200, blank=True)
    held_on = models.DateField(null=True, blank=True)
    held_recorded_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_reason = models.TextField(blank=True)
    # The assessment version the meeting created when it was held.
    assessment_version = models.ForeignKey(
        "assessments.AssessmentVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The actions this meeting agreed, on the case's plan.
    actions = models.ManyToManyField("cases.PlanAction", blank=True, related_name="+")
    # Moved on by every save: an edit begun on an older revision is refused, not lost silently.
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-scheduled_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="held") | Q(held_on__isnull=False),
                name="tac_held_has_date",
                violation_error_message="A meeting that was held has a date.",
            ),
        ]
        indexes = [models.Index(fields=["case", "-scheduled_at"], name="tac_case_recent")]

    def __str__(self) -> str:
        return f"TAC meeting on {self.scheduled_at:%d/%m/%Y %H:%M}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id}


class ParticipantKind(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    FAMILY = "family", "Family member"


class ParticipantResponse(models.TextChoices):
    INVITED = "invited", "Invited"
    ATTENDING = "attending", "Attending"
    APOLOGIES = "apologies", "Sent apologies"


class TacParticipant(models.Model):
    """Someone invited to a TAC meeting: a practitioner of an agency the family agreed to
    share with, or a family member, who is not a user (R-TAC-2)."""

    meeting = models.ForeignKey(TacMeeting, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(max_length=20, choices=ParticipantKind.choices)
    user = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True, help_text="A family member's name.")
    relationship = models.CharField(max_length=100, blank=True)
    response = models.CharField(
        max_length=20, choices=ParticipantResponse.choices, default=ParticipantResponse.INVITED
    )
    # Seed 003: those who cannot come update their actions in writing beforehand.
    written_update = models.TextField(blank=True)
    attended = models.BooleanField(null=True, blank=True)
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="practitioner", user__isnull=False, agency__isnull=False)
                    | (Q(kind="family", user__isnull=True) & ~Q(name=""))
                ),
                name="tac_participant_is_practitioner_or_family",
                violation_error_message=(
                    "A practitioner comes from an agency; a family member needs a name."
                ),
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="tac_participant_once",
                violation_error_message="This practitioner is already invited.",
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.user)

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.meeting.tenant_id, "case_id": self.meeting.case_id}


class ForumSeason(models.Model):
    """Forums agreed ahead for an area (R-MAF-1): up to six dates, with their core members."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200, help_text="For example, Charnwood forums 2027.")
    area = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"],
                name="forum_season_name_unique",
                violation_error_message="A season of this name exists already.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id}


class ForumCoreMember(models.Model):
    """A core member of a season's forums, invited to every forum of it (R-MAF-4)."""

    season = models.ForeignKey(ForumSeason, on_delete=models.CASCADE, related_name="core_members")
    user = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["agency__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["season", "user"],
                name="forum_core_member_once",
                violation_error_message="Already a core member.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.agency})"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.season.tenant_id}


class ForumState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Forum(models.Model):
    """One multi-agency forum: a date, a venue, a chair and a nomination deadline (R-MAF-1..2).
    After it is held: the minutes and the lessons learned of 000 §4.17.2."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    season = models.ForeignKey(ForumSeason, on_delete=models.PROTECT, related_name="forums")
    held_on = models.DateField("date")
    venue = models.CharField(max_length=200)
    venue_address = models.TextField(blank=True)
    chair = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    nomination_deadline = models.DateTimeField()
    state = models.CharField(
        max_length=20, choices=ForumState.choices, default=ForumState.SCHEDULED
    )
    # At the forum: the chair reads the confidentiality statement (000 App. C).
    confidentiality_read_at = models.DateTimeField(null=True, blank=True)
    minutes = models.TextField("how the meeting ran", blank=True)
    # Lessons learned, against the four questions of 000 §4.17.2.
    lesson_case_numbers = models.TextField(
        "was the number of cases suitable for the time allowed?", blank=True
    )
    lesson_services_invited = models.TextField(
        "were all the relevant services invited?", blank=True
    )
    lesson_invitees_equipped = models.TextField(
        "were the invitees equipped to provide the holistic approach required?", blank=True
    )
    lesson_place_and_time = models.TextField("was the location and time suitable?", blank=True)
    lessons_recorded_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lessons_recorded_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["held_on", "id"]
        indexes = [models.Index(fields=["tenant", "held_on"], name="forum_tenant_date")]

    def __str__(self) -> str:
        return f"{self.season} forum on {self.held_on:%d/%m/%Y} at {self.venue}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id}

    @property
    def specialists_invited_on(self):
        return specialist_invitations_due(self.held_on)


class ForumSession(models.Model):
    """A session of a forum for one school cluster, with its times (000 App. B) and, once
    built, its agenda: how it was ordered and who confirmed the deferrals (R-MAF-3)."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="sessions")
    cluster = models.CharField(
        max_length=300, help_text="For example, Wreake Valley and all feeder schools."
    )
    starts_at = models.TimeField()
    ends_at = models.TimeField()
    # The agenda as last built or re-timed: "exact", "heuristic" or "by hand".
    agenda_method = models.CharField(max_length=20, blank=True)
    attendee_minutes = models.PositiveIntegerField(null=True, blank=True)
    nomination_order_minutes = models.PositiveIntegerField(null=True, blank=True)
    # What the builder's own order cost, kept when the coordinator reorders by hand.
    builder_attendee_minutes = models.PositiveIntegerField(null=True, blank=True)
    agenda_built_at = models.DateTimeField(null=True, blank=True)
    coordinator_confirmed_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    coordinator_confirmed_at = models.DateTimeField(null=True, blank=True)
    chair_confirmed_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    chair_confirmed_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["forum", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="forum_session_ends_after_start",
                violation_error_message="A session ends after it starts.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cluster}, {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.forum.tenant_id}

    @property
    def minutes(self) -> int:
        day = self.forum.held_on
        start = datetime.combine(day, self.starts_at)
        return int((datetime.combine(day, self.ends_at) - start).total_seconds() // 60)

    @property
    def agenda_confirmed(self) -> bool:
        return self.coordinator_confirmed_at is not None and self.chair_confirmed_at is not None


class NominationKind(models.TextChoices):
    NEW = "new", "New case (20 minutes)"
    REVIEW = "review", "Review (10 minutes)"


class NominationState(models.TextChoices):
    NOMINATED = "nominated", "Nominated"
    # R-MAF-2: after the deadline, to the next forum unless the coordinator accepts it.
    LATE = "late", "Late: waiting for the coordinator"
    SCHEDULED = "scheduled", "On the agenda"
    DEFERRED = "deferred", "Deferred to the next forum"
    WITHDRAWN = "withdrawn", "Withdrawn"
    HEARD = "heard", "Heard"


class Nomination(models.Model):
    """A case nominated for a forum session (R-MAF-2), its place on the agenda (R-MAF-3) and
    what the forum agreed for it (R-MAF-5)."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(ForumSession, on_delete=models.PROTECT, related_name="nominations")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="forum_nominations"
    )
    kind = models.CharField(max_length=10, choices=NominationKind.choices)
    nominated_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    nominated_by_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    nominated_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField("what you would like from the forum", blank=True)
    state = models.CharField(
        max_length=20, choices=NominationState.choices, default=NominationState.NOMINATED
    )
    late_accepted_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A deferred or late nomination carried to the next forum points back to where it began,
    # so the builder's "how long it has waited" counts from the first nomination.
    carried_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The agenda: position and slot, or why it was deferred.
    position = models.PositiveSmallIntegerField(null=True, blank=True)
    starts_at = models.TimeField(null=True, blank=True)
    ends_at = models.TimeField(null=True, blank=True)
    deferral_reason = models.TextField(blank=True)
    # The presenter's summary (000 App. E), drafted from the logged CAF, edited by the presenter:
    # {"school_and_year": str, "relationship": str, "engagement": str,
    #  "needs": {domain: str}, "strengths": {domain: str}, "conclusions": str, "actions_tried": str,
    #  "asks": str}
    presenter_summary = models.JSONField(default=dict, blank=True)
    # What the forum agreed (R-MAF-5).
    needs = models.TextField(blank=True)
    services = models.TextField(blank=True)
    lead_professional_proposed = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_on = models.DateField(null=True, blank=True)
    anonymised_summary = models.TextField("summary for the minutes (no names)", blank=True)
    actions = models.ManyToManyField("cases.PlanAction", blank=True, related_name="+")
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["session", "position", "nominated_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "case"],
                condition=~Q(state__in=["withdrawn", "deferred"]),
                name="one_live_nomination_per_session",
                violation_error_message="This case is already nominated for this session.",
            ),
        ]
        indexes = [models.Index(fields=["case", "-nominated_at"], name="nomination_case_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} nominated by {self.nominated_by}"

    # Where the agenda puts it, and why not: what the builder, deferrals and withdrawals write.
    AGENDA_PLACE_FIELDS = [
        "state",
        "position",
        "starts_at",
        "ends_at",
        "deferral_reason",
        "revision",
    ]

    def leave_agenda(self, state: str, reason: str) -> None:
        """Off the agenda in ``state`` (deferred, withdrawn, or nominated with a deferral
        proposed) with the reason the pages show; one revision on. The caller holds the row
        locked."""
        self.state = state
        self.position = self.starts_at = self.ends_at = None
        self.deferral_reason = reason
        self.revision += 1
        self.save(update_fields=self.AGENDA_PLACE_FIELDS)

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id}


class NominationAttendee(models.Model):
    """Who must hear a nominated case: the presenter, and the agencies (or named practitioners)
    to invite, each from an agency the family agreed to share with (R-MAF-4)."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="attendees")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["agency__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["nomination", "user"],
                condition=Q(user__isnull=False),
                name="nomination_attendee_person_once",
                violation_error_message="Already an attendee.",
            ),
            models.UniqueConstraint(
                fields=["nomination", "agency"],
                condition=Q(user__isnull=True),
                name="nomination_attendee_agency_once",
                violation_error_message="This agency is already invited to hear the case.",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user or self.agency)

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.nomination.tenant_id, "case_id": self.nomination.case_id}

    @property
    def label(self) -> str:
        """The attendee as the agenda builder knows them."""
        return f"user:{self.user_id}" if self.user_id else f"agency:{self.agency_id}"


class InvitationKind(models.TextChoices):
    CORE = "core", "Core member"
    SPECIALIST = "specialist", "Specialist service"
    CHAIR = "chair", "Chair"


class InvitationResponse(models.TextChoices):
    NO_REPLY = "no_reply", "No reply yet"
    ATTENDING = "attending", "Attending"
    DEPUTY = "deputy", "Sending a deputy"
    APOLOGIES = "apologies", "Sent apologies"


class ForumInvitation(models.Model):
    """An invitation to a forum, sent by email (a link, no case content: R-AUDIT-3) when it
    falls due: core members when the season is set, specialists 2 weeks before (R-MAF-4).
    Due rows are found by a frequent scan, never by a long Celery ETA (FIELD-NOTES)."""

    forum = models.ForeignKey(Forum, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(max_length=20, choices=InvitationKind.choices)
    # A person; or, for a specialist service asked to hear a case without a named practitioner,
    # nobody: the agency itself is invited at its own address (``email``).
    user = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(
        blank=True,
        help_text="The agency's address, when the agency rather than a person is invited.",
    )
    send_on = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    remind_on = models.DateField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    response = models.CharField(
        max_length=20, choices=InvitationResponse.choices, default=InvitationResponse.NO_REPLY
    )
    deputy = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attended = models.BooleanField(null=True, blank=True)
    deputy_attended = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["forum", "kind", "agency__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["forum", "user"],
                condition=Q(user__isnull=False),
                name="forum_invitation_once",
                violation_error_message="Already invited to this forum.",
            ),
            models.UniqueConstraint(
                fields=["forum", "agency"],
                condition=Q(user__isnull=True),
                name="forum_invitation_agency_once",
                violation_error_message="This agency is already invited to this forum.",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email=""),
                name="forum_invitation_has_someone",
                violation_error_message="An invitation goes to a person or an agency's address.",
            ),
        ]
        indexes = [
            # The scan reads only what is still to send.
            models.Index(
                fields=["send_on"], condition=Q(sent_at__isnull=True), name="invitation_to_send"
            ),
            models.Index(
                fields=["remind_on"],
                condition=Q(reminded_at__isnull=True),
                name="invitation_to_remind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user or self.agency}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.forum.tenant_id}

    @property
    def invitee_label(self) -> str:
        """Who is invited: the person, or the agency's representative when it was invited
        through its own address."""
        if self.user_id is None:
            return "A representative"
        return self.user.get_full_name() or self.user.username

    @property
    def address(self) -> str:
        """Where the invitation is emailed: the person's address, or the agency's."""
        return self.user.email if self.user_id else self.email
