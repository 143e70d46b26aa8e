"""Demo families for the returns (issue 15), built through the services as the practitioners
would, so that Ofsted's Annex A list and the Supporting Families return have rows after
``bin/run`` (sign in as `manager`, then Returns):

- Zainab Mensah (`teacher`, the lead): her plan maps needs to education, housing, financial
  stability and health; at this week's review education was achieved and housing and money
  showed some progress.
- Leo Hartley (`teacher`, the lead): an action for crime prevention and family relationships
  marked done.
Both are on Annex A list 2 with their census codes (Black African girl, White British boy).
"""

from datetime import date, timedelta

from django.utils import timezone

from agencies.models import Agency, Tenant, User
from assessments.models import ValidationCheck
from assessments.selectors import current_version, section_keys
from assessments.services import assessment_begin
from assessments.services.validation import assessment_submit, assessment_validate
from cases.models import Case, Child, Ethnicity, Gender, PlanActionStatus
from cases.plans import plan_action_add, plan_action_status_update
from cases.services import case_open, child_register
from consent.services import consent_record
from delivery.models import ReviewDecision
from delivery.selectors import live_plan_actions
from delivery.services.reviews import review_record
from demo.assessments import _sign_off, _write_sections
from demo.delivery import _accept_lead, _held_tac
from meetings.services.tac import tac_hold

TAC_HELD_DAYS_AGO = 30


def _delivered_case(tenant, users, agencies, **child_fields) -> Case | None:
    """A logged CAF of the teacher, its first TAC held a month ago and the teacher the lead;
    None when the child is on the register already (the loader runs again)."""
    if Child.objects.filter(
        tenant=tenant,
        given_name=child_fields["given_name"],
        family_name=child_fields["family_name"],
    ).exists():
        return None
    teacher, school = users["teacher"], agencies["Riverside Primary School"]
    child = child_register(by=users["coordinator"], town="Northshire", **child_fields)
    case = case_open(child=child, assessor_agency=school, by=teacher)
    parent = f"Sam {child.family_name}"
    consent_record(
        case=case,
        by=teacher,
        given_by="parent",
        giver_name=parent,
        relationship="parent",
        to_undertake=True,
        to_record=True,
        share_scope="all_except",
        method="written",
        signed_name=parent,
        signed_on=timezone.localdate() - timedelta(days=TAC_HELD_DAYS_AGO + 14),
        agencies=[],
    )
    assessment = assessment_begin(case=case, by=teacher)
    version = current_version(assessment)
    _write_sections(version, child, teacher, school, section_keys(version))
    _sign_off(version, teacher)
    assessment.refresh_from_db()
    assessment_submit(assessment=assessment, by=teacher)
    assessment.refresh_from_db()
    assessment_validate(
        assessment=assessment,
        by=users["coordinator"],
        confirmations=dict.fromkeys(ValidationCheck.values, True),
    )
    meeting, attendance = _held_tac(
        Case.objects.get(pk=case.pk),
        by=teacher,
        practitioners=[(teacher, school)],
        family=parent,
        lead=teacher,
        venue="Riverside Primary School",
    )
    tac_hold(
        meeting=meeting,
        by=teacher,
        held_on=timezone.localdate() - timedelta(days=TAC_HELD_DAYS_AGO),
        attendance=attendance,
    )
    _accept_lead(Case.objects.get(pk=case.pk))
    return Case.objects.get(pk=case.pk)


def _action(case, teacher, school, need, outcomes, **owner):
    return plan_action_add(
        case=case,
        by=teacher,
        need=need,
        action="Agreed at the TAC meeting.",
        due_on=timezone.localdate() + timedelta(days=42),
        supporting_families_outcomes=outcomes,
        **(owner or {"owner_agency": school}),
    )


def load_returns_examples(tenant: Tenant) -> None:
    """Idempotent: a child already on the register is left as it is."""
    users = {u.username: u for u in User.objects.filter(tenant=tenant)}
    agencies = {a.name: a for a in Agency.objects.filter(tenant=tenant)}
    teacher, school = users["teacher"], agencies["Riverside Primary School"]

    zainab = _delivered_case(
        tenant,
        users,
        agencies,
        given_name="Zainab",
        family_name="Mensah",
        date_of_birth=date(2015, 9, 14),
        gender=Gender.FEMALE,
        ethnicity=Ethnicity.BAFR,
        address_line_1="21 Canal Street",
        postcode="NS1 3QP",
    )
    if zainab is not None:
        mornings = _action(
            zainab, teacher, school, "Zainab often misses the start of the day.", ["education"]
        )
        rent = _action(
            zainab,
            teacher,
            school,
            "Rent arrears since her mother's hours were cut.",
            ["housing", "finances"],
            owner_family_member="Sam Mensah",
        )
        _action(zainab, teacher, school, "Zainab is anxious and sleeps badly.", ["health"])
        found = {mornings.pk: "achieved", rent.pk: "partly"}
        review_record(
            case=Case.objects.get(pk=zainab.pk),
            by=teacher,
            held_on=timezone.localdate(),
            decision=ReviewDecision.CONTINUE,
            progress={
                action.pk: {"progress": found.get(action.pk, "none"), "note": "At the review."}
                for action in live_plan_actions(zainab)
            },
            needs_met="Zainab is in school on time.",
        )

    leo = _delivered_case(
        tenant,
        users,
        agencies,
        given_name="Leo",
        family_name="Hartley",
        date_of_birth=date(2012, 3, 2),
        gender=Gender.MALE,
        ethnicity=Ethnicity.WBRI,
        address_line_1="5 Forge Lane",
        postcode="NS2 8LW",
    )
    if leo is not None:
        action = _action(
            leo,
            teacher,
            school,
            "Leo was drawn into trouble in the park after school; rows at home.",
            ["crime", "relationships"],
        )
        plan_action_status_update(
            plan_action=action, by=teacher, status=PlanActionStatus.DONE, seen=action.updated_at
        )
