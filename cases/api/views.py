from rest_framework import viewsets
from rest_framework.pagination import CursorPagination

from cafsite.api import LoggedListMixin
from cases.api.serializers import CaseSerializer
from cases.permissions import case_access_record, cases_for_user, get_case_for_user
from consent.api import ConsentActionsMixin


class CasePagination(CursorPagination):
    # Cursor paging: stable under inserts and no full count, which would leak and be slow.
    ordering = ("-intention_logged_at", "-id")


class CaseViewSet(LoggedListMixin, ConsentActionsMixin, viewsets.ReadOnlyModelViewSet):
    """Cases the caller may see, through the same access model as the pages."""

    serializer_class = CaseSerializer
    pagination_class = CasePagination
    lookup_value_converter = "id"

    def get_queryset(self):
        return cases_for_user(self.request.user).select_related(
            "child", "assessor", "assessor_agency"
        )

    def get_object(self):
        case = get_case_for_user(self.request.user, self.kwargs["pk"], request=self.request)
        case_access_record(user=self.request.user, case=case, request=self.request)
        return case

    def list_log_detail(self, rows: list) -> str:
        return "API case list: " + ", ".join(row["reference"] for row in rows)
