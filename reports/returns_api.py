"""The returns through the API, scoped as the pages are (issue 15): Annex A list 2 a page at a
time (keyset on the child id), the Supporting Families return for a quarter, and the state of
an export job. Not a manager nor in the CAF team: 404. Bad input: 400 with the field's error.
Every answer is in the access log."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AccessAction
from cafsite.validation import parse_id
from cases.permissions import cases_for_user
from reports import supporting_families as sf
from reports.access import may_oversee
from reports.annex_a import annex_a_records, rows_from, text_cells
from reports.exports import export_job_for, returns_record
from reports.returns_forms import AnnexAForm, SupportingFamiliesForm

PAGE_LENGTH = 500


def _errors(form) -> Response:
    return Response({name: list(messages) for name, messages in form.errors.items()}, status=400)


def _query(name: str, kind, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description)


class AnnexARowSerializer(serializers.Serializer):
    child_unique_id = serializers.CharField()
    gender = serializers.CharField()
    ethnicity = serializers.CharField()
    date_of_birth = serializers.CharField(help_text="dd/mm/yyyy, or empty")
    age_of_child_years = serializers.IntegerField(help_text="-1 for an unborn child")
    assessment_start_date = serializers.CharField()
    assessment_completion_date = serializers.CharField()
    organisation_completing_assessment = serializers.CharField()


class AnnexAPageSerializer(serializers.Serializer):
    as_at = serializers.CharField()
    results = AnnexARowSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="The cursor of the next page.")


KEYS = list(AnnexARowSerializer().fields)


def _row(row) -> dict:
    values = dict(zip(KEYS, text_cells(row), strict=True))
    values["age_of_child_years"] = row.age
    return values


class AnnexAView(APIView):
    @extend_schema(
        operation_id="reports_annex_a",
        parameters=[
            _query("date", OpenApiTypes.STR, "The list's date, dd/mm/yyyy or yyyy-mm-dd."),
            _query("after", OpenApiTypes.STR, "The cursor of the page to read."),
        ],
        responses={200: AnnexAPageSerializer},
    )
    def get(self, request):
        """Ofsted's Annex A list 2 (R-REPORT-1), one row a child, codes and dd/mm/yyyy dates."""
        if not may_oversee(request.user):
            raise Http404
        form = AnnexAForm({"date": request.query_params.get("date", "")})
        if not form.is_valid():
            return _errors(form)
        after = request.query_params.get("after")
        after_id = parse_id(after) if after else 0
        if after and after_id is None:
            return Response({"after": ["Not a cursor this list gave."]}, status=400)
        as_at = form.as_at()
        records = annex_a_records(cases_for_user(request.user), as_at).filter(child_id__gt=after_id)
        rows = []
        for row in rows_from(records.iterator(chunk_size=PAGE_LENGTH), as_at):
            rows.append(row)
            if len(rows) > PAGE_LENGTH:
                break
        more = len(rows) > PAGE_LENGTH
        rows = rows[:PAGE_LENGTH]
        returns_record(
            user=request.user,
            request=request,
            action=AccessAction.EXPORT,
            detail=f"Annex A list 2 as at {as_at:%d/%m/%Y} (API): {len(rows)} children",
        )
        return Response(
            {
                "as_at": as_at.strftime("%d/%m/%Y"),
                "results": [_row(row) for row in rows],
                "next": str(rows[-1].child_id) if more else None,
            }
        )


class OutcomeFiguresSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    label = serializers.CharField()
    need = serializers.IntegerField()
    progress = serializers.IntegerField()
    achieved = serializers.IntegerField()
    cases = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="The ids of the cases behind each figure.",
    )


class SupportingFamiliesReturnSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    outcomes = OutcomeFiguresSerializer(many=True)


class SupportingFamiliesView(APIView):
    @extend_schema(
        operation_id="reports_supporting_families",
        parameters=[
            _query("quarter", OpenApiTypes.STR, "2026-Q3, or with year: the quarter 1-4."),
            _query("year", OpenApiTypes.INT, "The financial year's first year, e.g. 2026."),
        ],
        responses={200: SupportingFamiliesReturnSerializer},
    )
    def get(self, request):
        """The Supporting Families return for a financial-year quarter (R-REPORT-2)."""
        if not may_oversee(request.user):
            raise Http404
        quarter_text = request.query_params.get("quarter", "")
        year = request.query_params.get("year")
        if year is not None:
            quarter_text = f"{year}-Q{quarter_text}"
        form = SupportingFamiliesForm({"quarter": quarter_text})
        if not form.is_valid():
            return _errors(form)
        quarter = form.cleaned_data["quarter"]
        result = sf.figures(request.user, quarter)
        returns_record(
            user=request.user,
            request=request,
            action=AccessAction.LIST,
            detail=f"Supporting Families return {quarter.code} (API)",
        )
        outcomes = [
            {
                **row,
                "cases": {m: sorted(result[row["outcome"]][m]) for m in sf.MEASURES},
            }
            for row in sf.summary_rows(result)
        ]
        return Response(
            {
                "quarter": quarter.code,
                "label": quarter.label,
                "start": quarter.start,
                "end": quarter.end,
                "outcomes": outcomes,
            }
        )


class ExportJobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    state = serializers.CharField()
    rows_done = serializers.IntegerField()
    rows_total = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField()
    download = serializers.CharField(allow_null=True)


class ExportJobView(APIView):
    @extend_schema(operation_id="reports_export_job", responses={200: ExportJobSerializer})
    def get(self, request, pk):
        """An export's state and progress, for its requester alone; its download link once
        it is ready."""
        job = export_job_for(request.user, pk)
        returns_record(
            user=request.user,
            request=request,
            action=AccessAction.VIEW,
            detail=f"export {job.pk}: {job.state}",
        )
        download = (
            reverse("reports:export_download", kwargs={"pk": job.pk})
            if job.state == "done"
            else None
        )
        return Response(
            ExportJobSerializer(
                {
                    "id": job.pk,
                    "kind": job.kind,
                    "state": job.state,
                    "rows_done": job.rows_done,
                    "rows_total": job.rows_total,
                    "created_at": job.created_at,
                    "finished_at": job.finished_at,
                    "expires_at": job.expires_at,
                    "download": download,
                }
            ).data
        )
