"""The public corrections log: every correction or removal of a published figure or source, on /corrections/, in its
CSV, JSON and Atom feed, and on the figure's own page, with what was published, what it is now, the reason, the date and
the editor's role, never their name."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal as D
from html import unescape

import feedparser
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import dateformat, timezone

from dashboard import corrections
from programmes import rules
from programmes.models import Figure
from tests.dashboard.test_pages import same_name_different_places
from tests.helpers import csv_rows, json_document, make_figure, make_programme, make_source

USERNAME, EMAIL = "jsmith-editor", "jsmith@example.org"


def day_of(moment: datetime.datetime) -> str:
    """A moment's day as the pages write it, in the site's time zone."""
    return dateformat.format(timezone.localtime(moment), "j F Y")


def text_of(html: str) -> str:
    """What a reader reads of a page: its text without tags, spaces collapsed."""
    return (
        " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
        .replace(" :", ":")
        .replace(" .", ".")
        .replace(" ,", ",")
        .replace("( ", "(")
        .replace(" )", ")")
    )


class CorrectionsData(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("corrected", name="Corrected strategy")
        cls.audit = make_source("corrected-audit-2015", published=datetime.date(2015, 6, 1), title="Savings audit of 2015")
        cls.figure = make_figure(cls.programme, cls.audit, key="CORR1", description="Savings the audit found")
        cls.editor = get_user_model().objects.create_user(USERNAME, EMAIL, "a-long-test-password", is_staff=True)

    def correct(self, figure: Figure, reason: str = "Misread the report's table 3", user=None, **fields) -> Figure:
        for name, value in fields.items():
            setattr(figure, name, value)
        figure._change_reason = reason
        figure._history_user = user if user is not None else self.editor
        figure.save()
        return figure

    def remove(self, row, reason: str, user=None) -> datetime.datetime:
        """Delete the row as an editor would, with a reason; when it was removed."""
        pk = row.pk
        row._change_reason = reason
        row._history_user = user if user is not None else self.editor
        row.delete()
        return type(row).history.filter(id=pk).latest("history_date", "history_id").history_date

    def when(self, figure: Figure) -> datetime.datetime:
        return Figure.history.filter(id=figure.pk).latest("history_date", "history_id").history_date

    def page(self, path: str = "/corrections/", status: int = 200, **query) -> str:
        response = self.client.get(path, query)
        self.assertEqual(response.status_code, status, response.content[:500])
        return unescape(response.content.decode())

    def text(self, path: str = "/corrections/", status: int = 200, **query) -> str:
        return text_of(self.page(path, status, **query))

    def feed(self, path: str = "/corrections/feed/") -> feedparser.FeedParserDict:
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        parsed = feedparser.parse(response.content)
        self.assertFalse(parsed.bozo, parsed.get("bozo_exception"))
        return parsed


class CorrectionsPageTests(CorrectionsData):
    def test_the_shipped_datasets_first_load_and_new_figures_are_no_corrections(self):
        make_figure(self.programme, make_source("corrected-audit-2017", published=datetime.date(2017, 6, 1)), value=D("120"))
        self.assertEqual(corrections.every_correction(), [], "the dataset's load and a restating figure are additions")
        self.assertIn("Nothing published here has been corrected or removed.", self.page())

    def test_it_lists_a_correction_with_what_was_published_what_it_is_now_the_reason_the_date_and_the_role(self):
        self.correct(self.figure, value=D("95"))
        html = self.page()
        text = text_of(html)
        self.assertIn("1 correction or removal", text)
        self.assertIn(
            f"{day_of(self.when(self.figure))}, {timezone.localtime(self.when(self.figure)):%H:%M} Figure CORR1: Savings the audit found "
            "(Corrected strategy) Value: published as £90m, now £95m Misread the report's table 3 Editor",
            text,
        )
        self.assertIn('<a href="/figures/CORR1/">CORR1</a>', html)

    def test_it_lists_a_removal_with_what_the_figure_said(self):
        self.remove(self.figure, "Entered twice")
        html = self.page()
        self.assertIn(
            "Figure CORR1: Savings the audit found (Corrected strategy) Removed from the record. It said: "
            "The National Audit Office found £90m (1 June 2015). Entered twice Editor",
            text_of(html),
        )
        self.assertNotIn('href="/figures/CORR1/"', html, "a removed figure has no page to link to")

    def test_it_lists_a_source_corrected_and_a_source_removed(self):
        self.audit.title = "Savings audit of 2015 (HC 16)"
        self.audit._change_reason = "Title as printed on the cover"
        self.audit.save()
        unused = make_source("corrected-stray-2014", title="A report never cited", published=datetime.date(2014, 3, 1))
        self.remove(unused, "Added by mistake", user=get_user_model().objects.create_superuser("root-admin", "root@example.org", "x" * 16))
        text = self.text()
        self.assertIn(
            "Source corrected-audit-2015: Savings audit of 2015 (HC 16) (National Audit Office, 1 June 2015) "
            "Title: published as Savings audit of 2015, now Savings audit of 2015 (HC 16) Title as printed on the cover Site maintainers",
            text,
        )
        self.assertIn(
            "Source corrected-stray-2014: A report never cited (National Audit Office, 1 March 2014) Removed from the record. It said: "
            "The record cited A report never cited (National Audit Office, 1 March 2014). Added by mistake Administrator",
            text,
        )

    def test_a_save_that_changes_only_bookkeeping_is_no_correction(self):
        self.figure.save()
        self.assertEqual(corrections.every_correction(), [])

    def test_a_correction_by_the_datasets_maintainers_is_listed_as_theirs(self):
        self.figure.value = D("91")
        self.figure._change_reason = rules.CORRECTION_REASON
        self.figure.save()
        self.assertIn(f"Value: published as £90m, now £91m {rules.CORRECTION_REASON} Dataset maintainers", self.text())

    def test_it_lists_newest_first_and_shows_a_new_correction_on_a_page_served_before(self):
        self.page()
        self.correct(self.figure, value=D("95"), reason="First fix")
        self.correct(self.figure, note="Checked twice", reason="Second fix")
        text = self.text()
        self.assertLess(text.index("Second fix"), text.index("First fix"))

    def test_it_answers_400_naming_the_parameter_for_a_bad_page(self):
        self.assertIn("The query parameter page must be a whole number", self.page(status=400, page="nine"))

    def test_it_is_linked_from_every_page_and_the_changes_page_says_how_it_differs(self):
        for path in ("/", "/changes/", "/about/", "/figures/CORR1/"):
            with self.subTest(path=path):
                self.assertIn('<a href="/corrections/">Corrections</a>', self.page(path))
        self.assertIn("A restatement here is a publication changing its figure", self.text("/changes/"))
        self.assertIn("That is not the same as a restatement, where a later publication gives a new value", self.text())

    def test_no_two_links_with_the_same_name_go_to_different_places(self):
        self.correct(self.figure, value=D("95"))
        other = make_figure(self.programme, self.audit, key="CORR2", description="Savings found again")
        self.correct(other, value=D("80"))
        self.remove(other, "Entered twice")
        for path in ("/corrections/", "/figures/CORR1/", "/figures/CORR2/"):
            with self.subTest(path=path):
                self.assertEqual(same_name_different_places(self.client.get(path).content.decode()), {})

    def test_it_shows_fifty_a_page_and_links_the_next(self):
        for number in range(51):
            self.correct(self.figure, value=D(100 + number), reason=f"Fix number {number}")
        text = self.text()
        self.assertIn("51 corrections or removals, 1–50 on this page", text)
        self.assertIn("Fix number 50", text)
        self.assertNotIn("Fix number 0 ", text)
        self.assertIn("Fix number 0 ", self.text(page="2"))


class FigurePageTests(CorrectionsData):
    def test_a_corrected_figure_says_so_with_what_it_said_before_the_reason_and_the_date(self):
        self.correct(self.figure, value=D("95"))
        text = self.text("/figures/CORR1/")
        self.assertIn(f"£95m Corrected on {day_of(self.when(self.figure))}: what was published before, and why", text)
        self.assertIn(
            f"Corrected since it was published This site corrected its record of this figure 1 time: what it published before, what it "
            f"says now, and why. A correction is the site's own; it is not the source changing its mind. Every correction is in the "
            f"corrections log. {day_of(self.when(self.figure))}: Value: published as £90m, now £95m Reason: Misread the report's table 3 "
            "Made by: editor",
            text,
        )

    def test_an_uncorrected_figure_says_nothing_of_corrections(self):
        self.assertNotIn("Corrected since it was published", self.page("/figures/CORR1/"))

    def test_a_removed_figures_address_is_gone_and_says_when_and_why(self):
        pk = self.figure.pk
        removed = self.remove(self.figure, "Entered twice")
        for path in ("/figures/CORR1/", f"/figures/{pk}/"):
            with self.subTest(path=path):
                html = self.page(path, status=410)
                self.assertIn(
                    "Figure CORR1 was removed from the record Savings the audit found, about Corrected strategy: this figure was "
                    "published here, and has since been removed. Do not quote it as the site's. What it said The National Audit Office "
                    f"found £90m (1 June 2015). Removed on {day_of(removed)} Reason Entered twice Removed by Editor",
                    text_of(html),
                )
                self.assertIn('<a href="/corrections/">corrections log</a>', html)

    def test_an_address_never_used_or_not_yet_published_is_still_not_found(self):
        self.page("/figures/NEVER1/", status=404)
        self.page("/figures/CORR1/", status=404, as_at="2014-01-01")


class DownloadTests(CorrectionsData):
    def test_the_csv_and_json_hold_a_row_per_field_corrected_and_per_removal(self):
        self.correct(self.figure, value=D("95"), note="Checked")
        other = make_figure(self.programme, self.audit, key="CORR2", description="Savings found again")
        self.remove(other, "Entered twice")
        rows = csv_rows(self.client.get("/corrections.csv"))
        self.assertEqual(list(rows[0]), corrections.COLUMNS)
        self.assertEqual(
            [(row["key"], row["action"], row["field"], row["published"], row["now"], row["reason"], row["made_by"]) for row in rows],
            [
                ("CORR2", "removed", "", "The National Audit Office found £90m (1 June 2015).", "removed", "Entered twice", "editor"),
                ("CORR1", "corrected", "value", "£90m", "£95m", "Misread the report's table 3", "editor"),
                ("CORR1", "corrected", "note", "blank", "Checked", "Misread the report's table 3", "editor"),
            ],
        )
        self.assertEqual(rows[1]["url"], "/figures/CORR1/")
        self.assertEqual(rows[1]["programme"], "corrected")
        self.assertEqual(datetime.datetime.fromisoformat(rows[1]["made_at"]), self.when(self.figure))
        document = json_document(self.client.get("/corrections.json"))
        self.assertEqual(document["resource"], "corrections")
        self.assertEqual(document["fields"], corrections.COLUMNS)
        self.assertEqual(document["count"], 3)
        self.assertEqual(document["rows"][1]["now"], "£95m")
        self.assertIsNone(document["rows"][0]["field"], "a removal's blank field is null, as in the other JSON downloads")

    def test_a_parameter_they_do_not_take_is_a_400_naming_it(self):
        response = self.client.get("/corrections.csv", {"programme": "corrected"})
        self.assertEqual(response.status_code, 400)
        self.assertIn(b"'programme' is not a parameter of the corrections download; it accepts as_at.", response.content)
        response = self.client.get("/corrections.json", {"since": "2020-01-01"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"]["parameter"], "since")


class FeedTests(CorrectionsData):
    def test_a_correction_is_an_entry_with_what_changed_the_reason_and_the_role(self):
        self.correct(self.figure, value=D("95"))
        entry = self.feed().entries[0]
        self.assertEqual(entry.title, "Corrected: Corrected strategy: Savings the audit found (value)")
        self.assertIn("Corrected: value from £90m to £95m.", entry.summary)
        self.assertIn("Reason given: Misread the report's table 3.", entry.summary)
        self.assertIn("Made by: editor.", entry.summary)
        self.assertEqual(entry.link, "http://testserver/figures/CORR1/")
        self.assertEqual(datetime.datetime.fromisoformat(entry.updated), self.when(self.figure))

    def test_removals_and_source_corrections_are_entries_too(self):
        self.audit.title = "Savings audit of 2015 (HC 16)"
        self.audit._change_reason = "Title as printed on the cover"
        self.audit.save()
        self.remove(self.figure, "Entered twice")
        titles = [entry.title for entry in self.feed().entries]
        self.assertEqual(
            titles,
            [
                "Removed: Corrected strategy: Savings the audit found",
                "Source corrected: Savings audit of 2015 (HC 16) (National Audit Office, 1 June 2015)",
            ],
        )
        self.assertEqual(len({entry.id for entry in self.feed().entries}), 2)

    def test_the_changes_feed_says_who_corrected_by_role(self):
        self.correct(self.figure, value=D("95"))
        self.assertIn("Made by: editor.", self.feed("/changes/feed/").entries[0].summary)

    def test_the_corrections_page_offers_its_feed(self):
        self.assertIn('<a href="/corrections/feed/">corrections feed</a>', self.page())


class NeverNamedTests(CorrectionsData):
    def test_the_editors_name_and_address_appear_nowhere_the_public_reads(self):
        self.correct(self.figure, value=D("95"))
        self.audit.title = "Savings audit of 2015 (HC 16)"
        self.audit._change_reason = "Title as printed on the cover"
        self.audit._history_user = self.editor
        self.audit.save()
        other = make_figure(self.programme, self.audit, key="CORR2", description="Savings found again")
        self.remove(other, "Entered twice")
        paths = [
            "/corrections/",
            "/corrections.csv",
            "/corrections.json",
            "/corrections/feed/",
            "/changes/feed/",
            "/figures/CORR1/",
            "/figures/CORR2/",
        ]
        for path in paths:
            with self.subTest(path=path):
                response = self.client.get(path)
                self.assertIn(response.status_code, (200, 410))
                said = b"".join(response.streaming_content) if response.streaming else response.content
                self.assertIn(b"Entered twice" if path != "/figures/CORR1/" else b"Misread", said)
                for name in ("jsmith", "example.org"):
                    self.assertNotIn(name.encode(), said)


class QueryCountTests(CorrectionsData):
    def test_the_log_is_read_in_as_many_queries_for_one_correction_as_for_many(self):
        self.correct(self.figure, value=D("95"))
        with CaptureQueriesContext(connection) as one:
            corrections.every_correction()
        for number in range(2, 7):
            figure = make_figure(self.programme, self.audit, key=f"CORR{number}", description=f"Savings found {number}")
            self.correct(figure, value=D(90 + number))
        with CaptureQueriesContext(connection) as many:
            self.assertEqual(len(corrections.every_correction()), 6)
        self.assertEqual(len(many), len(one))
