"""Submission, the CAF team's queue and decisions, and the assessor's answers to its queries,
over the API (R-ASSESS-5, R-ASSESS-6): the same services and access rules as the pages."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from agencies.models import Role
from agencies.roles import in_caf_team, in_caf_team_as
from assessments.checks import (
    QUEUE_PAGE_SIZE,
    checklist,
    queue_queryset,
    queue_row,
    submitted_late,
)
from assessments.models import (
    Assessment,
    AssessmentState,
    Validation,
    ValidationCheck,
    ValidationOutcome,
    ValidationQuery,
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
from cafsite.api import LoggedListMixin, StrictCharField
from cafsite.validation import MAX_ID
from cases.models import CaseState
from cases.permissions import CHANGE, VIEW, case_access_record

STATE_HELP = "The assessment's state: " + ", ".join(AssessmentState.values) + "."

# --- What the API shows -------------------------------------------------------------------


class ValidationCheckResultSerializer(serializers.Serializer):
    check = serializers.ChoiceField(choices=ValidationCheck.choices)
    label = serializers.CharField()
    passed = serializers.BooleanField()
    computed = serializers.BooleanField(
        help_text="Answered from the data; otherwise the coordinator's to confirm."
    )
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Why it has not passed, or what was found."
    )


class ValidationQueryOutSerializer(serializers.ModelSerializer):
    check = serializers.CharField(source="check_code", help_text="A check code, or empty.")
    answered_by = serializers.SerializerMethodField()

    class Meta:
        model = ValidationQuery
        fields = ["id", "check", "question", "answer", "answered_by", "answered_at"]

    def get_answered_by(self, query) -> str:
        user = query.answered_by
        return (user.get_full_name() or user.username) if user else ""


class ValidationOutSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number")
    results = serializers.JSONField(
        help_text="By check: passed, computed, reasons and the coordinator's note, as decided."
    )
    queries = ValidationQueryOutSerializer(many=True)

    class Meta:
        model = Validation
        fields = [
            "id",
            "version",
            "submitted_at",
            "outcome",
            "decided_at",
            "results",
            "queries",
        ]


class ValidationStatusSerializer(serializers.Serializer):
    state = serializers.CharField(help_text=STATE_HELP)
    logged_reference = serializers.CharField()
    logged_on = serializers.DateField(allow_null=True)
    pending = ValidationOutSerializer(
        allow_null=True, help_text="The submission to decide, if any."
    )
    late = serializers.BooleanField(help_text="First submitted after the 28 days (R-ASSESS-5).")
    may_decide = serializers.BooleanField()
    why_not = serializers.CharField(help_text="Why you may not decide, if you may not.")
    checks = ValidationCheckResultSerializer(many=True)
    history = ValidationOutSerializer(many=True, help_text="Earlier submissions and decisions.")


class ValidationQueriesSerializer(serializers.Serializer):
    state = serializers.CharField(help_text=STATE_HELP)
    returned = ValidationOutSerializer(
        allow_null=True, help_text="The return for correction whose queries are open."
    )


class AssessmentQueueRowSerializer(serializers.Serializer):
    case = serializers.IntegerField(source="case.pk")
    reference = serializers.CharField(source="case.reference")
    child_name = serializers.CharField(source="case.child.full_name")
    assessor = serializers.SerializerMethodField()
    agency = serializers.CharField(source="case.assessor_agency.name")
    submitted_at = serializers.DateTimeField()
    days_waiting = serializers.IntegerField()
    resubmission = serializers.BooleanField()
    late = serializers.BooleanField()
    submit_by = serializers.DateField(allow_null=True)

    def get_assessor(self, row) -> str:
        return row.case.assessor.get_full_name() or row.case.assessor.username

    def to_representation(self, instance):
        return super().to_representation(queue_row(instance))


# --- What the API takes --------------------------------------------------------------------


class ValidationConfirmationsSerializer(serializers.Serializer):
    safeguarding = serializers.BooleanField(help_text=ValidationCheck.SAFEGUARDING.label)
    single_agency = serializers.BooleanField(help_text=ValidationCheck.SINGLE_AGENCY.label)


class ValidationNotesSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            str(check): StrictCharField(
                required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, help_text=check.label
            )
            for check in ValidationCheck
        }


class ValidationQueryInSerializer(serializers.Serializer):
    check = serializers.ChoiceField(
        choices=[("", "General query")] + list(ValidationCheck.choices),
        required=False,
        allow_blank=True,
        default="",
    )
    question = StrictCharField(max_length=QUESTION_MAX_LENGTH)


class ValidationDecisionSerializer(serializers.Serializer):
    confirmations = ValidationConfirmationsSerializer(
        help_text="The coordinator's checks: true when confirmed."
    )
    notes = ValidationNotesSerializer(required=False, help_text="A note by check, all optional.")
    queries = ValidationQueryInSerializer(
        many=True,
        required=False,
        max_length=20,
        help_text="Questions for the assessor. Any query, or any check not passed, returns "
        "the assessment; otherwise it is logged.",
    )


class ValidationAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    answer = StrictCharField(max_length=ANSWER_MAX_LENGTH)


class ValidationAnswersSerializer(serializers.Serializer):
    answers = ValidationAnswerSerializer(many=True, required=False, max_length=50)
    resubmit = serializers.BooleanField(
        required=False, default=False, help_text="Send the assessment back to the CAF team."
    )


# --- The actions on /api/assessments/<case id>/ --------------------------------------------


def _history(assessment: Assessment) -> list[Validation]:
    return list(
        Validation.objects.filter(assessment=assessment)
        .exclude(outcome=ValidationOutcome.PENDING)
        .select_related("version")
        .prefetch_related("queries__answered_by")
        .order_by("-submitted_at", "-id")
    )


class ValidationActions:
    def _validation_assessment(self, pk, perm) -> Assessment:
        # Not visible, or no assessment yet: one answer, the one a missing case gets.
        try:
            return get_assessment_for_user(self.request.user, pk, perm, request=self.request)
        except Http404:
            raise Http404("No such case.") from None

    @extend_schema(request=None, responses={201: ValidationOutSerializer})
    @action(detail=True, methods=["post"], url_path="submit", url_name="submit")
    def submit(self, request, pk=None):
        """Submit the signed-off assessment to the CAF team (R-ASSESS-5), or resubmit it
        once every query is answered."""
        assessment = self._validation_assessment(pk, CHANGE)
        validation = assessment_submit(assessment=assessment, by=request.user)
        return Response(ValidationOutSerializer(validation).data, status=status.HTTP_201_CREATED)

    def _status(self, assessment: Assessment) -> dict:
        pending = (
            Validation.objects.filter(assessment=assessment, outcome=ValidationOutcome.PENDING)
            .select_related("version")
            .first()
        )
        version = pending.version if pending else current_version(assessment)
        user = self.request.user
        why_not = ""
        if pending is None:
            why_not = "Nothing from this case is waiting for the CAF team."
        elif not in_caf_team_as(user, Role.CAF_COORDINATOR):
            why_not = "Only a CAF coordinator can validate assessments."
        elif user.pk in authors_of(assessment, version):
            why_not = "You wrote this assessment, so you cannot validate it."
        return {
            "state": assessment.state,
            "logged_reference": assessment.logged_reference,
            "logged_on": assessment.logged_on,
            "pending": pending,
            "late": pending is not None and submitted_late(pending),
            "may_decide": not why_not,
            "why_not": why_not,
            "checks": [
                {
                    "check": r.check,
                    "label": r.label,
                    "passed": r.passed,
                    "computed": r.computed,
                    "reasons": list(r.reasons),
                }
                for r in checklist(assessment, version)
            ],
            "history": _history(assessment),
        }

    @extend_schema(methods=["GET"], request=None, responses={200: ValidationStatusSerializer})
    @extend_schema(
        methods=["POST"],
        request=ValidationDecisionSerializer,
        responses={200: ValidationStatusSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="validation",
        url_name="validation",
    )
    def validation(self, request, pk=None):
        """The CAF team's checklist of the pending submission (GET), and the coordinator's
        decision (POST): logged with a reference when every check passes and nothing is
        asked, otherwise returned with queries (R-ASSESS-6)."""
        if not in_caf_team(request.user):
            raise Http404("No such case.")
        perm = CHANGE if request.method == "POST" else VIEW
        assessment = self._validation_assessment(pk, perm)
        if assessment.case.state == CaseState.ARCHIVED:
            # Nothing is validated on an archived CAF (R-RET-1), as on the page.
            raise Http404("No such case.")
        if request.method == "POST":
            data = ValidationDecisionSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            decision = data.validated_data
            assessment_validate(
                assessment=assessment,
                by=request.user,
                confirmations=dict(decision["confirmations"]),
                notes=dict(decision.get("notes", {})),
                queries=[(q["check"], q["question"]) for q in decision.get("queries", [])],
            )
            assessment.refresh_from_db()
        case_access_record(
            user=request.user,
            case=assessment.case,
            request=request,
            detail="assessment validation (API)",
        )
        return Response(ValidationStatusSerializer(self._status(assessment)).data)

    @extend_schema(methods=["GET"], request=None, responses={200: ValidationQueriesSerializer})
    @extend_schema(
        methods=["POST"],
        request=ValidationAnswersSerializer,
        responses={200: ValidationQueriesSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="queries",
        url_name="queries",
    )
    def queries(self, request, pk=None):
        """The CAF team's open queries on a returned assessment (GET); the assessor's
        answers, and resubmission once all are answered (POST)."""
        assessment = self._validation_assessment(pk, CHANGE)
        if request.method == "POST":
            data = ValidationAnswersSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            self._answer(assessment, data.validated_data)
            assessment.refresh_from_db()
        returned = (
            last_decided(assessment) if assessment.state == AssessmentState.RETURNED else None
        )
        case_access_record(
            user=request.user, case=assessment.case, request=request, detail="assessment queries"
        )
        return Response(
            ValidationQueriesSerializer({"state": assessment.state, "returned": returned}).data
        )

    def _answer(self, assessment: Assessment, data: dict) -> None:
        returned = (
            last_decided(assessment) if assessment.state == AssessmentState.RETURNED else None
        )
        if returned is None:
            raise ValidationError(
                {"non_field_errors": ["There are no queries from the CAF team to answer."]}
            )
        queries = {query.pk: query for query in returned.queries.all()}
        answers = data.get("answers", [])
        if any(answer["id"] not in queries for answer in answers):
            raise ValidationError({"answers": ["Query not found."]})
        for answer in answers:
            query_answer(query=queries[answer["id"]], by=self.request.user, answer=answer["answer"])
        if data.get("resubmit"):
            assessment_submit(assessment=assessment, by=self.request.user)


# --- The CAF team's queue at /api/assessment-queue/ ------------------------------------------


class QueuePagination(CursorPagination):
    # Oldest submission first, by the assessment_queue index; no count of the whole queue.
    ordering = ("submitted_at", "id")
    page_size = QUEUE_PAGE_SIZE


class AssessmentQueueViewSet(LoggedListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Submissions waiting for the CAF team of the caller's tenant, oldest first
    (R-ASSESS-6). Anyone outside the CAF team finds nothing here."""

    serializer_class = AssessmentQueueRowSerializer
    pagination_class = QueuePagination

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not in_caf_team(request.user):
            raise Http404

    def get_queryset(self):
        user = self.request.user
        if not in_caf_team(user):
            return Assessment.objects.none()
        return queue_queryset(user.tenant_id)

    def list_log_detail(self, rows: list) -> str:
        return "API assessment queue: " + ", ".join(row["reference"] for row in rows)
