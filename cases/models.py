"""The child register and the CAF episode (case)."""

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases.identifiers import validate_nhs_number, validate_upn
from deadlines import rules


class Gender(models.TextChoices):
    # DfE children-in-need census codes, as Ofsted's Annex A list asks for (R-REPORT-1).
    NOT_KNOWN = "0", "Not known"
    MALE = "1", "Male"
    FEMALE = "2", "Female"
    NOT_SPECIFIED = "9", "Not specified"


class Ethnicity(models.TextChoices):
    # DfE ethnicity main codes (children-in-need census).
    WBRI = "WBRI", "White British"
    WIRI = "WIRI", "White Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WROM = "WROM", "Gypsy/Roma"
    WOTH = "WOTH", "Any other White background"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Black Caribbean"
    BAFR = "BAFR", "Black African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


# Child.full_name at its longest: first, middle and last names with a space between each.
FULL_NAME_MAX_LENGTH = 100 + 1 + 200 + 1 + 100


class Child(models.Model):
    """A child on a tenant's register. An unborn child has an expected date of birth instead."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="children")
    given_name = models.CharField("first name", max_length=100)
    middle_names = models.CharField(max_length=200, blank=True)
    family_name = models.CharField("last name", max_length=100)
    other_names = models.CharField(
        max_length=300, blank=True, help_text="Previous names, other spellings, names known by."
    )
    date_of_birth = models.DateField(null=True, blank=True)
    expected_date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, default=Gender.NOT_KNOWN)
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, default=Ethnicity.NOBT)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    uprn = models.CharField("UPRN", max_length=12, blank=True)
    nhs_number = models.CharField(
        "NHS number", max_length=10, blank=True, validators=[validate_nhs_number]
    )
    upn = models.CharField(
        "unique pupil number", max_length=13, blank=True, validators=[validate_upn]
    )
    # A duplicate record merged into another keeps its row, so its history still resolves.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_records"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "children"
        ordering = ["family_name", "given_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=False) | Q(expected_date_of_birth__isnull=False),
                name="child_has_birth_or_expected_date",
                violation_error_message=(
                    "Enter a date of birth, or an expected date for an unborn child."
                ),
            ),
            models.CheckConstraint(
                condition=Q(uprn="") | Q(uprn__regex=r"^[0-9]{1,12}$"),
                name="child_uprn_digits",
                violation_error_message="A UPRN is up to 12 digits.",
            ),
            models.UniqueConstraint(
                fields=["tenant", "nhs_number"],
                condition=~Q(nhs_number=""),
                name="child_nhs_number_unique_in_tenant",
                violation_error_message="Another child on the register has this NHS number.",
            ),
            models.UniqueConstraint(
                fields=["tenant", "upn"],
                condition=~Q(upn=""),
                name="child_upn_unique_in_tenant",
                violation_error_message="Another child on the register has this UPN.",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "date_of_birth"], name="child_tenant_dob")]

    def __str__(self) -> str:
        return self.full_name

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "child_id": self.pk}

    @property
    def full_name(self) -> str:
        return " ".join(
            part for part in (self.given_name, self.middle_names, self.family_name) if part
        )

    @property
    def is_unborn(self) -> bool:
        return self.date_of_birth is None

    def age_on(self, day: date) -> int | None:
        """Whole years on ``day``; None for an unborn child."""
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class ChildNameKey(models.Model):
    """The sound-alike key of each of a child's names (cases.matching.sound_keys), with the
    tenant and the date of birth (or expected date) copied in, so one index finds the children
    of a tenant, born on the dates a search allows, that share a name sound with it, and counts
    how many names they share, on PostgreSQL and SQLite alike (R-CHECK-1)."""

    pk = models.CompositePrimaryKey("child_id", "key")
    tenant = models.ForeignKey(
        "agencies.Tenant", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The primary key leads with the child: it serves refreshing and deleting a child's keys.
    # No reverse accessor: the audit log lists a child's reverse relations in each entry and
    # cannot display one to a model with a composite primary key.
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=40)
    born_on = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "key", "born_on", "child"], name="child_name_key_search")
        ]

    def __str__(self) -> str:
        return self.key


class CaseState(models.TextChoices):
    # The lifecycle in DOMAIN.md; transitions are services of their own, in later issues.
    INTENTION_LOGGED = "intention_logged", "Intention logged"
    CONSENT = "consent", "Consent"
    ASSESSMENT = "assessment", "Assessment in progress"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned for correction"
    LOGGED = "logged", "Logged"
    DELIVERY = "delivery", "Team around the child"
    REVIEW = "review", "Review"
    CLOSED = "closed", "Closed"
    ARCHIVED = "archived", "Archived"


class Case(models.Model):
    """One CAF episode for one child."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="cases")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="cases")
    assessor = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, related_name="cases_assessed"
    )
    assessor_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="cases_assessed"
    )
    # One lead at a time, set only when the practitioner accepts (R-LP-1, delivery.lead).
    lead_professional = models.ForeignKey(
        "agencies.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_led",
    )
    lead_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lead_since = models.DateField(null=True, blank=True)
    # Step-down from social care (R-CLOSE-2): the statutory case this CAF continues.
    stepped_down_from = models.CharField("social care case reference", max_length=100, blank=True)
    # A new episode for a child whose earlier CAF closed long ago links to it (R-CHECK-4).
    previous_episode = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="later_episodes"
    )
    state = models.CharField(
        max_length=20, choices=CaseState.choices, default=CaseState.INTENTION_LOGGED
    )
    intention_logged_at = models.DateTimeField(auto_now_add=True)
    assessment_started_on = models.DateField(null=True, blank=True)
    assessment_completed_on = models.DateField(null=True, blank=True)
    submitted_on = models.DateField(null=True, blank=True)
    logged_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    # Archived a year after closure (R-RET-1, retention.services): read-only, CAF team only.
    archived_on = models.DateField(null=True, blank=True)
    reopened_on = models.DateField(null=True, blank=True)
    # The level of need (1-4) of the latest assessment version that states one, kept by the
    # conclusions section's save (assessments.services.sections) so that the reports count
    # open CAFs by level without a subquery per case (bench/reports_bench.py).
    level_of_need = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-intention_logged_at", "-id"]
        constraints = [
            # Two "new episode" decisions at once must not open two CAFs for one child.
            models.UniqueConstraint(
                fields=["child"],
                condition=~Q(state__in=["closed", "archived"]),
                name="one_open_case_per_child",
                violation_error_message="This child already has an open CAF.",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "state"], name="case_tenant_state"),
            # The daily retention run finds closed and archived CAFs by their closure date.
            models.Index(fields=["state", "closed_on"], name="case_state_closed_on"),
            models.Index(fields=["assessor", "-intention_logged_at"], name="case_assessor_recent"),
            # Lists of visible cases are read newest first, a page at a time (keyset).
            models.Index(
                fields=["tenant", "-intention_logged_at", "-id"], name="case_tenant_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.child})"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.pk, "child_id": self.child_id}

    @property
    def reference(self) -> str:
        return f"CAF-{self.pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.state not in (CaseState.CLOSED, CaseState.ARCHIVED)

    @property
    def reopen_until(self) -> date | None:
        """The last day this closed CAF can be reopened without a new assessment (R-CHECK-4)."""
        if self.state != CaseState.CLOSED or self.closed_on is None:
            return None
        return rules.reopen_until(self.closed_on)

    @property
    def can_reopen(self) -> bool:
        return self.reopen_until is not None and timezone.localdate() <= self.reopen_until

    @property
    def contact(self):
        """Who a practitioner without access should call: the lead professional, or the
        assessor until one is agreed (R-CHECK-1)."""
        return self.lead_professional or self.assessor


