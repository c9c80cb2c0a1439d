"""Charts other sites may frame (/embed/...): each chart's page of its own, what it shows, and who may frame what."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from django.test import TestCase

from programmes.models import Programme
from tests.helpers import csp_directives

EMBED_CODE = re.compile(r'<textarea id="chart-([\w-]+)-embed" class="embed-code" readonly rows="3">(.*?)</textarea>', re.S)


def embed_codes(page: str) -> dict[str, str]:
    """Each chart's iframe code as a reader copies it, by chart id."""
    return {chart: html.unescape(code) for chart, code in EMBED_CODE.findall(page)}


def frame_address(code: str) -> str:
    return re.search(r'<iframe src="([^"]+)"', code).group(1)


class EmbedTests(TestCase):
    def test_every_chart_of_every_page_offers_iframe_code_whose_address_shows_that_chart(self):
        pages = ["/", *(programme.get_absolute_url() for programme in Programme.objects.order_by("slug"))]
        for path in pages:
            page = self.client.get(path).content.decode()
            charts = re.findall(r'<section class="chart" id="chart-([\w-]+)"', page)
            codes = embed_codes(page)
            with self.subTest(page=path):
                self.assertEqual(sorted(codes), sorted(charts), "a chart without embed code, or code without a chart")
            for chart, code in codes.items():
                with self.subTest(page=path, chart=chart):
                    address = urlsplit(frame_address(code))
                    self.assertEqual(address.netloc, "testserver")
                    self.assertIn(' title="', code)
                    embedded = self.client.get(address.path + (f"?{address.query}" if address.query else ""))
                    self.assertEqual(embedded.status_code, 200)
                    text = embedded.content.decode()
                    self.assertIn(f'id="chart-{chart}-data"', text, "the chart's figure JSON")
                    self.assertIn("<figcaption", text)
                    self.assertIn('class="chart-table"', text)
                    self.assertIn('class="chart-sources"', text)
                    self.assertIn(f'href="{path}#chart-{chart}"', text, "the link back to the chart on its page")

    def test_only_an_embed_may_be_framed_by_another_site(self):
        embed = self.client.get("/embed/programmes/ngss-2012/savings-annual/")
        self.assertEqual(embed.status_code, 200)
        self.assertEqual(csp_directives(embed)["frame-ancestors"], "*")
        self.assertNotIn("X-Frame-Options", embed.headers)
        for path in ("/", "/programmes/ngss-2012/", "/figures/", "/about/"):
            with self.subTest(page=path):
                response = self.client.get(path)
                self.assertEqual(csp_directives(response)["frame-ancestors"], "'none'")
                self.assertEqual(response["X-Frame-Options"], "DENY")

    def test_an_embed_served_from_the_cache_may_still_be_framed(self):
        first = self.client.get("/embed/overview-annual/")
        again = self.client.get("/embed/overview-annual/")
        self.assertEqual(first.status_code, 200)
        self.assertEqual(first.content, again.content)
        self.assertEqual(csp_directives(again)["frame-ancestors"], "*")
        self.assertNotIn("X-Frame-Options", again.headers)

    def test_a_past_dates_embed_shows_that_record_and_links_back_to_it(self):
        page = self.client.get("/programmes/ngss-2012/?as_at=2016-05-20").content.decode()
        address = urlsplit(frame_address(embed_codes(page)["savings-annual"]))
        self.assertEqual(address.query, "as_at=2016-05-20")
        text = self.client.get(f"{address.path}?{address.query}").content.decode()
        self.assertIn("the record as at 20 May 2016", text)
        self.assertIn('href="/programmes/ngss-2012/?as_at=2016-05-20#chart-savings-annual"', text)

    def test_an_unknown_chart_or_programme_is_a_404(self):
        for path in ("/embed/no-such-chart/", "/embed/programmes/ngss-2012/no-such-chart/", "/embed/programmes/nothing/savings-annual/"):
            with self.subTest(path=path):
                self.assertEqual(self.client.get(path).status_code, 404)

    def test_a_strategy_not_yet_announced_on_the_date_has_no_embed(self):
        self.assertEqual(self.client.get("/embed/programmes/gss-2018/savings-annual/?as_at=2012-01-01").status_code, 404)
