"""Forms of the existing-CAF check. They only parse input; the rules are in cases.checks."""

from django import forms

from agencies.models import Agency, Role
from cafsite.forms import GovukFormMixin
from cafsite.validation import (
    validate_date_of_birth,
    validate_expected_date_of_birth,
    validate_search_date_of_birth,
)
from cases.models import Child, Ethnicity, Gender

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%d %m %Y", "%Y-%m-%d"]
DATE_HINT = "For example, 27/3/2015"


def casework_agencies(user):
    """Agencies where ``user`` holds a casework role (any role but tenant administrator)."""
    held = user.memberships.exclude(role=Role.TENANT_ADMIN).values("agency_id")
    return Agency.objects.filter(pk__in=held, is_active=True, tenant_id=user.tenant_id)


class AgencyChoiceMixin:
    """Asks which agency the user acts for only when they work in more than one."""

    def _set_agency_choices(self, user):
        agencies = casework_agencies(user)
        self.fields["agency"].queryset = agencies
        if len(agencies) == 1:
            self.fields["agency"].initial = agencies[0].pk
            self.fields["agency"].widget = forms.HiddenInput()


class CheckSearchForm(AgencyChoiceMixin, GovukFormMixin, forms.Form):
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), label="Which agency are you working for?"
    )
    given_name = forms.CharField(label="First name", max_length=100, required=False)
    family_name = forms.CharField(label="Last name", max_length=100, required=False)
    date_of_birth = forms.DateField(
        label="Date of birth",
        required=False,
        input_formats=DATE_FORMATS,
        validators=[validate_search_date_of_birth],
        help_text=f"{DATE_HINT}. For an unborn baby, the expected date.",
        error_messages={"invalid": "Enter the date of birth as day/month/year, like 27/3/2015."},
    )
    postcode = forms.CharField(max_length=10, required=False)
    nhs_number = forms.CharField(label="NHS number (if known)", max_length=12, required=False)
    upn = forms.CharField(label="Unique pupil number (if known)", max_length=15, required=False)
    has_learning_difficulty = forms.BooleanField(
        required=False,
        label="The young person has a learning difficulty or disability",
        help_text="A CAF can then continue up to the age of 25.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_agency_choices(user)


class NewChildForm(GovukFormMixin, forms.ModelForm):
    """A child not yet on the register, added when a CAF starts."""

    date_of_birth = forms.DateField(
        required=False,
        input_formats=DATE_FORMATS,
        validators=[validate_date_of_birth],
        help_text=DATE_HINT,
    )
    expected_date_of_birth = forms.DateField(
        required=False,
        input_formats=DATE_FORMATS,
        validators=[validate_expected_date_of_birth],
        help_text="Only for an unborn baby, instead of the date of birth.",
    )
    confirm_new_child = forms.BooleanField(
        required=False, label="I have checked the possible matches: this is a different child"
    )

    class Meta:
        model = Child
        fields = [
            "given_name",
            "middle_names",
            "family_name",
            "other_names",
            "date_of_birth",
            "expected_date_of_birth",
            "gender",
            "ethnicity",
            "address_line_1",
            "address_line_2",
            "town",
            "postcode",
            "uprn",
            "nhs_number",
            "upn",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gender"].choices = Gender.choices
        self.fields["ethnicity"].choices = Ethnicity.choices

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("date_of_birth") and not cleaned.get("expected_date_of_birth"):
            self.add_error(
                "date_of_birth", "Enter a date of birth, or an expected date for an unborn child."
            )
        return cleaned

    def _post_clean(self):
        # Validation of the whole record (constraints, identifiers) runs in the service, where
        # the child is created; here only the fields are parsed.
        pass

    def child_details(self) -> dict:
        details = {k: v for k, v in self.cleaned_data.items() if k != "confirm_new_child"}
        return {k: v for k, v in details.items() if v not in ("", None)}


class JoinRequestForm(GovukFormMixin, forms.Form):
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
        label="Message to the lead professional",
        help_text="What you can add or why you are involved. Do not include case details.",
    )


class ConcernForm(GovukFormMixin, forms.Form):
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        label="Your concern for the keyworker",
        error_messages={"required": "Describe your concern for the keyworker."},
    )


class ChildProtectionForm(GovukFormMixin, forms.Form):
    referred_to = forms.CharField(
        max_length=200,
        label="Who did you refer the concern to?",
        help_text="For example, the children's social care front door (MASH).",
        error_messages={"required": "Enter who the referral was made to."},
    )
    referred_on = forms.DateField(
        input_formats=DATE_FORMATS,
        label="Date of the referral",
        help_text=DATE_HINT,
        error_messages={
            "required": "Enter the date of the referral.",
            "invalid": "Enter the date as day/month/year, like 27/3/2026.",
        },
    )
    reference = forms.CharField(max_length=50, required=False, label="Referral reference")


class ChildMergeForm(GovukFormMixin, forms.Form):
    keep = forms.IntegerField(label="Record to keep (child number)", min_value=1)
    duplicate = forms.IntegerField(
        label="Duplicate record to merge into it (child number)", min_value=1
    )


class ChildDetailsForm(NewChildForm):
    """The register's details of a child on a case, corrected by those working on it."""

    confirm_new_child = None

    def child_details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
