"""The data downloads: exact columns, every filter alone and combined, refusals that name the parameter, files
that spreadsheets and pandas read correctly and cannot run, and streaming that keeps memory flat."""

from __future__ import annotations

import datetime
import io
import json
import math
import unittest
from decimal import Decimal
from unittest import mock
from urllib.parse import urlencode

import pandas
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import TestCase
from django.utils.http import http_date
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from dashboard import exports
from programmes import rules
from programmes.models import (
    Basis,
    Contradiction,
    ContradictionProgramme,
    ContradictionSide,
    Event,
    Figure,
    Measure,
    Programme,
    Source,
    Status,
    Unit,
)
from tests.helpers import body, csv_rows, json_document, make_figure, make_programme, make_source

FIGURE_COLUMNS = [
    "id",
    "key",
    "programme",
    "programme_name",
    "description",
    "measure",
    "status",
    "basis",
    "horizon",
    "scope",
    "speaks_for",
    "revises",
    "part_of",
    "scenario",
    "milestone",
    "claimant",
    "qualifier",
    "as_published",
    "value",
    "value_low",
    "value_high",
    "unit",
    "period_start",
    "period_end",
    "period_as_published",
    "period_years",
    "source_id",
    "source_title",
    "source_publisher",
    "source_kind",
    "source_published",
    "source_date_precision",
    "source_is_primary",
    "source_url",
    "locator",
    "note",
    "quantity",
    "disagrees",
]


def expected_ids(params: dict) -> set[int]:
    """The figures a query should return, worked out in Python from the rules on /data/, not from the export's code."""
    programmes = set(params.get("programme", []))
    include_children = params.get("include_children") == "1"
    first = int(params["from"][:4]) if "from" in params else -math.inf
    last = int(params["to"][:4]) if "to" in params else math.inf
    publishers = {name.casefold() for name in params.get("publisher", [])}
    kept = set()
    for figure in Figure.objects.select_related("programme__parent", "source__publisher"):
        parent = figure.programme.parent.slug if figure.programme.parent else None
        if programmes and not (figure.programme.slug in programmes or (include_children and parent in programmes)):
            continue
        if any(params.get(name) and getattr(figure, name) not in params[name] for name in ("measure", "status", "basis", "unit")):
            continue
        if publishers and figure.source.publisher.name.casefold() not in publishers:
            continue
        if "from" in params or "to" in params:
            if figure.period_start is None and figure.period_end is None:
                continue
            # An open end reaches to the financial year the source was published in (/about/#year-filter).
            published = figure.source.published
            stated = published.year if published.month >= 4 else published.year - 1
            start = figure.period_start if figure.period_start is not None else min(figure.period_end, stated)
            end = figure.period_end if figure.period_end is not None else max(figure.period_start, stated)
            if end < first or start > last:
                continue
        kept.add(figure.pk)
    return kept


