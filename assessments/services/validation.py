"""Submission to the CAF team, its validation with the seven checks, queries back to the
assessor and their answers, and logging with a reference (R-ASSESS-5, R-ASSESS-6).

One submission is one ``Validation`` row, decided once: a return for correction (queries as
tasks for the assessor) or the log entry. The case follows the assessment's state until the
CAF is first logged, never after.
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role, Tenant, User
from agencies.roles import caf_team_of, in_caf_team_as
from assessments.checks import CheckResult, checklist
from assessments.models import (
    Assessment,
    AssessmentSection,
    AssessmentState,
    AssessmentVersion,
    Contribution,
    ContributionState,
    CopyRecipient,
    Distribution,
    Validation,
    ValidationCheck,
    ValidationOutcome,
    ValidationQuery,
)
from assessments.services import AssessmentError, acting, latest_version, lock, require_case_worker
from audit.models import ChangeLogEntry
from cases.models import Case, CaseState
from referrals.models import TaskKind
from referrals.services import task_close, task_create

# The task tells the assessor there is something to answer, and nothing of the case
# (R-AUDIT-3): they read the query itself on the case, signed in.
QUERY_TASK_MESSAGE = "Query on your assessment"
# States the case moves through with its assessment, until first logged.
_CASE_FOLLOWS = (CaseState.ASSESSMENT, CaseState.SUBMITTED, CaseState.RETURNED)
QUESTION_MAX_LENGTH = 2000
ANSWER_MAX_LENGTH = 5000
NOTE_MAX_LENGTH = 2000


def _case_moves(case: Case, state: CaseState, **dates) -> None:
    """Move the case with its assessment, but only before the CAF is first logged and only
    from the assessment states (never a case in delivery, review, closed or archived)."""
    if case.logged_on is not None or case.state not in _CASE_FOLLOWS:
        return
    case.state = state
    fields = ["state", "updated_at"]
    for name, value in dates.items():
        if getattr(case, name) is None:
            setattr(case, name, value)
            fields.append(name)
    case.save(update_fields=fields)


def last_decided(assessment: Assessment) -> Validation | None:
    return (
        Validation.objects.filter(assessment=assessment)
        .exclude(outcome=ValidationOutcome.PENDING)
        .order_by("-submitted_at", "-id")
        .first()
    )


def assessment_submit(*, assessment: Assessment, by: User) -> Validation:
    """Send the signed-off assessment to the CAF team (R-ASSESS-5): a pending validation
    joins the team's queue, the CAF team's copy is recorded, and the case shows it submitted.

    Allowed after the 28 days (the queue shows it late). A resubmission after a return needs
    every query answered; the answers travel with it. Raises ``AssessmentError`` when the
    case is closed, the latest version is not signed off, the assessment is already with the
    CAF team or logged, or a query is unanswered."""
    require_case_worker(assessment.case, by)
    with transaction.atomic():
        assessment = lock(assessment)
        case = assessment.case
        version = latest_version(assessment)
        if not case.is_open:
            raise AssessmentError("This case is closed: reopen it before submitting.")
        if assessment.state == AssessmentState.SUBMITTED:
            raise AssessmentError("This assessment is already with the CAF team.")
        if assessment.state == AssessmentState.LOGGED:
            raise AssessmentError("The CAF team has already logged this assessment.")
        if not version.is_signed_off:
            raise AssessmentError("Sign off the assessment before submitting it to the CAF team.")
        returned = last_decided(assessment)
        if (
            returned is not None
            and returned.outcome == ValidationOutcome.RETURNED
            and returned.queries.filter(answered_at__isnull=True).exists()
        ):
            raise AssessmentError(
                "Answer every query from the CAF team before submitting again.",
                field="queries",
            )
        now = timezone.now()
        with acting(by, case):
            validation = Validation(assessment=assessment, version=version, submitted_by=by)
            validation.full_clean(exclude=["results"])  # decided later
            validation.save()
            assessment.submitted_at = now
            assessment.state = AssessmentState.SUBMITTED
            assessment.save(update_fields=["submitted_at", "state"])
            _case_moves(case, CaseState.SUBMITTED, submitted_on=timezone.localdate())
            _caf_team_copy(version, by)
        return validation


def _caf_team_copy(version: AssessmentVersion, by: User) -> None:
    """The CAF team's copy of this version (R-ASSESS-4, seed 000 §3.11): recorded once per
    version, when it first reaches the team."""
    if version.distributions.filter(recipient=CopyRecipient.CAF_TEAM).exists():
        return
    caf_team = caf_team_of(version.assessment.tenant_id)
    copy = Distribution(
        version=version,
        recipient=CopyRecipient.CAF_TEAM,
        recipient_name=caf_team.name if caf_team else "",
        agency=caf_team,
        given_on=timezone.localdate(),
        recorded_by=by,
    )
    copy.full_clean()
    copy.save()


def authors_of(assessment: Assessment, version: AssessmentVersion) -> set[int]:
    """Everyone who had a hand in the assessment, in any version: who began it and is its
    assessor, who signed any version off, everyone who ever saved a section (from the change
    log, not only the last saver), everyone a statement is attributed to, whoever answered
    the CAF team's queries or submitted it, and contributors whose text was accepted. None of
    them may validate it (R-ASSESS-6)."""
    sections = AssessmentSection.objects.filter(version__assessment=assessment)
    ids = {assessment.case.assessor_id, assessment.started_by_id}
    ids |= set(assessment.versions.values_list("signed_off_by_id", flat=True))
    ids |= set(sections.values_list("saved_by_id", flat=True))
    ids |= set(
        ChangeLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(AssessmentSection),
            object_id__in=sections.values_list("pk", flat=True),
            case_id=assessment.case_id,
        ).values_list("actor_id", flat=True)
    )
    for data in sections.values_list("data", flat=True):
        for entry in (data or {}).values() if isinstance(data, dict) else ():
            statements = entry.get("statements") if isinstance(entry, dict) else None
            for statement in statements if isinstance(statements, list) else ():
                if isinstance(statement, dict) and isinstance(statement.get("by"), int):
                    ids.add(statement["by"])
    ids |= set(
        ValidationQuery.objects.filter(validation__assessment=assessment).values_list(
            "answered_by_id", flat=True
        )
    )
    ids |= set(assessment.validations.values_list("submitted_by_id", flat=True))
    ids |= set(
        Contribution.objects.filter(
            version__assessment=assessment, state=ContributionState.ACCEPTED
        ).values_list("contributor_id", flat=True)
    )
    return {pk for pk in ids if pk is not None}


def require_coordinator(assessment: Assessment, by: User) -> None:
    """Only a CAF coordinator of the tenant's CAF team decides (R-ASSESS-6)."""
    if by.tenant_id != assessment.tenant_id or not in_caf_team_as(by, Role.CAF_COORDINATOR):
        raise AssessmentError("Only a CAF coordinator of the CAF team can validate assessments.")


