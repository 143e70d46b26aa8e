"""Demo cases with deadlines to show after ``bin/run`` (issue 14), built through the services
as the practitioners would; only the dates are moved back, as if the work had been done weeks
ago, since every deadline is read from the stored dates:

- Ellie Shaw (`teacher`): the assessment was signed off 35 days ago and never submitted, so its
  submission is overdue (R-ASSESS-5): in the teacher's "Overdue" worklist and on the CAF
  team's deadlines page (`coordinator`, /deadlines/).
- Theo Price (`teacher`, also the lead): the first TAC was held 80 days ago, so the review is
  due within two weeks (R-REV-1): in the teacher's "Due in the next 2 weeks".
"""

from datetime import date, timedelta

from django.utils import timezone

from agencies.models import Agency, Tenant, User
from assessments.models import AssessmentVersion, ValidationCheck
from assessments.selectors import current_version, section_keys
from assessments.services import assessment_begin
from assessments.services.validation import assessment_submit, assessment_validate
from cases.models import Case, Child, Ethnicity, Gender
from cases.services import case_open, child_register
from consent.services import consent_record
from demo.assessments import _sign_off, _write_sections
from demo.delivery import _accept_lead, _held_tac
from meetings.services.tac import tac_hold

SIGNED_DAYS_AGO = 35
TAC_HELD_DAYS_AGO = 80


def _signed_case(tenant, users, agencies, given: str, family: str, postcode: str) -> Case | None:
    """A consented case of the teacher with its assessment signed off today; None when the
    child is already on the register (the loader runs again)."""
    if Child.objects.filter(tenant=tenant, given_name=given, family_name=family).exists():
        return None
    teacher, school = users["teacher"], agencies["Riverside Primary School"]
    child = child_register(
        by=users["coordinator"],
        given_name=given,
        family_name=family,
        date_of_birth=date(2015, 6, 1),
        gender=Gender.FEMALE,
        ethnicity=Ethnicity.WBRI,
        address_line_1="7 Orchard Way",
        town="Northshire",
        postcode=postcode,
    )
    case = case_open(child=child, assessor_agency=school, by=teacher)
    consent_record(
        case=case,
        by=teacher,
        given_by="parent",
        giver_name="Grace Demo",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="all_except",
        method="written",
        signed_name="Grace Demo",
        signed_on=timezone.localdate() - timedelta(days=3),
        agencies=[],
    )
    assessment = assessment_begin(case=case, by=teacher)
    version = current_version(assessment)
    _write_sections(version, child, teacher, school, section_keys(version))
    _sign_off(version, teacher)
    return Case.objects.get(pk=case.pk)


def _completed_on(case: Case, day: date) -> None:
    AssessmentVersion.objects.filter(assessment__case=case).update(completed_on=day)
    Case.objects.filter(pk=case.pk).update(assessment_completed_on=day)


def load_deadline_examples(tenant: Tenant) -> None:
    """Idempotent: a child already on the register is left as it is."""
    users = {u.username: u for u in User.objects.filter(tenant=tenant)}
    agencies = {a.name: a for a in Agency.objects.filter(tenant=tenant)}
    today = timezone.localdate()

    ellie = _signed_case(tenant, users, agencies, "Ellie", "Shaw", "NS1 6RS")
    if ellie is not None:
        _completed_on(ellie, today - timedelta(days=SIGNED_DAYS_AGO))

    theo = _signed_case(tenant, users, agencies, "Theo", "Price", "NS2 3NP")
    if theo is not None:
        teacher = users["teacher"]
        assessment = theo.assessment
        assessment_submit(assessment=assessment, by=teacher)
        assessment.refresh_from_db()
        assessment_validate(
            assessment=assessment,
            by=users["coordinator"],
            confirmations=dict.fromkeys(ValidationCheck.values, True),
        )
        meeting, attendance = _held_tac(
            Case.objects.get(pk=theo.pk),
            by=teacher,
            practitioners=[(teacher, agencies["Riverside Primary School"])],
            family="Grace Demo",
            lead=teacher,
            venue="Riverside Primary School",
        )
        tac_hold(
            meeting=meeting,
            by=teacher,
            held_on=today - timedelta(days=TAC_HELD_DAYS_AGO),
            attendance=attendance,
        )
        _accept_lead(Case.objects.get(pk=theo.pk))
        _completed_on(theo, today - timedelta(days=TAC_HELD_DAYS_AGO + 7))
