"""A case's team-around-the-child meetings over the API, at /api/cases/<id>/meetings/...: the
same services and access as the pages (404 for a case or meeting the caller may not see)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, User
from cafsite.api import StrictCharField
from cafsite.validation import MAX_ID
from cases.models import PlanAction
from cases.permissions import case_access_record, get_case_for_user
from meetings.models import ParticipantResponse, TacMeeting, TacParticipant
from meetings.selectors import first_tac_due_for, get_meeting_for_user, meetings_of
from meetings.services import tac as services
from meetings.services.tac import (
    NAME_MAX,
    NOTES_MAX,
    PURPOSE_MAX,
    REASON_MAX,
    RELATIONSHIP_MAX,
    UPDATE_MAX,
    may_change,
    may_convene,
)


def _id_field(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _text(limit: int, **kwargs):
    return StrictCharField(max_length=limit, required=False, allow_blank=True, **kwargs)


class TacParticipantSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    agency = serializers.SerializerMethodField()

    class Meta:
        model = TacParticipant
        fields = [
            "id",
            "kind",
            "user",
            "agency",
            "name",
            "relationship",
            "response",
            "written_update",
            "attended",
        ]

    def get_name(self, participant) -> str:
        if participant.user_id:
            return participant.user.get_full_name() or participant.user.username
        return participant.name

    def get_agency(self, participant) -> str:
        return participant.agency.name if participant.agency_id else ""


class TacPlanActionSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner_label")

    class Meta:
        model = PlanAction
        fields = ["id", "need", "outcome", "action", "owner", "due_on", "status"]


class TacMeetingSummarySerializer(serializers.ModelSerializer):
    convened_by = serializers.SerializerMethodField()
    convened_by_agency = serializers.CharField(source="convened_by_agency.name")

    class Meta:
        model = TacMeeting
        fields = [
            "id",
            "state",
            "scheduled_at",
            "venue",
            "convened_by",
            "convened_by_agency",
            "held_on",
        ]

    def get_convened_by(self, meeting) -> str:
        return meeting.convened_by.get_full_name() or meeting.convened_by.username


class TacMeetingSerializer(TacMeetingSummarySerializer):
    participants = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    assessment_version = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()

    class Meta(TacMeetingSummarySerializer.Meta):
        fields = TacMeetingSummarySerializer.Meta.fields + [
            "revision",
            *services.RECORD_FIELDS,
            "cancelled_reason",
            "assessment_version",
            "participants",
            "actions",
            "warnings",
        ]

    @extend_schema_field(TacParticipantSerializer(many=True))
    def get_participants(self, meeting):
        return TacParticipantSerializer(
            meeting.participants.select_related("user", "agency"), many=True
        ).data

    @extend_schema_field(TacPlanActionSerializer(many=True))
    def get_actions(self, meeting):
        return TacPlanActionSerializer(
            meeting.actions.select_related("owner_agency", "owner_user"), many=True
        ).data

    def get_assessment_version(self, meeting) -> int | None:
        return meeting.assessment_version.number if meeting.assessment_version_id else None

    def get_warnings(self, meeting) -> list[str]:
        warning = services.too_many_services_warning(meeting)
        return [warning] if warning else []


class TacMeetingListSerializer(serializers.Serializer):
    first_tac_due = serializers.DateField(
        allow_null=True,
        help_text="The last day for the first TAC meeting (20 working days after the "
        "assessment's completion); null before completion and once one has been held.",
    )
    may_convene = serializers.BooleanField()
    meetings = TacMeetingSummarySerializer(many=True)


class TacConveneSerializer(serializers.Serializer):
    scheduled_at = serializers.DateTimeField()
    venue = StrictCharField(max_length=NAME_MAX)
    purpose = _text(PURPOSE_MAX)


class TacInviteSerializer(serializers.Serializer):
    user = _id_field(required=False, allow_null=True, help_text="A practitioner's user id.")
    agency = _id_field(required=False, allow_null=True, help_text="The practitioner's agency.")
    name = _text(NAME_MAX, help_text="A family member's name (not a user).")
    relationship = _text(RELATIONSHIP_MAX)


class TacRespondSerializer(serializers.Serializer):
    response = serializers.ChoiceField(
        choices=[ParticipantResponse.ATTENDING.value, ParticipantResponse.APOLOGIES.value]
    )
    written_update = _text(UPDATE_MAX)


class TacRecordSerializer(serializers.Serializer):
    revision = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    purpose = _text(PURPOSE_MAX)
    chaired_by = _text(NAME_MAX)
    recorded_by_name = _text(NAME_MAX)
    consent_checked = serializers.BooleanField(required=False)
    confidentiality_agreed = serializers.BooleanField(required=False)
    actions_reviewed = _text(NOTES_MAX)
    development_notes = _text(NOTES_MAX)
    parenting_notes = _text(NOTES_MAX)
    family_environment_notes = _text(NOTES_MAX)
    lead_professional_proposed = _id_field(required=False, allow_null=True)
    next_meeting_at = serializers.DateTimeField(required=False, allow_null=True)
    next_meeting_venue = _text(NAME_MAX)


class TacActionSerializer(serializers.Serializer):
    need = StrictCharField(max_length=2000)
    outcome = _text(2000)
    action = StrictCharField(max_length=2000)
    owner_agency = _id_field(required=False, allow_null=True)
    owner_user = _id_field(required=False, allow_null=True)
    owner_family_member = _text(NAME_MAX)
    due_on = serializers.DateField()


class TacHoldSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    attended = serializers.ListField(
        child=_id_field(),
        max_length=200,
        help_text="The ids of the participants who attended; anyone else did not.",
    )


class TacCancelSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=REASON_MAX)


def _valid(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _changeable(request, pk, meeting_pk):
    case, meeting = get_meeting_for_user(request.user, pk, meeting_pk, request=request)
    if not may_change(request.user, meeting):
        raise Http404("No such meeting.")
    return case, meeting


def _in_tenant(model, pk, case):
    """The record ``pk`` of the case's tenant, or None (the service then refuses it)."""
    if pk is None:
        return None
    return model.objects.filter(pk=pk, tenant_id=case.tenant_id).first()


