"""Consent over the API: actions on a case, through the same services as the pages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from agencies.models import Agency, Role
from agencies.roles import in_caf_team, in_caf_team_as
from cafsite.api import LoggedListMixin, StrictCharField
from cafsite.idempotency import HEADER as IDEMPOTENCY_HEADER
from cafsite.idempotency import KEY_LENGTH
from cafsite.uploads import CONTENT_TYPES, UploadError, checked_document
from cafsite.validation import MAX_ID
from cases.permissions import CHANGE, get_case_for_user
from consent import services
from consent.models import (
    ConfidentialNote,
    Consent,
    ConsentGiver,
    ConsentMethod,
    ConsentRefusal,
    ShareScope,
    SharingGround,
)
from consent.selectors import confidential_notes_for, refusal_patterns
from consent.views import scan_response


class TenantAgencyField(serializers.PrimaryKeyRelatedField):
    """An agency of the case's own tenant: another tenant's id is answered as a missing one."""

    def get_queryset(self):
        return Agency.objects.filter(tenant_id=self.context.get("tenant_id"))


class ConsentInSerializer(serializers.Serializer):
    given_by = serializers.ChoiceField(choices=ConsentGiver.choices)
    giver_name = StrictCharField(max_length=200)
    relationship = StrictCharField(max_length=100, required=False, allow_blank=True)
    competence_evidence = StrictCharField(required=False, allow_blank=True)
    to_undertake = serializers.BooleanField()
    to_record = serializers.BooleanField()
    share_scope = serializers.ChoiceField(choices=ShareScope.choices)
    agencies = TenantAgencyField(queryset=Agency.objects.all(), many=True, required=False)
    method = serializers.ChoiceField(choices=ConsentMethod.choices)
    signed_name = StrictCharField(max_length=200, required=False, allow_blank=True)
    signed_on = serializers.DateField()
    scan = serializers.FileField(
        required=False,
        help_text="Scan of the signed form (multipart): a PDF, JPEG or PNG, 10 MB or smaller.",
    )

    def validate_scan(self, scan):
        try:
            return checked_document(scan, field="scan")
        except UploadError as error:
            raise ValidationError(error.message) from error


class ConsentOutSerializer(serializers.ModelSerializer):
    agencies_with_access = serializers.SerializerMethodField()
    has_scan = serializers.SerializerMethodField()

    class Meta:
        model = Consent
        fields = [
            "id",
            "given_by",
            "giver_name",
            "relationship",
            "child_age",
            "to_undertake",
            "to_record",
            "share_scope",
            "method",
            "signed_name",
            "signed_on",
            "withdrawn_on",
            "agencies_with_access",
            "has_scan",
        ]

    def get_has_scan(self, consent) -> bool:
        return bool(consent.scan)

    def get_agencies_with_access(self, consent) -> list[str]:
        return [g.agency.name for g in consent.grants.filter(revoked_at__isnull=True)]


class WithdrawSerializer(serializers.Serializer):
    agency = TenantAgencyField(queryset=Agency.objects.all(), required=False, allow_null=True)
    on = serializers.DateField()
    note = StrictCharField(required=False, allow_blank=True)


def _idempotency_key_field():
    return StrictCharField(
        max_length=KEY_LENGTH,
        required=False,
        write_only=True,
        allow_blank=True,
        help_text="Optional, 8 to 64 letters, digits or . _ : - (or the Idempotency-Key "
        "header): sending the same key again returns the record it made, not a second one.",
    )


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    description="A key for this submission: repeated, it returns the first record.",
)


class RefusalSerializer(serializers.Serializer):
    refused_by = serializers.ChoiceField(choices=ConsentGiver.choices)
    refused_on = serializers.DateField()
    note = StrictCharField(required=False, allow_blank=True)
    idempotency_key = _idempotency_key_field()


class SharingSerializer(serializers.Serializer):
    ground = serializers.ChoiceField(choices=SharingGround.choices)
    shared_with = StrictCharField(max_length=200)
    what = StrictCharField()
    justification = StrictCharField()
    idempotency_key = _idempotency_key_field()


class NoteSerializer(serializers.ModelSerializer):
    text = StrictCharField()
    idempotency_key = _idempotency_key_field()

    class Meta:
        model = ConfidentialNote
        fields = ["id", "text", "written_at", "idempotency_key"]
        read_only_fields = ["id", "written_at"]


class CreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()


def _run(call):
    try:
        return call()
    except DjangoValidationError as error:
        raise ValidationError(
            error.message_dict if hasattr(error, "error_dict") else error.messages
        ) from error


class ConsentActionsMixin:
    """Added to the case endpoint: /api/cases/{id}/consent/ and its siblings."""

    def _case_for_change(self, pk):
        return get_case_for_user(self.request.user, pk, CHANGE, request=self.request)

    def _input(self, serializer_class, case):
        data = serializer_class(data=self.request.data, context={"tenant_id": case.tenant_id})
        data.is_valid(raise_exception=True)
        validated = dict(data.validated_data)
        if "idempotency_key" in data.fields and not validated.get("idempotency_key"):
            validated["idempotency_key"] = self.request.headers.get(IDEMPOTENCY_HEADER, "")
        return validated

    @extend_schema(request=ConsentInSerializer, responses={201: ConsentOutSerializer})
    @action(detail=True, methods=["post"])
    def consent(self, request, pk=None):
        case = self._case_for_change(pk)
        data = self._input(ConsentInSerializer, case)
        consent = _run(lambda: services.consent_record(case=case, by=request.user, **data))
        return Response(ConsentOutSerializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            (200, content_type): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The scan of the signed form, as an attachment, in the type it "
                "was checked as.",
            )
            for content_type in CONTENT_TYPES.values()
        },
    )
    @action(detail=True, methods=["get"], url_path="consents/<id:consent_pk>/scan")
    def consent_scan(self, request, pk=None, consent_pk=None):
        case = get_case_for_user(request.user, pk, request=request)
        return scan_response(request, case, int(consent_pk))

    @extend_schema(request=WithdrawSerializer, responses={200: ConsentOutSerializer})
    @action(detail=True, methods=["post"], url_path="consent/withdraw")
    def consent_withdraw(self, request, pk=None):
        case = self._case_for_change(pk)
        data = self._input(WithdrawSerializer, case)
        consent = _run(lambda: services.consent_withdraw(case=case, by=request.user, **data))
        return Response(ConsentOutSerializer(consent).data)

    @extend_schema(
        request=RefusalSerializer,
        responses={201: CreatedSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def refusal(self, request, pk=None):
        case = self._case_for_change(pk)
        data = self._input(RefusalSerializer, case)
        refusal = _run(lambda: services.refusal_record(case=case, by=request.user, **data))
        return Response({"id": refusal.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SharingSerializer,
        responses={201: CreatedSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def sharing(self, request, pk=None):
        case = self._case_for_change(pk)
        data = self._input(SharingSerializer, case)
        decision = _run(
            lambda: services.sharing_decision_record(case=case, by=request.user, **data)
        )
        return Response({"id": decision.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=NoteSerializer,
        responses={200: NoteSerializer(many=True)},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def notes(self, request, pk=None):
        """Your own confidential notes on the case; nobody else's."""
        case = self._case_for_change(pk)
        if request.method == "POST":
            data = self._input(NoteSerializer, case)
            services.confidential_note_add(case=case, by=request.user, **data)
        return Response(NoteSerializer(confidential_notes_for(case, request.user), many=True).data)


