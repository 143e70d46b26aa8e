"""Tenants (a local authority's CAF service), their agencies, and the staff who work in them.

R-TEN-1..4. Each agency owns a Django auth group; a member holding a casework role is in it,
and case access is granted to groups (see ``cases.permissions``).
"""

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.db.models import Q


class Tenant(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.pk}


class AgencyKind(models.TextChoices):
    CAF_TEAM = "caf_team", "CAF team"
    SCHOOL = "school", "School"
    EARLY_YEARS = "early_years", "Early years setting"
    CHILDRENS_CENTRE = "childrens_centre", "Children's centre"
    HEALTH_VISITING = "health_visiting", "Health visiting"
    MIDWIFERY = "midwifery", "Midwifery"
    SCHOOL_NURSING = "school_nursing", "School nursing"
    GP = "gp", "GP practice"
    CAMHS = "camhs", "Child and adolescent mental health"
    YOUTH_SERVICE = "youth_service", "Youth service"
    CONNEXIONS = "connexions", "Connexions"
    EDUCATION_WELFARE = "education_welfare", "Education welfare"
    HOUSING = "housing", "Housing"
    POLICE = "police", "Police"
    YOUTH_OFFENDING = "youth_offending", "Youth offending service"
    CSC = "csc", "Children's social care"
    VOLUNTARY = "voluntary", "Voluntary sector"
    OTHER = "other", "Other"


class Agency(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="agencies")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    email = models.EmailField(blank=True)
    telephone = models.CharField(max_length=40, blank=True)
    # Case access is granted to this group; membership of it follows the staff's roles.
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, editable=False, related_name="agency"
    )
    is_active = models.BooleanField(default=True)
    # Moved on by every agency_update: an edit begun on an older version is refused rather than
    # silently overwriting a colleague's (ASVS 11.1).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="agency_name_unique_in_tenant"),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(kind="caf_team"),
                name="one_caf_team_per_tenant",
                violation_error_message="This tenant already has a CAF team.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id}

    # A password change, however it is made (own page, reset, admin, command), ends every API
    # token (ASVS 3.5): this is the one place all of them pass. Sessions end through Django's
    # session hash already.
    def set_password(self, raw_password) -> None:
        super().set_password(raw_password)
        self._end_api_tokens()

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._end_api_tokens()

    def _end_api_tokens(self) -> None:
        from security.services import api_tokens_end_all  # security's models need this one

        if self.pk is not None:
            api_tokens_end_all(user=self)

    @property
    def is_caf_team(self) -> bool:
        return self.kind == AgencyKind.CAF_TEAM


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    CAF_COORDINATOR = "caf_coordinator", "CAF coordinator"
    MAF_CHAIR = "maf_chair", "MAF chair"
    MANAGER = "manager", "Manager"
    TENANT_ADMIN = "tenant_admin", "Tenant administrator"


# Roles that work with cases. A tenant administrator keeps reference data and has no need to
# know case content (R-AUDIT-2) unless they also hold one of these.
CASEWORK_ROLES = frozenset({Role.PRACTITIONER, Role.CAF_COORDINATOR, Role.MAF_CHAIR, Role.MANAGER})


class User(AbstractUser):
    """A member of staff. Platform operators (superusers) have no tenant and see no cases."""

    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    job_title = models.CharField(max_length=200, blank=True)
    telephone = models.CharField(max_length=40, blank=True)
    # R-TEN-4: an enhanced DBS check must be on record before any case content is shown.
    dbs_checked_on = models.DateField("enhanced DBS check date", null=True, blank=True)
    dbs_reference = models.CharField("enhanced DBS certificate number", max_length=20, blank=True)
    # Moved on by each save in admin, where an edit begun before a colleague's is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(dbs_checked_on__isnull=True) | ~Q(dbs_reference=""),
                name="dbs_check_has_reference",
                violation_error_message="A DBS check needs its certificate number.",
            ),
            # A platform operator belongs to no council: no role bypasses need-to-know.
            models.CheckConstraint(
                condition=Q(is_superuser=False) | Q(tenant__isnull=True),
                name="superuser_has_no_tenant",
                violation_error_message="A platform superuser cannot belong to a council.",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.tenant_id}

    # A password change, however it is made (own page, reset, admin, command), ends every API
    # token (ASVS 3.5): this is the one place all of them pass. Sessions end through Django's
    # session hash already.
    def set_password(self, raw_password) -> None:
        super().set_password(raw_password)
        self._end_api_tokens()

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._end_api_tokens()

    def _end_api_tokens(self) -> None:
        from security.services import api_tokens_end_all  # security's models need this one

        if self.pk is not None:
            api_tokens_end_all(user=self)

    @property
    def has_dbs_check(self) -> bool:
        return self.dbs_checked_on is not None and bool(self.dbs_reference)


class Membership(models.Model):
    """A user's role in one agency. A user may hold several, across agencies of one tenant."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="membership_unique_role_in_agency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}, {self.agency}"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.agency.tenant_id}


class TrainingCourse(models.TextChoices):
    # 000 App. F 14: awareness for TAC members, CAF training for assessors, both plus
    # lead-professional training for leads.
    CAF_AWARENESS = "caf_awareness", "CAF awareness"
    CAF_ASSESSOR = "caf_assessor", "CAF assessor training"
    LEAD_PROFESSIONAL = "lead_professional", "Lead professional training"


class TrainingRecord(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="training")
    course = models.CharField(max_length=32, choices=TrainingCourse.choices)
    completed_on = models.DateField()

    class Meta:
        ordering = ["-completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "completed_on"], name="training_record_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_course_display()} ({self.completed_on:%d/%m/%Y})"

    def get_additional_data(self) -> dict:
        return {"tenant_id": self.user.tenant_id}
