"""The database writes the downloads' cells (COPY on PostgreSQL, a cursor elsewhere): byte for byte what Python writes.

Column.csv_cell and json_value (programmes/columns.py) are the definition of every cell; programmes/database_cells.py says
the same in SQL so that a million rows need not pass through Python one cell at a time. These tests hold the two to
each other on the real dataset, on random text and numbers, and as at a past date.
"""

from __future__ import annotations

import datetime
import json
import unittest
from decimal import Decimal
from unittest import mock

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.http import QueryDict
from django.test import TestCase
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from dashboard import exports
from dashboard.charts import flags as flag_texts
from programmes import rules
from programmes.models import Figure
from sharedservices import pgcopy
from tests.helpers import disagreeing_by_rule, make_figure, make_programme, make_source


def joined(pieces) -> bytes:
    return b"".join(piece if isinstance(piece, bytes) else piece.encode() for piece in pieces)


def both_files(resource, queryset, as_at=None) -> tuple[bytes, bytes]:
    """The download as the site writes it (the database formatting), and as Python's formatting writes it."""
    return joined(exports.csv_pieces(resource, queryset, as_at)), joined(exports.python_csv_pieces(resource, queryset, as_at))


def json_rows(resource, queryset, as_at=None) -> list[dict]:
    return json.loads(joined(exports.json_pieces(resource, queryset, {}, None, as_at)))["rows"]


class RealDatasetTests(TestCase):
    def test_the_database_writes_every_table_byte_for_byte_as_python_does(self):
        # On PostgreSQL this is the COPY path; on SQLite the cursor path.
        for resource in exports.RESOURCES.values():
            with self.subTest(resource=resource.name):
                queryset, _ = resource.select(QueryDict())
                fast, python = both_files(resource, queryset)
                self.assertEqual(fast, python)
                self.assertGreater(fast.count(b"\r\n"), 10)

    def test_the_cursor_path_writes_the_same_file_where_copy_is_not_available(self):
        queryset, _ = exports.FIGURES.select(QueryDict())
        with mock.patch.object(pgcopy, "available", return_value=False):
            fast, python = both_files(exports.FIGURES, queryset)
        self.assertEqual(fast, python)

    def test_filters_and_a_sort_carry_through_to_the_database_formatting(self):
        for query in ("programme=ngss-2012&include_children=1", "status=audited&from=2013-14", "publisher=National+Audit+Office"):
            with self.subTest(query=query):
                queryset, _ = exports.FIGURES.select(QueryDict(query))
                fast, python = both_files(exports.FIGURES, queryset)
                self.assertEqual(fast, python)
                self.assertEqual(fast.count(b"\r\n") - 1, queryset.count())
        # A sort given with the filters (as the figure explorer gives one) is the file's order, ties broken by id.
        queryset, _ = exports.FIGURES.select(QueryDict("unit=gbp_m"))
        fast, python = both_files(exports.FIGURES, queryset.order_by("-value"))
        self.assertEqual(fast, python)
        ids = [int(line.split(b",")[0]) for line in fast.splitlines()[1:]]
        self.assertEqual(ids, list(queryset.order_by("-value", "id").values_list("id", flat=True)))

    def test_the_database_writes_the_same_json_values_as_python(self):
        for resource in exports.RESOURCES.values():
            with self.subTest(resource=resource.name):
                queryset, _ = resource.select(QueryDict())
                self.assertEqual(json_rows(resource, queryset), list(exports.python_rows(resource, queryset)))

    def test_the_stored_judgements_are_the_rules_own(self):
        # figures.csv reads the quantity and the flags stored on write; they must be what the rules say of the figures.
        figures = list(Figure.objects.select_related("programme"))
        rows = list(exports.python_rows(exports.FIGURES, Figure.objects.all()))
        self.assertEqual({row["id"] for row in rows if row["disagrees"]}, set(disagreeing_by_rule(figures)))
        self.assertEqual({row["id"]: row["quantity"] for row in rows}, {figure.pk: rules.quantity_key(figure) for figure in figures})
        self.assertTrue(any(row["disagrees"] for row in rows))


