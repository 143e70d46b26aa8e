"""Consent forms: they parse input; the rules are in consent.services."""

from django import forms

from agencies.models import Agency
from cafsite.forms import GovukFormMixin
from cafsite.idempotency import IdempotentFormMixin
from cafsite.uploads import UploadError, checked_document
from cafsite.validation import validate_search_date
from consent.models import ConsentGiver, ConsentMethod, ShareScope, SharingGround

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]
DATE_HINT = "For example, 27/3/2026"


def _date(label, **kwargs):
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


class ConsentForm(GovukFormMixin, forms.Form):
    given_by = forms.ChoiceField(
        choices=ConsentGiver.choices, widget=forms.RadioSelect, label="Who is consenting?"
    )
    giver_name = forms.CharField(max_length=200, label="Their full name")
    relationship = forms.CharField(
        max_length=100,
        required=False,
        label="Relationship to the child",
        help_text="For a person with parental responsibility, for example mother.",
    )
    competence_evidence = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Evidence the child can decide for themselves",
        help_text="Needed when a child under 16 consents (Fraser competence).",
    )
    to_undertake = forms.BooleanField(required=False, label="They consent to the CAF assessment")
    to_record = forms.BooleanField(
        required=False, label="They consent to the CAF being recorded and stored"
    )
    share_scope = forms.ChoiceField(
        choices=ShareScope.choices, widget=forms.RadioSelect, label="Sharing"
    )
    agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Agencies named",
        help_text="Excluded agencies, or the only agencies to share with, as chosen above.",
    )
    method = forms.ChoiceField(
        choices=ConsentMethod.choices, widget=forms.RadioSelect, label="How was consent given?"
    )
    signed_name = forms.CharField(
        max_length=200,
        required=False,
        label="Name signed",
        help_text="For verbal consent, your own name is recorded as the assessor.",
    )
    signed_on = _date("Date of consent")
    scan = forms.FileField(
        required=False,
        label="Scan of the signed form (optional)",
        help_text="A PDF, JPEG or PNG file, 10 MB or smaller.",
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = Agency.objects.filter(
            tenant_id=case.tenant_id, is_active=True
        ).exclude(kind="caf_team")

    def clean_scan(self):
        scan = self.cleaned_data["scan"]
        if not scan:
            return scan
        try:
            return checked_document(scan, field="scan")
        except UploadError as error:
            raise forms.ValidationError(error.message) from error


class WithdrawForm(GovukFormMixin, forms.Form):
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        empty_label="All agencies (withdraw consent entirely)",
        label="Withdraw consent for",
    )
    on = _date("Date of withdrawal")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(tenant_id=case.tenant_id)


class RefusalForm(IdempotentFormMixin, GovukFormMixin, forms.Form):
    refused_by = forms.ChoiceField(
        choices=ConsentGiver.choices, widget=forms.RadioSelect, label="Who refused?"
    )
    refused_on = _date("Date of refusal")
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Refusal note",
        help_text="Only this note is kept: no other information about the family.",
    )


class SharingForm(IdempotentFormMixin, GovukFormMixin, forms.Form):
    ground = forms.ChoiceField(
        choices=SharingGround.choices, widget=forms.RadioSelect, label="Decision"
    )
    shared_with = forms.CharField(max_length=200, required=False, label="With whom")
    what = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="What information"
    )
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Why"
    )


class NoteForm(IdempotentFormMixin, GovukFormMixin, forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Confidential note",
        help_text="Only you will ever see this note. It is not part of the CAF.",
        error_messages={"required": "Write the note."},
    )


class EscalationForm(GovukFormMixin, forms.Form):
    pattern = forms.CharField(max_length=300, label="The pattern")
    refusals = forms.CharField(widget=forms.HiddenInput)
    escalated_to = forms.CharField(max_length=200, label="Escalated to")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why it is a concern")


class RefusalFilterForm(GovukFormMixin, forms.Form):
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), required=False, empty_label="Any agency"
    )
    area = forms.CharField(
        max_length=8, required=False, label="Area", help_text="Start of a postcode, like NS1"
    )
    date_from = forms.DateField(
        required=False, input_formats=DATE_FORMATS, validators=[validate_search_date], label="From"
    )
    date_to = forms.DateField(
        required=False, input_formats=DATE_FORMATS, validators=[validate_search_date], label="To"
    )

    def __init__(self, *args, tenant_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(tenant_id=tenant_id)
