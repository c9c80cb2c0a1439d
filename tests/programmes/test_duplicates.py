"""A likely duplicate (rules.duplicate_lookup: the same programme, quantity, source and value) is shown before it is
saved, from the import or from the admin's form, and is saved only on the editor's explicit choice."""

from __future__ import annotations

import base64
import re

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError
from django.test import TestCase
from django.urls import reverse

from programmes import rules
from programmes.importing import ADD, SKIP, import_figures
from programmes.models import Figure
from tests.helpers import existing_row, figure_form, new_row, run_import_command, to_csv


def typed_again(figure: Figure, **cells: str) -> dict[str, str]:
    """The figure's export row with its id and key blanked: the same figure typed into the import template again."""
    return existing_row(figure, id="", key="", **cells)


class DuplicateRuleTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.figure = Figure.objects.get(key="F041")

    def copy(self, **changes) -> Figure:
        copy = Figure.objects.get(pk=self.figure.pk)
        copy.pk, copy.key = None, ""
        for name, value in changes.items():
            setattr(copy, name, value)
        return copy

    def test_it_finds_the_same_figure_from_the_same_source(self):
        self.assertEqual(list(Figure.objects.likely_duplicates_of(self.copy())), [self.figure])

    def test_it_never_counts_a_figure_as_its_own_duplicate(self):
        self.assertNotIn(self.figure, Figure.objects.likely_duplicates_of(self.figure))

    def test_it_does_not_count_another_value_source_or_quantity(self):
        other_source = Figure.objects.exclude(source=self.figure.source).first().source
        for changes in ({"value": self.figure.value + 1}, {"source": other_source}, {"status": "claimed"}, {"scenario": "without HMRC"}):
            with self.subTest(changes=changes):
                self.assertFalse(Figure.objects.likely_duplicates_of(self.copy(**changes)).exists())

    def test_it_reads_a_value_stated_to_more_places_as_the_same_value(self):
        self.assertEqual(rules.duplicate_lookup(self.copy(value=self.figure.value + 0)), rules.duplicate_lookup(self.figure))


class ImportDuplicateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.figure = Figure.objects.get(key="F041")

    def test_it_lists_a_row_without_an_id_that_states_a_recorded_figure(self):
        plan = import_figures(to_csv(typed_again(self.figure)), dry_run=True)
        self.assertEqual(plan.problems, [])
        self.assertEqual([(change.line, change.duplicate_of) for change in plan.duplicates], [(2, self.figure)])

    def test_it_lists_the_second_of_two_equal_rows_in_one_file(self):
        plan = import_figures(to_csv(new_row(), new_row(), new_row(value="96")), dry_run=True)
        self.assertEqual([(change.line, change.duplicate_line) for change in plan.duplicates], [(3, 2)])

    def test_it_saves_nothing_until_told_what_to_do_with_a_duplicate(self):
        count = Figure.objects.count()
        plan = import_figures(to_csv(typed_again(self.figure), new_row()))
        self.assertFalse(plan.saved)
        self.assertEqual(Figure.objects.count(), count)

    def test_it_skips_the_duplicates_and_adds_the_rest_when_told_to(self):
        count = Figure.objects.count()
        plan = import_figures(to_csv(typed_again(self.figure), new_row()), duplicates=SKIP)
        self.assertTrue(plan.saved)
        self.assertEqual(plan.summary, "1 created, 0 updated, 0 unchanged, 1 skipped as likely duplicates; 1 new sources")
        self.assertEqual(Figure.objects.count(), count + 1)

    def test_it_adds_the_duplicates_when_told_they_are_separate_figures(self):
        plan = import_figures(to_csv(typed_again(self.figure)), duplicates=ADD)
        self.assertTrue(plan.saved)
        self.assertEqual(Figure.objects.likely_duplicates_of(self.figure).count(), 1)

    def test_it_never_asks_about_a_row_that_names_its_figure_by_id(self):
        # A restored export creates its figures with their ids: each row is the figure it names.
        plan = import_figures(to_csv(new_row(id="900001"), new_row(id="900002")), dry_run=True)
        self.assertEqual(plan.duplicates, [])

    def test_the_command_asks_for_a_choice(self):
        data = to_csv(typed_again(self.figure))
        with self.assertRaisesMessage(CommandError, "--duplicates skip"):
            run_import_command(data)
        self.assertIn(f"likely a duplicate of figure {self.figure.pk}", run_import_command(data, "--dry-run"))
        self.assertIn("Saved: 0 created", run_import_command(data, "--duplicates", "skip"))


class AdminImportDuplicateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
        cls.figure = Figure.objects.get(key="F041")

    def setUp(self):
        self.client.force_login(self.editor)
        self.url = reverse("admin:programmes_figure_import")

    def preview(self, data: bytes):
        response = self.client.post(self.url, {"file": SimpleUploadedFile("nao-2026.csv", data, content_type="text/csv")})
        self.assertEqual(response.status_code, 200)
        return response

    def confirm(self, preview, **choice: str):
        fields = {
            name: re.search(rf'name="{name}" value="([^"]*)"', preview.content.decode()).group(1)
            for name in ("content", "filename", "digest", "preview")
        }
        return self.client.post(self.url, {**fields, "confirm": "Confirm the import", **choice})

    def test_it_shows_the_duplicate_with_a_link_to_the_recorded_figure_and_asks_for_a_choice(self):
        response = self.preview(to_csv(typed_again(self.figure)))
        self.assertContains(response, "Likely duplicates")
        self.assertContains(response, f'href="{reverse("admin:programmes_figure_change", args=[self.figure.pk])}"')
        self.assertContains(response, f'name="duplicates" value="{SKIP}" required')
        self.assertContains(response, f'name="duplicates" value="{ADD}" required')

    def test_it_saves_nothing_when_confirmed_without_a_choice(self):
        count = Figure.objects.count()
        response = self.confirm(self.preview(to_csv(typed_again(self.figure), new_row())))
        self.assertContains(response, "choose what to do with the likely duplicates")
        self.assertEqual(Figure.objects.count(), count)

    def test_it_skips_or_adds_as_the_editor_chose(self):
        count = Figure.objects.count()
        data = to_csv(typed_again(self.figure), new_row())
        self.assertRedirects(self.confirm(self.preview(data), duplicates=SKIP), reverse("admin:programmes_figure_changelist"))
        self.assertEqual(Figure.objects.count(), count + 1)
        self.assertRedirects(self.confirm(self.preview(data), duplicates=ADD), reverse("admin:programmes_figure_changelist"))
        self.assertEqual(Figure.objects.likely_duplicates_of(self.figure).count(), 1)

    def test_it_keeps_the_file_intact_through_the_preview(self):
        data = to_csv(typed_again(self.figure))
        self.assertContains(self.preview(data), base64.b64encode(data).decode())


class AdminFormDuplicateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
        cls.figure = Figure.objects.get(key="F041")

    def setUp(self):
        self.client.force_login(self.editor)

    def add(self, **changes):
        return self.client.post(reverse("admin:programmes_figure_add"), figure_form(self.figure, key="", change_reason="", **changes))

    def test_it_warns_of_the_same_figure_typed_twice_and_saves_nothing(self):
        count = Figure.objects.count()
        response = self.add()
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This looks like a figure already recorded")
        self.assertContains(response, f'href="{reverse("admin:programmes_figure_change", args=[self.figure.pk])}"')
        self.assertContains(response, 'type="checkbox" name="is_separate"')
        self.assertEqual(Figure.objects.count(), count)

    def test_it_saves_the_figure_once_the_editor_says_it_is_separate(self):
        response = self.add(is_separate="on")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Figure.objects.likely_duplicates_of(self.figure).count(), 1)

    def test_it_hides_the_box_when_there_is_no_duplicate(self):
        response = self.client.get(reverse("admin:programmes_figure_add"))
        self.assertContains(response, 'type="hidden" name="is_separate"')
        self.assertEqual(self.add(as_published="£1,234m").status_code, 302)

    def test_it_warns_when_an_edit_makes_a_figure_a_duplicate_of_another(self):
        other = Figure.objects.exclude(pk=self.figure.pk).exclude(programme=self.figure.programme).first()
        url = reverse("admin:programmes_figure_change", args=[other.pk])
        data = figure_form(
            other,
            **{
                name: getattr(self.figure, name)
                for name in ("measure", "status", "basis", "horizon", "scope", "speaks_for", "scenario", "milestone")
            },
            programme=self.figure.programme_id,
            source=self.figure.source_id,
            as_published=self.figure.as_published or self.figure.display_value,
            period=self.figure.period_display,
        )
        response = self.client.post(url, data)
        self.assertContains(response, "This looks like a figure already recorded")
        self.assertEqual(self.client.post(url, {**data, "is_separate": "on"}).status_code, 302)

    def test_it_saves_a_figure_recorded_twice_already_without_asking_again(self):
        Figure.objects.filter(pk=self.figure.pk).update(note="")
        copy = Figure.objects.get(pk=self.figure.pk)
        copy.pk, copy.key = None, ""
        copy.save()
        response = self.client.post(reverse("admin:programmes_figure_change", args=[copy.pk]), figure_form(copy, locator="p. 4"))
        self.assertEqual(response.status_code, 302)
