from rest_framework import viewsets
from rest_framework.pagination import CursorPagination

from audit.models import AccessAction
from audit.services import access_log_record
from cases.api.serializers import CaseSerializer
from cases.permissions import cases_for_user, get_case_for_user
from consent.api import ConsentActionsMixin


class CasePagination(CursorPagination):
    # Cursor paging: stable under inserts and no full count, which would leak and be slow.
    ordering = ("-intention_logged_at", "-id")


class CaseViewSet(ConsentActionsMixin, viewsets.ReadOnlyModelViewSet):
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
        access_log_record(
            action=AccessAction.VIEW, user=self.request.user, request=self.request, case=case
        )
        return case
