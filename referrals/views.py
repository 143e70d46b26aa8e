"""Pages of requests for service (R-REF-1), referrals to children's social care with their
threshold decision and feedback letter (R-REF-2, R-REF-4), and step-down from social care into
a CAF (R-CLOSE-2).

A request for service is seen by the case's team (VIEW on the case) and by the receiving
agency's staff, who read only what the request shares. A social care referral is seen by the
case's team and by the duty managers of children's social care, who read the logged CAF it
refers. Anyone else gets the 404 of a record that does not exist."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies.models import Agency, AgencyKind, User
from assessments.selectors import current_version
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.errors import CafError, add_error_to_form
from cafsite.forms import GovukFormMixin
from cafsite.validation import parse_id
from cases.models import CaseState, Child
from cases.permissions import (
    CHANGE,
    VIEW,
    case_access_record,
    get_case_for_user,
    user_may,
)
from cases.plans import is_casework_member
from referrals import service_requests as requests_services
from referrals import social_care as care
from referrals.forms import ReadAccessForm, TaskAnswerForm
from referrals.models import (
    ServiceRequest,
    ServiceRequestState,
    TaskKind,
    TaskState,
    ThresholdDecision,
)
from referrals.pdf import feedback_letter_pdf
from referrals.selectors import (
    service_request_for_user,
    social_care_referral_for_user,
    task_for_owner,
)
from referrals.task_answers import (
    TaskError,
    answered_here,
    may_request_read_access,
    read_access_candidates,
    read_access_request,
    task_answer,
)

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]


def _text(label: str, limit: int, *, required=True, rows=None, **kwargs) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        widget=widget,
        strip=False,
        error_messages={
            "required": f"Enter {label[0].lower() + label[1:]}.",
            "max_length": f"Enter no more than {limit:,} characters.",
        },
        **kwargs,
    )


def _name(user) -> str:
    return user.get_full_name() or user.username


# --- Requests for service ---------------------------------------------------------------------


class ServiceRequestForm(GovukFormMixin, forms.Form):
    to_agency = forms.TypedChoiceField(
        label="Agency asked", coerce=int, error_messages={"required": "Choose the agency."}
    )
    service = _text("What you are asking the agency for", requests_services.SERVICE_MAX, rows=4)
    shared_summary = _text(
        "What the agency needs to know to decide",
        requests_services.SUMMARY_MAX,
        rows=6,
        help_text="The agency reads this, the child's name and date of birth and how to contact "
        "you, and nothing else of the CAF. Share only what it needs to decide.",
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].choices = [("", "Choose an agency")] + [
            (agency.pk, agency.name) for agency in agencies
        ]
        self.fields["to_agency"].widget.attrs["class"] = "govuk-select"


@login_required
@require_http_methods(["GET"])
def service_request_list(request, pk: int):
    case = get_case_for_user(request.user, pk, request=request)
    case_access_record(user=request.user, case=case, request=request, detail="requests for service")
    return render(
        request,
        "referrals/service_request_list.html",
        {
            "case": case,
            "requests": ServiceRequest.objects.filter(case=case).select_related(
                "to_agency", "requested_by", "from_agency"
            ),
            "can_request": user_may(request.user, case, CHANGE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_request_new(request, pk: int):
    case = get_case_for_user(request.user, pk, CHANGE, request=request)
    agencies = (
        Agency.objects.filter(tenant_id=case.tenant_id, is_active=True)
        .exclude(kind__in=requests_services.NOT_REQUESTABLE)
        .order_by("name")
    )
    covered = requests_services.requestable_agencies(case)
    form = ServiceRequestForm(request.POST if request.method == "POST" else None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            to_agency = agencies.filter(pk=data["to_agency"]).first()
            if to_agency is None:
                raise requests_services.ReferralError(
                    "Choose an agency of this area.", field="to_agency"
                )
            made = requests_services.service_request_send(
                case=case,
                to_agency=to_agency,
                by=request.user,
                service=data["service"],
                shared_summary=data["shared_summary"],
            )
        except CafError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, f"Your request is with {made.to_agency.name}.")
            return redirect("referrals:service_request", pk=made.pk)
    names = ", ".join(agency.name for agency in covered) or "none yet"
    return render(
        request,
        "meetings/tac_form.html",
        {
            "case": case,
            "form": form,
            "heading": "Request a service",
            "button": "Send the request",
            "intro": "A request for service needs the family's consent to share with the agency "
            f"(agencies their consent covers: {names}). The agency accepts or refuses with its "
            "reasons; it does not see the CAF.",
        },
    )


class AnswerForm(GovukFormMixin, forms.Form):
    answer = forms.ChoiceField(
        label="Does your agency accept the request?",
        choices=[("accept", "Yes, we accept it"), ("refuse", "No, we refuse it")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether your agency accepts the request."},
    )
    reason = _text("Your reasons", requests_services.REASON_MAX, rows=4)
    join_team = forms.BooleanField(
        label="Join the team around the child (your agency works on the CAF with the team)",
        required=False,
    )


class NextStepsForm(GovukFormMixin, forms.Form):
    next_steps = _text("The team's next steps", requests_services.NEXT_STEPS_MAX, rows=4)


@login_required
@require_http_methods(["GET", "POST"])
def service_request_detail(request, pk: int):
    found, receives, sees = service_request_for_user(request.user, pk)
    case = found.case
    action = request.POST.get("action") if request.method == "POST" else None
    answer_form = AnswerForm(request.POST if action == "answer" else None)
    steps_form = NextStepsForm(request.POST if action == "next_steps" else None)
    can_answer = receives and found.state == ServiceRequestState.SENT
    can_record = sees and user_may(request.user, case, CHANGE)
    can_withdraw = (
        can_record
        and found.requested_by_id == request.user.pk
        and found.state == ServiceRequestState.SENT
    )
    if request.method == "POST":
        try:
            if action == "answer" and can_answer:
                if answer_form.is_valid():
                    data = answer_form.cleaned_data
                    requests_services.service_request_answer(
                        request=found,
                        by=request.user,
                        accept=data["answer"] == "accept",
                        reason=data["reason"],
                        join_team=data["join_team"],
                    )
                    messages.success(request, "Your answer is recorded and the team is told.")
                    return redirect("referrals:service_request", pk=found.pk)
            elif action == "next_steps" and can_record:
                if steps_form.is_valid():
                    requests_services.service_request_next_steps(
                        request=found,
                        by=request.user,
                        next_steps=steps_form.cleaned_data["next_steps"],
                    )
                    messages.success(request, "The next steps are recorded.")
                    return redirect("referrals:service_request", pk=found.pk)
            elif action == "withdraw" and can_withdraw:
                requests_services.service_request_withdraw(request=found, by=request.user)
                messages.success(request, "The request is withdrawn.")
                return redirect("referrals:service_request", pk=found.pk)
            else:
                raise Http404("No such request.")
        except CafError as error:
            add_error_to_form(answer_form if action == "answer" else steps_form, error)
            if action == "withdraw":
                messages.error(request, error.message)
    if sees:
        case_access_record(
            user=request.user, case=case, request=request, detail=f"request for service {found.pk}"
        )
    else:
        access_log_record(
            action=AccessAction.VIEW,
            user=request.user,
            request=request,
            case=case,
            agency_id=found.to_agency_id,
            detail=f"request for service {found.pk}, as the agency asked",
        )
    return render(
        request,
        "referrals/service_request_detail.html",
        {
            "found": found,
            "child": case.child,
            "requester": found.requested_by,
            "requester_name": _name(found.requested_by),
            "case": case if sees else None,
            "answer_form": answer_form,
            "steps_form": steps_form,
            "form": answer_form if action == "answer" else steps_form,
            "can_answer": can_answer,
            "can_record": can_record
            and found.state in (ServiceRequestState.ACCEPTED, ServiceRequestState.REFUSED),
            "can_withdraw": can_withdraw,
        },
    )


# --- Social care referrals --------------------------------------------------------------------


class ReferralForm(GovukFormMixin, forms.Form):
    concerns = _text(
        "Why you are referring to children's social care",
        care.CONCERNS_MAX,
        rows=8,
        help_text="The logged CAF goes with the referral: say what has changed and why you "
        "think the threshold for a social work assessment is met.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def social_care_new(request, pk: int):
    case = get_case_for_user(request.user, pk, CHANGE, request=request)
    if not care.may_refer(request.user, case):
        raise Http404("No such case.")
    form = ReferralForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            referral = care.social_care_refer(
                case=case, by=request.user, concerns=form.cleaned_data["concerns"]
            )
        except CafError as error:
            add_error_to_form(form, error)
        else:
            messages.success(
                request,
                "The CAF is referred to children's social care. You stay lead professional "
                "until social care accepts the referral.",
            )
            return redirect("referrals:social_care", pk=referral.pk)
    return render(
        request,
        "meetings/tac_form.html",
        {
            "case": case,
            "form": form,
            "heading": "Refer to children's social care",
            "button": "Send the referral",
            "intro": "The CAF is the referral. The duty manager decides whether the threshold "
            "for a social work assessment is met, and you get written feedback either way. "
            "If a child is at risk of significant harm now, phone the front door instead.",
        },
    )


def _record_read(request, referral, sees: bool, *, detail: str, action=AccessAction.VIEW):
    """Log a read of the referral: under the agency the user works the case for, or, for a
    duty manager who does not see the case, under children's social care."""
    if sees:
        case_access_record(
            user=request.user, case=referral.case, request=request, action=action, detail=detail
        )
    else:
        access_log_record(
            action=action,
            user=request.user,
            request=request,
            case=referral.case,
            agency_id=referral.to_agency_id,
            detail=detail,
        )