class FigureCsvTests(TestCase):
    def test_it_has_exactly_the_columns_in_order(self):
        header = body(self.client.get("/data/figures.csv")).decode("utf-8-sig").splitlines()[0]
        self.assertEqual(header.split(","), FIGURE_COLUMNS)
        self.assertEqual(exports.FIGURES.names, FIGURE_COLUMNS)

    def test_it_has_one_row_per_figure_in_id_order(self):
        rows = csv_rows(self.client.get("/data/figures.csv"))
        self.assertEqual([int(row["id"]) for row in rows], list(Figure.objects.order_by("id").values_list("id", flat=True)))

    def test_it_writes_a_figure_as_the_site_states_it(self):
        figure = Figure.objects.select_related("programme", "source").get(key="F041")
        row = next(row for row in csv_rows(self.client.get("/data/figures.csv")) if row["id"] == str(figure.pk))
        self.assertEqual(row["programme"], figure.programme.slug)
        self.assertEqual(row["programme_name"], figure.programme.name)
        self.assertEqual((row["value"], row["value_low"], row["value_high"]), ("90", "", ""))
        self.assertEqual((row["period_start"], row["period_end"]), ("2013-14", "2015-16"))
        self.assertEqual(row["source_id"], str(figure.source_id))
        self.assertEqual(row["source_published"], figure.source.published.isoformat())
        self.assertEqual(row["source_url"], figure.source.url)

    def test_it_writes_plain_decimals_ranges_and_blanks(self):
        rows = {row["id"]: row for row in csv_rows(self.client.get("/data/figures.csv"))}
        self.assertEqual(rows[str(Figure.objects.get(key="F008a").pk)]["value"], "55.4")
        target = Figure.objects.get(key="F022")
        self.assertEqual(
            (rows[str(target.pk)]["value"], rows[str(target.pk)]["value_low"], rows[str(target.pk)]["value_high"]), ("", "400", "600")
        )

    def test_it_leaves_unknown_figures_blank_not_zero(self):
        rows = {row["id"]: row for row in csv_rows(self.client.get("/data/figures.csv"))}
        for figure in Figure.objects.filter(qualifier="unknown"):
            row = rows[str(figure.pk)]
            self.assertEqual((row["qualifier"], row["value"], row["value_low"], row["value_high"]), ("unknown", "", "", ""))

    def test_it_uses_only_the_documented_vocabularies(self):
        rows = csv_rows(self.client.get("/data/figures.csv"))
        for name, choices in (("measure", Measure), ("status", Status), ("basis", Basis), ("unit", Unit)):
            self.assertLessEqual({row[name] for row in rows}, set(choices.values))

    def test_it_names_the_download_after_its_filters(self):
        response = self.client.get("/data/figures.csv?programme=ngss-2012&include_children=1&status=audited&from=2013-14")
        self.assertEqual(
            response["Content-Disposition"],
            'attachment; filename="figures_programme-ngss-2012_include_children_status-audited_from-2013-14.csv"',
        )
        self.assertEqual(self.client.get("/data/figures.csv")["Content-Disposition"], 'attachment; filename="figures.csv"')

    def test_it_makes_a_safe_file_name_from_any_publisher(self):
        response = self.client.get("/data/figures.csv", {"publisher": "Supply Management (CIPS)"})
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="figures_publisher-supply-management-cips.csv"')

    def test_it_streams(self):
        response = self.client.get("/data/figures.csv")
        self.assertIsInstance(response, StreamingHttpResponse)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")


class PeriodAsPublishedExportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        programme, source = make_programme("export-periods"), make_source("export-periods")
        unbounded = {"period_start": None, "period_end": None, "status": "forecast"}
        make_figure(programme, source, period_as_published="15 years", period_years=15, **unbounded)
        make_figure(programme, source, measure="investment", period_as_published="programme life", **unbounded)
        make_figure(programme, source, period_as_published="since 2021", period_start=2020, period_end=None, status="forecast")

    def test_it_writes_the_period_as_published_and_its_length_in_csv_and_json(self):
        expected = [("15 years", "15", "", ""), ("programme life", "", "", ""), ("since 2021", "", "2020-21", "")]
        rows = csv_rows(self.client.get("/data/figures.csv?programme=export-periods"))
        cells = [(row["period_as_published"], row["period_years"], row["period_start"], row["period_end"]) for row in rows]
        self.assertEqual(cells, expected)
        document = json_document(self.client.get("/data/figures.json?programme=export-periods"))
        values = [(row["period_as_published"], row["period_years"], row["period_start"]) for row in document["rows"]]
        self.assertEqual(values, [("15 years", 15, None), ("programme life", None, None), ("since 2021", None, "2020-21")])

    def test_it_describes_the_new_columns_in_the_data_dictionary(self):
        schema = json_document(self.client.get("/data/datapackage.json"))
        figures = next(resource for resource in schema["resources"] if resource["name"] == "figures")
        fields = {field["name"]: field for field in figures["schema"]["fields"]}
        self.assertIn("15 years", fields["period_as_published"]["description"])
        self.assertEqual(fields["period_years"]["type"], "integer")


