"""Public reads may go to a replica; the admin, logins, the change stamp and every write use the primary."""

from __future__ import annotations

import os
import subprocess
import sys

from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import RequestFactory, SimpleTestCase, override_settings

from programmes.models import Figure, Programme
from sharedservices import routers
from sharedservices.middleware import ReplicaReadsMiddleware

REPLICAS = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
    "replica1": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
    "replica2": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
}


def read_database(path: str, model, method: str = "get") -> str:
    """Which database the router picks for reading `model` while a request for `path` is handled."""
    seen = {}

    def view(request):
        from django.http import HttpResponse

        seen["db"] = routers.PrimaryReplicaRouter().db_for_read(model)
        return HttpResponse()

    ReplicaReadsMiddleware(view)(getattr(RequestFactory(), method)(path))
    return seen["db"]


@override_settings(DATABASES=REPLICAS)
class RouterTests(SimpleTestCase):
    def test_it_reads_public_pages_from_a_replica(self):
        self.assertIn(read_database("/programmes/ngss-2012/", Figure), {"replica1", "replica2"})
        self.assertIn(read_database("/data/figures.csv", Programme), {"replica1", "replica2"})

    def test_it_reads_the_change_history_from_the_primary(self):
        self.assertEqual(read_database("/", Figure.history.model), "default")

    def test_it_reads_the_admin_from_the_primary(self):
        self.assertEqual(read_database("/admin/programmes/figure/1/change/", Figure), "default")
        self.assertEqual(read_database("/admin/programmes/figure/1/change/", Figure, "post"), "default")

    def test_it_reads_logins_and_sessions_from_the_primary(self):
        self.assertEqual(read_database("/", User), "default")
        self.assertEqual(read_database("/", Session), "default")

    def test_it_uses_the_primary_outside_requests_and_for_every_write(self):
        router = routers.PrimaryReplicaRouter()
        self.assertEqual(router.db_for_read(Figure), "default")
        self.assertEqual(router.db_for_write(Figure), "default")
        self.assertFalse(router.allow_migrate("replica1", "programmes"))
        self.assertTrue(router.allow_migrate("default", "programmes"))


@override_settings(DATABASES={"default": REPLICAS["default"]})
class NoReplicaTests(SimpleTestCase):
    def test_it_reads_everything_from_the_primary(self):
        self.assertEqual(read_database("/programmes/ngss-2012/", Figure), "default")


class ReplicaSettingsTests(SimpleTestCase):
    def test_it_reads_replicas_from_the_environment(self):
        script = "import sharedservices.settings as s; print(sorted(s.DATABASES), s.DATABASES['replica2']['HOST'])"
        env = {
            **os.environ,
            "DATABASE_URL": "postgres://u@primary:5432/x",
            "DATABASE_REPLICA_URLS": "postgres://u@r1:5432/x, postgres://u@r2:5432/x",
        }
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        self.assertEqual(result.stdout.strip(), "['default', 'replica1', 'replica2'] r2")
