"""Forums, seasons and nominations over the API (R-MAF-1..2, R-MAF-4), through the same
services and look-ups as the pages: forums of one's tenant for staff who do case work, with
only the nominated cases the caller may see; seasons for the coordinators (404 for anyone
else); nominations for those who may see their case."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from agencies.models import Agency, User
from cafsite.api import LoggedListMixin, StrictCharField
from cafsite.validation import MAX_ID
from cases.permissions import case_access_record, cases_for_user
from meetings.forum_access import (
    forum_for_user,
    is_coordinator,
    may_see_forums,
    nomination_for_user,
    season_for_coordinator,
)
from meetings.models import (
    Forum,
    ForumCoreMember,
    ForumSeason,
    ForumSession,
    Nomination,
    NominationAttendee,
    NominationKind,
)
from meetings.services.forums import (
    core_member_add,
    core_member_remove,
    forum_schedule,
    forum_session_add,
    season_create,
)
from meetings.services.nominations import (
    LIVE_STATES,
    REASON_MAX_LENGTH,
    late_nomination_accept,
    nomination_attendee_add,
    nomination_create,
    nomination_defer,
    nomination_withdraw,
    visible_nominations,
)

MAX_ATTENDEE_AGENCIES = 50


@extend_schema_field(
    {"type": "string", "pattern": r"^[0-9]{2}:[0-9]{2}(:[0-9]{2})?$", "example": "09:30"}
)
class ClockTimeField(serializers.TimeField):
    """A time of day on the 24-hour clock, "09:30", without a time zone: sessions are
    local times (JSON Schema's ``time`` format requires an offset)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _id_field(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


# --- What the API shows ---------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
    starts_at = ClockTimeField()
    ends_at = ClockTimeField()

    class Meta:
        model = ForumSession
        fields = ["id", "cluster", "starts_at", "ends_at"]


class ForumSerializer(serializers.ModelSerializer):
    season_name = serializers.CharField(source="season.name")
    chair = serializers.SerializerMethodField()
    sessions = SessionSerializer(many=True)

    class Meta:
        model = Forum
        fields = [
            "id",
            "season",
            "season_name",
            "held_on",
            "venue",
            "venue_address",
            "nomination_deadline",
            "chair",
            "state",
            "sessions",
        ]

    def get_chair(self, forum) -> str:
        return _name(forum.chair)


class AttendeeSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name")
    name = serializers.SerializerMethodField()

    class Meta:
        model = NominationAttendee
        fields = ["id", "agency", "agency_name", "user", "name"]

    def get_name(self, attendee) -> str:
        return _name(attendee.user)


class NominationSerializer(serializers.ModelSerializer):
    forum = serializers.IntegerField(source="session.forum_id")
    case_reference = serializers.CharField(source="case.reference")
    child_name = serializers.CharField(source="case.child.full_name")
    child_date_of_birth = serializers.SerializerMethodField()
    presenter = serializers.SerializerMethodField()
    presenter_agency = serializers.CharField(source="nominated_by_agency.name")
    attendees = AttendeeSerializer(many=True)

    class Meta:
        model = Nomination
        fields = [
            "id",
            "forum",
            "session",
            "case",
            "case_reference",
            "child_name",
            "child_date_of_birth",
            "kind",
            "state",
            "presenter",
            "presenter_agency",
            "reason",
            "nominated_at",
            "deferral_reason",
            "attendees",
        ]

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_child_date_of_birth(self, nomination):
        child = nomination.case.child
        return child.date_of_birth or child.expected_date_of_birth

    def get_presenter(self, nomination) -> str:
        return _name(nomination.nominated_by)


class ForumDetailSerializer(ForumSerializer):
    nominations = serializers.SerializerMethodField(
        help_text="Live nominations of the cases you may see; no other case is listed."
    )

    class Meta(ForumSerializer.Meta):
        fields = ForumSerializer.Meta.fields + ["nominations"]

    @extend_schema_field(NominationSerializer(many=True))
    def get_nominations(self, forum):
        return NominationSerializer(self.context.get("nominations", []), many=True).data


class CoreMemberSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    agency_name = serializers.CharField(source="agency.name")

    class Meta:
        model = ForumCoreMember
        fields = ["id", "user", "name", "agency", "agency_name"]

    def get_name(self, member) -> str:
        return _name(member.user)


class SeasonSerializer(serializers.ModelSerializer):
    forums = serializers.SerializerMethodField()
    core_members = CoreMemberSerializer(many=True)

    class Meta:
        model = ForumSeason
        fields = ["id", "name", "area", "created_at", "forums", "core_members"]

    @extend_schema_field(ForumSerializer(many=True))
    def get_forums(self, season):
        forums = season.forums.select_related("season", "chair").prefetch_related("sessions")
        return ForumSerializer(forums, many=True).data


# --- What the API accepts -------------------------------------------------------------------


class SeasonInSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200)
    area = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


class ForumInSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    venue = StrictCharField(max_length=200)
    venue_address = StrictCharField(max_length=1000, required=False, allow_blank=True, default="")
    nomination_deadline = serializers.DateTimeField()
    chair = _id_field(required=False, allow_null=True, default=None)


