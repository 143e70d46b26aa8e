"""Demo cases for the oversight dashboard (issue 15; `manager`, "Oversight"), built through the
services; only the dates are moved back, as if the work had been done months ago:

- Two refusals (R-CONSENT-7): Kai Morgan refused by the young person himself (the youth
  service), Lily Evans by her mother (the health visitor), both last month: "Refusals" by
  agency, ethnicity, who refused and month.
- Noah Clarke (`teacher`): intention logged 140 days ago, logged after 30 days (later than
  28 days), first TAC 15 days after the completed assessment (within 20 working days), and
  no review since, so the review is overdue (R-REV-1): "Overdue reviews".
"""

from datetime import date, timedelta

from django.utils import timezone

from agencies.models import Agency, Tenant, User
from assessments.models import AssessmentVersion, ValidationCheck
from assessments.services.validation import assessment_submit, assessment_validate
from cases.models import Case, Child, Ethnicity, Gender
from cases.services import case_open, child_register
from consent.services import refusal_record
from demo.deadlines import _signed_case
from demo.delivery import _accept_lead, _held_tac
from meetings.services.tac import tac_hold

REFUSALS = [
    # given, family, born, gender, ethnicity, postcode, practitioner, agency, refused by
    (
        "Kai",
        "Morgan",
        date(2010, 9, 14),
        Gender.MALE,
        Ethnicity.MWBC,
        "NS3 2KM",
        "youthworker",
        "Northshire Youth Service",
        "child",
    ),
    (
        "Lily",
        "Evans",
        date(2024, 2, 2),
        Gender.FEMALE,
        Ethnicity.WBRI,
        "NS3 5LE",
        "healthvisitor",
        "Northshire Health Visiting",
        "parent",
    ),
]


def _refusals(tenant, users, agencies, today: date) -> None:
    for given, family, born, gender, ethnicity, postcode, who, agency, refused_by in REFUSALS:
        if Child.objects.filter(tenant=tenant, given_name=given, family_name=family).exists():
            continue
        child = child_register(
            by=users[who],
            given_name=given,
            family_name=family,
            date_of_birth=born,
            gender=gender,
            ethnicity=ethnicity,
            town="Northshire",
            postcode=postcode,
        )
        case = case_open(child=child, assessor_agency=agencies[agency], by=users[who])
        refusal_record(
            case=case,
            by=users[who],
            refused_by=refused_by,
            refused_on=today - timedelta(days=30),
            note="Did not want an early help assessment at this time.",
        )


def _overdue_review(tenant, users, agencies, today: date) -> None:
    noah = _signed_case(tenant, users, agencies, "Noah", "Clarke", "NS1 8NC")
    if noah is None:
        return
    teacher = users["teacher"]
    assessment_submit(assessment=noah.assessment, by=teacher)
    noah.assessment.refresh_from_db()
    assessment_validate(
        assessment=noah.assessment,
        by=users["coordinator"],
        confirmations=dict.fromkeys(ValidationCheck.values, True),
    )
    meeting, attendance = _held_tac(
        Case.objects.get(pk=noah.pk),
        by=teacher,
        practitioners=[(teacher, agencies["Riverside Primary School"])],
        family="Grace Demo",
        lead=teacher,
        venue="Riverside Primary School",
    )
    tac_hold(
        meeting=meeting, by=teacher, held_on=today - timedelta(days=100), attendance=attendance
    )
    _accept_lead(Case.objects.get(pk=noah.pk))
    completed = today - timedelta(days=115)
    AssessmentVersion.objects.filter(assessment__case=noah).update(completed_on=completed)
    intention = timezone.now() - timedelta(days=140)
    Case.objects.filter(pk=noah.pk).update(
        intention_logged_at=intention,
        assessment_completed_on=completed,
        logged_on=timezone.localdate(intention) + timedelta(days=30),
    )


def load_report_examples(tenant: Tenant) -> None:
    """Idempotent: a child already on the register is left as it is."""
    users = {u.username: u for u in User.objects.filter(tenant=tenant)}
    agencies = {a.name: a for a in Agency.objects.filter(tenant=tenant)}
    today = timezone.localdate()
    _refusals(tenant, users, agencies, today)
    _overdue_review(tenant, users, agencies, today)
