"""Deleting in the admin asks why, as saving does, and the history of the deleted rows keeps the reason."""

from __future__ import annotations

import datetime
from unittest import mock

from django.test import Client, TestCase
from django.urls import reverse

from programmes.models import Event, Figure, Programme, ProgrammeAccount, Source
from tests.helpers import form_data, log_in_as_staff, make_figure, make_programme, make_source

REASON = "Entered twice: the NAO table repeats it"


class DeletionReasonTests(TestCase):
    def setUp(self):
        log_in_as_staff(self.client)
        self.programme = make_programme()
        self.source = make_source()
        self.figure = make_figure(self.programme, self.source)

    def delete(self, figure: Figure, reason: str | None):
        data = {"post": "yes"} | ({"change_reason": reason} if reason is not None else {})
        return self.client.post(reverse("admin:programmes_figure_delete", args=[figure.pk]), data, follow=True)

    def test_the_confirmation_page_asks_for_a_reason(self):
        response = self.client.get(reverse("admin:programmes_figure_delete", args=[self.figure.pk]))
        self.assertContains(response, 'name="change_reason"')
        self.assertContains(response, "Reason for this change")

    def test_it_refuses_a_deletion_without_a_reason_and_names_the_field(self):
        for reason in (None, "  "):
            response = self.delete(self.figure, reason)
            self.assertTrue(Figure.objects.filter(pk=self.figure.pk).exists())
            self.assertContains(response, "Reason for this change: say why these rows are deleted")
            self.assertContains(response, 'name="change_reason"')  # the confirmation again, to give one

    def test_the_history_of_the_deletion_carries_its_reason_and_who(self):
        self.delete(self.figure, REASON)
        self.assertFalse(Figure.objects.filter(pk=self.figure.pk).exists())
        entry = Figure.history.filter(id=self.figure.pk).latest("history_date")
        self.assertEqual((entry.history_type, entry.history_change_reason, entry.history_user.username), ("-", REASON, "editor"))

    def test_rows_deleted_with_a_programme_carry_its_reason(self):
        programme = make_programme("another-strategy")
        # Deleted with the programme: other objects than the one the editor chose, found by Django's collector.
        account = ProgrammeAccount.objects.create(key="another-first", programme=programme, source=self.source, summary="First said.")
        accounts = [account.pk]
        self.client.post(reverse("admin:programmes_programme_delete", args=[programme.pk]), {"post": "yes", "change_reason": REASON})
        self.assertFalse(Programme.objects.filter(pk=programme.pk).exists())
        self.assertEqual(Programme.history.filter(id=programme.pk, history_type="-").get().history_change_reason, REASON)
        reasons = ProgrammeAccount.history.filter(id__in=accounts, history_type="-").values_list("history_change_reason", flat=True)
        self.assertEqual(list(reasons), [REASON] * len(accounts))

    def test_events_and_sources_ask_too(self):
        event = Event.objects.create(
            programme=self.programme, source=self.source, date=datetime.date(2026, 3, 1), kind=Event.Kind.values[0], title="A milestone"
        )
        self.delete(self.figure, REASON)  # the source's figure first: a source with figures cannot be deleted
        for name, row in (("event", event), ("source", self.source)):
            url = reverse(f"admin:programmes_{name}_delete", args=[row.pk])
            self.client.post(url, {"post": "yes"})
            self.assertTrue(type(row).objects.filter(pk=row.pk).exists(), name)
            self.client.post(url, {"post": "yes", "change_reason": REASON})
            self.assertFalse(type(row).objects.filter(pk=row.pk).exists(), name)
            self.assertEqual(type(row).history.filter(id=row.pk, history_type="-").get().history_change_reason, REASON)

    def test_deleting_selected_rows_from_the_list_asks_for_a_reason_too(self):
        other = make_figure(self.programme, self.source, description="Savings forecast")
        url = reverse("admin:programmes_figure_changelist")
        chosen = {"action": "delete_selected", "_selected_action": [self.figure.pk, other.pk], "post": "yes"}
        response = self.client.post(url, chosen, follow=True)
        self.assertContains(response, "Reason for this change: say why these rows are deleted")
        self.assertContains(response, 'name="change_reason"')
        self.assertEqual(Figure.objects.filter(pk__in=[self.figure.pk, other.pk]).count(), 2)
        self.client.post(url, chosen | {"change_reason": REASON})
        self.assertFalse(Figure.objects.filter(pk__in=[self.figure.pk, other.pk]).exists())
        reasons = Figure.history.filter(id__in=[self.figure.pk, other.pk], history_type="-").values_list("history_change_reason", flat=True)
        self.assertEqual(list(reasons), [REASON, REASON])