class SessionInSerializer(serializers.Serializer):
    cluster = StrictCharField(max_length=300)
    starts_at = ClockTimeField()
    ends_at = ClockTimeField()


class CoreMemberInSerializer(serializers.Serializer):
    user = _id_field()
    agency = _id_field()


class NominationInSerializer(serializers.Serializer):
    session = _id_field()
    case = _id_field()
    kind = serializers.ChoiceField(choices=NominationKind.choices)
    reason = StrictCharField(
        max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    agencies = serializers.ListField(
        child=_id_field(),
        required=False,
        default=list,
        max_length=MAX_ATTENDEE_AGENCIES,
        help_text="Agencies to hear the case: only those the family agreed to share with.",
    )


class DeferInSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=REASON_MAX_LENGTH)


class AttendeeInSerializer(serializers.Serializer):
    agency = _id_field()
    user = _id_field(required=False, allow_null=True, default=None)


def _valid(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _agency(tenant_id: int, pk: int, field: str = "agency") -> Agency:
    agency = Agency.objects.filter(pk=pk, tenant_id=tenant_id, is_active=True).first()
    if agency is None:
        raise ValidationError({field: ["Choose an agency of this area."]})
    return agency


def _user(tenant_id: int, pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk, tenant_id=tenant_id, is_active=True).first()
    if user is None:
        raise ValidationError({field: ["Choose someone of this area."]})
    return user


# --- Forums ---------------------------------------------------------------------------------


class ForumPagination(CursorPagination):
    ordering = ("-held_on", "-id")


class ForumViewSet(viewsets.ReadOnlyModelViewSet):
    """Forums of the caller's tenant, for staff who do case work; a forum lists only the
    nominated cases the caller may see."""

    serializer_class = ForumSerializer
    pagination_class = ForumPagination
    lookup_value_converter = "id"
    parser_classes = [JSONParser]  # JSON only: documented, and nothing else to mis-parse

    def get_queryset(self):
        user = self.request.user
        if not may_see_forums(user):
            return Forum.objects.none()
        return (
            Forum.objects.filter(tenant_id=user.tenant_id)
            .select_related("season", "chair")
            .prefetch_related("sessions")
        )

    @extend_schema(responses={200: ForumDetailSerializer})
    def retrieve(self, request, pk=None):
        forum = forum_for_user(request.user, pk, request=request)
        nominations = list(
            visible_nominations(
                request.user,
                Nomination.objects.filter(session__forum=forum, state__in=LIVE_STATES),
            )
            .select_related("case__child", "session", "nominated_by", "nominated_by_agency")
            .prefetch_related("attendees__agency", "attendees__user")
        )
        return Response(ForumDetailSerializer(forum, context={"nominations": nominations}).data)

    @extend_schema(request=SessionInSerializer, responses={201: SessionSerializer})
    @action(detail=True, methods=["post"], url_name="sessions")
    def sessions(self, request, pk=None):
        forum = forum_for_user(request.user, pk, request=request)
        if not is_coordinator(request.user):
            raise Http404("No such forum.")
        data = _valid(SessionInSerializer, request.data)
        session = forum_session_add(forum=forum, by=request.user, **data)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


# --- Seasons (coordinators) -----------------------------------------------------------------


class SeasonPagination(CursorPagination):
    ordering = ("-created_at", "-id")


class SeasonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Seasons of forums: the CAF coordinators' to set up. Anyone else: 404."""

    serializer_class = SeasonSerializer
    pagination_class = SeasonPagination
    lookup_value_converter = "id"
    parser_classes = [JSONParser]  # JSON only: documented, and nothing else to mis-parse

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not is_coordinator(request.user):
            raise Http404("No such page.")

    def get_queryset(self):
        return ForumSeason.objects.filter(tenant_id=self.request.user.tenant_id).prefetch_related(
            "core_members__user", "core_members__agency"
        )

    def get_object(self):
        return season_for_coordinator(self.request.user, self.kwargs["pk"], request=self.request)

    @extend_schema(request=SeasonInSerializer, responses={201: SeasonSerializer})
    def create(self, request):
        season = season_create(by=request.user, **_valid(SeasonInSerializer, request.data))
        return Response(SeasonSerializer(season).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ForumInSerializer, responses={201: ForumSerializer})
    @action(detail=True, methods=["post"], url_name="forums")
    def forums(self, request, pk=None):
        season = self.get_object()
        data = _valid(ForumInSerializer, request.data)
        forum = forum_schedule(
            season=season,
            by=request.user,
            held_on=data["held_on"],
            venue=data["venue"],
            venue_address=data["venue_address"],
            nomination_deadline=data["nomination_deadline"],
            chair=_user(request.user.tenant_id, data["chair"], "chair"),
        )
        return Response(ForumSerializer(forum).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CoreMemberInSerializer, responses={201: CoreMemberSerializer})
    @action(detail=True, methods=["post"], url_path="core-members", url_name="core-members")
    def core_members(self, request, pk=None):
        season = self.get_object()
        data = _valid(CoreMemberInSerializer, request.data)
        tenant_id = request.user.tenant_id
        member = core_member_add(
            season=season,
            by=request.user,
            user=_user(tenant_id, data["user"], "user"),
            agency=_agency(tenant_id, data["agency"]),
        )
        return Response(CoreMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path="core-members/<id:member_pk>",
        url_name="core-member-remove",
    )
    def core_member_remove(self, request, pk=None, member_pk=None):
        season = self.get_object()
        member = season.core_members.filter(pk=member_pk).first()
        if member is None:
            raise Http404("No such core member.")
        core_member_remove(member=member, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Nominations ----------------------------------------------------------------------------


class NominationPagination(CursorPagination):
    ordering = ("-nominated_at", "-id")


class NominationViewSet(
    LoggedListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Live nominations of the cases the caller may see; nominating, withdrawing, and the
    coordinator's decisions on late ones."""

    serializer_class = NominationSerializer
    pagination_class = NominationPagination
    lookup_value_converter = "id"
    parser_classes = [JSONParser]  # JSON only: documented, and nothing else to mis-parse

    def get_queryset(self):
        user = self.request.user
        if not may_see_forums(user):
            return Nomination.objects.none()
        return (
            visible_nominations(
                user, Nomination.objects.filter(tenant_id=user.tenant_id, state__in=LIVE_STATES)
            )
            .select_related("case__child", "session", "nominated_by", "nominated_by_agency")
            .prefetch_related("attendees__agency", "attendees__user")
        )

    def list_log_detail(self, rows: list) -> str:
        return "API nomination list: " + ", ".join(row["case_reference"] for row in rows)

    def get_object(self):
        nomination = nomination_for_user(self.request.user, self.kwargs["pk"], request=self.request)
        case_access_record(
            user=self.request.user,
            case=nomination.case,
            request=self.request,
            detail=f"nomination {nomination.pk}",
        )
        return nomination

    def _managed(self, request, pk, *, coordinator_only=False) -> Nomination:
        """The nomination, if the caller presents it (or is a coordinator); else 404."""
        nomination = nomination_for_user(request.user, pk, request=request)
        presenter = not coordinator_only and nomination.nominated_by_id == request.user.pk
        if not presenter and not is_coordinator(request.user):
            raise Http404("No such nomination.")
        return nomination

    def _shown(self, nomination) -> Response:
        nomination = (
            Nomination.objects.select_related(
                "case__child", "session", "nominated_by", "nominated_by_agency"
            )
            .prefetch_related("attendees__agency", "attendees__user")
            .get(pk=nomination.pk)
        )
        return Response(NominationSerializer(nomination).data)

    @extend_schema(request=NominationInSerializer, responses={201: NominationSerializer})
    def create(self, request):
        data = _valid(NominationInSerializer, request.data)
        user = request.user
        case = cases_for_user(user).filter(pk=data["case"]).first()
        if case is None:
            raise ValidationError({"case": ["Choose a case you may see."]})
        session = (
            ForumSession.objects.filter(pk=data["session"], forum__tenant_id=user.tenant_id)
            .select_related("forum")
            .first()
        )
        if session is None:
            raise ValidationError({"session": ["Choose a session of a forum of this area."]})
        agencies = [
            _agency(user.tenant_id, pk, "agencies") for pk in dict.fromkeys(data["agencies"])
        ]
        nomination = nomination_create(
            session=session,
            case=case,
            by=user,
            kind=data["kind"],
            reason=data["reason"],
            attendees=[(agency, None) for agency in agencies],
        )
        response = self._shown(nomination)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=None, responses={200: NominationSerializer})
    @action(detail=True, methods=["post"], url_name="withdraw")
    def withdraw(self, request, pk=None):
        nomination = self._managed(request, pk)
        return self._shown(nomination_withdraw(nomination=nomination, by=request.user))

    @extend_schema(request=None, responses={200: NominationSerializer})
    @action(detail=True, methods=["post"], url_path="accept-late", url_name="accept-late")
    def accept_late(self, request, pk=None):
        nomination = self._managed(request, pk, coordinator_only=True)
        return self._shown(late_nomination_accept(nomination=nomination, by=request.user))

    @extend_schema(request=DeferInSerializer, responses={200: NominationSerializer})
    @action(detail=True, methods=["post"], url_name="defer")
    def defer(self, request, pk=None):
        nomination = self._managed(request, pk, coordinator_only=True)
        data = _valid(DeferInSerializer, request.data)
        nomination_defer(nomination=nomination, by=request.user, reason=data["reason"])
        return self._shown(nomination)

    @extend_schema(request=AttendeeInSerializer, responses={201: AttendeeSerializer})
    @action(detail=True, methods=["post"], url_name="attendees")
    def attendees(self, request, pk=None):
        nomination = self._managed(request, pk)
        data = _valid(AttendeeInSerializer, request.data)
        tenant_id = request.user.tenant_id
        attendee = nomination_attendee_add(
            nomination=nomination,
            by=request.user,
            agency=_agency(tenant_id, data["agency"]),
            user=_user(tenant_id, data["user"], "user"),
        )
        return Response(AttendeeSerializer(attendee).data, status=status.HTTP_201_CREATED)