class DecisionForm(GovukFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label="Is the threshold for a social work assessment met?",
        choices=[
            (ThresholdDecision.ACCEPTED, "Yes: accepted by children's social care"),
            (ThresholdDecision.NOT_MET, "No: the threshold is not met"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the threshold is met."},
    )
    feedback = _text(
        "Written feedback to the referrer",
        care.FEEDBACK_MAX,
        rows=6,
        help_text="The referrer gets this as a letter, whatever the decision.",
    )
    panel_session = forms.TypedChoiceField(
        label="Early help panel (if the threshold is not met)",
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Choose a panel to hear the case; the referrer presents it.",
    )

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["panel_session"].choices = [("", "No early help panel")] + [
            (s.pk, f"{s.forum.held_on:%d/%m/%Y}, {s.forum.venue}: {s.cluster}") for s in sessions
        ]
        self.fields["panel_session"].widget.attrs["class"] = "govuk-select"


def _logged_summary(case) -> dict | None:
    """What the duty manager reads of the logged CAF: its log entry and conclusions."""
    assessment = care.caf_logged(case)
    if assessment is None:
        return None
    version = current_version(assessment)
    sections = {s.key: s.data for s in version.sections.filter(key__in=["about", "conclusions"])}
    return {
        "assessment": assessment,
        "version": version,
        "reason": sections.get("about", {}).get("reason", ""),
        "summary": sections.get("conclusions", {}).get("summary", ""),
    }


@login_required
@require_http_methods(["GET", "POST"])
def social_care_detail(request, pk: int):
    found, manages, sees = social_care_referral_for_user(request.user, pk)
    case = found.case
    sessions = list(care.panel_sessions(found.tenant_id))
    can_decide = manages and found.decision == ThresholdDecision.AWAITING
    form = DecisionForm(request.POST if request.method == "POST" else None, sessions=sessions)
    if request.method == "POST":
        if not can_decide:
            raise Http404("No such referral.")
        if form.is_valid():
            data = form.cleaned_data
            session = None
            if data["panel_session"] is not None:
                session = next((s for s in sessions if s.pk == data["panel_session"]), None)
            try:
                care.social_care_decide(
                    referral=found,
                    by=request.user,
                    decision=data["decision"],
                    feedback=data["feedback"],
                    panel_session=session,
                )
            except CafError as error:
                add_error_to_form(form, error)
            else:
                messages.success(request, "The decision is recorded; the referrer is told.")
                return redirect("referrals:social_care", pk=found.pk)
    _record_read(request, found, sees, detail=f"social care referral {found.pk}")
    return render(
        request,
        "referrals/social_care_detail.html",
        {
            "found": found,
            "case": case,
            "sees": sees,
            "logged": _logged_summary(case),
            "form": form,
            "can_decide": can_decide,
            "decided": found.decision != ThresholdDecision.AWAITING,
        },
    )


@login_required
@require_http_methods(["GET"])
def social_care_letter(request, pk: int):
    found, manages, sees = social_care_referral_for_user(request.user, pk)
    if found.decision == ThresholdDecision.AWAITING:
        raise Http404("No decision yet.")
    pdf = feedback_letter_pdf(
        found,
        printed_by=request.user,
        printed_at=timezone.localtime(),
        base_url=request.build_absolute_uri("/"),
    )
    _record_read(
        request,
        found,
        sees,
        action=AccessAction.PRINT,
        detail=f"social care referral {found.pk} feedback letter",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{found.case.reference}-social-care-feedback-{found.pk}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


# --- Step-down --------------------------------------------------------------------------------


class StepDownForm(GovukFormMixin, forms.Form):
    statutory_reference = _text("Social care case reference", care.REFERENCE_MAX)
    meeting_on = forms.DateField(
        label="Date of the final statutory meeting",
        input_formats=DATE_FORMATS,
        help_text="For example, 27/3/2027. It becomes the CAF's first team around the child "
        "meeting.",
        error_messages={
            "required": "Enter the date of the final statutory meeting.",
            "invalid": "Enter the date as day/month/year, like 27/3/2027.",
        },
    )
    venue = _text("Where the meeting was held", care.VENUE_MAX)
    family_attendees = _text(
        "Family members who attended",
        4000,
        required=False,
        rows=3,
        help_text="One a line: name, relationship (for example: Pat Parent, mother).",
    )
    other_attendees = _text(
        "Practitioners who attended",
        4000,
        required=False,
        rows=3,
        help_text="One a line: name and agency.",
    )
    notes = _text("Notes of the meeting", care.NOTES_MAX, required=False, rows=6)


def _social_care_agencies(user):
    if not getattr(user, "tenant_id", None):
        return []
    return [
        agency
        for agency in Agency.objects.filter(
            tenant_id=user.tenant_id, kind=AgencyKind.CSC, is_active=True
        )
        if is_casework_member(user, agency)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def step_down(request, child_pk: int):
    agencies = _social_care_agencies(request.user)
    child_id = parse_id(child_pk)
    child = (
        Child.objects.filter(pk=child_id, tenant_id=request.user.tenant_id).first()
        if agencies and child_id
        else None
    )
    if child is None:
        raise Http404("No such child.")
    form = StepDownForm(request.POST if request.method == "POST" else None)
    open_case = child.cases.exclude(state__in=(CaseState.CLOSED, CaseState.ARCHIVED)).exists()
    if request.method == "POST" and form.is_valid():
        try:
            case = care.social_care_step_down(
                child=child, agency=agencies[0], by=request.user, **form.cleaned_data
            )
        except CafError as error:
            add_error_to_form(form, error)
        else:
            messages.success(
                request,
                "The CAF is open, with the final statutory meeting as its first team around the "
                "child meeting. Next: the family's consent.",
            )
            return redirect("cases:detail", pk=case.pk)
    access_log_record(
        action=AccessAction.VIEW,
        user=request.user,
        request=request,
        child_id=child.pk,
        tenant_id=child.tenant_id,
        agency_id=agencies[0].pk,
        detail="step-down from social care",
    )
    return render(
        request,
        "referrals/step_down.html",
        {"child": child, "form": form, "open_case": open_case, "agency": agencies[0]},
    )


# --- Tasks answered by their owner (R-CHECK-3, R-CHECK-5, R-REF-3) ---
# The task page (its owner reads what is asked and answers it) and asking a practitioner of
# another agency to read a CAF (R-CHECK-3, R-CHECK-5, R-REF-3). Anyone but the owner gets the
# 404 of a missing task.

_DONE = {
    TaskKind.JOIN_REQUEST: {
        TaskState.ACCEPTED: "Accepted: their agency is now in the team around the child.",
        TaskState.DECLINED: "Declined: they will see your reason in their worklist.",
    },
    TaskKind.READ_ACCESS: {
        TaskState.ACCEPTED: "Accepted: you can now read the CAF.",
        TaskState.DECLINED: "Declined: they will see your reason in their worklist.",
    },
    TaskKind.TIER34_CONCERN: {
        TaskState.ACCEPTED: "Acknowledged: the practitioner will see what your agency will do.",
    },
}


@login_required
def task_detail(request, pk: int):
    task = task_for_owner(request.user, pk, request=request)
    # The page names the child: a read of their record, filed under the agency asked.
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
    answerable = answered_here(task) and task.state == TaskState.OPEN
    form = None
    if answerable:
        form = TaskAnswerForm(request.POST if request.method == "POST" else None, kind=task.kind)
        if request.method == "POST" and form.is_valid():
            try:
                task = task_answer(
                    task=task,
                    by=request.user,
                    answer=form.chosen_answer(),
                    response=form.cleaned_data["response"],
                )
            except TaskError as error:
                add_error_to_form(form, error)
            else:
                messages.success(request, _DONE.get(task.kind, {}).get(task.state, "Answered."))
                return redirect("referrals:task", pk=task.pk)
    elif request.method == "POST":
        messages.error(
            request,
            "This task has already been answered: nothing was changed."
            if task.state != TaskState.OPEN
            else "This task is answered on its own page.",
        )
        return redirect("referrals:task", pk=task.pk)
    case_visible = task.case is not None and user_may(request.user, task.case, VIEW)
    return render(
        request,
        "referrals/task.html",
        {
            "task": task,
            "form": form,
            "answered_here": answered_here(task),
            "case_visible": case_visible,
            # Kinds answered on their own page: the way there.
            "elsewhere": task.link
            or (reverse("cases:detail", args=[task.case_id]) if case_visible else ""),
            "today": timezone.localdate(),
        },
    )


@login_required
def read_access(request, pk: int):
    """Ask a named practitioner of an agency the family's consent covers to read the CAF
    (R-REF-3). The assessor, the lead professional and the CAF team ask; to anyone else who
    sees the case the page does not exist."""
    case = get_case_for_user(request.user, pk, request=request)
    if not may_request_read_access(case, request.user):
        access_log_record(
            action=AccessAction.DENIED,
            user=request.user,
            request=request,
            case=case,
            detail=f"case {case.pk}: asking others to read it is the assessor's, the lead's "
            "and the CAF team's",
        )
        raise Http404("No such case.")
    case_access_record(user=request.user, case=case, request=request)
    candidates = read_access_candidates(case)
    form = ReadAccessForm(request.POST if request.method == "POST" else None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        practitioner_id = parse_id(form.cleaned_data["practitioner"])
        practitioner = User.objects.filter(pk=practitioner_id).first() if practitioner_id else None
        try:
            task = read_access_request(
                case=case,
                by=request.user,
                practitioner=practitioner,
                message=form.cleaned_data["message"],
            )
        except TaskError as error:
            add_error_to_form(form, error)
        else:
            name = task.assigned_to.get_full_name() or task.assigned_to.username
            messages.success(
                request,
                f"{name} has been asked to read this CAF: their answer is due by "
                f"{task.due_on:%-d %B %Y}.",
            )
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "referrals/read_access.html",
        {"case": case, "child": case.child, "form": form, "candidates": candidates},
    )
