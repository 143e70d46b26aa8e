"""Consent pages of a case, the consent PDF, and the CAF team's refusal monitoring."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from agencies.models import Role
from agencies.roles import in_caf_team, in_caf_team_as
from audit.models import AccessAction
from audit.services import access_log_record
from cafsite.errors import CafError, add_error_to_form
from cafsite.validation import parse_id
from cases.documents import stored_document_response
from cases.permissions import CHANGE, case_access_record, get_case_for_user
from consent import services
from consent.forms import (
    ConsentForm,
    EscalationForm,
    NoteForm,
    RefusalFilterForm,
    RefusalForm,
    SharingForm,
    WithdrawForm,
)
from consent.models import Consent, ConsentRefusal
from consent.selectors import current_consent, refusal_patterns


def _form_page(request, pk, form_class, template, save, success):
    """A case form page: errors beside the fields, nothing typed lost, success to the case."""
    case = get_case_for_user(request.user, pk, CHANGE, request=request)
    # A POST still reaches the service: the same submission sent twice gets its first result.
    if request.method == "GET" and template in OPEN_CASES_ONLY and not case.is_open:
        messages.error(request, "This case is closed: reopen it to record consent or a refusal.")
        return redirect("cases:detail", pk=case.pk)
    form = form_class(request.POST or None, request.FILES or None, **_form_kwargs(form_class, case))
    if request.method == "POST" and form.is_valid():
        try:
            save(case, form.cleaned_data)
        except CafError as error:
            add_error_to_form(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, success)
            return redirect("cases:detail", pk=case.pk)
    heading, button, radios, checkboxes = PAGES[template]
    return render(
        request,
        template,
        {
            "case": case,
            "form": form,
            "heading": heading,
            "button": button,
            "radios": radios,
            "checkboxes": checkboxes,
        },
    )


# Heading, button, and which fields are radios or checkboxes, per form page.
PAGES = {
    "consent/record.html": (
        "Record consent",
        "Record consent",
        ["given_by", "share_scope", "method"],
        ["agencies"],
    ),
    "consent/withdraw.html": ("Withdraw consent", "Withdraw consent", [], []),
    "consent/refusal.html": ("Record a refusal", "Record the refusal", ["refused_by"], []),
    "consent/sharing.html": ("Record a sharing decision", "Record the decision", ["ground"], []),
    "consent/note.html": ("Add a confidential note", "Save the note", [], []),
}


# A closed case takes no consent or refusal (R-CHECK-4: reopening is the way back).
OPEN_CASES_ONLY = {"consent/record.html", "consent/refusal.html"}


def _form_kwargs(form_class, case) -> dict:
    return {"case": case} if form_class in (ConsentForm, WithdrawForm) else {}


@login_required
def consent_record(request, pk: int):
    def save(case, data):
        services.consent_record(case=case, by=request.user, **data)

    return _form_page(
        request,
        pk,
        ConsentForm,
        "consent/record.html",
        save,
        "Consent recorded. The agencies it names can now see the case.",
    )


@login_required
def consent_withdraw(request, pk: int):
    def save(case, data):
        services.consent_withdraw(case=case, by=request.user, **data)

    return _form_page(
        request,
        pk,
        WithdrawForm,
        "consent/withdraw.html",
        save,
        "Consent withdrawn. Access through it has ended.",
    )


@login_required
def refusal_record(request, pk: int):
    def save(case, data):
        services.refusal_record(case=case, by=request.user, **data)

    return _form_page(
        request, pk, RefusalForm, "consent/refusal.html", save, "The refusal is recorded."
    )


@login_required
def sharing_record(request, pk: int):
    def save(case, data):
        services.sharing_decision_record(case=case, by=request.user, **data)

    return _form_page(
        request, pk, SharingForm, "consent/sharing.html", save, "The sharing decision is recorded."
    )


@login_required
def note_add(request, pk: int):
    def save(case, data):
        services.confidential_note_add(case=case, by=request.user, **data)

    return _form_page(
        request, pk, NoteForm, "consent/note.html", save, "Your confidential note is saved."
    )


@login_required
def consent_pdf(request, pk: int):
    """The family's copy of the consent, marked OFFICIAL-SENSITIVE with who printed it and
    when on every page (R-AUDIT-4); each print is logged."""
    from weasyprint import HTML  # heavy: loaded when a PDF is asked for

    case = get_case_for_user(request.user, pk, request=request)
    consent = current_consent(case)
    if consent is None:
        raise Http404("No consent on record.")
    printed_at = timezone.localtime()
    html = render_to_string(
        "consent/pdf.html",
        {
            "case": case,
            "consent": consent,
            "grants": consent.grants.filter(revoked_at__isnull=True).select_related("agency"),
            "named": consent.agencies.select_related("agency"),
            "printed_by": request.user,
            "printed_at": printed_at,
        },
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    case_access_record(
        user=request.user, case=case, request=request, action=AccessAction.PRINT, detail="consent"
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    # Saved, not shown in the browser's viewer: Back after signing out cannot bring it back
    # (it is also never stored by any cache: security.middleware.NoStoreMiddleware).
    response["Content-Disposition"] = f'attachment; filename="{case.reference}-consent.pdf"'
    return response


def scan_response(request, case, consent_pk: int) -> FileResponse:
    """The scan of a signed consent form of a case the caller may see (cases.documents)."""
    consent = Consent.objects.filter(case=case, pk=consent_pk).exclude(scan="").first()
    if consent is None:
        raise Http404("No scan on record.")
    return stored_document_response(
        request=request,
        case=case,
        document=consent.scan,
        filename_stem=f"{case.reference}-consent-{consent.pk}",
        detail=f"consent scan {consent.pk}",
    )


@login_required
def consent_scan(request, pk: int, consent_pk: int):
    case = get_case_for_user(request.user, pk, request=request)
    return scan_response(request, case, consent_pk)


REFUSALS_SHOWN = 200


@login_required
def refusals(request):
    """Refusals in the tenant by agency, area and time, with repeated patterns (R-CONSENT-7)."""
    if not in_caf_team(request.user):
        raise Http404
    refusals_in_tenant = ConsentRefusal.objects.filter(
        tenant_id=request.user.tenant_id
    ).select_related("agency", "practitioner")
    filters = RefusalFilterForm(request.GET or None, tenant_id=request.user.tenant_id)
    if filters.is_bound and filters.is_valid():
        chosen = filters.cleaned_data
        if chosen["agency"]:
            refusals_in_tenant = refusals_in_tenant.filter(agency=chosen["agency"])
        if chosen["area"].strip():
            refusals_in_tenant = refusals_in_tenant.filter(
                postcode__istartswith=chosen["area"].strip()
            )
        if chosen["date_from"]:
            refusals_in_tenant = refusals_in_tenant.filter(refused_on__gte=chosen["date_from"])
        if chosen["date_to"]:
            refusals_in_tenant = refusals_in_tenant.filter(refused_on__lte=chosen["date_to"])
    rows = list(refusals_in_tenant[:REFUSALS_SHOWN])
    access_log_record(
        action=AccessAction.LIST,
        user=request.user,
        request=request,
        detail=f"refusals: {len(rows)} shown",
    )
    form = EscalationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ids = [parse_id(i) for i in form.cleaned_data["refusals"].split(",") if parse_id(i)]
        chosen = list(ConsentRefusal.objects.filter(pk__in=ids, tenant_id=request.user.tenant_id))
        try:
            services.refusal_escalate(
                by=request.user,
                refusals=chosen,
                pattern=form.cleaned_data["pattern"],
                escalated_to=form.cleaned_data["escalated_to"],
                reason=form.cleaned_data["reason"],
            )
        except services.ConsentError as error:
            add_error_to_form(form, error)
        else:
            messages.success(request, "The pattern has been escalated and recorded.")
            return redirect("consent:refusals")
    return render(
        request,
        "consent/refusals.html",
        {
            "refusals": rows,
            "patterns": refusal_patterns(request.user.tenant_id, rows),
            "form": form,
            "filters": filters,
            "can_escalate": in_caf_team_as(request.user, Role.CAF_COORDINATOR, Role.MANAGER),
        },
    )