class RecoverTests(TestCase):
    """A deleted figure or source is recovered from its history, with its id and key, and the restore is in the history with its reason."""

    def setUp(self):
        self.editor = log_in_as_staff(self.client)
        self.programme = make_programme()
        self.source = make_source()
        self.figure = make_figure(self.programme, self.source, key="T001", note="As first entered")
        self.client.post(reverse("admin:programmes_figure_delete", args=[self.figure.pk]), {"post": "yes", "change_reason": REASON})

    def recover_url(self, row) -> str:
        deletion = type(row).history.filter(id=row.pk, history_type="-").get()
        return reverse(f"admin:programmes_{row._meta.model_name}_simple_history", args=[row.pk, deletion.history_id])

    def opened(self, url: str, form_id: str) -> dict[str, list[str]]:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return form_data(response.content.decode(), form_id)

    def test_the_figure_list_links_to_the_deleted_figures_and_each_to_its_recovery(self):
        listing = self.client.get(reverse("admin:programmes_figure_changelist"))
        recover_list = reverse("admin:programmes_figure_recover_list")
        self.assertContains(listing, f'href="{recover_list}"')
        deleted = self.client.get(recover_list)
        self.assertContains(deleted, "T001")
        self.assertContains(deleted, REASON)
        self.assertContains(deleted, f'href="{self.recover_url(self.figure)}"')
        self.assertContains(self.client.get(self.recover_url(self.figure)), "was deleted")
        self.assertContains(self.client.get(reverse("admin:programmes_figure_history", args=[self.figure.pk])), REASON)

    def test_it_recovers_a_deleted_figure_with_its_id_and_key_and_records_why(self):
        url = self.recover_url(self.figure)
        saved = self.client.post(url, self.opened(url, "historicalfigure_form") | {"change_reason": ["Deleted by mistake"]})
        self.assertEqual(saved.status_code, 302)
        recovered = Figure.objects.get(pk=self.figure.pk)
        self.assertEqual((recovered.key, recovered.note), ("T001", "As first entered"))
        latest = recovered.history.latest("history_date")
        self.assertEqual((latest.history_type, latest.history_change_reason, latest.history_user), ("+", "Deleted by mistake", self.editor))
        self.assertNotContains(self.client.get(reverse("admin:programmes_figure_recover_list")), "T001")
        history = self.client.get(reverse("admin:programmes_figure_history", args=[self.figure.pk]))
        self.assertContains(history, "Deleted by mistake")
        self.assertContains(history, REASON)

    def test_it_refuses_to_recover_a_figure_someone_else_recovered_since(self):
        url = self.recover_url(self.figure)
        opened = self.opened(url, "historicalfigure_form")
        other = Client()
        log_in_as_staff(other, "other-editor")
        other.post(url, opened | {"note": ["Recovered and corrected"], "change_reason": ["Deleted by mistake"]})

        refused = self.client.post(url, opened | {"change_reason": ["Deleted by mistake"]})
        self.assertEqual(refused.status_code, 200)
        self.assertContains(refused, "was restored by other-editor after you opened it")
        self.assertEqual(Figure.objects.get(pk=self.figure.pk).note, "Recovered and corrected")

    def test_it_refuses_to_recover_a_figure_someone_else_recovered_as_it_was_saved(self):
        url = self.recover_url(self.figure)
        opened = self.opened(url, "historicalfigure_form")
        other = Client()
        log_in_as_staff(other, "other-editor")
        other.post(url, opened | {"note": ["Recovered and corrected"], "change_reason": ["Deleted by mistake"]})

        # As if the other recovery committed between this one's check and its insert.
        with mock.patch("programmes.admin_conflicts.ConflictForm.stored", return_value=None):
            refused = self.client.post(url, opened | {"change_reason": ["Deleted by mistake"]}, follow=True)
        self.assertContains(refused, "was recovered, or its key given to another, by someone else as you saved")
        self.assertEqual(Figure.objects.get(pk=self.figure.pk).note, "Recovered and corrected")

    def test_it_refuses_to_recover_a_figure_whose_key_was_given_to_another_since(self):
        url = self.recover_url(self.figure)
        opened = self.opened(url, "historicalfigure_form")
        make_figure(self.programme, self.source, key="T001", description="Entered again")

        refused = self.client.post(url, opened | {"change_reason": ["Deleted by mistake"]})
        self.assertEqual(refused.status_code, 200)
        self.assertTrue(refused.context["adminform"].form.errors)
        self.assertFalse(Figure.objects.filter(pk=self.figure.pk).exists())

    def test_it_recovers_a_deleted_source_too(self):
        source = make_source("another-source")
        self.client.post(reverse("admin:programmes_source_delete", args=[source.pk]), {"post": "yes", "change_reason": REASON})
        self.assertContains(self.client.get(reverse("admin:programmes_source_recover_list")), "another-source")
        url = self.recover_url(source)
        saved = self.client.post(url, self.opened(url, "historicalsource_form") | {"change_reason": ["Deleted by mistake"]})
        self.assertEqual(saved.status_code, 302)
        self.assertEqual(Source.objects.get(pk=source.pk).key, "another-source")
        self.assertEqual(source.history.latest("history_date").history_change_reason, "Deleted by mistake")
