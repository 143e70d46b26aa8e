"""Demo CAFs in every state of the assessment, written through the services as practitioners
and the CAF team would, so that a newcomer can walk each one after ``bin/run``:

- Amara Osei (health visitor): consent recorded, assessment in progress, two sections saved,
  a contribution asked of the police.
- Jack Wilson (teacher): complete and signed off, waiting to be submitted.
- Zofia Nowak (family support): submitted, waiting in the CAF team's validation queue.
- Leo Hughes (youth worker): returned by the CAF team with a query to answer.
- Mia Patel (teacher): logged by the CAF team, then updated in a second version to compare.
- Six more logged CAFs (``READY_FOR_MEETINGS``) for the forum and the TAC meetings.
"""

from datetime import date, timedelta

from django.utils import timezone

from agencies.models import Agency, Tenant, User
from assessments.framework import Finding, Nature, Outcome, PriorityGroup, Section, StatementKind
from assessments.models import Assessment, ValidationCheck
from assessments.selectors import current_version, section_keys
from assessments.services import assessment_begin
from assessments.services.contributions import contribution_request
from assessments.services.sections import section_save
from assessments.services.sign_off import assessment_sign_off
from assessments.services.validation import assessment_submit, assessment_validate
from assessments.services.versions import version_create
from cases.models import Child, Ethnicity, Gender
from cases.services import case_open, child_register
from consent.services import consent_record

# child's fields, assessor's username, agency, how far the demo takes it
EXAMPLES = [
    (
        dict(
            given_name="Amara",
            family_name="Osei",
            date_of_birth=date(2022, 4, 14),
            gender=Gender.FEMALE,
            ethnicity=Ethnicity.BAFR,
            address_line_1="3 Mill Lane",
            town="Northshire",
            postcode="NS2 4QP",
        ),
        "healthvisitor",
        "Northshire Health Visiting",
        "in_progress",
    ),
    (
        dict(
            given_name="Jack",
            family_name="Wilson",
            date_of_birth=date(2016, 9, 2),
            gender=Gender.MALE,
            ethnicity=Ethnicity.WBRI,
            address_line_1="41 Station Road",
            town="Northshire",
            postcode="NS1 3RT",
        ),
        "teacher",
        "Riverside Primary School",
        "signed",
    ),
    (
        dict(
            given_name="Zofia",
            family_name="Nowak",
            date_of_birth=date(2012, 1, 23),
            gender=Gender.FEMALE,
            ethnicity=Ethnicity.WOTH,
            address_line_1="9 Castle Street",
            town="Northshire",
            postcode="NS3 1AB",
        ),
        "familysupport",
        "Family Action Northshire",
        "submitted",
    ),
    (
        dict(
            given_name="Leo",
            family_name="Hughes",
            date_of_birth=date(2011, 6, 30),
            gender=Gender.MALE,
            ethnicity=Ethnicity.MWBC,
            address_line_1="17 Park View",
            town="Northshire",
            postcode="NS2 8LD",
        ),
        "youthworker",
        "Northshire Youth Service",
        "returned",
    ),
    (
        dict(
            given_name="Mia",
            family_name="Patel",
            date_of_birth=date(2015, 11, 5),
            gender=Gender.FEMALE,
            ethnicity=Ethnicity.AIND,
            address_line_1="5 Elm Grove",
            town="Northshire",
            postcode="NS1 7HJ",
        ),
        "teacher",
        "Riverside Primary School",
        "logged",
    ),
]

