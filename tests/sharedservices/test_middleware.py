"""The 503 page during a database failure tells a reader to come back, and an editor that their save was not stored."""

from __future__ import annotations

from unittest import mock

from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from programmes.models import Figure
from tests.helpers import form_data


class DatabaseUnavailablePageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
        cls.figure = Figure.objects.get(key="F041")

    def test_it_tells_an_editor_whose_save_failed_that_it_was_not_saved(self):
        self.client.force_login(self.editor)
        url = reverse("admin:programmes_figure_change", args=[self.figure.pk])
        fields = form_data(self.client.get(url).content.decode(), "figure_form") | {
            "note": ["A note that will not arrive"],
            "change_reason": ["Adding a note"],
        }
        with mock.patch.object(Figure, "save", side_effect=OperationalError("database is locked")):
            response = self.client.post(url, fields)
        self.assertContains(response, "was not saved", status_code=503)
        self.assertNotContains(response, "safe", status_code=503)
        self.assertNotEqual(Figure.objects.get(pk=self.figure.pk).note, "A note that will not arrive")

    def test_it_tells_a_reader_the_record_is_safe(self):
        with mock.patch("dashboard.views.Programme.objects.for_overview", side_effect=OperationalError("connection refused")):
            response = self.client.get("/")
        self.assertContains(response, "The record itself is safe", status_code=503)
        self.assertNotContains(response, "not saved", status_code=503)


class DownloadSlotsTests(TestCase):
    @override_settings(DOWNLOADS_AT_ONCE=1)
    def test_it_refuses_a_download_at_once_while_every_slot_streams_and_frees_it_when_the_stream_ends(self):
        client = Client()  # builds its middleware, and so its slots, under the setting
        first = client.get("/data/figures.csv")
        self.assertEqual(first.status_code, 200)

        refused = client.get("/data/sources.csv")
        self.assertEqual(refused.status_code, 503)
        self.assertEqual(refused["Retry-After"], "10")
        self.assertEqual(client.head("/data/figures.csv").status_code, 200)  # a HEAD streams nothing, so needs no slot

        b"".join(first.streaming_content)  # read to the end, the response closes and gives its slot back
        self.assertEqual(client.get("/data/sources.csv").status_code, 200)
