"""Forms of the retention pages: the tenant's periods, placing and lifting a legal hold, and
the day a dry run looks at."""

import re

from django import forms

from cafsite.forms import GovukFormMixin
from retention.services.policy import MAX_ACCESSIBLE_MONTHS, MAX_ARCHIVED_YEARS, MAX_KEEP_UNTIL_AGE

TEXT_MAX = 5000


def _whole(label: str, low: int, high: int, *, required: bool = True) -> forms.IntegerField:
    message = f"Enter {label} as a whole number between {low} and {high}."
    return forms.IntegerField(
        min_value=low,
        max_value=high,
        required=required,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "required": f"Enter {label}.",
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
    )


def _text(label: str, *, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": f"Enter {label[0].lower() + label[1:]}.",
            "max_length": f"Enter no more than {TEXT_MAX:,} characters.",
        },
    )


class PolicyForm(GovukFormMixin, forms.Form):
    accessible_for_months = _whole("the months", 1, MAX_ACCESSIBLE_MONTHS)
    archived_for_years = _whole("the years", 0, MAX_ARCHIVED_YEARS)
    keep_until_age = _whole("the age", 1, MAX_KEEP_UNTIL_AGE, required=False)
    reason = _text("Why the periods change")
    decision_reference = forms.CharField(
        label="Reference of the decision (needed to shorten a period)",
        max_length=200,
        required=False,
        error_messages={"max_length": "Enter no more than 200 characters."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accessible_for_months"].label = "Months a closed CAF stays accessible"
        self.fields["archived_for_years"].label = "Years an archived CAF is kept before purging"
        self.fields["keep_until_age"].label = "Keep records at least to this birthday (optional)"
        self.fields["keep_until_age"].help_text = "For example 25. Leave empty for no age."


REFERENCE = re.compile(r"^\s*(?:CAF-?)?0*(\d{1,12})\s*$", re.IGNORECASE)


class HoldForm(GovukFormMixin, forms.Form):
    scope = forms.ChoiceField(
        label="What does the hold keep?",
        choices=[("case", "One CAF"), ("tenant", "Every CAF of the council")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what the hold keeps.",
            "invalid_choice": "Choose what the hold keeps.",
        },
    )
    reference = forms.CharField(
        label="CAF reference",
        help_text="For one CAF, for example CAF-000123.",
        max_length=20,
        required=False,
        error_messages={"max_length": "Enter a CAF reference like CAF-000123."},
    )
    reason = _text("Why the records must be kept", help_text="For example, a public inquiry.")

    def clean(self):
        data = super().clean()
        if data.get("scope") == "case":
            found = REFERENCE.match(data.get("reference") or "")
            if not found:
                self.add_error("reference", "Enter a CAF reference like CAF-000123.")
            else:
                data["case_id"] = int(found.group(1))
        return data


class LiftForm(GovukFormMixin, forms.Form):
    reason = _text("Why the hold ends")


class PreviewForm(GovukFormMixin, forms.Form):
    on = forms.DateField(
        label="Run as on",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        help_text="For example 31/01/2027.",
        # Shown as the hint asks for it (a date object would show as 2027-01-31).
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"class": "govuk-input--width-10"}),
        error_messages={
            "required": "Enter the day to look at.",
            "invalid": "Enter a date like 31/01/2027.",
        },
    )
