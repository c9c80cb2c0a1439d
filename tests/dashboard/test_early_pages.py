"""Cached pages answered early (dashboard/early_pages.py), under a change stamp kept in the shared cache (exports/stamp.py)."""

from __future__ import annotations

from unittest import mock

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard import early_pages
from dashboard.exports import stamp
from programmes.models import Figure, Programme
from tests.helpers import NEW_SOURCE, figure_form, log_in_as_staff, new_row, run_import_command, to_csv

EARLY = "dashboard.early_pages.EarlyPagesMiddleware"
WITHOUT_EARLY = [name for name in settings.MIDDLEWARE if name != EARLY]
PAGES = [
    "/",
    "/programmes/ngss-2012/",
    "/programmes/ngss-2012/?status=audited&page=1",
    "/sources/",
    "/figures/F041/",
    "/changes/feed/",
    "/embed/overview-annual/",
    "/search/?q=SSCL",
]


def queries(client, url: str, **headers) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    return response, len(captured)


class EarlyAnswerTests(TestCase):
    def test_it_answers_a_warm_page_with_the_normal_paths_bytes_and_headers_and_no_query(self):
        for url in PAGES:
            with self.subTest(url=url):
                self.client.get(url)  # built, and kept with its headers
                early, count = queries(self.client, url)
                self.assertEqual(count, 0)
                with override_settings(MIDDLEWARE=WITHOUT_EARLY):
                    normal = self.client.get(url)
                self.assertEqual(early.status_code, 200)
                self.assertEqual(early.content, normal.content)
                self.assertEqual(sorted(early.items()), sorted(normal.items()))
                self.assertIn("no-cache", early["Cache-Control"])

    def test_it_answers_a_browser_holding_the_page_with_the_normal_paths_304(self):
        for url in ["/programmes/ngss-2012/", "/embed/overview-annual/"]:  # an embed may be framed anywhere, its 304 too
            with self.subTest(url=url):
                etag = self.client.get(url)["ETag"]
                early, count = queries(self.client, url, if_none_match=etag)
                self.assertEqual(count, 0)
                with override_settings(MIDDLEWARE=WITHOUT_EARLY):
                    normal = self.client.get(url, headers={"if-none-match": etag})
                self.assertEqual((early.status_code, early.content), (304, b""))
                self.assertEqual(sorted(early.items()), sorted(normal.items()))
        since = self.client.get("/programmes/ngss-2012/", headers={"if-modified-since": early["Last-Modified"]})
        self.assertEqual(since.status_code, 304)

    def test_it_answers_head_with_the_headers_of_get_and_no_body(self):
        got = self.client.get("/")
        with CaptureQueriesContext(connection) as captured:
            head = self.client.head("/")
        self.assertEqual(len(captured), 0)
        self.assertEqual(head.content, b"")
        self.assertEqual(head["ETag"], got["ETag"])
        self.assertEqual(head["Content-Length"], got["Content-Length"])

    def test_a_signed_in_editor_takes_the_normal_path(self):
        self.client.get("/")
        with mock.patch.object(early_pages, "answer", wraps=early_pages.answer) as early:
            self.client.get("/")
            self.assertEqual(early.call_count, 1)
            log_in_as_staff(self.client)
            self.assertEqual(self.client.get("/").status_code, 200)
            self.assertEqual(early.call_count, 1)

    def test_a_date_in_the_past_takes_the_normal_path_and_shows_that_day(self):
        self.client.get("/", {"as_at": "2013-01-01"})
        response = self.client.get("/", {"as_at": "2013-01-01"})
        self.assertContains(response, "2013")
        self.assertNotEqual(response["ETag"], self.client.get("/")["ETag"])

    def test_a_page_that_is_not_cached_is_left_to_the_normal_path(self):
        self.assertEqual(self.client.get("/about/").status_code, 200)
        self.assertEqual(self.client.get("/no-such-page/").status_code, 404)
        for _ in range(2):  # a 404 is not kept: asked again, it is a 404 again
            self.assertEqual(self.client.get("/programmes/no-such-programme/").status_code, 404)


class NothingStaleTests(TestCase):
    def test_an_edit_saved_in_the_admin_shows_on_the_next_request(self):
        figure = Figure.objects.get(key="F041")
        self.client.get(figure.get_absolute_url())
        self.assertEqual(queries(self.client, figure.get_absolute_url())[1], 0)
        editor = self.client_class()
        log_in_as_staff(editor)
        saved = editor.post(
            reverse("admin:programmes_figure_change", args=[figure.pk]), figure_form(figure, description="An edited description")
        )
        self.assertEqual(saved.status_code, 302)
        self.assertContains(self.client.get(figure.get_absolute_url()), "An edited description")

    def test_a_committed_save_replaces_the_kept_stamp_so_the_next_request_shows_it_without_a_query_for_the_stamp(self):
        self.client.get("/programmes/ngss-2012/")
        before = cache.get(stamp.KEY)[0]
        programme = Programme.objects.get(slug="ngss-2012")
        with self.captureOnCommitCallbacks(execute=True):
            programme.name = "Next Generation Shared Services, renamed"
            programme.save()
        self.assertGreater(cache.get(stamp.KEY)[0], before)
        self.assertEqual(cache.get(stamp.KEY)[0], stamp.from_history())
        self.assertContains(self.client.get("/programmes/ngss-2012/"), "Next Generation Shared Services, renamed")
        # Built once under the new stamp, the page is answered early again.
        self.assertEqual(queries(self.client, "/programmes/ngss-2012/")[1], 0)

    def test_within_a_transaction_that_wrote_the_stamp_is_its_own_and_the_kept_one_waits_for_the_commit(self):
        kept = stamp.last_changed()
        programme = Programme.objects.get(slug="ngss-2012")
        programme.name = "Renamed, not yet committed"
        programme.save()
        self.assertGreater(stamp.last_changed(), kept)
        self.assertEqual(cache.get(stamp.KEY)[0], kept)  # other processes keep the committed stamp meanwhile

    def test_an_import_written_in_bulk_shows_on_the_next_request(self):
        self.client.get("/sources/")
        self.assertEqual(queries(self.client, "/sources/")[1], 0)
        run_import_command(to_csv(new_row(description="An imported figure")))
        self.assertContains(self.client.get("/sources/"), NEW_SOURCE["source_title"])
