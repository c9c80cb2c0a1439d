"""The edges of ?as_at=: a future date, a date before the first publication, today and the days that are today's record,
a source dated only to the year not yet ended, and the data package at a date."""

from __future__ import annotations

import datetime
import json
import re

from django.test import TestCase
from django.utils import timezone

from programmes.models import Programme, Source
from tests.helpers import make_figure, make_organisation, make_source


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


class FutureDateTests(TestCase):
    def test_it_refuses_a_date_after_today_naming_the_parameter(self):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        for url in ("/", "/programmes/ngss-2012/", "/data/figures.csv", "/data/datapackage.json", "/changes/feed/"):
            with self.subTest(url=url):
                response = self.client.get(url, {"as_at": tomorrow.isoformat()})
                self.assertEqual(response.status_code, 400)
                self.assertIn("as_at", response.content.decode())
                self.assertIn("in the future", response.content.decode())


class BeforeTheFirstPublicationTests(TestCase):
    def test_it_says_plainly_that_nothing_had_been_published(self):
        first = Source.objects.order_by("appeared_by").first().appeared_by
        response = self.client.get("/", {"as_at": "1999-01-01"})
        self.assertEqual(response.status_code, 200)
        self.assertIn(
            f"Nothing had been published by 1 January 1999: the first publication in the record appeared on {first:%-d %B %Y}",
            text_of(response),
        )
        self.assertNotIn("The record as it stood on", text_of(response))
        for strategy in Programme.objects.strategies():
            self.assertNotIn(f"/programmes/{strategy.slug}/", response.content.decode())


class TodaysRecordTests(TestCase):
    def assert_live(self, url: str, day: datetime.date) -> None:
        live = self.client.get(url)
        dated = self.client.get(url, {"as_at": day.isoformat()})
        self.assertEqual(dated.status_code, 200)
        self.assertEqual(dated.content, live.content, f"{url} at {day} is not today's page")

    def test_today_is_exactly_the_live_site(self):
        for url in ("/", "/programmes/ngss-2012/", "/programmes/synergy/", "/sources/"):
            with self.subTest(url=url):
                self.assert_live(url, timezone.localdate())

    def test_any_day_from_the_latest_publication_is_the_live_site(self):
        latest = Source.objects.order_by("-appeared_by").first().appeared_by
        self.assertLessEqual(latest, timezone.localdate())
        self.assert_live("/", latest)
        self.assert_live("/programmes/synergy/", latest + (timezone.localdate() - latest) // 2)

    def test_the_downloads_at_today_are_todays(self):
        today = timezone.localdate().isoformat()
        for name in ("figures", "programmes", "events", "sources"):
            with self.subTest(table=name):
                live = b"".join(self.client.get(f"/data/{name}.csv").streaming_content)
                dated = b"".join(self.client.get(f"/data/{name}.csv", {"as_at": today}).streaming_content)
                self.assertEqual(dated, live)


class SourceOfThisYearTests(TestCase):
    """A source dated only to the current year counts from the last day of the year at past dates, but today's record
    holds it: on the live page, as at today, on its own page, in /changes/ and its feed."""

    @classmethod
    def setUpTestData(cls):
        today = timezone.localdate()
        cls.today = today
        cls.source = make_source(
            "this-year-report",
            published=datetime.date(today.year, 1, 1),
            date_precision="year",
            publisher="Computer Weekly",
            kind="news_article",
        )
        cls.figure = make_figure(
            Programme.objects.get(slug="ngss-2012"),
            cls.source,
            key="THISYEAR1",
            description="A saving reported this year, dated only to the year",
            claimant=make_organisation("Cabinet Office"),
        )

    def test_the_programme_page_as_at_today_shows_its_figure(self):
        for query in ({}, {"as_at": self.today.isoformat()}):
            with self.subTest(query=query):
                self.assertContains(self.client.get("/programmes/ngss-2012/", query), self.figure.description)

    def test_its_own_page_answers_as_at_today(self):
        response = self.client.get(self.source.get_absolute_url(), {"as_at": self.today.isoformat()})
        self.assertEqual(response.status_code, 200)

    def test_the_changes_page_and_feed_list_it(self):
        self.assertContains(self.client.get("/changes/"), self.figure.description)
        self.assertContains(self.client.get("/changes/feed/"), self.figure.description)

    def test_a_day_before_the_latest_other_publication_does_not_yet_show_it(self):
        day = datetime.date(2016, 5, 20)
        self.assertNotContains(self.client.get("/programmes/ngss-2012/", {"as_at": day.isoformat()}), self.figure.description)


class DataPackageAtADateTests(TestCase):
    def test_it_describes_the_downloads_at_that_date(self):
        package = json.loads(self.client.get("/data/datapackage.json", {"as_at": "2014-03-31"}).content)
        self.assertEqual(package["as_at"], "2014-03-31")
        self.assertIn("As the record stood on 2014-03-31", package["description"])
        self.assertEqual(
            {resource["path"] for resource in package["resources"]},
            {f"{name}.csv?as_at=2014-03-31" for name in ("figures", "sources", "programmes", "events", "contradictions")},
        )

    def test_today_it_is_the_live_package(self):
        live = json.loads(self.client.get("/data/datapackage.json").content)
        self.assertNotIn("as_at", live)
        self.assertEqual(json.loads(self.client.get("/data/datapackage.json", {"as_at": timezone.localdate().isoformat()}).content), live)

    def test_the_programmes_download_at_a_date_holds_the_accounts_of_then(self):
        rows = json.loads(b"".join(self.client.get("/data/programmes.json", {"as_at": "2014-03-31"}).streaming_content))["rows"]
        by_slug = {row["slug"]: row for row in rows}
        self.assertNotIn("gss-2018", by_slug)
        self.assertIn("In March 2014 the NAO", by_slug["ngss-2012"]["summary"])
        self.assertNotIn("2016", by_slug["ngss-2012"]["summary"])
        source = Source.objects.get(pk=by_slug["ngss-2012"]["summary_source_id"])
        self.assertEqual(source.key, "nao-2014-ngss-update")
