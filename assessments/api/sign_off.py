"""Sign-off, the PDF, the signature scan and the copies given, over the API: the same services
and access model as the pages (404 for a case the caller may not see)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from agencies.models import Agency
from assessments.models import (
    LARGEST_VERSION_NUMBER,
    AssessmentVersion,
    CopyRecipient,
    Distribution,
)
from assessments.selectors import current_version, get_assessment_for_user
from assessments.services.sign_off import (
    LATER_RECIPIENTS,
    assessment_sign_off,
    distribution_record,
    signed_versions,
)
from assessments.views.sign_off import asked_version, pdf_response, signature_response
from audit.models import AccessAction
from cafsite.api import StrictCharField
from cafsite.uploads import CONTENT_TYPES, UploadError, checked_document
from cases.permissions import CHANGE, case_access_record


class SignOffInSerializer(serializers.Serializer):
    assessor_signed_name = StrictCharField(max_length=200, required=False, allow_blank=True)
    assessor_signed_on = serializers.DateField()
    family_signed_name = StrictCharField(max_length=200, required=False, allow_blank=True)
    family_signed_relationship = StrictCharField(max_length=100, required=False, allow_blank=True)
    family_signed_on = serializers.DateField()
    signature_scan = serializers.FileField(
        required=False,
        help_text="Scan of the signed page (multipart), instead of typed names: a PDF, JPEG "
        "or PNG, 10 MB or smaller.",
    )
    withhold_family_copy = serializers.BooleanField(
        required=False,
        default=False,
        help_text="True when giving the family a copy could put the child at risk: the reason "
        "is then required.",
    )
    family_copy_withheld_reason = StrictCharField(required=False, allow_blank=True, default="")

    def validate_signature_scan(self, scan):
        try:
            return checked_document(scan, field="signature_scan")
        except UploadError as error:
            raise ValidationError(error.message) from error


class SignedVersionSerializer(serializers.ModelSerializer):
    state = serializers.CharField(source="assessment.state")
    submit_by = serializers.DateField(allow_null=True)
    has_signature_scan = serializers.SerializerMethodField()
    family_copy_withheld = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentVersion
        fields = [
            "number",
            "state",
            "completed_on",
            "submit_by",
            "assessor_signed_name",
            "assessor_signed_on",
            "family_signed_name",
            "family_signed_relationship",
            "family_signed_on",
            "has_signature_scan",
            "family_copy_withheld",
            "family_copy_withheld_reason",
        ]

    def get_has_signature_scan(self, version) -> bool:
        return bool(version.signature_scan)

    def get_family_copy_withheld(self, version) -> bool:
        return bool(version.family_copy_withheld_reason)


class TenantAgencyField(serializers.PrimaryKeyRelatedField):
    """An agency of the case's own tenant: another tenant's id is answered as a missing one."""

    def get_queryset(self):
        return Agency.objects.filter(tenant_id=self.context.get("tenant_id"))


class DistributionInSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=LARGEST_VERSION_NUMBER,
        required=False,
        help_text="The version given; the latest signed-off version if left out.",
    )
    recipient = serializers.ChoiceField(
        choices=[(c.value, c.label) for c in CopyRecipient if c in LATER_RECIPIENTS]
    )
    recipient_name = StrictCharField(max_length=200)
    agency = TenantAgencyField(
        queryset=Agency.objects.all(),
        required=False,
        allow_null=True,
        help_text="For a service providing support: an agency the family's consent covers.",
    )
    given_on = serializers.DateField()


class DistributionSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="version.number")
    agency = serializers.CharField(source="agency.name", allow_null=True, default=None)
    recorded_by = serializers.SerializerMethodField()

    class Meta:
        model = Distribution
        fields = [
            "id",
            "version",
            "recipient",
            "recipient_name",
            "agency",
            "given_on",
            "recorded_by",
            "recorded_at",
        ]

    def get_recorded_by(self, copy) -> str:
        return copy.recorded_by.get_full_name() or copy.recorded_by.username


class VersionQuerySerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, max_value=LARGEST_VERSION_NUMBER, required=False
    )


VERSION_PARAMETER = OpenApiParameter(
    "version",
    {"type": "integer", "minimum": 1, "maximum": LARGEST_VERSION_NUMBER},
    location=OpenApiParameter.QUERY,
    required=False,
    description="The version number; the current version if left out.",
)


def _binary(description: str, content_types) -> dict:
    return {
        (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)
        for content_type in content_types
    }


class SignOffActions:
    """Added to /api/assessments/{case id}/: sign-off/, pdf/, signature/ and copies/."""

    def _asked_version(self, request, assessment):
        query = VersionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return asked_version(assessment, query.validated_data.get("version"))

    @extend_schema(request=SignOffInSerializer, responses={200: SignedVersionSerializer})
    @action(detail=True, methods=["post"], url_path="sign-off", url_name="sign-off")
    def sign_off(self, request, pk=None):
        """Sign off the current version (R-ASSESS-4): refused, naming them, while required
        sections are not completed."""
        assessment = get_assessment_for_user(request.user, pk, CHANGE, request=request)
        data = SignOffInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = current_version(assessment)
        version.assessment = assessment
        fields = dict(data.validated_data)
        version = assessment_sign_off(
            version=version,
            by=request.user,
            assessor_signed_name=fields.get("assessor_signed_name", ""),
            assessor_signed_on=fields["assessor_signed_on"],
            family_signed_name=fields.get("family_signed_name", ""),
            family_signed_relationship=fields.get("family_signed_relationship", ""),
            family_signed_on=fields["family_signed_on"],
            signature_scan=fields.get("signature_scan"),
            family_copy_withheld_reason=fields.get("family_copy_withheld_reason", ""),
            withhold_family_copy=fields.get("withhold_family_copy", False),
        )
        return Response(SignedVersionSerializer(version).data)

    @extend_schema(
        request=None,
        parameters=[VERSION_PARAMETER],
        responses=_binary(
            "The assessment as a PDF attachment, marked OFFICIAL-SENSITIVE on every page.",
            ["application/pdf"],
        ),
    )
    @action(detail=True, methods=["get"], url_path="pdf", url_name="pdf")
    def pdf(self, request, pk=None):
        """The assessment as the national CAF form, the family's copy (R-ASSESS-4): only what
        consent allows, marked on every page (R-AUDIT-4); a version not signed off prints as a
        draft. Each print is logged."""
        assessment = get_assessment_for_user(request.user, pk, request=request)
        return pdf_response(request, assessment, self._asked_version(request, assessment))

    @extend_schema(
        request=None,
        parameters=[VERSION_PARAMETER],
        responses=_binary(
            "The scan of the signed page, as an attachment, in the type it was checked as.",
            CONTENT_TYPES.values(),
        ),
    )
    @action(detail=True, methods=["get"], url_path="signature", url_name="signature")
    def signature(self, request, pk=None):
        """The stored scan of the signed page of a version; 404 when none is stored. Each
        download is logged as an export."""
        assessment = get_assessment_for_user(request.user, pk, request=request)
        return signature_response(request, assessment, self._asked_version(request, assessment))

    @extend_schema(
        methods=["GET"], request=None, responses={200: DistributionSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        request=DistributionInSerializer,
        responses={201: DistributionSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="copies",
        url_name="copies",
    )
    def copies(self, request, pk=None):
        """Every copy given of every version; POST records a later one (R-ASSESS-4)."""
        assessment = get_assessment_for_user(request.user, pk, CHANGE, request=request)
        if request.method == "POST":
            data = DistributionInSerializer(
                data=request.data, context={"tenant_id": assessment.tenant_id}
            )
            data.is_valid(raise_exception=True)
            fields = dict(data.validated_data)
            number = fields.pop("version", None)
            if number is None:
                signed = signed_versions(assessment)
                version = signed[0] if signed else current_version(assessment)
            else:
                version = assessment.versions.filter(number=number).first()
                if version is None:
                    raise ValidationError({"version": ["There is no such version."]})
            version.assessment = assessment
            copy = distribution_record(version=version, by=request.user, **fields)
            return Response(DistributionSerializer(copy).data, status=status.HTTP_201_CREATED)
        case_access_record(
            user=request.user,
            case=assessment.case,
            request=request,
            action=AccessAction.VIEW,
            detail="assessment copies",
        )
        copies = Distribution.objects.filter(version__assessment=assessment).select_related(
            "version", "agency", "recorded_by"
        )
        return Response(DistributionSerializer(copies, many=True).data)
