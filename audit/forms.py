import re

from django import forms

from agencies.models import Agency
from cafsite.forms import GovukFormMixin
from cafsite.validation import validate_search_date

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]


class AuditSearchForm(GovukFormMixin, forms.Form):
    LOG_CHOICES = [("access", "Views, prints and sign-ins"), ("changes", "Changes")]

    log = forms.ChoiceField(choices=LOG_CHOICES, initial="access", label="Which log")
    username = forms.CharField(required=False, label="User name", max_length=150)
    case = forms.CharField(
        required=False, label="Case reference", help_text="For example, CAF-000123", max_length=20
    )
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), required=False, empty_label="Any agency"
    )
    date_from = forms.DateField(
        required=False,
        input_formats=DATE_FORMATS,
        validators=[validate_search_date],
        label="From",
        help_text="For example, 1/3/2026",
    )
    date_to = forms.DateField(
        required=False,
        input_formats=DATE_FORMATS,
        validators=[validate_search_date],
        label="To",
        help_text="For example, 31/3/2026",
    )

    def __init__(self, *args, tenant_id: int, scope: list[int] | None, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(tenant_id=tenant_id)
        if scope is not None:
            agencies = agencies.filter(pk__in=scope)
        self.fields["agency"].queryset = agencies

    def clean_case(self) -> int | None:
        raw = self.cleaned_data["case"].strip()
        if not raw:
            return None
        match = re.fullmatch(r"(?:CAF-?)?0*(\d{1,12})", raw, flags=re.IGNORECASE)
        if not match:
            raise forms.ValidationError("Enter a case reference like CAF-000123.")
        return int(match.group(1))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be the same as or after the start date.")
        return cleaned
