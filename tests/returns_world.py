"""Children with early help assessments on given dates, for the returns' tests (issue 15).

Assessments begin through the services (consent, then the assessment), which date them today;
the worked example needs them on fixed days, so the dates are then moved, as demo/deadlines.py
moves them. Closure is set the same way (the oracle test's ``_close``): only its date matters."""

from datetime import date

from django.utils import timezone

from assessments.services import assessment_begin
from cases.models import Case, CaseState, Child, Ethnicity, Gender
from cases.services import case_open, child_register
from consent.services import consent_record


def register(world, given_name: str, family_name: str, **fields) -> Child:
    return child_register(
        by=world.a.users["assessor"],
        given_name=given_name,
        family_name=family_name,
        postcode="NS1 1AB",
        **{"gender": Gender.NOT_KNOWN, "ethnicity": Ethnicity.NOBT, **fields},
    )


def early_help_case(
    world,
    child: Child,
    *,
    started: date,
    completed: date | None = None,
    closed: date | None = None,
    excluded=(),
) -> Case:
    """A CAF for ``child`` by world a's school assessor, consent to share with every agency
    but ``excluded``, its assessment begun on ``started``."""
    assessor = world.a.users["assessor"]
    case = case_open(child=child, assessor_agency=world.a.school, by=assessor)
    consent_record(
        case=case,
        by=assessor,
        given_by="parent",
        giver_name="Pat Parent",
        relationship="mother",
        to_undertake=True,
        to_record=True,
        share_scope="all_except",
        method="written",
        signed_name="Pat Parent",
        signed_on=timezone.localdate(),
        agencies=list(excluded),
    )
    assessment_begin(case=case, by=assessor)
    Case.objects.filter(pk=case.pk).update(
        assessment_started_on=started, assessment_completed_on=completed
    )
    if closed is not None:
        Case.objects.filter(pk=case.pk).update(state=CaseState.CLOSED, closed_on=closed)
    return Case.objects.get(pk=case.pk)