class RefusalOutSerializer(serializers.ModelSerializer):
    agency = serializers.StringRelatedField()

    class Meta:
        model = ConsentRefusal
        fields = [
            "id",
            "child_name",
            "date_of_birth",
            "gender",
            "ethnicity",
            "postcode",
            "refused_by",
            "agency",
            "refused_on",
        ]


class RefusalPatternSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())


class EscalateSerializer(serializers.Serializer):
    refusals = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), allow_empty=False
    )
    pattern = StrictCharField(max_length=300)
    escalated_to = StrictCharField(max_length=200)
    reason = StrictCharField()


class RefusalViewSet(LoggedListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Refusals in the CAF team's tenant, with the patterns and escalation (R-CONSENT-7)."""

    serializer_class = RefusalOutSerializer
    pagination_class = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # The CAF team's surface: anyone else finds nothing here, as for a missing page.
        if not in_caf_team(request.user):
            raise Http404

    def get_queryset(self):
        user = self.request.user
        if not in_caf_team(user):
            return ConsentRefusal.objects.none()
        return ConsentRefusal.objects.filter(tenant_id=user.tenant_id).select_related("agency")[
            :200
        ]

    @extend_schema(responses={200: RefusalPatternSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def patterns(self, request):
        return Response(refusal_patterns(request.user.tenant_id, self.get_queryset()))

    @extend_schema(request=EscalateSerializer, responses={201: CreatedSerializer})
    @action(detail=False, methods=["post"])
    def escalate(self, request):
        if not in_caf_team_as(request.user, Role.CAF_COORDINATOR, Role.MANAGER):
            raise Http404
        data = EscalateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        asked = set(data.validated_data["refusals"])
        chosen = list(ConsentRefusal.objects.filter(pk__in=asked, tenant_id=request.user.tenant_id))
        if len(chosen) != len(asked):
            # Another tenant's refusal is answered exactly as a missing one.
            raise ValidationError({"refusals": ["Refusal not found."]})
        escalation = services.refusal_escalate(
            by=request.user,
            refusals=chosen,
            pattern=data.validated_data["pattern"],
            escalated_to=data.validated_data["escalated_to"],
            reason=data.validated_data["reason"],
        )
        return Response({"id": escalation.pk}, status=status.HTTP_201_CREATED)