class CheckOutcome(models.TextChoices):
    """What the practitioner decided after checking for an existing CAF (R-CHECK-2..8)."""

    PENDING = "", "Searched, no decision yet"
    NEW_CAF = "new_caf", "No CAF: intention to start one logged"
    JOIN_REQUESTED = "join_requested", "Open CAF: asked the lead professional to join or add needs"
    REOPENED = "reopened", "Closed under 6 months ago: reopened"
    NEW_EPISODE = "new_episode", "Closed longer ago: new episode started"
    TIER34_CONCERN = "tier34_concern", "Tier 3/4 involvement: concern registered with keyworker"
    CHILD_PROTECTION = "child_protection", "Child protection concern: safeguarding referral"
    OUT_OF_SCOPE = "out_of_scope", "Outside the age range for a CAF"


class CafCheck(models.Model):
    """One check for an existing CAF: what was searched, by whom, and what was decided. The CAF
    team sees every check in its tenant as it happens (R-CHECK-2)."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="caf_checks")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    searched_at = models.DateTimeField(auto_now_add=True)
    given_name = models.CharField("first name", max_length=100, blank=True)
    family_name = models.CharField("last name", max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    upn = models.CharField("unique pupil number", max_length=13, blank=True)
    has_learning_difficulty = models.BooleanField(
        "learning difficulty or disability", default=False
    )
    match_count = models.PositiveSmallIntegerField(default=0)
    outcome = models.CharField(
        max_length=20, choices=CheckOutcome.choices, default=CheckOutcome.PENDING, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, null=True, blank=True, related_name="checks"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="checks"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-searched_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-searched_at"], name="check_tenant_recent")]

    def __str__(self) -> str:
        return f"Check by {self.by} at {self.searched_at:%d/%m/%Y %H:%M}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id, "child_id": self.child_id}

    @property
    def searched_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)


class PlanActionStatus(models.TextChoices):
    # R-PLAN-2: an action owned by another agency waits for that agency to accept it.
    REQUESTED = "requested", "Requested (waiting for the agency to accept)"
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    NOT_DONE = "not_done", "Not done"
    DECLINED = "declined", "Declined by the agency"


class SupportingFamiliesOutcome(models.TextChoices):
    # The ten headline outcomes of the Supporting Families framework (R-REPORT-2).
    EDUCATION = "education", "Getting a good education"
    EARLY_YEARS = "early_years", "Good early years development"
    HEALTH = "health", "Improved mental and physical health"
    SUBSTANCE_USE = "substance_use", "Promoting recovery and reducing harm from substance use"
    RELATIONSHIPS = "relationships", "Improved family relationships"
    SAFE_FROM_ABUSE = "safe_from_abuse", "Children safe from abuse and exploitation"
    CRIME = "crime", "Crime prevention and tackling crime"
    DOMESTIC_ABUSE = "domestic_abuse", "Safe from domestic abuse"
    HOUSING = "housing", "Secure housing"
    FINANCES = "finances", "Financial stability"


class PlanAction(models.Model):
    """One action of a case's action plan (R-PLAN-1): the need it meets, the outcome sought,
    who does what by when. Agreed at a TAC meeting or a forum; the plan is every action of
    the case."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plan_actions")
    need = models.TextField(help_text="The need, with the strengths alongside it.")
    strengths = models.TextField(blank=True, help_text="What is going well, alongside the need.")
    # Codes of SupportingFamiliesOutcome the need maps to, for the returns (R-REPORT-2).
    supporting_families_outcomes = models.JSONField(default=list, blank=True)
    outcome = models.TextField(
        blank=True, help_text="What will be different, and how we will know."
    )
    action = models.TextField("what will be done")
    # Who: an agency (and, within it, a named practitioner) or a family member.
    owner_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner_user = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner_family_member = models.CharField(max_length=200, blank=True)
    due_on = models.DateField("by when")
    status = models.CharField(
        max_length=20, choices=PlanActionStatus.choices, default=PlanActionStatus.NOT_STARTED
    )
    # Why an action was not done, or why its agency declined it.
    status_reason = models.TextField(blank=True)
    agreed_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    agreed_at = models.DateTimeField(auto_now_add=True)
    # A requested action becomes a promise only when its agency accepts it (R-PLAN-2).
    accepted_by = models.ForeignKey(
        "agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    # A completed action carried into a later plan can be dropped from it (003 guide 16);
    # it stays on record.
    dropped_on = models.DateField(null=True, blank=True)
    # When it was last marked done (None unless done): the Supporting Families return counts
    # it in that quarter, whatever later changes (a note, being dropped) touch the row.
    done_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_agency__isnull=False) | ~Q(owner_family_member=""),
                name="plan_action_has_owner",
                violation_error_message="Say who will do it: an agency or a family member.",
            ),
            models.CheckConstraint(
                condition=Q(owner_user__isnull=True) | Q(owner_agency__isnull=False),
                name="plan_action_practitioner_has_agency",
                violation_error_message="A named practitioner acts for an agency.",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "due_on"], name="plan_action_case_due"),
            # Overdue actions in their owner's worklist.
            models.Index(fields=["owner_user", "status", "due_on"], name="plan_action_owner_due"),
            models.Index(
                fields=["owner_agency", "status", "due_on"], name="plan_action_agency_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action[:60]} (by {self.due_on:%d/%m/%Y})"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id}

    @property
    def owner_label(self) -> str:
        if self.owner_family_member:
            return self.owner_family_member
        if self.owner_user_id:
            return f"{self.owner_user} ({self.owner_agency})"
        return str(self.owner_agency)


