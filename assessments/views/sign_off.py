"""Sign-off of the assessment, its PDF (the family's copy), the stored signature scan and the
copies given (R-ASSESS-4, R-AUDIT-4). Thin: forms parse, the services in
``assessments.services.sign_off`` decide, and reads go through the case's access model."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from agencies.models import Agency, AgencyKind
from assessments.models import (
    Assessment,
    AssessmentVersion,
    CopyRecipient,
    Distribution,
)
from assessments.pdf import assessment_pdf as render_assessment_pdf
from assessments.selectors import current_version, get_assessment_for_user
from assessments.services import version_is_editable
from assessments.services.sign_off import (
    LATER_RECIPIENTS,
    assessment_sign_off,
    incomplete_sections,
    signed_versions,
)
from assessments.services.sign_off import (
    distribution_record as record_distribution,
)
from audit.models import AccessAction
from cafsite.errors import CafError, add_error_to_form
from cafsite.forms import GovukFormMixin
from cafsite.uploads import UploadError, checked_document
from cafsite.validation import parse_id
from cases.documents import stored_document_response
from cases.permissions import CHANGE, case_access_record
from deadlines.rules import submission_due

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]
DATE_HINT = "For example, 27/3/2026"


def _date(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        help_text=DATE_HINT,
        error_messages={
            "required": f"Enter the {label.lower()}.",
            "invalid": "Enter the date as day/month/year, like 27/3/2026.",
        },
        **kwargs,
    )


class FirstRadioSelect(forms.RadioSelect):
    """Radios whose label target is the first radio, so the error summary's link lands on it."""

    def id_for_label(self, id_, index=None):
        return f"{id_}_0" if id_ and index is None else super().id_for_label(id_, index)


class SignOffForm(GovukFormMixin, forms.Form):
    assessor_signed_name = forms.CharField(
        max_length=200, required=False, label="Assessor's name as signed"
    )
    assessor_signed_on = _date("Date the assessor signed")
    family_signed_name = forms.CharField(
        max_length=200, required=False, label="Name of the child or parent who signed"
    )
    family_signed_relationship = forms.CharField(
        max_length=100,
        required=False,
        label="Who they are",
        help_text="For example: the child, mother, father, foster carer.",
    )
    family_signed_on = _date("Date the child or parent signed")
    signature_scan = forms.FileField(
        required=False,
        label="Scan of the signed page (optional)",
        help_text="Instead of typed names: a PDF, JPEG or PNG file, 10 MB or smaller.",
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    family_copy = forms.ChoiceField(
        choices=[
            ("give", "Yes, give the family a copy"),
            ("withhold", "No, giving it could put the child at risk"),
        ],
        widget=FirstRadioSelect,
        label="Will the family be given a copy?",
        error_messages={"required": "Say whether the family will be given a copy."},
    )
    family_copy_withheld_reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="If the family is not given a copy: why giving it could put the child at risk",
        help_text="This reason is recorded.",
    )

    def clean_signature_scan(self):
        scan = self.cleaned_data["signature_scan"]
        if not scan:
            return scan
        try:
            return checked_document(scan, field="signature_scan")
        except UploadError as error:
            raise forms.ValidationError(error.message) from error


@login_required
@require_http_methods(["GET", "POST"])
def sign_off(request, pk: int):
    """Sign off the current version: signatures, the family's copy, and what follows (the
    28 days to submit to the CAF team, R-ASSESS-5)."""
    assessment = get_assessment_for_user(request.user, pk, CHANGE, request=request)
    case = assessment.case
    version = current_version(assessment)
    version.assessment = assessment
    posted = request.method == "POST"
    form = SignOffForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment_sign_off(
                version=version,
                by=request.user,
                assessor_signed_name=data["assessor_signed_name"],
                assessor_signed_on=data["assessor_signed_on"],
                family_signed_name=data["family_signed_name"],
                family_signed_relationship=data["family_signed_relationship"],
                family_signed_on=data["family_signed_on"],
                signature_scan=data["signature_scan"] or None,
                family_copy_withheld_reason=data["family_copy_withheld_reason"],
                withhold_family_copy=data["family_copy"] == "withhold",
            )
        except CafError as error:
            add_error_to_form(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "The assessment is signed off. Submit it to the CAF team within 28 days."
            )
            return redirect("assessments:sign_off", pk=case.pk)
    if request.method == "GET":
        case_access_record(
            user=request.user, case=case, request=request, detail="assessment sign-off"
        )
    editable = version_is_editable(version)
    return render(
        request,
        "assessments/sign_off_page.html",
        {
            "case": case,
            "assessment": assessment,
            "version": version,
            "form": form,
            "editable": editable,
            "incomplete": incomplete_sections(version) if editable else [],
            "deadline": submission_due(timezone.localdate()),
        },
    )


