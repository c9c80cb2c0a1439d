"""Every wait on the database has a limit: libpq's own settings, and a per-request budget for the rest."""

from __future__ import annotations

import json
import os
import socket
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

    def test_a_long_stream_that_keeps_moving_is_not_cut(self):
        # Each piece may wait up to DATABASE_EXPORT_TIMEOUT: ten pieces that each wait most of it add up to far more.
        seen = []

        def stream():
            for _ in range(10):
                current = database.budget.get()
                seen.append(current.remaining)
                current.remaining -= current.seconds * 0.9  # as a wait on the socket spends it
                yield b"rows\n"

        pieces = database.streamed_within(stream(), settings.DATABASE_EXPORT_TIMEOUT)
        self.assertEqual(b"".join(pieces), b"rows\n" * 10)
        self.assertEqual(seen, [settings.DATABASE_EXPORT_TIMEOUT] * 10)

    def test_a_piece_that_waits_past_its_budget_ends_the_stream(self):
        import psycopg2

        reader, writer = socket.socketpair()
        self.addCleanup(writer.close)

        def stream():
            yield b"rows\n"
            database.wait_for_socket(reader.fileno(), reading=True)  # the database never answers
            yield b"more rows\n"

        pieces = database.streamed_within(stream(), 0.2)
        self.assertEqual(next(pieces), b"rows\n")
        with self.assertRaises(psycopg2.OperationalError):
            next(pieces)


class SeatTests(SimpleTestCase):
    """All but one thread may wait on the database; the one more is refused, at once while none has come free."""

    def test_it_refuses_one_more_waiter_after_its_patience_then_at_once_until_a_seat_frees(self):
        seats = database.Seats(2)
        self.assertTrue(seats.take(0))
        self.assertTrue(seats.take(0))
        self.assertFalse(seats.take(0.01))  # waited its patience in vain: the database is stalled
        # The next is refused without waiting: were it to wait, it would take the whole minute.
        self.assertFalse(seats.take(60))
        seats.give_back()
        self.assertTrue(seats.take(60))
        self.assertFalse(seats.take(0.01))