def refuse_own_assessment(assessment: Assessment, version: AssessmentVersion, by: User) -> None:
    if by.pk in authors_of(assessment, version):
        raise AssessmentError(
            "You wrote this assessment, so you cannot validate it: another CAF coordinator "
            "must decide."
        )


def _clean_queries(queries) -> list[tuple[str, str]]:
    cleaned = []
    for check, question in queries:
        check = str(check or "")
        question = (question or "").strip()
        if check and check not in ValidationCheck.values:
            raise AssessmentError("Choose one of the checks, or none.", field="queries")
        if not question:
            continue
        if len(question) > QUESTION_MAX_LENGTH:
            raise AssessmentError(
                f"Keep each query to {QUESTION_MAX_LENGTH} characters.", field="queries"
            )
        cleaned.append((check, question))
    return cleaned


def _failure_query(result: CheckResult, note: str) -> str:
    """The question a failed check puts to the assessor when the coordinator wrote none."""
    if result.reasons:
        return f"{result.label}: " + " ".join(result.reasons)
    return f"{result.label}: {note}" if note else f"{result.label}: please check and correct."


def assessment_validate(
    *,
    assessment: Assessment,
    by: User,
    confirmations: dict,
    notes: dict | None = None,
    queries: list | None = None,
) -> Validation:
    """Decide the pending submission (R-ASSESS-6).

    The five computed checks are answered from the data; the coordinator ticks safeguarding
    and single-agency services (``confirmations``), with ``notes`` by check. If every check
    passes and there is no query, the CAF is logged with a reference (``assessment_log``);
    otherwise it is returned: each query (and each failed check no query covers) becomes a
    ``ValidationQuery`` with a task for the assessor, and the version opens for correction.

    Only a CAF coordinator may decide, and never on an assessment they wrote. Each submission
    is decided once: the pending row is locked, and a second decision at the same moment is
    refused as already decided."""
    require_coordinator(assessment, by)
    notes = {str(k): (v or "").strip() for k, v in (notes or {}).items()}
    if any(k not in ValidationCheck.values for k in notes):
        raise AssessmentError("Notes are kept by check.", field="notes")
    if any(len(v) > NOTE_MAX_LENGTH for v in notes.values()):
        raise AssessmentError(f"Keep each note to {NOTE_MAX_LENGTH} characters.", field="notes")
    confirmations = {str(k): v is True for k, v in (confirmations or {}).items()}
    asked = _clean_queries(queries or [])
    with transaction.atomic():
        assessment = lock(assessment)
        case = assessment.case
        pending = (
            Validation.objects.select_for_update()
            .filter(assessment=assessment, outcome=ValidationOutcome.PENDING)
            .select_related("version")
            .first()
        )
        if pending is None:
            if last_decided(assessment) is not None:
                raise AssessmentError("This submission has already been decided.")
            raise AssessmentError("This assessment has not been submitted to the CAF team.")
        version = pending.version
        refuse_own_assessment(assessment, version, by)
        results = checklist(assessment, version, confirmations)
        pending.results = {
            str(r.check): {
                "passed": r.passed,
                "computed": r.computed,
                "reasons": list(r.reasons),
                "note": notes.get(str(r.check), ""),
            }
            for r in results
        }
        pending.decided_by = by
        pending.decided_at = timezone.now()
        with acting(by, case):
            failed = [r for r in results if not r.passed]
            if failed or asked:
                covered = {check for check, _ in asked}
                for result in failed:
                    if str(result.check) not in covered:
                        note = notes.get(str(result.check), "")
                        asked.append((str(result.check), _failure_query(result, note)))
                _return(assessment, pending, asked, by)
            else:
                pending.outcome = ValidationOutcome.LOGGED
                pending.save(update_fields=["outcome", "results", "decided_by", "decided_at"])
                assessment_log(assessment=assessment, by=by)
        return pending


