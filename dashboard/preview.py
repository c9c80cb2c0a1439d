"""What the public site would show, as at today, if an editor saved the figure in the form: for the admin's Preview button.

The figure is saved inside a transaction that is then rolled back, and the public pages' own builders
(pages.programme_page, pages.overview_page) run in between, so the preview is computed by exactly the code the site
uses, stored disagreement flags included; nothing is written and nothing is cached. The pages as they are now are
built first, outside the transaction, so that the preview can say which card lines and charts would change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import router, transaction
from django.forms import ModelForm

from dashboard import pages
from dashboard.charts import Chart
from programmes.models import Figure, Programme


class RolledBack(Exception):
    """Raised inside the preview's transaction to undo the save."""


@dataclass
class CardLine:
    """One line of a card as the public site shows it today, and as it would with the figure saved."""

    role: str
    label: str
    today: Figure | None
    saved: Figure | None
    missing_text: str
    edited: int | None  # the figure added, changed or deleted; None for a source's change

    @property
    def changes(self) -> bool:
        """The line would show another figure, or the edited one (whose value may have changed)."""
        differs = (self.today.pk if self.today else None) != (self.saved.pk if self.saved else None)
        return differs or (self.saved is not None and self.saved.pk == self.edited)


@dataclass
class ProgrammePreview:
    programme: Programme
    headlines: list
    lines: list[CardLine]
    charts: list[Chart]
    unchanged_charts: int
    overview_charts: list[Chart] = field(default_factory=list)

    @property
    def card_changes(self) -> bool:
        return any(line.changes for line in self.lines)


def changed_charts(before: list[Chart], after: list[Chart], url: str | None) -> tuple[list[Chart], int]:
    """The charts that would look different or that draw the figure at `url`; and how many would stay as they are."""
    old = {chart.id: (chart.summary, chart.rows) for chart in before}
    shown = [chart for chart in after if old.get(chart.id) != (chart.summary, chart.rows) or any(row["url"] == url for row in chart.rows)]
    return shown, len(after) - len(shown)


def preview(form: ModelForm, previous: Programme | None = None) -> list[ProgrammePreview]:
    """The card and charts of every programme the figure is on (and was on, if the form moves it), with the form saved, as at today."""
    programmes = {form.instance.programme_id: form.instance.programme}
    if previous is not None:
        programmes.setdefault(previous.pk, previous)

    def save() -> tuple[int, str]:
        figure = form.save()
        return figure.pk, figure.get_absolute_url()

    return previewed(programmes, save)


def preview_deletion(figure: Figure) -> list[ProgrammePreview]:
    """The card and charts of the figure's programme with the figure deleted, as at today (a deletion's draft)."""

    def delete() -> tuple[int, str]:
        stored = Figure.objects.get(pk=figure.pk)
        pk, url = stored.pk, stored.get_absolute_url()
        stored.delete()
        return pk, url

    return previewed({figure.programme_id: figure.programme}, delete)


def preview_source(form: ModelForm) -> list[ProgrammePreview]:
    """The card and charts of every programme with a figure from the source, with the source's form saved (a source's
    draft: its publisher, date and title are in the cards' and charts' footnotes, and its date decides what is latest)."""
    programmes = {programme.pk: programme for programme in Programme.objects.filter(figures__source=form.instance.pk).distinct()}

    def save() -> tuple[None, None]:
        form.save()
        return None, None

    return previewed(programmes, save)


def previewed(programmes: dict[int, Programme], change) -> list[ProgrammePreview]:
    """The programmes' cards and charts today and with `change` made inside a transaction that is rolled back; `change`
    returns the id and address of the figure it adds, changes or deletes (None for a source's), marked in the preview."""
    strategies = list(Programme.objects.for_overview())
    before = {pk: pages.programme_page(programme, None) for pk, programme in programmes.items()}
    overview_before = pages.overview_page(strategies, None)
    after: dict[int, dict] = {}
    try:
        with transaction.atomic(using=router.db_for_write(Figure)):
            edited, url = change()
            after = {pk: pages.programme_page(programme, None) for pk, programme in programmes.items()}
            overview_after = pages.overview_page(strategies, None)
            raise RolledBack
    except RolledBack:
        pass
    previews = []
    for pk, programme in programmes.items():
        lines = [
            CardLine(new.role, new.label, old.shown, new.shown, new.missing_text, edited)
            for old, new in zip(before[pk]["headlines"], after[pk]["headlines"], strict=True)
        ]
        charts, unchanged = changed_charts(before[pk]["charts"], after[pk]["charts"], url)
        item = ProgrammePreview(programme, after[pk]["headlines"], lines, charts, unchanged)
        if programme.kind == Programme.Kind.STRATEGY:
            item.overview_charts = changed_charts(overview_before["charts"], overview_after["charts"], url)[0]
        previews.append(item)
    return previews
