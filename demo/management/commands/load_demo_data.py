"""Demo tenants, agencies, staff, children and cases, so a newcomer can walk a whole case.

Idempotent: running it again changes nothing. Everything is created through the services, as
a person would, so the change log shows it. Refuses to run with DEBUG off unless told to, as
the demo accounts share one published password and, where their role needs a second factor,
one published authenticator secret (``DEMO_TOTP_SECRET``; ``manage.py demo_totp`` prints its
current code).
"""

from base64 import b32decode
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Agency, AgencyKind, Role, Tenant, User
from agencies.second_factor import APP_DEVICE_NAME, second_factor_required
from agencies.services import agency_create, membership_add, staff_record_dbs_check
from cases.models import Case, CaseState, Child, Ethnicity, Gender
from cases.services import case_open, child_register
from delivery.models import CaseClosure, ClosureReason
from demo.assessments import load_assessment_examples
from demo.deadlines import load_deadline_examples
from demo.delivery import load_delivery_examples
from demo.meetings import load_meeting_examples
from demo.reports import load_report_examples
from demo.reports_returns import load_returns_examples
from demo.retention import load_retention_examples
from demo.tac import load_tac_examples
from referrals.models import InvolvementKind, Tier34Involvement
from referrals.services import tier34_involvement_record

DEMO_PASSWORD = "demo-caf-2026"
# Base32, as an authenticator app takes it; public, like the password: demo accounts only.
DEMO_TOTP_SECRET = "ECAFDEMOTOTPSECRETFORDEMOONLY234"

NORTHSHIRE_AGENCIES = [
    ("Northshire CAF team", AgencyKind.CAF_TEAM),
    ("Riverside Primary School", AgencyKind.SCHOOL),
    ("Northshire Health Visiting", AgencyKind.HEALTH_VISITING),
    ("Northshire Police", AgencyKind.POLICE),
    ("Northshire Youth Service", AgencyKind.YOUTH_SERVICE),
    ("Family Action Northshire", AgencyKind.VOLUNTARY),
    ("Northshire Children's Social Care", AgencyKind.CSC),
]

# username, first, last, job title, [(agency, role)]
NORTHSHIRE_STAFF = [
    (
        "coordinator",
        "Carol",
        "Ndiaye",
        "CAF coordinator",
        [("Northshire CAF team", Role.CAF_COORDINATOR)],
    ),
    (
        "chair",
        "Martin",
        "Hughes",
        "MAF independent chair",
        [("Northshire CAF team", Role.MAF_CHAIR)],
    ),
    ("manager", "Priya", "Shah", "Early help manager", [("Northshire CAF team", Role.MANAGER)]),
    ("admin", "Tom", "Bell", "Systems administrator", [("Northshire CAF team", Role.TENANT_ADMIN)]),
    (
        "teacher",
        "Sarah",
        "Okafor",
        "Designated safeguarding lead",
        [("Riverside Primary School", Role.PRACTITIONER)],
    ),
    (
        "healthvisitor",
        "Joanne",
        "Price",
        "Health visitor",
        [("Northshire Health Visiting", Role.PRACTITIONER)],
    ),
    (
        "police",
        "Daniel",
        "Kowalski",
        "PCSO, schools liaison",
        [("Northshire Police", Role.PRACTITIONER)],
    ),
    (
        "youthworker",
        "Aisha",
        "Rahman",
        "Youth worker",
        [("Northshire Youth Service", Role.PRACTITIONER)],
    ),
    (
        "familysupport",
        "Ben",
        "Carter",
        "Family support worker",
        [
            ("Family Action Northshire", Role.PRACTITIONER),
            ("Northshire Youth Service", Role.PRACTITIONER),
        ],
    ),
    (
        "socialworker",
        "Helen",
        "Moss",
        "Social worker",
        [("Northshire Children's Social Care", Role.PRACTITIONER)],
    ),
    (
        "dutymanager",
        "Nadia",
        "Brennan",
        "Duty manager, children's social care front door",
        [("Northshire Children's Social Care", Role.MANAGER)],
    ),
    (
        "newstarter",
        "Liam",
        "Foster",
        "Teaching assistant (DBS check pending)",
        [("Riverside Primary School", Role.PRACTITIONER)],
    ),
]

WESTBOROUGH_AGENCIES = [
    ("Westborough CAF team", AgencyKind.CAF_TEAM),
    ("Westborough Academy", AgencyKind.SCHOOL),
]
WESTBOROUGH_STAFF = [
    (
        "west.coordinator",
        "Grace",
        "Adeyemi",
        "CAF coordinator",
        [("Westborough CAF team", Role.CAF_COORDINATOR)],
    ),
    ("west.teacher", "Owen", "Lloyd", "Head of year", [("Westborough Academy", Role.PRACTITIONER)]),
]

