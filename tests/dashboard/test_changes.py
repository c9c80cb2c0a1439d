"""What changed between two dates: the page, its CSV and JSON (the Atom feeds of changes to the record: test_feeds.py)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal as D
from html import unescape
from unittest import mock
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, QueryDict
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from dashboard import change_views, changes
from programmes.models import Disagreement, Figure
from tests.helpers import add_synthetic_figures, csv_rows, json_document, make_figure, make_programme, make_source
from tests.record_expectations import CHANGES


def keys(found: changes.Changes) -> dict:
    """The changes by kind and programme, as figure keys, in the shape of record_expectations.CHANGES."""
    shape: dict = {"new": {}, "restated": {}, "flagged": {}, "resolved": {}, "cards": {}}
    for group in found.programmes:
        slug = group.programme.slug
        if group.new:
            shape["new"][slug] = sorted(f.key for f in group.new)
        if group.restated:
            shape["restated"][slug] = sorted((item.before.key, item.figure.key) for item in group.restated)
        if group.flagged:
            shape["flagged"][slug] = sorted(item.figure.key for item in group.flagged)
        if group.resolved:
            shape["resolved"][slug] = sorted(tuple(f.key for f in (*item.then, *item.now)) for item in group.resolved)
        if group.cards:
            shape["cards"][slug] = {card.role: (card.before and card.before.key, card.after and card.after.key) for card in group.cards}
    return shape


def sorted_expectation(expected: dict) -> dict:
    return {
        name: {slug: (sorted(value) if isinstance(value, list) else value) for slug, value in by_programme.items()}
        for name, by_programme in expected.items()
    }


class PinnedChangesTests(TestCase):
    def test_each_pinned_period_holds_exactly_the_figures_listed(self):
        for (since, until), expected in CHANGES.items():
            with self.subTest(since=since, until=until):
                self.assertEqual(keys(changes.between(since, until)), sorted_expectation(expected))

    def test_the_page_lists_them_by_programme(self):
        response = self.client.get("/changes/", {"since": "2016-10-17", "until": "2016-10-19"})
        html = response.content.decode()
        self.assertEqual(response.status_code, 200)
        for key in ("F043", "F055"):
            self.assertIn(f'data-change="new" data-figure="{key}"', html)
        for key in ("F056b", "F056"):
            self.assertIn(f'data-change="restated" data-figure="{key}"', html)
            self.assertIn(f'data-change="flagged" data-figure="{key}"', html)
        self.assertIn('<tr data-card="net-benefit">', html)
        self.assertIn('<h2 id="changes-ngss-2012">', html)
        self.assertIn("1 card line changed, 2 new figures, 2 restated figures, 2 new disagreements, 0 resolved disagreements", html)

    def test_the_csv_and_the_json_hold_the_same_rows(self):
        query = {"since": "2016-10-17", "until": "2016-10-19"}
        response = self.client.get("/changes.csv", query)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        rows = csv_rows(response)
        document = json_document(self.client.get("/changes.json", query))
        self.assertEqual(document["count"], len(rows))
        self.assertEqual(document["fields"], changes.COLUMNS)
        self.assertEqual([(r["change"], r["figure_key"]) for r in rows], [(r["change"], r["figure_key"]) for r in document["rows"]])
        self.assertEqual(
            [(r["change"], r["figure_key"], r["before_figure_key"]) for r in rows],
            [
                ("card", "F043", ""),
                ("new_figure", "F043", ""),
                ("new_figure", "F055", ""),
                ("restated", "F056b", "F023c"),
                ("restated", "F056", "F056b"),
                ("new_disagreement", "F056b", ""),
                ("new_disagreement", "F056", ""),
            ],
        )
        net = rows[0]
        self.assertEqual((net["card"], net["value"], net["before_value"]), ("net-benefit", "'-£4m", ""), "a formula-like cell is escaped")

    def test_it_defaults_to_the_last_twelve_months(self):
        with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2024, 3, 13)):
            document = json_document(self.client.get("/changes.json"))
        self.assertEqual((document["since"], document["until"]), ("2023-03-13", "2024-03-13"))
        restated = {r["figure_key"] for r in document["rows"] if r["change"] == "restated"}
        # Over £3bn after about £1.8bn (clusters), about 1,100 after 1,200 (SSCL staff), and a contract value that moved;
        # the Cabinet Office's "about £900m" repeats The Register's £900m, and "about £120m" the minister's "over £120m".
        self.assertEqual(restated, {"F093", "F035b", "F107a"})

    def test_until_defaults_to_the_date_the_page_is_read_at(self):
        response = self.client.get("/changes/", {"as_at": "2016-05-20"})
        self.assertEqual((response.context["since"], response.context["until"]), (datetime.date(2015, 5, 20), datetime.date(2016, 5, 20)))
        self.assertContains(response, "The record as it stood on")

    def test_a_period_with_nothing_published_says_so(self):
        response = self.client.get("/changes/", {"since": "2017-02-01", "until": "2017-06-30"})
        self.assertContains(response, "so nothing changed")

    def test_a_bad_date_is_a_400_naming_the_parameter(self):
        for name, value in (("since", "yesterday"), ("until", "2016-02-30"), ("since", "2017-01-01")):
            query = {name: value, **({"until": "2016-01-01"} if name == "since" and value == "2017-01-01" else {})}
            with self.subTest(name=name, value=value):
                page = self.client.get("/changes/", query)
                self.assertContains(page, f"The query parameter {name}", status_code=400)
                self.assertContains(self.client.get("/changes.csv", query), f"The query parameter {name}", status_code=400)
                self.assertEqual(self.client.get("/changes.json", query).json()["error"]["parameter"], name)


class DefinitionTests(TestCase):
    """Restatement, repeat and resolution on small made-up records."""

    def setUp(self):
        self.programme = make_programme("settled", name="Settled strategy")
        self.plan = make_source("settled-plan", publisher="Cabinet Office", kind="strategy", published=datetime.date(2013, 1, 1))
        self.audit = make_source("settled-audit", published=datetime.date(2015, 1, 1))
        self.later = make_source("settled-later", publisher="Cabinet Office", kind="press_release", published=datetime.date(2017, 1, 1))
        fields = {"status": "target", "basis": "annual", "period_start": None, "period_end": None}
        self.promise = make_figure(self.programme, self.plan, value=D("600"), **fields)
        self.doubt = make_figure(
            self.programme, self.audit, value=None, value_low=D("300"), value_high=D("400"), claimant="Cabinet Office", **fields
        )

    def between(self, since: str, until: str) -> changes.ProgrammeChanges:
        found = changes.between(datetime.date.fromisoformat(since), datetime.date.fromisoformat(until))
        return next(group for group in found.programmes if group.programme == self.programme)

    def test_a_new_value_of_the_same_quantity_is_a_restatement_and_the_same_value_a_repeat(self):
        group = self.between("2014-01-01", "2015-12-31")
        self.assertEqual([(r.before, r.figure) for r in group.restated], [(self.promise, self.doubt)])
        repeat = make_figure(
            self.programme,
            self.later,
            value=None,
            value_low=D("300"),
            value_high=D("400"),
            status="target",
            basis="annual",
            period_start=None,
            period_end=None,
        )
        group = self.between("2016-01-01", "2017-12-31")
        self.assertEqual((group.new, group.restated), ([repeat], []))

    def test_a_disagreement_is_resolved_when_a_claimant_moves_to_a_value_the_other_admits(self):
        # The Cabinet Office's £600m and the NAO's (here a claimant of a target, to make one quantity) £300-400m.
        self.doubt.claimant = self.audit.publisher
        self.doubt.save()
        self.assertEqual(Figure.objects.get(pk=self.doubt.pk).disagreement_count, 1)
        moved = make_figure(self.programme, self.later, value=D("350"), status="target", basis="annual", period_start=None, period_end=None)
        group = self.between("2016-01-01", "2017-12-31")
        self.assertEqual([(r.then, r.now) for r in group.resolved], [((self.promise, self.doubt), (moved, self.doubt))])
        self.assertTrue(Disagreement.objects.filter(figure=self.promise, other=self.doubt).exists(), "the published figures still disagree")
        row = next(
            r
            for r in changes.rows(changes.Changes(datetime.date(2016, 1, 1), datetime.date(2017, 12, 31), [group]))
            if r["change"] == "resolved_disagreement"
        )
        self.assertEqual((row["figure_id"], row["before_figure_id"]), (moved.pk, self.promise.pk))
        self.assertIn("which do not disagree", row["detail"])
        self.assertEqual(self.between("2014-01-01", "2015-12-31").resolved, [], "nothing resolves a disagreement but a later statement")

    def test_a_card_change_names_both_figures(self):
        group = self.between("2014-01-01", "2017-12-31")
        self.assertEqual([(c.role, c.before, c.after) for c in group.cards], [])  # the first promise stays the first
        audited = make_figure(self.programme, make_source("settled-audit-2016", published=datetime.date(2016, 6, 1)), value=D("90"))
        group = self.between("2014-01-01", "2017-12-31")
        self.assertEqual([(c.role, c.before, c.after) for c in group.cards], [("delivered-audited", None, audited)])


class PagedChangesTests(TestCase):
    """A long period is shown a page at a time and downloaded in pieces, each loading only the figures it shows."""

    PERIOD = {"since": "2000-01-01", "until": "2026-11-30"}

    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("grown", name="Grown strategy")
        add_synthetic_figures(cls.programme, 150)

    def setUp(self):
        # The synthetic figures are written in bulk, which leaves the change stamp where it was.
        cache.clear()

    def page(self, number: int, **query) -> HttpResponse:
        response = self.client.get("/changes/", {**self.PERIOD, **query, "page": number})
        self.assertEqual(response.status_code, 200)
        return response

    def every_row(self) -> list[tuple]:
        found = changes.between(datetime.date(2000, 1, 1), datetime.date(2026, 11, 30))
        return [identity(row) for row in changes.rows(found)]

    def test_it_shows_a_page_of_changes_with_links_that_keep_the_period(self):
        self.assertGreater(len(self.every_row()), 2 * change_views.PAGE_SIZE, "the period needs three pages")
        html = self.page(2).content.decode()
        self.assertLessEqual(html.count("data-change=") + html.count("data-card="), change_views.PAGE_SIZE)
        self.assertIn('<nav aria-label="Pages of changes" class="pagination">', html)
        self.assertIn('aria-current="page"', html)
        for rel, number in (("prev", 1), ("next", 3)):
            link = re.search(rf'<a href="([^"]+)" rel="{rel}"', html).group(1)
            self.assertEqual(QueryDict(unescape(link).lstrip("?")).dict(), {**self.PERIOD, "page": str(number)})
        self.assertIn("(continued from page 1)", html, "the programme's changes began on the page before")

    def test_its_links_keep_the_date_the_page_is_read_at(self):
        with mock.patch.object(change_views, "PAGE_SIZE", 10):
            html = self.client.get("/changes/", {"as_at": "2016-05-20", "since": "2000-01-01"}).content.decode()
        link = QueryDict(urlsplit(unescape(re.search(r'<a href="([^"]+)" rel="next"', html).group(1))).query)
        self.assertEqual((link.get("as_at"), link.get("since"), link.get("page")), ("2016-05-20", "2000-01-01", "2"))

    def test_every_change_is_on_exactly_one_page_in_the_downloads_order(self):
        first = self.page(1)
        last = first.context["page"].paginator.num_pages
        shown = []
        for number in range(1, last + 1):
            response = self.page(number)
            shown += [identity(row) for row in changes.rows(response.context["changes"])]
        self.assertEqual(shown, self.every_row())
        counts = first.context["counts"]
        self.assertEqual(sum(counts.values()), len(shown), "the summary counts every change, not the page's")

    def test_the_csv_and_the_json_hold_every_change_in_the_page_order(self):
        csv_response = self.client.get("/changes.csv", self.PERIOD)
        json_response = self.client.get("/changes.json", self.PERIOD)
        self.assertTrue(csv_response.streaming and json_response.streaming)
        rows, document = csv_rows(csv_response), json_document(json_response)
        expected = self.every_row()
        self.assertEqual([identity(row) for row in rows], expected)
        self.assertEqual(
            [identity({name: "" if value is None else value for name, value in row.items()}) for row in document["rows"]], expected
        )
        self.assertEqual((document["count"], int(csv_response["X-Row-Count"])), (len(expected), len(expected)))
        self.assertEqual(list(rows[0]), changes.COLUMNS)

    def test_each_piece_of_a_download_makes_the_same_few_queries_at_two_sizes(self):
        per_piece = {}
        for size, extra in (("small", 0), ("grown", 300)):
            if extra:
                add_synthetic_figures(self.programme, extra, seed=11)
                cache.clear()
            with mock.patch.object(change_views, "PIECE_SIZE", 40):
                for url in ("/changes.csv", "/changes.json"):
                    response = self.client.get(url, self.PERIOD)
                    pieces = iter(response.streaming_content)
                    counted = []
                    while True:
                        with CaptureQueriesContext(connection) as captured:
                            piece = next(pieces, None)
                        if piece is None:
                            break
                        counted.append(len(captured))
                        self.assertLessEqual(piece.count(b"\n" if url.endswith(".json") else b"\r\n"), 40 + 1)
                    per_piece[size, url] = max(counted)
        self.assertEqual(per_piece["small", "/changes.csv"], per_piece["grown", "/changes.csv"])
        self.assertEqual(per_piece["small", "/changes.json"], per_piece["grown", "/changes.json"])
        self.assertLessEqual(max(per_piece.values()), 4)

    def test_a_page_makes_as_many_queries_at_two_sizes(self):
        counts = {}
        for size, extra in (("small", 0), ("grown", 300)):
            if extra:
                add_synthetic_figures(self.programme, extra, seed=11)
            cache.clear()
            with CaptureQueriesContext(connection) as cold:
                self.page(2)
            with CaptureQueriesContext(connection) as warm:
                self.page(2)
            counts[size] = (len(cold), len(warm))
        self.assertEqual(counts["small"], counts["grown"])

    def test_a_bad_page_is_a_400_naming_the_parameter(self):
        for value in ("0", "two", "99", "-1", "1.5"):
            with self.subTest(page=value):
                response = self.client.get("/changes/", {**self.PERIOD, "page": value})
                self.assertContains(response, "The query parameter page", status_code=400)
                self.assertContains(response, "<code>page</code>", status_code=400)


def identity(row: dict) -> tuple:
    """What tells one change's row from another's: its kind, card line and figures."""
    return (row["change"], row["card"], row["programme"], str(row["figure_id"]), str(row["before_figure_id"]), row["detail"])