class SpreadsheetTests(TestCase):
    """Excel needs the byte-order mark to read £; pandas must need no options; no cell may run as a formula."""

    def test_it_starts_with_a_utf8_byte_order_mark_and_keeps_the_pound_sign(self):
        data = body(self.client.get("/data/figures.csv"))
        self.assertTrue(data.startswith(b"\xef\xbb\xbfid,key,programme,"))
        self.assertIn("£".encode(), data)
        self.assertIn("£", data.decode("utf-8-sig"))

    def test_it_reads_into_pandas_without_options(self):
        frame = pandas.read_csv(io.BytesIO(body(self.client.get("/data/figures.csv?programme=ngss-2012&include_children=1"))))
        self.assertEqual(list(frame.columns), FIGURE_COLUMNS)
        figures = Figure.objects.in_programmes(Programme.objects.filter(slug="ngss-2012"), include_children=True)
        self.assertEqual(len(frame), figures.count())
        self.assertTrue(pandas.api.types.is_float_dtype(frame["value"]))
        by_id = frame.set_index("id")
        for figure in figures:
            expected = float(figure.value) if figure.value is not None else None
            actual = by_id.loc[figure.pk, "value"]
            self.assertTrue(pandas.isna(actual) if expected is None else actual == expected, figure.key)

    def test_it_keeps_the_pound_sign_and_dashes_intact_in_pandas(self):
        frame = pandas.read_csv(io.BytesIO(body(self.client.get("/data/figures.csv"))))
        notes = " ".join(frame["note"].dropna())
        self.assertIn("£", notes)
        self.assertIn("Early shared services centres (2004\u20132011)", set(frame["programme_name"]))

    def test_it_neutralises_text_that_a_spreadsheet_would_run(self):
        programme, source = make_programme("formula-test"), make_source("formula-test")
        cells = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "'=already", "plain", "'quoted'"]
        for text in cells:
            make_figure(programme, source, note=text, locator=text[:200], value=Decimal("-4"))
        rows = csv_rows(self.client.get("/data/figures.csv?programme=formula-test"))
        notes = [row["note"] for row in rows]
        self.assertEqual(
            notes, ['\'=HYPERLINK("http://evil")', "'+1+1", "'-2+3", "'@SUM(A1)", "'\tTAB", "'\rCR", "''=already", "plain", "'quoted'"]
        )
        self.assertEqual([row["locator"] for row in rows], notes)
        self.assertEqual({row["value"] for row in rows}, {"-4"})

    def test_it_neutralises_formula_like_source_titles_and_publishers(self):
        source = make_source("formula-source", title="=cmd|' /C calc'!A0", publisher="@Publisher")
        make_figure(make_programme("formula-source"), source)
        row = csv_rows(self.client.get("/data/figures.csv?programme=formula-source"))[0]
        self.assertEqual((row["source_title"], row["source_publisher"]), ("'=cmd|' /C calc'!A0", "'@Publisher"))

    def test_it_keeps_text_exactly_as_stored_in_json(self):
        make_figure(make_programme("formula-json"), make_source("formula-json"), note="=1+1")
        document = json_document(self.client.get("/data/figures.json?programme=formula-json"))
        self.assertEqual(document["rows"][0]["note"], "=1+1")


class FormulaEscapeTests(unittest.TestCase):
    def test_it_prefixes_an_apostrophe_only_where_needed(self):
        examples = [("=1", "'=1"), ("-4", "'-4"), ("\tx", "'\tx"), ("'x", "'x"), ("'=x", "''=x"), ("", ""), ("\u00a3128m", "\u00a3128m")]
        for text, expected in examples:
            with self.subTest(text=text):
                self.assertEqual(exports.neutralise(text), expected)

    @given(st.text())
    @settings(max_examples=300)
    def test_it_undoes_its_own_escape_exactly(self, text):
        self.assertEqual(exports.unescape(exports.neutralise(text)), text)

    @given(st.text())
    @settings(max_examples=300)
    def test_it_leaves_no_cell_starting_with_a_trigger(self, text):
        self.assertFalse(exports.neutralise(text).startswith(exports.FORMULA_TRIGGERS))


