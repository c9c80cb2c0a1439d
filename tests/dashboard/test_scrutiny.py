"""/disagreements/ and /never-audited/: the two lists auditors asked for, their downloads, and the ⚑ links that lead there."""

from __future__ import annotations

import datetime
import importlib
import re
from collections import defaultdict
from decimal import Decimal
from unittest import mock
from urllib.parse import unquote, urlsplit

from django.core.cache import cache
from django.test import TestCase
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from dashboard import as_at as record
from dashboard import scrutiny
from programmes import rules
from programmes.models import Figure, Programme, Source
from tests.helpers import csv_rows, disagreeing_by_rule, json_document, make_figure, make_programme, make_source

NGSS_TARGET = "ngss-2012/whole/savings/target/annual/gbp_m/unstated"
FLAG_LINK = re.compile(r'<a href="(?P<url>[^"]+)" class="flag-link">')


def key_of(figure: Figure) -> str:
    return figure.key or str(figure.pk)


def groups_by_rule(day: datetime.date | None = None) -> dict[str, set[str]]:
    """The figures each quantity's disagreements involve, asked of rules.disagree pair by pair (tests/helpers.py)."""
    found: dict[str, set[str]] = defaultdict(set)
    for figure_id, others in disagreeing_by_rule(Figure.objects.as_at(day).select_related("source", "programme")).items():
        figure = Figure.objects.get(pk=figure_id)
        found[figure.quantity] |= {key_of(figure), *(key_of(other) for other in others)}
    return dict(found)


def listed_groups(client, query: str = "") -> dict[str, set[str]]:
    """Every group /disagreements/ lists for this query, following its pages: quantity -> the figures shown in it."""
    shown: dict[str, set[str]] = {}
    number = 1
    while True:
        response = client.get(f"/disagreements/?{query}&page={number}")
        assert response.status_code == 200, response.content[:300]
        for group in response.context["groups"]:
            shown[group.quantity] = {key_of(figure) for figure in group.figures}
        if not response.context["page"].has_next():
            return shown
        number += 1


class DisagreementsPageTests(TestCase):
    def test_it_lists_exactly_the_groups_the_rule_finds(self):
        shown = listed_groups(self.client)
        self.assertEqual(shown, groups_by_rule())
        # FACTS C1: the Cabinet Office's £600m a year against the PAC's £300–400m.
        self.assertLessEqual({"F023b", "F056"}, shown[NGSS_TARGET])

    def test_every_pair_it_sets_out_disagrees_by_the_rule_and_is_said_in_words(self):
        response = self.client.get("/disagreements/")
        for group in response.context["groups"]:
            for first, second in group.pairs:
                self.assertTrue(rules.disagree(first, second), (first.key, second.key))
                self.assertContains(response, rules.sentence(rules.contradiction(first, second)).split(" cannot")[0])
        self.assertContains(response, "cannot both be right")

    def test_each_side_shows_its_claimant_its_value_as_published_and_its_source(self):
        response = self.client.get("/disagreements/")
        html = response.content.decode()
        for key in ("F023b", "F056"):
            figure = Figure.objects.with_related().get(key=key)
            row = re.search(rf'<tr data-figure="{key}">(.*?)</tr>', html, re.DOTALL).group(1)
            self.assertIn(figure.claimant.name, row)
            self.assertIn(figure.as_published, row)
            self.assertIn(f'href="{figure.source.get_absolute_url()}"', row)
            self.assertIn(figure.source.published_display, row)

    def test_a_programme_lists_only_its_own_and_its_centres_groups(self):
        shown = listed_groups(self.client, "programme=ngss-2012")
        family = {"ngss-2012", *Programme.objects.filter(parent__slug="ngss-2012").values_list("slug", flat=True)}
        self.assertEqual(shown, {q: keys for q, keys in groups_by_rule().items() if q.split("/")[0] in family})

    def test_a_group_asked_for_opens_the_page_that_holds_it(self):
        with mock.patch("dashboard.scrutiny.PAGE_SIZE", 1):
            last = sorted(groups_by_rule())[-1]
            response = self.client.get("/disagreements/", {"group": last})
            self.assertEqual([group.quantity for group in response.context["groups"]], [last])
            self.assertContains(response, f'id="{last}"')

    def test_a_bad_parameter_is_a_400_naming_it(self):
        self.assertContains(self.client.get("/disagreements/?programme=nowhere"), "programme", status_code=400)
        self.assertContains(self.client.get("/disagreements/?page=99"), "page", status_code=400)
        self.assertContains(self.client.get("/disagreements.csv?colour=red"), "colour", status_code=400)
        response = self.client.get("/disagreements.json?programme=nowhere")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"]["parameter"], "programme")