def _meeting_response(meeting, code=status.HTTP_200_OK):
    meeting = TacMeeting.objects.select_related(
        "convened_by", "convened_by_agency", "assessment_version"
    ).get(pk=meeting.pk)
    return Response(TacMeetingSerializer(meeting).data, status=code)


class MeetingListView(APIView):
    @extend_schema(
        operation_id="case_meetings_list", request=None, responses={200: TacMeetingListSerializer}
    )
    def get(self, request, pk):
        case = get_case_for_user(request.user, pk, request=request)
        meetings = meetings_of(case)
        case_access_record(user=request.user, case=case, request=request, detail="TAC meetings")
        return Response(
            TacMeetingListSerializer(
                {
                    "first_tac_due": first_tac_due_for(case, meetings),
                    "may_convene": may_convene(request.user, case),
                    "meetings": meetings,
                }
            ).data
        )

    @extend_schema(
        operation_id="case_meetings_create",
        request=TacConveneSerializer,
        responses={201: TacMeetingSerializer},
    )
    def post(self, request, pk):
        case = get_case_for_user(request.user, pk, request=request)
        if not may_convene(request.user, case):
            raise Http404("No such case.")
        data = _valid(TacConveneSerializer, request)
        meeting = services.tac_convene(case=case, by=request.user, **data)
        return _meeting_response(meeting, status.HTTP_201_CREATED)


class MeetingDetailView(APIView):
    @extend_schema(
        operation_id="case_meeting_retrieve", request=None, responses={200: TacMeetingSerializer}
    )
    def get(self, request, pk, meeting_pk):
        case, meeting = get_meeting_for_user(request.user, pk, meeting_pk, request=request)
        case_access_record(
            user=request.user, case=case, request=request, detail=f"TAC meeting {meeting.pk}"
        )
        return _meeting_response(meeting)


class InviteView(APIView):
    @extend_schema(
        operation_id="case_meeting_invite",
        request=TacInviteSerializer,
        responses={201: TacParticipantSerializer},
    )
    def post(self, request, pk, meeting_pk):
        case, meeting = _changeable(request, pk, meeting_pk)
        data = _valid(TacInviteSerializer, request)
        user = User.objects.filter(pk=data.get("user"), tenant_id=case.tenant_id).first()
        if data.get("user") and user is None:
            raise services.MeetingError("Choose a practitioner of this council.", field="user")
        agency = _in_tenant(Agency, data.get("agency"), case)
        if data.get("agency") and agency is None:
            raise services.MeetingError("Choose an agency of this council.", field="agency")
        participant = services.tac_participant_invite(
            meeting=meeting,
            by=request.user,
            user=user,
            agency=agency,
            name=data.get("name", ""),
            relationship=data.get("relationship", ""),
        )
        return Response(TacParticipantSerializer(participant).data, status=status.HTTP_201_CREATED)