# Logged CAFs waiting for a forum or a first TAC meeting (demo/meetings.py).
READY_FOR_MEETINGS = [
    (
        dict(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            gender=gender,
            ethnicity=ethnicity,
            address_line_1=address,
            town="Northshire",
            postcode=postcode,
        ),
        assessor,
        agency,
        "ready",
    )
    for given, family, born, gender, ethnicity, address, postcode, assessor, agency in [
        (
            "Noah",
            "Campbell",
            date(2014, 3, 12),
            Gender.MALE,
            Ethnicity.BCRB,
            "22 Queen's Road",
            "NS1 2DF",
            "teacher",
            "Riverside Primary School",
        ),
        (
            "Ruby",
            "Kaur",
            date(2013, 8, 4),
            Gender.FEMALE,
            Ethnicity.AOTH,
            "7 Canal Side",
            "NS3 5GH",
            "familysupport",
            "Family Action Northshire",
        ),
        (
            "Tyler",
            "Evans",
            date(2010, 12, 19),
            Gender.MALE,
            Ethnicity.WBRI,
            "60 Chapel Street",
            "NS2 9KL",
            "youthworker",
            "Northshire Youth Service",
        ),
        (
            "Hafsa",
            "Ahmed",
            date(2021, 5, 27),
            Gender.FEMALE,
            Ethnicity.APKN,
            "14 Orchard Close",
            "NS2 3MN",
            "healthvisitor",
            "Northshire Health Visiting",
        ),
        (
            "Kacper",
            "Zielinski",
            date(2015, 2, 8),
            Gender.MALE,
            Ethnicity.WOTH,
            "3 Foundry Yard",
            "NS1 6PQ",
            "teacher",
            "Riverside Primary School",
        ),
        (
            "Ellie",
            "Thompson",
            date(2012, 10, 30),
            Gender.FEMALE,
            Ethnicity.MWBC,
            "88 Victoria Road",
            "NS3 8RS",
            "familysupport",
            "Family Action Northshire",
        ),
    ]
]

# Logged CAFs that the demo takes on into delivery (demo/delivery.py): a lead professional,
# a plan with a requested action, a request for service, a referral to social care, a review
# and a closure for non-engagement.
IN_DELIVERY = [
    (
        dict(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            gender=gender,
            ethnicity=ethnicity,
            address_line_1=address,
            town="Northshire",
            postcode=postcode,
        ),
        assessor,
        agency,
        "ready",
    )
    for given, family, born, gender, ethnicity, address, postcode, assessor, agency in [
        (
            "Oliver",
            "Grant",
            date(2015, 6, 2),
            Gender.MALE,
            Ethnicity.WBRI,
            "3 Weaver Close",
            "NS1 6TR",
            "teacher",
            "Riverside Primary School",
        ),
        (
            "Maya",
            "Lewis",
            date(2021, 9, 14),
            Gender.FEMALE,
            Ethnicity.MWBA,
            "27 Canal Street",
            "NS2 4PL",
            "healthvisitor",
            "Northshire Health Visiting",
        ),
        (
            "Kian",
            "Murphy",
            date(2012, 1, 25),
            Gender.MALE,
            Ethnicity.WIRI,
            "Flat 9, Orchard House",
            "NS3 1QS",
            "youthworker",
            "Northshire Youth Service",
        ),
    ]
]

STAGES = ["in_progress", "signed", "submitted", "returned", "ready", "logged"]


def _statement(kind, text, whose, nature, by):
    return {"kind": kind, "text": text, "whose": whose, "nature": nature, "by": by.pk}


def _section_data(key: str, version, child: Child, assessor: User, agency: Agency) -> dict:
    name = child.given_name
    if key == Section.ABOUT:
        return {
            "present": f"{name}, their mother, and {assessor.get_full_name()}",
            "reason": f"{name}'s attendance has fallen this term and their mother has asked "
            "for help with routines at home.",
            "completing_agency": agency.pk,
        }
    if key == Section.CHECKLIST:
        return {
            "outcomes": {outcome: "yes" for outcome in Outcome.values}
            | {Outcome.ENJOY_AND_ACHIEVE: "no"},
            "questions": {"needs_clear": "yes", "needs_met": "no", "without_support": "no"},
            "notes": "Needs are clear but not met without support from more than one service.",
        }
    if key == Section.VIEWS:
        return {
            "child": f"{name} says mornings are hard and they miss breakfast most days.",
            "parents": "Mum says she works early shifts and would like help with mornings.",
        }
    if key == Section.CONCLUSIONS:
        return {
            "outcomes_at_risk": [Outcome.ENJOY_AND_ACHIEVE, Outcome.BE_HEALTHY],
            "level_of_need": 2,
            "priority_groups": [PriorityGroup.PERSISTENT_ABSENCE],
            "summary": "Additional needs best met by a team around the child: school, "
            "family support and the school nurse.",
        }
    data = {}
    for domain in version.framework:
        if domain["code"] != key:
            continue
        for position, element in enumerate(domain["elements"]):
            if position == 0:
                data[element["code"]] = {
                    "finding": Finding.STRENGTHS_AND_NEEDS,
                    "statements": [
                        _statement(
                            StatementKind.STRENGTH,
                            f"{name} is warm and well liked by other children.",
                            "Class teacher",
                            Nature.OBSERVATION,
                            assessor,
                        ),
                        _statement(
                            StatementKind.NEED,
                            f"{name} arrives tired and hungry two or three mornings a week.",
                            "Mother",
                            Nature.FACT,
                            assessor,
                        ),
                    ],
                }
            elif position == 1:
                data[element["code"]] = {"finding": Finding.NOT_ASSESSED, "statements": []}
            else:
                data[element["code"]] = {"finding": Finding.NO_CONCERNS, "statements": []}
    return data


