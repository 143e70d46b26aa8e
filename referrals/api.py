"""Requests for service and social care referrals over the API: the same services and access
as the pages (404 for a case, request or referral the caller may not see). The receiving agency
reads only what a request shares: the serializer of a request has no case content."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, User
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.api import LoggedListMixin, StrictCharField
from cafsite.validation import MAX_ID
from cases.permissions import CHANGE, case_access_record, get_case_for_user
from meetings.models import ForumSession
from referrals import service_requests as requests_services
from referrals import social_care as care
from referrals.models import ServiceRequest, SocialCareReferral, Task, ThresholdDecision
from referrals.selectors import (
    record_read,
    requests_of,
    service_request_for_user,
    social_care_referral_for_user,
    task_for_owner,
    tasks_owned_by,
)
from referrals.services import ReferralError
from referrals.task_answers import (
    MESSAGE_MAX,
    RESPONSE_MAX,
    Answer,
    answered_here,
    may_request_read_access,
    read_access_request,
    task_answer,
)


def _valid(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _id_field(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


class ServiceRequestSerializer(serializers.ModelSerializer):
    """What both the team and the receiving agency read: the request's own text, the child's
    name and date of birth, and how to contact the requester."""

    to_agency = serializers.CharField(source="to_agency.name")
    from_agency = serializers.CharField(source="from_agency.name")
    requested_by = serializers.SerializerMethodField()
    requester_email = serializers.CharField(source="requested_by.email")
    child_name = serializers.CharField(source="case.child.full_name")
    child_date_of_birth = serializers.DateField(source="case.child.date_of_birth", allow_null=True)
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "to_agency",
            "from_agency",
            "requested_by",
            "requester_email",
            "child_name",
            "child_date_of_birth",
            "service",
            "shared_summary",
            "requested_at",
            "state",
            "decided_by",
            "decided_at",
            "reason",
            "next_steps",
        ]

    def get_requested_by(self, obj) -> str:
        return _name(obj.requested_by)

    def get_decided_by(self, obj) -> str:
        return _name(obj.decided_by)


class ServiceRequestCreateSerializer(serializers.Serializer):
    to_agency = _id_field()
    service = StrictCharField(max_length=requests_services.SERVICE_MAX)
    shared_summary = StrictCharField(max_length=requests_services.SUMMARY_MAX)


class ServiceRequestAnswerSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = StrictCharField(max_length=requests_services.REASON_MAX)
    join_team = serializers.BooleanField(required=False, default=False)


class ServiceRequestListView(APIView):
    @extend_schema(
        operation_id="case_service_requests", responses=ServiceRequestSerializer(many=True)
    )
    def get(self, request, pk):
        case = get_case_for_user(request.user, pk, request=request)
        case_access_record(
            user=request.user, case=case, request=request, detail="requests for service"
        )
        found = ServiceRequest.objects.filter(case=case).select_related(
            "case__child", "to_agency", "from_agency", "requested_by", "decided_by"
        )
        return Response(ServiceRequestSerializer(found, many=True).data)

    @extend_schema(
        operation_id="case_service_request_send",
        request=ServiceRequestCreateSerializer,
        responses={201: ServiceRequestSerializer},
    )
    def post(self, request, pk):
        case = get_case_for_user(request.user, pk, CHANGE, request=request)
        data = _valid(ServiceRequestCreateSerializer, request)
        agency = Agency.objects.filter(pk=data["to_agency"], tenant_id=case.tenant_id).first()
        if agency is None:
            raise ReferralError("Choose an agency of this area.", field="to_agency")
        made = requests_services.service_request_send(
            case=case,
            to_agency=agency,
            by=request.user,
            service=data["service"],
            shared_summary=data["shared_summary"],
        )
        return Response(ServiceRequestSerializer(made).data, status=status.HTTP_201_CREATED)


class ServiceRequestDetailView(APIView):
    @extend_schema(operation_id="service_request", responses=ServiceRequestSerializer)
    def get(self, request, id):
        found, _, sees = service_request_for_user(request.user, id)
        record_read(
            user=request.user,
            request=request,
            case=found.case,
            sees=sees,
            agency_id=found.to_agency_id,
            detail=f"request for service {found.pk}" + ("" if sees else ", as the agency asked"),
        )
        return Response(ServiceRequestSerializer(found).data)


class ServiceRequestAnswerView(APIView):
    @extend_schema(
        operation_id="service_request_answer",
        request=ServiceRequestAnswerSerializer,
        responses={200: ServiceRequestSerializer},
    )
    def post(self, request, id):
        found, receives, _ = service_request_for_user(request.user, id)
        if not receives:
            raise Http404("No such request.")
        data = _valid(ServiceRequestAnswerSerializer, request)
        answered = requests_services.service_request_answer(request=found, by=request.user, **data)
        found, _, _ = service_request_for_user(request.user, answered.pk)
        return Response(ServiceRequestSerializer(found).data)


class SocialCareReferralSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id")
    case_reference = serializers.CharField(source="case.reference")
    child_name = serializers.CharField(source="case.child.full_name")
    to_agency = serializers.CharField(source="to_agency.name")
    from_agency = serializers.CharField(source="from_agency.name")
    referred_by = serializers.SerializerMethodField()
    decided_by = serializers.SerializerMethodField()
    early_help_panel = serializers.IntegerField(source="early_help_panel_id", allow_null=True)

    class Meta:
        model = SocialCareReferral
        fields = [
            "id",
            "case",
            "case_reference",
            "child_name",
            "to_agency",
            "from_agency",
            "referred_by",
            "concerns",
            "referred_at",
            "decision",
            "decided_by",
            "decided_at",
            "feedback",
            "early_help_panel",
        ]

    def get_referred_by(self, obj) -> str:
        return _name(obj.referred_by)

    def get_decided_by(self, obj) -> str:
        return _name(obj.decided_by)


class ReferSerializer(serializers.Serializer):
    concerns = StrictCharField(max_length=care.CONCERNS_MAX)


class ThresholdDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[ThresholdDecision.ACCEPTED.value, ThresholdDecision.NOT_MET.value]
    )
    feedback = StrictCharField(max_length=care.FEEDBACK_MAX)
    panel_session = _id_field(required=False, allow_null=True)


class SocialCareReferView(APIView):
    @extend_schema(
        operation_id="case_social_care_refer",
        request=ReferSerializer,
        responses={201: SocialCareReferralSerializer},
    )
    def post(self, request, pk):
        case = get_case_for_user(request.user, pk, CHANGE, request=request)
        if not care.may_refer(request.user, case):
            raise Http404("No such case.")
        data = _valid(ReferSerializer, request)
        referral = care.social_care_refer(case=case, by=request.user, concerns=data["concerns"])
        return Response(SocialCareReferralSerializer(referral).data, status=status.HTTP_201_CREATED)


class SocialCareReferralView(APIView):
    @extend_schema(operation_id="social_care_referral", responses=SocialCareReferralSerializer)
    def get(self, request, id):
        found, _, sees = social_care_referral_for_user(request.user, id)
        record_read(
            user=request.user,
            request=request,
            case=found.case,
            sees=sees,
            agency_id=found.to_agency_id,
            detail=f"social care referral {found.pk}",
        )
        return Response(SocialCareReferralSerializer(found).data)


class SocialCareDecisionView(APIView):
    @extend_schema(
        operation_id="social_care_decision",
        request=ThresholdDecisionSerializer,
        responses={200: SocialCareReferralSerializer},
    )
    def post(self, request, id):
        found, manages, _ = social_care_referral_for_user(request.user, id)
        if not manages:
            raise Http404("No such referral.")
        data = _valid(ThresholdDecisionSerializer, request)
        session = None
        if data.get("panel_session") is not None:
            session = ForumSession.objects.filter(
                pk=data["panel_session"], forum__tenant_id=found.tenant_id
            ).first()
            if session is None:
                raise ReferralError("Choose a panel still to come.", field="panel_session")
        decided = care.social_care_decide(
            referral=found,
            by=request.user,
            decision=data["decision"],
            feedback=data["feedback"],
            panel_session=session,
        )
        found, _, _ = social_care_referral_for_user(request.user, decided.pk)
        return Response(SocialCareReferralSerializer(found).data)


# --- Tasks answered by their owner (R-CHECK-3, R-CHECK-5, R-REF-3) ---
# Tasks over the API, through the same services as the task page: the tasks you own (as the
# person named, or through your agency's queue), one of them, and its answer at
# /api/tasks/<id>/answer/; what you asked of others at /api/tasks/requests/; asking a
# practitioner to read a CAF at /api/tasks/read-access/. A task you do not own: 404, as for
# one that does not exist.

REQUESTS_SHOWN = 100


def _person(user) -> str | None:
    return None if user is None else (user.get_full_name() or user.username)


class TaskSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    from_user = serializers.SerializerMethodField()
    from_agency = serializers.CharField(source="from_agency.name")
    assigned_to = serializers.SerializerMethodField()
    assigned_agency = serializers.CharField(source="assigned_agency.name")
    owner = serializers.SerializerMethodField()
    case = serializers.IntegerField(source="case_id", allow_null=True)
    responded_by = serializers.SerializerMethodField()
    answered_here = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "kind",
            "kind_label",
            "state",
            "owner",
            "from_user",
            "from_agency",
            "assigned_to",
            "assigned_agency",
            "case",
            "message",
            "link",
            "created_at",
            "due_on",
            "answered_here",
            "response",
            "responded_by",
            "done_at",
        ]

    def get_from_user(self, task) -> str:
        return _person(task.from_user)

    def get_assigned_to(self, task) -> str | None:
        return _person(task.assigned_to)

    def get_responded_by(self, task) -> str | None:
        return _person(task.responded_by)

    def get_owner(self, task) -> str:
        """``you`` when the task names you; ``agency`` when it is your agency's queue."""
        return "you" if task.assigned_to_id is not None else "agency"

    def get_answered_here(self, task) -> bool:
        """Whether /answer/ takes this task; other kinds are answered at ``link``."""
        return answered_here(task)


class AnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(
        choices=[Answer.ACCEPT, Answer.DECLINE, Answer.ACKNOWLEDGE],
        help_text="accept or decline a join request or a request to read a CAF; acknowledge "
        "a Tier 3/4 concern.",
    )
    response = StrictCharField(
        max_length=RESPONSE_MAX,
        required=False,
        allow_blank=True,
        help_text="Required to decline (why) and to acknowledge (what your agency will do).",
    )


class ReadAccessSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    practitioner = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="A practitioner of an agency the family's consent covers.",
    )
    message = StrictCharField(max_length=MESSAGE_MAX, required=False, allow_blank=True)


class TaskPagination(CursorPagination):
    ordering = ("-created_at", "-id")


class TaskViewSet(LoggedListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your tasks: addressed to you, or to your agency with nobody named."""

    serializer_class = TaskSerializer
    pagination_class = TaskPagination
    lookup_value_converter = "id"

    def get_queryset(self):
        return tasks_owned_by(self.request.user)

    def _task(self, pk) -> Task:
        return task_for_owner(self.request.user, pk, request=self.request)

    @extend_schema(responses={200: TaskSerializer})
    def retrieve(self, request, pk=None):
        task = self._task(pk)
        access_log_record(
            action=AccessAction.VIEW,
            user=request.user,
            request=request,
            case=task.case,
            child_id=task.child_id,
            tenant_id=task.tenant_id,
            agency_id=task.assigned_agency_id,
            detail=f"task {task.pk}: {task.get_kind_display()}",
        )
        return Response(TaskSerializer(task).data)

    @extend_schema(request=AnswerSerializer, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """Accept, decline (with why) or acknowledge (with what will be done) a task answered
        here; a task already answered is refused (400)."""
        task = self._task(pk)
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = task_answer(
            task=task,
            by=request.user,
            answer=data.validated_data["answer"],
            response=data.validated_data.get("response", ""),
        )
        return Response(TaskSerializer(task).data)

    @extend_schema(request=None, responses={200: TaskSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None)
    def requests(self, request):
        """What you asked of others: open, and answered in the last 30 days (answers first)."""
        return Response(TaskSerializer(requests_of(request.user, REQUESTS_SHOWN), many=True).data)

    @extend_schema(request=ReadAccessSerializer, responses={201: TaskSerializer})
    @action(detail=False, methods=["post"], url_path="read-access", url_name="read-access")
    def read_access(self, request):
        """Ask a named practitioner of another agency to read a CAF (R-REF-3): the case's
        assessor, lead professional or the CAF team."""
        data = ReadAccessSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = get_case_for_user(request.user, data.validated_data["case"], request=request)
        if not may_request_read_access(case, request.user):
            raise Http404("No such case.")
        practitioner = User.objects.filter(pk=data.validated_data["practitioner"]).first()
        task = read_access_request(
            case=case,
            by=request.user,
            practitioner=practitioner,
            message=data.validated_data.get("message", ""),
        )
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)
