"""Figure lines: each figure's row of figures.csv as the download writes it today, kept on write by programmes/lines.py."""

from __future__ import annotations

from django.db import models

from programmes.models.figure import Figure


class FigureLine(models.Model):
    """A figure's finished CSV line (cells, commas, quoting and CRLF), so that a download reads lines instead of formatting cells.

    A table of its own rather than a column of the figure: pages that read figures never carry the line, the history
    never records it, and the full download reads this narrow table alone, in id order.
    """

    figure = models.OneToOneField(Figure, on_delete=models.CASCADE, primary_key=True, related_name="stored_line")
    csv = models.TextField(help_text="The figure's line of figures.csv today, as programmes.database_cells.CsvLine writes it.")

    class Meta:
        ordering = ["figure"]

    def __str__(self) -> str:
        return f"line of figure {self.figure_id}"
