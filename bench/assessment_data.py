"""Assessments for a benchmark register built by bench/dataset.py: every case in assessment,
submitted, returned or logged gets its CAF as a practitioner would have written it.

    .venv/bin/python bench/assessment_data.py --children 300000 --cases 200000 \\
        --database-url postgres://postgres@127.0.0.1:5432/ecaf_bench_assess

Per case: the ``Assessment`` with a first ``AssessmentVersion`` written on the tenant's element
list of today (``framework_snapshot``) and its sections as ``AssessmentSection`` rows in the
shapes of assessments/models.py: every element of the three domains with a finding and, where
strengths or needs are recorded, two to four attributed statements of a few sentences each.
An assessment still being written has its first sections saved, the last one in progress; a
signed one has all seven completed, the completion date and both signatures.

The case states of dataset.py become these assessment states: assessment -> in progress (one
in five signed off, not yet submitted); submitted -> submitted with a pending ``Validation``
(the CAF team's queue), 15% of them resubmissions after a return whose queries were answered;
one submitted case in five is turned into "returned for correction" (a returned validation
with one or two queries, each a task for the assessor); logged -> logged with a reference
unique in the tenant (numbered as assessments.services.validation does), one in seven after a
return that was answered. Signed versions have the assessor's and the family's copies (one in
twenty withheld, with the reason), submitted ones the CAF team's.
Cases without a current consent get one (no assessment starts without it, R-CONSENT-1); the
case's assessment dates follow the assessment's.

Loaded with COPY like the register, in one transaction; a tenant that already has assessments
is left as it is.
"""

import argparse
import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.dataset import BATCH, _is_postgres, _next_ids, _write  # noqa: E402

RETURNED_SHARE = 0.2  # of the submitted cases
SIGNED_SHARE = 0.2  # of the cases in assessment: signed off, not yet submitted
LOGGED_AFTER_RETURN_SHARE = 1 / 7
RESUBMITTED_SHARE = 0.15  # of the submitted: back in the queue after a return, queries answered
WITHHELD = (
    "Mum asked for no copy at home: her ex-partner visits and she does not want him to read it."
)

