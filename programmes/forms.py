"""The admin's forms: what the editor types is what is stored and what is shown back, and every change says why.

A figure's value is one box, "Value as published" (read by programmes.published), and its period one box,
"Period as published" (read by programmes.fiscal.parse_period). Both texts are kept as typed; the separate qualifier,
value, range, unit, financial year and length columns are filled from them; the editor never types into a box that a
browser would empty.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from programmes import fiscal, published, rules
from programmes.models import Figure, Source

# Model fields the two boxes fill: their errors are shown next to the box the editor typed in.
VALUE_FIELDS = ("qualifier", "value", "value_low", "value_high", "unit")
PERIOD_FIELDS = ("period_start", "period_end", "period_years", "period_as_published")


class ReasonForm(forms.ModelForm):
    """A reason for each change, kept by django-simple-history as the history row's change reason."""

    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=100,  # simple-history's history_change_reason column
        help_text="Shown in the history, e.g. NAO report of March 2026, paragraph 2.4; corrected a typing error.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Adding a row is its own reason; changing one is not.
        self.fields["change_reason"].required = self.instance.pk is not None

    def clean(self) -> dict:
        cleaned = super().clean()
        self.instance._change_reason = cleaned.get("change_reason") or None
        return cleaned


class FigureForm(forms.ModelForm):
    """A figure as published: the value and the period each typed as the source gives them."""

    period = fiscal.PeriodFormField()

    class Meta:
        model = Figure
        exclude = [*VALUE_FIELDS, *PERIOD_FIELDS]
        labels = {"as_published": "Value as published"}
        help_texts = {
            "as_published": f"As the source writes it, e.g. {published.EXAMPLES}. "
            "A plain number is a calendar year for a deadline and a count otherwise. A moved deadline is two figures."
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        figure = self.instance
        self.fields["as_published"].required = True
        if figure.pk is not None:
            # Figures loaded before the text was kept show their financial years as the site prints them.
            self.initial.setdefault("period", figure.period_as_published or figure.period_display)
            if not figure.as_published:
                # Figures loaded before the text was kept show the stored value as the site prints it, which reads back the same.
                self.initial["as_published"] = figure.display_value

    def clean(self) -> dict:
        cleaned = super().clean()
        figure = self.instance
        if "period" in cleaned and (figure.pk is None or "period" in self.changed_data):
            # Untouched, the stored period stays as it is, a blank text included, so that saving unchanged changes nothing.
            text, period = cleaned["period"]
            figure.period_as_published = text
            figure.period_start, figure.period_end, figure.period_years = period.first, period.last, period.years
        text = cleaned.get("as_published")
        if text is None:
            return cleaned
        if figure.pk is not None and "as_published" not in self.changed_data:
            # Untouched: keep the stored numbers (and a blank text blank), so that saving unchanged changes nothing,
            # even for a text an import stored that this module would read differently.
            cleaned["as_published"] = figure.as_published
            return cleaned
        try:
            reading = published.read(text, cleaned.get("measure"))
        except published.Unreadable as error:
            self.add_error("as_published", str(error))
            return cleaned
        figure.qualifier = reading.qualifier
        figure.value, figure.value_low, figure.value_high = reading.value, reading.value_low, reading.value_high
        if reading.unit is not None:
            figure.unit = reading.unit
        elif figure.pk is None or cleaned.get("measure") != figure.measure:
            # "unknown" does not say its unit; record it in the measure's usual one.
            figure.unit = rules.MEASURE_UNITS.get(cleaned.get("measure"), ("gbp_m",))[0]
        return cleaned

    def _update_errors(self, errors: ValidationError) -> None:
        """Show the model's errors about the value and the period next to the box that sets them."""
        if hasattr(errors, "error_dict"):
            moved: dict[str, list] = {}
            for field, messages in errors.error_dict.items():
                target = "as_published" if field in VALUE_FIELDS else "period" if field in PERIOD_FIELDS else field
                if target not in self.fields and target != NON_FIELD_ERRORS:
                    target = NON_FIELD_ERRORS
                moved.setdefault(target, []).extend(messages)
            errors = ValidationError(moved)
        super()._update_errors(errors)


class FigureAdminForm(ReasonForm, FigureForm):
    pass


class SourceAdminForm(ReasonForm):
    class Meta:
        model = Source
        fields = "__all__"
        labels = {"is_primary": "Primary source", "date_precision": "Dated to"}
        help_texts = {
            "is_primary": "Untick for a secondary source (an aggregator, a mirror, a summary of others' figures): "
            "its figures are shown as secondary, to verify before use."
        }
