"""Every box an editor types in has a limit the form shows and enforces; the import refuses an over-long cell by line and
column; the longest text allowed still makes a download any CSV reader takes."""

from __future__ import annotations

import csv
import io

import pandas
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.test import TestCase
from django.urls import reverse

from programmes.importing import import_figures
from programmes.limits import NOTE_LENGTH, SUMMARY_LENGTH
from programmes.models import Figure, FigureLine
from tests.helpers import body, figure_form, new_row, to_csv


def text_fields():
    """(model, field) for every text an editor or an import can fill in the record (the history copies follow them)."""
    for model in apps.get_app_config("programmes").get_models():
        if model._meta.model_name.startswith("historical") or model is FigureLine:  # a line is written from the limited fields
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField | models.TextField):
                yield model, field


class TextLimitTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
        cls.figure = Figure.objects.get(key="F041")

    def setUp(self):
        self.client.force_login(self.editor)

    def test_it_limits_every_text_field(self):
        unlimited = [f"{model.__name__}.{field.name}" for model, field in text_fields() if not field.max_length]
        self.assertEqual(unlimited, [])

    def test_it_limits_notes_and_summaries_as_documented(self):
        limits = {f"{model.__name__}.{field.name}": field.max_length for model, field in text_fields()}
        for name in ("Figure.note", "Source.note", "Organisation.note", "Event.note", "Contradiction.description"):
            self.assertEqual(limits[name], NOTE_LENGTH, name)
        for name in ("ProgrammeAccount.summary", "Programme.summary"):
            self.assertEqual(limits[name], SUMMARY_LENGTH, name)

    def test_the_cited_dataset_fits_the_limits(self):
        for model, field in text_fields():
            longest = max((len(value) for value in model.objects.values_list(field.name, flat=True)), default=0)
            self.assertLessEqual(longest, field.max_length, f"{model.__name__}.{field.name}")

    def test_every_add_form_states_the_limit_of_each_text_box(self):
        for name in ("figure", "source", "organisation", "event", "programmeaccount", "contradiction"):
            with self.subTest(name=name):
                page = self.client.get(reverse(f"admin:programmes_{name}_add")).content.decode()
                textareas = [tag.split(">")[0] for tag in page.split("<textarea")[1:]]
                self.assertTrue(textareas)
                self.assertTrue(all("maxlength=" in tag for tag in textareas), textareas)
                self.assertIn("characters.", page)

    def test_it_refuses_an_over_long_note_naming_the_box_and_keeps_the_text(self):
        note = "A caveat. " * (NOTE_LENGTH // 10) + "x"
        url = reverse("admin:programmes_figure_change", args=[self.figure.pk])
        response = self.client.post(url, figure_form(self.figure, note=note))
        self.assertEqual(response.status_code, 200)
        message = f"Ensure this value has at most {NOTE_LENGTH} characters (it has {NOTE_LENGTH + 1})."
        # In the summary at the top, naming the box and linking to it, and next to the box itself.
        self.assertContains(response, f'<li><a href="#id_note">Note</a>: {message}</li>', html=True)
        self.assertContains(response, message, count=2)
        self.assertContains(response, f"{note}</textarea>")
        self.assertNotEqual(Figure.objects.get(pk=self.figure.pk).note, note)

    def test_it_saves_the_longest_note_allowed(self):
        note = "n" * NOTE_LENGTH
        url = reverse("admin:programmes_figure_change", args=[self.figure.pk])
        self.assertEqual(self.client.post(url, figure_form(self.figure, note=note)).status_code, 302)
        self.assertEqual(Figure.objects.get(pk=self.figure.pk).note, note)


class ImportLimitTests(TestCase):
    def test_it_refuses_an_over_long_cell_with_its_line_and_column(self):
        count = Figure.objects.count()
        rows = [new_row(), new_row(value="96", note="n" * (NOTE_LENGTH + 1)), new_row(value="97", claimant="C" * 201)]
        plan = import_figures(to_csv(*rows))
        self.assertFalse(plan.saved)
        found = [(problem.line, problem.column, problem.reason) for problem in plan.problems]
        self.assertEqual(
            found,
            [
                (3, "note", f"Ensure this value has at most {NOTE_LENGTH} characters (it has {NOTE_LENGTH + 1})."),
                (4, "claimant", "Ensure this value has at most 200 characters (it has 201)."),
            ],
        )
        self.assertEqual(Figure.objects.count(), count)

    def test_it_refuses_an_over_long_new_source_title(self):
        plan = import_figures(to_csv(new_row(source_title="T" * 301)), dry_run=True)
        self.assertEqual([(problem.line, problem.column) for problem in plan.problems], [(2, "source_title")])


class ExportLimitTests(TestCase):
    def test_the_longest_note_allowed_exports_and_reads_back(self):
        # Commas, quotes and line breaks: everything a CSV writer must quote, at the full length.
        note = ('He said "about £1bn", then\nrevised it; ' * NOTE_LENGTH)[:NOTE_LENGTH]
        figure = Figure.objects.get(key="F041")
        figure.note = note
        figure.save()
        data = body(self.client.get("/data/figures.csv"))
        frame = pandas.read_csv(io.BytesIO(data), keep_default_na=False, dtype=str)
        self.assertEqual(frame.loc[frame["id"] == str(figure.pk), "note"].item(), note)
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        self.assertEqual(next(row["note"] for row in rows if row["id"] == str(figure.pk)), note)
