import re

from django import forms

from agencies.models import Agency
from audit.kinds import KIND_CHOICES
from audit.selectors import TrailCursor, TrailSearch, people_in_scope
from cafsite.forms import GovukFormMixin
from cafsite.validation import validate_search_date

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]
# Larger ids are no record's: refused here rather than by the database.
MAX_ID = 2**63 - 1


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.username


class AuditSearchForm(GovukFormMixin, forms.Form):
    LOG_CHOICES = [
        ("all", "Everything"),
        ("changes", "Changes"),
        ("access", "Views, prints and sign-ins"),
    ]

    log = forms.ChoiceField(choices=LOG_CHOICES, initial="all", required=False, label="Show")
    person = PersonChoiceField(queryset=None, required=False, empty_label="Anyone", label="Person")
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        empty_label="Any agency",
        help_text="The agency the person acted for",
    )
    kind = forms.ChoiceField(
        choices=[("", "Any kind")] + KIND_CHOICES, required=False, label="Kind of action"
    )
    case = forms.CharField(
        required=False, label="Case reference", help_text="For example, CAF-000123", max_length=20
    )
    child = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        label="Child's register id",
        help_text="The number on the child's record",
        error_messages={"invalid": "Enter the child's register id as a number, like 1234."},
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
    # The keyset cursor of the page asked for (from a "Older entries" link).
    before = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, tenant_id: int, scope: list[int] | None, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(tenant_id=tenant_id).order_by("name")
        if scope is not None:
            agencies = agencies.filter(pk__in=scope)
        self.fields["agency"].queryset = agencies
        self.fields["person"].queryset = people_in_scope(
            tenant_id=tenant_id, scope_agency_ids=scope
        )

    def clean_case(self) -> int | None:
        raw = self.cleaned_data["case"].strip()
        if not raw:
            return None
        match = re.fullmatch(r"(?:CAF-?)?0*(\d{1,12})", raw, flags=re.IGNORECASE)
        if not match:
            raise forms.ValidationError("Enter a case reference like CAF-000123.")
        return int(match.group(1))

    def clean_before(self) -> TrailCursor | None:
        raw = self.cleaned_data["before"].strip()
        if not raw:
            return None
        try:
            return TrailCursor.parse(raw)
        except (ValueError, OverflowError):
            raise forms.ValidationError(
                "This page of results cannot be found: start the search again."
            ) from None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be the same as or after the start date.")
        return cleaned

    def search(self) -> TrailSearch:
        data = self.cleaned_data
        return TrailSearch(
            log=data["log"] or "all",
            person_id=data["person"].pk if data["person"] else None,
            agency_id=data["agency"].pk if data["agency"] else None,
            case_id=data["case"],
            child_id=data["child"],
            kind=data["kind"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
