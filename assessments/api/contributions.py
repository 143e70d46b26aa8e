"""Contributions over the API (R-REF-3): asked for and accepted on the assessment
(/api/assessments/<case id>/contributions/...), written by the contributor at
/api/contributions/<id>/, which only they may open (anyone else: 404, as for one that does
not exist)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.models import User
from assessments.framework import DOMAIN_SECTIONS, Section
from assessments.models import Contribution
from assessments.selectors import current_version, domain_elements, get_assessment_for_user
from assessments.services.contributions import (
    TEXT_FIELDS,
    contribution_accept,
    contribution_request,
    contribution_submit,
)
from assessments.views.contributions import contribution_for_contributor
from cafsite.api import StrictCharField
from cafsite.validation import MAX_ID
from cases.permissions import CHANGE, case_access_record


class ContributionSerializer(serializers.ModelSerializer):
    contributor = serializers.SerializerMethodField()
    agency = serializers.CharField(source="agency.name")

    class Meta:
        model = Contribution
        fields = [
            "id",
            "key",
            "state",
            "contributor",
            "agency",
            "message",
            "requested_at",
            "submitted_at",
            "decided_at",
        ]

    def get_contributor(self, contribution) -> str:
        user = contribution.contributor
        return user.get_full_name() or user.username


class RequestSerializer(serializers.Serializer):
    section = serializers.ChoiceField(choices=Section.choices)
    contributor = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    message = StrictCharField(max_length=2000, required=False, allow_blank=True)


class ElementSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    prompt = serializers.CharField()
    local_prompts = serializers.ListField(child=serializers.CharField())


class FieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()


class ContributionDetailSerializer(ContributionSerializer):
    case_reference = serializers.CharField(source="version.assessment.case.reference")
    requested_by = serializers.SerializerMethodField()
    elements = serializers.SerializerMethodField()
    fields_to_write = serializers.SerializerMethodField()
    data = serializers.JSONField(
        help_text="What the contributor has written, in the section's shape: for a domain "
        '{element code: {"statements": [{"kind", "text", "whose", "nature"}]}}, otherwise '
        "{field: text}."
    )

    class Meta(ContributionSerializer.Meta):
        fields = ContributionSerializer.Meta.fields + [
            "case_reference",
            "requested_by",
            "elements",
            "fields_to_write",
            "data",
        ]

    def get_requested_by(self, contribution) -> str:
        user = contribution.requested_by
        return user.get_full_name() or user.username

    @extend_schema_field(ElementSerializer(many=True))
    def get_elements(self, contribution):
        if contribution.key not in DOMAIN_SECTIONS:
            return []
        return [
            {
                "code": element.get("code", ""),
                "title": element.get("title", ""),
                "prompt": element.get("prompt", ""),
                "local_prompts": element.get("local_prompts", []),
            }
            for element in domain_elements(contribution.version.framework, contribution.key)
        ]

    @extend_schema_field(FieldSerializer(many=True))
    def get_fields_to_write(self, contribution):
        return [
            {"name": name, "label": label} for name, label in TEXT_FIELDS.get(contribution.key, ())
        ]


class SubmitSerializer(serializers.Serializer):
    data = serializers.JSONField(
        help_text="The contribution in the section's shape (see the contribution's ``data``)."
    )
    send = serializers.BooleanField(
        default=True, help_text="Send it to the assessor (true) or only save it (false)."
    )

    def validate_data(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Send an object of the section's fields.")
        return value


class ContributionActions:
    """Asking for a contribution and accepting one, on the assessment of a case."""

    @extend_schema(request=RequestSerializer, responses={201: ContributionSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="contributions",
        url_name="contribution-request",
    )
    def contribution_request(self, request, pk=None):
        assessment = get_assessment_for_user(request.user, pk, CHANGE, request=request)
        data = RequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = current_version(assessment)
        version.assessment = assessment
        contribution = contribution_request(
            version=version,
            key=data.validated_data["section"],
            contributor=User.objects.filter(pk=data.validated_data["contributor"]).first(),
            message=data.validated_data.get("message", ""),
            by=request.user,
        )
        return Response(ContributionSerializer(contribution).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ContributionSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="contributions/<id:contribution_pk>/accept",
        url_name="contribution-accept",
    )
    def contribution_accept(self, request, pk=None, contribution_pk=None):
        assessment = get_assessment_for_user(request.user, pk, CHANGE, request=request)
        contribution = (
            Contribution.objects.filter(pk=contribution_pk, version__assessment=assessment)
            .select_related("version", "contributor", "agency")
            .first()
        )
        if contribution is None:
            raise Http404("No such contribution.")
        contribution.version.assessment = assessment
        contribution = contribution_accept(contribution=contribution, by=request.user)
        return Response(ContributionSerializer(contribution).data)


class ContributionViewSet(viewsets.ViewSet):
    """A contribution, for its contributor only: their section's elements and prompts (or
    fields) and what they have written; nothing else of the assessment."""

    lookup_value_converter = "id"

    def _contribution(self, request, pk):
        return contribution_for_contributor(request.user, pk, request=request)

    @extend_schema(request=None, responses={200: ContributionDetailSerializer})
    def retrieve(self, request, pk=None):
        contribution = self._contribution(request, pk)
        case_access_record(
            user=request.user,
            case=contribution.version.assessment.case,
            request=request,
            detail=f"assessment contribution {contribution.pk} ({contribution.key})",
        )
        return Response(ContributionDetailSerializer(contribution).data)

    @extend_schema(request=SubmitSerializer, responses={200: ContributionDetailSerializer})
    @action(detail=True, methods=["post"], url_name="submit")
    def submit(self, request, pk=None):
        contribution = self._contribution(request, pk)
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contribution = contribution_submit(
            contribution=contribution,
            data=data.validated_data["data"],
            by=request.user,
            send=data.validated_data["send"],
        )
        return Response(ContributionDetailSerializer(contribution).data)
