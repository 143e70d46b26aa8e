"""A case's action plan over the API (R-PLAN-1..2, R-REPORT-2): the plan of a case at
/api/cases/<id>/plan/, adding an action at /api/cases/<id>/plan/actions/, and one action at
/api/plan-actions/<id>/ with its answers, status, notes and drop. The same services and access
as the pages: 404 for a case or action the caller may not see or may not act on."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, User
from cafsite.api import StrictCharField
from cafsite.validation import MAX_ID
from cases import plans
from cases.models import PlanAction, PlanActionNote, SupportingFamiliesOutcome
from cases.permissions import case_access_record, get_case_for_user


def _text(limit: int, **kwargs):
    return StrictCharField(max_length=limit, required=False, allow_blank=True, **kwargs)


def _id_field(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class PlanActionNoteSerializer(serializers.ModelSerializer):
    written_by = serializers.SerializerMethodField()

    class Meta:
        model = PlanActionNote
        fields = ["id", "text", "written_by", "written_at"]

    def get_written_by(self, note) -> str:
        return note.written_by.get_full_name() or note.written_by.username


class PlanActionSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner_label")
    overdue = serializers.SerializerMethodField()
    supporting_families_outcomes = serializers.ListField(
        child=serializers.ChoiceField(choices=SupportingFamiliesOutcome.choices)
    )

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "need",
            "strengths",
            "supporting_families_outcomes",
            "outcome",
            "action",
            "owner",
            "owner_agency",
            "owner_user",
            "owner_family_member",
            "due_on",
            "status",
            "status_reason",
            "accepted_at",
            "dropped_on",
            "overdue",
            "updated_at",
        ]

    def get_overdue(self, plan_action) -> bool:
        return plans.is_overdue(plan_action, timezone.localdate())


class PlanActionDetailSerializer(PlanActionSerializer):
    notes = PlanActionNoteSerializer(many=True, read_only=True)

    class Meta(PlanActionSerializer.Meta):
        fields = PlanActionSerializer.Meta.fields + ["notes"]


class PlanSerializer(serializers.Serializer):
    may_plan = serializers.BooleanField()
    warnings = serializers.ListField(child=serializers.CharField())
    actions = PlanActionSerializer(many=True, help_text="Every action, dropped ones included.")


class PlanActionAddSerializer(serializers.Serializer):
    need = StrictCharField(max_length=plans.NEED_MAX)
    strengths = _text(plans.NEED_MAX)
    supporting_families_outcomes = serializers.ListField(
        child=serializers.ChoiceField(choices=SupportingFamiliesOutcome.choices),
        required=False,
        max_length=len(SupportingFamiliesOutcome.choices),
    )
    outcome = _text(plans.NEED_MAX)
    action = StrictCharField(max_length=plans.ACTION_MAX)
    owner_agency = _id_field(required=False, allow_null=True)
    owner_user = _id_field(required=False, allow_null=True)
    owner_family_member = _text(plans.OWNER_NAME_MAX)
    due_on = serializers.DateField()


class PlanActionDeclineSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=plans.REASON_MAX)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[s.value for s in plans.UPDATABLE_STATUSES])
    reason = _text(plans.REASON_MAX, help_text="Required when the action was not done.")
    updated_at = serializers.DateTimeField(
        help_text="The action's updated_at as read: if it changed since, nothing is saved (409)."
    )


class PlanActionNoteAddSerializer(serializers.Serializer):
    text = StrictCharField(max_length=plans.NOTE_MAX)


def _valid(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _action_response(plan_action, code=status.HTTP_200_OK):
    plan_action = PlanAction.objects.select_related("owner_agency", "owner_user").get(
        pk=plan_action.pk
    )
    return Response(PlanActionDetailSerializer(plan_action).data, status=code)


def _action(request, pk, may=None):
    plan_action = plans.get_plan_action_for_user(request.user, pk, request=request)
    if may is not None and not may(request.user, plan_action):
        raise Http404("No such action.")
    return plan_action


class PlanView(APIView):
    @extend_schema(operation_id="case_plan_retrieve", request=None, responses={200: PlanSerializer})
    def get(self, request, pk):
        case = get_case_for_user(request.user, pk, request=request)
        actions = list(
            case.plan_actions.select_related("owner_agency", "owner_user").order_by(
                "agreed_at", "id"
            )
        )
        may_plan = plans.may_plan(request.user, case)
        warnings = plans.plan_warnings(case, actions) if may_plan else []
        case_access_record(user=request.user, case=case, request=request, detail="action plan")
        return Response(
            PlanSerializer({"may_plan": may_plan, "warnings": warnings, "actions": actions}).data
        )


class PlanAddView(APIView):
    @extend_schema(
        operation_id="case_plan_action_create",
        request=PlanActionAddSerializer,
        responses={201: PlanActionDetailSerializer},
    )
    def post(self, request, pk):
        case = get_case_for_user(request.user, pk, request=request)
        if not plans.may_plan(request.user, case):
            raise Http404("No such case.")
        data = dict(_valid(PlanActionAddSerializer, request))
        agency_id = data.pop("owner_agency", None)
        owner_agency = (
            Agency.objects.filter(pk=agency_id, tenant_id=case.tenant_id).first()
            if agency_id
            else None
        )
        if agency_id and owner_agency is None:
            raise plans.PlanError("Choose an agency of this council.", field="owner_agency")
        user_id = data.pop("owner_user", None)
        owner_user = (
            User.objects.filter(pk=user_id, tenant_id=case.tenant_id).first() if user_id else None
        )
        if user_id and owner_user is None:
            raise plans.PlanError("Choose a practitioner of this council.", field="owner_user")
        plan_action = plans.plan_action_add(
            case=case, by=request.user, owner_agency=owner_agency, owner_user=owner_user, **data
        )
        return _action_response(plan_action, status.HTTP_201_CREATED)


class PlanActionView(APIView):
    @extend_schema(
        operation_id="plan_action_retrieve",
        request=None,
        responses={200: PlanActionDetailSerializer},
    )
    def get(self, request, pk):
        plan_action = _action(request, pk)
        case_access_record(
            user=request.user,
            case=plan_action.case,
            request=request,
            detail=f"action plan: action {plan_action.pk}",
        )
        return _action_response(plan_action)


class AcceptView(APIView):
    @extend_schema(
        operation_id="plan_action_accept",
        request=None,
        responses={200: PlanActionDetailSerializer},
    )
    def post(self, request, pk):
        plan_action = _action(request, pk, plans.may_answer)
        return _action_response(plans.plan_action_accept(plan_action=plan_action, by=request.user))


class DeclineView(APIView):
    @extend_schema(
        operation_id="plan_action_decline",
        request=PlanActionDeclineSerializer,
        responses={200: PlanActionDetailSerializer},
    )
    def post(self, request, pk):
        plan_action = _action(request, pk, plans.may_answer)
        data = _valid(PlanActionDeclineSerializer, request)
        return _action_response(
            plans.plan_action_decline(plan_action=plan_action, by=request.user, **data)
        )


class StatusView(APIView):
    @extend_schema(
        operation_id="plan_action_status",
        request=StatusSerializer,
        responses={200: PlanActionDetailSerializer, 409: PlanActionDetailSerializer},
    )
    def post(self, request, pk):
        plan_action = _action(request, pk, plans.may_update)
        data = _valid(StatusSerializer, request)
        try:
            plan_action = plans.plan_action_status_update(
                plan_action=plan_action,
                by=request.user,
                status=data["status"],
                reason=data.get("reason", ""),
                seen=data["updated_at"],
            )
        except plans.StaleAction as error:
            return _action_response(error.current, status.HTTP_409_CONFLICT)
        return _action_response(plan_action)


class NoteView(APIView):
    @extend_schema(
        operation_id="plan_action_note_create",
        request=PlanActionNoteAddSerializer,
        responses={201: PlanActionNoteSerializer},
    )
    def post(self, request, pk):
        plan_action = _action(request, pk, plans.may_note)
        note = plans.plan_action_note_add(
            plan_action=plan_action, by=request.user, **_valid(PlanActionNoteAddSerializer, request)
        )
        return Response(PlanActionNoteSerializer(note).data, status=status.HTTP_201_CREATED)


class DropView(APIView):
    @extend_schema(
        operation_id="plan_action_drop",
        request=None,
        responses={200: PlanActionDetailSerializer},
    )
    def post(self, request, pk):
        plan_action = _action(request, pk, lambda user, a: plans.may_plan(user, a.case))
        return _action_response(plans.plan_action_drop(plan_action=plan_action, by=request.user))
