"""The forum day's pages: the chair's view (statement, briefing, prompts, attendance, each
case on the agenda), the presenter's summary, a case's record, the minutes and the lessons
learned, with their PDFs. Thin: forms parse, ``meetings.services.forum_day`` decides. A forum
or a case the user may not reach is a 404, exactly like a missing one."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from agencies.models import Agency, User
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.errors import CafError, add_error_to_form
from cafsite.forms import GovukFormMixin
from cafsite.validation import parse_id
from cases.permissions import (
    case_access_record,
    get_case_for_user,
    with_visible_case,
)
from consent.services import agency_excluded
from meetings.forum_day_pdf import (
    action_plan_pdf_response,
    minutes_context,
    minutes_pdf_response,
    presenter_summary_pdf_response,
    summary_context,
)
from meetings.models import Forum, ForumState, Nomination
from meetings.services.forum_day import (
    ANONYMISED_MAX,
    LESSON_MAX,
    MINUTES_MAX,
    ON_AGENDA,
    RECORD_TEXT_MAX,
    SUMMARY_TEXT_MAX,
    action_plans_circulate,
    agenda_of,
    confidentiality_statement_read,
    forum_attendance_record,
    forum_case_action_agree,
    forum_case_heard,
    forum_case_record,
    forum_close,
    forum_minutes_save,
    lead_professional_candidates,
    lessons_record,
    may_read_minutes,
    may_run_forum,
    presenter_summary_of,
    presenter_summary_save,
    summary_domains,
)
from meetings.services.forums import require_coordinator

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]

# 000 Appendix C, as the chair reads it.
CONFIDENTIALITY_STATEMENT = [
    "We are all here for the express purpose of co-ordinating school and external support to "
    "the young people about to be discussed.  The young people and their carers have agreed to "
    "share information about them for this purpose.  I would remind people that the "
    "information remains confidential to this meeting. The Assessment should be shared with "
    "the young person and family.",
    "Nobody should take the Common Assessment Framework or any information about to be "
    "discussed and pass it to anyone outside of this meeting without the prior agreement of "
    "the Panel.",
    "When a conflict of interest arises, or when a potential conflict of interest emerges, you "
    "will disclose that conflict to the Chair or the CAF Team and seek a resolution of that "
    "issue.",
    "I also remind people that the purpose of the team/forum is to construct a "
    "multi-disciplinary integrated support plan and we expect members to be making "
    "suggestions for this plan and contributing in the form of actions and services, which "
    "will be reviewed at subsequent meetings.",
]
# 000 §4.6.13 item 3: the rules of the forum.
BRIEFING_RULES = [
    "Child case presentations should be summarised",
    "20 minutes will be allowed per new case presented, 10 minutes for reviews",
    "Professional opinions only should be aired (do not compare situations to personal experience)",
    "Do not leave the meeting during a presentation (particularly if the child and/or parents "
    "are present)",
]
# 000 Appendix D: "Chairs will ask".
CHAIR_PROMPTS = [
    "Are the main reasons for the referral clear? (Do these need reiterating?)",
    "Which agencies have been involved thus far?",
    "What is the child's current attendance? – What is the trend?",
    "Is the child making progress with learning?",
    "How does the child feel he or she is doing in school?",
    "Are there relationship issues – in school with peers/staff or at home?",
    "How supportive of the CAF referral are the parents/carers?",
    "Thus far, who has performed the role of Lead Professional for this child?",
    "Previous actions identified? In the case of a review",
    "What has worked? What hasn't?",
    "What does the parent want?",
    "Summarise the review date and lead professional",
    "Ask the CAF Co-ordinator to summarise actions and how they will happen",
]


# --- Finding what the user may reach (404 otherwise) -----------------------------------------


def not_found(request, what: str, pk) -> Http404:
    access_log_record(
        action=AccessAction.DENIED,
        user=request.user,
        request=request,
        detail=f"{what} {str(pk)[:40]} not found or not permitted",
    )
    return Http404(f"No such {what}.")


def forum_for(request, pk, may) -> Forum:
    forum_id = parse_id(pk)
    forum = (
        Forum.objects.filter(pk=forum_id, tenant_id=request.user.tenant_id)
        .select_related("season", "chair")
        .first()
        if forum_id is not None and request.user.tenant_id is not None
        else None
    )
    if forum is None or not may(request.user, forum):
        raise not_found(request, "forum", pk)
    return forum


def is_coordinator_of(user, forum) -> bool:
    try:
        require_coordinator(user)
    except CafError:
        return False
    return user.tenant_id == forum.tenant_id


def nomination_for(request, pk) -> Nomination:
    """A nomination of a case the user may see."""
    nomination_id = parse_id(pk)
    nomination = (
        with_visible_case(
            request.user,
            Nomination.objects.filter(pk=nomination_id, tenant_id=request.user.tenant_id),
        )
        .select_related(
            "case__child",
            "case__assessor_agency",
            "case__tenant",
            "session__forum",
            "nominated_by",
            "nominated_by_agency",
        )
        .first()
        if nomination_id is not None and request.user.tenant_id is not None
        else None
    )
    if nomination is None:
        raise not_found(request, "nomination", pk)
    return nomination


def nomination_to_run(request, pk) -> Nomination:
    nomination = nomination_for(request, pk)
    if not may_run_forum(request.user, nomination.session.forum):
        raise not_found(request, "nomination", pk)
    return nomination


def _error(request, error: CafError) -> None:
    messages.error(request, error.message)


# --- Forms --------------------------------------------------------------------------------------


def _date(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        help_text="For example, 27/3/2027",
        error_messages={
            "required": f"Enter the {label.lower()}.",
            "invalid": "Enter the date as day/month/year, like 27/3/2027.",
        },
        **kwargs,
    )


def _long(label: str, limit: int, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": 4}),
        **kwargs,
    )


class SummaryForm(GovukFormMixin, forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, domains=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = list(domains)
        fields = {
            "school_and_year": forms.CharField(
                label="School and year group", required=False, max_length=SUMMARY_TEXT_MAX
            ),
            "relationship": _long(
                "Your relationship with the child",
                SUMMARY_TEXT_MAX,
                help_text="In what capacity and for how long.",
            ),
            "engagement": _long(
                "How you have engaged with the child and family, and their views",
                SUMMARY_TEXT_MAX,
            ),
        }
        for code, title in self.domains:
            fields[f"needs_{code}"] = _long(
                f"Needs: {title}",
                SUMMARY_TEXT_MAX,
                help_text="Frequency, intensity, number and duration of behaviours; triggers, "
                "consequences and a recent example.",
            )
            fields[f"strengths_{code}"] = _long(f"Strengths: {title}", SUMMARY_TEXT_MAX)
        fields["conclusions"] = _long(
            "Your conclusions: what needs to change and how", SUMMARY_TEXT_MAX
        )
        fields["actions_tried"] = _long(
            "Actions already taken: what worked, what did not, gaps or delays", SUMMARY_TEXT_MAX
        )
        fields["asks"] = _long("What you need from the forum", SUMMARY_TEXT_MAX)
        for name, field in fields.items():
            self.fields[name] = field
        # Added after the mixin's __init__: their GOV.UK classes are set here.
        for field in self.fields.values():
            css = "govuk-textarea" if isinstance(field.widget, forms.Textarea) else "govuk-input"
            field.widget.attrs.setdefault("class", css)

    @classmethod
    def initial_from(cls, summary: dict, domains) -> dict:
        initial = {
            key: summary.get(key, "")
            for key in (
                "school_and_year",
                "relationship",
                "engagement",
                "conclusions",
                "actions_tried",
                "asks",
            )
        }
        for code, _ in domains:
            initial[f"needs_{code}"] = (summary.get("needs") or {}).get(code, "")
            initial[f"strengths_{code}"] = (summary.get("strengths") or {}).get(code, "")
        return initial

    def summary(self) -> dict:
        data = self.cleaned_data
        summary = {
            key: data.get(key, "")
            for key in (
                "school_and_year",
                "relationship",
                "engagement",
                "conclusions",
                "actions_tried",
                "asks",
            )
        }
        summary["needs"] = {code: data.get(f"needs_{code}", "") for code, _ in self.domains}
        summary["strengths"] = {code: data.get(f"strengths_{code}", "") for code, _ in self.domains}
        return summary


class RecordForm(GovukFormMixin, forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    needs = _long("The child's needs the forum identified", RECORD_TEXT_MAX)
    services = _long("The services that will help", RECORD_TEXT_MAX)
    lead_professional_proposed = forms.ModelChoiceField(
        label="Lead professional proposed",
        queryset=User.objects.none(),
        required=False,
        help_text="They agree to it themselves (R-LP-1).",
        empty_label="Not agreed yet",
    )
    review_on = _date("Review date", required=False)
    anonymised_summary = _long(
        "Summary for the minutes",
        ANONYMISED_MAX,
        help_text="No names: the minutes go to everyone who attended.",
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_professional_proposed"].queryset = User.objects.filter(
            pk__in=[user.pk for user in candidates]
        )
        self.fields["lead_professional_proposed"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )


class ActionForm(GovukFormMixin, forms.Form):
    need = _long("The need, with the strengths alongside it", 2000)
    outcome = _long("The outcome: what will be different, and how we will know", 2000)
    action = _long("What will be done", 2000)
    owner_agency = forms.ModelChoiceField(
        label="Agency", queryset=Agency.objects.none(), required=False, empty_label="None"
    )
    owner_user = forms.ModelChoiceField(
        label="Practitioner (optional)",
        queryset=User.objects.none(),
        required=False,
        empty_label="The agency, no one named",
    )
    owner_family_member = forms.CharField(
        label="Or a family member", required=False, max_length=200
    )
    due_on = _date("By when")

    def __init__(self, *args, agencies=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_agency"].queryset = Agency.objects.filter(
            pk__in=[agency.pk for agency in agencies]
        )
        self.fields["owner_user"].queryset = User.objects.filter(
            pk__in=[user.pk for user in people]
        )
        self.fields["owner_user"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )


class MinutesForm(GovukFormMixin, forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    minutes = forms.CharField(
        label="How the meeting ran",
        required=False,
        max_length=MINUTES_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="No children's names: each case has its own anonymised summary.",
    )


class LessonsForm(GovukFormMixin, forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    case_numbers = _long(
        "Was the number of cases reviewed suitable for the time allowed?", LESSON_MAX
    )
    services_invited = _long("Were all the relevant services invited to the meeting?", LESSON_MAX)
    invitees_equipped = _long(
        "Were the invitees suitably equipped to provide the holistic approach required?",
        LESSON_MAX,
    )
    place_and_time = _long("Was the location and time of the meeting suitable?", LESSON_MAX)


# --- The chair's view --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def forum_chair(request, pk: int):
    forum = forum_for(request, pk, may_run_forum)
    cases = []
    for nomination in agenda_of(forum, request.user):
        summary = presenter_summary_of(nomination)
        cases.append(
            {
                "nomination": nomination,
                "summary": summary,
                "domains": [
                    {
                        "title": title,
                        "needs": (summary.get("needs") or {}).get(code, ""),
                        "strengths": (summary.get("strengths") or {}).get(code, ""),
                    }
                    for code, title in summary_domains(nomination)
                ],
                "actions": list(nomination.actions.select_related("owner_agency", "owner_user")),
                "waiting": nomination.state in ON_AGENDA,
            }
        )
        case_access_record(
            user=request.user,
            case=nomination.case,
            request=request,
            detail=f"forum {forum.pk}: the chair's view",
        )
    invitations = forum.invitations.select_related("user", "agency", "deputy").order_by(
        "agency__name", "id"
    )
    return render(
        request,
        "meetings/forum_day/chair.html",
        {
            "forum": forum,
            "statement": CONFIDENTIALITY_STATEMENT,
            "rules": BRIEFING_RULES,
            "prompts": CHAIR_PROMPTS,
            "invitations": invitations,
            "cases": cases,
            "is_coordinator": is_coordinator_of(request.user, forum),
            "scheduled": forum.state == ForumState.SCHEDULED,
        },
    )


@login_required
@require_http_methods(["POST"])
def forum_statement(request, pk: int):
    forum = forum_for(request, pk, may_run_forum)
    try:
        confidentiality_statement_read(forum=forum, by=request.user)
        messages.success(request, "The confidentiality statement is recorded as read.")
    except CafError as error:
        _error(request, error)
    return redirect("meetings:forum_chair", pk=forum.pk)


@login_required
@require_http_methods(["POST"])
def forum_attendance(request, pk: int):
    forum = forum_for(request, pk, may_run_forum)
    attended, deputies = {}, {}

    def answer(answers: dict, name: str, pk: int) -> None:
        # Only what was changed on the page: the chair and a coordinator may tick side by
        # side, and one's page shows the box as it was when it was opened (``shown_``).
        ticked = f"{name}_{pk}" in request.POST
        shown = request.POST.get(f"shown_{name}_{pk}")
        if shown is None or (shown == "yes") != ticked:
            answers[pk] = ticked

    for invitation in forum.invitations.all():
        answer(attended, "attended", invitation.pk)
        if invitation.deputy_id:
            answer(deputies, "deputy", invitation.pk)
    try:
        forum_attendance_record(
            forum=forum, by=request.user, attended=attended, deputies_attended=deputies
        )
        messages.success(request, "Attendance saved.")
    except CafError as error:
        _error(request, error)
    return redirect("meetings:forum_chair", pk=forum.pk)


@login_required
@require_http_methods(["POST"])
def forum_close_view(request, pk: int):
    forum = forum_for(request, pk, may_run_forum)
    try:
        forum_close(forum=forum, by=request.user)
        messages.success(request, "The forum is recorded as held.")
    except CafError as error:
        _error(request, error)
    return redirect("meetings:forum_chair", pk=forum.pk)


@login_required
@require_http_methods(["POST"])
def forum_circulate(request, pk: int):
    forum = forum_for(request, pk, is_coordinator_of)
    try:
        tasks = action_plans_circulate(forum=forum, by=request.user)
        messages.success(
            request, f"Action plans circulated: {len(tasks)} task{'s' if len(tasks) != 1 else ''}."
        )
    except CafError as error:
        _error(request, error)
    return redirect("meetings:forum_minutes", pk=forum.pk)


# --- A case at the forum -------------------------------------------------------------------------


def _owner_choices(nomination: Nomination):
    case = nomination.case
    agencies = [
        agency
        for agency in Agency.objects.filter(tenant_id=case.tenant_id, is_active=True)
        if not agency_excluded(case, agency)
    ]
    return agencies, lead_professional_candidates(nomination)


def _record_page(request, nomination, *, record_form=None, action_form=None, status=200):
    candidates = lead_professional_candidates(nomination)
    agencies, people = _owner_choices(nomination)
    if record_form is None:
        record_form = RecordForm(
            candidates=candidates,
            initial={
                "revision": nomination.revision,
                "needs": nomination.needs,
                "services": nomination.services,
                "lead_professional_proposed": nomination.lead_professional_proposed_id,
                "review_on": nomination.review_on,
                "anonymised_summary": nomination.anonymised_summary,
            },
        )
    if action_form is None:
        action_form = ActionForm(agencies=agencies, people=people, prefix="action")
    case_access_record(
        user=request.user, case=nomination.case, request=request, detail="forum case record"
    )
    return render(
        request,
        "meetings/forum_day/record.html",
        {
            "nomination": nomination,
            "forum": nomination.session.forum,
            "case": nomination.case,
            "form": record_form,
            "action_form": action_form,
            "actions": nomination.actions.select_related("owner_agency", "owner_user"),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def forum_case_record_view(request, pk: int):
    nomination = nomination_to_run(request, pk)
    if request.method == "GET":
        return _record_page(request, nomination)
    form = RecordForm(request.POST, candidates=lead_professional_candidates(nomination))
    if form.is_valid():
        data = form.cleaned_data
        try:
            forum_case_record(
                nomination=nomination,
                by=request.user,
                revision=data["revision"],
                needs=data["needs"],
                services=data["services"],
                lead_professional_proposed=data["lead_professional_proposed"],
                review_on=data["review_on"],
                anonymised_summary=data["anonymised_summary"],
            )
            messages.success(request, "What the forum agreed is saved.")
            return redirect("meetings:forum_case_record", pk=nomination.pk)
        except CafError as error:
            add_error_to_form(form, error)
    return _record_page(request, nomination, record_form=form, status=400)


@login_required
@require_http_methods(["POST"])
def forum_case_action(request, pk: int):
    nomination = nomination_to_run(request, pk)
    agencies, people = _owner_choices(nomination)
    form = ActionForm(request.POST, agencies=agencies, people=people, prefix="action")
    if form.is_valid():
        data = form.cleaned_data
        try:
            forum_case_action_agree(
                nomination=nomination,
                by=request.user,
                need=data["need"],
                outcome=data["outcome"],
                action=data["action"],
                owner_agency=data["owner_agency"],
                owner_user=data["owner_user"],
                owner_family_member=data["owner_family_member"],
                due_on=data["due_on"],
            )
            messages.success(request, "The action is added to the case's plan.")
            return redirect("meetings:forum_case_record", pk=nomination.pk)
        except CafError as error:
            add_error_to_form(form, error)
    return _record_page(request, nomination, action_form=form, status=400)


@login_required
@require_http_methods(["POST"])
def forum_case_heard_view(request, pk: int):
    nomination = nomination_to_run(request, pk)
    try:
        forum_case_heard(nomination=nomination, by=request.user)
        messages.success(request, f"{nomination.case.reference} is recorded as heard.")
    except CafError as error:
        _error(request, error)
    return redirect("meetings:forum_chair", pk=nomination.session.forum_id)


# --- The presenter's summary -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def presenter_summary(request, pk: int):
    nomination = nomination_for(request, pk)
    domains = summary_domains(nomination)
    is_presenter = nomination.nominated_by_id == request.user.pk
    status = 200
    form = None
    if request.method == "POST":
        if not is_presenter:
            raise not_found(request, "nomination", pk)
        form = SummaryForm(request.POST, domains=domains)
        if form.is_valid():
            try:
                presenter_summary_save(
                    nomination=nomination,
                    by=request.user,
                    revision=form.cleaned_data["revision"],
                    summary=form.summary(),
                )
                messages.success(request, "Your summary is saved.")
                return redirect("meetings:presenter_summary", pk=nomination.pk)
            except CafError as error:
                add_error_to_form(form, error)
        status = 400
    elif is_presenter:
        form = SummaryForm(
            domains=domains,
            initial={
                "revision": nomination.revision,
                **SummaryForm.initial_from(presenter_summary_of(nomination), domains),
            },
        )
    case_access_record(
        user=request.user, case=nomination.case, request=request, detail="presenter's summary"
    )
    return render(
        request,
        "meetings/forum_day/summary.html",
        {
            **summary_context(nomination),
            "form": form,
            "is_presenter": is_presenter,
            "drafted": not nomination.presenter_summary,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def presenter_summary_pdf(request, pk: int):
    return presenter_summary_pdf_response(request, nomination_for(request, pk))


@login_required
@require_http_methods(["GET"])
def action_plan_pdf(request, pk: int):
    case = get_case_for_user(request.user, pk, request=request)
    return action_plan_pdf_response(request, case)


# --- Minutes and lessons -----------------------------------------------------------------------


def may_open_minutes(user, forum) -> bool:
    if may_run_forum(user, forum):
        return True
    return forum.state == ForumState.HELD and may_read_minutes(user, forum)


@login_required
@require_http_methods(["GET", "POST"])
def forum_minutes(request, pk: int):
    forum = forum_for(request, pk, may_open_minutes)
    is_coordinator = is_coordinator_of(request.user, forum)
    status = 200
    form = None
    if request.method == "POST":
        if not is_coordinator:
            raise not_found(request, "forum", pk)
        form = MinutesForm(request.POST)
        if form.is_valid():
            try:
                forum_minutes_save(
                    forum=forum,
                    by=request.user,
                    revision=form.cleaned_data["revision"],
                    minutes=form.cleaned_data["minutes"],
                )
                messages.success(request, "The minutes are saved.")
                return redirect("meetings:forum_minutes", pk=forum.pk)
            except CafError as error:
                add_error_to_form(form, error)
        status = 400
    elif is_coordinator:
        form = MinutesForm(initial={"revision": forum.revision, "minutes": forum.minutes})
    context = minutes_context(forum, request.user)
    for nomination in context["cases"]:
        case_access_record(
            user=request.user,
            case=nomination.case,
            request=request,
            detail=f"in the minutes of forum {forum.pk}",
        )
    return render(
        request,
        "meetings/forum_day/minutes.html",
        {**context, "form": form, "is_coordinator": is_coordinator},
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def forum_minutes_pdf(request, pk: int):
    return minutes_pdf_response(request, forum_for(request, pk, may_open_minutes))


@login_required
@require_http_methods(["GET", "POST"])
def forum_lessons(request, pk: int):
    forum = forum_for(request, pk, is_coordinator_of)
    status = 200
    if request.method == "POST":
        form = LessonsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                lessons_record(
                    forum=forum,
                    by=request.user,
                    revision=data["revision"],
                    case_numbers=data["case_numbers"],
                    services_invited=data["services_invited"],
                    invitees_equipped=data["invitees_equipped"],
                    place_and_time=data["place_and_time"],
                )
                messages.success(request, "The lessons learned are saved.")
                return redirect("meetings:forum_lessons", pk=forum.pk)
            except CafError as error:
                add_error_to_form(form, error)
        status = 400
    else:
        form = LessonsForm(
            initial={
                "revision": forum.revision,
                "case_numbers": forum.lesson_case_numbers,
                "services_invited": forum.lesson_services_invited,
                "invitees_equipped": forum.lesson_invitees_equipped,
                "place_and_time": forum.lesson_place_and_time,
            }
        )
    return render(
        request,
        "meetings/forum_day/lessons.html",
        {"forum": forum, "form": form, "held": forum.state == ForumState.HELD},
        status=status,
    )
