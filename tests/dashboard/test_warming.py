"""The main pages built ahead of their readers (dashboard/warming.py): after a committed change, a dataset load and a start."""

from __future__ import annotations

import io
import threading
from unittest import mock

from django.core.management import call_command
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext

from dashboard import warming
from dashboard.pages import OVERVIEW_PAGE_SIZE
from programmes import signals
from programmes.models import Programme

READER = {"host": "localhost:8000"}  # the site's address, SITE_URL


@override_settings(SITE_URL="http://localhost:8000")
class WarmTests(TestCase):
    def test_it_builds_the_main_pages_so_that_their_first_reader_costs_no_query(self):
        self.assertEqual(warming.origin(), ("http", "localhost:8000"))
        built = warming.warm()
        addresses = warming.addresses()
        self.assertEqual(built, len(addresses))
        # The strategies `/` shows first, in its order: all of the real record's.
        shown = Programme.objects.strategies().order_by("started", "name", "pk").values_list("slug", flat=True)[:OVERVIEW_PAGE_SIZE]
        self.assertEqual([a for a in addresses if a.startswith("/programmes/")], [f"/programmes/{slug}/" for slug in shown])
        self.assertEqual(len(shown), Programme.objects.strategies().count())
        self.assertTrue({"/", "/figures/", "/sources/"} <= set(addresses))
        for address in ["/", "/programmes/ngss-2012/", "/sources/"]:
            with self.subTest(address=address), CaptureQueriesContext(connection) as captured:
                response = self.client.get(address, headers=READER)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(len(captured), 0)

    def test_the_pages_it_builds_are_those_a_reader_would_have_built(self):
        warming.warm()
        warm = self.client.get("/programmes/ngss-2012/", headers=READER)
        from django.core.cache import cache

        cache.clear()
        cold = self.client.get("/programmes/ngss-2012/", headers=READER)
        self.assertEqual(warm.content, cold.content)
        self.assertEqual(sorted(warm.items()), sorted(cold.items()))

    @override_settings(SITE_URL="https://savings.example.org", ALLOWED_HOSTS=["savings.example.org"])
    def test_it_builds_for_the_sites_public_address(self):
        self.assertEqual(warming.origin(), ("https", "savings.example.org"))

    @override_settings(SITE_URL="https://elsewhere.example.org", ALLOWED_HOSTS=[".example.org", "tracker.internal"])
    def test_without_a_public_address_it_serves_it_builds_for_the_first_host_it_does(self):
        self.assertEqual(warming.origin(), ("https", "elsewhere.example.org"))  # .example.org serves it
        with override_settings(ALLOWED_HOSTS=["tracker.internal"]):
            self.assertEqual(warming.origin(), ("http", "tracker.internal"))

    @override_settings(SITE_URL="http://localhost:8000", ALLOWED_HOSTS=[], DEBUG=False)
    def test_a_process_that_serves_no_host_builds_nothing_and_logs_no_refused_host(self):
        """A command run without ALLOWED_HOSTS (a benchmark's bulk load) answers no reader: nothing is built for it."""
        self.assertIsNone(warming.origin())
        with self.assertNoLogs("django.security", level="ERROR"):
            self.assertEqual(warming.warm(), 0)
        with override_settings(DEBUG=True):
            self.assertEqual(warming.origin(), ("http", "localhost:8000"))

    def test_the_command_builds_them(self):
        out = io.StringIO()
        with mock.patch.object(warming, "warm", return_value=7) as warm:
            call_command("warm_pages", stdout=out)
        warm.assert_called_once()
        self.assertIn("Built 7 pages for http://localhost:8000", out.getvalue())


class AfterChangesTests(TestCase):
    def saved(self) -> list:
        with self.captureOnCommitCallbacks() as waiting:
            programme = Programme.objects.get(slug="ngss-2012")
            programme.name = "Renamed"
            programme.save()
        return waiting

    @override_settings(PAGES_WARM=True)
    def test_a_committed_change_has_the_pages_built_again(self):
        self.assertIn(warming.warmer.changed, self.saved())

    def test_it_is_off_unless_asked_for(self):
        self.assertNotIn(warming.warmer.changed, self.saved())

    @override_settings(PAGES_WARM=True)
    def test_a_dataset_load_builds_them_before_the_command_ends(self):
        with mock.patch.object(warming, "warm", return_value=0) as warm, self.captureOnCommitCallbacks(execute=True):
            signals.dataset_loaded.send(sender=None, rows_changed=False)
        warm.assert_called_once()

    def test_changes_made_while_it_builds_cause_exactly_one_more_build(self):
        building, finish = threading.Event(), threading.Event()
        calls = []

        def warm():
            calls.append(1)
            building.set()
            finish.wait(30)

        warmer = warming.Warmer()
        with mock.patch.object(warming, "warm", warm):
            warmer.changed()
            building.wait(30)
            for _ in range(5):
                warmer.changed()
            finish.set()
            self.assertTrue(warmer.wait(30))
        self.assertEqual(len(calls), 2)
