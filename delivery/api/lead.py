"""A case's lead professional over the API (R-LP-1): the same services and the same access as
the pages. /api/cases/<id>/lead/ (read), .../lead/proposals/ (the CAF team proposes),
.../lead/handover/, .../lead/disputes/; /api/lead-proposals/<id>/ with accept, decline and
withdraw; /api/lead-disputes/<id>/ with resolve. 404 for anything the caller may not see or do."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.models import Agency, User
from cafsite.api import StrictCharField
from cafsite.validation import MAX_ID
from cases.models import Case
from cases.permissions import CHANGE, case_access_record, get_case_for_user
from delivery.models import LeadChangeReason, LeadDispute, LeadProposal, LeadProposalSource
from delivery.services import lead as services
from delivery.services.lead import HANDOVER_REASONS, TEXT_MAX, LeadError


def _id_field(**kwargs):
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _person(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user else ""


class LeadProposalSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id")
    proposed = serializers.IntegerField(source="proposed_id")
    proposed_name = serializers.SerializerMethodField()
    proposed_agency = serializers.CharField(source="proposed_agency.name")
    proposed_by_name = serializers.SerializerMethodField()

    class Meta:
        model = LeadProposal
        fields = [
            "id",
            "case",
            "proposed",
            "proposed_name",
            "proposed_agency",
            "proposed_by_name",
            "proposed_at",
            "source",
            "reason",
            "note",
            "state",
            "decided_at",
            "decline_reason",
        ]

    def get_proposed_name(self, proposal) -> str:
        return _person(proposal.proposed)

    def get_proposed_by_name(self, proposal) -> str:
        return _person(proposal.proposed_by)


class LeadDisputeSerializer(serializers.ModelSerializer):
    case = serializers.IntegerField(source="case_id")
    raised_by_name = serializers.SerializerMethodField()
    raised_by_agency = serializers.CharField(source="raised_by_agency.name")
    resolved_with = serializers.IntegerField(source="resolved_with_id", allow_null=True)

    class Meta:
        model = LeadDispute
        fields = [
            "id",
            "case",
            "raised_by_name",
            "raised_by_agency",
            "raised_at",
            "about",
            "state",
            "resolved_at",
            "resolution",
            "resolved_with",
        ]

    def get_raised_by_name(self, dispute) -> str:
        return _person(dispute.raised_by)


class CaseLeadSerializer(serializers.Serializer):
    lead_professional = serializers.IntegerField(allow_null=True)
    lead_professional_name = serializers.CharField()
    lead_agency = serializers.CharField(allow_null=True)
    lead_since = serializers.DateField(allow_null=True)
    pending = LeadProposalSerializer(allow_null=True)
    proposals = LeadProposalSerializer(many=True)
    disputes = LeadDisputeSerializer(many=True)


class ProposeSerializer(serializers.Serializer):
    proposed = _id_field(help_text="The practitioner's user id.")
    agency = _id_field(required=False, allow_null=True, help_text="The agency they would lead for.")
    note = StrictCharField(max_length=TEXT_MAX, required=False, allow_blank=True)


class HandoverSerializer(ProposeSerializer):
    reason = serializers.ChoiceField(choices=[r.value for r in HANDOVER_REASONS])


class DeclineSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=TEXT_MAX)


class DisputeRaiseSerializer(serializers.Serializer):
    about = StrictCharField(max_length=TEXT_MAX)


class DisputeResolveSerializer(serializers.Serializer):
    resolution = StrictCharField(max_length=TEXT_MAX)
    proposed = _id_field(required=False, allow_null=True)
    agency = _id_field(required=False, allow_null=True)


def _valid(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _people(case: Case, data) -> tuple[User | None, Agency | None]:
    proposed = None
    if data.get("proposed"):
        proposed = User.objects.filter(pk=data["proposed"], tenant_id=case.tenant_id).first()
        if proposed is None:
            raise LeadError("Choose a practitioner of this area.", field="proposed")
    agency = None
    if data.get("agency"):
        agency = Agency.objects.filter(pk=data["agency"], tenant_id=case.tenant_id).first()
        if agency is None:
            raise LeadError("Choose an agency of this area.", field="agency")
    return proposed, agency


def _proposal_response(proposal, code=status.HTTP_200_OK):
    proposal = LeadProposal.objects.select_related(
        "proposed", "proposed_agency", "proposed_by"
    ).get(pk=proposal.pk)
    return Response(LeadProposalSerializer(proposal).data, status=code)


def _dispute_response(dispute, code=status.HTTP_200_OK):
    dispute = LeadDispute.objects.select_related("raised_by", "raised_by_agency").get(pk=dispute.pk)
    return Response(LeadDisputeSerializer(dispute).data, status=code)


class CaseLeadView(APIView):
    @extend_schema(
        operation_id="case_lead_retrieve", request=None, responses={200: CaseLeadSerializer}
    )
    def get(self, request, pk):
        case = get_case_for_user(request.user, pk, request=request)
        case_access_record(
            user=request.user, case=case, request=request, detail="lead professional"
        )
        proposals = list(
            case.lead_proposals.select_related("proposed", "proposed_agency", "proposed_by")
        )
        return Response(
            CaseLeadSerializer(
                {
                    "lead_professional": case.lead_professional_id,
                    "lead_professional_name": _person(case.lead_professional),
                    "lead_agency": case.lead_agency.name if case.lead_agency_id else None,
                    "lead_since": case.lead_since,
                    "pending": next((p for p in proposals if p.state == "pending"), None),
                    "proposals": proposals,
                    "disputes": case.lead_disputes.select_related("raised_by", "raised_by_agency"),
                }
            ).data
        )


class CaseLeadProposeView(APIView):
    @extend_schema(
        operation_id="case_lead_propose",
        request=ProposeSerializer,
        responses={201: LeadProposalSerializer},
    )
    def post(self, request, pk):
        case = get_case_for_user(request.user, pk, request=request)
        if not services.may_propose(request.user, case):
            raise Http404("No such case.")
        data = _valid(ProposeSerializer, request)
        proposed, agency = _people(case, data)
        proposal = services.lead_propose(
            case=case,
            by=request.user,
            proposed=proposed,
            agency=agency,
            source=LeadProposalSource.CAF_TEAM,
            note=data.get("note", ""),
        )
        return _proposal_response(proposal, status.HTTP_201_CREATED)


class CaseLeadHandoverView(APIView):
    @extend_schema(
        operation_id="case_lead_handover",
        request=HandoverSerializer,
        responses={201: LeadProposalSerializer},
    )
    def post(self, request, pk):
        case = get_case_for_user(request.user, pk, request=request)
        if not services.may_hand_over(request.user, case):
            raise Http404("No such case.")
        data = _valid(HandoverSerializer, request)
        proposed, agency = _people(case, data)
        proposal = services.lead_handover_propose(
            case=case,
            by=request.user,
            proposed=proposed,
            agency=agency,
            reason=LeadChangeReason(data["reason"]),
            note=data.get("note", ""),
        )
        return _proposal_response(proposal, status.HTTP_201_CREATED)


class CaseLeadDisputeView(APIView):
    @extend_schema(
        operation_id="case_lead_dispute_raise",
        request=DisputeRaiseSerializer,
        responses={201: LeadDisputeSerializer},
    )
    def post(self, request, pk):
        case = get_case_for_user(request.user, pk, CHANGE, request=request)
        data = _valid(DisputeRaiseSerializer, request)
        dispute = services.lead_dispute_raise(case=case, by=request.user, about=data["about"])
        return _dispute_response(dispute, status.HTTP_201_CREATED)


def _proposal(request, pk) -> LeadProposal:
    proposal = services.proposal_for_user(request.user, pk)
    if proposal is None:
        raise Http404("No such proposal.")
    return proposal


def _answering(request, pk) -> LeadProposal:
    proposal = _proposal(request, pk)
    if proposal.proposed_id != request.user.pk:
        raise Http404("No such proposal.")
    return proposal


class ProposalView(APIView):
    @extend_schema(
        operation_id="lead_proposal_retrieve", request=None, responses={200: LeadProposalSerializer}
    )
    def get(self, request, pk):
        proposal = _proposal(request, pk)
        case_access_record(
            user=request.user,
            case=proposal.case,
            request=request,
            detail=f"lead proposal {proposal.pk}",
        )
        return _proposal_response(proposal)


class ProposalAcceptView(APIView):
    @extend_schema(
        operation_id="lead_proposal_accept", request=None, responses={200: LeadProposalSerializer}
    )
    def post(self, request, pk):
        proposal = _answering(request, pk)
        services.lead_accept(proposal=proposal, by=request.user)
        return _proposal_response(proposal)


class ProposalDeclineView(APIView):
    @extend_schema(
        operation_id="lead_proposal_decline",
        request=DeclineSerializer,
        responses={200: LeadProposalSerializer},
    )
    def post(self, request, pk):
        proposal = _answering(request, pk)
        data = _valid(DeclineSerializer, request)
        services.lead_decline(proposal=proposal, by=request.user, reason=data["reason"])
        return _proposal_response(proposal)


class ProposalWithdrawView(APIView):
    @extend_schema(
        operation_id="lead_proposal_withdraw", request=None, responses={200: LeadProposalSerializer}
    )
    def post(self, request, pk):
        proposal = _proposal(request, pk)
        if not services.may_withdraw(request.user, proposal):
            raise Http404("No such proposal.")
        services.lead_withdraw(proposal=proposal, by=request.user)
        return _proposal_response(proposal)


def _dispute(request, pk) -> LeadDispute:
    dispute = services.dispute_for_user(request.user, pk)
    if dispute is None:
        raise Http404("No such disagreement.")
    return dispute


class DisputeView(APIView):
    @extend_schema(
        operation_id="lead_dispute_retrieve", request=None, responses={200: LeadDisputeSerializer}
    )
    def get(self, request, pk):
        dispute = _dispute(request, pk)
        case_access_record(
            user=request.user,
            case=dispute.case,
            request=request,
            detail=f"lead disagreement {dispute.pk}",
        )
        return _dispute_response(dispute)


class DisputeResolveView(APIView):
    @extend_schema(
        operation_id="lead_dispute_resolve",
        request=DisputeResolveSerializer,
        responses={200: LeadDisputeSerializer},
    )
    def post(self, request, pk):
        dispute = _dispute(request, pk)
        if not services.may_resolve(request.user, dispute.case):
            raise Http404("No such disagreement.")
        data = _valid(DisputeResolveSerializer, request)
        proposed, agency = _people(dispute.case, data)
        dispute = services.lead_dispute_resolve(
            dispute=dispute,
            by=request.user,
            resolution=data["resolution"],
            proposed=proposed,
            agency=agency,
        )
        return _dispute_response(dispute)
