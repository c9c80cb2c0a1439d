"""Pages at a past date say only what rests on publications that had appeared by then: each programme's summary, start
and end, and which strategies exist at all, on an audit or committee report's day and the day before it.

Every programme on every such day is two hundred pages; each run checks the days of the reports that changed the
story, and a sample of the other days and the days before, drawn afresh each run.
"""

from __future__ import annotations

import datetime
import html
import re

from django.test import TestCase
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from programmes.models import Programme, ProgrammeAccount, Source, SourceKind

YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
LEDE = re.compile(r'<p class="account lede">(?P<text>.*?)</p>', re.S)
META = re.compile(r'<p class="meta">(?P<text>[^<]*)</p>')
RESTING_ON = re.compile(r'Resting on <a href="/sources/(?P<pk>\d+)/')


def report_days() -> list[datetime.date]:
    """Each day an audit report or committee report appeared, and the day before each."""
    reports = Source.objects.filter(kind__in=(SourceKind.AUDIT_REPORT, SourceKind.COMMITTEE_REPORT))
    days = set(reports.values_list("appeared_by", flat=True))
    return sorted(days | {day - datetime.timedelta(days=1) for day in days})


# The NAO's update on NGSS (2014), the PAC's report on it (2016), the NAO's on government shared services (2022), the PAC's (2023).
NAMED_DAYS = (datetime.date(2014, 3, 31), datetime.date(2016, 10, 19), datetime.date(2022, 11, 30), datetime.date(2023, 5, 5))


def at(url: str, day: datetime.date) -> str:
    return f"{url}?as_at={day.isoformat()}"


class PastTextChecks:
    def later_only(self, day: datetime.date) -> list[str]:
        """Summaries that rest only on publications later than the day (a text an earlier account also says is not one)."""
        accounts = ProgrammeAccount.objects.select_related("source")
        then = {account.summary for account in accounts if account.source.appeared_by <= day}
        return [account.summary for account in accounts if account.source.appeared_by > day and account.summary not in then]

    def check_programme_page(self, programme: Programme, day: datetime.date) -> None:
        page = self.client.get(at(programme.get_absolute_url(), day)).content.decode()
        for text in self.later_only(day):
            self.assertNotIn(html.escape(text), page)
        if not programme.is_announced_by(day):
            self.assertIn("had not been announced by", page)
            self.assertIsNone(LEDE.search(page), "no summary of a programme not yet announced")
            return
        self.assert_rests_on_what_had_appeared(page, day)

    def assert_rests_on_what_had_appeared(self, page: str, day: datetime.date) -> None:
        lede = LEDE.search(page)
        if lede is not None:
            years = [int(year) for year in YEAR.findall(lede["text"])]
            self.assertTrue(all(year <= day.year for year in years), f"{years} in a page as it stood in {day.year}")
            source = Source.objects.get(pk=RESTING_ON.search(page)["pk"])
            self.assertLessEqual(source.appeared_by, day)
        meta = META.search(page)["text"]
        years = [int(year) for year in YEAR.findall(meta)]
        self.assertTrue(all(year <= day.year for year in years), f"start or end {years} in a page as it stood in {day.year}")

    def check_overview(self, day: datetime.date) -> None:
        page = self.client.get(at("/", day)).content.decode()
        for strategy in Programme.objects.strategies().select_related("announced_by"):
            shown = f'href="/programmes/{strategy.slug}/?as_at=' in page
            self.assertEqual(shown, strategy.is_announced_by(day), strategy.slug)
        for text in self.later_only(day):
            self.assertNotIn(html.escape(text), page)
        for account in re.findall(r'<p class="account">(.*?)</p>', page, re.S):
            self.assertTrue(all(int(year) <= day.year for year in YEAR.findall(account)), account)


class SampledDayTests(PastTextChecks, HypothesisTestCase):
    @settings(max_examples=40)
    @given(st.data())
    def test_no_programme_page_shows_a_later_summary_start_or_end(self, data):
        day = data.draw(st.sampled_from(report_days()), label="day")
        programme = data.draw(st.sampled_from(list(Programme.objects.select_related("announced_by"))), label="programme")
        self.check_programme_page(programme, day)

    @settings(max_examples=8)
    @given(st.data())
    def test_the_overview_lists_only_strategies_announced_by_then_with_their_summaries_of_then(self, data):
        self.check_overview(data.draw(st.sampled_from(report_days()), label="day"))


class PastTextTests(PastTextChecks, TestCase):
    def test_the_days_include_the_reports_the_task_names(self):
        days = report_days()
        for day in NAMED_DAYS:
            self.assertIn(day, days)

    def test_on_the_named_days_no_page_shows_a_later_text(self):
        for day in NAMED_DAYS:
            with self.subTest(day=day):
                self.check_overview(day)
            for programme in Programme.objects.select_related("announced_by"):
                with self.subTest(day=day, programme=programme.slug):
                    self.check_programme_page(programme, day)

    def test_the_pages_the_task_names_no_longer_leak(self):
        page = self.client.get("/programmes/ngss-2012/?as_at=2014-03-31").content.decode()
        self.assertNotIn("In 2016", page)
        self.assertIn("In March 2014 the NAO", page)
        overview = self.client.get("/?as_at=2008-05-31").content.decode()
        for slug in ("ngss-2012", "gss-2018", "clusters-2021"):
            self.assertNotIn(f"/programmes/{slug}/", overview)

    def test_a_page_before_the_announcement_says_when_it_came_and_links_to_today(self):
        response = self.client.get("/programmes/gss-2018/?as_at=2014-03-31")
        self.assertEqual(response.status_code, 200)
        text = re.sub(r"<[^>]+>", "", response.content.decode())
        self.assertIn("This strategy had not been announced by 31 March 2014", text)
        self.assertIn("appeared on 10 January 2018", text)
        self.assertContains(response, 'href="/programmes/gss-2018/"')

    def test_today_each_page_shows_the_latest_account_and_its_source(self):
        for programme in Programme.objects.all():
            latest = ProgrammeAccount.objects.in_force(programme, None)
            with self.subTest(programme=programme.slug):
                response = self.client.get(programme.get_absolute_url())
                self.assertContains(response, html.escape(latest.summary))
                self.assertContains(response, f'Resting on <a href="{latest.source.get_absolute_url()}"')
