"""A client can tell a complete download from a cut one: the row count comes first, and a fault ends the stream badly."""

from __future__ import annotations

import io
import json
from unittest import mock

import pandas
from django.db import OperationalError
from django.test import TestCase

from dashboard import exports


class RowCountTests(TestCase):
    def test_it_sends_the_number_of_csv_rows_before_the_rows(self):
        for query in ("", "?programme=ngss-2012&include_children=1", "?status=audited"):
            with self.subTest(query=query):
                response = self.client.get(f"/data/figures.csv{query}")
                table = pandas.read_csv(io.BytesIO(b"".join(response.streaming_content)))
                self.assertEqual(int(response["X-Row-Count"]), len(table))
                self.assertIn("X-Row-Count", response["Access-Control-Expose-Headers"])

    def test_it_sends_the_number_of_json_rows_for_every_table(self):
        for resource in ("figures", "sources", "programmes", "events"):
            with self.subTest(resource=resource):
                response = self.client.get(f"/data/{resource}.json")
                document = json.loads(b"".join(response.streaming_content))
                self.assertEqual(int(response["X-Row-Count"]), len(document["rows"]))

    def test_it_counts_on_head_too(self):
        self.assertEqual(self.client.head("/data/figures.csv")["X-Row-Count"], self.client.get("/data/figures.csv")["X-Row-Count"])


class CutStreamTests(TestCase):
    def test_a_fault_mid_stream_reaches_the_server_instead_of_ending_the_file_cleanly(self):
        # gunicorn, seeing the exception after the headers went out, drops the connection without the final chunk.
        streaming = exports.streaming

        def rows_then_fault(source):
            def faulty(*args, **kwargs):
                batches = list(source(*args, **kwargs))  # read to the end, so the connection is left as it should be
                yield batches[0][:1]
                raise OperationalError("server closed the connection unexpectedly")

            return faulty

        # The rows come from the database in batches: through COPY on PostgreSQL, a cursor elsewhere.
        with (
            mock.patch.object(streaming, "fetched", rows_then_fault(streaming.fetched)),
            mock.patch.object(streaming.pgcopy, "copy_rows", rows_then_fault(streaming.pgcopy.copy_rows)),
        ):
            response = self.client.get("/data/figures.csv")
            pieces = iter(response.streaming_content)
            next(pieces)  # the header line is out
            with self.assertRaises(OperationalError):
                list(pieces)
