"""Figure lines (programmes/lines.py): each figure's stored line of figures.csv is the line the download would format from
its rows now, after every kind of write that changes what the line shows, and the download reads them."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from dashboard import exports
from dashboard.exports.streaming import csv_header
from programmes import flags
from programmes.models import Figure, FigureLine
from tests.helpers import (
    add_synthetic_figures,
    csv_rows,
    export,
    make_figure,
    make_organisation,
    make_programme,
    make_source,
    new_row,
    run_import_command,
    to_csv,
)


class LinesTestCase(TestCase):
    def assert_every_line_is_the_row_now(self) -> None:
        """One stored line a figure, and together, in id order, the file Python formats from every row now."""
        stored = "".join(FigureLine.objects.order_by("figure_id").values_list("csv", flat=True))
        python = "".join(exports.python_csv_pieces(exports.FIGURES, Figure.objects.all()))
        self.assertEqual(FigureLine.objects.count(), Figure.objects.count())
        self.assertEqual(csv_header(exports.FIGURES) + stored, python)

    def row(self, figure: Figure, query: str = "") -> dict[str, str]:
        """The figure's row in the download, as an analyst reads it."""
        return next(row for row in csv_rows(self.client.get(f"/data/figures.csv{query}")) if row["id"] == str(figure.pk))


class CitedDatasetTests(LinesTestCase):
    def test_every_figure_of_the_cited_dataset_has_the_line_the_download_would_format(self):
        self.assertGreater(Figure.objects.count(), 200)
        self.assert_every_line_is_the_row_now()

    def test_the_download_reads_the_stored_lines(self):
        figure = Figure.objects.order_by("pk").first()
        FigureLine.objects.filter(figure=figure).update(csv=f"{figure.pk},stored\r\n")
        self.assertIn(f"\r\n{figure.pk},stored\r\n".encode(), export(self.client))
        self.assertIn(f"\r\n{figure.pk},stored\r\n".encode(), export(self.client, f"?programme={figure.programme.slug}"))

    def test_a_download_as_at_a_past_date_formats_its_rows_instead(self):
        # A stored line says whether a figure disagrees today; as at a date the flag may not have held yet.
        FigureLine.objects.update(csv="stored\r\n")
        self.assertNotIn(b"stored", export(self.client, "?as_at=2020-01-01"))

    def test_a_figure_inserted_around_save_is_still_in_the_download_with_its_cells(self):
        figure = Figure.objects.order_by("pk").first()
        FigureLine.objects.filter(figure=figure).delete()
        self.assertEqual(self.row(figure)["source_title"], figure.source.title)
        self.assertEqual(self.row(figure)["description"], figure.description)

    def test_the_download_asks_the_same_queries_whatever_the_number_of_figures(self):
        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                export(self.client)
            return len(captured)

        before = queries()
        add_synthetic_figures(make_programme("grown"), 3 * exports.CHUNK_SIZE)
        self.assertEqual(queries(), before)
        self.assert_every_line_is_the_row_now()


class RelatedEditTests(LinesTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("lines-strategy", name="Lines strategy")
        cls.source = make_source("lines-source", title="Lines report", publisher=make_organisation("Lines Office"))
        cls.figure = make_figure(cls.programme, cls.source, value=Decimal("90"))

    def test_it_rewrites_a_figure_s_line_when_the_figure_is_saved(self):
        self.figure.description = "Savings, as restated"
        self.figure.save()
        self.assertEqual(self.row(self.figure)["description"], "Savings, as restated")
        self.assert_every_line_is_the_row_now()

    def test_a_line_comes_out_exactly_whatever_control_characters_and_escapes_its_text_holds(self):
        # COPY on PostgreSQL escapes backslashes, line breaks and its quote byte (\x01) in some formats: none may show.
        self.figure.note = 'a \\ backslash, a "quote",\r\na line break, a\ttab and \x01 \x01\x01 control bytes'
        self.figure.save()
        self.assertEqual(self.row(self.figure)["note"], self.figure.note)
        self.assertEqual(self.row(self.figure, "?programme=lines-strategy")["note"], self.figure.note)
        self.assert_every_line_is_the_row_now()

    def test_a_renamed_programme_shows_in_its_figures_lines(self):
        self.programme.name = "Lines strategy, renamed"
        self.programme.slug = "lines-renamed"
        self.programme.save()
        row = self.row(self.figure)
        self.assertEqual((row["programme"], row["programme_name"]), ("lines-renamed", "Lines strategy, renamed"))
        self.assertTrue(row["quantity"].startswith("lines-renamed/"))
        self.assert_every_line_is_the_row_now()

    def test_a_source_s_new_title_and_date_show_in_its_figures_lines(self):
        self.source.title = "Lines report, corrected"
        self.source.published = datetime.date(2017, 3, 1)
        self.source.save()
        row = self.row(self.figure)
        self.assertEqual((row["source_title"], row["source_published"]), ("Lines report, corrected", "2017-03-01"))
        self.assert_every_line_is_the_row_now()

    def test_a_renamed_organisation_shows_as_publisher_and_as_claimant(self):
        office = self.source.publisher
        office.name = "Lines Office, renamed"
        office.save()
        row = self.row(self.figure)
        self.assertEqual((row["source_publisher"], row["claimant"]), ("Lines Office, renamed", "Lines Office, renamed"))
        self.assert_every_line_is_the_row_now()

    def test_a_new_disagreeing_figure_flags_the_figure_in_its_line(self):
        self.assertEqual(self.row(self.figure)["disagrees"], "false")
        other = make_source("lines-other", title="Other report", publisher=make_organisation("Other Office"))
        make_figure(self.programme, other, value=Decimal("400"))
        self.assertEqual(self.row(self.figure)["disagrees"], "true")
        self.assert_every_line_is_the_row_now()

    def test_a_deleted_figure_leaves_the_download_and_its_revision_no_longer_names_it(self):
        revision = make_figure(self.programme, self.source, value=Decimal("95"), revises=self.figure)
        self.assertEqual(self.row(revision)["revises"], str(self.figure.pk))
        deleted = self.figure.pk
        self.figure.delete()
        ids = [row["id"] for row in csv_rows(self.client.get("/data/figures.csv"))]
        self.assertNotIn(str(deleted), ids)
        self.assertEqual(self.row(revision)["revises"], "")
        self.assert_every_line_is_the_row_now()

    def test_an_import_writes_the_lines_of_the_figures_it_adds(self):
        run_import_command(to_csv(new_row(description="Imported savings"), new_row(description="Imported again", value="96")))
        self.assertEqual(Figure.objects.filter(description__startswith="Imported").count(), 2)
        self.assert_every_line_is_the_row_now()

    def test_a_bulk_load_s_refresh_all_writes_every_line(self):
        FigureLine.objects.all().delete()
        flags.refresh_all()
        self.assert_every_line_is_the_row_now()
