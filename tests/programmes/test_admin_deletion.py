"""Deleting in the admin asks why, as saving does, and the history of the deleted rows keeps the reason."""

from __future__ import annotations

import datetime

from django.test import TestCase
from django.urls import reverse

from programmes.models import Event, Figure, Programme, ProgrammeAccount
from tests.helpers import log_in_as_staff, make_figure, make_programme, make_source

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