class DisagreementsAsAtTests(HypothesisTestCase):
    @settings(max_examples=8)
    @given(st.integers(0, 10_000))
    def test_at_a_date_it_lists_the_groups_the_rule_finds_among_what_had_appeared(self, seed):
        # Any day a source appeared: the record only changes then.
        days = sorted(set(Source.objects.values_list("appeared_by", flat=True)))
        day = days[seed % len(days)]
        cache.clear()  # an earlier example may have left this page cached, without the context this test reads
        self.assertEqual(listed_groups(self.client, f"as_at={day}"), groups_by_rule(day))

    def test_a_disagreement_from_a_later_publication_is_hidden(self):
        pac = Figure.objects.get(key="F056").source.appeared_by
        before = listed_groups(self.client, f"as_at={pac - datetime.timedelta(days=1)}")
        self.assertNotIn("F056", before.get(NGSS_TARGET, set()))
        self.assertIn("F056", listed_groups(self.client, f"as_at={pac}")[NGSS_TARGET])


class DisagreementDownloadTests(TestCase):
    def page_rows(self, query: str = "") -> set[tuple[str, str]]:
        return {(quantity, key) for quantity, keys in listed_groups(self.client, query).items() for key in keys}

    def test_the_csv_and_json_hold_the_rows_of_the_page(self):
        for query in ("", "as_at=2014-03-31", "programme=ngss-2012"):
            with self.subTest(query=query):
                csv = csv_rows(self.client.get(f"/disagreements.csv?{query}"))
                document = json_document(self.client.get(f"/disagreements.json?{query}"))
                self.assertEqual({(row["group"], row["figure"]) for row in csv}, self.page_rows(query))
                self.assertEqual([(row["group"], row["figure"]) for row in document["rows"]], [(r["group"], r["figure"]) for r in csv])
                self.assertEqual(document["count"], len(csv))

    def test_each_row_names_the_figure_its_claimant_value_and_source(self):
        row = next(row for row in csv_rows(self.client.get("/disagreements.csv")) if row["figure"] == "F056")
        figure = Figure.objects.with_related().get(key="F056")
        self.assertEqual(row["claimant"], figure.claimant.name)
        self.assertEqual((row["value_low"], row["value_high"], row["unit"]), ("300", "400", "gbp_m"))
        self.assertEqual(row["as_published"], figure.as_published)
        self.assertEqual(
            (row["source_key"], row["source_title"], row["source_url"]), (figure.source.key, figure.source.title, figure.source.url)
        )
        self.assertIn("F023b", row["disagrees_with"].split())


class FlagLinkTests(TestCase):
    """Every ⚑ leads to its group's anchor on /disagreements/, and keeps the date."""

    def assert_links_resolve(self, path: str, day: datetime.date | None = None) -> int:
        html = self.client.get(path, {"as_at": day.isoformat()} if day else {}).content.decode()
        links = [match["url"].replace("&amp;", "&") for match in FLAG_LINK.finditer(html)]
        for url in links:
            parts = urlsplit(url)
            if day:
                self.assertIn(f"as_at={day.isoformat()}", parts.query)
            target = self.client.get(f"{parts.path}?{parts.query}")
            self.assertEqual(target.status_code, 200, url)
            if parts.fragment:
                self.assertContains(target, f'id="{unquote(parts.fragment)}"')
        return len(links)

    def test_the_flags_of_tables_charts_figure_pages_and_the_explorer_lead_to_their_group(self):
        found = 0
        for path in (
            "/programmes/ngss-2012/",
            "/programmes/clusters-2021/",
            "/figures/F023b/",
            "/figures/?disagrees=1",
            "/changes/?since=2007-01-01",
        ):
            with self.subTest(path=path):
                found += self.assert_links_resolve(path)
        self.assertGreater(found, 10)

    def test_at_a_date_the_flags_keep_it(self):
        day = record.normalise(Figure.objects.get(key="F056").source.appeared_by)
        self.assertGreater(self.assert_links_resolve("/programmes/ngss-2012/", day), 0)


