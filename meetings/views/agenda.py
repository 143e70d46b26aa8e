"""The agenda of a forum session (R-MAF-3): read by everyone of the tenant's casework who may
see the forum, each seeing only the cases they may see; built, reordered and confirmed by the
coordinator, confirmed by the forum's chair. Works without JavaScript: the hand order is a
place number per row. And the forum's PDFs: the agenda and the sign-in sheet (R-AUDIT-4)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies.models import Role
from agencies.roles import in_caf_team, in_caf_team_as
from audit.models import AccessAction, AccessLogEntry
from audit.services import access_log_record
from cafsite.errors import add_error_to_form
from cafsite.forms import GovukFormMixin
from cafsite.validation import parse_id
from cases.permissions import acting_agency_id, casework_access
from meetings.forum_pdf import agenda_pdf, sign_in_pdf
from meetings.models import Forum, ForumSession, NominationState
from meetings.services import MeetingError
from meetings.services.agenda import (
    agenda_build,
    agenda_confirm,
    agenda_reorder,
    agenda_rows,
    confirmation_left,
    may_confirm_as,
)
from meetings.services.nominations import visible_nominations

LARGEST_PLACE = 200


def session_for_user(user, pk) -> ForumSession:
    """The session ``pk`` if ``user`` works in casework for its tenant; otherwise 404, as for a
    session that does not exist."""
    access = casework_access(user)
    session_id = parse_id(pk)
    if access is None or session_id is None:
        raise Http404("No such session.")
    session = (
        ForumSession.objects.select_related("forum__season", "forum__chair")
        .filter(pk=session_id, forum__tenant_id=access.tenant_id)
        .first()
    )
    if session is None:
        raise Http404("No such session.")
    return session


def forum_for_user(user, pk) -> Forum:
    access = casework_access(user)
    forum_id = parse_id(pk)
    if access is None or forum_id is None:
        raise Http404("No such forum.")
    forum = (
        Forum.objects.select_related("season", "chair", "tenant")
        .filter(pk=forum_id, tenant_id=access.tenant_id)
        .first()
    )
    if forum is None:
        raise Http404("No such forum.")
    return forum


def agenda_view_rows(user, session: ForumSession):
    """What ``user`` sees of the session's agenda: the scheduled cases in order, the cases
    proposed for deferral, and those already deferred, each only if they may see the case."""
    visible = list(visible_nominations(user, agenda_rows(session)))
    scheduled = sorted(
        (n for n in visible if n.state == NominationState.SCHEDULED),
        key=lambda n: (n.position or 0, n.pk),
    )
    proposed = [n for n in visible if n.state == NominationState.NOMINATED and n.deferral_reason]
    unplaced = [
        n for n in visible if n.state == NominationState.NOMINATED and not n.deferral_reason
    ]
    deferred = list(
        visible_nominations(
            user, session.nominations.filter(state=NominationState.DEFERRED)
        ).select_related("case__child", "nominated_by", "nominated_by_agency")
    )
    return scheduled, proposed, unplaced, deferred


class OrderForm(GovukFormMixin, forms.Form):
    """A place number for each case on the agenda."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31)

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        for row in self.rows:
            self.fields[f"place_{row.pk}"] = forms.IntegerField(
                label=f"Place of {row.case.reference}",
                min_value=1,
                max_value=LARGEST_PLACE,
                initial=row.position,
                widget=forms.NumberInput(attrs={"class": "govuk-input--width-2"}),
                error_messages={
                    "required": f"Give {row.case.reference} a place on the agenda.",
                    "invalid": "Enter the place as a whole number, like 3.",
                    "min_value": "Places start at 1.",
                    "max_value": f"Enter a place up to {len(self.rows)}.",
                },
            )

    def order(self) -> list[int]:
        """Nomination ids by the places typed; equal places keep the current order."""
        return [
            row.pk
            for row in sorted(
                self.rows,
                key=lambda row: (self.cleaned_data[f"place_{row.pk}"], row.position or 0, row.pk),
            )
        ]

    def place_field(self, row):
        return self[f"place_{row.pk}"]


def _roles(user, session):
    return {
        "is_coordinator": in_caf_team_as(user, Role.CAF_COORDINATOR),
        "confirm_as": may_confirm_as(user, session),
        "confirmation_left": confirmation_left(user, session),
    }


