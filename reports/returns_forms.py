from django import forms
from django.utils import timezone

from cafsite.forms import GovukFormMixin
from cafsite.validation import validate_search_date
from cases.models import SupportingFamiliesOutcome
from reports.supporting_families import MEASURES, parse_quarter, quarter_of

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]


class AnnexAForm(GovukFormMixin, forms.Form):
    date = forms.DateField(
        required=False,
        input_formats=DATE_FORMATS,
        validators=[validate_search_date],
        label="List date",
        help_text="The day the list is for, for example 4/12/2026 (today if left empty)",
    )
    format = forms.ChoiceField(
        required=False, choices=[("", "Page"), ("csv", "CSV"), ("xlsx", "Excel")]
    )

    def as_at(self):
        return self.cleaned_data.get("date") or timezone.localdate()


class QuarterField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("label", "Quarter")
        kwargs.setdefault(
            "help_text", "The financial year and quarter, for example 2026-Q3 (October to December)"
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return quarter_of(timezone.localdate())
        quarter = parse_quarter(value)
        if quarter is None:
            raise forms.ValidationError("Enter a quarter like 2026-Q3.")
        return quarter


class SupportingFamiliesForm(GovukFormMixin, forms.Form):
    quarter = QuarterField(required=False)
    format = forms.ChoiceField(required=False, choices=[("", "Page"), ("csv", "CSV")])


class FigureForm(GovukFormMixin, forms.Form):
    quarter = QuarterField(required=False)
    outcome = forms.ChoiceField(choices=SupportingFamiliesOutcome.choices)
    measure = forms.ChoiceField(choices=list(MEASURES.items()))
