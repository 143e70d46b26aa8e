"""``GET /api/reports/dashboard/``: the oversight dashboard's figures as JSON, with the same
filters and the same scope as the page (a manager: the cases their agencies may see; the CAF
team: its tenant; anyone else: 404). Each figure and each count carries the address of the
list of the cases behind it. Bad filters are a 400."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AccessAction
from audit.services import access_log_record
from reports.access import may_oversee
from reports.dashboard import dashboard
from reports.dashboard_forms import DashboardFilterForm
from reports.dashboard_views import _describe, dashboard_figures


class NumberField(serializers.FloatField):
    """A count stays a whole number in the JSON; a median may have a half."""

    def to_representation(self, value):
        return value


class CellSerializer(serializers.Serializer):
    text = serializers.CharField()
    count = NumberField(allow_null=True)
    url = serializers.CharField(help_text="The list of the cases behind the count, if any.")


class FigureSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    total = serializers.IntegerField()
    url = serializers.CharField(help_text="The list of the cases behind the figure.")
    summary = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=CellSerializer(many=True))
    median_days = NumberField(allow_null=True)
    share_in_time = serializers.IntegerField(allow_null=True)


class FiltersSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    area = serializers.CharField()
    agency = serializers.IntegerField(allow_null=True, source="agency_id")


class DashboardSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    figures = FigureSerializer(many=True)


def _parameter(name: str, kind, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description)


class DashboardView(APIView):
    @extend_schema(
        operation_id="reports_dashboard",
        parameters=[
            _parameter("area", OpenApiTypes.STR, "The child's postcode district, e.g. LS6."),
            _parameter("agency", OpenApiTypes.INT, "Cases assessed by this agency."),
            _parameter("date_from", OpenApiTypes.DATE, "Start of the period (12 months ago)."),
            _parameter("date_to", OpenApiTypes.DATE, "End of the period (today)."),
        ],
        responses={200: DashboardSerializer},
    )
    def get(self, request):
        if not may_oversee(request.user):
            raise Http404
        form = DashboardFilterForm(request.query_params, tenant_id=request.user.tenant_id)
        if not form.is_valid():
            errors = {name: list(messages) for name, messages in form.errors.items()}
            return Response(errors, status=400)
        today = timezone.localdate()
        filters = form.filters(today)
        figures = dashboard_figures(dashboard(request.user, filters, today))
        access_log_record(
            action=AccessAction.VIEW,
            user=request.user,
            request=request,
            detail=f"dashboard (API): {_describe(filters)}",
        )
        return Response(DashboardSerializer({"filters": filters, "figures": figures}).data)
