"""A programme's accounts: each summary, start and end rests on a publication and is shown from the day it appeared;
the editor enters them in the admin, the history keeps them, and the shipped dataset is consistent with them."""

from __future__ import annotations

import datetime

from django.db.models import Min
from django.test import TestCase
from django.urls import reverse

from programmes.models import FOLLOWED_REASON, Event, Figure, Programme, ProgrammeAccount, Source
from tests.helpers import log_in_as_staff, make_programme, make_source


class AccountInForceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.programme = make_programme("accounted")
        cls.first = ProgrammeAccount.objects.create(
            key="accounted-first",
            programme=cls.programme,
            source=make_source("first", published=datetime.date(2014, 3, 1), date_precision="month"),
            summary="First said.",
        )
        cls.second = ProgrammeAccount.objects.create(
            key="accounted-second",
            programme=cls.programme,
            source=make_source("second", published=datetime.date(2016, 5, 20)),
            summary="Then said.",
        )

    def test_it_shows_the_latest_account_whose_source_had_appeared(self):
        in_force = ProgrammeAccount.objects.in_force
        self.assertIsNone(in_force(self.programme, datetime.date(2014, 3, 30)), "a month counts from its last day")
        self.assertEqual(in_force(self.programme, datetime.date(2014, 3, 31)), self.first)
        self.assertEqual(in_force(self.programme, datetime.date(2016, 5, 19)), self.first)
        self.assertEqual(in_force(self.programme, datetime.date(2016, 5, 20)), self.second)
        self.assertEqual(in_force(self.programme, None), self.second)

    def test_the_programme_carries_its_latest_account_with_the_reason_in_its_history(self):
        self.programme.refresh_from_db()
        self.assertEqual(self.programme.summary, "Then said.")
        self.assertEqual(self.programme.history.first().history_change_reason, FOLLOWED_REASON)
        self.second.delete()
        self.programme.refresh_from_db()
        self.assertEqual(self.programme.summary, "First said.")

    def test_it_refuses_a_start_after_the_day_its_source_appeared(self):
        account = ProgrammeAccount(
            key="too-soon", programme=self.programme, source=self.first.source, summary="x", started=datetime.date(2015, 1, 1)
        )
        with self.assertRaisesMessage(Exception, "after the day its source appeared"):
            account.full_clean()


class AccountAdminTests(TestCase):
    def test_an_editor_adds_an_account_with_its_source_and_the_history_keeps_who(self):
        editor = log_in_as_staff(self.client)
        programme, source = Programme.objects.get(slug="gss-2018"), Source.objects.get(key="csw-2023-mps-fears")
        response = self.client.post(
            reverse("admin:programmes_programmeaccount_add"),
            {
                "key": "gss-2018-csw-2023",
                "programme": programme.pk,
                "source": source.pk,
                "summary": "An editor's account.",
                "started": "2018-01-10",
                "ended": "",
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        account = ProgrammeAccount.objects.get(key="gss-2018-csw-2023")
        self.assertEqual(account.history.get().history_user, editor)
        self.assertContains(self.client.get(programme.get_absolute_url()), "An editor&#x27;s account.")
        self.assertNotContains(self.client.get(programme.get_absolute_url(), {"as_at": "2023-05-04"}), "An editor&#x27;s account.")

    def test_the_programme_form_asks_which_publication_announced_it(self):
        log_in_as_staff(self.client)
        response = self.client.post(
            reverse("admin:programmes_programme_add"),
            {"name": "Unannounced", "slug": "unannounced", "kind": "strategy", "accounts-TOTAL_FORMS": "0", "accounts-INITIAL_FORMS": "0"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Programme.objects.filter(slug="unannounced").exists())
        change = self.client.get(reverse("admin:programmes_programme_change", args=[Programme.objects.get(slug="ngss-2012").pk]))
        self.assertContains(change, "ngss-2012-nao-2016")


class ShippedAccountTests(TestCase):
    def test_every_programme_has_its_announcement_and_an_account_from_that_day(self):
        for programme in Programme.objects.select_related("announced_by"):
            with self.subTest(programme=programme.slug):
                self.assertIsNotNone(programme.announced_by)
                first = programme.accounts.aggregate(first=Min("source__appeared_by"))["first"]
                self.assertEqual(first, programme.announced_by.appeared_by, "its page from the announcement on has a summary")

    def test_no_figure_or_event_of_a_programme_predates_its_announcement(self):
        for model in (Figure, Event):
            for row in model.objects.select_related("programme__announced_by", "source"):
                with self.subTest(row=row.key):
                    self.assertLessEqual(row.programme.announced_by.appeared_by, row.source.appeared_by)

    def test_no_account_gives_a_start_or_end_after_its_source_appeared(self):
        for account in ProgrammeAccount.objects.select_related("source"):
            for day in (account.started, account.ended):
                with self.subTest(account=account.key):
                    self.assertTrue(day is None or day <= account.source.appeared_by)