@login_required
@require_http_methods(["GET", "POST"])
def agenda(request, pk: int):
    session = session_for_user(request.user, pk)
    user = request.user
    roles = _roles(user, session)
    form = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            revision = int(request.POST.get("revision", ""))
        except ValueError:
            revision = None
        if action == "build":
            try:
                agenda_build(session=session, by=user, revision=revision)
            except MeetingError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, "The agenda is built. The chair and you confirm it.")
            return redirect("meetings:agenda", pk=session.pk)
        if action == "confirm":
            try:
                session = agenda_confirm(session=session, by=user, revision=revision)
            except MeetingError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    "Agenda confirmed. The deferred cases are moved to the next forum."
                    if session.agenda_confirmed
                    else "Your confirmation is recorded.",
                )
            return redirect("meetings:agenda", pk=session.pk)
        if action == "reorder" and roles["is_coordinator"]:
            scheduled = agenda_view_rows(user, session)[0]
            form = OrderForm(request.POST, rows=scheduled)
            if form.is_valid():
                try:
                    agenda_reorder(
                        session=session,
                        by=user,
                        order=form.order(),
                        revision=form.cleaned_data["revision"],
                    )
                except MeetingError as error:
                    add_error_to_form(form, error)
                else:
                    messages.success(request, "The agenda is re-timed in your order.")
                    return redirect("meetings:agenda", pk=session.pk)
        else:
            return HttpResponseBadRequest("Choose build, reorder or confirm.")
    scheduled, proposed, unplaced, deferred = agenda_view_rows(user, session)
    if form is None and roles["is_coordinator"]:
        form = OrderForm(initial={"revision": session.revision}, rows=scheduled)
    sees_all = in_caf_team(user)
    access_log_record(
        action=AccessAction.LIST,
        user=user,
        request=request,
        tenant_id=session.forum.tenant_id,
        detail=f"forum session {session.pk} agenda: {len(scheduled) + len(proposed)} shown",
    )
    if form is not None and form.is_bound:
        # The order the coordinator typed stays on the page, next to the agenda as stored.
        session.refresh_from_db()
    return render(
        request,
        "meetings/agenda/agenda.html",
        {
            "session": session,
            "forum": session.forum,
            "scheduled": scheduled,
            "proposed": proposed,
            "unplaced": unplaced,
            "deferred": deferred,
            "sees_all": sees_all,
            "form": form,
            "rows_with_fields": [(row, form.place_field(row)) for row in scheduled]
            if form is not None
            else [(row, None) for row in scheduled],
            **roles,
            "may_confirm": roles["confirmation_left"] != ""
            and session.agenda_built_at is not None
            and not session.agenda_confirmed,
        },
        status=400 if form is not None and form.is_bound else 200,
    )


def _log_prints(request, cases, detail: str) -> None:
    """One print entry per case, each under the agency the user acted for on it, written in
    one insert: the first through ``access_log_record``, the rest as copies of it."""
    if not cases:
        return
    user = request.user
    caf_team = in_caf_team(user)
    memo: dict[int, int | None] = {}

    def acting(case):
        if not caf_team:
            return acting_agency_id(user, case)
        # For the CAF team the answer depends on the case's assessing agency alone.
        if case.assessor_agency_id not in memo:
            memo[case.assessor_agency_id] = acting_agency_id(user, case)
        return memo[case.assessor_agency_id]

    first = access_log_record(
        action=AccessAction.PRINT,
        user=user,
        request=request,
        case=cases[0],
        agency_id=acting(cases[0]),
        detail=detail,
    )
    copies = []
    for case in cases[1:]:
        copy = copy_entry(first)
        copy.case_id, copy.child_id, copy.agency_id = case.pk, case.child_id, acting(case)
        copies.append(copy)
    AccessLogEntry.objects.bulk_create(copies)


def copy_entry(entry: AccessLogEntry) -> AccessLogEntry:
    return AccessLogEntry(
        **{
            field.attname: getattr(entry, field.attname)
            for field in AccessLogEntry._meta.concrete_fields
            if not field.primary_key
        }
    )


def _pdf_response(request, forum: Forum, kind: str) -> HttpResponse:
    """The PDF as a download, never cached; the print is logged against every case it shows
    (or once, for the tenant, when it shows none)."""
    render_pdf = agenda_pdf if kind == "agenda" else sign_in_pdf
    pdf, shown = render_pdf(
        forum,
        printed_by=request.user,
        printed_at=timezone.localtime(),
        base_url=request.build_absolute_uri("/"),
    )
    what = f"forum {'agenda' if kind == 'agenda' else 'sign-in sheet'} of {forum.held_on:%d/%m/%Y}"
    cases = {nomination.case_id: nomination.case for nomination in shown}
    _log_prints(request, list(cases.values()), what)
    if not cases:
        access_log_record(
            action=AccessAction.PRINT,
            user=request.user,
            request=request,
            tenant_id=forum.tenant_id,
            detail=f"{what}, no case shown",
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="forum-{forum.held_on:%Y-%m-%d}-{kind}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET"])
def forum_agenda_pdf(request, pk: int):
    return _pdf_response(request, forum_for_user(request.user, pk), "agenda")


@login_required
@require_http_methods(["GET"])
def forum_sign_in_pdf(request, pk: int):
    return _pdf_response(request, forum_for_user(request.user, pk), "sign-in")
