"""The dashboard's filters (area, agency, period) and those of the case lists behind its
figures: one parse for the pages and the API, so bad input is a field error (a 400 over the
API), never a 500."""

from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django import forms

from agencies.models import Agency
from cafsite.forms import GovukFormMixin
from cafsite.validation import validate_search_date
from deadlines.forms import AREA
from deadlines.sources import normalise_area
from reports.dashboard import FIGURES, Filters

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"]
DEFAULT_PERIOD = relativedelta(months=12)


def default_period(end: date) -> tuple[date, date]:
    """The 12 months to ``end``, ``end`` included."""
    return end - DEFAULT_PERIOD + relativedelta(days=1), end


class DashboardFilterForm(GovukFormMixin, forms.Form):
    area = forms.CharField(
        label="Area",
        required=False,
        max_length=8,
        help_text="The postcode district, the first half of the postcode, for example LS6",
    )
    agency = forms.TypedChoiceField(
        label="Assessing agency", required=False, coerce=int, empty_value=None
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        input_formats=DATE_FORMATS,
        validators=[validate_search_date],
        widget=forms.DateInput(format="%d/%m/%Y"),
        help_text="For example, 1/4/2026",
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        input_formats=DATE_FORMATS,
        validators=[validate_search_date],
        widget=forms.DateInput(format="%d/%m/%Y"),
        help_text="For example, 31/3/2027",
    )

    def __init__(self, *args, tenant_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        # The tenant's agencies by name: reference data, no case content.
        self.fields["agency"].choices = [("", "Every agency")] + list(
            Agency.objects.filter(tenant_id=tenant_id).order_by("name").values_list("pk", "name")
        )

    def clean_area(self) -> str:
        area = normalise_area(self.cleaned_data.get("area") or "")
        if area and not AREA.match(area):
            raise forms.ValidationError("Enter a postcode district, like LS6 or SW1A")
        return area

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return cleaned

    def filters(self, today: date) -> Filters:
        """The valid filters, with the last 12 months for a period not given."""
        data = self.cleaned_data if self.is_bound else {}
        end = data.get("date_to") or today
        start = data.get("date_from") or default_period(end)[0]
        return Filters(
            date_from=start,
            date_to=end,
            area=data.get("area") or "",
            agency_id=data.get("agency"),
        )


class FigureCasesForm(DashboardFilterForm):
    figure = forms.ChoiceField(label="Figure", choices=list(FIGURES.items()))
    key = forms.CharField(label="Part of the figure", required=False, max_length=40)
    after = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def clean_after(self) -> tuple[datetime, int] | None:
        """The keyset cursor of the next page: the last row's intention time and id."""
        text = self.cleaned_data.get("after") or ""
        if not text:
            return None
        stamp, _, pk = text.rpartition("_")
        try:
            when, number = datetime.fromisoformat(stamp), int(pk)
        except ValueError as error:
            raise forms.ValidationError(
                "This page no longer exists: start from the first page"
            ) from error
        if when.tzinfo is None or not 0 < number < 2**63:
            raise forms.ValidationError("This page no longer exists: start from the first page")
        return when, number


def encode_after(when: datetime, pk: int) -> str:
    return f"{when.isoformat()}_{pk}"
