"""Reads of referrals that respect who may see them."""

from datetime import timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.validation import parse_id
from cases.models import CaseState
from cases.permissions import VIEW, case_access_record, cases_for_user, casework_access
from referrals.models import ServiceRequest, SocialCareReferral, Task
from referrals.service_requests import may_answer
from referrals.social_care import is_duty_manager

# How long an answer stays in the requester's worklist.
ANSWERS_SHOWN_FOR = timedelta(days=30)


def _owned(user) -> Q | None:
    """Tasks addressed to ``user``, or to an agency where they hold a casework role with
    nobody named (its queue). None for anyone who may see no case content (R-TEN-4)."""
    access = casework_access(user)
    if access is None:
        return None
    owned = Q(tenant_id=access.tenant_id) & (
        Q(assigned_to=user) | Q(assigned_to__isnull=True, assigned_agency__in=access.agency_ids)
    )
    if access.caf_team:
        return owned
    # R-RET-1: an archived case is the CAF team's only; its tasks (they name the child) too.
    return owned & ~Q(case__state=CaseState.ARCHIVED)


def open_tasks_for(user) -> QuerySet[Task]:
    """Open tasks addressed to ``user``, or to an agency they work in with nobody named,
    newest first, each with ``case_visible``."""
    owned = _owned(user)
    if owned is None:
        return Task.objects.none()
    visible = cases_for_user(user).filter(pk=OuterRef("case_id"))
    return (
        Task.objects.filter(owned, done_at__isnull=True)
        # A reference is shown only to whoever may open the case (a request to read one
        # reaches a practitioner before their agency sees it).
        .annotate(case_visible=Exists(visible))
        .select_related("from_user", "from_agency", "assigned_agency", "case")
        .order_by("-created_at")
    )


def tasks_owned_by(user) -> QuerySet[Task]:
    """Every task ``user`` owns (as the named person or through their agency's queue), open
    ones and answered ones: the API's list of their tasks."""
    owned = _owned(user)
    if owned is None:
        return Task.objects.none()
    return Task.objects.filter(owned).select_related(
        "from_user", "from_agency", "assigned_to", "assigned_agency", "case", "responded_by"
    )


def task_for_owner(user, pk, *, request=None) -> Task:
    """The task ``pk`` if ``user`` owns it; Http404 otherwise, exactly as for a missing task,
    with the refusal in the access log."""
    task_id = parse_id(pk)
    owned = _owned(user)
    task = None
    if task_id is not None and owned is not None:
        task = (
            Task.objects.filter(owned, pk=task_id)
            .select_related(
                "from_user",
                "from_agency",
                "assigned_to",
                "assigned_agency",
                "case",
                "child",
                "responded_by",
            )
            .first()
        )
    if task is None:
        access_log_record(
            action=AccessAction.DENIED,
            user=user,
            request=request,
            detail=f"task {str(pk)[:40]} not found or not permitted",
        )
        raise Http404("No such task.")
    return task


def requests_of(user, limit: int) -> list[Task]:
    """What ``user`` asked of others: open requests and those answered in the last 30 days,
    answered ones first (newest answer first), then the open ones (oldest first, the longest
    waiting). One query, at most ``limit`` rows; ``case_visible`` says whether the requester
    may open the case now (a reference they may not open is not shown)."""
    access = casework_access(user)
    if access is None:  # the answers may carry case content (R-TEN-4)
        return []
    since = timezone.now() - ANSWERS_SHOWN_FOR
    visible = cases_for_user(user).filter(pk=OuterRef("case_id"))
    return list(
        Task.objects.filter(tenant_id=access.tenant_id, from_user=user)
        .filter(Q(done_at__isnull=True) | Q(done_at__gte=since))
        .annotate(case_visible=Exists(visible))
        .select_related("assigned_to", "assigned_agency", "responded_by", "case")
        .order_by(F("done_at").desc(nulls_last=True), "created_at", "pk")[:limit]
    )


def service_request_for_user(user, pk) -> tuple[ServiceRequest, bool, bool]:
    """The request ``pk`` with whether ``user`` receives it and whether they see its case;
    Http404 for anyone who does neither, as for a missing request."""
    request_id = parse_id(pk)
    found = None
    if request_id is not None and getattr(user, "tenant_id", None):
        found = (
            ServiceRequest.objects.filter(pk=request_id, tenant_id=user.tenant_id)
            .select_related(
                "case__child", "to_agency", "from_agency", "requested_by", "decided_by", "task"
            )
            .first()
        )
    if found is None:
        raise Http404("No such request.")
    # R-RET-1: an archived case is the CAF team's only; the agency asked reads it no more.
    receives = found.case.state != CaseState.ARCHIVED and may_answer(user, found)
    sees = cases_for_user(user, VIEW).filter(pk=found.case_id).exists()
    if not receives and not sees:
        raise Http404("No such request.")
    return found, receives, sees


def social_care_referral_for_user(user, pk) -> tuple[SocialCareReferral, bool, bool]:
    """The referral ``pk`` with whether ``user`` is its duty manager and whether they see its
    case; Http404 for anyone else, as for a missing referral."""
    referral_id = parse_id(pk)
    found = None
    if referral_id is not None and getattr(user, "tenant_id", None):
        found = (
            SocialCareReferral.objects.filter(pk=referral_id, tenant_id=user.tenant_id)
            .select_related(
                "case__child",
                "case__lead_professional",
                "case__tenant",
                "to_agency",
                "from_agency",
                "referred_by",
                "decided_by",
                "early_help_panel__session__forum",
            )
            .first()
        )
    if found is None:
        raise Http404("No such referral.")
    # R-RET-1: an archived case is the CAF team's only, the duty managers' no more.
    manages = found.case.state != CaseState.ARCHIVED and is_duty_manager(user, found.to_agency)
    sees = cases_for_user(user, VIEW).filter(pk=found.case_id).exists()
    if not manages and not sees:
        raise Http404("No such referral.")
    return found, manages, sees


def record_read(
    *, user, request, case, sees: bool, agency_id, detail: str, action=AccessAction.VIEW
) -> None:
    """Log a read of a request for service or a social care referral (it names the child):
    under the agency the user works the case for, or, for the agency asked or the duty manager
    who does not see the case, under ``agency_id``. The page and the API log alike."""
    if sees:
        case_access_record(user=user, case=case, request=request, action=action, detail=detail)
    else:
        access_log_record(
            action=action,
            user=user,
            request=request,
            case=case,
            agency_id=agency_id,
            detail=detail,
        )
