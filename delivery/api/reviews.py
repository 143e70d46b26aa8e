"""Reviews, closure and reopening over the API, at /api/cases/<id>/reviews/, .../close/ and
.../reopen/: the same services and access as the pages (404 for a case the caller may not
see, or may not act on in that way)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from cafsite.api import StrictCharField
from cafsite.validation import MAX_ID
from cases.permissions import CHANGE, case_access_record, get_case_for_user
from delivery.models import CaseClosure, CaseReview, ClosureReason, Progress, ReviewDecision
from delivery.selectors import review_due_of, reviews_of
from delivery.services.closure import NOTE_MAX as CLOSURE_NOTE_MAX
from delivery.services.closure import case_close, case_reopen, may_close
from delivery.services.reviews import NOTE_MAX, TEXT_MAX, ReviewError, review_record
from meetings.models import TacMeeting


def _id_field(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _text(limit: int, **kwargs):
    return StrictCharField(max_length=limit, required=False, allow_blank=True, **kwargs)


def _valid(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _meeting_of(case, pk):
    """A TAC meeting of ``case`` by id, or a field error (never another case's meeting)."""
    if pk is None:
        return None
    meeting = TacMeeting.objects.filter(pk=pk, case=case).first()
    if meeting is None:
        raise ReviewError("Choose a TAC meeting of this CAF.", field="meeting")
    return meeting


class ReviewProgressSerializer(serializers.Serializer):
    plan_action = _id_field()
    progress = serializers.ChoiceField(choices=Progress.choices)
    note = _text(NOTE_MAX, default="")


class ReviewSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = CaseReview
        fields = [
            "id",
            "held_on",
            "meeting",
            "needs_met",
            "needs_unmet",
            "needs_new",
            "decision",
            "decision_note",
            "assessment_version",
            "recorded_by",
            "recorded_at",
            "progress",
        ]

    def get_progress(self, review) -> list[dict]:
        return [
            {"plan_action": p.plan_action_id, "progress": p.progress, "note": p.note}
            for p in review.progress.all()
        ]


class ReviewListSerializer(serializers.Serializer):
    review_due = serializers.DateField(allow_null=True)
    reviews = ReviewSerializer(many=True)


class ReviewRecordSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    meeting = _id_field(required=False, allow_null=True, default=None)
    needs_met = _text(TEXT_MAX, default="")
    needs_unmet = _text(TEXT_MAX, default="")
    needs_new = _text(TEXT_MAX, default="")
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    decision_note = _text(NOTE_MAX, default="")
    progress = ReviewProgressSerializer(many=True, required=False, default=list)


class ClosureSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseClosure
        fields = [
            "id",
            "closed_on",
            "reason",
            "note",
            "meeting",
            "closed_by",
            "risk_flag",
            "reopened_on",
            "reopened_by",
            "reopen_reason",
        ]


class CloseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ClosureReason.choices)
    note = StrictCharField(max_length=CLOSURE_NOTE_MAX)
    meeting = _id_field(required=False, allow_null=True, default=None)


class ReopenSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=CLOSURE_NOTE_MAX)


class ReopenedSerializer(serializers.Serializer):
    state = serializers.CharField()
    reopened_on = serializers.DateField(allow_null=True)


class ReviewListView(APIView):
    @extend_schema(
        operation_id="case_reviews_list", request=None, responses={200: ReviewListSerializer}
    )
    def get(self, request, pk):
        case = get_case_for_user(request.user, pk, request=request)
        case_access_record(user=request.user, case=case, request=request, detail="reviews")
        return Response(
            ReviewListSerializer(
                {"review_due": review_due_of(case), "reviews": reviews_of(case)}
            ).data
        )

    @extend_schema(
        operation_id="case_review_record",
        request=ReviewRecordSerializer,
        responses={201: ReviewSerializer},
    )
    def post(self, request, pk):
        case = get_case_for_user(request.user, pk, CHANGE, request=request)
        data = _valid(ReviewRecordSerializer, request)
        progress = {p["plan_action"]: p for p in data.pop("progress")}
        meeting = _meeting_of(case, data.pop("meeting"))
        review = review_record(
            case=case, by=request.user, meeting=meeting, progress=progress, **data
        )
        review = CaseReview.objects.prefetch_related("progress").get(pk=review.pk)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


def _closer_case(request, pk):
    case = get_case_for_user(request.user, pk, request=request)
    if not may_close(request.user, case):
        raise Http404("No such case.")
    return case


class CloseView(APIView):
    @extend_schema(
        operation_id="case_close", request=CloseSerializer, responses={201: ClosureSerializer}
    )
    def post(self, request, pk):
        case = _closer_case(request, pk)
        data = _valid(CloseSerializer, request)
        meeting = _meeting_of(case, data.pop("meeting"))
        closure = case_close(case=case, by=request.user, meeting=meeting, **data)
        return Response(ClosureSerializer(closure).data, status=status.HTTP_201_CREATED)


class ReopenView(APIView):
    @extend_schema(
        operation_id="case_reopen", request=ReopenSerializer, responses={200: ReopenedSerializer}
    )
    def post(self, request, pk):
        case = _closer_case(request, pk)
        case = case_reopen(case=case, by=request.user, **_valid(ReopenSerializer, request))
        return Response(ReopenedSerializer(case).data)
