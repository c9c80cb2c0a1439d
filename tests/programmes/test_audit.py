"""Imports appear in the importing editor's Recent actions, one entry per record written and a summary on top."""

from __future__ import annotations

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from programmes.models import Figure, Source
from tests.helpers import existing_row, new_row, run_import_command, to_csv


class ImportAuditTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
        cls.figure = Figure.objects.get(key="F041")

    def import_in_admin(self, data: bytes):
        self.client.force_login(self.editor)
        url = reverse("admin:programmes_figure_import")
        preview = self.client.post(url, {"file": SimpleUploadedFile("nao-2026.csv", data, content_type="text/csv")})
        return self.client.post(url, {**preview.context["confirm"].initial, "confirm": "1"})

    def run_command(self, data: bytes, *args: str) -> str:
        return run_import_command(data, *args)

    def test_it_shows_an_admin_import_in_the_editors_recent_actions(self):
        self.import_in_admin(to_csv(existing_row(self.figure, locator="paragraph 12"), new_row()))

        index = self.client.get(reverse("admin:index"))
        self.assertContains(index, "Imported from nao-2026.csv: 1 created, 1 updated, 0 unchanged; 1 new sources")
        entries = LogEntry.objects.filter(user=self.editor)
        changed = entries.get(object_id=str(self.figure.pk))
        self.assertEqual(changed.action_flag, CHANGE)
        self.assertIn("Imported from nao-2026.csv (line 2): locator", changed.change_message)
        self.assertIn("'paragraph 12'", changed.change_message)
        created = entries.get(object_id=str(Figure.objects.latest("id").pk), content_type__model="figure")
        self.assertEqual(created.action_flag, ADDITION)
        self.assertTrue(entries.filter(content_type__model="source", object_id=str(Source.objects.latest("id").pk)).exists())
        self.assertTrue(all(entry.change_message.startswith("Imported from nao-2026.csv") for entry in entries))
        self.assertEqual(entries.latest("action_time").object_id, None)

    def test_it_links_each_imported_figure_from_recent_actions(self):
        self.import_in_admin(to_csv(existing_row(self.figure, locator="paragraph 12")))
        index = self.client.get(reverse("admin:index"))
        self.assertContains(index, reverse("admin:programmes_figure_change", args=[self.figure.pk]))

    def test_it_attributes_a_command_import_to_the_user_given(self):
        loader = get_user_model().objects.create_user("nao-loader")
        self.run_command(to_csv(new_row()), "--user", "nao-loader")
        entries = LogEntry.objects.filter(user=loader)
        self.assertEqual(sorted(entry.content_type.model for entry in entries), ["figure", "figure", "source"])
        self.assertEqual(
            entries.latest("action_time").object_repr, "Imported from nao-2026.csv: 1 created, 0 updated, 0 unchanged; 1 new sources"
        )

    def test_it_writes_no_entry_for_a_command_import_without_a_user_and_says_so(self):
        output = self.run_command(to_csv(new_row()))
        self.assertIn("no editor's Recent actions show it", output)
        self.assertFalse(LogEntry.objects.exists())

    def test_it_writes_no_entry_for_a_dry_run(self):
        get_user_model().objects.create_user("nao-loader")
        self.run_command(to_csv(new_row()), "--user", "nao-loader", "--dry-run")
        self.assertFalse(LogEntry.objects.exists())