# What practitioners write, by kind. "{name}" is the child's first name.
STRENGTHS = [
    "{name} attends school every day and arrives on time with everything needed.",
    "{name} has a warm relationship with mum and seeks her out when upset.",
    "Mum reports that {name} sleeps through the night since the new routine began in March.",
    "{name} enjoys drawing and talks proudly about the pictures on the kitchen wall.",
    "The class teacher describes {name} as kind to younger pupils and keen to help.",
    "Immunisations are up to date and {name} is registered with the local GP practice.",
    "{name} has two close friends in class and plays football with them at break time.",
    "Dad collects {name} from school on Wednesdays and both look forward to it.",
    "{name} can dress independently and makes a simple breakfast on school days.",
    "Grandmother lives nearby and has {name} after school three days a week.",
    "{name} reads at the level expected for their age and chooses books from the library.",
    "The family are settled in their tenancy and the house is warm and clean.",
    "{name} responds well to praise and the reward chart is working at home.",
    "Mum attends every appointment and has asked for advice on managing tantrums.",
    "{name} is learning to swim with the Saturday club and has gained a certificate.",
    "The health visitor observed {name} playing calmly with age-appropriate toys.",
    "{name} can name the adults they trust at school and at home.",
    "Both parents say they want the best for {name} and agree about bedtimes.",
    "{name} takes part in the after-school drama group and performed in the summer show.",
    "There is a clear morning routine and {name} knows what happens next each day.",
]
NEEDS = [
    "Attendance this term is 84% and most absences are on Mondays.",
    "{name} becomes distressed at transitions and has hit out at staff twice this half term.",
    "Mum says she is struggling since the separation and feels low most days.",
    "{name} has not seen a dentist for two years and complains of toothache.",
    "The speech and language therapist's report shows a delay in expressive language.",
    "{name} often arrives hungry and staff have given breakfast on eleven mornings.",
    "Dad has said that there are arguments at home late at night that wake {name}.",
    "{name} spends long periods alone in their room and gaming until the early hours.",
    "The family are in temporary accommodation two bus rides from school.",
    "Rent arrears of about 1,200 pounds have led to a notice from the landlord.",
    "{name} is caring for a younger sibling most evenings while mum works late shifts.",
    "Homework is rarely handed in and {name} is two levels behind in maths.",
    "{name} has told the school nurse that they feel worried all the time.",
    "Mum is waiting for an assessment from the adult mental health team.",
    "There have been three police call-outs to the address this year, none charged.",
    "{name} was excluded for a fixed period of two days after a fight in the playground.",
    "The flat has damp in the bedroom that {name} shares with two siblings.",
    "{name} wets the bed most nights and is embarrassed to stay with friends.",
    "Dad drinks heavily at weekends according to mum, which he disputes.",
    "The family have no recourse to public funds and rely on the food bank weekly.",
]
FOLLOW_UPS = [
    "This has been discussed with the family, who agree it is a fair picture.",
    "School will keep a record over the next six weeks so that the picture is clearer.",
    "Mum would like help with this and has agreed to a referral to the family support worker.",
    "It was noticed during the home visit on a weekday afternoon.",
    "Dad sees it differently and his view is recorded separately below.",
    "The class teacher and the learning mentor have both seen this since September.",
    "{name} said this in their own words during the conversation at school.",
    "No concerns were raised about this at the last review by the health visitor.",
    "It has improved since the summer but is not yet consistent.",
    "The family asked that this be shared only with the agencies named in the consent.",
]
WHOSE = ["Assessor", "Mum", "Dad", "The child", "Class teacher", "Health visitor", "Grandmother"]
NATURES = ["fact", "fact", "observation", "observation", "opinion", "allegation"]
PRESENT = [
    "Mum, {name} and the assessor, at home.",
    "Mum, Dad and the assessor at school; {name} joined for the last twenty minutes.",
    "Grandmother (main carer), {name}, the assessor and the class teacher.",
    "Mum, her partner and the assessor; {name} was seen separately at school the next day.",
]
REASONS = [
    "School have noticed a drop in attendance and {name} seems withdrawn. Mum asked for help "
    "with routines at home after the family moved in the spring.",
    "The health visitor is concerned about {name}'s speech and the family's housing. Mum "
    "agreed that an assessment would help to bring the services together.",
    "{name} has been excluded twice this year. The family and school want a shared plan so "
    "that {name} can stay in mainstream education.",
    "Mum disclosed that she is finding it hard to cope since her mental health got worse. "
    "She wants support for {name} and for herself.",
]
CHILD_VIEWS = [
    "{name} said: I like school when I'm with my friends but I don't like it when people "
    "shout. I want my mum to be happy again. I'd like to go to football club.",
    "{name} drew a picture of the family and said the best day is Saturday with Nan. "
    "{name} does not like the bedroom because it is cold and wet on the wall.",
    "{name} said they get angry when they don't understand the work and nobody helps. "
    "They would like someone to talk to at lunchtime.",
]
PARENT_VIEWS = [
    "Mum said she wants help with getting {name} to school in the mornings and with money. "
    "She feels the school only call her when something has gone wrong.",
    "Dad said {name} is a good kid who needs more support in class. He would like to be "
    "told about meetings as well as mum.",
    "Mum said things have been hard since the move and she has nobody nearby. She wants "
    "{name} to have a mentor and would like to join a parenting group.",
]
SUMMARIES = [
    "{name} is a caring child with strong relationships at home, whose attendance and "
    "learning are affected by the family's housing and mum's health. A team around the "
    "child is proposed, with school as lead professional.",
    "The main needs are speech and language and the family's money worries. The family agree "
    "to a referral to the speech and language service and to debt advice.",
    "{name}'s behaviour at school reflects difficulties at home. Mum and school agree on a "
    "shared reward chart, a mentor at school and a parenting course.",
]
OUTCOMES = [
    "be_healthy",
    "stay_safe",
    "enjoy_and_achieve",
    "positive_contribution",
    "economic_well_being",
]
QUESTIONS = ["needs_clear", "needs_met", "without_support"]
PRIORITY_GROUPS = [
    "below_social_care",
    "persistent_absence",
    "exclusion_risk",
    "young_carer",
    "parental_mental_health",
    "domestic_violence",
    "disability",
    "substance_misuse",
]
CHECKS = [
    "demographics",
    "consent_signature",
    "layered_consent",
    "safeguarding",
    "single_agency",
    "signed_and_dated",
    "areas_completed",
]
COMPUTED = {"demographics", "consent_signature", "layered_consent", "signed_and_dated",
            "areas_completed"}  # fmt: skip
