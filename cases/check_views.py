"""Pages of the "Start a CAF" journey: search the register, then record what follows."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from agencies.roles import in_caf_team
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.errors import CafError, add_error_to_form
from cafsite.validation import parse_id
from cases import checks
from cases.forms import (
    CheckSearchForm,
    ChildMergeForm,
    ChildProtectionForm,
    ConcernForm,
    JoinRequestForm,
    NewChildForm,
)
from cases.models import CafCheck, CheckOutcome, Child
from cases.permissions import cases_for_user
from cases.register import register_results
from referrals.models import Tier34Involvement

RECENT_CHECKS = 50


def _check_for(request, pk: int) -> CafCheck:
    """The check if the user may see it; otherwise 404 as for a missing one, logged."""
    return checks.get_check_for_user(request.user, pk, request=request)


@login_required
def check_start(request):
    form = CheckSearchForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            check, _ = checks.check_search(by=request.user, request=request, **form.cleaned_data)
        except checks.CheckError as error:
            add_error_to_form(form, error)
        else:
            return redirect("checks:detail", pk=check.pk)
    return render(request, "checks/start.html", {"form": form})


@login_required
def check_detail(request, pk: int):
    check = _check_for(request, pk)
    matches = checks.check_matches(check=check, by=request.user, request=request)
    return render(
        request,
        "checks/detail.html",
        {
            "check": check,
            "results": register_results(user=request.user, matches=matches),
            "broad": matches.broad,
            "can_decide": check.by_id == request.user.pk and check.outcome == "",
            "out_of_scope": checks.age_out_of_scope(check),
            "show_child_numbers": in_caf_team(request.user),
            "decided_case_visible": check.case_id is not None
            and check.outcome != "join_requested"
            and cases_for_user(request.user).filter(pk=check.case_id).exists(),
        },
    )


def _decided(request, check: CafCheck, message: str):
    messages.success(request, message)
    return redirect("checks:detail", pk=check.pk)


def _child_of(check: CafCheck, pk) -> Child:
    number = parse_id(pk)
    child = Child.objects.filter(pk=number, tenant_id=check.tenant_id).first() if number else None
    if child is None:
        raise checks.CheckError("Choose a child from the search results.", field="child")
    return child


def _found_child_or_404(check: CafCheck, pk) -> Child:
    """A child this check found; any other id is answered as a missing page."""
    child = Child.objects.filter(pk=pk, tenant_id=check.tenant_id).first()
    if child is None or not checks.check_found(check, child):
        raise Http404("No such child in this check's results.")
    return child


@login_required
@require_POST
def check_decide(request, pk: int):
    """The one-click decisions on a matched child: start, reopen, new episode, out of scope."""
    check = _check_for(request, pk)
    action = request.POST.get("action")
    try:
        if action == "out_of_scope":
            checks.check_out_of_scope(check=check, by=request.user)
            return _decided(request, check, "Recorded: outside the age range for a CAF.")
        child = _child_of(check, request.POST.get("child"))
        if action == "start":
            case = checks.check_start_new_caf(check=check, by=request.user, child=child)
            return _decided(
                request, check, f"Intention logged with the CAF team: {case.reference}."
            )
        if action == "reopen":
            case = checks.check_reopen(check=check, by=request.user, child=child)
            if cases_for_user(request.user).filter(pk=case.pk).exists():
                return _decided(request, check, f"{case.reference} is reopened.")
            return _decided(
                request,
                check,
                "The CAF is reopened. Your agency will see it once the family's consent to share "
                "with you is recorded.",
            )
        if action == "new_episode":
            case = checks.check_new_episode(check=check, by=request.user, child=child)
            return _decided(request, check, f"New episode {case.reference} started.")
        raise Http404("No such decision.")
    except checks.CheckError as error:
        messages.error(request, error.message)
        return redirect("checks:detail", pk=check.pk)


@login_required
def check_new_child(request, pk: int):
    """None of the matches: add the child to the register, warned of likely duplicates."""
    check = _check_for(request, pk)
    initial = {
        "given_name": check.given_name,
        "family_name": check.family_name,
        "date_of_birth": check.date_of_birth,
        "postcode": check.postcode,
        "nhs_number": check.nhs_number,
        "upn": check.upn,
    }
    form = NewChildForm(request.POST or None, initial=initial)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            case = checks.check_start_new_caf(
                check=check,
                by=request.user,
                child_details=form.child_details(),
                confirm_new_child=form.cleaned_data["confirm_new_child"],
            )
        except checks.LikelyDuplicate as warning:
            add_error_to_form(form, warning)
            duplicates = register_results(user=request.user, matches=warning.matches)
        except CafError as error:  # the check's rules and the register's (cases.services)
            add_error_to_form(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _decided(
                request, check, f"Intention logged with the CAF team: {case.reference}."
            )
    return render(
        request, "checks/new_child.html", {"check": check, "form": form, "duplicates": duplicates}
    )


@login_required
def check_join(request, pk: int, child_pk: int):
    check = _check_for(request, pk)
    child = _found_child_or_404(check, child_pk)
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            checks.check_request_to_join(
                check=check, by=request.user, child=child, message=form.cleaned_data["message"]
            )
        except checks.CheckError as error:
            add_error_to_form(form, error)
        else:
            return _decided(request, check, "Your request has been sent to the lead professional.")
    return render(request, "checks/join.html", {"check": check, "form": form})


@login_required
def check_tier34_concern(request, pk: int, involvement_pk: int):
    check = _check_for(request, pk)
    involvement = Tier34Involvement.objects.filter(
        pk=involvement_pk, child__tenant_id=check.tenant_id
    ).first()
    if involvement is None or not checks.check_found(check, involvement.child):
        raise Http404("No such involvement.")
    form = ConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            checks.check_register_tier34_concern(
                check=check,
                by=request.user,
                involvement=involvement,
                message=form.cleaned_data["message"],
            )
        except checks.CheckError as error:
            add_error_to_form(form, error)
        else:
            return _decided(request, check, "Your concern has been sent to the keyworker.")
    return render(
        request, "checks/concern.html", {"check": check, "form": form, "involvement": involvement}
    )


@login_required
def check_child_protection(request, pk: int):
    check = _check_for(request, pk)
    child_pk = request.GET.get("child") or request.POST.get("child")
    form = ChildProtectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            child = _child_of(check, child_pk) if child_pk else None
            checks.check_record_child_protection(
                check=check, by=request.user, child=child, **form.cleaned_data
            )
        except checks.CheckError as error:
            add_error_to_form(form, error)
        else:
            return _decided(request, check, "The safeguarding referral is recorded. The CAF stops.")
    return render(
        request, "checks/child_protection.html", {"check": check, "form": form, "child": child_pk}
    )


@login_required
def check_list(request):
    """The CAF team's live list of checks and intentions in its tenant (R-CHECK-2)."""
    if not in_caf_team(request.user):
        raise Http404
    recent = list(
        CafCheck.objects.filter(tenant_id=request.user.tenant_id).select_related(
            "by", "agency", "case"
        )[:RECENT_CHECKS]
    )
    access_log_record(
        action=AccessAction.LIST,
        user=request.user,
        request=request,
        detail=f"checks: {len(recent)} shown",
    )
    return render(
        request,
        "checks/list.html",
        {"checks": recent, "pending": CheckOutcome.PENDING},
    )


@login_required
def child_merge(request):
    if not in_caf_team(request.user):
        raise Http404
    form = ChildMergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        tenant_children = Child.objects.filter(tenant_id=request.user.tenant_id)
        keep = tenant_children.filter(pk=form.cleaned_data["keep"]).first()
        duplicate = tenant_children.filter(pk=form.cleaned_data["duplicate"]).first()
        if keep is None:
            form.add_error("keep", "There is no child with this number on your register.")
        if duplicate is None:
            form.add_error("duplicate", "There is no child with this number on your register.")
        if keep and duplicate:
            try:
                checks.child_merge(keep=keep, duplicate=duplicate, by=request.user)
            except checks.CheckError as error:
                add_error_to_form(form, error)
            else:
                messages.success(request, f"Merged child {duplicate.pk} into {keep.pk}.")
                return redirect("checks:list")
    return render(request, "checks/merge.html", {"form": form})