class FigureFilterTests(TestCase):
    def ids(self, query: str) -> set[int]:
        return {int(row["id"]) for row in csv_rows(self.client.get(f"/data/figures.csv?{query}"))}

    def assert_filters(self, params: dict) -> set[int]:
        query = urlencode(params, doseq=True)
        expected = expected_ids(params)
        self.assertEqual(self.ids(query), expected, query)
        document = json_document(self.client.get(f"/data/figures.json?{query}"))
        self.assertEqual({row["id"] for row in document["rows"]}, expected)
        self.assertEqual(document["count"], len(expected))
        return expected

    def test_it_filters_by_one_programme(self):
        ids = self.assert_filters({"programme": ["issc1"]})
        self.assertEqual(ids, set(Figure.objects.filter(programme__slug="issc1").values_list("id", flat=True)))
        self.assertTrue(ids)

    def test_it_adds_centres_and_clusters_with_include_children(self):
        alone = self.assert_filters({"programme": ["ngss-2012"]})
        with_children = self.assert_filters({"programme": ["ngss-2012"], "include_children": "1"})
        centres = set(Figure.objects.filter(programme__slug__in=["issc1", "issc2"]).values_list("id", flat=True))
        self.assertEqual(with_children, alone | centres)
        self.assertTrue(centres)

    def test_it_ignores_include_children_0(self):
        self.assertEqual(self.ids("programme=ngss-2012&include_children=0"), self.ids("programme=ngss-2012"))

    def test_it_takes_several_programmes(self):
        ids = self.assert_filters({"programme": ["issc1", "issc2"]})
        self.assertEqual(ids, self.ids("programme=issc1") | self.ids("programme=issc2"))

    def test_it_filters_by_each_vocabulary(self):
        for name, choices in (("measure", Measure), ("status", Status), ("basis", Basis), ("unit", Unit)):
            for value in choices.values:
                with self.subTest(name=name, value=value):
                    ids = self.assert_filters({name: [value]})
                    self.assertEqual(ids, set(Figure.objects.filter(**{name: value}).values_list("id", flat=True)))

    def test_it_takes_several_values_of_one_vocabulary(self):
        ids = self.assert_filters({"status": ["audited", "claimed"]})
        self.assertEqual(ids, self.ids("status=audited") | self.ids("status=claimed"))

    def test_it_filters_by_publisher_in_any_case(self):
        ids = self.assert_filters({"publisher": ["national audit office"]})
        self.assertEqual(ids, set(Figure.objects.filter(source__publisher__name="National Audit Office").values_list("id", flat=True)))
        self.assertTrue(ids)

    def test_it_filters_by_financial_years_from_and_to(self):
        for params in ({"from": "2014-15"}, {"to": "2012-13"}, {"from": "2013-14", "to": "2015-16"}, {"from": "2020-21", "to": "2020-21"}):
            with self.subTest(**params):
                self.assertTrue(self.assert_filters(params))

    def test_it_matches_a_period_that_overlaps_with_open_ends_reaching_out(self):
        programme, source = make_programme("overlap"), make_source("overlap")
        spans = {"inside": (2014, 2014), "across": (2010, 2020), "before": (2005, 2012), "after": (2016, 2018), "open-start": (None, 2014)}
        spans |= {"open-end": (2012, None), "open-end-late": (2016, None), "no-period": (None, None)}
        made = {name: make_figure(programme, source, period_start=s, period_end=e, locator=name).pk for name, (s, e) in spans.items()}
        found = self.ids("programme=overlap&from=2013-14&to=2015-16")
        self.assertEqual(found, {made[name] for name in ("inside", "across", "open-start", "open-end")})

    def test_it_combines_filters_so_a_figure_must_match_all(self):
        ids = self.assert_filters(
            {"programme": ["ngss-2012"], "include_children": "1", "status": ["audited"], "measure": ["savings"], "from": "2013-14"}
        )
        self.assertTrue(ids)
        self.assertEqual(ids, self.ids("programme=ngss-2012&include_children=1") & self.ids("status=audited&measure=savings&from=2013-14"))

    def test_it_returns_a_header_only_file_when_valid_filters_match_nothing(self):
        response = self.client.get("/data/figures.csv?programme=issc2&measure=deadline&status=target&unit=months")
        self.assertEqual(body(response), b"\xef\xbb\xbf" + ",".join(FIGURE_COLUMNS).encode() + b"\r\n")