class AsAtTests(TestCase):
    """As at a date, a figure disagrees only with figures whose sources had appeared by then."""

    @classmethod
    def setUpTestData(cls):
        programme = make_programme("as-at-export")
        cls.early = make_figure(programme, make_source("as-at-early", published=datetime.date(2014, 3, 1)), value=Decimal("40"))
        cls.later = make_figure(
            programme, make_source("as-at-later", publisher="Computer Weekly", published=datetime.date(2016, 6, 1)), value=Decimal("90")
        )
        cls.queryset = Figure.objects.filter(programme=programme)

    def disagrees(self, as_at) -> dict[int, str]:
        fast, python = both_files(exports.FIGURES, self.queryset, as_at)
        self.assertEqual(fast, python)
        self.assertEqual(json_rows(exports.FIGURES, self.queryset, as_at), list(exports.python_rows(exports.FIGURES, self.queryset, as_at)))
        lines = fast.decode("utf-8-sig").splitlines()
        return {int(line.split(",")[0]): line.rsplit(",", 1)[1] for line in lines[1:]}

    def test_a_disagreement_holds_from_the_day_both_sources_had_appeared(self):
        self.assertEqual(self.disagrees(None), {self.early.pk: "true", self.later.pk: "true"})
        self.assertEqual(self.disagrees(datetime.date(2016, 6, 1)), {self.early.pk: "true", self.later.pk: "true"})
        # Before the later source, the early figure has nothing to disagree with (the export's filter would leave the
        # later figure out; here both rows are asked for, to see each cell).
        self.assertEqual(self.disagrees(datetime.date(2016, 5, 31)), {self.early.pk: "false", self.later.pk: "false"})

    def test_it_agrees_with_the_flags_the_pages_show(self):
        for day in (datetime.date(2015, 1, 1), datetime.date(2017, 1, 1)):
            flagged = set(flag_texts(list(self.queryset), as_at=day))
            self.assertEqual({pk for pk, cell in self.disagrees(day).items() if cell == "true"}, flagged)


# Text as editors and imports may store it: formula triggers, apostrophes, quotes, commas, line breaks, any script.
# PostgreSQL text cannot hold NUL; surrogates are not text.
CELL_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", "'", '"', ",", " ", "\\", "£", "–", "é", "\u2028"]),
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    ),
    max_size=30,
)
MONEY = st.decimals(min_value=Decimal("-999999999999.99"), max_value=Decimal("999999999999.99"), places=2)


class RandomCellTests(HypothesisTestCase):
    @settings(max_examples=60)
    @given(note=CELL_TEXT, locator=CELL_TEXT, scope=CELL_TEXT, published=CELL_TEXT, value=MONEY, low=MONEY, start=st.integers(1990, 2100))
    def test_any_text_and_number_is_written_as_python_writes_it(self, note, locator, scope, published, value, low, start):
        programme, source = make_programme("random-cells"), make_source("random-cells", title=note or "untitled")
        high = min(low + abs(value), Decimal("999999999999.99"))  # the column holds 14 digits
        make_figure(programme, source, note=note, locator=locator[:200], scope=scope[:120], as_published=published[:120], value=value)
        make_figure(programme, source, value=None, value_low=low, value_high=high, period_start=start, period_end=None, scenario=note[:80])
        queryset = Figure.objects.filter(programme=programme)
        fast, python = both_files(exports.FIGURES, queryset)
        self.assertEqual(fast, python)
        self.assertEqual(json_rows(exports.FIGURES, queryset), list(exports.python_rows(exports.FIGURES, queryset)))


@unittest.skipUnless(connection.vendor == "postgresql", "COPY is PostgreSQL's; SQLite's downloads use the cursor path")
class CopyTests(TestCase):
    def test_a_failing_copy_raises_and_leaves_the_connection_usable(self):
        with self.assertRaises(DatabaseError), transaction.atomic():
            list(pgcopy.copy_rows(connection, "COPY (SELECT 1 / (id - id) FROM programmes_programme) TO STDOUT", 10))
        self.assertEqual(Figure.objects.filter(key="F041").count(), 1)

    def test_it_hands_over_whole_rows_in_batches(self):
        batches = list(pgcopy.copy_rows(connection, "COPY (SELECT i, 'a,b' FROM generate_series(1, 25) AS i) TO STDOUT WITH CSV", 10))
        self.assertEqual([len(batch) for batch in batches], [10, 10, 5])
        self.assertEqual(batches[2][-1], b'25,"a,b"\n')

    def test_it_lifts_the_statement_timeout_for_the_copy_alone(self):
        # A connection of its own, in autocommit as a request's is (this test's own runs inside the test's transaction).
        own = connections.create_connection(DEFAULT_DB_ALIAS)
        self.addCleanup(own.close)
        with own.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            before = cursor.fetchone()[0]
        rows = list(pgcopy.copy_rows(own, "COPY (SELECT current_setting('statement_timeout')) TO STDOUT", 10))
        self.assertEqual(rows, [[b"0\n"]])
        with own.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            self.assertEqual(cursor.fetchone()[0], before)
        self.assertNotEqual(before, "0")
