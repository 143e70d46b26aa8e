"""Submission to the CAF team, its queue, the coordinator's validation with the seven checks,
and the assessor's answers to the team's queries (R-ASSESS-5, R-ASSESS-6)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agencies.models import Role
from agencies.roles import in_caf_team, in_caf_team_as
from assessments.checks import checklist, queue_page, submitted_late
from assessments.models import (
    COMPUTED_CHECKS,
    AssessmentState,
    Validation,
    ValidationCheck,
    ValidationOutcome,
)
from assessments.selectors import current_version, get_assessment_for_user
from assessments.services.validation import (
    ANSWER_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    assessment_submit,
    assessment_validate,
    authors_of,
    last_decided,
    query_answer,
)
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.errors import CafError, add_error_to_form
from cafsite.forms import GovukFormMixin
from cafsite.validation import parse_id
from cases.models import CaseState
from cases.permissions import CHANGE, VIEW, case_access_record

QUERY_BOXES = 3
MANUAL_CHECKS = [check for check in ValidationCheck if check not in COMPUTED_CHECKS]


@login_required
@require_POST
def submit(request, pk: int):
    """Send the signed-off assessment to the CAF team; a refusal is explained on a page of
    its own, with the way back."""
    assessment = get_assessment_for_user(request.user, pk, CHANGE, request=request)
    try:
        validation = assessment_submit(assessment=assessment, by=request.user)
    except CafError as error:
        return render(
            request,
            "assessments/validation_submit.html",
            {"case": assessment.case, "assessment": assessment, "error": error.message},
        )
    due = validation.version.submit_by
    messages.success(
        request,
        "Submitted to the CAF team"
        + (f", after the date it was due ({due:%d/%m/%Y})." if submitted_late(validation) else "."),
    )
    return redirect("cases:detail", pk=assessment.case_id)


def _page_number(raw) -> int:
    number = parse_id(raw)
    return number if number is not None and number <= 100000 else 1


@login_required
def queue(request):
    """The CAF team's queue of submissions, oldest first (R-ASSESS-6); anyone else finds no
    page here."""
    if not in_caf_team(request.user):
        raise Http404
    page = queue_page(request.user.tenant_id, _page_number(request.GET.get("page")))
    access_log_record(
        action=AccessAction.LIST,
        user=request.user,
        request=request,
        detail="assessment queue: " + ", ".join(row.case.reference for row in page.rows),
    )
    return render(request, "assessments/validation_queue.html", {"page": page})


class _DecisionFields(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for check in MANUAL_CHECKS:
            self.fields[f"confirm_{check}"] = forms.BooleanField(
                label=f"{check.label}: confirmed", required=False
            )
        for check in ValidationCheck:
            self.fields[f"note_{check}"] = forms.CharField(
                label=f"Note on “{check.label}” (optional)",
                required=False,
                max_length=NOTE_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        choices = [("", "General query")] + list(ValidationCheck.choices)
        for number in range(1, QUERY_BOXES + 1):
            self.fields[f"query_{number}_check"] = forms.ChoiceField(
                label="About", choices=choices, required=False
            )
            self.fields[f"query_{number}_question"] = forms.CharField(
                label="Question for the assessor",
                required=False,
                max_length=QUESTION_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
            )


class DecisionForm(GovukFormMixin, _DecisionFields):
    """The coordinator's ticks and notes, and queries for the assessor."""

    def confirmations(self) -> dict:
        return {str(c): bool(self.cleaned_data.get(f"confirm_{c}")) for c in MANUAL_CHECKS}

    def notes(self) -> dict:
        return {str(c): self.cleaned_data.get(f"note_{c}", "") for c in ValidationCheck}

    def queries(self) -> list[tuple[str, str]]:
        return [
            (
                self.cleaned_data.get(f"query_{n}_check", ""),
                self.cleaned_data.get(f"query_{n}_question", ""),
            )
            for n in range(1, QUERY_BOXES + 1)
        ]

    def check_rows(self, results) -> list[dict]:
        """The checklist with each check's tick (the coordinator's) and note field."""
        return [
            {
                "result": result,
                "confirm": self[f"confirm_{result.check}"] if not result.computed else None,
                "note": self[f"note_{result.check}"],
            }
            for result in results
        ]

    def query_rows(self) -> list[dict]:
        return [
            {"check": self[f"query_{n}_check"], "question": self[f"query_{n}_question"]}
            for n in range(1, QUERY_BOXES + 1)
        ]


def _history(assessment) -> list[Validation]:
    return list(
        Validation.objects.filter(assessment=assessment)
        .exclude(outcome=ValidationOutcome.PENDING)
        .select_related("decided_by", "submitted_by", "version")
        .prefetch_related("queries__answered_by")
        .order_by("-submitted_at", "-id")
    )


