"""Forum invitations over the API (R-MAF-4): the invitee reads theirs and answers it at
/api/forum-invitations/<id>/respond/. Anyone else: 404, as for one that does not exist."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.models import User
from cafsite.validation import MAX_ID
from meetings.models import ForumInvitation, InvitationResponse
from meetings.services.invitations import invitation_respond
from meetings.views.invitations import invitation_for_invitee

ANSWERS = [
    InvitationResponse.ATTENDING.value,
    InvitationResponse.DEPUTY.value,
    InvitationResponse.APOLOGIES.value,
]


class ForumInvitationSerializer(serializers.ModelSerializer):
    forum = serializers.IntegerField(source="forum_id")
    held_on = serializers.DateField(source="forum.held_on")
    venue = serializers.CharField(source="forum.venue")
    nomination_deadline = serializers.DateTimeField(source="forum.nomination_deadline")
    agency = serializers.CharField(source="agency.name")
    deputy = serializers.IntegerField(source="deputy_id", allow_null=True)

    class Meta:
        model = ForumInvitation
        fields = [
            "id",
            "forum",
            "held_on",
            "venue",
            "nomination_deadline",
            "kind",
            "agency",
            "response",
            "deputy",
            "sent_at",
        ]


class RespondSerializer(serializers.Serializer):
    response = serializers.ChoiceField(choices=ANSWERS)
    deputy = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="With response=deputy: the colleague of your agency who attends instead.",
    )


class ForumInvitationViewSet(viewsets.ViewSet):
    """Your invitation to a forum: its date, venue, deadline and your answer."""

    lookup_value_converter = "id"

    @extend_schema(request=None, responses={200: ForumInvitationSerializer})
    def retrieve(self, request, pk=None):
        invitation = invitation_for_invitee(request.user, pk, request=request)
        return Response(ForumInvitationSerializer(invitation).data)

    @extend_schema(request=RespondSerializer, responses={200: ForumInvitationSerializer})
    @action(detail=True, methods=["post"], url_name="respond")
    def respond(self, request, pk=None):
        invitation = invitation_for_invitee(request.user, pk, request=request)
        data = RespondSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deputy_id = data.validated_data.get("deputy")
        deputy = User.objects.filter(pk=deputy_id).first() if deputy_id else None
        if deputy_id and deputy is None:
            raise serializers.ValidationError({"deputy": ["Choose a colleague of your agency."]})
        invitation = invitation_respond(
            invitation=invitation,
            by=request.user,
            response=data.validated_data["response"],
            deputy=deputy,
        )
        return Response(ForumInvitationSerializer(invitation).data)
