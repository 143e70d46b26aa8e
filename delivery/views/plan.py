"""The case's action plan pages (R-PLAN-1..2, R-REPORT-2): the plan, adding an action, and
one page per action where its agency answers a request, its owner updates its status, the
team writes progress notes and drops a completed action.

Everyone who sees the case sees its plan and each action (the view is in the access log);
each change is for whom ``cases.plans`` says (``may_plan``, ``may_answer``, ``may_update``,
``may_note``). Anyone else gets the 404 of a case that does not exist."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies.models import Agency, User
from cafsite.errors import add_error_to_form
from cafsite.forms import GovukFormMixin
from cases import plans
from cases.models import PlanActionStatus, SupportingFamiliesOutcome
from cases.permissions import case_access_record, get_case_for_user

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]


def _text(label: str, limit: int, *, required=False, rows=None, **kwargs) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        widget=widget,
        error_messages={
            "required": f"Enter {label[0].lower() + label[1:]}.",
            "max_length": f"Enter no more than {limit:,} characters.",
        },
        **kwargs,
    )


def _name(user: User) -> str:
    return user.get_full_name() or user.username


# --- The plan ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def plan(request, pk: int):
    case = get_case_for_user(request.user, pk, request=request)
    today = timezone.localdate()
    content = plans.plan_of(case, today=today)
    can_plan = plans.may_plan(request.user, case)
    case_access_record(user=request.user, case=case, request=request, detail="action plan")
    return render(
        request,
        "delivery/plan.html",
        {
            "case": case,
            **content,
            # Gentle warnings, for those who write the plan.
            "warnings": content["warnings"] if can_plan else [],
            "can_plan": can_plan,
            "today": today,
        },
    )


class ActionForm(GovukFormMixin, forms.Form):
    need = _text("The need", plans.NEED_MAX, required=True, rows=3)
    strengths = _text(
        "Strengths alongside the need",
        plans.NEED_MAX,
        rows=3,
        help_text="What is going well: good action planning builds on strengths.",
    )
    supporting_families_outcomes = forms.MultipleChoiceField(
        label="Supporting Families outcomes this need relates to",
        required=False,
        choices=SupportingFamiliesOutcome.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="For the council's returns. Choose all that apply.",
        error_messages={"invalid_choice": "Choose Supporting Families outcomes from the list."},
    )
    outcome = _text(
        "The outcome: what will be different, and how we will know",
        plans.NEED_MAX,
        rows=3,
        help_text="Specific, measurable, achievable, realistic and time-bound.",
    )
    action = _text("What will be done", plans.ACTION_MAX, required=True, rows=3)
    owner = forms.ChoiceField(
        label="Who will do it: an agency or a practitioner",
        required=False,
        help_text="An action for another agency is a request until that agency accepts it.",
        error_messages={"invalid_choice": "Choose from the list."},
    )
    owner_family_member = _text("Or a family member: their name", plans.OWNER_NAME_MAX)
    due_on = forms.DateField(
        label="By when",
        input_formats=DATE_FORMATS,
        help_text="For example, 27/3/2027",
        error_messages={
            "required": "Enter the date it will be done by.",
            "invalid": "Enter the date as day/month/year, like 27/3/2027.",
        },
    )

    def __init__(self, *args, agencies, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = (
            [("", "Choose who")]
            + [(f"agency:{a.pk}", a.name) for a in agencies]
            + [(f"user:{u.pk}:{a.pk}", f"{_name(u)} ({a.name})") for u, a in people]
        )


def _owner(value: str) -> tuple[Agency | None, User | None]:
    parts = value.split(":") if value else []
    if not parts:
        return None, None
    agency = Agency.objects.get(pk=int(parts[-1]))
    user = User.objects.get(pk=int(parts[1])) if parts[0] == "user" else None
    return agency, user


@login_required
@require_http_methods(["GET", "POST"])
def plan_add(request, pk: int):
    case = get_case_for_user(request.user, pk, request=request)
    if not plans.may_plan(request.user, case):
        raise Http404("No such case.")
    agencies = plans.owner_agencies(case)
    form = ActionForm(
        request.POST if request.method == "POST" else None,
        agencies=agencies,
        people=plans.owner_practitioners(case, agencies),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        owner_agency, owner_user = _owner(data.pop("owner"))
        try:
            plan_action = plans.plan_action_add(
                case=case, by=request.user, owner_agency=owner_agency, owner_user=owner_user, **data
            )
        except plans.PlanError as error:
            if error.field in ("owner_agency", "owner_user"):
                error.field = "owner"
            add_error_to_form(form, error)
        else:
            if plan_action.status == PlanActionStatus.REQUESTED:
                messages.success(
                    request,
                    f"The action is requested of {plan_action.owner_agency.name}: it is on the "
                    "plan once they accept it.",
                )
            else:
                messages.success(request, "The action is added to the plan.")
            return redirect("delivery:plan", pk=case.pk)
    return render(
        request,
        "delivery/plan_add.html",
        {"case": case, "form": form, "checkboxes": ["supporting_families_outcomes"]},
    )


# --- One action -------------------------------------------------------------------------------


class DeclineForm(GovukFormMixin, forms.Form):
    reason = _text("Why your agency declines it", plans.REASON_MAX, required=True, rows=3)


class StatusForm(GovukFormMixin, forms.Form):
    seen = forms.CharField(widget=forms.HiddenInput, max_length=64)
    status = forms.ChoiceField(
        label="Status",
        choices=[(s.value, s.label) for s in plans.UPDATABLE_STATUSES],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the action's status.",
            "invalid_choice": "Choose a status from the list.",
        },
    )
    reason = _text(
        "If it was not done, why not",
        plans.REASON_MAX,
        rows=3,
        help_text="Needed when the action was not done.",
    )


class NoteForm(GovukFormMixin, forms.Form):
    text = _text("Progress note", plans.NOTE_MAX, required=True, rows=4)


def _status_initial(plan_action) -> dict:
    return {
        "seen": plan_action.updated_at.isoformat(),
        "status": plan_action.status
        if plan_action.status in plans.UPDATABLE_STATUSES
        else PlanActionStatus.NOT_STARTED.value,
        "reason": plan_action.status_reason
        if plan_action.status == PlanActionStatus.NOT_DONE
        else "",
    }


def _action_page(request, plan_action, *, status=200, current=None, **forms_given):
    user = request.user
    case = plan_action.case
    can_update = plans.may_update(user, plan_action) and (
        plan_action.status in plans.UPDATABLE_STATUSES and plan_action.dropped_on is None
    )
    can_answer = plans.may_answer(user, plan_action)
    can_note = plans.may_note(user, plan_action)
    context = {
        "case": case,
        "plan_action": plan_action,
        "overdue": plans.is_overdue(plan_action, timezone.localdate()),
        "outcome_labels": plans.outcome_labels(plan_action.supporting_families_outcomes),
        "notes": plan_action.notes.select_related("written_by"),
        "can_answer": can_answer,
        "can_update": can_update,
        "can_note": can_note,
        "can_drop": plan_action.status == PlanActionStatus.DONE
        and plan_action.dropped_on is None
        and plans.may_plan(user, case),
        "decline_form": forms_given.get("decline_form") or (DeclineForm() if can_answer else None),
        "status_form": forms_given.get("status_form")
        or (StatusForm(initial=_status_initial(plan_action)) if can_update else None),
        "note_form": forms_given.get("note_form") or (NoteForm() if can_note else None),
        "current": current,
    }
    context["form"] = next((f for f in forms_given.values() if f is not None and f.errors), None)
    return render(request, "delivery/plan_action.html", context, status=status)


def _action(request, pk):
    return plans.get_plan_action_for_user(request.user, pk, request=request)


@login_required
@require_http_methods(["GET"])
def plan_action(request, pk: int):
    plan_action = _action(request, pk)
    case_access_record(
        user=request.user,
        case=plan_action.case,
        request=request,
        detail=f"action plan: action {plan_action.pk}",
    )
    return _action_page(request, plan_action)


def _back(plan_action):
    return redirect("delivery:plan_action", pk=plan_action.pk)


@login_required
@require_http_methods(["POST"])
def plan_action_accept(request, pk: int):
    plan_action = _action(request, pk)
    if not plans.may_answer(request.user, plan_action):
        raise Http404("No such action.")
    try:
        plans.plan_action_accept(plan_action=plan_action, by=request.user)
    except plans.PlanError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Your agency has accepted the action.")
    return _back(plan_action)


@login_required
@require_http_methods(["POST"])
def plan_action_decline(request, pk: int):
    plan_action = _action(request, pk)
    if not plans.may_answer(request.user, plan_action):
        raise Http404("No such action.")
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            plans.plan_action_decline(
                plan_action=plan_action, by=request.user, reason=form.cleaned_data["reason"]
            )
        except plans.PlanError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "Your agency has declined the action; the team is told why.")
            return _back(plan_action)
    return _action_page(request, plan_action, decline_form=form)


@login_required
@require_http_methods(["POST"])
def plan_action_status(request, pk: int):
    """The action's status, saved on the version it was opened at: a change saved by someone
    else meanwhile is shown beside the user's own choice, which stays in the form."""
    plan_action = _action(request, pk)
    if not plans.may_update(request.user, plan_action):
        raise Http404("No such action.")
    form = StatusForm(request.POST)
    current = None
    if form.is_valid():
        try:
            plans.plan_action_status_update(
                plan_action=plan_action,
                by=request.user,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                seen=form.cleaned_data["seen"],
            )
        except plans.StaleAction as error:
            current = plan_action = error.current
            # What was typed stays; saving again is on the version now shown beside it.
            posted = request.POST.copy()
            posted["seen"] = current.updated_at.isoformat()
            form = StatusForm(posted)
            form.is_valid()
            add_error_to_form(form, error)
        except plans.PlanError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "The action's status is saved.")
            return _back(plan_action)
    return _action_page(request, plan_action, status_form=form, current=current)


@login_required
@require_http_methods(["POST"])
def plan_action_note(request, pk: int):
    plan_action = _action(request, pk)
    if not plans.may_note(request.user, plan_action):
        raise Http404("No such action.")
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            plans.plan_action_note_add(
                plan_action=plan_action, by=request.user, text=form.cleaned_data["text"]
            )
        except plans.PlanError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "Your note is added.")
            return _back(plan_action)
    return _action_page(request, plan_action, note_form=form)


@login_required
@require_http_methods(["POST"])
def plan_action_drop(request, pk: int):
    plan_action = _action(request, pk)
    if not plans.may_plan(request.user, plan_action.case):
        raise Http404("No such action.")
    try:
        plans.plan_action_drop(plan_action=plan_action, by=request.user)
    except plans.PlanError as error:
        messages.error(request, error.message)
        return _back(plan_action)
    messages.success(request, "The completed action is dropped from the plan; it stays on record.")
    return redirect("delivery:plan", pk=plan_action.case_id)
