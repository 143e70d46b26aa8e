"""Versions, their comparison and contribution requests over the API, on
/api/assessments/<case id>/: the same services and access as the pages (404 for a case the
caller may not see, or a version that does not exist)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments.api.contributions import ContributionActions
from assessments.models import LARGEST_VERSION_NUMBER, AssessmentVersion
from assessments.selectors import current_version, get_assessment_for_user, versions_of
from assessments.services import version_is_editable
from assessments.services.versions import (
    NEW_VERSION_REASONS,
    version_compare,
    version_create,
    version_sections,
)
from assessments.views.versions import diff_chunks, version_of
from cases.permissions import CHANGE, case_access_record

VERSION_NUMBER = OpenApiParameter(
    "number",
    {"type": "integer", "minimum": 1, "maximum": LARGEST_VERSION_NUMBER},
    location=OpenApiParameter.PATH,
    description="The version number.",
)


class VersionSummarySerializer(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()
    is_current = serializers.SerializerMethodField()
    editable = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentVersion
        fields = [
            "number",
            "reason",
            "created_at",
            "created_by",
            "completed_on",
            "is_current",
            "editable",
        ]

    def get_created_by(self, version) -> str:
        return version.created_by.get_full_name() or version.created_by.username

    def get_is_current(self, version) -> bool:
        return version.number == self.context["current_number"]

    def get_editable(self, version) -> bool:
        return version_is_editable(version)


class RowSerializer(serializers.Serializer):
    label = serializers.CharField()
    text = serializers.CharField()
    prompt = serializers.CharField()
    gone = serializers.BooleanField(help_text="An element no longer on the element list.")


class SectionReadSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    rows = RowSerializer(many=True)


class VersionSerializer(VersionSummarySerializer):
    framework = serializers.JSONField(help_text="The element list this version was written on.")
    sections = serializers.SerializerMethodField()

    class Meta(VersionSummarySerializer.Meta):
        fields = VersionSummarySerializer.Meta.fields + ["framework", "sections"]

    @extend_schema_field(SectionReadSerializer(many=True))
    def get_sections(self, version) -> list[dict]:
        return SectionReadSerializer(version_sections(version), many=True).data


class NewVersionSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=[(reason.value, reason.label) for reason in NEW_VERSION_REASONS]
    )


class ChunkSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["equal", "insert", "delete"])
    text = serializers.CharField()


class RowChangeSerializer(serializers.Serializer):
    label = serializers.CharField()
    changed = serializers.BooleanField()
    gone = serializers.BooleanField()
    chunks = ChunkSerializer(many=True)


class SectionChangeSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    changed = serializers.BooleanField()
    rows = RowChangeSerializer(many=True)


class ComparisonSerializer(serializers.Serializer):
    earlier = serializers.IntegerField()
    current = serializers.IntegerField()
    sections = SectionChangeSerializer(many=True)


class VersionActions(ContributionActions):
    """Added to the assessment endpoint. Contribution requests and their acceptance come
    with it: they are what holds a new version back (R-REF-3)."""

    def _versions_context(self, assessment) -> dict:
        return {"current_number": current_version(assessment).number}

    @extend_schema(request=None, responses={200: VersionSummarySerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="versions", url_name="versions")
    def versions(self, request, pk=None):
        assessment = get_assessment_for_user(request.user, pk, request=request)
        versions = versions_of(assessment)
        case_access_record(
            user=request.user,
            case=assessment.case,
            request=request,
            detail=f"assessment versions list: {len(versions)} shown",
        )
        return Response(
            VersionSummarySerializer(
                versions, many=True, context={"current_number": versions[-1].number}
            ).data
        )

    @extend_schema(request=NewVersionSerializer, responses={201: VersionSummarySerializer})
    @action(detail=True, methods=["post"], url_path="versions/new", url_name="version-new")
    def version_new(self, request, pk=None):
        assessment = get_assessment_for_user(request.user, pk, CHANGE, request=request)
        data = NewVersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = version_create(
            assessment=assessment, by=request.user, reason=data.validated_data["reason"]
        )
        return Response(
            VersionSummarySerializer(version, context={"current_number": version.number}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: VersionSerializer}, parameters=[VERSION_NUMBER])
    @action(detail=True, methods=["get"], url_path="versions/<int:number>", url_name="version")
    def version(self, request, pk=None, number=None):
        assessment = get_assessment_for_user(request.user, pk, request=request)
        version = version_of(assessment, int(number))
        case_access_record(
            user=request.user,
            case=assessment.case,
            request=request,
            detail=f"assessment version {version.number}",
        )
        return Response(VersionSerializer(version, context=self._versions_context(assessment)).data)

    @extend_schema(request=None, responses={200: ComparisonSerializer}, parameters=[VERSION_NUMBER])
    @action(
        detail=True,
        methods=["get"],
        url_path="versions/<int:number>/compare",
        url_name="compare",
    )
    def compare(self, request, pk=None, number=None):
        assessment = get_assessment_for_user(request.user, pk, request=request)
        earlier = version_of(assessment, int(number))
        current = current_version(assessment)
        changes = version_compare(earlier, current)
        case_access_record(
            user=request.user,
            case=assessment.case,
            request=request,
            detail=f"assessment version {earlier.number} compared with {current.number}",
        )
        sections = [
            {
                "key": section.key,
                "title": section.title,
                "changed": section.changed,
                "rows": [
                    {
                        "label": row.label,
                        "changed": row.changed,
                        "gone": row.gone,
                        "chunks": [
                            {"op": chunk["op"], "text": chunk["text"]}
                            for chunk in diff_chunks(row.runs)
                        ],
                    }
                    for row in section.rows
                ],
            }
            for section in changes
        ]
        return Response(
            ComparisonSerializer(
                {"earlier": earlier.number, "current": current.number, "sections": sections}
            ).data
        )
