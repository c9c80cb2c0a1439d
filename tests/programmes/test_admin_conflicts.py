"""Two editors on the same figure or source: the later save is refused with both versions shown, never lost silently."""

from __future__ import annotations

from unittest import mock

from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.db.models import F
from django.http import HttpResponse
from django.test import TestCase
from django.urls import reverse
from psycopg2.errors import DeadlockDetected

from programmes.admin_conflicts import once_more_after_deadlock
from programmes.models import Figure, Source
from tests.helpers import form_data


class ConflictTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        users = get_user_model().objects
        cls.first = users.create_superuser("first", "first@example.org", "a-long-test-password")
        cls.second = users.create_superuser("second", "second@example.org", "a-long-test-password")
        cls.figure = Figure.objects.get(key="F041")

    def opened(self, url: str, form_id: str) -> dict[str, list[str]]:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return form_data(response.content.decode(), form_id)

    def save_as(self, user, url: str, data: dict[str, list[str]], **changes: str):
        """Save the form as this user, with the reason every change asks for unless the test gives one."""
        self.client.force_login(user)
        changes.setdefault("change_reason", f"Checked by {user.username}")
        return self.client.post(url, {**data, **{name: [value] for name, value in changes.items()}})

    def figure_url(self) -> str:
        return reverse("admin:programmes_figure_change", args=[self.figure.pk])

    def test_it_sends_the_version_as_a_hidden_field(self):
        self.client.force_login(self.first)
        response = self.client.get(self.figure_url())
        self.assertContains(response, 'type="hidden" name="version"')
        source = self.client.get(reverse("admin:programmes_source_change", args=[self.figure.source_id]))
        self.assertContains(source, 'type="hidden" name="figures-0-version"')

    def test_it_refuses_the_second_of_two_saves_from_the_same_copy_and_shows_both(self):
        self.client.force_login(self.first)
        opened = self.opened(self.figure_url(), "figure_form")
        mine = self.save_as(self.first, self.figure_url(), opened, note="First editor's note")
        self.assertEqual(mine.status_code, 302)

        theirs = self.save_as(self.second, self.figure_url(), opened, note="Second editor's note", locator="p. 99")
        self.assertEqual(theirs.status_code, 200)
        self.assertContains(theirs, "Not saved")
        self.assertContains(theirs, "was saved by first")
        conflict = theirs.context["conflicts"][0]
        differences = {difference.label: (difference.yours, difference.theirs) for difference in conflict.differences}
        self.assertEqual(differences["Note"], ("Second editor's note", "First editor's note"))
        self.assertEqual(differences["Locator"][0], "p. 99")
        self.figure.refresh_from_db()
        self.assertEqual(self.figure.note, "First editor's note")

    def test_it_saves_the_editors_version_when_they_save_again_after_the_conflict(self):
        self.client.force_login(self.first)
        opened = self.opened(self.figure_url(), "figure_form")
        self.save_as(self.first, self.figure_url(), opened, note="First editor's note")
        refused = self.save_as(self.second, self.figure_url(), opened, note="Second editor's note")
        again = self.client.post(self.figure_url(), form_data(refused.content.decode(), "figure_form"))
        self.assertEqual(again.status_code, 302)
        self.figure.refresh_from_db()
        self.assertEqual(self.figure.note, "Second editor's note")

    def test_it_keeps_a_change_the_other_editor_made_to_a_field_this_editor_left_alone(self):
        self.client.force_login(self.first)
        opened = self.opened(self.figure_url(), "figure_form")
        self.save_as(self.first, self.figure_url(), opened, note="First editor's note")

        refused = self.save_as(self.second, self.figure_url(), opened, locator="p. 99")
        self.assertEqual(refused.status_code, 200)
        self.assertContains(refused, "The form now holds the stored version, with your changes to Locator.")
        # A conflict is about the whole form, not a box: no list of boxes to change, which would be empty.
        self.assertNotContains(refused, "These boxes need a change")
        kept = {difference.label: difference.kept for difference in refused.context["conflicts"][0].differences}
        self.assertEqual(kept, {"Note": "stored", "Locator": "yours"})
        held = form_data(refused.content.decode(), "figure_form")
        self.assertEqual((held["note"], held["locator"]), (["First editor's note"], ["p. 99"]))

        again = self.client.post(self.figure_url(), held)
        self.assertEqual(again.status_code, 302)
        self.figure.refresh_from_db()
        self.assertEqual((self.figure.note, self.figure.locator), ("First editor's note", "p. 99"))

    def test_it_marks_a_field_both_editors_changed_and_keeps_this_editors_value_in_it(self):
        self.client.force_login(self.first)
        opened = self.opened(self.figure_url(), "figure_form")
        self.save_as(self.first, self.figure_url(), opened, note="First editor's note", description="First editor's description")

        refused = self.save_as(self.second, self.figure_url(), opened, note="Second editor's note", locator="p. 99")
        self.assertContains(refused, "You both changed Note: the form holds your value, with the stored one beside it.")
        self.assertIn("stored now “First editor's note”", refused.context["adminform"].form.errors["note"][0])
        held = form_data(refused.content.decode(), "figure_form")
        self.assertEqual(
            (held["note"], held["locator"], held["description"]), (["Second editor's note"], ["p. 99"], ["First editor's description"])
        )

        self.assertEqual(self.client.post(self.figure_url(), held).status_code, 302)
        self.figure.refresh_from_db()
        self.assertEqual(
            (self.figure.note, self.figure.locator, self.figure.description),
            ("Second editor's note", "p. 99", "First editor's description"),
        )

    def test_it_keeps_the_other_editors_change_in_a_figure_saved_again_through_its_source(self):
        source_url = reverse("admin:programmes_source_change", args=[self.figure.source_id])
        self.client.force_login(self.first)
        opened_source = self.opened(source_url, "source_form")
        self.save_as(self.first, self.figure_url(), self.opened(self.figure_url(), "figure_form"), note="Saved on the figure's own page")

        index = next(name for name, value in opened_source.items() if name.endswith("-id") and value == [str(self.figure.pk)])
        prefix = index.removesuffix("-id")
        refused = self.save_as(self.second, source_url, opened_source, **{f"{prefix}-locator": "p. 12"})
        self.assertContains(refused, "Not saved")
        held = form_data(refused.content.decode(), "source_form")
        self.assertEqual((held[f"{prefix}-note"], held[f"{prefix}-locator"]), (["Saved on the figure's own page"], ["p. 12"]))

        self.assertEqual(self.client.post(source_url, held).status_code, 302)
        self.figure.refresh_from_db()
        self.assertEqual((self.figure.note, self.figure.locator), ("Saved on the figure's own page", "p. 12"))

    def test_it_refuses_a_figure_saved_through_its_source_after_someone_changed_it(self):
        source_url = reverse("admin:programmes_source_change", args=[self.figure.source_id])
        self.client.force_login(self.first)
        opened_source = self.opened(source_url, "source_form")
        opened_figure = self.opened(self.figure_url(), "figure_form")
        self.save_as(self.first, self.figure_url(), opened_figure, note="Saved on the figure's own page")

        index = next(name for name, value in opened_source.items() if name.endswith("-id") and value == [str(self.figure.pk)])
        prefix = index.removesuffix("-id")
        refused = self.save_as(self.second, source_url, opened_source, **{f"{prefix}-note": "Saved under the source"})
        self.assertEqual(refused.status_code, 200)
        self.assertContains(refused, "Not saved")
        self.assertEqual(refused.context["conflicts"][0].stored.pk, self.figure.pk)
        self.figure.refresh_from_db()
        self.assertEqual(self.figure.note, "Saved on the figure's own page")

    def test_it_saves_a_source_without_touching_a_figure_under_it_that_someone_changed_since(self):
        source_url = reverse("admin:programmes_source_change", args=[self.figure.source_id])
        self.client.force_login(self.first)
        opened_source = self.opened(source_url, "source_form")
        self.save_as(self.first, self.figure_url(), self.opened(self.figure_url(), "figure_form"), note="Saved on the figure's own page")

        saved = self.save_as(self.second, source_url, opened_source, reference="HC 1234")
        self.assertEqual(saved.status_code, 302)
        self.figure.refresh_from_db()
        self.assertEqual(self.figure.note, "Saved on the figure's own page")
        self.assertEqual(Source.objects.get(pk=self.figure.source_id).reference, "HC 1234")

    def test_it_refuses_a_source_saved_from_an_outdated_copy(self):
        source = Source.objects.get(pk=self.figure.source_id)
        url = reverse("admin:programmes_source_change", args=[source.pk])
        self.client.force_login(self.first)
        opened = self.opened(url, "source_form")
        self.save_as(self.first, url, opened, reference="HC 1")
        refused = self.save_as(self.second, url, opened, reference="HC 2")
        self.assertContains(refused, "Not saved")
        differences = {
            difference.label: (difference.yours, difference.theirs) for difference in refused.context["conflicts"][0].differences
        }
        self.assertEqual(differences["Reference"], ("HC 2", "HC 1"))
        source.refresh_from_db()
        self.assertEqual(source.reference, "HC 1")

    def test_it_keeps_the_other_editors_date_and_tick_on_a_source_saved_again(self):
        source = Source.objects.get(pk=self.figure.source_id)
        url = reverse("admin:programmes_source_change", args=[source.pk])
        self.client.force_login(self.first)
        opened = self.opened(url, "source_form")
        theirs = {name: value for name, value in opened.items() if name != "is_primary"}  # a box unticked is not sent
        self.save_as(self.first, url, {**theirs, "published": ["2016-05-21"]})

        refused = self.save_as(self.second, url, opened, reference="HC 2")
        held = form_data(refused.content.decode(), "source_form")
        self.assertNotIn("is_primary", held)
        self.assertEqual(self.client.post(url, held).status_code, 302)
        source.refresh_from_db()
        self.assertEqual((source.reference, source.published.isoformat(), source.is_primary), ("HC 2", "2016-05-21", False))

    def test_it_refuses_a_save_that_slips_past_the_form_check_without_an_error_page(self):
        self.client.force_login(self.first)
        opened = self.opened(self.figure_url(), "figure_form")
        Figure.objects.filter(pk=self.figure.pk).update(version=F("version") + 1, note="Changed by a command")
        # As if two saves passed the form's check together: the model's own check (UPDATE ... WHERE version) refuses.
        with mock.patch("programmes.admin_conflicts.ConflictForm.clean", lambda form: form.cleaned_data):
            response = self.save_as(self.first, self.figure_url(), opened, note="Mine")
        self.assertRedirects(response, self.figure_url(), fetch_redirect_response=False)
        page = self.client.get(self.figure_url())
        self.assertContains(page, "Nothing of yours was saved")
        self.assertEqual(Figure.objects.get(pk=self.figure.pk).note, "Changed by a command")

    def test_it_saves_an_unchanged_copy_without_a_conflict(self):
        self.client.force_login(self.first)
        response = self.save_as(self.first, self.figure_url(), self.opened(self.figure_url(), "figure_form"))
        self.assertEqual(response.status_code, 302)

    def test_it_reverts_from_the_history_unless_someone_saved_since_the_revert_page_opened(self):
        self.client.force_login(self.first)
        self.save_as(self.first, self.figure_url(), self.opened(self.figure_url(), "figure_form"), note="A note to undo")
        oldest = self.figure.history.order_by("history_date").first()
        url = reverse("admin:programmes_figure_simple_history", args=[self.figure.pk, oldest.history_id])
        opened = self.opened(url, "historicalfigure_form")
        self.assertEqual(self.client.post(url, {**opened, "change_reason": ["Undoing the note"]}).status_code, 302)
        self.figure.refresh_from_db()
        self.assertEqual(self.figure.note, oldest.note)

        stale = self.opened(url, "historicalfigure_form")
        self.save_as(self.first, self.figure_url(), self.opened(self.figure_url(), "figure_form"), note="Saved meanwhile")
        refused = self.client.post(url, {**stale, "change_reason": ["Undoing the note"]})
        self.assertContains(refused, "Not saved")
        self.assertEqual(refused.context["conflicts"][0].stored.note, "Saved meanwhile")
        self.figure.refresh_from_db()
        self.assertEqual(self.figure.note, "Saved meanwhile")

    def test_it_deletes_selected_figures_from_the_list(self):
        self.client.force_login(self.first)
        figure = Figure.objects.filter(part_of=None).exclude(parts__isnull=False).last()
        changelist = reverse("admin:programmes_figure_changelist")
        selected = str(figure.pk)
        confirm = self.client.post(changelist, {"action": "delete_selected", "_selected_action": [selected]})
        self.assertEqual(confirm.status_code, 200)
        done = self.client.post(
            changelist, {"action": "delete_selected", "_selected_action": [selected], "post": "yes", "change_reason": "Entered twice"}
        )
        self.assertEqual(done.status_code, 302)
        self.assertFalse(Figure.objects.filter(pk=figure.pk).exists())


class DeadlockTests(TestCase):
    """A save PostgreSQL aborted to break a deadlock is run once more; any other failure is not."""

    def test_it_runs_a_save_once_more_after_the_database_broke_a_deadlock(self):
        attempts = []

        def save() -> HttpResponse:
            attempts.append(len(attempts))
            if len(attempts) == 1:
                raise OperationalError("deadlock detected") from DeadlockDetected()
            return HttpResponse("saved")

        with mock.patch("programmes.admin_conflicts.transaction.get_autocommit", return_value=True):
            self.assertEqual(once_more_after_deadlock(save, using="default").content, b"saved")
        self.assertEqual(len(attempts), 2)

    def test_it_does_not_run_a_save_again_after_another_failure(self):
        def save() -> HttpResponse:
            raise OperationalError("the database did not answer within 5 s")

        with mock.patch("programmes.admin_conflicts.transaction.get_autocommit", return_value=True), self.assertRaises(OperationalError):
            once_more_after_deadlock(save, using="default")
