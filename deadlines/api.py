"""``GET /api/deadlines/``: the CAF team sees its tenant's open deadlines, anyone else their
own (as assessor, lead, action or task owner, or their agencies' unassigned queue); the same
filters as the page, one page at a time with an opaque cursor. Bad filters are a 400."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AccessAction
from audit.services import access_log_record
from cases.permissions import casework_access
from deadlines.forms import DeadlineFilterForm
from deadlines.sources import WORKLIST_KINDS, due_items, encode_cursor
from deadlines.views import PAGE_LENGTH


class DeadlineItemSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    due_on = serializers.DateField()
    overdue = serializers.BooleanField()
    case_id = serializers.IntegerField(allow_null=True)
    case_reference = serializers.CharField()
    owner_id = serializers.IntegerField(allow_null=True)
    owner_name = serializers.CharField()
    owner_agency_id = serializers.IntegerField(allow_null=True)
    owner_agency_name = serializers.CharField()
    link = serializers.CharField()
    detail = serializers.CharField()


class DeadlinePageSerializer(serializers.Serializer):
    results = DeadlineItemSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="The cursor of the next page.")


def _parameter(name: str, kind, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description)


class DeadlineListView(APIView):
    @extend_schema(
        operation_id="deadlines",
        parameters=[
            _parameter("agency", OpenApiTypes.INT, "Deadlines owned by this agency."),
            _parameter("kind", OpenApiTypes.STR, "One kind of deadline."),
            _parameter("area", OpenApiTypes.STR, "The child's postcode district, e.g. LS6."),
            _parameter("when", OpenApiTypes.STR, '"overdue", "due" (from today) or empty.'),
            _parameter("days", OpenApiTypes.INT, "Due within this many days (14)."),
            _parameter("after", OpenApiTypes.STR, "The cursor of the page to read."),
        ],
        responses={200: DeadlinePageSerializer},
    )
    def get(self, request):
        access = casework_access(request.user)
        if access is None:
            return Response({"results": [], "next": None})
        form = DeadlineFilterForm(request.query_params, tenant_id=access.tenant_id)
        if not form.is_valid():
            errors = {name: list(messages) for name, messages in form.errors.items()}
            return Response(errors, status=400)
        today = timezone.localdate()
        query = form.query(today)
        if not access.caf_team:
            query["kinds"] = [kind for kind in query["kinds"] if kind in WORKLIST_KINDS]
        page = due_items(
            **query,
            today=today,
            for_user=request.user,
            owner=None if access.caf_team else request.user,
            limit=PAGE_LENGTH,
        )
        references = sorted({i.case_reference for i in page.items if i.case_reference})
        if references:
            access_log_record(
                action=AccessAction.LIST,
                user=request.user,
                request=request,
                detail="deadlines: " + ", ".join(references),
            )
        return Response(
            {
                "results": DeadlineItemSerializer(page.items, many=True).data,
                "next": encode_cursor(page.next_after) or None,
            }
        )
