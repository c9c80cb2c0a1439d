"""The admin's forms: what the editor types is what is stored and what is shown back, and every change says why.

A figure's value is one box, "Value as published" (read by programmes.published), and its period one box,
"Period as published" (read by programmes.fiscal.parse_period). Both texts are kept as typed; the separate qualifier,
value, range, unit, financial year and length columns are filled from them; the editor never types into a box that a
browser would empty.
"""

from __future__ import annotations

import base64
import binascii

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from programmes import fiscal, flags, published, rules
from programmes.importing import ADD, SKIP
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
    # Hidden until the figure turns out to be a likely duplicate (_post_clean): then the editor must tick it to save.
    is_separate = forms.BooleanField(
        label="This is a separate figure; save it anyway",
        required=False,
        widget=forms.HiddenInput,
        help_text="Tick only if the source states this figure twice, as two separate claims.",
    )

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

    def lock_before_row(self) -> None:
        """The lock of the figure's stored quantity, which its save takes anyway to recompute the flags (flags.refresh).
        Taken before the figure's row, as every figure save does, so that two saves never each hold what the other waits for."""
        flags.lock(list(Figure._base_manager.filter(pk=self.instance.pk).values_list("quantity", flat=True)))

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

    def _post_clean(self) -> None:
        super()._post_clean()
        figure = self.instance
        # Unchanged figures under a source are not looked up one by one when the source is saved.
        if self.errors or (figure.pk is not None and not self.has_changed()):
            return
        duplicates = list(Figure.objects.likely_duplicates_of(figure)[:3])
        if not duplicates or self.was_duplicate(figure):
            return
        self.fields["is_separate"].widget = forms.CheckboxInput()
        if not self.cleaned_data.get("is_separate"):
            links = format_html_join(
                ", ",
                '<a href="{}">figure {}</a> ({})',
                ((reverse("admin:programmes_figure_change", args=[other.pk]), other.pk, other) for other in duplicates),
            )
            message = format_html(
                "This looks like a figure already recorded: {}, with the same programme, quantity, source and value. "
                "Open it to check; tick the box only if this is a separate figure.",
                links,
            )
            self.add_error("is_separate", message)

    def was_duplicate(self, figure: Figure) -> bool:
        """Whether the figure as stored already repeated another: a figure recorded twice is not asked about again on
        every save, only when an edit makes it a duplicate."""
        if figure.pk is None:
            return False
        stored = Figure.objects.select_related("programme").get(pk=figure.pk)
        return rules.duplicate_lookup(stored) == rules.duplicate_lookup(figure)

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


# Thousands of figures, far above any NAO report's. The preview sends the file back base64-encoded (a third
# larger), and Django refuses form bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB); larger files go through
# the import_figures command.
MAX_IMPORT_BYTES = 1_800_000


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8 CSV with exactly the columns of /data/figures.csv.")

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 1.8 MB: split it, or load it with the import_figures command.")
        return upload.read()


class ImportConfirmForm(forms.Form):
    """The previewed file travels back base64-encoded: browsers rewrite line breaks in form fields, which would alter notes."""

    content = forms.CharField(widget=forms.HiddenInput)
    filename = forms.CharField(widget=forms.HiddenInput, max_length=200)
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)
    preview = forms.CharField(widget=forms.HiddenInput, max_length=64)
    duplicates = forms.ChoiceField(
        label="The likely duplicates listed above",
        choices=[(SKIP, "Skip them: they are figures already recorded"), (ADD, "These are separate figures: add them anyway")],
        widget=forms.RadioSelect,
        # Asked for only when the file has likely duplicates; the import itself refuses to guess (importing.import_figures).
        required=False,
    )

    def clean_content(self) -> bytes:
        try:
            return base64.b64decode(self.cleaned_data["content"], validate=True)
        except binascii.Error as error:
            raise forms.ValidationError("The previewed file was damaged in transit; upload it again.") from error
