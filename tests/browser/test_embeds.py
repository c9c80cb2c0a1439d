"""A chart framed in another site's page, as a news article would show it."""

from __future__ import annotations

import http.server
import threading

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.base import ALL_CHARTS_DRAWN, DESKTOP, BrowserTestCase
from tests.helpers import PATIENCE

EMBED = "/embed/programmes/ngss-2012/savings-annual/"


def another_origin(page: bytes) -> http.server.ThreadingHTTPServer:
    """A server on another port, and so another origin, answering every request with this page: a news site's article.
    On this machine's loopback, as the live server is: Chromium refuses a public page's frames of a local address."""

    class Article(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Article)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.browser
class EmbedTests(BrowserTestCase):
    def test_another_site_frames_the_chart_and_it_draws_there_while_the_full_page_refuses_the_frame(self):
        article = (
            "<!doctype html><title>An article</title><h1>An article</h1>"
            f'<iframe id="embed" src="{self.live_server_url}{EMBED}" title="Chart" width="700" height="900"></iframe>'
            f'<iframe id="page" src="{self.live_server_url}/programmes/ngss-2012/" title="Page" width="700" height="300"></iframe>'
        ).encode()
        origin = another_origin(article)
        self.addCleanup(origin.shutdown)
        page = self.context(DESKTOP).new_page()
        self.addCleanup(page.close)
        page.goto(f"http://127.0.0.1:{origin.server_port}/news/shared-services.html")
        embed = page.frame_locator("#embed")
        embed.locator(".chart-plot svg.main-svg").first.wait_for(timeout=PATIENCE * 1000)
        frame = page.locator("#embed").element_handle().content_frame()
        frame.wait_for_function(ALL_CHARTS_DRAWN, timeout=PATIENCE * 1000)
        self.assertEqual(embed.locator("h1").inner_text(), "Savings a year: promised against delivered")
        self.assertGreater(embed.locator(".chart-table tbody tr").count(), 0)
        back = embed.get_by_role("link", name="See it on the tracker")
        self.assertEqual(back.get_attribute("href"), "/programmes/ngss-2012/#chart-savings-annual")
        # The full page refuses to be framed (frame-ancestors 'none'): Chromium shows its error page in the frame instead.
        refused = page.locator("#page").element_handle().content_frame()
        refused.wait_for_load_state()
        self.assertEqual(refused.locator("main#main").count(), 0)
        self.assertTrue(refused.url.startswith("chrome-error://"), refused.url)

    def test_the_embed_has_no_accessibility_violation(self):
        visit = self.visit(EMBED)
        results = Axe().run(visit.page)
        self.assertEqual(results.violations_count, 0, results.generate_report())
        self.assertEqual(visit.failures, [])
        self.assertEqual(visit.errors, [])