class NeverAuditedTests(TestCase):
    def listed(self, query: str = "") -> list[str]:
        keys, number = [], 1
        while True:
            response = self.client.get(f"/never-audited/?{query}&page={number}")
            assert response.status_code == 200, response.content[:300]
            keys += [key_of(figure) for _, figures in response.context["strategies"] for figure in figures]
            if not response.context["page"].has_next():
                return keys
            number += 1

    def test_it_lists_exactly_the_claims_the_rule_finds(self):
        expected = {key_of(figure) for figure in rules.never_audited(Figure.objects.with_related())}
        listed = self.listed()
        self.assertEqual(len(listed), len(set(listed)))
        self.assertEqual(set(listed), expected)

    def test_it_lists_the_cluster_claims_and_no_audited_quantity(self):
        listed = set(self.listed())
        clusters = Figure.objects.filter(programme__slug="clusters-2021", status__in=rules.UNAUDITED_STATUSES)
        self.assertTrue(clusters.exists())
        self.assertLessEqual({key_of(f) for f in clusters}, listed)
        # The NAO's £90m for the two centres (F041) is audited; nothing of its quantity is listed, nor any audited figure.
        ninety = Figure.objects.get(key="F041")
        self.assertFalse(
            {key_of(f) for f in Figure.objects.all() if rules.like_for_like_key(f) == rules.like_for_like_key(ninety)} & listed
        )
        self.assertFalse(Figure.objects.filter(key__in=listed, status="audited").exists())
        # The five department-run centres' forecast investment (F014) was audited (F015a): not listed.
        self.assertNotIn("F014", listed)

    def test_each_claim_is_under_its_strategy(self):
        response = self.client.get("/never-audited/?programme=clusters-2021")
        for strategy, figures in response.context["strategies"]:
            for figure in figures:
                self.assertIn(strategy, (figure.programme, figure.programme.parent))
                self.assertTrue(strategy.is_strategy)

    def test_a_claim_is_listed_until_an_audit_of_its_quantity_appears(self):
        programme = make_programme("audited-later")
        claim = make_figure(
            programme, make_source("claim-2014", published=datetime.date(2014, 6, 1)), status="claimed", claimant="Cabinet Office"
        )
        make_figure(programme, make_source("audit-2016", published=datetime.date(2016, 6, 1)), value=Decimal("12"))
        self.assertIn(key_of(claim), self.listed("programme=audited-later&as_at=2015-01-01"))
        self.assertNotIn(key_of(claim), self.listed("programme=audited-later"))

    def test_the_csv_and_json_hold_the_rows_of_the_page(self):
        for query in ("", "as_at=2016-05-20", "programme=ngss-2012"):
            with self.subTest(query=query):
                csv = [row["figure"] for row in csv_rows(self.client.get(f"/never-audited.csv?{query}"))]
                document = json_document(self.client.get(f"/never-audited.json?{query}"))
                self.assertEqual(csv, self.listed(query))
                self.assertEqual([row["figure"] for row in document["rows"]], csv)

    def test_a_bad_parameter_is_a_400_naming_it(self):
        self.assertContains(self.client.get("/never-audited/?programme=nowhere"), "programme", status_code=400)
        self.assertContains(self.client.get("/never-audited.csv?status=claimed"), "status", status_code=400)
        self.assertContains(self.client.get("/never-audited.csv?as_at=May"), "as_at", status_code=400)

    def test_programme_pages_link_to_both_lists_where_they_have_entries(self):
        html = self.client.get("/programmes/ngss-2012/").content.decode()
        self.assertIn('href="/disagreements/?programme=ngss-2012"', html)
        self.assertIn('href="/never-audited/?programme=ngss-2012"', html)


