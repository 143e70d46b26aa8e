"""Requests for service to targeted and specialist agencies (R-REF-1).

Who may do what:

- Sending: anyone with CHANGE on the case, to an active agency of the tenant (not the CAF team,
  not children's social care, which has a referral of its own) that the family's current consent
  covers. The request carries only what the requester writes in it; it gives the receiving
  agency no access to the case.
- Answering: a casework member of the receiving agency, once, with reasons; an accepted request
  may bring the agency into the team around the child, if the family's consent covers it.
- Next steps: anyone with CHANGE on the case, once the agency has answered.
- Withdrawing: the requester, while the agency has not answered.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, AgencyKind, User
from audit.context import acting_as
from cases.models import Case, TeamJoinReason
from cases.permissions import CHANGE, acting_agency_id, user_may
from cases.plans import PlanError, clean_text, is_casework_member
from cases.team import TeamError, team_agency_join
from consent.selectors import current_consent
from consent.services import consent_covers, reopening_agency_admit
from referrals.models import ServiceRequest, ServiceRequestState, TaskKind, TaskState
from referrals.services import ReferralError, task_close, task_create

SERVICE_MAX = 4000
SUMMARY_MAX = 8000
REASON_MAX = 4000
NEXT_STEPS_MAX = 4000
NOT_REQUESTABLE = (AgencyKind.CAF_TEAM, AgencyKind.CSC)


def _text(value, *, field: str, limit: int, label: str) -> str:
    try:
        return clean_text(value, field=field, limit=limit, required=True, label=label)
    except PlanError as error:
        raise ReferralError(error.message, field=error.field) from error


def requestable_agencies(case: Case) -> list[Agency]:
    """The agencies a request for service on ``case`` may go to now: active, of the case's
    tenant, targeted or specialist, and covered by the family's current consent."""
    consent = current_consent(case)
    if consent is None:
        return []
    candidates = Agency.objects.filter(tenant_id=case.tenant_id, is_active=True).exclude(
        kind__in=NOT_REQUESTABLE
    )
    return [agency for agency in candidates.order_by("name") if consent_covers(consent, agency)]


def may_answer(user: User, request: ServiceRequest) -> bool:
    """A casework member of the receiving agency answers for it."""
    return getattr(user, "is_authenticated", False) and is_casework_member(user, request.to_agency)


def service_request_send(
    *, case: Case, to_agency: Agency, by: User, service: str, shared_summary: str
) -> ServiceRequest:
    """Ask ``to_agency`` for a service for the child of ``case`` (R-REF-1). Refused unless
    ``by`` has CHANGE on the case, the case is open and the family's current consent covers
    the agency. The agency is told by a task on its queue with a link to the request and no
    case content; it gets no access to the case."""
    if not user_may(by, case, CHANGE):
        raise ReferralError("Case not found.")
    if (
        not isinstance(to_agency, Agency)
        or to_agency.tenant_id != case.tenant_id
        or not to_agency.is_active
    ):
        raise ReferralError("Choose an agency of this area.", field="to_agency")
    if to_agency.kind == AgencyKind.CSC:
        raise ReferralError(
            "Refer to children's social care with a social care referral, not a request for "
            "service.",
            field="to_agency",
        )
    if to_agency.kind == AgencyKind.CAF_TEAM:
        raise ReferralError(
            "The CAF team is not a service to request: choose a targeted or specialist agency.",
            field="to_agency",
        )
    service = _text(service, field="service", limit=SERVICE_MAX, label="what you are asking for")
    shared_summary = _text(
        shared_summary,
        field="shared_summary",
        limit=SUMMARY_MAX,
        label="what the agency needs to know to decide",
    )
    agency_id = acting_agency_id(by, case)
    with transaction.atomic(), acting_as(by, agency_id=agency_id):
        case = Case.objects.select_for_update().select_related("child").get(pk=case.pk)
        if not case.is_open:
            raise ReferralError("This CAF is closed: no request for service can be made.")
        if not consent_covers(current_consent(case), to_agency):
            raise ReferralError(
                f"The family has not agreed to share this CAF with {to_agency.name}: a request "
                "for service needs their consent to share with the agency. Record new consent "
                "first.",
                field="to_agency",
            )
        if ServiceRequest.objects.filter(
            case=case, to_agency=to_agency, state=ServiceRequestState.SENT
        ).exists():
            raise ReferralError(
                f"A request to {to_agency.name} is already waiting for its answer.",
                field="to_agency",
            )
        request = ServiceRequest(
            tenant_id=case.tenant_id,
            case=case,
            to_agency=to_agency,
            requested_by=by,
            from_agency_id=agency_id,
            service=service,
            shared_summary=shared_summary,
        )
        request.full_clean()
        request.save()
        request.task = task_create(
            kind=TaskKind.SERVICE_REQUEST,
            by=by,
            from_agency=request.from_agency,
            assigned_agency=to_agency,
            child=case.child,
            message="A request for service is waiting for your agency's answer.",
            link=reverse("referrals:service_request", args=[request.pk]),
        )
        request.save(update_fields=["task"])
    return request