class FilterCombinationPropertyTests(HypothesisTestCase):
    """Any combination of valid filters returns exactly the figures the rules on /data/ describe, in CSV and JSON."""

    @settings(max_examples=40)
    @given(st.data())
    def test_it_matches_the_rules_for_any_combination_of_filters(self, data):
        slugs = list(Programme.objects.order_by("slug").values_list("slug", flat=True))
        publishers = sorted(set(Source.objects.values_list("publisher__name", flat=True)))
        params: dict = {}
        if programmes := data.draw(st.lists(st.sampled_from(slugs), max_size=2, unique=True)):
            params["programme"] = programmes
            if data.draw(st.booleans()):
                params["include_children"] = "1"
        for name, choices in (("measure", Measure), ("status", Status), ("basis", Basis), ("unit", Unit)):
            if values := data.draw(st.lists(st.sampled_from(choices.values), max_size=2, unique=True)):
                params[name] = values
        if data.draw(st.booleans()):
            params["publisher"] = [data.draw(st.sampled_from(publishers))]
        first = data.draw(st.one_of(st.none(), st.integers(2000, 2030)))
        last = data.draw(st.one_of(st.none(), st.integers(first or 2000, 2030)))
        if first is not None:
            params["from"] = f"{first}-{(first + 1) % 100:02d}"
        if last is not None:
            params["to"] = f"{last}-{(last + 1) % 100:02d}"
        query = urlencode(params, doseq=True)
        expected = expected_ids(params)
        ids = {int(row["id"]) for row in csv_rows(self.client.get(f"/data/figures.csv?{query}"))}
        self.assertEqual(ids, expected, query)
        document = json_document(self.client.get(f"/data/figures.json?{query}"))
        self.assertEqual(({row["id"] for row in document["rows"]}, document["count"]), (expected, len(expected)), query)


BAD_QUERIES = [
    ("status=promised", "status", "target"),
    ("from=2025-23", "from", "2013-14"),
    ("from=2030-31&to=2020-21", "to", "2030-31"),
    ("programme=ngss-2013", "programme", "ngss-2012"),
    ("programme=ngss-2012&programme=nowhere", "programme", "ngss-2012"),
    ("staus=audited", "staus", "status"),
    ("measure=", "measure", "savings"),
    ("measure=Savings", "measure", "savings"),
    ("basis=yearly", "basis", "annual"),
    ("unit=gbp", "unit", "gbp_m"),
    ("publisher=Nobody", "publisher", "National Audit Office"),
    ("include_children=yes&programme=ngss-2012", "include_children", "1"),
    ("include_children=1", "include_children", "1"),
    ("from=2013", "from", "2013-14"),
    ("to=1850-51", "to", "2013-14"),
    ("from=2013-14&from=2014-15", "from", "2013-14"),
]


class BadParameterTests(TestCase):
    """Mistakes get a 400 naming the parameter and what it accepts: never a 500, never an empty file that looks like data."""

    def test_it_answers_400_in_plain_text_for_csv(self):
        for query, parameter, allowed in BAD_QUERIES:
            with self.subTest(query=query):
                response = self.client.get(f"/data/figures.csv?{query}")
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
                text = response.content.decode()
                self.assertIn(parameter, text.splitlines()[0])
                self.assertIn(allowed, text)
                self.assertNotIn("Content-Disposition", response)

    def test_it_answers_400_in_json_with_the_parameter_message_and_allowed_values(self):
        for query, parameter, allowed in BAD_QUERIES:
            with self.subTest(query=query):
                response = self.client.get(f"/data/figures.json?{query}")
                self.assertEqual(response.status_code, 400)
                error = response.json()["error"]
                self.assertEqual(error["parameter"], parameter)
                self.assertIn(parameter, error["message"])
                self.assertIsInstance(error["allowed"], list)
                self.assertTrue(any(allowed in value for value in error["allowed"]), error)

    def test_it_says_what_is_wrong_with_the_usual_mistakes(self):
        self.assertEqual(
            self.client.get("/data/figures.json?status=promised").json()["error"],
            {
                "parameter": "status",
                "message": "status='promised' is not allowed.",
                "allowed": ["target", "forecast", "claimed", "audited"],
            },
        )
        self.assertIn("2025 is followed by 2025-26", self.client.get("/data/figures.json?from=2025-23").json()["error"]["message"])
        self.assertIn("before from=2030-31", self.client.get("/data/figures.csv?from=2030-31&to=2020-21").content.decode())

    def test_it_refuses_bad_parameters_on_the_other_tables_too(self):
        for url, parameter in (
            ("/data/sources.csv?kind=blog", "kind"),
            ("/data/sources.json?publisher=Nobody", "publisher"),
            ("/data/programmes.json?kind=department", "kind"),
            ("/data/programmes.csv?status=audited", "status"),
            ("/data/events.json?programme=nowhere", "programme"),
            ("/data/events.csv?kind=party", "kind"),
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 400)
                self.assertIn(parameter, response.content.decode())

    def test_it_allows_only_safe_methods(self):
        self.assertEqual(self.client.post("/data/figures.csv").status_code, 405)
        self.assertEqual(self.client.head("/data/figures.csv").status_code, 200)


