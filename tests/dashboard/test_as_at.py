"""?as_at= is read once for every public request: normalised to a source's date, refused with a 400 when not a date."""

import datetime

from django.test import RequestFactory, TestCase

from dashboard import as_at
from programmes.models import Source


class AsAtTests(TestCase):
    def test_a_date_becomes_the_latest_day_a_source_had_appeared_by(self):
        day = datetime.date(2016, 6, 1)
        latest = max(s.published_by for s in Source.objects.all() if s.published_by <= day)
        self.assertEqual(as_at.requested(RequestFactory().get("/", {"as_at": "2016-06-01"})), latest)

    def test_a_date_before_the_first_source_is_the_day_before_it(self):
        first = min(s.published_by for s in Source.objects.all())
        self.assertEqual(as_at.normalise(datetime.date(1990, 1, 1)), first - datetime.timedelta(days=1))

    def test_no_date_is_today(self):
        self.assertIsNone(as_at.requested(RequestFactory().get("/")))

    def test_a_page_asked_for_a_non_date_says_what_to_write(self):
        response = self.client.get("/", {"as_at": "20 May 2016"})
        self.assertContains(response, "as_at must be a date written like 2016-05-20", status_code=400)

    def test_a_download_asked_for_a_non_date_is_a_400_naming_the_parameter(self):
        response = self.client.get("/data/figures.csv", {"as_at": "2016-13-01"})
        self.assertEqual(response.status_code, 400)
        self.assertIn(b"as_at", response.content)


class LinkTests(TestCase):
    def test_a_link_keeps_the_date_and_the_other_parameters(self):
        from dashboard.as_at import at_date

        self.assertEqual(
            at_date("/data/figures.csv?programme=ngss-2012&as_at=2010-01-01", datetime.date(2016, 5, 20)),
            "/data/figures.csv?programme=ngss-2012&as_at=2016-05-20",
        )
        self.assertEqual(at_date("/figures/F047/", None), "/figures/F047/")
