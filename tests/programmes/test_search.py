"""Search (/search/ and the box in every page's header): what a reader finds, on whichever database the suite runs on.

Run on SQLite (FTS5) and on PostgreSQL (tsvector and GIN), the same tests must pass: the index is kept in step by
every save, delete, import and dataset load, and a query finds what a reader expects.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.urls import reverse

from programmes.models import Event, Figure, FigureLine, Organisation, Programme, Source
from programmes.search import index, query
from programmes.search.index import BY_NAME
from tests.helpers import figure_form, make_figure, make_programme, make_source, new_row, run_import_command, to_csv


def found(kind: str, text: str, as_at: datetime.date | None = None) -> list:
    """Every row of this kind the search finds for text, best first."""
    result = query.find(BY_NAME[kind], query.read(text), as_at, 0, 10_000)
    assert result.count == len(result.results)
    return [item.row for item in result.results]


class ReadingTests(TestCase):
    """How the box's text is read into terms: no input is ever an error."""

    def test_a_sum_of_money_is_an_amount_in_millions(self):
        for text, amount in [("£504m", "504"), ("504m", "504"), ("£504 million", "504"), ("£1.4bn", "1400"), ("£56.3m", "56.3")]:
            with self.subTest(text=text):
                (term,) = query.read(text).terms
                self.assertEqual((term.low, term.high), (Decimal(amount), Decimal(amount)))
        (band,) = query.read("£400-600m").terms
        self.assertEqual((band.low, band.high), (Decimal(400), Decimal(600)))

    def test_pounds_without_millions_and_plain_numbers_are_words(self):
        self.assertFalse(any(term.is_money for term in query.read("£504 2013 1,200").terms))

    def test_common_words_alone_are_left_out_and_said_to_be(self):
        reading = query.read("the of")
        self.assertTrue(reading.empty)
        self.assertEqual(reading.ignored, ("the", "of"))

    def test_punctuation_alone_is_nothing_to_search_for(self):
        for text in ["", "   ", "!!!", "'\"--;", "—…", "\x00\x01"]:
            with self.subTest(text=text):
                self.assertTrue(query.read(text).empty)

    def test_a_very_long_query_is_cut_and_says_so(self):
        reading = query.read("savings " * 2000)
        self.assertTrue(reading.shortened)
        self.assertEqual(len(reading.terms), 1)
        self.assertTrue(query.read(" ".join(f"word{n}" for n in range(40))).shortened)