def asked_version(assessment: Assessment, raw) -> AssessmentVersion:
    """The version asked for (``?version=N``), the current one by default; 404 otherwise."""
    if raw in (None, ""):
        version = current_version(assessment)
    else:
        number = parse_id(raw)
        version = (
            assessment.versions.filter(number=number).select_related("completing_agency").first()
            if number is not None and number < 2**15
            else None
        )
    if version is None:
        raise Http404("No such version.")
    version.assessment = assessment
    return version


def pdf_response(request, assessment: Assessment, version: AssessmentVersion) -> HttpResponse:
    """The PDF of ``version`` as a download; the print is logged with the version number."""
    case = assessment.case
    pdf = render_assessment_pdf(
        version,
        printed_by=request.user,
        printed_at=timezone.localtime(),
        base_url=request.build_absolute_uri("/"),
    )
    case_access_record(
        user=request.user,
        case=case,
        request=request,
        action=AccessAction.PRINT,
        detail=f"assessment version {version.number}",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    # Saved, not shown in the browser's viewer (as the consent PDF).
    response["Content-Disposition"] = (
        f'attachment; filename="{case.reference}-assessment-v{version.number}.pdf"'
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET"])
def assessment_pdf(request, pk: int):
    assessment = get_assessment_for_user(request.user, pk, request=request)
    return pdf_response(request, assessment, asked_version(assessment, request.GET.get("version")))


def signature_response(request, assessment: Assessment, version: AssessmentVersion):
    """The scan of the signed page of ``version``, as a download that is neither cached nor
    rendered by the browser; logged as an export. None stored is a 404, as for a case that
    does not exist."""
    case = assessment.case
    return stored_document_response(
        request=request,
        case=case,
        document=version.signature_scan,
        filename_stem=f"{case.reference}-signatures-v{version.number}",
        detail=f"assessment signature scan, version {version.number}",
    )


@login_required
@require_http_methods(["GET"])
def signature_scan(request, pk: int):
    assessment = get_assessment_for_user(request.user, pk, request=request)
    return signature_response(
        request, assessment, asked_version(assessment, request.GET.get("version"))
    )


class DistributionForm(GovukFormMixin, forms.Form):
    version = forms.TypedChoiceField(
        coerce=int,
        label="Version",
        error_messages={
            "required": "Choose the version given.",
            "invalid_choice": "Choose a signed-off version.",
        },
    )
    recipient = forms.ChoiceField(
        choices=[(c.value, c.label) for c in CopyRecipient if c in LATER_RECIPIENTS],
        widget=FirstRadioSelect,
        label="Who was given the copy?",
        error_messages={"required": "Say who was given the copy."},
    )
    recipient_name = forms.CharField(
        max_length=200, required=False, label="Name of the person given it"
    )
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        label="Agency (for a service providing support)",
        help_text="Only agencies the family's consent lets see the case can be given a copy.",
        error_messages={"invalid_choice": "Choose an agency of this area."},
    )
    given_on = _date("Date given")

    def __init__(self, *args, assessment: Assessment, **kwargs):
        super().__init__(*args, **kwargs)
        versions = signed_versions(assessment)
        self.fields["version"].choices = [
            (v.number, f"Version {v.number}, signed off {v.completed_on:%-d/%-m/%Y}")
            for v in versions
        ]
        if versions:
            self.fields["version"].initial = versions[0].number
        self.fields["agency"].queryset = (
            Agency.objects.filter(tenant_id=assessment.tenant_id, is_active=True)
            .exclude(kind=AgencyKind.CAF_TEAM)
            .order_by("name")
        )


@login_required
@require_http_methods(["GET", "POST"])
def distribution_record(request, pk: int):
    """Every copy given of every version, and a form to record a later one (R-ASSESS-4)."""
    assessment = get_assessment_for_user(request.user, pk, CHANGE, request=request)
    case = assessment.case
    form = DistributionForm(
        request.POST if request.method == "POST" else None, assessment=assessment
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = assessment.versions.get(number=data["version"])
        version.assessment = assessment
        try:
            record_distribution(
                version=version,
                by=request.user,
                recipient=data["recipient"],
                recipient_name=data["recipient_name"],
                given_on=data["given_on"],
                agency=data["agency"],
            )
        except CafError as error:
            add_error_to_form(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The copy is recorded.")
            return redirect("assessments:copies", pk=case.pk)
    if request.method == "GET":
        case_access_record(
            user=request.user, case=case, request=request, detail="assessment copies"
        )
    versions = list(assessment.versions.order_by("-number"))
    copies: dict[int, list[Distribution]] = {}
    for copy in Distribution.objects.filter(version__assessment=assessment).select_related(
        "agency", "recorded_by"
    ):
        copies.setdefault(copy.version_id, []).append(copy)
    return render(
        request,
        "assessments/sign_off_copies.html",
        {
            "case": case,
            "assessment": assessment,
            "versions": [(v, copies.get(v.pk, [])) for v in versions],
            "form": form,
            "can_record": bool(form.fields["version"].choices),
        },
    )
