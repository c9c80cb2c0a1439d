"""/healthz and /readyz, for a load balancer, and kept out of the access log."""

from __future__ import annotations

from unittest import mock

from django.db import OperationalError
from django.test import TestCase

from sharedservices.serving import QuietProbesLogger


class HealthTests(TestCase):
    def test_it_answers_without_asking_the_database(self):
        with self.assertNumQueries(0):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-cache", response["Cache-Control"])


class ReadinessTests(TestCase):
    def test_it_is_ready_when_the_database_answers(self):
        self.assertEqual(self.client.get("/readyz").status_code, 200)

    def test_it_is_not_ready_when_the_database_does_not(self):
        with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("timeout")):
            response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "5")


class AccessLogTests:
    def test_it_leaves_probes_out_and_logs_everything_else(self):
        log = QuietProbesLogger.__new__(QuietProbesLogger)  # no handlers needed: the parent's access() is mocked
        with mock.patch("gunicorn.glogging.Logger.access") as logged:
            for path in ("/healthz", "/readyz", "/about/"):
                log.access(None, None, {"PATH_INFO": path}, None)
        assert [call.args[2]["PATH_INFO"] for call in logged.call_args_list] == ["/about/"]