class TeamJoinReason(models.TextChoices):
    JOIN_REQUEST = "join_request", "Asked to join and was accepted"
    LEAD_PROFESSIONAL = "lead_professional", "Lead professional"
    SERVICE_REQUEST = "service_request", "Accepted a request for service"


class TeamMembership(models.Model):
    """An agency working on a case as part of the team around the child. Consent lets an
    agency see a case; joining the team lets its staff work on it (R-CHECK-3, R-LP-1), and
    only while the family's consent covers the agency."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="team")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=20, choices=TeamJoinReason.choices)
    added_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "agency"],
                condition=Q(left_at__isnull=True),
                name="team_membership_once",
                violation_error_message="This agency is already in the team.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} in the team"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.case_id}


class PlanActionNote(models.Model):
    """A progress note on an action, by whoever works on it."""

    tenant = models.ForeignKey("agencies.Tenant", on_delete=models.PROTECT, related_name="+")
    action = models.ForeignKey(PlanAction, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField()
    written_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return f"Progress note by {self.written_by} on {self.written_at:%d/%m/%Y}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id, "case_id": self.action.case_id}


# django-guardian's direct foreign-key permission tables: indexed joins on Case, not the
# generic varchar object_pk (FIELD-NOTES, guardian).
class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.content_object.tenant_id, "case_id": self.content_object_id}


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.content_object.tenant_id, "case_id": self.content_object_id}
