"""``GET /api/audit/``: the audit trail in words for a manager, with the page's filters and
scope (the CAF team's manager: the tenant; another agency's: their own agencies' entries) and
an opaque keyset cursor. Bad filters are a 400; anyone else gets a 404, as for the page."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.forms import AuditSearchForm
from audit.kinds import KINDS
from audit.models import AccessAction
from audit.selectors import audit_scope_or_404, trail_page, trail_querysets
from audit.services import access_log_record


class FieldChangeSerializer(serializers.Serializer):
    label = serializers.CharField()
    before = serializers.CharField(help_text="In words; empty when it was not set.")
    after = serializers.CharField(help_text="In words; empty when it is no longer set.")


class TrailEntrySerializer(serializers.Serializer):
    log = serializers.ChoiceField(choices=["changes", "access"])
    id = serializers.IntegerField(source="pk")
    at = serializers.DateTimeField()
    who = serializers.CharField(help_text='The person’s name, or "System".')
    person_id = serializers.IntegerField(source="user_id", allow_null=True)
    role = serializers.CharField()
    agency = serializers.CharField(help_text="The agency they acted for.")
    from_where = serializers.CharField(help_text="The address the request came from.")
    kind = serializers.CharField(help_text="The kind of action (see the kind filter).")
    summary = serializers.CharField(help_text="What was done, in a practitioner's terms.")
    sentence = serializers.CharField(help_text="The summary with who did it.")
    changes = FieldChangeSerializer(many=True)
    case_id = serializers.IntegerField(allow_null=True)
    case_reference = serializers.CharField()
    child_id = serializers.IntegerField(allow_null=True)
    folded = serializers.IntegerField(help_text="Bookkeeping rows folded into this entry.")
    folded_lines = serializers.ListField(child=serializers.CharField())


class TrailPageSerializer(serializers.Serializer):
    results = TrailEntrySerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="The cursor of the next page.")


def _parameter(name: str, kind, description: str, enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description, enum=enum)


class AuditTrailView(APIView):
    @extend_schema(
        operation_id="audit_trail",
        parameters=[
            _parameter(
                "log", OpenApiTypes.STR, "Both logs (all), or one.", ["all", "changes", "access"]
            ),
            _parameter("person", OpenApiTypes.INT, "Entries of this person (their id)."),
            _parameter("agency", OpenApiTypes.INT, "Entries made acting for this agency."),
            _parameter("kind", OpenApiTypes.STR, "One kind of action.", list(KINDS)),
            _parameter("case", OpenApiTypes.STR, "A case reference, e.g. CAF-000123."),
            _parameter("child", OpenApiTypes.INT, "A child's register id."),
            _parameter("date_from", OpenApiTypes.STR, "From this day (dd/mm/yyyy)."),
            _parameter("date_to", OpenApiTypes.STR, "To this day (dd/mm/yyyy)."),
            _parameter("before", OpenApiTypes.STR, "The cursor of the page to read."),
        ],
        responses={200: TrailPageSerializer},
    )
    def get(self, request):
        scope = audit_scope_or_404(request.user)
        form = AuditSearchForm(request.query_params, tenant_id=request.user.tenant_id, scope=scope)
        if not form.is_valid():
            errors = {name: list(messages) for name, messages in form.errors.items()}
            return Response(errors, status=400)
        search = form.search()
        change_rows, access_rows = trail_querysets(
            tenant_id=request.user.tenant_id, scope_agency_ids=scope, search=search
        )
        entries, next_cursor = trail_page(
            change_rows, access_rows, cursor=form.cleaned_data["before"], viewer=request.user
        )
        access_log_record(
            action=AccessAction.AUDIT,
            user=request.user,
            request=request,
            detail=f"API: {search.describe()}: {len(entries)} entries shown",
        )
        return Response(
            {"results": TrailEntrySerializer(entries, many=True).data, "next": next_cursor}
        )