class NeverAuditedQueryTests(TestCase):
    """scrutiny.never_audited_claims asks the database what rules.never_audited decides, through the stored like-for-like key."""

    def by_rule(self, day: datetime.date | None, programme: Programme) -> set[int]:
        figures = Figure.objects.as_at(day).with_related().filter(programme__in=scrutiny.family(programme))
        return {figure.pk for figure in rules.never_audited(figures)}

    def test_each_programme_at_each_publication_date_counts_what_the_rule_finds(self):
        days = [None, *sorted(set(Source.objects.values_list("appeared_by", flat=True)))]
        for programme in Programme.objects.all():
            for day in days[::3]:
                with self.subTest(programme=programme.slug, day=day):
                    claims = scrutiny.never_audited_claims(day, programme)
                    self.assertEqual(set(claims.values_list("pk", flat=True)), self.by_rule(day, programme))
                    self.assertEqual(scrutiny.programme_counts(programme, day)["unaudited_count"], len(self.by_rule(day, programme)))

    def test_the_stored_key_follows_every_change_that_moves_a_figure(self):
        ninety = Figure.objects.get(key="F041")
        self.assertEqual(ninety.like_for_like, rules.like_for_like_key(ninety))
        ninety.period_end += 1
        ninety.save()
        programme = ninety.programme
        programme.slug = "ngss-renamed"
        programme.save()
        for figure in Figure.objects.select_related("programme"):
            self.assertEqual(figure.like_for_like, rules.like_for_like_key(figure), figure.key)

    def test_the_migration_derives_the_key_from_the_stored_quantity_as_the_rule_does(self):
        migration = importlib.import_module("programmes.migrations.0020_like_for_like_and_revisions")
        for figure in Figure.objects.select_related("programme"):
            self.assertEqual(migration.like_for_like(figure.quantity), rules.like_for_like_key(figure), figure.key)


class ExplorerDisagreesFilterTests(TestCase):
    def shown(self, query: str) -> set[str]:
        ids, number = [], 1
        while True:
            response = self.client.get(f"/figures/?{query}&page={number}")
            assert response.status_code == 200, response.content[:300]
            ids += [key_of(figure) for figure in response.context["figures"]]
            if not response.context["next_url"]:
                return set(ids)
            number += 1

    def test_it_shows_only_the_figures_with_a_flag_that_day(self):
        for day in (None, datetime.date(2014, 3, 31), record.normalise(datetime.date(2016, 10, 31))):
            with self.subTest(day=day):
                query = f"disagrees=1&as_at={day}" if day else "disagrees=1"
                flagged = {key for keys in groups_by_rule(day).values() for key in keys}
                self.assertEqual(self.shown(query), flagged)
                everything = {key_of(f) for f in Figure.objects.as_at(day)}
                self.assertEqual(self.shown(query.replace("disagrees=1", "disagrees=0")), everything - flagged)

    def test_the_facet_offers_it_and_the_downloads_keep_it(self):
        response = self.client.get("/figures/")
        facet = next(facet for facet in response.context["facets"] if facet.name == "disagrees")
        flagged = next(value for value in facet.values if "disagrees=1" in value.url)
        self.assertEqual(flagged.count, Figure.objects.filter(disagreement_count__gt=0).count())
        response = self.client.get("/figures/?disagrees=1")
        self.assertIn("disagrees=1", response.context["csv_url"])
        self.assertIn("disagrees=1", response.context["json_url"])
        rows = csv_rows(self.client.get(response.context["csv_url"]))
        self.assertEqual({row["key"] for row in rows}, self.shown("disagrees=1"))

    def test_a_wrong_value_is_a_400_naming_it(self):
        self.assertContains(self.client.get("/figures/?disagrees=yes"), "disagrees", status_code=400)
        self.assertContains(self.client.get("/data/figures.csv?disagrees=2"), "disagrees", status_code=400)
