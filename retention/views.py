"""Retention pages (R-RET-1): the tenant's periods (its administrator and CAF team managers),
legal holds (CAF coordinators and managers), and the dry run of a coming day (the CAF team).
Anyone else gets the 404 of a page that does not exist."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from agencies.models import Role
from agencies.roles import in_caf_team, in_caf_team_as, managed_agency_ids
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.errors import add_error_to_form
from cafsite.validation import parse_id
from cases.permissions import cases_for_user, with_visible_case
from retention.forms import HoldForm, LiftForm, PolicyForm, PreviewForm
from retention.models import JobKind, JobRun, LegalHold
from retention.selectors import retention_preview
from retention.services.holds import legal_hold_lift, legal_hold_place, may_hold
from retention.services.policy import (
    RetentionError,
    may_change_policy,
    retention_policy_change,
    tenant_policy,
)

# The dry run looks no further than the longest period a policy may set.
PREVIEW_YEARS_AHEAD = 120


def _reads_holds(user) -> bool:
    """CAF coordinators and managers of the CAF team see every hold; a manager of another
    agency sees those on CAFs they may see."""
    return in_caf_team_as(user, Role.CAF_COORDINATOR, Role.MANAGER) or (
        user.has_dbs_check and bool(managed_agency_ids(user))
    )


def _holds_for(user):
    holds = LegalHold.objects.filter(tenant_id=user.tenant_id).select_related(
        "case", "case__child", "placed_by", "lifted_by"
    )
    if in_caf_team_as(user, Role.CAF_COORDINATOR, Role.MANAGER):
        return holds
    return with_visible_case(user, holds)


@login_required
@require_http_methods(["GET", "POST"])
def policy(request):
    user = request.user
    if user.tenant_id is None or not may_change_policy(user, user.tenant_id):
        raise Http404("No such page.")
    current = tenant_policy(user.tenant_id)
    initial = {
        "accessible_for_months": current.accessible_for_months,
        "archived_for_years": current.archived_for_years,
        "keep_until_age": current.keep_until_age,
    }
    form = PolicyForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            retention_policy_change(tenant=user.tenant, by=user, **form.cleaned_data)
        except RetentionError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "The retention periods are changed.")
            return redirect("retention:policy")
    return render(
        request,
        "retention/policy.html",
        {"form": form, "policy": current, "changes": current.changes.select_related("by")[:20]},
    )


@login_required
@require_GET
def holds(request):
    if not _reads_holds(request.user):
        raise Http404("No such page.")
    live = list(_holds_for(request.user).filter(lifted_at__isnull=True))
    return render(
        request,
        "retention/holds.html",
        {
            "live": live,
            "liftable": {h.pk for h in live if may_hold(request.user, h.tenant_id, h.case)},
            "lifted": _holds_for(request.user).filter(lifted_at__isnull=False)[:50],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def hold_place(request):
    user = request.user
    if not _reads_holds(user):
        raise Http404("No such page.")
    form = HoldForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = None
        if data["scope"] == "case":
            # A CAF the user may not see is answered as one that does not exist.
            case = cases_for_user(user).filter(pk=data["case_id"]).first()
        try:
            if data["scope"] == "case" and case is None:
                raise RetentionError("No CAF you can see has this reference.", field="reference")
            legal_hold_place(tenant=user.tenant, case=case, reason=data["reason"], by=user)
        except RetentionError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "The legal hold is placed.")
            return redirect("retention:holds")
    return render(request, "retention/hold_place.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def hold_lift(request, pk):
    user = request.user
    number = parse_id(pk)
    hold = _holds_for(user).filter(pk=number).first() if number and _reads_holds(user) else None
    if hold is None or not may_hold(user, hold.tenant_id, hold.case):
        raise Http404("No such hold.")
    form = LiftForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and hold.lifted_at is None and form.is_valid():
        try:
            legal_hold_lift(hold=hold, reason=form.cleaned_data["reason"], by=user)
        except RetentionError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "The legal hold is lifted.")
            return redirect("retention:holds")
    return render(request, "retention/hold_lift.html", {"form": form, "hold": hold})


@login_required
@require_GET
def preview(request):
    """What the retention run on a chosen day (a month ahead unless chosen) would archive and
    purge, and what holds keep: the CAF team's look ahead. Reading it is logged."""
    user = request.user
    if not in_caf_team(user):
        raise Http404("No such page.")
    today = timezone.localdate()
    form = PreviewForm(request.GET or {"on": f"{today + relativedelta(months=1):%d/%m/%Y}"})
    on: date | None = None
    if form.is_valid():
        on = form.cleaned_data["on"]
        if not today <= on <= today + relativedelta(years=PREVIEW_YEARS_AHEAD):
            form.add_error("on", f"Enter a day from today to {PREVIEW_YEARS_AHEAD} years ahead.")
            on = None
    result = retention_preview(user.tenant, on) if on else None
    if result is not None:
        access_log_record(
            action=AccessAction.LIST,
            user=user,
            request=request,
            detail=f"retention dry run as on {on:%Y-%m-%d}",
        )
    runs = JobRun.objects.filter(kind=JobKind.RETENTION).order_by("-started_at", "-id")[:10]
    return render(
        request,
        "retention/preview.html",
        {
            "form": form,
            "on": on,
            "result": result,
            "policy": tenant_policy(user.tenant_id),
            "may_change_policy": may_change_policy(user, user.tenant_id),
            "reads_holds": _reads_holds(user),
            "runs": runs,
        },
    )