class FindTests(TestCase):
    """The real dataset, as a reader searches it."""

    def test_it_finds_each_programme_by_its_name(self):
        for programme in Programme.objects.all():
            with self.subTest(programme=programme.slug):
                self.assertEqual(found("programmes", programme.name)[0], programme)

    def test_it_finds_a_source_by_its_publisher(self):
        for publisher in ["Computer Weekly", "National Audit Office", "PublicTechnology"]:
            with self.subTest(publisher=publisher):
                expected = set(Source.objects.filter(publisher__name=publisher))
                self.assertTrue(expected)
                self.assertLessEqual(expected, set(found("sources", publisher)))

    def test_it_finds_a_figure_by_a_word_of_its_note(self):
        figures = [figure for figure in Figure.objects.exclude(note="").order_by("pk") if re.search(r"[A-Za-z]{4,}", figure.note)]
        for figure in figures[:: max(1, len(figures) // 25)]:
            word = max(re.findall(r"[A-Za-z]{4,}", figure.note), key=len)
            with self.subTest(figure=figure.key, word=word):
                self.assertIn(figure, found("figures", word))

    def test_oracle_finds_the_oracle_contracts_and_costs(self):
        keys = {figure.key for figure in found("figures", "Oracle")}
        self.assertLessEqual({"F029a", "F069", "F071", "F110a", "F113a"}, keys)
        self.assertTrue(found("sources", "oracle"), "capitals do not matter")

    def test_write_off_finds_the_write_offs_however_they_are_written(self):
        self.assertLessEqual({"F060", "F060b", "F060c"}, {figure.key for figure in found("figures", "write-off")})
        titles = [source.title for source in found("sources", "write-off")]
        self.assertIn("MoJ writes off £56m from duplicate shared services programme", titles)

    def test_sscl_finds_the_joint_venture(self):
        self.assertLessEqual({"F033", "F035", "F058", "F062a"}, {figure.key for figure in found("figures", "SSCL")})
        self.assertTrue(found("events", "SSCL"))

    def test_a_sum_of_money_finds_the_figure_of_that_value_first_then_the_text_that_mentions_it(self):
        figures = found("figures", "£504m")
        self.assertEqual(figures[0].key, "F047")
        self.assertLessEqual({"F044", "F059"}, {figure.key for figure in figures[1:]}, "their notes mention £504m")
        self.assertEqual(found("figures", "£504 million"), figures)
        self.assertEqual({f.key for f in found("figures", "£1.4bn") if f.value == 1400}, {"F001", "F001b"} | {"F015a"})

    def test_every_word_must_match(self):
        both = set(found("figures", "Oracle Home Office"))
        self.assertTrue(both)
        self.assertLess(both, set(found("figures", "Oracle")))
        self.assertLess(both, set(found("figures", "Home Office")))

    def test_accents_and_capitals_do_not_matter(self):
        programme = make_programme("cafe", name="Café Réseau Partagé")
        self.assertEqual(found("programmes", "cafe reseau"), [programme])
        self.assertEqual(found("programmes", "CAFÉ PARTAGÉ"), [programme])

    def test_as_at_a_past_date_it_finds_only_what_had_been_published(self):
        later = Figure.objects.get(key="F110a").source.appeared_by
        day = later - datetime.timedelta(days=1)
        self.assertNotIn("F110a", {figure.key for figure in found("figures", "Oracle", day)})
        self.assertTrue(all(source.appeared_by <= day for source in found("sources", "Oracle", day)))
        self.assertTrue(all(event.source.appeared_by <= day for event in found("events", "SSCL", day)))
        self.assertNotIn("clusters-2021", {p.slug for p in found("programmes", "cluster", datetime.date(2013, 1, 1))})

    def test_matched_words_are_marked_in_escaped_text(self):
        programme, source = make_programme("marks"), make_source("marks")
        make_figure(programme, source, note="<b>zebracorn</b> & <script>alert(1)</script>")
        (result,) = query.find(BY_NAME["figures"], query.read("zebracorn")).results
        self.assertEqual(result.marked["note"], "&lt;b&gt;<mark>zebracorn</mark>&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;")


class UpkeepTests(TestCase):
    """The index follows every write: a save, an edit in the admin, a delete, an import, a rename, a dataset load."""

    def setUp(self):
        self.programme, self.source = make_programme("upkeep"), make_source("upkeep")

    def test_a_saved_figure_is_found_and_an_edited_one_by_its_new_words_only(self):
        figure = make_figure(self.programme, self.source, note="Quokkaboard savings")
        self.assertEqual(found("figures", "quokkaboard"), [figure])
        figure.note = "Wombatwise savings"
        figure.save()
        self.assertEqual(found("figures", "quokkaboard"), [])
        self.assertEqual(found("figures", "wombatwise"), [figure])

    def test_an_edit_in_the_admin_is_found_at_once(self):
        editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
        self.client.force_login(editor)
        figure = Figure.objects.get(key="F041")
        data = figure_form(figure, note="Checked against the narwhalcase appendix")
        response = self.client.post(reverse("admin:programmes_figure_change", args=[figure.pk]), data)
        self.assertEqual(response.status_code, 302)
        response = self.client.get("/search/", {"q": "narwhalcase"})
        self.assertContains(response, f'href="{figure.get_absolute_url()}"')
        self.assertContains(response, "<mark>narwhalcase</mark>")

    def test_a_deleted_figure_is_no_longer_found(self):
        figure = make_figure(self.programme, self.source, note="Pangolinplan")
        figure.delete()
        self.assertEqual(found("figures", "pangolinplan"), [])

    def test_a_row_deleted_behind_the_index_s_back_is_no_result_and_no_error(self):
        figure = make_figure(self.programme, self.source, note="Tapirtale")
        # As SQL outside the site would: no signal, and the rows that must go first (its stored line) by hand.
        FigureLine.objects.filter(figure=figure)._raw_delete(FigureLine.objects.db)
        Figure.objects.filter(pk=figure.pk)._raw_delete(Figure.objects.db)
        response = self.client.get("/search/", {"q": "tapirtale"})
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, f'href="{figure.get_absolute_url()}"')

    def test_an_import_is_found_at_once(self):
        row = new_row(description="Savings from the okapiform programme", note="Imported okapiform note")
        output = run_import_command(to_csv(row, row | {"description": "Second okapiform figure", "locator": "para 2.5", "value": "40"}))
        self.assertIn("2 created", output)
        self.assertEqual(len(found("figures", "okapiform")), 2)
        self.assertEqual(len(found("sources", "Progress with the shared services strategy")), 1, "the import's new source too")

    def test_a_renamed_organisation_is_found_by_its_new_name_on_its_claims_and_publications(self):
        organisation = Organisation.objects.create(name="Axolotl Analytics", kind="publication")
        source = make_source("axolotl", publisher=organisation)
        figure = make_figure(self.programme, source)
        organisation.name = "Capybara Consulting"
        organisation.save()
        self.assertEqual(found("figures", "axolotl"), [])
        self.assertEqual(found("figures", "capybara"), [figure])
        self.assertEqual(found("sources", "capybara"), [source])

    def test_programmes_and_events_follow_their_saves_and_deletes(self):
        event = Event.objects.create(
            programme=self.programme, date=datetime.date(2016, 5, 20), kind="report", title="Ibexline", source=self.source
        )
        self.assertEqual(found("events", "ibexline"), [event])
        self.programme.name = "Tapirtown strategy"
        self.programme.save()
        self.assertEqual(found("programmes", "tapirtown"), [self.programme])
        event.delete()
        self.assertEqual(found("events", "ibexline"), [])

    def test_the_dataset_load_leaves_every_row_indexed(self):
        call_command("load_dataset", verbosity=0)
        for kind in index.KINDS:
            with self.subTest(kind=kind.name), connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {kind.table}")
                self.assertEqual(cursor.fetchone()[0], kind.model_class().objects.count())

    def test_a_rebuild_indexes_rows_written_around_save(self):
        figure = make_figure(self.programme, self.source)
        Figure.objects.filter(pk=figure.pk).update(note="Dugongdale")  # an UPDATE sends no signal
        self.assertEqual(found("figures", "dugongdale"), [])
        call_command("rebuild_search_index", verbosity=0)
        self.assertEqual(found("figures", "dugongdale"), [figure])


class PageTests(TestCase):
    def test_every_page_has_a_labelled_search_box_that_works_without_javascript(self):
        for path in ["/", "/sources/", "/about/", "/data/", "/figures/", "/programmes/ngss-2012/"]:
            with self.subTest(page=path):
                response = self.client.get(path)
                self.assertContains(response, '<form class="site-search" role="search" action="/search/" method="get">')
                self.assertContains(response, '<label for="site-search" class="visually-hidden">Search the record</label>')
                self.assertContains(response, 'name="q"')
                self.assertContains(response, "js/search.")

    def test_results_are_grouped_by_kind_with_counts_and_linked(self):
        response = self.client.get("/search/", {"q": "Oracle"})
        figures = found("figures", "Oracle")
        self.assertContains(response, f'<h2 id="results-figures">Figures <span class="count">({len(figures)})</span></h2>')
        for kind in ("programmes", "sources", "events"):
            self.assertContains(response, f'id="results-{kind}"')
        self.assertContains(response, f'href="{figures[0].get_absolute_url()}"')
        # A page of each kind, and the rest one link away, paginated.
        self.assertEqual(len(response.context["groups"][2]["found"].results), 10)
        self.assertContains(response, f"All {len(figures)} figures matching")
        more = self.client.get("/search/", {"q": "Oracle", "kind": "figures"})
        self.assertEqual([r.row for r in more.context["groups"][0]["found"].results], figures)

    def test_a_query_with_sql_in_it_is_only_words(self):
        before = Figure.objects.count()
        for text in ["'; DROP TABLE programmes_figure; --", '" OR 1=1 --', 'oracle" OR "x', "NEAR(a b) AND * ^col:x"]:
            with self.subTest(text=text):
                response = self.client.get("/search/", {"q": text})
                self.assertEqual(response.status_code, 200)
        self.assertEqual(Figure.objects.count(), before)

    def test_a_query_with_html_in_it_is_escaped_on_the_page(self):
        response = self.client.get("/search/", {"q": '<script>alert("x")</script><b>Oracle'})
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "<script>alert")
        self.assertNotContains(response, "<b>Oracle")
        self.assertContains(response, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;Oracle")

    def test_an_empty_or_absurd_query_gets_help_not_an_error(self):
        cases = {
            "": "What you can search for",
            "!!!???": "has no letters or numbers to search for",
            "the of and": "has only words too common to search for",
            "x" * 10_000: "Only the first 200 characters",
            "zzqxqzzq": "Nothing in the record matches",
            # NUL is refused for every parameter before any page (tests/sharedservices/test_hardening.py).
            "\x1b\x7f": "What you can search for",
        }
        for text, says in cases.items():
            with self.subTest(text=text[:20]):
                response = self.client.get("/search/", {"q": text})
                self.assertContains(response, says)
        self.assertContains(self.client.get("/search/"), "What you can search for")

    def test_a_bad_kind_or_page_is_a_400_naming_it(self):
        for params, name in [({"q": "Oracle", "kind": "people"}, "kind"), ({"q": "Oracle", "kind": "figures", "page": "0"}, "page")]:
            with self.subTest(params=params):
                self.assertContains(self.client.get("/search/", params), f"<code>{name}</code>", status_code=400)
        self.assertContains(
            self.client.get("/search/", {"q": "Oracle", "kind": "figures", "page": "9"}), "past the last page", status_code=400
        )

    def test_links_keep_the_date_the_record_is_shown_at(self):
        response = self.client.get("/search/", {"q": "SSCL", "as_at": "2016-06-01"})
        day = response.wsgi_request.as_at.isoformat()
        self.assertContains(response, f'<input type="hidden" name="as_at" value="{day}">', count=2)
        links = re.findall(r'class="result-title" href="([^"]+)"', response.content.decode())
        self.assertTrue(links)
        self.assertTrue(all(link.endswith(f"as_at={day}") or f"as_at={day}#" in link for link in links), links)

    def test_its_queries_do_not_grow_with_the_figures(self):
        def queries() -> int:
            from django.db import reset_queries
            from django.test.utils import CaptureQueriesContext

            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                self.client.get("/search/", {"q": "savings"})
            return len(captured)

        before = queries()
        programme, source = make_programme("many"), make_source("many")
        for number in range(60):
            make_figure(programme, source, note=f"More savings, number {number}", value=Decimal(number + 1))
        self.assertEqual(queries(), before)
