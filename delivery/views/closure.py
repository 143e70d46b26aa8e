"""Pages for closing a CAF, its family's closure letter, and reopening it (R-CLOSE-1,
R-CHECK-4). Closing and reopening are for the lead professional, the assessor and the CAF
team; anyone who sees the case prints the letter of its standing closure. Anyone else gets the
404 of a case that does not exist."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from audit.models import AccessAction
from cafsite.errors import add_error_to_form
from cafsite.forms import GovukFormMixin
from cases.permissions import case_access_record, get_case_for_user
from delivery.closure_pdf import closure_letter_pdf
from delivery.models import ClosureReason
from delivery.selectors import held_meetings_of, standing_closure
from delivery.services.closure import (
    NOTE_MAX,
    TAC_REQUIRED,
    ClosureError,
    case_close,
    case_reopen,
    may_close,
)


def _closer_case(request, pk):
    case = get_case_for_user(request.user, pk, request=request)
    if not may_close(request.user, case):
        raise Http404("No such case.")
    return case


def _note(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=help_text,
        error_messages={
            "required": f"Enter {label[0].lower() + label[1:]}.",
            "max_length": f"Enter no more than {NOTE_MAX:,} characters.",
        },
    )


class CloseForm(GovukFormMixin, forms.Form):
    reason = forms.ChoiceField(
        label="Why is the CAF closing?",
        choices=ClosureReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose why the CAF is closing.",
            "invalid_choice": "Choose why the CAF is closing.",
        },
    )
    meeting = forms.TypedChoiceField(
        label="Sign-off TAC meeting that agreed the closure",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Needed when the needs are met, the family did not engage, or for another "
        "reason.",
        error_messages={"invalid_choice": "Choose a TAC meeting from the list."},
    )
    note = _note(
        "Why the CAF is closing",
        "For the team's record. The family's letter gives the reason only, not this note.",
    )

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = [("", "No meeting")] + [
            (m.pk, f"Held on {m.held_on:%d/%m/%Y} at {m.venue}") for m in meetings
        ]


class ReopenForm(GovukFormMixin, forms.Form):
    reason = _note("Why the CAF is reopening")


@login_required
@require_http_methods(["GET", "POST"])
def close(request, pk: int):
    case = _closer_case(request, pk)
    meetings = held_meetings_of(case)
    # The next step after social care accepts a referral links here with the reason chosen.
    initial = {"reason": request.GET.get("reason")} if request.GET.get("reason") else {}
    form = CloseForm(
        request.POST if request.method == "POST" else None, meetings=meetings, initial=initial
    )
    if request.method == "GET":
        case_access_record(user=request.user, case=case, request=request, detail="closure")
    if request.method == "POST" and case.is_open and form.is_valid():
        data = form.cleaned_data
        try:
            case_close(
                case=case,
                by=request.user,
                reason=data["reason"],
                note=data["note"],
                meeting=next((m for m in meetings if m.pk == data["meeting"]), None),
            )
        except ClosureError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "The CAF is closed. Print the family's closure letter.")
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "delivery/close.html",
        {
            "case": case,
            "form": form,
            "radios": ["reason"],
            "closure": None if case.is_open else standing_closure(case),
            "tac_required": [ClosureReason(r).label for r in TAC_REQUIRED],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reopen(request, pk: int):
    case = _closer_case(request, pk)
    form = ReopenForm(request.POST if request.method == "POST" else None)
    if request.method == "GET":
        case_access_record(user=request.user, case=case, request=request, detail="reopen")
    if request.method == "POST" and case.can_reopen and form.is_valid():
        try:
            case_reopen(case=case, by=request.user, reason=form.cleaned_data["reason"])
        except ClosureError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "The CAF is reopened: the team around the child goes on.")
            return redirect("cases:detail", pk=case.pk)
    return render(request, "delivery/reopen.html", {"case": case, "form": form})


@login_required
@require_http_methods(["GET"])
def closure_letter(request, pk: int):
    case = get_case_for_user(request.user, pk, request=request)
    closure = standing_closure(case)
    if closure is None:
        raise Http404("No such case.")
    closure.case = case
    pdf = closure_letter_pdf(
        closure,
        printed_by=request.user,
        printed_at=timezone.localtime(),
        base_url=request.build_absolute_uri("/"),
    )
    case_access_record(
        user=request.user,
        case=case,
        request=request,
        action=AccessAction.PRINT,
        detail=f"closure letter {closure.pk}",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-closure-letter.pdf"'
    response["Cache-Control"] = "no-store"
    return response
