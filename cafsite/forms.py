"""GOV.UK Design System classes and ARIA links for Django form widgets."""

from django import forms

_WIDGET_CLASSES = {
    forms.Select: "govuk-select",
    forms.Textarea: "govuk-textarea",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.FileInput: "govuk-file-upload",
}


class GovukFormMixin:
    """Gives each widget its GOV.UK class and points ``aria-describedby`` at its hint and error,
    so a screen reader announces both with the field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = next(
                (css for kind, css in _WIDGET_CLASSES.items() if isinstance(field.widget, kind)),
                "govuk-input",
            )
            existing = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{css} {existing}".strip()

    def full_clean(self):
        super().full_clean()
        for name, field in self.fields.items():
            bound = self[name]
            described_by = []
            if field.help_text:
                described_by.append(f"{bound.id_for_label}-hint")
            if name in self.errors:
                described_by.append(f"{bound.id_for_label}-error")
                # A widget swapped after __init__ (a hidden agency) has no class yet.
                css = field.widget.attrs.get("class", "")
                field.widget.attrs["class"] = f"{css} govuk-input--error".strip()
            if described_by:
                field.widget.attrs["aria-describedby"] = " ".join(described_by)