QUERIES = [
    ("demographics", "The child's ethnicity and the school's URN are missing. Please add them."),
    ("single_agency", "Has the school nurse been asked to see the child before this CAF?"),
    ("areas_completed", "Learning is marked not assessed: please say why or complete it."),
    ("safeguarding", "Please confirm whether the police call-outs were shared with MASH."),
]
ANSWERS = [
    "Added from the school's records on the date of this answer.",
    "Yes: the school nurse saw the child twice in the autumn; details added to the section.",
    "Completed after speaking to the class teacher.",
    "Shared with MASH by the police; no further action at that time. Recorded in the section.",
]
FAMILY_NAMES = ["Smith", "Khan", "Jones", "Ahmed", "Kowalska", "Murphy", "Okafor", "Taylor"]


@dataclass
class AssessmentSummary:
    assessments: int
    by_state: dict
    pending: int
    sections: int


def _sentences(rng: random.Random, pool: list[str], name: str) -> str:
    text = [rng.choice(pool)] + rng.sample(FOLLOW_UPS, rng.randint(1, 3))
    return " ".join(text).replace("{name}", name)


def domain_data(elements: list[str], rng, name: str, assessor_id: int) -> dict:
    data = {}
    for code in elements:
        roll = rng.random()
        if roll < 0.6:
            statements = []
            for _ in range(rng.randint(2, 4)):
                kind = "strength" if rng.random() < 0.45 else "need"
                statements.append(
                    {
                        "kind": kind,
                        "text": _sentences(rng, STRENGTHS if kind == "strength" else NEEDS, name),
                        "whose": rng.choice(WHOSE),
                        "nature": rng.choice(NATURES),
                        "by": assessor_id,
                        "contribution": None,
                    }
                )
            data[code] = {"finding": "recorded", "statements": statements}
        else:
            finding = "no_concerns" if roll < 0.88 else "not_assessed"
            data[code] = {"finding": finding, "statements": []}
    return data


def section_data(key: str, *, rng, name: str, assessor_id: int, agency_id: int, domains) -> dict:
    if key == "about":
        return {
            "present": rng.choice(PRESENT).replace("{name}", name),
            "reason": rng.choice(REASONS).replace("{name}", name),
            "completing_agency": agency_id,
        }
    if key == "checklist":
        return {
            "outcomes": {o: rng.choice(("yes", "yes", "no", "not_sure")) for o in OUTCOMES},
            "questions": {q: rng.choice(("yes", "no")) for q in QUESTIONS},
            "notes": "Discussed with the family before the assessment; they agree to go ahead.",
        }
    if key == "views":
        return {
            "child": rng.choice(CHILD_VIEWS).replace("{name}", name),
            "parents": rng.choice(PARENT_VIEWS).replace("{name}", name),
        }
    if key == "conclusions":
        return {
            "outcomes_at_risk": sorted(rng.sample(OUTCOMES, rng.randint(1, 3))),
            "level_of_need": rng.choice((2, 2, 3, 3, 3, 4, 1)),
            "priority_groups": sorted(rng.sample(PRIORITY_GROUPS, rng.randint(0, 3))),
            "summary": rng.choice(SUMMARIES).replace("{name}", name),
        }
    return domain_data(domains[key], rng, name, assessor_id)


def _results(rng, failing: set[str]) -> dict:
    return {
        check: {
            "passed": check not in failing,
            "computed": check in COMPUTED,
            "note": "" if check not in failing else "See the query sent to the assessor.",
        }
        for check in CHECKS
    }


def _at(day: date, rng) -> datetime:
    return datetime.combine(day, clock(9), tzinfo=UTC) + timedelta(minutes=rng.randrange(540))


def build_assessments(dataset, *, seed: int = 20261203, report=print) -> AssessmentSummary:
    """Assessments for every case of ``dataset`` in assessment, submitted or logged (and the
    share of submitted ones turned into returned); reused if the tenant already has them."""
    from django.db import connection, transaction

    from assessments.models import Assessment, AssessmentSection, Validation
    from cases.models import Case

    tenant = dataset.tenant
    existing = Assessment.objects.filter(tenant=tenant)
    if not existing.exists():
        started = time.perf_counter()
        with transaction.atomic():
            _load(dataset, random.Random(seed), report)
        report(f"loaded assessments in {time.perf_counter() - started:.0f} s")
        if _is_postgres():
            with connection.cursor() as cursor:
                for table in (
                    Case._meta.db_table,
                    "consent_consent",
                    "referrals_task",
                    "assessments_assessment",
                    "assessments_assessmentversion",
                    "assessments_assessmentsection",
                    "assessments_validation",
                    "assessments_validationquery",
                    "assessments_distribution",
                ):
                    cursor.execute(f"VACUUM ANALYZE {table}")
    by_state = {}
    for state in existing.values_list("state", flat=True).order_by():
        by_state[state] = by_state.get(state, 0) + 1
    return AssessmentSummary(
        assessments=sum(by_state.values()),
        by_state=by_state,
        pending=Validation.objects.filter(assessment__tenant=tenant, outcome="pending").count(),
        sections=AssessmentSection.objects.filter(version__assessment__tenant=tenant).count(),
    )