class RespondView(APIView):
    @extend_schema(
        operation_id="case_meeting_respond",
        request=TacRespondSerializer,
        responses={200: TacParticipantSerializer},
    )
    def post(self, request, pk, meeting_pk):
        _, meeting = get_meeting_for_user(request.user, pk, meeting_pk, request=request)
        participant = meeting.participants.filter(user=request.user).first()
        if participant is None:
            raise Http404("No such invitation.")
        participant = services.tac_participant_respond(
            participant=participant, by=request.user, **_valid(TacRespondSerializer, request)
        )
        return Response(TacParticipantSerializer(participant).data)


class RecordView(APIView):
    @extend_schema(
        operation_id="case_meeting_record",
        request=TacRecordSerializer,
        responses={200: TacMeetingSerializer},
    )
    def post(self, request, pk, meeting_pk):
        case, meeting = _changeable(request, pk, meeting_pk)
        data = dict(_valid(TacRecordSerializer, request))
        revision = data.pop("revision")
        if "lead_professional_proposed" in data:
            proposed = data["lead_professional_proposed"]
            data["lead_professional_proposed"] = (
                User.objects.filter(pk=proposed, tenant_id=case.tenant_id).first()
                if proposed
                else None
            )
            if proposed and data["lead_professional_proposed"] is None:
                raise services.MeetingError(
                    "Propose a practitioner invited to this meeting.",
                    field="lead_professional_proposed",
                )
        meeting = services.tac_record(meeting=meeting, by=request.user, revision=revision, **data)
        return _meeting_response(meeting)


class ActionView(APIView):
    @extend_schema(
        operation_id="case_meeting_action",
        request=TacActionSerializer,
        responses={201: TacPlanActionSerializer},
    )
    def post(self, request, pk, meeting_pk):
        case, meeting = _changeable(request, pk, meeting_pk)
        data = dict(_valid(TacActionSerializer, request))
        owner_agency = _in_tenant(Agency, data.pop("owner_agency", None), case)
        owner_user_id = data.pop("owner_user", None)
        owner_user = (
            User.objects.filter(pk=owner_user_id, tenant_id=case.tenant_id).first()
            if owner_user_id
            else None
        )
        if owner_user_id and owner_user is None:
            raise services.MeetingError(
                "Choose a practitioner of this council.", field="owner_user"
            )
        plan_action = services.tac_action_agree(
            meeting=meeting,
            by=request.user,
            owner_agency=owner_agency,
            owner_user=owner_user,
            **data,
        )
        return Response(TacPlanActionSerializer(plan_action).data, status=status.HTTP_201_CREATED)


class HoldView(APIView):
    @extend_schema(
        operation_id="case_meeting_hold",
        request=TacHoldSerializer,
        responses={200: TacMeetingSerializer},
    )
    def post(self, request, pk, meeting_pk):
        _, meeting = _changeable(request, pk, meeting_pk)
        data = _valid(TacHoldSerializer, request)
        ids = set(meeting.participants.values_list("pk", flat=True))
        if set(data["attended"]) - ids:
            raise services.MeetingError("Name participants of this meeting.", field="attended")
        meeting = services.tac_hold(
            meeting=meeting,
            by=request.user,
            held_on=data["held_on"],
            attendance={pk: pk in data["attended"] for pk in ids},
        )
        return _meeting_response(meeting)


class CancelView(APIView):
    @extend_schema(
        operation_id="case_meeting_cancel",
        request=TacCancelSerializer,
        responses={200: TacMeetingSerializer},
    )
    def post(self, request, pk, meeting_pk):
        _, meeting = _changeable(request, pk, meeting_pk)
        meeting = services.tac_cancel(
            meeting=meeting, by=request.user, **_valid(TacCancelSerializer, request)
        )
        return _meeting_response(meeting)
