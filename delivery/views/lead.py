"""Pages of a case's lead professional (R-LP-1): the case's lead page (who leads and since
when, the proposal waiting, the history of proposals and disagreements), proposing a lead (the
CAF team), planning a handover (the lead or the CAF team), taking a disagreement to the CAF
team (anyone with CHANGE), the proposal page where the proposed practitioner accepts or
declines (and whoever proposed it withdraws it), and the disagreement page where the CAF team
resolves it. Anyone not entitled gets the 404 of a case that does not exist."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agencies.models import Agency, User
from agencies.roles import in_caf_team
from cafsite.errors import add_error_to_form
from cafsite.forms import GovukFormMixin
from cases.permissions import CHANGE, case_access_record, get_case_for_user
from delivery.models import LeadChangeReason, LeadProposalState
from delivery.services import lead as services
from delivery.services.lead import HANDOVER_REASONS, TEXT_MAX, LeadError


def _text(label: str, *, required: bool, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": f"Enter {label[0].lower() + label[1:]}.",
            "max_length": f"Enter no more than {TEXT_MAX:,} characters.",
        },
    )


def _name(user: User) -> str:
    return user.get_full_name() or user.username


class PersonField(forms.ChoiceField):
    """A practitioner and the agency they would lead for, as "user:agency"."""

    def __init__(self, case, *, required=True, **kwargs):
        choices = [("", "Choose a practitioner")] if not required else []
        choices += [
            (f"{user.pk}:{agency.pk}", f"{_name(user)}, {agency.name}")
            for user, agency in services.lead_candidates(case)
        ]
        super().__init__(
            choices=choices,
            required=required,
            error_messages={
                "required": "Choose a practitioner.",
                "invalid_choice": "Choose a practitioner from the list.",
            },
            **kwargs,
        )

    def person(self, value: str, case) -> tuple[User | None, Agency | None]:
        if not value:
            return None, None
        user_id, agency_id = (int(part) for part in value.split(":"))
        return (
            User.objects.get(pk=user_id, tenant_id=case.tenant_id),
            Agency.objects.get(pk=agency_id, tenant_id=case.tenant_id),
        )


class ProposeForm(GovukFormMixin, forms.Form):
    note = _text("Note for the practitioner", required=False)

    def __init__(self, case, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"proposed": PersonField(case, label="Practitioner"), **self.fields}


class HandoverForm(GovukFormMixin, forms.Form):
    reason = forms.ChoiceField(
        label="Why the lead professional changes",
        choices=[(r.value, r.label) for r in HANDOVER_REASONS],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why the lead professional changes."},
    )
    note = _text("Note for the practitioner", required=False)

    def __init__(self, case, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"proposed": PersonField(case, label="New lead professional"), **self.fields}


class DisputeForm(GovukFormMixin, forms.Form):
    about = _text(
        "What the disagreement is",
        required=True,
        help_text="The CAF team reads this and decides. Write what is needed, no more.",
    )


class AnswerForm(GovukFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label="Will you be the lead professional?",
        choices=[("accept", "Yes, I accept"), ("decline", "No, I decline")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether you accept."},
    )
    reason = _text("Why you decline", required=False, help_text="Needed if you decline.")

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not data.get("reason", "").strip():
            self.add_error("reason", "Enter why you decline.")
        return data


class ResolveForm(GovukFormMixin, forms.Form):
    resolution = _text("How the disagreement was resolved", required=True)

    def __init__(self, case, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposed"] = PersonField(
            case,
            required=False,
            label="Propose a lead professional (optional)",
            help_text="They become lead only when they accept.",
        )
        self.fields["proposed"].widget.attrs["class"] = "govuk-select"


def _form_page(request, case, form, *, heading, button, intro="", back=None, **extra):
    return render(
        request,
        "delivery/lead_form.html",
        {
            "case": case,
            "form": form,
            "heading": heading,
            "button": button,
            "intro": intro,
            "radios": ("reason", "decision"),
            "back": back,
            **extra,
        },
    )


def _selects(form) -> None:
    if "proposed" in form.fields:
        form.fields["proposed"].widget.attrs["class"] = "govuk-select"


# --- The case's lead page ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def lead(request, pk: int):
    case = get_case_for_user(request.user, pk, request=request)
    case_access_record(user=request.user, case=case, request=request, detail="lead professional")
    proposals = list(
        case.lead_proposals.select_related("proposed", "proposed_agency", "proposed_by")
    )
    pending = next((p for p in proposals if p.state == LeadProposalState.PENDING), None)
    caf_team = in_caf_team(request.user)
    user = request.user
    return render(
        request,
        "delivery/lead.html",
        {
            "case": case,
            "lead_agency": case.lead_agency,
            "pending": pending,
            "proposals": proposals,
            "openable": {
                p.pk for p in proposals if caf_team or user.pk in (p.proposed_id, p.proposed_by_id)
            },
            "disputes": case.lead_disputes.select_related("raised_by", "raised_by_agency"),
            "may_open_disputes": caf_team,
            "may_propose": services.may_propose(user, case) and case.lead_professional_id is None,
            "may_hand_over": services.may_hand_over(user, case)
            and case.lead_professional_id is not None,
            "may_withdraw": pending is not None and services.may_withdraw(user, pending),
            "may_raise_dispute": services.may_raise_dispute(user, case),
        },
    )


def _back(case):
    return redirect("delivery:lead", pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def lead_propose(request, pk: int):
    case = get_case_for_user(request.user, pk, request=request)
    if not services.may_propose(request.user, case):
        raise Http404("No such case.")
    form = ProposeForm(case, request.POST if request.method == "POST" else None)
    _selects(form)
    if request.method == "POST" and form.is_valid():
        proposed, agency = form.fields["proposed"].person(form.cleaned_data["proposed"], case)
        try:
            services.lead_propose(
                case=case,
                by=request.user,
                proposed=proposed,
                agency=agency,
                source="caf_team",
                note=form.cleaned_data["note"],
            )
        except LeadError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, f"{_name(proposed)} is asked to accept.")
            return _back(case)
    return _form_page(
        request,
        case,
        form,
        heading="Propose a lead professional",
        button="Propose",
        intro="They become the lead professional only when they accept (a task asks them).",
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_handover(request, pk: int):
    case = get_case_for_user(request.user, pk, request=request)
    if not services.may_hand_over(request.user, case):
        raise Http404("No such case.")
    form = HandoverForm(case, request.POST if request.method == "POST" else None)
    _selects(form)
    if request.method == "POST" and form.is_valid():
        proposed, agency = form.fields["proposed"].person(form.cleaned_data["proposed"], case)
        try:
            services.lead_handover_propose(
                case=case,
                by=request.user,
                proposed=proposed,
                agency=agency,
                reason=LeadChangeReason(form.cleaned_data["reason"]),
                note=form.cleaned_data["note"],
            )
        except LeadError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, f"{_name(proposed)} is asked to take over as lead.")
            return _back(case)
    return _form_page(
        request,
        case,
        form,
        heading="Hand over the lead professional",
        button="Propose the handover",
        intro="The current lead professional stays lead until the new one accepts.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def lead_dispute_raise(request, pk: int):
    case = get_case_for_user(request.user, pk, CHANGE, request=request)
    form = DisputeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_dispute_raise(case=case, by=request.user, **form.cleaned_data)
        except LeadError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "The CAF team has the disagreement.")
            return _back(case)
    return _form_page(
        request,
        case,
        form,
        heading="Take a disagreement about the lead professional to the CAF team",
        button="Send to the CAF team",
    )


# --- A proposal: accept, decline, withdraw --------------------------------------------------


def _proposal(request, pk):
    proposal = services.proposal_for_user(request.user, pk)
    if proposal is None:
        raise Http404("No such proposal.")
    return proposal


@login_required
@require_http_methods(["GET", "POST"])
def proposal(request, pk: int):
    proposal = _proposal(request, pk)
    case = proposal.case
    answering = (
        proposal.state == LeadProposalState.PENDING and request.user.pk == proposal.proposed_id
    )
    if request.method == "POST" and not answering:
        raise Http404("No such proposal.")
    form = AnswerForm(request.POST if request.method == "POST" else None) if answering else None
    if request.method == "GET":
        case_access_record(
            user=request.user, case=case, request=request, detail=f"lead proposal {proposal.pk}"
        )
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "accept":
                services.lead_accept(proposal=proposal, by=request.user)
                messages.success(request, "You are the lead professional.")
            else:
                services.lead_decline(
                    proposal=proposal, by=request.user, reason=form.cleaned_data["reason"]
                )
                messages.success(request, "You declined; whoever proposed you is told why.")
        except LeadError as error:
            add_error_to_form(form, error)
        else:
            return _back(case)
    return render(
        request,
        "delivery/lead_proposal.html",
        {
            "case": case,
            "proposal": proposal,
            "form": form,
            "radios": ("decision",),
            "may_withdraw": proposal.state == LeadProposalState.PENDING
            and services.may_withdraw(request.user, proposal),
        },
    )


@login_required
@require_http_methods(["POST"])
def proposal_withdraw(request, pk: int):
    proposal = _proposal(request, pk)
    if not services.may_withdraw(request.user, proposal):
        raise Http404("No such proposal.")
    try:
        services.lead_withdraw(proposal=proposal, by=request.user)
    except LeadError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The proposal is withdrawn.")
    return _back(proposal.case)


# --- A disagreement: the CAF team resolves it -----------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def dispute(request, pk: int):
    dispute = services.dispute_for_user(request.user, pk)
    if dispute is None:
        raise Http404("No such disagreement.")
    case = dispute.case
    resolving = dispute.state == "open" and services.may_resolve(request.user, case)
    if request.method == "POST" and not resolving:
        raise Http404("No such disagreement.")
    form = ResolveForm(case, request.POST if request.method == "POST" else None)
    if request.method == "GET":
        case_access_record(
            user=request.user, case=case, request=request, detail=f"lead disagreement {dispute.pk}"
        )
    if request.method == "POST" and form.is_valid():
        proposed, agency = form.fields["proposed"].person(form.cleaned_data["proposed"], case)
        try:
            services.lead_dispute_resolve(
                dispute=dispute,
                by=request.user,
                resolution=form.cleaned_data["resolution"],
                proposed=proposed,
                agency=agency,
            )
        except LeadError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "The disagreement is resolved.")
            return _back(case)
    return render(
        request,
        "delivery/lead_dispute.html",
        {"case": case, "dispute": dispute, "form": form if resolving else None},
    )
