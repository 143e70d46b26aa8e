"""The existing-CAF check over the API, through the same services as the pages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from agencies.roles import in_caf_team
from cafsite.api import LoggedListMixin
from cases import checks
from cases.api.check_serializers import (
    CheckResultSerializer,
    CheckSearchSerializer,
    CheckSerializer,
    DecisionSerializer,
    MatchSerializer,
    match_data,
)
from cases.models import CafCheck, Child
from cases.register import register_results
from referrals.models import Tier34Involvement


class CheckPagination(CursorPagination):
    ordering = ("-searched_at", "-id")


class CheckViewSet(LoggedListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Checks for an existing CAF. The CAF team lists its tenant's; others their own."""

    serializer_class = CheckSerializer
    pagination_class = CheckPagination
    lookup_value_converter = "id"

    def get_queryset(self):
        user = self.request.user
        if getattr(user, "tenant_id", None) is None or not user.has_dbs_check:
            return CafCheck.objects.none()
        mine = CafCheck.objects.filter(tenant_id=user.tenant_id).select_related(
            "by", "agency", "case"
        )
        if in_caf_team(user):
            return mine
        return mine.filter(by=user)

    def _check(self, pk) -> CafCheck:
        return checks.get_check_for_user(self.request.user, pk, request=self.request)

    def _body(self, check) -> dict:
        matches = checks.check_matches(check=check, by=self.request.user, request=self.request)
        results = register_results(user=self.request.user, matches=matches)
        return {
            "check": CheckSerializer(check, context={"request": self.request}).data,
            "out_of_scope": checks.age_out_of_scope(check),
            "matches": MatchSerializer([match_data(r) for r in results], many=True).data,
            # More children were alike than could be compared: add detail to narrow the search.
            "broad": matches.broad,
        }

    @extend_schema(request=CheckSearchSerializer, responses={201: CheckResultSerializer})
    def create(self, request):
        """Search the register and record the check with the CAF team."""
        search = CheckSearchSerializer(data=request.data, user=request.user)
        search.is_valid(raise_exception=True)
        check, _ = checks.check_search(by=request.user, request=request, **search.validated_data)
        return Response(self._body(check), status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="checks_retrieve", responses={200: CheckResultSerializer})
    def retrieve(self, request, pk=None):
        return Response(self._body(self._check(pk)))

    @extend_schema(request=DecisionSerializer, responses={200: CheckSerializer})
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        """Record what follows the check: start, join, reopen, new episode, Tier 3/4 concern,
        child protection referral, or out of scope."""
        check = self._check(pk)
        decision = DecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        data, by = decision.validated_data, request.user
        child = None
        if data.get("child"):
            child = Child.objects.filter(pk=data["child"], tenant_id=check.tenant_id).first()
            if child is None:
                raise ValidationError({"child": ["Choose a child from the search results."]})
        try:
            match data["action"]:
                case "start":
                    checks.check_start_new_caf(check=check, by=by, child=child)
                case "new_child":
                    checks.check_start_new_caf(
                        check=check,
                        by=by,
                        child_details=data["new_child"],
                        confirm_new_child=data["confirm_new_child"],
                    )
                case "join":
                    checks.check_request_to_join(
                        check=check, by=by, child=child, message=data.get("message", "")
                    )
                case "reopen":
                    checks.check_reopen(check=check, by=by, child=child)
                case "new_episode":
                    checks.check_new_episode(check=check, by=by, child=child)
                case "tier34_concern":
                    involvement = Tier34Involvement.objects.filter(
                        pk=data["involvement"], child__tenant_id=check.tenant_id
                    ).first()
                    if involvement is None or not checks.check_found(check, involvement.child):
                        # One answer for a missing involvement and one the check did not find.
                        raise ValidationError({"involvement": ["No such involvement."]})
                    checks.check_register_tier34_concern(
                        check=check, by=by, involvement=involvement, message=data.get("message", "")
                    )
                case "child_protection":
                    checks.check_record_child_protection(
                        check=check,
                        by=by,
                        child=child,
                        referred_to=data["referred_to"],
                        referred_on=data["referred_on"],
                        reference=data.get("reference", ""),
                    )
                case "out_of_scope":
                    checks.check_out_of_scope(check=check, by=by)
        except checks.LikelyDuplicate as warning:
            results = register_results(user=by, matches=warning.matches)
            return Response(
                {
                    warning.field: [warning.message],
                    "matches": MatchSerializer([match_data(r) for r in results], many=True).data,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        except DjangoValidationError as error:
            raise ValidationError(
                error.message_dict if hasattr(error, "error_dict") else error.messages
            ) from error
        check.refresh_from_db()
        return Response(CheckSerializer(check, context={"request": request}).data)
