"""Filters of a case's history and of a person's activity: kind of entry, dates, the page."""

from django import forms

from audit.forms import DATE_FORMATS
from audit.history import CASE_KINDS, Cursor, Kind
from cafsite.forms import GovukFormMixin
from cafsite.validation import validate_search_date


class HistoryFilterForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(required=False, label="What happened")
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
    before = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, kinds: list[Kind], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Everything")] + [(k.value, k.label) for k in kinds]

    def clean_before(self) -> Cursor | None:
        raw = self.cleaned_data["before"].strip()
        if not raw:
            return None
        try:
            return Cursor.decode(raw)
        except ValueError:
            raise forms.ValidationError(
                "That page of the history does not exist: start again from the newest entries."
            ) from None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be the same as or after the start date.")
        return cleaned

    def query(self) -> dict:
        """The selector's arguments from valid data."""
        data = self.cleaned_data
        return {
            "kinds": [data["kind"]] if data["kind"] else None,
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "cursor": data["before"],
        }


def case_history_form(data, *, with_refusals: bool) -> HistoryFilterForm:
    kinds = CASE_KINDS + ([Kind.REFUSED] if with_refusals else [])
    return HistoryFilterForm(data, kinds=kinds)


def person_activity_form(data) -> HistoryFilterForm:
    return HistoryFilterForm(data, kinds=list(Kind))