@login_required
def validate(request, pk: int):
    """The checklist of the pending submission, and the coordinator's decision: logged when
    every check passes and nothing is asked, otherwise returned with queries (R-ASSESS-6)."""
    if not in_caf_team(request.user):
        raise Http404("No such case.")
    perm = CHANGE if request.method == "POST" else VIEW
    assessment = get_assessment_for_user(request.user, pk, perm, request=request)
    case = assessment.case
    if case.state == CaseState.ARCHIVED:
        # Nothing is validated on an archived CAF (R-RET-1): its record is on the case page.
        raise Http404("No such case.")
    pending = (
        Validation.objects.filter(assessment=assessment, outcome=ValidationOutcome.PENDING)
        .select_related("version", "submitted_by")
        .first()
    )
    version = pending.version if pending else current_version(assessment)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decided = assessment_validate(
                assessment=assessment,
                by=request.user,
                confirmations=form.confirmations(),
                notes=form.notes(),
                queries=form.queries(),
            )
        except CafError as error:
            add_error_to_form(form, error)
        else:
            if decided.outcome == ValidationOutcome.LOGGED:
                assessment.refresh_from_db(fields=["logged_reference"])
                messages.success(
                    request, f"{case.reference} is logged as {assessment.logged_reference}."
                )
            else:
                count = decided.queries.count()
                messages.success(
                    request,
                    f"{case.reference} is returned to the assessor with "
                    f"{count} quer{'y' if count == 1 else 'ies'}.",
                )
            return redirect("assessments:queue")
    confirmations = form.confirmations() if form.is_bound and form.is_valid() else {}
    results = checklist(assessment, version, confirmations)
    may_decide = in_caf_team_as(request.user, Role.CAF_COORDINATOR)
    wrote_it = request.user.pk in authors_of(assessment, version)
    case_access_record(
        user=request.user, case=case, request=request, detail="assessment validation"
    )
    return render(
        request,
        "assessments/validation_validate.html",
        {
            "case": case,
            "assessment": assessment,
            "version": version,
            "pending": pending,
            "form": form,
            "check_rows": form.check_rows(results),
            "query_rows": form.query_rows(),
            "may_decide": may_decide and not wrote_it and pending is not None,
            "is_coordinator": may_decide,
            "wrote_it": wrote_it,
            "history": _history(assessment),
            "late": pending is not None and submitted_late(pending),
        },
    )


class _AnswerFields(forms.Form):
    def __init__(self, *args, queries, **kwargs):
        super().__init__(*args, **kwargs)
        self.queries = queries
        for number, query in enumerate(queries, start=1):
            label = query.get_check_code_display() if query.check_code else f"Query {number}"
            self.fields[f"answer_{query.pk}"] = forms.CharField(
                label=label,
                help_text=query.question,
                required=False,
                max_length=ANSWER_MAX_LENGTH,
                initial=query.answer,
                widget=forms.Textarea(
                    attrs={"rows": 4, "aria-describedby": f"id_answer_{query.pk}-hint"}
                ),
            )


class AnswersForm(GovukFormMixin, _AnswerFields):
    """An answer box for each query of the return."""

    def rows(self) -> list[dict]:
        return [{"query": q, "field": self[f"answer_{q.pk}"]} for q in self.queries]


@login_required
def answer_queries(request, pk: int):
    """The assessor's side of a return: each query with an answer box, then resubmission."""
    assessment = get_assessment_for_user(request.user, pk, CHANGE, request=request)
    case = assessment.case
    returned = last_decided(assessment) if assessment.state == AssessmentState.RETURNED else None
    queries = list(returned.queries.select_related("answered_by")) if returned else []
    form = AnswersForm(request.POST or None, queries=queries)
    if request.method == "POST" and form.is_valid():
        resubmit = request.POST.get("action") == "resubmit"
        if not queries:
            form.add_error(None, "There are no queries from the CAF team to answer.")
        for query in queries:
            name = f"answer_{query.pk}"
            answer = form.cleaned_data.get(name, "").strip()
            if not answer:
                if resubmit:
                    form.add_error(name, "Write your answer to this query.")
                continue
            if answer == query.answer:
                continue
            try:
                query_answer(query=query, by=request.user, answer=answer)
            except CafError as error:
                form.add_error(name, error.message)
        if not form.errors:
            if not resubmit:
                messages.success(request, "Your answers are saved.")
                return redirect("assessments:queries", pk=case.pk)
            try:
                assessment_submit(assessment=assessment, by=request.user)
            except CafError as error:
                add_error_to_form(form, error)
            else:
                messages.success(request, "Your answers are sent to the CAF team.")
                return redirect("cases:detail", pk=case.pk)
    case_access_record(user=request.user, case=case, request=request, detail="assessment queries")
    return render(
        request,
        "assessments/validation_queries.html",
        {
            "case": case,
            "assessment": assessment,
            "returned": returned,
            "form": form,
            "rows": form.rows(),
        },
    )
