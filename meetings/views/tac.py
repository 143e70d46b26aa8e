"""Pages of a case's team-around-the-child meetings (R-TAC-1..2): the list, arranging one,
the meeting page with seed 003's agenda, and one page for each thing done to a meeting.

Everyone who sees the case sees its meetings; arranging one is for the assessor, the lead
professional and the CAF team; changing one needs CHANGE on the case (or being its lead
professional or convener: ``meetings.services.tac.may_change``); answering an invitation is
for the invited practitioner alone. Anyone else gets the 404 of a case that does not exist."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies.models import Agency, User
from audit.models import AccessAction
from cafsite.errors import add_error_to_form
from cafsite.forms import GovukFormMixin
from cafsite.validation import parse_id
from cases.permissions import case_access_record, get_case_for_user
from meetings.models import MeetingState, ParticipantKind, ParticipantResponse
from meetings.pdf import tac_pdf
from meetings.selectors import first_tac_due_for, get_meeting_for_user, meetings_of
from meetings.services import MeetingError
from meetings.services import tac as services
from meetings.services.tac import (
    NAME_MAX,
    NOTES_MAX,
    PURPOSE_MAX,
    REASON_MAX,
    RELATIONSHIP_MAX,
    UPDATE_MAX,
    StaleRevision,
    may_change,
    may_convene,
)

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]
DATE_HINT = "For example, 27/3/2027"
DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%d/%m/%y %H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]
DATETIME_HINT = "Day/month/year and the time, for example 27/3/2027 14:30"


def _datetime(label: str, **kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=DATETIME_FORMATS,
        help_text=DATETIME_HINT,
        error_messages={
            "required": f"Enter the {label.lower()}.",
            "invalid": "Enter the date and time as day/month/year hours:minutes, like "
            "27/3/2027 14:30.",
        },
        **kwargs,
    )


def _date(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        help_text=DATE_HINT,
        error_messages={
            "required": f"Enter the {label.lower()}.",
            "invalid": "Enter the date as day/month/year, like 27/3/2027.",
        },
        **kwargs,
    )


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


def _form_page(request, case, form, *, heading, button, meeting=None, intro="", **extra):
    return render(
        request,
        "meetings/tac_form.html",
        {
            "case": case,
            "meeting": meeting,
            "form": form,
            "heading": heading,
            "button": button,
            "intro": intro,
            **extra,
        },
    )


# --- The list and arranging a meeting ---------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def meeting_list(request, pk: int):
    case = get_case_for_user(request.user, pk, request=request)
    meetings = meetings_of(case)
    case_access_record(user=request.user, case=case, request=request, detail="TAC meetings")
    return render(
        request,
        "meetings/tac_list.html",
        {
            "case": case,
            "meetings": meetings,
            "first_tac_by": first_tac_due_for(case, meetings),
            "can_convene": may_convene(request.user, case),
        },
    )


class ConveneForm(GovukFormMixin, forms.Form):
    scheduled_at = _datetime("Date and time")
    venue = _text(
        "Venue",
        NAME_MAX,
        required=True,
        help_text="Somewhere that suits the child and family (seed guidance: think about "
        "accessibility).",
    )
    purpose = _text("Purpose of the meeting", PURPOSE_MAX, rows=3)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request, pk: int):
    case = get_case_for_user(request.user, pk, request=request)
    if not may_convene(request.user, case):
        raise Http404("No such case.")
    form = ConveneForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.tac_convene(case=case, by=request.user, **form.cleaned_data)
        except MeetingError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "The meeting is arranged. Now invite the team.")
            return redirect("meetings:detail", pk=case.pk, meeting_pk=meeting.pk)
    return _form_page(
        request,
        case,
        form,
        heading="Arrange a team around the child meeting",
        button="Arrange the meeting",
        intro="Invite the practitioners you and the family agreed are best placed to help, "
        "and the family. The family attends unless it is impossible; the meeting goes ahead "
        "if they do not.",
    )


# --- The meeting ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def meeting_detail(request, pk: int, meeting_pk: int):
    case, meeting = get_meeting_for_user(request.user, pk, meeting_pk, request=request)
    participants = list(meeting.participants.select_related("user", "agency"))
    mine = next((p for p in participants if p.user_id == request.user.pk), None)
    case_access_record(
        user=request.user, case=case, request=request, detail=f"TAC meeting {meeting.pk}"
    )
    changeable = may_change(request.user, meeting)
    return render(
        request,
        "meetings/tac_detail.html",
        {
            "case": case,
            "meeting": meeting,
            "participants": participants,
            "practitioners": [p for p in participants if p.kind == ParticipantKind.PRACTITIONER],
            "family": [p for p in participants if p.kind == ParticipantKind.FAMILY],
            "actions": meeting.actions.select_related("owner_agency", "owner_user"),
            "mine": mine,
            "can_change": changeable,
            "planned": meeting.state == MeetingState.PLANNED,
            "warning": services.too_many_services_warning(meeting) if changeable else "",
        },
    )


def _changeable(request, pk, meeting_pk):
    case, meeting = get_meeting_for_user(request.user, pk, meeting_pk, request=request)
    if not may_change(request.user, meeting):
        raise Http404("No such meeting.")
    return case, meeting


def _back(case, meeting):
    return redirect("meetings:detail", pk=case.pk, meeting_pk=meeting.pk)


class RecordForm(GovukFormMixin, forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    purpose = _text("Purpose of the meeting and everyone's expectations", PURPOSE_MAX, rows=3)
    chaired_by = _text("Who chairs the meeting", NAME_MAX)
    recorded_by_name = _text("Who records the meeting", NAME_MAX)
    consent_checked = forms.BooleanField(
        label="The family's consent to share information was checked", required=False
    )
    confidentiality_agreed = forms.BooleanField(
        label="The level of confidentiality was agreed", required=False
    )
    actions_reviewed = _text(
        "Progress of the actions agreed at the last meeting", NOTES_MAX, rows=5
    )
    development_notes = _text("The child's or young person's development", NOTES_MAX, rows=5)
    parenting_notes = _text("Parents and carers", NOTES_MAX, rows=5)
    family_environment_notes = _text("Family and environment", NOTES_MAX, rows=5)
    lead_professional_proposed = forms.ChoiceField(
        label="Lead professional proposed",
        required=False,
        help_text="An invited practitioner. They become the lead professional once they "
        "accept; the assessor is not the lead by default.",
        error_messages={"invalid_choice": "Choose a practitioner invited to this meeting."},
    )
    next_meeting_at = _datetime("Next meeting", required=False)
    next_meeting_venue = _text("Venue of the next meeting", NAME_MAX)

    def __init__(self, *args, practitioners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_professional_proposed"].choices = [("", "Not yet agreed")] + [
            (str(p.user_id), f"{_name(p.user)} ({p.agency.name})") for p in practitioners
        ]


def _record_initial(meeting) -> dict:
    initial = {field: getattr(meeting, field) for field in services.RECORD_FIELDS}
    initial["lead_professional_proposed"] = meeting.lead_professional_proposed_id or ""
    initial["revision"] = meeting.revision
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def meeting_record(request, pk: int, meeting_pk: int):
    """The record of the meeting, agenda item by agenda item. Saved on the revision it was
    opened at: a record saved by someone else meanwhile is shown beside the user's own text,
    which stays in the form (never lost)."""
    case, meeting = _changeable(request, pk, meeting_pk)
    practitioners = list(
        meeting.participants.filter(kind=ParticipantKind.PRACTITIONER).select_related(
            "user", "agency"
        )
    )
    if request.method != "POST":
        form = RecordForm(initial=_record_initial(meeting), practitioners=practitioners)
        return _record_page(request, case, meeting, form)
    form = RecordForm(request.POST, practitioners=practitioners)
    current = None
    if form.is_valid():
        data = dict(form.cleaned_data)
        revision = data.pop("revision")
        proposed = parse_id(data.pop("lead_professional_proposed"))
        data["lead_professional_proposed"] = (
            User.objects.filter(pk=proposed).first() if proposed else None
        )
        try:
            services.tac_record(meeting=meeting, by=request.user, revision=revision, **data)
        except StaleRevision as error:
            current = error.current
            # The user's text stays; saving again is on the revision now shown beside it.
            posted = request.POST.copy()
            posted["revision"] = str(current.revision)
            form = RecordForm(posted, practitioners=practitioners)
            form.is_valid()
            add_error_to_form(form, error)
        except MeetingError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "The record of the meeting is saved.")
            return _back(case, meeting)
    return _record_page(request, case, meeting, form, current=current)


def _record_page(request, case, meeting, form, current=None):
    return _form_page(
        request,
        case,
        form,
        meeting=meeting,
        heading="Record the meeting",
        button="Save the record",
        intro="Follow the agenda: introductions, purpose, consent and confidentiality, "
        "review of actions, the three domains of the CAF, actions, the lead professional, "
        "the next meeting.",
        current=current,
        current_fields=[
            (form.fields[name].label, getattr(current, name))
            for name in services.RECORD_FIELDS
            if name in form.fields
        ]
        if current is not None
        else [],
    )


class InviteForm(GovukFormMixin, forms.Form):
    practitioner = forms.ChoiceField(
        label="A practitioner",
        required=False,
        help_text="Only agencies the family agreed to share this case with are offered.",
        error_messages={"invalid_choice": "Choose a practitioner from the list."},
    )
    name = _text("Or a family member: their name", NAME_MAX)
    relationship = _text(
        "Their relationship to the child", RELATIONSHIP_MAX, help_text="For example, mother."
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = [("", "Choose a practitioner")] + [
            (f"{user.pk}:{agency.pk}", f"{_name(user)} ({agency.name})") for user, agency in people
        ]


@login_required
@require_http_methods(["GET", "POST"])
def meeting_invite(request, pk: int, meeting_pk: int):
    case, meeting = _changeable(request, pk, meeting_pk)
    invited = set(meeting.participants.values_list("user_id", flat=True))
    people = [(u, a) for u, a in services.invitable_practitioners(case) if u.pk not in invited]
    form = InviteForm(request.POST if request.method == "POST" else None, people=people)
    if request.method == "POST" and form.is_valid():
        user = agency = None
        if form.cleaned_data["practitioner"]:
            user_id, agency_id = form.cleaned_data["practitioner"].split(":")
            user = User.objects.get(pk=int(user_id))
            agency = Agency.objects.get(pk=int(agency_id))
        try:
            participant = services.tac_participant_invite(
                meeting=meeting,
                by=request.user,
                user=user,
                agency=agency,
                name=form.cleaned_data["name"],
                relationship=form.cleaned_data["relationship"],
            )
        except MeetingError as error:
            if error.field in ("user", "agency"):
                error.field = "practitioner"
            add_error_to_form(form, error)
        else:
            messages.success(request, f"{participant} is invited.")
            warning = services.too_many_services_warning(meeting)
            if warning:
                messages.warning(request, warning)
            return _back(case, meeting)
    return _form_page(
        request,
        case,
        form,
        meeting=meeting,
        heading="Invite someone to the meeting",
        button="Invite",
        intro="Think about the numbers and who really needs to be there: this is not a "
        "professionals' meeting to which the family is invited. Invite one person at a time.",
    )


class RespondForm(GovukFormMixin, forms.Form):
    response = forms.ChoiceField(
        label="Will you attend?",
        choices=[
            (ParticipantResponse.ATTENDING.value, "Yes, I will attend"),
            (ParticipantResponse.APOLOGIES.value, "No, I send my apologies"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether you will attend."},
    )
    written_update = _text(
        "Your written update",
        UPDATE_MAX,
        rows=6,
        help_text="If you cannot attend: an update on your actions and anything new the team "
        "should know, at least two days before the meeting. It is read at the meeting.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_respond(request, pk: int, meeting_pk: int):
    case, meeting = get_meeting_for_user(request.user, pk, meeting_pk, request=request)
    participant = meeting.participants.filter(
        user=request.user, kind=ParticipantKind.PRACTITIONER
    ).first()
    if participant is None:
        raise Http404("No such invitation.")
    form = RespondForm(
        request.POST if request.method == "POST" else None,
        initial={
            "response": participant.response
            if participant.response != ParticipantResponse.INVITED
            else None,
            "written_update": participant.written_update,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.tac_participant_respond(
                participant=participant, by=request.user, **form.cleaned_data
            )
        except MeetingError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "Your answer is saved.")
            return _back(case, meeting)
    return _form_page(
        request,
        case,
        form,
        meeting=meeting,
        heading="Your invitation",
        button="Send",
        radios=["response"],
    )


class ActionForm(GovukFormMixin, forms.Form):
    need = _text("The need, with the strengths alongside it", 2000, required=True, rows=3)
    outcome = _text("The outcome: what will be different, and how we will know", 2000, rows=3)
    action = _text("What will be done", 2000, required=True, rows=3)
    owner = forms.ChoiceField(
        label="Who will do it: an agency or a practitioner",
        required=False,
        help_text="An action for another agency is a request until that agency accepts it.",
        error_messages={"invalid_choice": "Choose from the list."},
    )
    owner_family_member = _text("Or a family member: their name", NAME_MAX)
    due_on = _date("By when")

    def __init__(self, *args, agencies, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = (
            [("", "Choose who")]
            + [(f"agency:{a.pk}", a.name) for a in agencies]
            + [(f"user:{u.pk}:{a.pk}", f"{_name(u)} ({a.name})") for u, a in people]
        )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_action(request, pk: int, meeting_pk: int):
    case, meeting = _changeable(request, pk, meeting_pk)
    form = ActionForm(
        request.POST if request.method == "POST" else None,
        agencies=services.invitable_agencies(case),
        people=services.invitable_practitioners(case),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        owner = data.pop("owner").split(":") if data["owner"] else []
        owner_agency = owner_user = None
        if owner:
            owner_agency = Agency.objects.get(pk=int(owner[-1]))
            if owner[0] == "user":
                owner_user = User.objects.get(pk=int(owner[1]))
        try:
            services.tac_action_agree(
                meeting=meeting,
                by=request.user,
                owner_agency=owner_agency,
                owner_user=owner_user,
                **data,
            )
        except MeetingError as error:
            if error.field in ("owner_agency", "owner_user"):
                error.field = "owner"
            add_error_to_form(form, error)
        else:
            messages.success(request, "The action is added to the plan.")
            return _back(case, meeting)
    return _form_page(
        request,
        case,
        form,
        meeting=meeting,
        heading="Agree an action",
        button="Add the action",
        intro="Who is responsible, and by when. No one promises another service's actions.",
    )


class HoldForm(GovukFormMixin, forms.Form):
    held_on = _date("Date the meeting was held")

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        for participant in participants:
            label = str(participant)
            if participant.agency_id:
                label += f" ({participant.agency.name})"
            elif participant.relationship:
                label += f" ({participant.relationship})"
            self.fields[f"attended_{participant.pk}"] = forms.BooleanField(
                label=f"{label} attended", required=False
            )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_hold(request, pk: int, meeting_pk: int):
    """Who attended, and the date: the meeting is held and the assessment gets its new
    version; if a version cannot be made now, the page says why and nothing changes."""
    case, meeting = _changeable(request, pk, meeting_pk)
    participants = list(meeting.participants.select_related("user", "agency"))
    form = HoldForm(
        request.POST if request.method == "POST" else None,
        participants=participants,
        initial={
            f"attended_{p.pk}": p.response == ParticipantResponse.ATTENDING for p in participants
        },
    )
    if request.method == "POST" and form.is_valid():
        attendance = {p.pk: form.cleaned_data[f"attended_{p.pk}"] for p in participants}
        try:
            services.tac_hold(
                meeting=meeting,
                by=request.user,
                held_on=form.cleaned_data["held_on"],
                attendance=attendance,
            )
        except MeetingError as error:
            add_error_to_form(form, error)
        else:
            messages.success(
                request,
                "The meeting is recorded as held, and a new version of the assessment is made "
                "for the team's updates.",
            )
            return _back(case, meeting)
    return _form_page(
        request,
        case,
        form,
        meeting=meeting,
        heading="Record that the meeting was held",
        button="Record the meeting as held",
        intro="Tick who attended. Holding the meeting makes a new version of the assessment, "
        "so the team's updates are recorded on it; the earlier version stays as it was.",
    )


class CancelForm(GovukFormMixin, forms.Form):
    reason = _text("Why is the meeting cancelled?", REASON_MAX, required=True, rows=3)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_cancel(request, pk: int, meeting_pk: int):
    case, meeting = _changeable(request, pk, meeting_pk)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tac_cancel(meeting=meeting, by=request.user, **form.cleaned_data)
        except MeetingError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "The meeting is cancelled.")
            return _back(case, meeting)
    return _form_page(
        request,
        case,
        form,
        meeting=meeting,
        heading="Cancel the meeting",
        button="Cancel the meeting",
        intro="Tell those invited yourself: no email with case details is sent.",
    )


# --- The PDFs ---------------------------------------------------------------------------------


def pdf_response(request, case, meeting, kind: str) -> HttpResponse:
    """The agenda or minutes as a download, never cached; the print is in the access log."""
    pdf = tac_pdf(
        meeting,
        kind,
        printed_by=request.user,
        printed_at=timezone.localtime(),
        base_url=request.build_absolute_uri("/"),
    )
    case_access_record(
        user=request.user,
        case=case,
        request=request,
        action=AccessAction.PRINT,
        detail=f"TAC meeting {meeting.pk} {kind}",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{case.reference}-tac-{meeting.pk}-{kind}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET"])
def agenda_pdf(request, pk: int, meeting_pk: int):
    case, meeting = get_meeting_for_user(request.user, pk, meeting_pk, request=request)
    return pdf_response(request, case, meeting, "agenda")


@login_required
@require_http_methods(["GET"])
def minutes_pdf(request, pk: int, meeting_pk: int):
    case, meeting = get_meeting_for_user(request.user, pk, meeting_pk, request=request)
    return pdf_response(request, case, meeting, "minutes")
