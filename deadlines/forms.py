"""The filters of the CAF team's deadlines page and of ``GET /api/deadlines/``: one parse for
both, so bad input is the same field error (a 400 over the API), never a 500."""

import re
from datetime import date, timedelta

from django import forms

from agencies.models import Agency
from cafsite.forms import GovukFormMixin
from deadlines.models import DeadlineKind
from deadlines.sources import CAF_TEAM_KINDS, decode_cursor, normalise_area

MAX_DAYS = 366
DEFAULT_DAYS = 14
# A postcode district: the outward code, "LS6", "SW1A", "M1".
AREA = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


class DeadlineFilterForm(GovukFormMixin, forms.Form):
    agency = forms.TypedChoiceField(label="Agency", required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label="Deadline",
        required=False,
        choices=[("", "Every deadline")]
        + [(kind.value, kind.label) for kind in DeadlineKind if kind in CAF_TEAM_KINDS],
    )
    area = forms.CharField(
        label="Area",
        required=False,
        max_length=8,
        help_text="The postcode district, the first half of the postcode, for example LS6",
    )
    when = forms.ChoiceField(
        label="When",
        required=False,
        choices=[
            ("", "Overdue or due within the days below"),
            ("overdue", "Overdue"),
            ("due", "Due within the days below, from today"),
        ],
    )
    days = forms.IntegerField(
        label="Days", required=False, min_value=0, max_value=MAX_DAYS, initial=DEFAULT_DAYS
    )
    after = forms.CharField(required=False, max_length=120, widget=forms.HiddenInput)

    def __init__(self, *args, tenant_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "Every agency")] + list(
            Agency.objects.filter(tenant_id=tenant_id).order_by("name").values_list("pk", "name")
        )
        self.fields["days"].widget.attrs.update({"class": "govuk-input govuk-input--width-3"})

    def clean_area(self) -> str:
        area = normalise_area(self.cleaned_data.get("area") or "")
        if area and not AREA.match(area):
            raise forms.ValidationError("Enter a postcode district, like LS6 or SW1A")
        return area

    def clean_after(self):
        try:
            return decode_cursor(self.cleaned_data.get("after") or "")
        except (ValueError, TypeError, OverflowError) as error:
            raise forms.ValidationError(
                "This page no longer exists: start from the first page"
            ) from error

    @staticmethod
    def defaults(today: date) -> dict:
        """The page before any filter: everything overdue or due within two weeks."""
        return {
            "kinds": CAF_TEAM_KINDS,
            "due_by": today + timedelta(days=DEFAULT_DAYS),
            "due_from": None,
            "after": None,
        }

    def query(self, today: date) -> dict:
        """The keyword arguments of ``due_items`` for the valid filters."""
        data = self.cleaned_data
        days = data.get("days")
        days = DEFAULT_DAYS if days is None else days
        when = data.get("when") or ""
        due_by, due_from = today + timedelta(days=days), None
        if when == "overdue":
            due_by = today - timedelta(days=1)
        elif when == "due":
            due_from = today
        kind = data.get("kind")
        return {
            "kinds": [kind] if kind else CAF_TEAM_KINDS,
            "agency": data.get("agency"),
            "area": data.get("area") or "",
            "due_by": due_by,
            "due_from": due_from,
            "after": data.get("after"),
        }
