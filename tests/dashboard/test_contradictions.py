"""Where the sources disagree: each contradiction told in words on its programmes' pages and its figures' pages, as at a date, and in the downloads."""

import csv
import datetime
import io

from django.test import TestCase

from programmes.models import Contradiction, ContradictionProgramme, ContradictionSide, Source
from tests.helpers import make_figure, make_organisation, make_programme, make_source


def side(contradiction: Contradiction, position: int, source: Source, says: str, **fields) -> ContradictionSide:
    claimant = make_organisation(fields.pop("claimant", source.publisher.name))
    return ContradictionSide.objects.create(
        contradiction=contradiction, position=position, source=source, claimant=claimant, says=says, **fields
    )


class ContradictionPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("mini")
        cls.other = make_programme("elsewhere")
        cls.early = make_source("early-report", published=datetime.date(2013, 5, 1))
        cls.later = make_source("later-article", publisher="The Register", kind="news_article", published=datetime.date(2014, 6, 1))
        cls.last = make_source("last-article", publisher="UKAuthority", kind="news_article", published=datetime.date(2015, 1, 1))
        cls.figure = make_figure(cls.programme, cls.early, measure="coverage", basis="point_in_time", unit="count", value=2)
        cls.contradiction = Contradiction.objects.create(
            key="start-date", title="When the centres started", description="One says 2013, the others 2014: both cannot be right."
        )
        ContradictionProgramme.objects.create(contradiction=cls.contradiction, programme=cls.programme)
        side(cls.contradiction, 1, cls.early, "Services started in 2013.", figure=cls.figure)
        side(cls.contradiction, 2, cls.later, "The centres were set up in 2014.")
        side(cls.contradiction, 3, cls.last, "The centres were set up in 2014, it said too.")

    def page(self, path: str) -> str:
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_it_tells_each_side_in_words_with_its_publication_and_figure(self):
        page = self.page("/programmes/mini/")
        self.assertIn("Where the sources disagree", page)
        self.assertIn("When the centres started", page)
        self.assertIn("Services started in 2013.", page)
        self.assertIn("The centres were set up in 2014.", page)
        self.assertIn(self.early.get_absolute_url(), page)
        self.assertIn(self.figure.get_absolute_url(), page)
        self.assertIn("Why they differ:</strong> One says 2013, the others 2014: both cannot be right.", page)

    def test_it_shows_nothing_on_a_programme_it_does_not_touch(self):
        self.assertNotIn("Where the sources disagree", self.page("/programmes/elsewhere/"))

    def test_it_shows_it_on_the_page_of_a_figure_involved(self):
        page = self.page(self.figure.get_absolute_url())
        self.assertIn("When the centres started", page)
        self.assertIn("The centres were set up in 2014.", page)

    def test_it_waits_until_two_sides_had_appeared(self):
        page = self.page("/programmes/mini/?as_at=2014-01-01")
        self.assertNotIn("When the centres started", page)

    def test_it_lists_only_the_sides_that_had_appeared_and_keeps_the_account_until_all_had(self):
        page = self.page("/programmes/mini/?as_at=2014-07-01")
        self.assertIn("When the centres started", page)
        self.assertIn("The centres were set up in 2014.", page)
        self.assertNotIn("it said too", page)
        self.assertNotIn("both cannot be right", page)
        self.assertIn("Other publications took part in this disagreement after this date", page)
        # The links keep the date, like every link of a page read as at a date.
        self.assertIn(f'href="{self.early.get_absolute_url()}?as_at=', page)
        self.assertIn("both cannot be right", self.page("/programmes/mini/?as_at=2015-01-01"))


class ContradictionDownloadTests(TestCase):
    def rows(self, query: str) -> list[dict]:
        response = self.client.get(f"/data/contradictions.csv{query}")
        self.assertEqual(response.status_code, 200)
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))

    def test_it_downloads_one_row_a_side_with_the_programmes_it_touches(self):
        rows = [row for row in self.rows("?programme=issc1") if row["contradiction"] == "issc-start-date"]
        self.assertEqual([row["claimant"] for row in rows], ["National Audit Office", "Cabinet Office", "The Register", "UKAuthority"])
        self.assertEqual(set(rows[0]["programmes"].split()), {"ngss-2012", "issc1", "issc2"})
        self.assertTrue(rows[0]["description"])

    def test_it_downloads_only_the_sides_that_had_appeared_as_at_a_date(self):
        rows = [row for row in self.rows("?as_at=2016-06-01") if row["contradiction"] == "issc-start-date"]
        self.assertEqual([row["claimant"] for row in rows], ["National Audit Office", "Cabinet Office", "The Register"])
        self.assertEqual({row["description"] for row in rows}, {""})

    def test_it_names_a_wrong_parameter(self):
        response = self.client.get("/data/contradictions.json?programme=nowhere")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"]["parameter"], "programme")

    def test_the_data_package_describes_it(self):
        names = [resource["name"] for resource in self.client.get("/data/datapackage.json").json()["resources"]]
        self.assertIn("contradictions", names)


class SourceLinkTests(TestCase):
    def test_a_source_with_no_known_copy_online_says_so_and_names_no_file(self):
        for key in ("seed-000-cips-nao-2014", "seed-002-pse-nao-2022"):
            source = Source.objects.get(key=key)
            with self.subTest(source=key):
                page = self.client.get(source.get_absolute_url()).content.decode()
                self.assertIn("No online copy is known", page)
                self.assertNotIn(source.seed_file, page)
                self.assertNotIn("seed article", page)

    def test_a_source_with_a_link_shows_it(self):
        source = Source.objects.get(key="seed-001-csw-nao-2016")
        page = self.client.get(source.get_absolute_url()).content.decode()
        self.assertIn(source.url, page)
        self.assertNotIn("No online copy is known", page)
