"""The 503 page during a database failure tells a reader to come back, and an editor that their save was not stored."""

from __future__ import annotations

from unittest import mock

from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.test import TestCase
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