# assessor username, agency, child fields
NORTHSHIRE_CASES = [
    (
        "teacher",
        "Riverside Primary School",
        dict(
            given_name="Mohammed",
            family_name="Hussain",
            date_of_birth=date(2016, 4, 12),
            gender=Gender.MALE,
            ethnicity=Ethnicity.APKN,
            address_line_1="14 Mill Lane",
            town="Northshire",
            postcode="NS1 4AB",
            uprn="100012345678",
            upn="P825401016001",
        ),
    ),
    (
        "healthvisitor",
        "Northshire Health Visiting",
        dict(
            given_name="Lily",
            family_name="Smith-Jones",
            date_of_birth=date(2024, 9, 30),
            gender=Gender.FEMALE,
            ethnicity=Ethnicity.WBRI,
            address_line_1="2 Station Road",
            town="Northshire",
            postcode="NS2 7QT",
            nhs_number="9434765919",
        ),
    ),
    (
        "youthworker",
        "Northshire Youth Service",
        dict(
            given_name="Kacper",
            family_name="Nowak",
            other_names="Kasper Nowak",
            date_of_birth=date(2010, 1, 5),
            gender=Gender.MALE,
            ethnicity=Ethnicity.WOTH,
            address_line_1="Flat 3, 88 High Street",
            town="Northshire",
            postcode="NS1 9ZZ",
        ),
    ),
    (
        "healthvisitor",
        "Northshire Health Visiting",
        dict(
            given_name="Baby",
            family_name="Clarke",
            expected_date_of_birth=date(2027, 2, 14),
            gender=Gender.NOT_KNOWN,
            ethnicity=Ethnicity.NOBT,
            address_line_1="7 Orchard Close",
            town="Northshire",
            postcode="NS3 2DL",
        ),
    ),
]
# Children for walking every outcome of "Start a CAF": (fields, assessor, agency, closed
# months ago or None for no case, Tier 3/4 keyworker username or None).
NORTHSHIRE_REGISTER = [
    (
        dict(
            given_name="Aisha",
            family_name="Begum",
            date_of_birth=date(2013, 2, 8),
            gender=Gender.FEMALE,
            ethnicity=Ethnicity.ABAN,
            postcode="NS1 2CD",
        ),
        "familysupport",
        "Family Action Northshire",
        2,
        None,
    ),
    (
        dict(
            given_name="Tyler",
            family_name="Brooks",
            date_of_birth=date(2011, 11, 11),
            gender=Gender.MALE,
            ethnicity=Ethnicity.MWBC,
            postcode="NS2 5EF",
        ),
        "youthworker",
        "Northshire Youth Service",
        10,
        None,
    ),
    (
        dict(
            given_name="Ellie-May",
            family_name="Turner",
            date_of_birth=date(2014, 7, 19),
            gender=Gender.FEMALE,
            ethnicity=Ethnicity.WBRI,
            postcode="NS3 8GH",
        ),
        None,
        None,
        None,
        "socialworker",
    ),
    (
        dict(
            given_name="Daniel",
            family_name="O'Connor",
            date_of_birth=date(2017, 3, 3),
            gender=Gender.MALE,
            ethnicity=Ethnicity.WIRI,
            postcode="NS1 6JK",
        ),
        None,
        None,
        None,
        None,
    ),
]

WESTBOROUGH_CASES = [
    (
        "west.teacher",
        "Westborough Academy",
        dict(
            given_name="Chloe",
            family_name="Evans",
            date_of_birth=date(2012, 6, 21),
            gender=Gender.FEMALE,
            ethnicity=Ethnicity.WBRI,
            postcode="WB4 1AA",
        ),
    ),
]


