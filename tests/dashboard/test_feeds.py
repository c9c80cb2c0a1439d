"""The Atom feeds of changes made to the record, read as a subscriber's feed reader reads them (feedparser)."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ElementTree
from decimal import Decimal as D
from html import unescape
from unittest import mock

import feedparser
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from dashboard import feeds
from programmes import rules
from programmes.models import Figure
from tests.helpers import add_synthetic_figures, make_figure, make_programme, make_source

ATOM = "{http://www.w3.org/2005/Atom}"


def moment(entry: feedparser.FeedParserDict) -> datetime.datetime:
    """An entry's <updated> as written, to the microsecond (feedparser's parsed form keeps whole seconds)."""
    return datetime.datetime.fromisoformat(entry.updated)


class SubscriberTests(TestCase):
    """A reader subscribed to /changes/ sees each later change as a new entry at the top."""

    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("followed", name="Followed strategy")
        cls.audit = make_source("followed-audit-2015", published=datetime.date(2015, 6, 1))
        cls.figure = make_figure(cls.programme, cls.audit, key="FOLLOW1", description="Savings the audit found")

    def fetch(self, url: str = "/changes/feed/", **query) -> feedparser.FeedParserDict:
        response = self.client.get(url, query)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("application/atom+xml"))
        parsed = feedparser.parse(response.content)
        self.assertFalse(parsed.bozo, parsed.get("bozo_exception"))
        return parsed

    def history(self, figure: Figure):
        return Figure.history.filter(id=figure.pk).order_by("-history_date", "-history_id").first()

    def test_it_is_atom_with_an_id_title_and_date_on_the_feed_and_every_entry(self):
        feed = ElementTree.fromstring(self.client.get("/changes/feed/").content)
        self.assertEqual(feed.tag, f"{ATOM}feed")
        for name in ("id", "title", "updated"):
            self.assertTrue((feed.findtext(f"{ATOM}{name}") or "").strip(), f"the feed needs its {name}")
        self.assertTrue(feed.find(f"{ATOM}author/{ATOM}name").text, "a feed without an author on every entry needs one")
        self.assertEqual([link.get("rel") for link in feed.findall(f"{ATOM}link")], ["alternate", "self"])
        parsed = self.fetch()
        self.assertTrue(parsed.entries)
        for entry in parsed.entries:
            self.assertTrue(entry.id and entry.title and entry.updated_parsed)
            self.assertTrue(entry.link.startswith("http://testserver/"))
        self.assertEqual(len({entry.id for entry in parsed.entries}), len(parsed.entries), "entry ids are unique")

    def test_a_figure_added_after_subscribing_heads_the_next_fetch_even_from_an_old_source(self):
        before = self.fetch()
        old = make_source("followed-strategy-2012", publisher="Cabinet Office", kind="strategy", published=datetime.date(2012, 3, 1))
        added = make_figure(self.programme, old, key="FOLLOW0", description="Savings promised in 2012", status="target")
        after = self.fetch()
        first = after.entries[0]
        self.assertNotIn(first.id, {entry.id for entry in before.entries})
        self.assertTrue(first.title.startswith("New figure: Followed strategy: Savings promised in 2012"), first.title)
        self.assertEqual(first.link, "http://testserver/figures/FOLLOW0/")
        self.assertEqual(moment(first), self.history(added).history_date)
        self.assertIn("(1 March 2012)", first.summary)

    def test_an_added_figure_with_a_new_value_for_a_quantity_says_it_restates_it(self):
        later = make_source("followed-audit-2017", published=datetime.date(2017, 6, 1))
        make_figure(self.programme, later, key="FOLLOW2", description="Savings the audit found", value=D("120"))
        first = self.fetch().entries[0]
        self.assertTrue(first.title.startswith("Restated: Followed strategy: Savings the audit found"), first.title)
        self.assertIn("£90m → £120m", first.title)
        self.assertIn("Before it, the National Audit Office found £90m", first.summary)

    def test_an_added_figure_repeating_the_latest_value_is_new_not_restated(self):
        later = make_source("followed-audit-2017", published=datetime.date(2017, 6, 1))
        make_figure(self.programme, later, key="FOLLOW2", description="Savings the audit found")
        self.assertTrue(self.fetch().entries[0].title.startswith("New figure: "))

    def test_an_earlier_statement_back_filled_later_leaves_the_entries_before_it_as_they_were(self):
        old = make_source("followed-audit-2012", published=datetime.date(2012, 6, 1))
        make_figure(self.programme, old, key="FOLLOW0", description="Savings the audit found", value=D("70"))
        titles = {entry.link.rsplit("/", 2)[-2]: entry.title for entry in self.fetch().entries[:2]}
        self.assertTrue(titles["FOLLOW0"].startswith("New figure: "), "nothing of its quantity was stated before 2012")
        self.assertTrue(titles["FOLLOW1"].startswith("New figure: "), "when it was added, nothing of its quantity came before it")

    def test_a_correction_is_a_new_entry_with_the_fields_changed_and_the_reason(self):
        before = self.fetch()
        self.figure.value = D("95")
        self.figure.note = "Checked against the table"
        self.figure._change_reason = "Read the report's table again"
        self.figure.save()
        after = self.fetch()
        first = after.entries[0]
        self.assertNotIn(first.id, {entry.id for entry in before.entries}, "a reader shows a correction as a new entry")
        self.assertEqual(first.title, "Corrected: Followed strategy: Savings the audit found (value, note)")
        self.assertIn("value from £90m to £95m", first.summary)
        self.assertIn("note from blank to Checked against the table", first.summary)
        self.assertIn("Reason given: Read the report's table again.", first.summary)
        self.assertEqual(moment(first), self.history(self.figure).history_date)
        self.assertEqual(first.link, "http://testserver/figures/FOLLOW1/")
        added = [entry for entry in after.entries if entry.title.startswith("New figure: Followed strategy: Savings the audit found")]
        self.assertEqual(len(added), 1, "the figure's first entry stays, as it was added")

    def test_a_removal_is_an_entry_linking_to_a_page_that_exists(self):
        self.figure._change_reason = "Entered twice"
        self.figure.delete()
        parsed = self.fetch()
        first = parsed.entries[0]
        self.assertEqual(first.title, "Removed: Followed strategy: Savings the audit found, £90m")
        self.assertIn("Reason given: Entered twice.", first.summary)
        self.assertEqual(first.link, "http://testserver/programmes/followed/")
        # The entry of its addition can no longer link to the figure's page either.
        for entry in parsed.entries[:2]:
            self.assertEqual(self.client.get(entry.link.removeprefix("http://testserver")).status_code, 200)

    def test_the_changes_to_a_deleted_programmes_figures_are_told_as_it_last_stood(self):
        self.figure._change_reason = "The strategy was entered by mistake"
        self.figure.delete()
        self.programme.delete()
        entries = self.fetch().entries
        self.assertEqual(entries[0].title, "Removed: Followed strategy: Savings the audit found, £90m")
        self.assertTrue(entries[1].title.startswith("New figure: Followed strategy: Savings the audit found"))
        self.assertIn("The National Audit Office found £90m (1 June 2015)", entries[1].summary)
        for entry in entries[:2]:
            self.assertEqual(entry.link, "http://testserver/changes/")

    def test_a_save_that_changes_only_bookkeeping_makes_no_entry(self):
        before = self.fetch()
        self.figure.save()
        self.assertEqual(Figure.history.filter(id=self.figure.pk, history_type="~").count(), 1, "the save was recorded")
        after = self.fetch()
        self.assertEqual([entry.id for entry in after.entries], [entry.id for entry in before.entries])

    def test_entries_are_ordered_by_when_the_change_was_made(self):
        recent = make_source("followed-news-2024", publisher="Computer Weekly", kind="news_article", published=datetime.date(2024, 1, 9))
        make_figure(self.programme, recent, key="FOLLOW3", description="Savings reported in 2024", status="claimed")
        old = make_source("followed-strategy-2012", publisher="Cabinet Office", kind="strategy", published=datetime.date(2012, 3, 1))
        make_figure(self.programme, old, key="FOLLOW0", description="Savings promised in 2012", status="target")
        entries = self.fetch().entries
        self.assertEqual([entry.link.rsplit("/", 2)[-2] for entry in entries[:3]], ["FOLLOW0", "FOLLOW3", "FOLLOW1"])
        updated = [moment(entry) for entry in entries]
        self.assertEqual(updated, sorted(updated, reverse=True))

    def test_it_holds_only_the_newest_entries(self):
        with mock.patch.object(feeds, "MOST_ENTRIES", 5):
            entries = self.fetch().entries
        self.assertEqual(len(entries), 5)
        self.assertEqual(entries[0].link, "http://testserver/figures/FOLLOW1/")

    def test_it_never_names_the_editor(self):
        editor = get_user_model().objects.create_user("jsmith-editor", "jsmith@example.org", "a-long-test-password")
        self.figure.value = D("95")
        self.figure._history_user = editor
        self.figure.save()
        self.assertEqual(self.history(self.figure).history_user, editor, "the history holds who made the change")
        body = self.client.get("/changes/feed/").content.decode()
        self.assertIn("value from £90m to £95m", body)
        for said in ("jsmith", "example.org"):
            self.assertNotIn(said, body)

    def test_it_ignores_the_dates_of_an_old_subscription_link(self):
        old = make_source("followed-strategy-2012", publisher="Cabinet Office", kind="strategy", published=datetime.date(2012, 3, 1))
        make_figure(self.programme, old, key="FOLLOW0", description="Savings promised in 2012", status="target")
        for query in ({"since": "2015-01-01", "until": "2015-12-31"}, {"since": "not a date"}, {"as_at": "2016-05-20"}):
            with self.subTest(query=query):
                self.assertEqual(self.fetch(**query).entries[0].link, "http://testserver/figures/FOLLOW0/")

    def test_a_malformed_as_at_is_still_a_400_naming_it(self):
        for url in ("/changes/feed/", "/programmes/followed/feed/"):
            with self.subTest(url=url):
                response = self.client.get(url, {"as_at": "2016-02-30"})
                self.assertEqual(response.status_code, 400)
                self.assertIn(b"as_at", response.content)

    def test_the_changes_page_links_to_the_open_ended_feed(self):
        html = self.client.get("/changes/", {"since": "2016-01-01", "until": "2016-12-31"}).content.decode()
        self.assertEqual(unescape(re.search(r'<a href="([^"]+)">Atom feed</a>', html).group(1)), "/changes/feed/")
        self.assertIn('<link rel="alternate" type="application/atom+xml" title="Changes to the record" href="/changes/feed/">', html)


class CorrectionRuleTests(TestCase):
    """rules.corrected_fields on two saves of one figure, as the history keeps them."""

    @classmethod
    def setUpTestData(cls):
        source = make_source("ruled-audit-2015", published=datetime.date(2015, 6, 1))
        cls.figure = make_figure(make_programme("ruled"), source, description="Savings the audit found")

    def saved_versions(self, **changes) -> tuple:
        for name, value in changes.items():
            setattr(self.figure, name, value)
        self.figure.save()
        after, before = Figure.history.filter(id=self.figure.pk).order_by("-history_date", "-history_id")[:2]
        return before, after

    def test_a_save_that_changes_only_the_version_corrects_nothing(self):
        before, after = self.saved_versions()
        self.assertNotEqual(before.version, after.version)
        self.assertEqual(rules.corrected_fields(before, after, ["version", "value", "note"]), [])

    def test_a_save_that_changes_what_the_figure_says_corrects_those_fields(self):
        before, after = self.saved_versions(value=D("95"), locator="Figure 3")
        self.assertEqual(rules.corrected_fields(before, after, ["version", "value", "locator", "note"]), ["value", "locator"])


class ProgrammeFeedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("followed", name="Followed strategy")
        cls.other = make_programme("elsewhere", name="Elsewhere strategy")
        source = make_source("followed-audit-2015", published=datetime.date(2015, 6, 1))
        cls.figure = make_figure(cls.programme, source, key="FOLLOW1", description="Savings the audit found")
        cls.elsewhere = make_figure(cls.other, source, key="ELSE1", description="Savings found elsewhere")

    def test_it_holds_only_that_programmes_changes(self):
        self.figure.value = D("95")
        self.figure.save()
        parsed = feedparser.parse(self.client.get("/programmes/followed/feed/").content)
        self.assertFalse(parsed.bozo)
        self.assertEqual(parsed.feed.title, "Shared Services Savings Tracker: changes to Followed strategy")
        self.assertEqual([entry.title.split(": ")[0] for entry in parsed.entries], ["Corrected", "New figure"])
        self.assertEqual({entry.link for entry in parsed.entries}, {"http://testserver/figures/FOLLOW1/"})
        everything = feedparser.parse(self.client.get("/changes/feed/").content)
        self.assertIn("http://testserver/figures/ELSE1/", {entry.link for entry in everything.entries})
        self.assertLessEqual({entry.id for entry in parsed.entries}, {entry.id for entry in everything.entries}, "one id a change")

    def test_an_unknown_programme_is_a_404(self):
        self.assertEqual(self.client.get("/programmes/no-such-strategy/feed/").status_code, 404)

    def test_the_programme_page_links_to_it_and_announces_it(self):
        response = self.client.get("/programmes/ngss-2012/")
        self.assertContains(response, 'href="/programmes/ngss-2012/feed/">Atom feed</a>')
        self.assertContains(
            response, '<link rel="alternate" type="application/atom+xml" title="Changes to Next Generation Shared Services (2012)" '
        )
        self.assertEqual(self.client.get("/programmes/ngss-2012/feed/").status_code, 200)


class ConditionalFeedTests(TestCase):
    def test_it_answers_a_matching_etag_or_date_with_a_304(self):
        for url in ("/changes/feed/", "/programmes/ngss-2012/feed/"):
            with self.subTest(url=url):
                first = self.client.get(url)
                self.assertTrue(first["ETag"].startswith('"') and first["Last-Modified"])
                again = self.client.get(url, headers={"if-none-match": first["ETag"]})
                self.assertEqual((again.status_code, again.content), (304, b""))
                since = self.client.get(url, headers={"if-modified-since": first["Last-Modified"]})
                self.assertEqual(since.status_code, 304)

    def test_an_edit_changes_the_etag_and_the_feed_at_once(self):
        first = self.client.get("/changes/feed/")
        figure = Figure.objects.get(key="F043")
        figure.note = "Checked again"
        figure.save()
        again = self.client.get("/changes/feed/", headers={"if-none-match": first["ETag"]})
        self.assertEqual(again.status_code, 200)
        self.assertNotEqual(again["ETag"], first["ETag"])
        self.assertTrue(again["Content-Type"].startswith("application/atom+xml"))
        self.assertIn("Corrected: ", feedparser.parse(again.content).entries[0].title)

    def test_a_feed_served_from_the_cache_keeps_its_type(self):
        self.client.get("/changes/feed/")
        self.assertTrue(self.client.get("/changes/feed/")["Content-Type"].startswith("application/atom+xml"))


class FeedQueryTests(TestCase):
    """However long the history, a feed makes the same few queries: it never loads every figure."""

    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("grown", name="Grown strategy")

    def queries(self, url: str) -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(captured)

    def test_it_makes_as_many_queries_at_two_sizes_of_history(self):
        counts = {}
        for size, extra in (("small", 30), ("grown", 300)):
            figures = add_synthetic_figures(self.programme, extra, seed=extra)
            Figure.history.bulk_history_create(figures, default_change_reason="Imported from grown.csv")
            # Corrections too: each asks for the version before it.
            for figure in figures[:5]:
                figure.locator = f"page {extra}"
                figure.save()
            with mock.patch.object(feeds, "MOST_ENTRIES", 20):
                counts[size] = (self.queries("/changes/feed/"), self.queries("/programmes/grown/feed/"))
        self.assertEqual(counts["small"], counts["grown"])
        self.assertLessEqual(max(counts["grown"]), 12)
