"""Filtered downloads kept whole under their query and change stamp (page_cache.cached_download); search pages cached."""

from __future__ import annotations

from unittest import mock

from django.core.cache import cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from dashboard import page_cache
from programmes.models import Figure


def fetched(client, url: str, **headers) -> tuple[object, bytes, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body, len(captured)


class KeptDownloadTests(TestCase):
    def test_a_filtered_download_is_streamed_again_from_the_cache_with_the_same_bytes_and_headers(self):
        # A date costs the queries that put it on a day of the record (dashboard/as_at.py), and the export none.
        urls = {
            "/data/figures.csv?programme=ngss-2012": 0,
            "/data/figures.json?programme=ngss-2012&status=audited": 0,
            "/data/sources.csv?as_at=2016-06-01&kind=audit_report": 2,
        }
        for url, date_queries in urls.items():
            with self.subTest(url=url):
                first, first_body, built = fetched(self.client, url)
                again, again_body, count = fetched(self.client, url)
                self.assertEqual(first.status_code, 200)
                self.assertGreater(built, 0)
                self.assertEqual(count, date_queries)
                self.assertTrue(first_body)
                self.assertEqual(again_body, first_body)
                # Content-Disposition, X-Row-Count, Last-Modified, the content type: all as the export gave them.
                self.assertEqual(sorted(again.items()), sorted(first.items()))

    def test_a_whole_table_streams_from_the_database_each_time(self):
        fetched(self.client, "/data/figures.csv")
        self.assertGreater(fetched(self.client, "/data/figures.csv")[2], 0)

    def test_a_download_larger_than_the_limit_is_not_kept(self):
        with mock.patch.object(page_cache, "DOWNLOAD_BYTES", 1000):
            fetched(self.client, "/data/figures.csv?programme=ngss-2012")
            self.assertGreater(fetched(self.client, "/data/figures.csv?programme=ngss-2012")[2], 0)

    def test_a_download_cut_short_is_not_kept(self):
        # A reader who goes away: the server closes the stream after the first piece (on PostgreSQL that also ends the
        # COPY by closing the connection, so the stream is made here rather than by the export).
        pieces = page_cache.kept_whole(iter([b"first,", b"second"]), "dashboard:download:cut", ())
        self.assertEqual(next(pieces), b"first,")
        pieces.close()
        self.assertIsNone(cache.get("dashboard:download:cut"))
        whole = page_cache.kept_whole(iter([b"first,", b"second"]), "dashboard:download:whole", ())
        self.assertEqual(b"".join(whole), b"first,second")
        self.assertEqual(cache.get("dashboard:download:whole"), (b"first,second", ()))

    def test_an_edit_is_in_the_next_download(self):
        fetched(self.client, "/data/figures.csv?programme=ngss-2012")
        figure = Figure.objects.get(key="F041")
        figure.description = "An edited description"
        figure.save()
        self.assertIn(b"An edited description", fetched(self.client, "/data/figures.csv?programme=ngss-2012")[1])

    def test_a_bad_filter_is_still_a_400_naming_it(self):
        for _ in range(2):
            response = self.client.get("/data/figures.csv?programme=no-such-programme")
            self.assertEqual(response.status_code, 400)
            self.assertIn(b"programme", response.content)


class CachedSearchTests(TestCase):
    def test_a_search_is_built_once_per_query_and_change(self):
        first, _, built = fetched(self.client, "/search/?q=SSCL")
        again, body, count = fetched(self.client, "/search/?q=SSCL")
        self.assertGreater(built, 0)
        self.assertEqual(count, 0)
        self.assertEqual(body, first.content)
        self.assertEqual(again["ETag"], first["ETag"])
        # Each of the parameters the page reads is in its key.
        etags = {self.client.get(url)["ETag"] for url in ["/search/?q=SSCL", "/search/?q=Oracle", "/search/?q=SSCL&kind=sources"]}
        self.assertEqual(len(etags), 3)
        self.assertContains(self.client.get("/search/?q=SSCL&kind=sources&page=2"), "past the last page", status_code=400)

    def test_an_edit_shows_in_the_next_search(self):
        self.client.get("/search/?q=narwhalcase")
        figure = Figure.objects.get(key="F041")
        figure.note = "Checked against the narwhalcase appendix"
        figure.save()
        self.assertContains(self.client.get("/search/?q=narwhalcase"), figure.description)

    def test_a_bad_kind_is_a_400_each_time(self):
        for _ in range(2):
            self.assertContains(self.client.get("/search/?q=SSCL&kind=nothing"), "kind", status_code=400)
