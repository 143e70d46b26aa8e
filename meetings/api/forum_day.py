"""The forum day over the API: a nominated case's presenter's summary, what the forum agreed,
heard (/api/forum-cases/<nomination id>/...), and a forum's minutes and lessons learned
(/api/forum-day/<forum id>/...). The same services and the same reach as the pages: a forum or
case the caller may not reach is a 404, like a missing one."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from agencies.models import User
from cafsite.api import StrictCharField
from cases.permissions import case_access_record
from meetings.forum_day_pdf import minutes_context
from meetings.services.forum_day import (
    ANONYMISED_MAX,
    LESSON_MAX,
    MINUTES_MAX,
    RECORD_TEXT_MAX,
    SUMMARY_TEXT_MAX,
    forum_case_heard,
    forum_case_record,
    forum_minutes_save,
    lessons_record,
    presenter_summary_of,
    presenter_summary_save,
)
from meetings.views.forum_day import (
    forum_for,
    is_coordinator_of,
    may_open_minutes,
    nomination_for,
    nomination_to_run,
    not_found,
)

REVISION = serializers.IntegerField(
    min_value=1, max_value=2**31 - 1, help_text="The revision you read: a stale one is refused."
)


def _summary_text(**kwargs):
    return StrictCharField(max_length=SUMMARY_TEXT_MAX, allow_blank=True, required=False, **kwargs)


class SummaryDomainTextSerializer(serializers.Serializer):
    development = _summary_text()
    parents = _summary_text()
    family = _summary_text()


class PresenterSummaryContentSerializer(serializers.Serializer):
    school_and_year = _summary_text()
    relationship = _summary_text()
    engagement = _summary_text()
    needs = SummaryDomainTextSerializer(required=False)
    strengths = SummaryDomainTextSerializer(required=False)
    conclusions = _summary_text()
    actions_tried = _summary_text()
    asks = _summary_text()


class PresenterSummarySerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    drafted = serializers.BooleanField(help_text="True while none is saved: drafted from the CAF.")
    summary = PresenterSummaryContentSerializer()


class PresenterSummaryInSerializer(serializers.Serializer):
    revision = REVISION
    summary = PresenterSummaryContentSerializer()


class ForumPlanActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    need = serializers.CharField()
    outcome = serializers.CharField()
    action = serializers.CharField()
    who = serializers.CharField(source="owner_label")
    due_on = serializers.DateField()
    status = serializers.CharField()


class ForumCaseRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    revision = serializers.IntegerField()
    needs = serializers.CharField()
    services = serializers.CharField()
    lead_professional_proposed = serializers.IntegerField(
        source="lead_professional_proposed_id", allow_null=True
    )
    review_on = serializers.DateField(allow_null=True)
    anonymised_summary = serializers.CharField()
    actions = ForumPlanActionSerializer(many=True, source="actions.all")


class ForumCaseRecordInSerializer(serializers.Serializer):
    revision = REVISION
    needs = StrictCharField(max_length=RECORD_TEXT_MAX, allow_blank=True, required=False)
    services = StrictCharField(max_length=RECORD_TEXT_MAX, allow_blank=True, required=False)
    lead_professional_proposed = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, allow_null=True, required=False
    )
    review_on = serializers.DateField(allow_null=True, required=False)
    anonymised_summary = StrictCharField(
        max_length=ANONYMISED_MAX, allow_blank=True, required=False
    )


class ForumMinutesCaseSerializer(serializers.Serializer):
    reference = serializers.CharField(source="case.reference")
    kind = serializers.CharField()
    anonymised_summary = serializers.CharField()
    lead_professional_proposed = serializers.SerializerMethodField()
    review_on = serializers.DateField(allow_null=True)

    def get_lead_professional_proposed(self, nomination) -> str:
        lead = nomination.lead_professional_proposed
        return (lead.get_full_name() or lead.username) if lead else ""


class ForumMinutesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    held_on = serializers.DateField()
    state = serializers.CharField()
    revision = serializers.IntegerField()
    minutes = serializers.CharField()
    cases = ForumMinutesCaseSerializer(many=True)


class ForumMinutesInSerializer(serializers.Serializer):
    revision = REVISION
    minutes = StrictCharField(max_length=MINUTES_MAX, allow_blank=True)


class ForumLessonsSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    case_numbers = serializers.CharField(source="lesson_case_numbers")
    services_invited = serializers.CharField(source="lesson_services_invited")
    invitees_equipped = serializers.CharField(source="lesson_invitees_equipped")
    place_and_time = serializers.CharField(source="lesson_place_and_time")
    recorded_at = serializers.DateTimeField(source="lessons_recorded_at", allow_null=True)


class ForumLessonsInSerializer(serializers.Serializer):
    revision = REVISION
    case_numbers = StrictCharField(max_length=LESSON_MAX, allow_blank=True, required=False)
    services_invited = StrictCharField(max_length=LESSON_MAX, allow_blank=True, required=False)
    invitees_equipped = StrictCharField(max_length=LESSON_MAX, allow_blank=True, required=False)
    place_and_time = StrictCharField(max_length=LESSON_MAX, allow_blank=True, required=False)


def _summary_body(nomination) -> dict:
    return {
        "revision": nomination.revision,
        "drafted": not nomination.presenter_summary,
        "summary": presenter_summary_of(nomination),
    }


class ForumCaseViewSet(viewsets.ViewSet):
    """A case nominated for a forum, by its nomination id."""

    lookup_value_converter = "id"

    @extend_schema(methods=["GET"], request=None, responses={200: PresenterSummarySerializer})
    @extend_schema(
        methods=["PUT"],
        request=PresenterSummaryInSerializer,
        responses={200: PresenterSummarySerializer},
    )
    @action(detail=True, methods=["get", "put"], url_path="summary", url_name="summary")
    def summary(self, request, pk=None):
        """The presenter's summary (000 App. E): read by those who see the case, drafted from
        the logged CAF until saved; saved by the presenter alone."""
        nomination = nomination_for(request, pk)
        if request.method == "PUT":
            if nomination.nominated_by_id != request.user.pk:
                raise not_found(request, "nomination", pk)
            data = PresenterSummaryInSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            nomination = presenter_summary_save(
                nomination=nomination,
                by=request.user,
                revision=data.validated_data["revision"],
                summary=data.validated_data["summary"],
            )
        else:
            case_access_record(
                user=request.user,
                case=nomination.case,
                request=request,
                detail="presenter's summary",
            )
        return Response(PresenterSummarySerializer(_summary_body(nomination)).data)

    @extend_schema(request=ForumCaseRecordInSerializer, responses={200: ForumCaseRecordSerializer})
    @action(detail=True, methods=["put"], url_path="record", url_name="record")
    def record(self, request, pk=None):
        """What the forum agreed (R-MAF-5): needs, services, lead professional proposed,
        review date and the anonymised summary for the minutes. The chair or a coordinator."""
        nomination = nomination_to_run(request, pk)
        data = ForumCaseRecordInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        lead = None
        if fields.get("lead_professional_proposed") is not None:
            lead = User.objects.filter(
                pk=fields["lead_professional_proposed"], tenant_id=request.user.tenant_id
            ).first()
            if lead is None:
                raise ValidationError(
                    {"lead_professional_proposed": ["Choose a practitioner of this area."]}
                )
        nomination = forum_case_record(
            nomination=nomination,
            by=request.user,
            revision=fields["revision"],
            needs=fields.get("needs", ""),
            services=fields.get("services", ""),
            lead_professional_proposed=lead,
            review_on=fields.get("review_on"),
            anonymised_summary=fields.get("anonymised_summary", ""),
        )
        return Response(ForumCaseRecordSerializer(nomination).data)

    @extend_schema(request=None, responses={200: ForumCaseRecordSerializer})
    @action(detail=True, methods=["post"], url_path="heard", url_name="heard")
    def heard(self, request, pk=None):
        """The forum heard the case: after the confidentiality statement, with its lead
        professional proposed and review date recorded."""
        nomination = nomination_to_run(request, pk)
        nomination = forum_case_heard(nomination=nomination, by=request.user)
        return Response(ForumCaseRecordSerializer(nomination).data)


class ForumDayViewSet(viewsets.ViewSet):
    """A forum's minutes and lessons learned, by the forum's id."""

    lookup_value_converter = "id"

    @extend_schema(methods=["GET"], request=None, responses={200: ForumMinutesSerializer})
    @extend_schema(
        methods=["PUT"], request=ForumMinutesInSerializer, responses={200: ForumMinutesSerializer}
    )
    @action(detail=True, methods=["get", "put"], url_path="minutes", url_name="minutes")
    def minutes(self, request, pk=None):
        """The minutes, with the anonymised summaries of only the cases the caller may see.
        The coordinator writes them."""
        forum = forum_for(request, pk, may_open_minutes)
        if request.method == "PUT":
            if not is_coordinator_of(request.user, forum):
                raise not_found(request, "forum", pk)
            data = ForumMinutesInSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            forum = forum_minutes_save(
                forum=forum,
                by=request.user,
                revision=data.validated_data["revision"],
                minutes=data.validated_data["minutes"],
            )
        context = minutes_context(forum, request.user)
        for nomination in context["cases"]:
            case_access_record(
                user=request.user,
                case=nomination.case,
                request=request,
                detail=f"in the minutes of forum {forum.pk}",
            )
        body = {
            "id": forum.pk,
            "held_on": forum.held_on,
            "state": forum.state,
            "revision": forum.revision,
            "minutes": forum.minutes,
            "cases": context["cases"],
        }
        return Response(ForumMinutesSerializer(body).data)

    @extend_schema(methods=["GET"], request=None, responses={200: ForumLessonsSerializer})
    @extend_schema(
        methods=["PUT"], request=ForumLessonsInSerializer, responses={200: ForumLessonsSerializer}
    )
    @action(detail=True, methods=["get", "put"], url_path="lessons", url_name="lessons")
    def lessons(self, request, pk=None):
        """Lessons learned against the four questions of 000 §4.17.2: the coordinator's."""
        forum = forum_for(request, pk, is_coordinator_of)
        if request.method == "PUT":
            data = ForumLessonsInSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            fields = data.validated_data
            forum = lessons_record(
                forum=forum,
                by=request.user,
                revision=fields["revision"],
                case_numbers=fields.get("case_numbers", ""),
                services_invited=fields.get("services_invited", ""),
                invitees_equipped=fields.get("invitees_equipped", ""),
                place_and_time=fields.get("place_and_time", ""),
            )
        return Response(ForumLessonsSerializer(forum).data)