def _write_sections(version, child, assessor, agency, keys) -> None:
    for key in keys:
        section_save(
            version=version,
            key=key,
            data=_section_data(key, version, child, assessor, agency),
            base_revision=0,
            completed=True,
            by=assessor,
        )


def _sign_off(version, assessor: User) -> None:
    today = timezone.localdate()
    assessment_sign_off(
        version=version,
        by=assessor,
        assessor_signed_name=assessor.get_full_name(),
        assessor_signed_on=today,
        family_signed_name="Grace Demo",
        family_signed_relationship="mother",
        family_signed_on=today,
    )


def load_assessment_examples(tenant: Tenant) -> None:
    """Idempotent: a child already on the register is left as it is."""
    users = {u.username: u for u in User.objects.filter(tenant=tenant)}
    agencies = {a.name: a for a in Agency.objects.filter(tenant=tenant)}
    coordinator = users["coordinator"]
    for fields, assessor_name, agency_name, stage in EXAMPLES + READY_FOR_MEETINGS + IN_DELIVERY:
        if Child.objects.filter(
            tenant=tenant, given_name=fields["given_name"], family_name=fields["family_name"]
        ).exists():
            continue
        assessor, agency = users[assessor_name], agencies[agency_name]
        child = child_register(by=coordinator, **fields)
        case = case_open(child=child, assessor_agency=agency, by=assessor)
        consent_record(
            case=case,
            by=assessor,
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
        assessment = assessment_begin(case=case, by=assessor)
        version = current_version(assessment)
        keys = section_keys(version)
        if stage == "in_progress":
            _write_sections(version, child, assessor, agency, keys[:3])
            contribution_request(
                version=version,
                key=Section.DEVELOPMENT,
                contributor=users["police"],
                message="You met the family after the incident in the park: could you add "
                "what you saw?",
                by=assessor,
            )
            continue
        _write_sections(version, child, assessor, agency, keys)
        _sign_off(version, assessor)
        if STAGES.index(stage) < STAGES.index("submitted"):
            continue
        assessment_submit(assessment=assessment, by=assessor)
        if stage == "submitted":
            continue
        every_check = dict.fromkeys(ValidationCheck.values, True)
        if stage == "returned":
            assessment_validate(
                assessment=assessment,
                by=coordinator,
                confirmations=every_check,
                queries=[
                    (
                        ValidationCheck.SINGLE_AGENCY,
                        "Has the school's own attendance support been tried? Please say "
                        "what, and when.",
                    )
                ],
            )
            continue
        assessment_validate(assessment=assessment, by=coordinator, confirmations=every_check)
        if stage == "ready":
            continue
        # Updated after logging: a second version to compare with the first.
        assessment = Assessment.objects.get(pk=assessment.pk)
        second = version_create(assessment=assessment, by=assessor, reason="update")
        views = _section_data(Section.VIEWS, second, child, assessor, agency)
        views["child"] = f"{child.given_name} says mornings are easier since breakfast club."
        section_save(
            version=second,
            key=Section.VIEWS,
            data=views,
            base_revision=second.sections.get(key=Section.VIEWS).revision,
            completed=True,
            by=assessor,
        )