def _lock(request: ServiceRequest) -> ServiceRequest:
    return (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("case", "to_agency", "task")
        .get(pk=request.pk)
    )


def service_request_answer(
    *, request: ServiceRequest, by: User, accept: bool, reason: str, join_team: bool = False
) -> ServiceRequest:
    """The receiving agency accepts or refuses the request, with its reasons, once. An
    accepted request may bring the agency into the team around the child (VIEW and CHANGE),
    only while the family's consent covers it (R-REF-1, R-CONSENT-4)."""
    if not may_answer(by, request):
        raise ReferralError(
            f"Only a member of {request.to_agency.name} can answer this request for service."
        )
    if not isinstance(accept, bool):
        raise ReferralError("Say whether your agency accepts the request.", field="accept")
    reason = _text(
        reason,
        field="reason",
        limit=REASON_MAX,
        label="the reasons for your answer" if accept else "the reasons for refusing",
    )
    if join_team and not accept:
        raise ReferralError("Only an accepted request brings your agency into the team.")
    with transaction.atomic(), acting_as(by, agency_id=request.to_agency_id):
        request = _lock(request)
        if request.state != ServiceRequestState.SENT:
            raise ReferralError(
                f"This request has already been {request.get_state_display().lower()}."
            )
        case = Case.objects.select_for_update().get(pk=request.case_id)
        if accept and not case.is_open:
            raise ReferralError(
                "This CAF is closed: there is nothing to accept until it is reopened. Refuse "
                "the request, saying so.",
                field="accept",
            )
        if join_team:
            if not consent_covers(current_consent(case), request.to_agency):
                raise ReferralError(
                    "The family's consent no longer covers your agency: accept without "
                    "joining the team, or ask the team to record new consent.",
                    field="join_team",
                )
            reopening_agency_admit(case=case, agency=request.to_agency, by=by)
            try:
                team_agency_join(
                    case=case,
                    agency=request.to_agency,
                    by=by,
                    reason=TeamJoinReason.SERVICE_REQUEST,
                )
            except TeamError as error:
                raise ReferralError(error.message, field="join_team") from error
        request.state = ServiceRequestState.ACCEPTED if accept else ServiceRequestState.REFUSED
        request.decided_by = by
        request.decided_at = timezone.now()
        request.reason = reason
        request.full_clean()
        request.save(update_fields=["state", "decided_by", "decided_at", "reason"])
        if request.task is not None:
            task_close(
                request.task,
                state=TaskState.ACCEPTED if accept else TaskState.DECLINED,
                by=by,
                response=reason,
            )
    return request


def service_request_next_steps(*, request: ServiceRequest, by: User, next_steps: str):
    """The team records what it does next, once the agency has answered (R-REF-1)."""
    if not user_may(by, request.case, CHANGE):
        raise ReferralError("Request not found.")
    next_steps = _text(next_steps, field="next_steps", limit=NEXT_STEPS_MAX, label="next steps")
    with transaction.atomic(), acting_as(by, agency_id=acting_agency_id(by, request.case)):
        request = _lock(request)
        if request.state not in (ServiceRequestState.ACCEPTED, ServiceRequestState.REFUSED):
            raise ReferralError("Record next steps once the agency has answered.")
        request.next_steps = next_steps
        request.save(update_fields=["next_steps"])
    return request


def service_request_withdraw(*, request: ServiceRequest, by: User) -> ServiceRequest:
    """The requester withdraws a request the agency has not answered."""
    if by.pk != request.requested_by_id or not user_may(by, request.case, CHANGE):
        raise ReferralError("Only the practitioner who made the request can withdraw it.")
    with transaction.atomic(), acting_as(by, agency_id=acting_agency_id(by, request.case)):
        request = _lock(request)
        if request.state != ServiceRequestState.SENT:
            raise ReferralError(
                f"This request has already been {request.get_state_display().lower()}."
            )
        request.state = ServiceRequestState.WITHDRAWN
        request.save(update_fields=["state"])
        if request.task is not None:
            task_close(
                request.task, state=TaskState.DONE, by=by, response="Withdrawn by the requester."
            )
    return request
