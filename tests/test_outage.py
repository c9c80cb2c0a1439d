"""A real database outage, against a real server: readers get a 503 page, and the site recovers by itself.

The server is gunicorn, as `make run` starts it, on its own copy of the dataset in the same kind of database
as the rest of the suite. The outage is made the way it happens: on PostgreSQL the network path to the
server is cut (through a small TCP relay we can stop); on SQLite the database file disappears.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import dj_database_url
import pytest
from django.conf import settings

from tests.helpers import PATIENCE, copy_of_the_site, free_port, run_psql, scratch_database, wait_until

ROOT = Path(settings.BASE_DIR)
USES_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


class Relay:
    """A TCP relay to PostgreSQL that can be cut and restored, as a network fault would."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []
        # Cleared while frozen: the relay still accepts connections and bytes, and forwards nothing either way.
        self.flowing = threading.Event()
        self.flowing.set()
        self.held = 0  # how many times, while frozen, a connection or a message reached the relay and was held there

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self.accept, args=(self.listener,), daemon=True).start()

    def accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            self.connections.append(client)
            if not self.flowing.is_set():
                self.held += 1
                continue  # a silent database: the connection is accepted and then nothing happens
            upstream = socket.create_connection(self.target)
            self.connections.append(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pipe, args=(source, sink), daemon=True).start()

    def pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self.flowing.is_set():
                    self.held += 1
                self.flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self) -> None:
        self.flowing.set()

    def cut(self) -> None:
        # Shut down before closing: a thread blocked in accept() would otherwise keep the port listening.
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        self.connections.clear()
        self.flowing.set()


# DATABASE_TIMEOUT for the server under test, in seconds: long enough that the requests a test makes while others wait
# on the stalled database are answered before those give up, however busy the machine.
STALL_TIMEOUT = 10


def get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=PATIENCE) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


class LiveServer:
    """gunicorn on its own database, as `make run` starts it; the subclasses break the database in different ways."""

    relay_class = Relay  # on PostgreSQL, what stands between the server and the database

    def setup_method(self) -> None:
        self.tmp = Path(tempfile.mkdtemp())
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "outage-test",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_TIMEOUT": str(STALL_TIMEOUT),
            "WEB_THREADS": "4",
        }
        if USES_POSTGRES:
            self.setup_postgres()
        else:
            self.db_file = Path(copy_of_the_site("outage", self.tmp))
            self.env["DATABASE_URL"] = f"sqlite:///{self.db_file}"
        self.port = free_port()
        self.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "sharedservices.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--timeout",
                str(PATIENCE),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.wait_until(lambda: get(self.url("/about/"))[0] == 200)

    def setup_postgres(self) -> None:
        config = dj_database_url.parse(os.environ["DATABASE_URL"])
        self.relay = self.relay_class((config["HOST"] or "127.0.0.1", int(config["PORT"] or 5432)))
        self.relay.start()
        self.admin_url, self.database = scratch_database("outage")
        copy_of_the_site("outage", self.tmp)
        self.env["DATABASE_URL"] = f"postgres://{config['USER']}@127.0.0.1:{self.relay.port}/{self.database}"

    def psql(self, *statements: str) -> None:
        run_psql(self.admin_url, self.database, *statements)

    def teardown_method(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=PATIENCE)
        if USES_POSTGRES:
            self.relay.cut()
            self.psql("DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        shutil.rmtree(self.tmp, ignore_errors=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @staticmethod
    def wait_until(condition) -> None:
        wait_until(condition, "the server did not reach the expected state")

    def break_database(self) -> None:
        if USES_POSTGRES:
            self.relay.cut()
        else:
            self.db_file.rename(self.tmp / "away.sqlite3")

    def restore_database(self) -> None:
        if USES_POSTGRES:
            self.relay.start()
        else:
            self.db_file.unlink(missing_ok=True)
            (self.tmp / "away.sqlite3").rename(self.db_file)


class OutageTests(LiveServer):
    def test_it_shows_a_503_page_during_an_outage_and_recovers_by_itself(self):
        assert get(self.url("/programmes/ngss-2012/"))[0] == 200

        self.break_database()
        status, body, headers = get(self.url("/programmes/ngss-2012/"))
        assert status == 503
        assert "temporarily unavailable" in body
        assert "Traceback" not in body and "OperationalError" not in body
        assert headers["Retry-After"] == "30"

        self.restore_database()
        self.wait_until(lambda: get(self.url("/programmes/ngss-2012/"))[0] == 200)
        status, body, _ = get(self.url("/programmes/ngss-2012/"))
        assert "Next Generation Shared Services" in body


def timed(url: str) -> tuple[int, float]:
    started = time.monotonic()
    status = get(url)[0]
    return status, time.monotonic() - started


@pytest.mark.skipif(not USES_POSTGRES, reason="a database host that stops answering is a network fault; SQLite has no network")
class StallTests(LiveServer):
    """The database host stops answering (the relay accepts and forwards nothing): pages give up when their budget ends.

    What is checked is the order of events, not how fast the machine is: a request that needs no database is answered
    while others are still waiting on it, and those end in a 503 once they have waited their budget, not before.
    """

    PAGE = "/programmes/ngss-2012/"

    def test_it_answers_503_when_the_budget_ends_while_static_files_answer_and_recovers_by_itself(self):
        assert get(self.url(self.PAGE))[0] == 200  # the worker's threads now hold open connections through the relay

        self.relay.freeze()
        stalled: dict[str, tuple[int, float]] = {}
        waiting = [
            threading.Thread(target=lambda p=path: stalled.__setitem__(p, timed(self.url(p))))
            for path in (self.PAGE, "/sources/", "/readyz")
        ]
        for thread in waiting:
            thread.start()
        wait_until(lambda: self.relay.held >= len(waiting), "the three requests did not reach the stalled database")
        # While three threads wait on the database, the fourth serves what needs no database.
        for path in ("/static/css/site.css", "/about/", "/healthz"):
            assert get(self.url(path))[0] == 200, path
        assert all(thread.is_alive() for thread in waiting), "answered only after the stalled requests had given up"
        for thread in waiting:
            thread.join()
        for path, (status, seconds) in stalled.items():
            assert status == 503, path
            # The budget is what ended the wait: a 503 comes only from the database failing, and not before its time.
            assert seconds >= STALL_TIMEOUT * 0.9, (path, seconds)
        status, body, headers = get(self.url(self.PAGE))
        assert status == 503 and headers["Retry-After"] == "30" and "temporarily unavailable" in body

        self.relay.thaw()
        thawed = time.monotonic()
        self.wait_until(lambda: get(self.url(self.PAGE))[0] == 200)
        print(
            f"stall: 503 after {max(s for _, s in stalled.values()):.2f} s (timeout {STALL_TIMEOUT} s); "
            f"200 again {time.monotonic() - thawed:.2f} s after the database returned"
        )

    def test_it_treats_a_stall_then_a_cut_then_a_return_alike(self):
        self.relay.freeze()
        assert timed(self.url(self.PAGE))[0] == 503
        self.relay.cut()
        status, seconds = timed(self.url(self.PAGE))
        # A refused connection is known at once: the 503 comes without waiting out the budget.
        assert status == 503 and seconds < STALL_TIMEOUT * 0.9, seconds
        self.relay.start()
        self.wait_until(lambda: get(self.url(self.PAGE))[0] == 200)
