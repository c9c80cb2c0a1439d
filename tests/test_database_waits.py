"""Every wait on the database has a limit: libpq's own settings, and a per-request budget for the rest."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings
from django.test import RequestFactory, SimpleTestCase

from sharedservices import database
from sharedservices.middleware import DatabaseBudgetMiddleware


class PostgresOptionsTests(SimpleTestCase):
    def test_it_bounds_connecting_dead_peers_and_statements_from_database_timeout(self):
        script = "import json, sharedservices.settings as s; print(json.dumps(s.DATABASES['default']['OPTIONS']))"
        env = {**os.environ, "DATABASE_URL": "postgres://u@db.example:5432/x", "DATABASE_TIMEOUT": "7"}
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        options = json.loads(result.stdout)
        self.assertEqual(options["connect_timeout"], 7)
        self.assertEqual(options["tcp_user_timeout"], 7000)
        self.assertEqual(options["keepalives"], 1)
        self.assertEqual(options["options"], "-c statement_timeout=7000")

    def test_it_leaves_sqlite_alone(self):
        config = {"default": {"ENGINE": "django.db.backends.sqlite3", "OPTIONS": {"timeout": 5}}}
        from sharedservices.settings import bound_database_waits

        bound_database_waits(config, 5)
        self.assertEqual(config["default"]["OPTIONS"], {"timeout": 5})


class BudgetTests(SimpleTestCase):
    def test_it_gives_a_page_the_page_timeout_and_a_stream_the_export_timeout(self):
        seen = {}

        def stream():
            seen["stream"] = database.budget.get().seconds
            yield b"row\n"

        def view(request):
            from django.http import StreamingHttpResponse

            seen["view"] = database.budget.get().seconds
            return StreamingHttpResponse(stream())

        response = DatabaseBudgetMiddleware(view)(RequestFactory().get("/data/figures.csv"))
        self.assertEqual(b"".join(response.streaming_content), b"row\n")
        self.assertEqual(seen, {"view": settings.DATABASE_TIMEOUT, "stream": settings.DATABASE_EXPORT_TIMEOUT})
        self.assertIsNone(database.budget.get())