class FigureJsonTests(TestCase):
    def test_it_returns_rows_count_filters_and_when_the_data_last_changed(self):
        response = self.client.get("/data/figures.json?programme=ngss-2012&include_children=1&status=audited")
        document = json_document(response)
        self.assertEqual(document["resource"], "figures")
        self.assertEqual(document["filters"], {"programme": ["ngss-2012"], "include_children": True, "status": ["audited"]})
        self.assertEqual(document["fields"], FIGURE_COLUMNS)
        self.assertEqual(document["count"], len(document["rows"]))
        self.assertTrue(document["rows"])
        self.assertEqual(list(document["rows"][0]), FIGURE_COLUMNS)
        recorded = (Figure, Source, Programme, Event, Contradiction, ContradictionProgramme, ContradictionSide)
        changed = max(model.history.latest("history_date").history_date for model in recorded)
        self.assertEqual(datetime.datetime.fromisoformat(document["last_changed"]), changed)
        self.assertEqual(response["Last-Modified"], http_date(changed.timestamp()))

    def test_it_gives_numbers_as_numbers_and_absent_values_as_null(self):
        document = json_document(self.client.get("/data/figures.json"))
        rows = {row["id"]: row for row in document["rows"]}
        self.assertEqual(rows[Figure.objects.get(key="F041").pk]["value"], 90)
        self.assertEqual(rows[Figure.objects.get(key="F008a").pk]["value"], 55.4)
        target = rows[Figure.objects.get(key="F022").pk]
        self.assertEqual((target["value"], target["value_low"], target["value_high"]), (None, 400, 600))
        self.assertEqual(rows[Figure.objects.get(key="F041").pk]["period_start"], "2013-14")

    def test_it_holds_the_same_figures_as_the_csv(self):
        as_csv = csv_rows(self.client.get("/data/figures.csv?unit=gbp_m"))
        as_json = json_document(self.client.get("/data/figures.json?unit=gbp_m"))["rows"]
        self.assertEqual([int(row["id"]) for row in as_csv], [row["id"] for row in as_json])
        for row_csv, row_json in zip(as_csv, as_json, strict=True):
            for name in ("value", "value_low", "value_high"):
                self.assertEqual(
                    Decimal(row_csv[name]) if row_csv[name] else None, Decimal(str(row_json[name])) if row_json[name] is not None else None
                )

    def test_it_names_the_document_after_its_filters_and_shows_it_inline(self):
        response = self.client.get("/data/figures.json?measure=savings")
        self.assertEqual(response["Content-Disposition"], 'inline; filename="figures_measure-savings.json"')
        self.assertEqual(response["Content-Type"], "application/json")


class ConditionalRequestTests(TestCase):
    def test_it_answers_304_when_nothing_changed_since_the_client_last_fetched(self):
        first = self.client.get("/data/figures.csv")
        again = self.client.get("/data/figures.csv", headers={"if-modified-since": first["Last-Modified"]})
        self.assertEqual(again.status_code, 304)

    def test_it_sends_the_data_again_after_an_edit(self):
        first = self.client.get("/data/figures.json")
        figure = Figure.objects.get(key="F041")
        later = max(model.history.latest("history_date").history_date for model in (Figure, Source, Programme, Event))
        with mock.patch("django.utils.timezone.now", return_value=later + datetime.timedelta(minutes=5)):
            figure.locator = "paragraph 12"
            figure.save()
        again = self.client.get("/data/figures.json", headers={"if-modified-since": first["Last-Modified"]})
        self.assertEqual(again.status_code, 200)

    def test_it_lets_other_sites_read_the_data(self):
        self.assertEqual(self.client.get("/data/figures.json")["Access-Control-Allow-Origin"], "*")