def _load(dataset, rng: random.Random, report) -> None:  # noqa: C901, PLR0915
    from django.db import connection

    from agencies.models import User
    from assessments.models import (
        Assessment,
        AssessmentSection,
        AssessmentVersion,
        Distribution,
        Validation,
        ValidationQuery,
    )
    from assessments.selectors import section_keys
    from assessments.services import framework_snapshot
    from cases.models import Case
    from consent.models import Consent
    from referrals.models import Task

    tenant = dataset.tenant
    coordinator = dataset.coordinator
    today = date.today()
    now = datetime.now(UTC)
    framework = framework_snapshot(tenant.pk)
    framework_json = json.dumps(framework)
    domains = {d["code"]: [e["code"] for e in d["elements"]] for d in framework}
    names = {
        user.pk: f"{user.first_name} {user.last_name}"
        for user in User.objects.filter(tenant=tenant)
    }
    rows = list(
        Case.objects.filter(tenant=tenant, state__in=["assessment", "submitted", "logged"])
        .order_by("pk")
        .values_list(
            "pk",
            "state",
            "child_id",
            "child__given_name",
            "assessor_id",
            "assessor_agency_id",
            "intention_logged_at",
        )
    )
    submitted = [row[0] for row in rows if row[1] == "submitted"]
    returned = set(rng.sample(submitted, round(len(submitted) * RETURNED_SHARE)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Case._meta.db_table} SET state = 'returned' WHERE id = ANY(%s)",  # noqa: S608
            [sorted(returned)],
        )
    consented = set(
        Consent.objects.filter(
            case__tenant=tenant, withdrawn_on__isnull=True, case_id__in=[r[0] for r in rows]
        ).values_list("case_id", flat=True)
    )
    report(
        f"  {len(rows)} cases to assess ({len(returned)} made returned, "
        f"{len(rows) - len(consented)} consents added)"
    )
    framework_keys = None
    started = time.perf_counter()
    references: dict[int, int] = {}  # the year's last sequence number
    prefix = f"CAF/{tenant.slug.upper()[:15]}/"  # as assessments.services.validation numbers
    caf_team = dataset.caf_team
    for done in range(0, len(rows), BATCH // 5):
        batch = rows[done : done + BATCH // 5]
        first_assessment = _next_ids(Assessment, len(batch))
        first_version = _next_ids(AssessmentVersion, len(batch))
        consents, assessments, versions, sections = [], [], [], []
        validations, queries, tasks, copies = [], [], [], []
        for offset, (case_id, state, child_id, given, assessor, agency, logged_at) in enumerate(
            batch
        ):
            if case_id in returned:
                state = "returned"
            assessment_id = first_assessment + offset
            version_id = first_version + offset
            start = min(logged_at.date() + timedelta(days=rng.randrange(3, 40)), today)
            consent_on = max(logged_at.date(), start - timedelta(days=rng.randrange(0, 5)))
            if case_id not in consented:
                consents.append(
                    (
                        case_id,
                        "parent",
                        f"{rng.choice(('Sarah', 'Amina', 'Joanna', 'Kelly'))} "
                        f"{rng.choice(FAMILY_NAMES)}",
                        "Mother",
                        "",
                        True,
                        True,
                        "none",
                        "written",
                        "Parent",
                        consent_on,
                        "",
                        assessor,
                        _at(consent_on, rng).isoformat(),
                        "",
                    )
                )
            if state == "assessment":
                a_state = "signed" if rng.random() < SIGNED_SHARE else "in_progress"
            else:
                a_state = state
            signed = a_state != "in_progress"
            completed = min(start + timedelta(days=rng.randrange(5, 45)), today) if signed else None
            submitted_at = None
            if a_state in ("submitted", "returned", "logged"):
                day = min(completed + timedelta(days=rng.randrange(0, 28)), today)
                submitted_at = min(_at(day, rng), now - timedelta(minutes=rng.randrange(1, 600)))
            logged_on = None
            if a_state == "logged":
                logged_on = min(submitted_at.date() + timedelta(days=rng.randrange(1, 15)), today)
            assessments.append(
                [
                    assessment_id,
                    tenant.pk,
                    case_id,
                    a_state,
                    start,
                    assessor,
                    submitted_at.isoformat() if submitted_at else None,
                    "",  # the log reference, below
                    None,  # the day it was logged, below
                    None,  # who logged it, below
                ]
            )
            conclusions = section_data(
                "conclusions",
                rng=rng,
                name=given,
                assessor_id=assessor,
                agency_id=agency,
                domains=domains,
            )
            family_name = f"{rng.choice(('Sarah', 'Amina', 'Joanna', 'Kelly'))} Parent"
            versions.append(
                [
                    version_id,
                    assessment_id,
                    1,
                    "first",
                    assessor,
                    _at(start, rng).isoformat(),
                    framework_json,
                    conclusions["level_of_need"] if signed else None,
                    agency,
                    completed,
                    assessor if signed else None,
                    names[assessor] if signed else "",
                    completed,
                    family_name if signed else "",
                    "Mother" if signed else "",
                    completed,
                    "",
                    "",
                ]
            )
            if framework_keys is None:
                framework_keys = section_keys(AssessmentVersion(framework=framework))
            keys = framework_keys
            if not signed:
                keys = keys[: rng.randint(1, len(keys))]
            saved = _at(completed or start, rng)
            for n, key in enumerate(keys):
                data = conclusions if key == "conclusions" else section_data(
                    key, rng=rng, name=given, assessor_id=assessor, agency_id=agency,
                    domains=domains,
                )  # fmt: skip
                status = "in_progress" if not signed and n == len(keys) - 1 else "completed"
                sections.append(
                    (
                        version_id,
                        key,
                        status,
                        rng.randint(1, 12),
                        json.dumps(data),
                        assessor,
                        saved.isoformat(),
                    )
                )
            if a_state in ("submitted", "returned", "logged"):
                rounds = ["pending"] if a_state == "submitted" else []
                if a_state == "submitted" and rng.random() < RESUBMITTED_SHARE:
                    rounds = ["returned", "pending"]
                if a_state == "returned":
                    rounds = ["returned"]
                if a_state == "logged":
                    rounds = ["logged"]
                    if rng.random() < LOGGED_AFTER_RETURN_SHARE:
                        rounds = ["returned", "logged"]
                at = submitted_at
                for outcome in rounds:
                    decided_at = None
                    if outcome == "returned":
                        decided_at = min(at + timedelta(days=rng.randrange(1, 10)), now)
                    elif outcome == "logged":
                        decided_at = min(max(_at(logged_on, rng), at), now)
                    asked = rng.sample(QUERIES, rng.randint(1, 2)) if outcome == "returned" else []
                    validations.append(
                        [
                            assessment_id,
                            version_id,
                            assessor,
                            at.isoformat(),
                            outcome,
                            json.dumps(
                                {} if outcome == "pending" else _results(rng, {c for c, _ in asked})
                            ),
                            coordinator.pk if decided_at else None,
                            decided_at.isoformat() if decided_at else None,
                        ]
                    )
                    answered = a_state != "returned"
                    for check, question in asked:
                        answer = ANSWERS[QUERIES.index((check, question))] if answered else ""
                        answered_at = decided_at + timedelta(days=2) if answered else None
                        tasks.append(
                            (
                                tenant.pk,
                                "assessment_query",
                                assessor,
                                agency,
                                coordinator.pk,
                                dataset.caf_team.pk,
                                case_id,
                                child_id,
                                "The CAF team has a query about your assessment.",
                                f"/cases/{case_id}/assessment/queries/",
                                decided_at.isoformat(),
                                answered_at.isoformat() if answered else None,
                            )
                        )
                        queries.append(
                            [
                                len(validations) - 1,  # replaced by the validation's id
                                check,
                                question,
                                len(tasks) - 1,  # replaced by the task's id
                                answer,
                                assessor if answered else None,
                                answered_at.isoformat() if answered else None,
                            ]
                        )
                    if outcome == "logged":
                        year = decided_at.year
                        references[year] = references.get(year, 0) + 1
                        assessments[-1][7:10] = [
                            f"{prefix}{year}/{references[year]:05d}",
                            decided_at.date(),
                            coordinator.pk,
                        ]
                    if decided_at:
                        at = min(decided_at + timedelta(days=3), now)
                # The queue reads the latest submission.
                assessments[-1][6] = validations[-1][3]
                copies.append(
                    (version_id, "caf_team", "CAF team", caf_team.pk, submitted_at.date(), assessor)
                )
            if signed:
                copies.append(
                    (version_id, "assessor", names[assessor], agency, completed, assessor)
                )
                if rng.random() < 0.95:
                    copies.append((version_id, "family", family_name, None, completed, assessor))
                else:
                    versions[-1][17] = WITHHELD
        first_validation = _next_ids(Validation, len(validations)) if validations else 0
        first_task = _next_ids(Task, len(tasks)) if tasks else 0
        for query in queries:
            query[0] += first_validation
            query[3] += first_task
        _write(
            Consent,
            [
                "case_id",
                "given_by",
                "giver_name",
                "relationship",
                "competence_evidence",
                "to_undertake",
                "to_record",
                "share_scope",
                "method",
                "signed_name",
                "signed_on",
                "scan",
                "recorded_by_id",
                "recorded_at",
                "withdrawal_note",
            ],
            consents,
        )
        _write(
            Assessment,
            [
                "id",
                "tenant_id",
                "case_id",
                "state",
                "started_on",
                "started_by_id",
                "submitted_at",
                "logged_reference",
                "logged_on",
                "logged_by_id",
            ],
            assessments,
        )
        _write(
            AssessmentVersion,
            [
                "id",
                "assessment_id",
                "number",
                "reason",
                "created_by_id",
                "created_at",
                "framework",
                "level_of_need",
                "completing_agency_id",
                "completed_on",
                "signed_off_by_id",
                "assessor_signed_name",
                "assessor_signed_on",
                "family_signed_name",
                "family_signed_relationship",
                "family_signed_on",
                "signature_scan",
                "family_copy_withheld_reason",
            ],
            versions,
        )
        _write(
            AssessmentSection,
            ["version_id", "key", "status", "revision", "data", "saved_by_id", "saved_at"],
            sections,
        )
        _write(
            Validation,
            [
                "id",
                "assessment_id",
                "version_id",
                "submitted_by_id",
                "submitted_at",
                "outcome",
                "results",
                "decided_by_id",
                "decided_at",
            ],
            [(first_validation + n, *row) for n, row in enumerate(validations)],
        )
        _write(
            Task,
            [
                "id",
                "tenant_id",
                "kind",
                "assigned_to_id",
                "assigned_agency_id",
                "from_user_id",
                "from_agency_id",
                "case_id",
                "child_id",
                "message",
                "link",
                "created_at",
                "done_at",
                "response",
                "state",
            ],
            [
                (first_task + n, *row, "", "open" if row[-1] is None else "accepted")
                for n, row in enumerate(tasks)
            ],
        )
        _write(
            Distribution,
            ["version_id", "recipient", "recipient_name", "agency_id", "given_on",
             "recorded_by_id", "recorded_at"],
            [(*copy, _at(copy[4], rng).isoformat()) for copy in copies],
        )  # fmt: skip
        _write(
            ValidationQuery,
            [
                "validation_id",
                "check_code",
                "question",
                "task_id",
                "answer",
                "answered_by_id",
                "answered_at",
            ],
            queries,
        )
        report(
            f"  {done + len(batch)} assessments, {len(sections)} sections in the last batch "
            f"({time.perf_counter() - started:.0f} s)"
        )
    with connection.cursor() as cursor:
        # The case's dates follow its assessment (the case page and reports read them).
        cursor.execute(
            f"""
            UPDATE {Case._meta.db_table} c
               SET assessment_started_on = a.started_on,
                   assessment_completed_on = v.completed_on,
                   submitted_on = (a.submitted_at AT TIME ZONE 'UTC')::date,
                   logged_on = a.logged_on
              FROM assessments_assessment a
              JOIN assessments_assessmentversion v ON v.assessment_id = a.id AND v.number = 1
             WHERE a.case_id = c.id AND a.tenant_id = %s
            """,  # noqa: S608
            [tenant.pk],
        )


def main() -> None:
    from bench.dataset import build_dataset, setup_django

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=300_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--tenant", help="the tenant's slug (default: bench<children>)")
    parser.add_argument("--database-url", help="default: $DATABASE_URL")
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    dataset = build_dataset(children=args.children, cases=args.cases, tenant_slug=args.tenant)
    summary = build_assessments(dataset)
    print(
        f"tenant {dataset.tenant.slug}: {summary.assessments} assessments {summary.by_state}, "
        f"{summary.sections} sections, {summary.pending} waiting for the CAF team"
    )


if __name__ == "__main__":
    main()
