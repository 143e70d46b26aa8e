"""The agenda of a forum session over the API (R-MAF-3): the rows the caller may see, and the
coordinator's build and reorder and the coordinator's and chair's confirmations, through the
same services and access rules as the page."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.roles import in_caf_team
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.validation import MAX_ID
from meetings.services.agenda import (
    AgendaAction,
    agenda_build,
    agenda_confirm,
    agenda_reorder,
)
from meetings.views.agenda import agenda_view_rows, session_for_user

MAX_ORDER = 200


@extend_schema_field({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "example": "09:20"})
class ClockField(serializers.Field):
    """A time of day on the agenda, as the page shows it (24-hour clock, no seconds)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value.strftime("%H:%M")


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


class AgendaCaseSerializer(serializers.Serializer):
    nomination = serializers.IntegerField(source="pk")
    case = serializers.IntegerField(source="case_id")
    reference = serializers.CharField(source="case.reference")
    child_name = serializers.CharField(source="case.child.full_name")
    kind = serializers.CharField(help_text="new or review.")
    presenter = serializers.SerializerMethodField()
    attendees = serializers.SerializerMethodField()

    def get_presenter(self, nomination) -> str:
        return f"{_name(nomination.nominated_by)} ({nomination.nominated_by_agency.name})"

    def get_attendees(self, nomination) -> list[str]:
        return [
            f"{_name(a.user)} ({a.agency.name})" if a.user_id else a.agency.name
            for a in nomination.attendees.all()
        ]


class AgendaSlotSerializer(AgendaCaseSerializer):
    position = serializers.IntegerField()
    starts_at = ClockField()
    ends_at = ClockField()


class AgendaDeferralSerializer(serializers.Serializer):
    nomination = serializers.IntegerField(source="pk")
    case = serializers.IntegerField(source="case_id")
    reference = serializers.CharField(source="case.reference")
    child_name = serializers.CharField(source="case.child.full_name")
    reason = serializers.CharField(source="deferral_reason")


class AgendaSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    cluster = serializers.CharField()
    starts_at = ClockField()
    ends_at = ClockField()
    revision = serializers.IntegerField(help_text="Send it back with a reorder or confirmation.")
    built_at = serializers.DateTimeField(allow_null=True)
    method = serializers.CharField(help_text="exact, heuristic, by hand, or empty if not built.")
    attendee_minutes = serializers.IntegerField(
        allow_null=True, help_text="Shown to the CAF team only (it counts every case)."
    )
    nomination_order_minutes = serializers.IntegerField(allow_null=True)
    builder_attendee_minutes = serializers.IntegerField(allow_null=True)
    coordinator_confirmed_at = serializers.DateTimeField(allow_null=True)
    chair_confirmed_at = serializers.DateTimeField(allow_null=True)
    confirmed = serializers.BooleanField()
    slots = AgendaSlotSerializer(many=True)
    proposed_deferrals = AgendaDeferralSerializer(many=True)
    deferred = AgendaDeferralSerializer(many=True)


class AgendaActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=AgendaAction.choices)
    revision = serializers.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1, help_text="Required to reorder."
    )
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=MAX_ORDER,
        help_text="To reorder: every nomination on the agenda, by id, first heard first.",
    )

    def validate(self, data):
        if data["action"] == AgendaAction.REORDER:
            if "order" not in data:
                raise serializers.ValidationError({"order": ["Give the order of the cases."]})
            if "revision" not in data:
                raise serializers.ValidationError(
                    {"revision": ["Give the revision of the agenda you reordered."]}
                )
        return data


def agenda_data(user, session) -> dict:
    scheduled, proposed, _, deferred = agenda_view_rows(user, session)
    sees_all = in_caf_team(user)
    return {
        "session": session.pk,
        "cluster": session.cluster,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "revision": session.revision,
        "built_at": session.agenda_built_at,
        "method": session.agenda_method,
        "attendee_minutes": session.attendee_minutes if sees_all else None,
        "nomination_order_minutes": session.nomination_order_minutes if sees_all else None,
        "builder_attendee_minutes": session.builder_attendee_minutes if sees_all else None,
        "coordinator_confirmed_at": session.coordinator_confirmed_at,
        "chair_confirmed_at": session.chair_confirmed_at,
        "confirmed": session.agenda_confirmed,
        "slots": scheduled,
        "proposed_deferrals": proposed,
        "deferred": deferred,
    }


class ForumSessionAgendaView(APIView):
    """The agenda of a forum session."""

    def _respond(self, request, session):
        data = agenda_data(request.user, session)
        access_log_record(
            action=AccessAction.LIST,
            user=request.user,
            request=request,
            tenant_id=session.forum.tenant_id,
            detail=f"forum session {session.pk} agenda: "
            f"{len(data['slots']) + len(data['proposed_deferrals'])} shown",
        )
        return Response(AgendaSerializer(data).data)

    @extend_schema(operation_id="forum_session_agenda", responses={200: AgendaSerializer})
    def get(self, request, pk: int):
        return self._respond(request, session_for_user(request.user, pk))

    @extend_schema(
        operation_id="forum_session_agenda_act",
        request=AgendaActionSerializer,
        responses={200: AgendaSerializer},
    )
    def post(self, request, pk: int):
        session = session_for_user(request.user, pk)
        body = AgendaActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        action = body.validated_data["action"]
        revision = body.validated_data.get("revision")
        user = request.user
        if action == AgendaAction.CONFIRM:
            agenda_confirm(session=session, by=user, revision=revision)
        elif action == AgendaAction.BUILD:
            agenda_build(session=session, by=user, revision=revision)
        else:
            agenda_reorder(
                session=session, by=user, order=body.validated_data["order"], revision=revision
            )
        session.refresh_from_db()
        return self._respond(request, session)