class OtherTableTests(TestCase):
    def test_it_lists_every_source_with_plain_dates_and_booleans(self):
        rows = csv_rows(self.client.get("/data/sources.csv"))
        self.assertEqual(len(rows), Source.objects.count())
        self.assertEqual(list(rows[0]), exports.SOURCES.names)
        source = Source.objects.get(key="nao-2016-shared-service-centres")
        row = next(row for row in rows if row["id"] == str(source.pk))
        self.assertEqual((row["published"], row["is_primary"], row["kind"]), (source.published.isoformat(), "true", source.kind))

    def test_it_filters_sources_by_publisher_and_kind(self):
        rows = csv_rows(self.client.get("/data/sources.csv?publisher=National+Audit+Office&kind=audit_report"))
        expected = Source.objects.filter(publisher__name="National Audit Office", kind="audit_report")
        self.assertEqual({int(row["id"]) for row in rows}, set(expected.values_list("id", flat=True)))
        self.assertTrue(rows)

    def test_it_lists_every_programme_with_its_parent(self):
        rows = {row["slug"]: row for row in csv_rows(self.client.get("/data/programmes.csv"))}
        self.assertEqual(set(rows), set(Programme.objects.values_list("slug", flat=True)))
        self.assertEqual(rows["issc1"]["parent"], "ngss-2012")
        self.assertEqual(rows["ngss-2012"]["parent"], "")
        clusters = json_document(self.client.get("/data/programmes.json?kind=cluster"))
        self.assertEqual({row["slug"] for row in clusters["rows"]}, {"matrix", "synergy", "unity", "defence", "overseas"})

    def test_it_filters_events_by_programme_with_children_and_kind(self):
        rows = csv_rows(self.client.get("/data/events.csv?programme=clusters-2021&include_children=1"))
        expected = Event.objects.filter(programme__slug="clusters-2021") | Event.objects.filter(programme__parent__slug="clusters-2021")
        self.assertEqual({int(row["id"]) for row in rows}, set(expected.values_list("id", flat=True)))
        document = json_document(self.client.get("/data/events.json?kind=report"))
        self.assertEqual(document["count"], Event.objects.filter(kind="report").count())
        self.assertEqual(document["filters"], {"kind": ["report"]})

    def test_it_downloads_every_table_as_csv_and_json_with_its_columns(self):
        for resource in exports.RESOURCES.values():
            with self.subTest(resource=resource.name):
                rows = csv_rows(self.client.get(f"/data/{resource.name}.csv"))
                self.assertEqual(list(rows[0]), resource.names)
                document = json_document(self.client.get(f"/data/{resource.name}.json"))
                self.assertEqual(document["count"], len(rows))