class Command(BaseCommand):
    help = "Load demo tenants, staff, children and cases (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load even with DEBUG off (never on a live service: the password is public).",
        )

    def handle(self, *args, allow_production: bool = False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError("Demo data is for development (DEBUG=true) only.")
        platform, _ = User.objects.get_or_create(
            username="ecaf-platform",
            defaults={"is_superuser": True, "is_staff": True, "first_name": "eCAF platform"},
        )
        with transaction.atomic():
            self._tenant(
                "Northshire County Council",
                "northshire",
                NORTHSHIRE_AGENCIES,
                NORTHSHIRE_STAFF,
                NORTHSHIRE_CASES,
                platform,
            )
            self._register_examples(Tenant.objects.get(slug="northshire"))
            load_assessment_examples(Tenant.objects.get(slug="northshire"))
            load_meeting_examples(Tenant.objects.get(slug="northshire"))
            load_tac_examples(Tenant.objects.get(slug="northshire"))
            load_delivery_examples(Tenant.objects.get(slug="northshire"))
            load_deadline_examples(Tenant.objects.get(slug="northshire"))
            load_retention_examples(Tenant.objects.get(slug="northshire"))
            load_report_examples(Tenant.objects.get(slug="northshire"))
            load_returns_examples(Tenant.objects.get(slug="northshire"))
            self._tenant(
                "Westborough Borough Council",
                "westborough",
                WESTBOROUGH_AGENCIES,
                WESTBOROUGH_STAFF,
                WESTBOROUGH_CASES,
                platform,
            )
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Sign in at http://127.0.0.1:8000/"))
        self.stdout.write(f"Every demo account's password is: {DEMO_PASSWORD}")
        self.stdout.write(
            "Accounts marked * also ask for a code from an authenticator app. Add this key to\n"
            f"an app (Google or Microsoft Authenticator): {DEMO_TOTP_SECRET}\n"
            "or print the current code with: .venv/bin/python manage.py demo_totp USERNAME"
        )
        needs_code = set(
            TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True)
        )
        for tenant_name, staff in (
            ("Northshire", NORTHSHIRE_STAFF),
            ("Westborough", WESTBOROUGH_STAFF),
        ):
            for username, first, last, title, _roles in staff:
                mark = "*" if username in needs_code else " "
                self.stdout.write(
                    f"  {tenant_name:<12} {username:<17}{mark} {first} {last}, {title}"
                )

    def _tenant(self, name, slug, agencies, staff, cases, platform):
        tenant, _ = Tenant.objects.get_or_create(slug=slug, defaults={"name": name})
        by_name = {}
        for agency_name, kind in agencies:
            agency = Agency.objects.filter(tenant=tenant, name=agency_name).first()
            if agency is None:
                agency = agency_create(
                    tenant=tenant,
                    name=agency_name,
                    kind=kind,
                    by=platform,
                    email=f"{slug}.{kind}@example.org",
                    telephone="01632 960000",
                )
            by_name[agency_name] = agency
        users = {}
        for username, first, last, title, roles in staff:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "tenant": tenant,
                    "first_name": first,
                    "last_name": last,
                    "job_title": title,
                    "email": f"{username}@{slug}.example.org",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            for agency_name, role in roles:
                membership_add(user=user, agency=by_name[agency_name], role=role, by=platform)
            if role == Role.TENANT_ADMIN and not user.is_staff:
                user.is_staff = True  # the tenant administrator works in Django admin
                user.save(update_fields=["is_staff"])
            if "pending" not in title and not user.has_dbs_check:
                staff_record_dbs_check(
                    user=user,
                    checked_on=date(2025, 9, 1),
                    reference=f"00{user.pk:010d}",
                    by=platform,
                )
            if second_factor_required(user):
                _give_demo_authenticator(user)
            users[username] = user
        for assessor, agency_name, fields in cases:
            existing = Child.objects.filter(
                tenant=tenant, given_name=fields["given_name"], family_name=fields["family_name"]
            ).first()
            if existing and Case.objects.filter(child=existing).exists():
                continue
            child = existing or child_register(by=users[assessor], **fields)
            case_open(child=child, assessor_agency=by_name[agency_name], by=users[assessor])

    def _register_examples(self, tenant):
        users = {u.username: u for u in User.objects.filter(tenant=tenant)}
        agencies = {a.name: a for a in Agency.objects.filter(tenant=tenant)}
        today = timezone.localdate()
        for fields, assessor, agency, closed_months_ago, keyworker in NORTHSHIRE_REGISTER:
            if Child.objects.filter(
                tenant=tenant, given_name=fields["given_name"], family_name=fields["family_name"]
            ).exists():
                continue
            child = child_register(by=users["coordinator"], **fields)
            if assessor:
                case = case_open(child=child, assessor_agency=agencies[agency], by=users[assessor])
                # Closed long ago, before the CAF had any assessment: set on the rows, since
                # closing through case_close would need a team around the child first.
                closed_on = today - relativedelta(months=closed_months_ago)
                Case.objects.filter(pk=case.pk).update(state=CaseState.CLOSED, closed_on=closed_on)
                CaseClosure.objects.create(
                    tenant=tenant,
                    case=case,
                    closed_on=closed_on,
                    reason=ClosureReason.MOVED_AWAY,
                    note="The family moved out of the area.",
                    closed_by=users[assessor],
                )
            if keyworker and not Tier34Involvement.objects.filter(child=child).exists():
                worker = users[keyworker]
                tier34_involvement_record(
                    child=child,
                    kind=InvolvementKind.SOCIAL_CARE,
                    keyworker=worker,
                    keyworker_name=worker.get_full_name(),
                    keyworker_agency=worker.memberships.first().agency,
                    keyworker_email=worker.email,
                    keyworker_telephone="01632 960456",
                    started_on=today - relativedelta(months=3),
                    by=users["coordinator"],
                )


def demo_totp_key() -> str:
    """The demo secret as django-otp stores it (hex)."""
    return b32decode(DEMO_TOTP_SECRET).hex()


def _give_demo_authenticator(user: User) -> None:
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(
            user=user, name=APP_DEVICE_NAME, key=demo_totp_key(), confirmed=True
        )
