"""``GET /api/cases/<id>/history/`` and ``GET /api/people/<id>/activity/``: the pages' entries
in words, with the pages' scoping (audit.history_views), one page at a time with an opaque
cursor (``before``). Bad filters are a 400; a case or person out of reach, a 404."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.api import TrailEntrySerializer, TrailPageSerializer
from audit.history import Kind
from audit.history_views import activity_of_person, history_of_case
from audit.trail import describe_entries


def _parameters(kinds: list[Kind]) -> list[OpenApiParameter]:
    def query(name, kind, description, **extra):
        return OpenApiParameter(
            name, kind, OpenApiParameter.QUERY, description=description, **extra
        )

    return [
        query("kind", OpenApiTypes.STR, "One kind of entry.", enum=[k.value for k in kinds]),
        query("date_from", OpenApiTypes.DATE, "From this day (dd/mm/yyyy or yyyy-mm-dd)."),
        query("date_to", OpenApiTypes.DATE, "To this day, inclusive."),
        query("before", OpenApiTypes.STR, "The cursor of the page to read (``next``)."),
    ]


def _answer(request, form, page):
    if not form.is_valid():
        return Response({name: list(msgs) for name, msgs in form.errors.items()}, status=400)
    entries = describe_entries(page.entries, viewer=request.user)
    next_cursor = page.next_cursor.encode() if page.next_cursor else None
    return Response({"results": TrailEntrySerializer(entries, many=True).data, "next": next_cursor})


class CaseHistoryView(APIView):
    @extend_schema(
        operation_id="case_history",
        parameters=_parameters([Kind.ACCESS, Kind.CHANGES, Kind.SHARING, Kind.REFUSED]),
        responses={200: TrailPageSerializer},
    )
    def get(self, request, pk: int):
        """Every view, print, export, change and sharing decision on the case, newest first
        (refused look-ups too, for managers)."""
        _, form, page = history_of_case(request, pk, request.query_params)
        return _answer(request, form, page)


class PersonActivityView(APIView):
    @extend_schema(
        operation_id="person_activity",
        parameters=_parameters(list(Kind)),
        responses={200: TrailPageSerializer},
    )
    def get(self, request, pk: int):
        """What one member of staff did, newest first: for their managers."""
        _, form, page = activity_of_person(request, pk, request.query_params)
        return _answer(request, form, page)