def _return(
    assessment: Assessment, validation: Validation, queries: list[tuple[str, str]], by: User
) -> None:
    case = assessment.case
    validation.outcome = ValidationOutcome.RETURNED
    validation.save(update_fields=["outcome", "results", "decided_by", "decided_at"])
    caf_team = caf_team_of(assessment.tenant_id)
    for check, question in queries:
        task = task_create(
            kind=TaskKind.ASSESSMENT_QUERY,
            by=by,
            from_agency=caf_team,
            assigned_agency=case.assessor_agency,
            assigned_to=case.assessor,
            child=case.child,
            case=case,
            message=QUERY_TASK_MESSAGE,
            link=reverse("assessments:queries", args=[case.pk]),
        )
        query = ValidationQuery(
            validation=validation, check_code=check, question=question, task=task
        )
        query.full_clean()
        query.save()
    assessment.state = AssessmentState.RETURNED
    assessment.save(update_fields=["state"])
    _case_moves(case, CaseState.RETURNED)


def _next_reference(tenant: Tenant, year: int) -> str:
    """``CAF/<TENANT>/<year>/<5-digit sequence>``, the next in the tenant's year. Called
    with the tenant's row locked, so two loggings cannot take the same number."""
    # The reference column holds 30 characters: a long tenant slug is cut to fit.
    prefix = f"CAF/{tenant.slug.upper()[:15]}/{year}/"
    last = (
        Assessment.objects.filter(tenant=tenant, logged_reference__startswith=prefix)
        .order_by("-logged_reference")
        .values_list("logged_reference", flat=True)
        .first()
    )
    number = int(last.rsplit("/", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:05d}"


def assessment_log(*, assessment: Assessment, by: User) -> Assessment:
    """Log the CAF (R-ASSESS-6): a reference unique in the tenant, the date and who logged
    it; the case shows it logged. A later version logged again keeps the first reference and
    date. Called by ``assessment_validate`` inside its transaction, with the assessment
    locked, once every check has passed."""
    assessment.state = AssessmentState.LOGGED
    fields = ["state"]
    if not assessment.logged_reference:
        tenant = Tenant.objects.select_for_update().get(pk=assessment.tenant_id)
        today = timezone.localdate()
        assessment.logged_reference = _next_reference(tenant, today.year)
        assessment.logged_on = today
        assessment.logged_by = by
        fields += ["logged_reference", "logged_on", "logged_by"]
        assessment.full_clean(exclude=["case"])
    assessment.save(update_fields=fields)
    _case_moves(assessment.case, CaseState.LOGGED, logged_on=timezone.localdate())
    return assessment


def query_answer(*, query: ValidationQuery, by: User, answer: str) -> ValidationQuery:
    """The assessor's answer to a CAF team query; its task is done. Answers can be changed
    until the assessment is submitted again."""
    assessment = query.validation.assessment
    require_case_worker(assessment.case, by)
    answer = (answer or "").strip()
    if not answer:
        raise AssessmentError("Write your answer to the query.", field="answer")
    if len(answer) > ANSWER_MAX_LENGTH:
        raise AssessmentError(
            f"Keep your answer to {ANSWER_MAX_LENGTH} characters.", field="answer"
        )
    with transaction.atomic():
        assessment = lock(assessment)
        query = ValidationQuery.objects.select_related("task", "validation").get(pk=query.pk)
        if assessment.state != AssessmentState.RETURNED or query.validation != last_decided(
            assessment
        ):
            raise AssessmentError("This query is closed: the assessment has been submitted again.")
        now = timezone.now()
        with acting(by, assessment.case):
            query.answer = answer
            query.answered_by = by
            query.answered_at = now
            query.full_clean()
            query.save(update_fields=["answer", "answered_by", "answered_at"])
            if query.task is not None:
                task_close(query.task, by=by)
        return query