class StreamingTests(TestCase):
    ROWS = 100_000

    @classmethod
    def setUpTestData(cls):
        programme, source = make_programme("bulk"), make_source("bulk")
        # One INSERT ... SELECT: building 100,000 model instances would take longer than the export being tested.
        table, quote = Figure._meta.db_table, connection.ops.quote_name
        columns = ", ".join(quote(name) for name in ("key", "programme_id", "description", "measure", "status", "basis", "qualifier"))
        columns += ", " + ", ".join(quote(name) for name in ("value", "unit", "period_start", "period_end", "source_id", "locator", "note"))
        columns += ", " + ", ".join(
            quote(name) for name in ("claimant_id", "horizon", "scope", "scenario", "as_published", "version", "quantity")
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
                f"INSERT INTO {quote(table)} ({columns}) "
                f"SELECT '', %s, 'bulk', 'savings', 'claimed', 'annual', 'exact', i / 4.0, 'gbp_m', 2015, 2016, %s, '', %s, %s, 'outturn', '', '', '', 1, %s FROM n",
                [
                    cls.ROWS,
                    programme.pk,
                    source.pk,
                    "A note of ordinary length, with \u00a3 in it.",
                    source.publisher_id,
                    "bulk/whole/savings/claimed/annual/gbp_m/2015-16..2016-17",
                ],
            )

    def test_it_streams_100k_rows_without_loading_them_all_at_once(self):
        batches: list[int] = []
        streaming = exports.streaming
        real_fetched, real_copy_rows = streaming.fetched, streaming.pgcopy.copy_rows

        def counted(source):
            def counting(*args, **kwargs):
                for rows in source(*args, **kwargs):
                    batches.append(len(rows))
                    yield rows

            return counting

        # The rows come from the database in batches: through COPY on PostgreSQL, a cursor elsewhere.
        with (
            mock.patch.object(streaming, "fetched", counted(real_fetched)),
            mock.patch.object(streaming.pgcopy, "copy_rows", counted(real_copy_rows)),
        ):
            response = self.client.get("/data/figures.csv?programme=bulk")
            lines = pieces = 0
            for piece in response.streaming_content:
                lines += piece.count(b"\r\n")
                pieces += 1
                # Every row read from the database has gone out before the next one is read.
                self.assertEqual(sum(batches), lines - 1)
        self.assertEqual(lines, self.ROWS + 1)
        self.assertGreaterEqual(pieces, self.ROWS // exports.CHUNK_SIZE)
        # No more than CHUNK_SIZE rows are held at once.
        self.assertEqual(max(batches), exports.CHUNK_SIZE)

    def test_it_streams_json_in_pieces_too(self):
        response = self.client.get("/data/figures.json?programme=bulk")
        pieces = list(response.streaming_content)
        self.assertGreaterEqual(len(pieces), self.ROWS // exports.CHUNK_SIZE)
        document = json.loads(b"".join(pieces))
        self.assertEqual((document["count"], len(document["rows"])), (self.ROWS, self.ROWS))
        self.assertEqual(document["rows"][3]["value"], 1)


class DataPageTests(TestCase):
    def test_it_lists_every_download_with_examples(self):
        response = self.client.get("/data/")
        self.assertEqual(response.status_code, 200)
        for resource in exports.RESOURCES.values():
            self.assertContains(response, f'href="/data/{resource.name}.csv"')
            self.assertContains(response, f'href="/data/{resource.name}.json"')
        self.assertContains(response, 'href="/data/figures.csv?programme=ngss-2012&amp;include_children=1"')
        self.assertContains(response, 'href="/data/datapackage.json"')

    def test_it_documents_every_column_and_parameter_from_the_export_definitions(self):
        response = self.client.get("/data/")
        for resource in exports.RESOURCES.values():
            for column in resource.columns:
                self.assertContains(response, f'<th scope="row"><code>{column.name}</code></th>')
            for parameter in resource.parameters:
                self.assertContains(response, f"<code>{parameter.name}</code>")
        self.assertContains(response, "<caption>Data dictionary: the columns of figures.csv, in order</caption>", html=True)

    def test_it_marks_the_data_link_as_the_current_page_and_runs_no_inline_script(self):
        response = self.client.get("/data/")
        self.assertContains(response, '<a href="/data/" aria-current="page">Data</a>', html=True)
        self.assertNotContains(response, "<script>")


class JudgementColumnTests(TestCase):
    """figures.csv and .json say what each figure states and whether another figure of that quantity disagrees with it."""

    @classmethod
    def setUpTestData(cls):
        programme = make_programme("judged")
        cls.low = make_figure(programme, make_source("judged-nao", publisher="National Audit Office"), value=Decimal("40"))
        cls.high = make_figure(programme, make_source("judged-press", publisher="Computer Weekly"), value=Decimal("90"))
        cls.other = make_figure(programme, make_source("judged-other", publisher="Cabinet Office"), value=Decimal("90"), scope="One centre")

    def test_it_marks_the_figures_that_disagree_and_gives_their_quantity(self):
        rows = {row["id"]: row for row in csv_rows(self.client.get("/data/figures.csv?programme=judged"))}
        self.assertEqual(rows[str(self.low.pk)]["disagrees"], "true")
        self.assertEqual(rows[str(self.high.pk)]["disagrees"], "true")
        self.assertEqual(rows[str(self.other.pk)]["disagrees"], "false")
        self.assertEqual(rows[str(self.low.pk)]["quantity"], rules.quantity_key(self.low))
        self.assertEqual(rows[str(self.other.pk)]["quantity"], rules.quantity_key(self.other))

    def test_it_judges_a_filtered_export_against_every_figure_of_its_programme(self):
        response = self.client.get(f"/data/figures.json?programme=judged&publisher={self.low.source.publisher.name}")
        document = json.loads(body(response))
        self.assertEqual([(row["id"], row["disagrees"]) for row in document["rows"]], [(self.low.pk, True)])

    def test_it_exports_the_claimant_and_the_sources_reading(self):
        row = next(row for row in csv_rows(self.client.get("/data/figures.csv?programme=judged")) if row["id"] == str(self.low.pk))
        self.assertEqual(
            (row["claimant"], row["source_kind"], row["source_is_primary"]), ("National Audit Office", self.low.source.kind, "true")
        )
