"""The record as it stood on a date (?as_at=): the cards a reader could have built then, the banner, links that keep the date,
the date picker, downloads, and caching under the date and the change stamp."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re

from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard import as_at, exports
from programmes.models import Figure, Programme, Source
from tests.helpers import body, cards_on, figure_form, instead_on, log_in_as_staff, make_source
from tests.record_expectations import BEFORE_FIRST_SOURCE, NAO_2016, NAO_REPORT_CARDS, NGSS_CARDS_AT_NAO_2016

HREF = re.compile(r'href="(?P<url>/[^"#]*)(?:#[^"]*)?"')


def at(url: str, day: datetime.date) -> str:
    return f"{url}?as_at={day.isoformat()}"


class BeforeTheFirstSourceTests(TestCase):
    def test_the_day_before_the_first_source_is_what_the_test_pins(self):
        first = Source.objects.order_by("appeared_by").first()
        self.assertEqual(first.appeared_by - datetime.timedelta(days=1), BEFORE_FIRST_SOURCE)
        self.assertEqual(as_at.normalise(datetime.date(1999, 1, 1)), BEFORE_FIRST_SOURCE)

    def test_every_programme_page_says_it_had_not_been_announced_and_shows_no_card(self):
        for programme in Programme.objects.all():
            with self.subTest(programme=programme.slug):
                response = self.client.get(at(programme.get_absolute_url(), BEFORE_FIRST_SOURCE))
                self.assertEqual(response.status_code, 200)
                self.assertEqual(cards_on(response.content.decode()), {}, "no card before anything was published")
                self.assertContains(response, "had not been announced by")
                self.assertContains(response, "Nothing had been published by")

    def test_the_overview_shows_no_strategy(self):
        response = self.client.get(at("/", BEFORE_FIRST_SOURCE))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertEqual(html.count('class="card"'), 0, "no strategy had been announced")
        self.assertEqual(response.context["charts"], [])

    def test_the_downloads_hold_no_dated_row(self):
        for name in ("figures", "sources", "events"):
            with self.subTest(table=name):
                response = self.client.get(f"/data/{name}.csv", {"as_at": BEFORE_FIRST_SOURCE.isoformat()})
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["X-Row-Count"], "0")
                # Read to its end, as a reader does: the server frees the download's slot when the stream ends.
                body(response)
        response = self.client.get("/data/programmes.json", {"as_at": "2000-01-01"})
        self.assertEqual(json.loads(b"".join(response.streaming_content))["count"], 0, "no programme had been announced")

    def test_the_changes_page_and_the_other_pages_answer(self):
        for url in ("/changes/", "/about/", "/data/", "/sources/"):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(at(url, BEFORE_FIRST_SOURCE)).status_code, 200)


class AtTheNaoReportOf2016Tests(TestCase):
    def test_the_ngss_page_shows_the_cards_a_reader_could_have_built_then(self):
        cards = cards_on(self.client.get(at("/programmes/ngss-2012/", NAO_2016)).content.decode())
        self.assertEqual(cards, {role: key for role, (key, _) in NGSS_CARDS_AT_NAO_2016.items()})

    def test_the_overview_card_is_the_same(self):
        html = self.client.get(at("/", NAO_2016)).content.decode()
        section = html[html.index('href="/programmes/ngss-2012/') :]
        self.assertEqual(cards_on(section[: section.index("</dl>")]), {role: key for role, (key, _) in NGSS_CARDS_AT_NAO_2016.items()})

    def test_today_the_net_benefit_card_shows_the_pac_figure_that_came_later_as_the_two_centres(self):
        html = self.client.get("/programmes/ngss-2012/").content.decode()
        self.assertEqual((cards_on(html)["net-benefit"], instead_on(html)["net-benefit"]), (None, ["F043"]))
        then = self.client.get(at("/programmes/ngss-2012/", NAO_2016)).content.decode()
        self.assertEqual(instead_on(then)["net-benefit"], [], "nobody had stated a net by 20 May 2016")

    def test_a_later_day_in_the_same_gap_between_sources_shows_the_same_record(self):
        self.assertEqual(as_at.normalise(datetime.date(2016, 5, 30)), NAO_2016)
        page = self.client.get("/programmes/ngss-2012/", {"as_at": "2016-05-30"})
        self.assertEqual(page.wsgi_request.as_at, NAO_2016)
        self.assertContains(page, "(the last day a publication in the record appeared by 30 May 2016)")

    def test_the_charts_and_flags_are_those_of_the_day(self):
        charts = self.client.get(at("/programmes/ngss-2012/", NAO_2016)).context["charts"]
        keys = {row["url"] for chart in charts for row in chart.rows}
        published = {f.get_absolute_url() for f in Figure.objects.filter(programme__slug="ngss-2012", source__appeared_by__lte=NAO_2016)}
        self.assertLessEqual(keys, published, "no chart draws a figure published after the day")
        flagged = {row["url"]: row["Flag"] for chart in charts for row in chart.rows if row["Flag"]}
        # The PAC's £300-400m (F056) came in October 2016: in May the £600m figures disagree only with "up to half a billion".
        self.assertTrue(flagged)
        self.assertFalse([flag for flag in flagged.values() if "£300–400m" in flag])


class AtEachNaoReportTests(TestCase):
    def test_the_pinned_days_are_the_nao_audit_reports(self):
        reports = Source.objects.filter(publisher__name="National Audit Office", kind="audit_report")
        self.assertEqual(set(NAO_REPORT_CARDS), set(reports.values_list("appeared_by", flat=True)))

    def test_the_ngss_and_2021_cards_are_those_of_the_day(self):
        for day, programmes in NAO_REPORT_CARDS.items():
            for slug, expected in programmes.items():
                with self.subTest(day=day, programme=slug):
                    self.assertEqual(cards_on(self.client.get(at(f"/programmes/{slug}/", day)).content.decode()), expected)


class BannerAndLinkTests(TestCase):
    def test_a_page_read_at_a_date_says_which_and_links_back_to_today(self):
        response = self.client.get(at("/about/", NAO_2016))
        self.assertContains(response, 'The record as it stood on <time datetime="2016-05-20">20 May 2016</time>')
        self.assertContains(response, '<a href="/about/">See this page as it stands today</a>')
        self.assertContains(response, 'href="/changes/?since=2016-05-20"')

    def test_todays_page_has_no_banner(self):
        self.assertNotContains(self.client.get("/about/"), "as-at-banner")

    def test_every_link_on_the_pages_it_builds_keeps_the_date(self):
        # The links of the site's frame and of /about/, /data/ and /changes/. The banner's two links leave the date on
        # purpose (back to today, and what changed since), and so do the feeds, the dataset releases and the corrections
        # log's downloads (fixed, or a log of what was done when: they have no date); the date picker's notches open other dates.
        leaving = {"/about/", "/data/", "/changes/", "/changes/?since=2016-05-20"}
        for url in ("/about/", "/data/", "/changes/"):
            with self.subTest(url=url):
                html = self.client.get(at(url, NAO_2016)).content.decode()
                html = re.sub(r'<details class="notches">.*?</details>', "", html, flags=re.DOTALL)
                links = [match["url"].replace("&amp;", "&") for match in HREF.finditer(html)]
                kept = [
                    link
                    for link in links
                    if link not in leaving
                    and not link.startswith(
                        ("/static/", "/changes/feed/", "/data/releases/", "/corrections/feed/", "/corrections.csv", "/corrections.json")
                    )
                ]
                self.assertGreater(len(kept), 5)
                self.assertEqual([link for link in kept if "as_at=2016-05-20" not in link], [])

    def test_the_feed_is_linked_from_every_page(self):
        for url in ("/", "/about/", "/changes/"):
            with self.subTest(url=url):
                self.assertContains(
                    self.client.get(url),
                    '<link rel="alternate" type="application/atom+xml" title="Changes to the record" href="/changes/feed/">',
                )


class DatePickerTests(TestCase):
    def test_it_is_a_plain_form_with_the_days_of_audit_reports_and_hearings_as_notches(self):
        html = self.client.get("/programmes/ngss-2012/").content.decode()
        self.assertIn('<form class="date-picker" method="get" action="/programmes/ngss-2012/"', html)
        self.assertIn('<input type="date" id="as-at-date" name="as_at" list="as-at-notches"', html)
        notches = re.findall(r'<option value="(\d{4}-\d\d-\d\d)"', html)
        # Every NAO audit report (May 2008 counts from its last day), the NAO's 2016 report page, and the PAC's reports and hearing.
        for day in (
            "2007-11-29",
            "2008-05-31",
            "2012-03-07",
            "2014-03-31",
            "2016-05-20",
            "2022-11-30",
            "2023-01-16",
            "2016-10-19",
            "2023-05-05",
        ):
            self.assertIn(day, notches)
        self.assertEqual(notches, sorted(set(notches)))
        self.assertIn('<a href="/programmes/ngss-2012/?as_at=2016-05-20">', html)

    def test_submitting_it_opens_the_page_at_the_date(self):
        response = self.client.get("/programmes/ngss-2012/", {"as_at": "2014-03-31"})
        self.assertContains(response, 'value="2014-03-31"')
        self.assertContains(response, "The record as it stood on")

    def test_a_new_audit_report_is_a_notch_at_once(self):
        # The test's rollback deletes the source without a signal: forget the notches it leaves in the cache.
        self.addCleanup(as_at.notches_changed)
        self.client.get("/")
        make_source("nao-2027-report", published=datetime.date(2027, 2, 1))
        self.assertIn('<option value="2027-02-01"', self.client.get("/").content.decode())

    def test_with_hundreds_of_report_days_it_names_the_latest_few_and_a_crowded_day_briefly(self):
        self.addCleanup(as_at.notches_changed)
        for number in range(2 * as_at.NOTCHES_SHOWN):
            make_source(f"nao-{number}", published=datetime.date(2030, 1, 1) + datetime.timedelta(days=number))
        crowded = datetime.date(2030, 1, 1) + datetime.timedelta(days=2 * as_at.NOTCHES_SHOWN - 1)
        for number in range(5):
            make_source(f"committee-{number}", publisher=f"Committee {number}", kind="committee_report", published=crowded)
        as_at.notches_changed()
        html = self.client.get("/").content.decode()
        notches = re.findall(r'<option value="(\d{4}-\d\d-\d\d)"', html)
        self.assertEqual(len(notches), as_at.NOTCHES_SHOWN)
        self.assertEqual(notches[-1], crowded.isoformat())
        self.assertEqual(notches, sorted(notches))
        days = as_at.notch_sources().values("appeared_by").distinct().count()
        self.assertIn(f"the latest {as_at.NOTCHES_SHOWN} of {days} days", html)
        (label,) = re.findall(rf'<option value="{crowded.isoformat()}" label="([^"]*)"', html)
        # Three of the day's six publications are named, the other three counted.
        self.assertEqual(label.count("(" + crowded.strftime("%-d %B %Y") + ")"), as_at.LABELS_PER_NOTCH)
        self.assertTrue(label.endswith("; and 3 more"), label)

    def test_a_malformed_date_is_a_page_saying_what_to_write(self):
        response = self.client.get("/programmes/ngss-2012/", {"as_at": "May 2016"})
        self.assertContains(response, "must be a date written like 2016-05-20", status_code=400)


class AsAtDownloadTests(TestCase):
    def rows(self, url: str, **params) -> list[dict]:
        response = self.client.get(url, params)
        self.assertEqual(response.status_code, 200)
        return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode().lstrip("\ufeff"))))

    def test_the_figures_are_those_published_by_the_day(self):
        rows = self.rows("/data/figures.csv", as_at="2016-05-20")
        expected = Figure.objects.filter(source__appeared_by__lte=NAO_2016)
        self.assertEqual({row["key"] for row in rows}, set(expected.values_list("key", flat=True)))

    def test_disagrees_is_as_it_was_then(self):
        # Computer Weekly's 1,200 staff moved to SSCL (2013) disagrees with 'around 1,100' only from October 2023.
        then = {row["key"]: row["disagrees"] for row in self.rows("/data/figures.csv", as_at="2016-05-20", programme="issc2")}
        now = {row["key"]: row["disagrees"] for row in self.rows("/data/figures.csv", programme="issc2")}
        self.assertEqual((then["F035"], now["F035"]), ("false", "true"))
        self.assertNotIn("F035b", then)

    def test_sorted_by_disagrees_it_follows_the_flags_as_they_stood(self):
        rows = self.rows("/data/figures.csv", as_at="2016-05-20", sort="-disagrees")
        order = [(row["disagrees"] != "true", int(row["id"])) for row in rows]
        self.assertTrue(any(not unflagged for unflagged, _ in order), "some figures were flagged by then")
        # Flagged as they stood that day first, then the rest, each in id order (today's counts play no part).
        self.assertEqual(order, sorted(order))

    def test_sources_and_events_are_those_that_had_appeared(self):
        keys = {row["key"] for row in self.rows("/data/sources.csv", as_at="2012-03-07")}
        self.assertEqual(keys, set(Source.objects.filter(appeared_by__lte=datetime.date(2012, 3, 7)).values_list("key", flat=True)))
        self.assertIn("nao-2012-shared-service-centres", keys)
        response = self.client.get("/data/events.json", {"as_at": "2012-03-07"})
        events = json.loads(b"".join(response.streaming_content))
        self.assertTrue(
            all(
                row["source_id"] in Source.objects.filter(appeared_by__lte=datetime.date(2012, 3, 7)).values_list("pk", flat=True)
                for row in events["rows"]
            )
        )

    def test_the_json_and_the_file_name_say_the_date(self):
        response = self.client.get("/data/figures.json", {"as_at": "2016-05-25"})
        document = json.loads(b"".join(response.streaming_content))
        self.assertEqual(document["filters"], {"as_at": "2016-05-20"})
        self.assertIn("figures_as_at-2016-05-20.json", response["Content-Disposition"])

    def test_a_malformed_date_is_a_400_naming_the_parameter(self):
        for url in ("/data/figures.csv", "/data/sources.json", "/changes.csv", "/changes/feed/"):
            with self.subTest(url=url):
                response = self.client.get(url, {"as_at": "2016-02-30"})
                self.assertEqual(response.status_code, 400)
                self.assertIn(b"as_at", response.content)
                self.assertTrue(response["Content-Type"].startswith("text/plain"))

    def test_the_data_page_documents_it(self):
        response = self.client.get("/data/")
        self.assertContains(response, '<th scope="row"><code>as_at</code></th>', count=len(exports.RESOURCES))


class AsAtCacheTests(TestCase):
    url = "/programmes/ngss-2012/?as_at=2016-05-20"

    def queries(self, url: str) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            self.assertEqual(self.client.get(url).status_code, 200)
        return [query["sql"] for query in captured.captured_queries]

    def test_a_page_at_a_date_is_cached_under_the_date_and_the_change_stamp(self):
        cache.clear()
        cold = self.client.get(self.url).content
        warm = self.queries(self.url)
        self.assertFalse([sql for sql in warm if '"programmes_figure"."value"' in sql], "a warm page at a date loads no figure")
        self.assertEqual(self.client.get(self.url).content, cold)
        today = self.client.get("/programmes/ngss-2012/").content.decode()
        self.assertNotEqual(
            instead_on(today), instead_on(cold.decode()), "today's page is not served from the date's cache, nor the reverse"
        )
        self.assertEqual(instead_on(self.client.get(self.url).content.decode())["net-benefit"], [])

    def test_each_reader_of_a_cached_page_sees_the_date_they_asked_for(self):
        first, second = datetime.date(2016, 5, 25), datetime.date(2016, 5, 30)
        self.assertEqual(as_at.normalise(first), as_at.normalise(second))  # one record, two dates asked
        self.client.get(at("/programmes/ngss-2012/", first))
        html = self.client.get(at("/programmes/ngss-2012/", second)).content.decode()
        self.assertIn("appeared by 30 May 2016", html)
        self.assertNotIn("25 May 2016", html)

    def test_a_parameter_the_page_ignores_stays_out_of_the_links_of_the_cached_page(self):
        self.client.get("/programmes/ngss-2012/", {"utm_source": "newsletter"})
        html = self.client.get("/programmes/ngss-2012/").content.decode()
        self.assertIn("page=2", html)
        self.assertNotIn("utm_source", html)

    def test_an_admin_edit_shows_at_once_on_a_page_at_a_date(self):
        self.client.get(self.url)
        self.client.get("/?as_at=2016-05-20")
        figure = Figure.objects.get(key="F041")
        log_in_as_staff(self.client)
        response = self.client.post(reverse("admin:programmes_figure_change", args=[figure.pk]), figure_form(figure, as_published="£91m"))
        self.assertEqual(response.status_code, 302)
        self.client.logout()
        for url in (self.url, "/?as_at=2016-05-20"):
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), '<a href="/figures/F041/', html=False)
                self.assertContains(self.client.get(url), "£91m")
