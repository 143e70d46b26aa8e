"""Pages of a case's reviews (R-REV-1): the list with when the next is due, and recording
one. Everyone who sees the case sees its reviews; those who work on it (CHANGE) record them.
Anyone else gets the 404 of a case that does not exist."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cafsite.errors import add_error_to_form
from cafsite.forms import GovukFormMixin
from cases.permissions import CHANGE, case_access_record, get_case_for_user, user_may
from delivery.models import Progress, ReviewDecision
from delivery.selectors import held_meetings_of, live_plan_actions, review_due_of, reviews_of
from delivery.services.reviews import NOTE_MAX, TEXT_MAX, ReviewError, review_record

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]


def _text(label: str, limit: int, *, rows: int = 3, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=limit,
        required=False,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
        error_messages={"max_length": f"Enter no more than {limit:,} characters."},
    )


class ReviewForm(GovukFormMixin, forms.Form):
    held_on = forms.DateField(
        label="Date of the review",
        input_formats=DATE_FORMATS,
        help_text="For example, 27/3/2027",
        error_messages={
            "required": "Enter the date of the review.",
            "invalid": "Enter the date as day/month/year, like 27/3/2027.",
        },
    )
    meeting = forms.TypedChoiceField(
        label="TAC meeting it was held at (if any)",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a TAC meeting from the list."},
    )
    needs_met = _text("Needs met", TEXT_MAX)
    needs_unmet = _text("Needs not yet met", TEXT_MAX)
    needs_new = _text("New needs", TEXT_MAX)
    decision = forms.ChoiceField(
        label="What did the review decide?",
        choices=ReviewDecision.choices,
        widget=forms.RadioSelect,
        help_text="Reassessing makes a new version of the assessment. Closing leads to the "
        "closure, agreed at a sign-off TAC meeting. Escalating leads to a referral to children's "
        "social care.",
        error_messages={
            "required": "Choose what the review decided.",
            "invalid_choice": "Choose what the review decided.",
        },
    )
    decision_note = _text("Note on the decision", NOTE_MAX)

    def __init__(self, *args, actions, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.actions = actions
        self.fields["meeting"].choices = [("", "Not at a TAC meeting")] + [
            (m.pk, f"Held on {m.held_on:%d/%m/%Y} at {m.venue}") for m in meetings
        ]
        for action in actions:
            self.fields[f"progress_{action.pk}"] = forms.ChoiceField(
                label=f"Progress: {action.action}",
                help_text=f"Outcome sought: {action.outcome or 'not recorded'}. "
                f"By {action.due_on:%d/%m/%Y}, {action.owner_label}.",
                choices=Progress.choices,
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Say what progress was made on this action.",
                    "invalid_choice": "Choose one of the answers.",
                },
            )
            note = _text("Note on its progress", NOTE_MAX, rows=2)
            # Added after the mixin gave the form's own fields their classes.
            note.widget.attrs["class"] = "govuk-textarea"
            self.fields[f"note_{action.pk}"] = note
        # Progress on each action first, as the review goes: then the needs and the decision.
        order = ["held_on", "meeting"]
        order += [name for name in self.fields if name.startswith(("progress_", "note_"))]
        order += ["needs_met", "needs_unmet", "needs_new", "decision", "decision_note"]
        self.order_fields(order)

    def radios(self) -> list[str]:
        return [name for name, f in self.fields.items() if isinstance(f.widget, forms.RadioSelect)]

    def progress(self) -> dict[int, dict[str, str]]:
        data = self.cleaned_data
        return {
            a.pk: {"progress": data.get(f"progress_{a.pk}"), "note": data.get(f"note_{a.pk}", "")}
            for a in self.actions
        }


@login_required
@require_http_methods(["GET"])
def review_list(request, pk: int):
    case = get_case_for_user(request.user, pk, request=request)
    case_access_record(user=request.user, case=case, request=request, detail="reviews")
    reviews = reviews_of(case)
    return render(
        request,
        "delivery/reviews.html",
        {
            "case": case,
            "reviews": reviews,
            "latest": reviews[0] if reviews else None,
            "review_due": review_due_of(case),
            "can_record": user_may(request.user, case, CHANGE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_new(request, pk: int):
    case = get_case_for_user(request.user, pk, CHANGE, request=request)
    actions = live_plan_actions(case)
    meetings = held_meetings_of(case)
    form = ReviewForm(
        request.POST if request.method == "POST" else None, actions=actions, meetings=meetings
    )
    if request.method == "GET":
        case_access_record(user=request.user, case=case, request=request, detail="review new")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = next((m for m in meetings if m.pk == data["meeting"]), None)
        try:
            review = review_record(
                case=case,
                by=request.user,
                held_on=data["held_on"],
                meeting=chosen,
                progress=form.progress(),
                needs_met=data["needs_met"],
                needs_unmet=data["needs_unmet"],
                needs_new=data["needs_new"],
                decision=data["decision"],
                decision_note=data["decision_note"],
            )
        except ReviewError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "The review is recorded.")
            if review.decision == ReviewDecision.CLOSE:
                return redirect("delivery:close", pk=case.pk)
            return redirect("delivery:reviews", pk=case.pk)
    return render(
        request,
        "delivery/review_form.html",
        {
            "case": case,
            "form": form,
            "actions": actions,
            "radios": form.radios(),
            "review_due": review_due_of(case),
        },
    )
