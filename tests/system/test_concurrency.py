"""Editors saving at the same moment, against a real server: every save of a different figure succeeds, and of two saves
of the same figure from the same copy, one succeeds and the other is refused with a conflict message. Two saves that
wait for each other's locks both succeed: neither is aborted as a deadlock.

The server is gunicorn with threads in two workers, so saves really overlap, on its own copy of the dataset in the
same kind of database as the rest of the suite (on SQLite a file, as a site runs it, not the test suite's memory).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

from programmes.flags import lock_key
from tests.helpers import PATIENCE, ROOT, USES_POSTGRES, copy_of_the_site, form_data, free_port, run_psql, scratch_database, wait_until

SIMULTANEOUS = 30
PASSWORD = "a-long-concurrency-password"


class Editor:
    """A logged-in browser, reduced to its cookies; it never follows redirects, so a save answers 302 or a form."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict[str, list[str]] | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=PATIENCE)
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        body = None
        if fields is not None:
            body = urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                self.cookies.update({name: morsel.value for name, morsel in SimpleCookie(header).items()})
            return response.status, response.read().decode()
        finally:
            connection.close()

    def log_in(self, username: str) -> None:
        _, page = self.request("GET", "/admin/login/")
        fields = form_data(page, "login-form") | {"username": [username], "password": [PASSWORD]}
        status, _ = self.request("POST", "/admin/login/", fields)
        assert status == 302, "the editor could not log in"

    def copy(self) -> Editor:
        """Another tab of the same browser session."""
        tab = Editor(self.port)
        tab.cookies = dict(self.cookies)
        return tab

    def open(self, figure_id: int) -> dict[str, list[str]]:
        status, page = self.request("GET", f"/admin/programmes/figure/{figure_id}/change/")
        assert status == 200
        return form_data(page, "figure_form") | {"change_reason": ["Saved at the same moment as others"]}


def save_together(saves: list[tuple[Editor, int, dict[str, list[str]]]]) -> list[tuple[int, str]]:
    """Post every save at the same moment; the answers in the same order."""
    start = threading.Barrier(len(saves))
    answers: list[tuple[int, str]] = [(0, "")] * len(saves)

    def save(index: int, editor: Editor, figure_id: int, fields: dict[str, list[str]]) -> None:
        start.wait(timeout=PATIENCE)
        try:
            answers[index] = editor.request("POST", f"/admin/programmes/figure/{figure_id}/change/", fields)
        except OSError as error:
            answers[index] = (0, str(error))

    threads = [threading.Thread(target=save, args=(index, *task)) for index, task in enumerate(saves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * PATIENCE)
    return answers


# The test database's session set-up keeps the template its own database is copied from (tests/conftest.py). The
# marker, not the fixture alone, has pytest-django create the test database when these are the only tests selected;
# without it the set-up would load the dataset into the database the settings name.
@pytest.mark.django_db
class ConcurrentSaveTests:
    # One server for the class: migrating and loading the dataset is most of the time taken.
    @classmethod
    def setup_class(cls) -> None:
        cls.tmp = Path(tempfile.mkdtemp())
        cls.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "concurrency-test",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_COOKIES": "0",
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
            # Saves here wait for each other's locks by design: the site's few seconds' budget for a page would make
            # a slow machine's test fail where a fast one's passes. PATIENCE only stops a hang.
            "DATABASE_TIMEOUT": str(PATIENCE),
            # Every thread but one may wait on the database (for a lock, here) at once: the site counts its threads.
            "WEB_THREADS": str(SIMULTANEOUS // 2 + 1),
        }
        if USES_POSTGRES:
            cls.admin_url, cls.database = scratch_database("concurrency")
            copy_of_the_site("concurrency", cls.tmp)
            cls.env["DATABASE_URL"] = cls.admin_url.rsplit("/", 1)[0] + f"/{cls.database}"
        else:
            cls.env["DATABASE_URL"] = f"sqlite:///{copy_of_the_site('concurrency', cls.tmp)}"
        subprocess.run(
            [sys.executable, "manage.py", "createsuperuser", "--no-input", "--username", "editor", "--email", "editor@example.org"],
            cwd=ROOT,
            env=cls.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        cls.port = free_port()
        server = ["gunicorn", "sharedservices.wsgi", "--bind", f"127.0.0.1:{cls.port}", "--worker-class", "gthread"]
        server += ["--workers", "2", "--threads", str(SIMULTANEOUS // 2 + 1), "--timeout", str(PATIENCE)]
        cls.server = subprocess.Popen(
            [sys.executable, "-m", *server], cwd=ROOT, env=cls.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        cls.editor = Editor(cls.port)
        wait_until(lambda: cls.editor.request("GET", "/admin/login/")[0] == 200, "the server did not start")
        cls.editor.log_in("editor")

    @classmethod
    def psql(cls, *statements: str) -> None:
        run_psql(cls.admin_url, cls.database, *statements)

    @classmethod
    def teardown_class(cls) -> None:
        cls.server.terminate()
        cls.server.wait(timeout=PATIENCE)
        if USES_POSTGRES:
            cls.psql("DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def figure_ids(self) -> list[int]:
        _, page = self.editor.request("GET", "/admin/programmes/figure/")
        return list(dict.fromkeys(int(pk) for pk in re.findall(r"/admin/programmes/figure/(\d+)/change/", page)))

    def test_it_saves_every_one_of_simultaneous_saves_of_different_figures(self):
        ids = self.figure_ids()[:SIMULTANEOUS]
        assert len(ids) == SIMULTANEOUS
        saves = []
        for number, figure_id in enumerate(ids):
            tab = self.editor.copy()
            saves.append((tab, figure_id, tab.open(figure_id) | {"note": [f"Concurrent save {number}"]}))

        answers = save_together(saves)

        saved = sum(1 for status, _ in answers if status == 302)
        print(
            f"\n{'PostgreSQL' if USES_POSTGRES else 'SQLite'}: {saved} of {SIMULTANEOUS} simultaneous saves of different figures succeeded"
        )
        assert saved == SIMULTANEOUS, [status for status, _ in answers]
        for number, figure_id in enumerate(ids):
            assert self.editor.open(figure_id)["note"] == [f"Concurrent save {number}"]

    def test_it_refuses_one_of_two_simultaneous_saves_of_the_same_figure(self):
        figure_id = self.figure_ids()[0]
        first, second = self.editor.copy(), self.editor.copy()
        opened = first.open(figure_id)
        notes = ["Saved by the first editor", "Saved by the second editor"]
        answers = save_together([(first, figure_id, opened | {"note": [notes[0]]}), (second, figure_id, opened | {"note": [notes[1]]})])

        statuses = [status for status, _ in answers]
        refused = [index for index, (status, page) in enumerate(answers) if status == 200 and "Not saved" in page]
        print(f"\n{'PostgreSQL' if USES_POSTGRES else 'SQLite'}: same figure, answers {statuses}, {len(refused)} conflict")
        assert sorted(statuses) == [200, 302] and len(refused) == 1
        loser = refused[0]
        winner = 1 - loser
        assert notes[winner] in answers[loser][1], "the conflict message shows the stored version"
        assert self.editor.open(figure_id)["note"] == [notes[winner]]

    def test_it_saves_both_of_two_figures_of_one_quantity_saved_at_the_same_moment(self):
        """The order that deadlocked: the first save held its figure and waited to recompute the quantity's flags, which
        write to the second figure; the second save held that figure and waited for the first. The quantity's lock is
        held here (as a third save recomputing it would) until both saves wait, so that the two always meet this way."""
        if not USES_POSTGRES:
            pytest.skip("SQLite writes one transaction at a time and has no row locks: saves cannot deadlock")
        import psycopg2

        gate = psycopg2.connect(self.env["DATABASE_URL"])
        try:
            saves = self.save_two_of_one_quantity(gate)
        finally:
            gate.close()

        statuses = [status for _, _, status, _ in saves]
        print(f"\nPostgreSQL: two saves of one quantity, answers {statuses}")
        assert statuses == [302, 302], [page[-300:] for _, _, _, page in saves]
        for figure_id, note, _, _ in saves:
            assert self.editor.open(figure_id)["note"] == note

    def save_two_of_one_quantity(self, gate) -> list[tuple[int, list[str], int, str]]:
        """Save two figures of one quantity while gate holds the quantity's lock, releasing it once both saves wait for
        a lock: (figure id, note sent, status, page) for each."""
        with gate.cursor() as cursor:
            # A figure that others disagree with (its flags are rewritten whenever its quantity is), and another of its quantity.
            cursor.execute(
                "SELECT f.id, f.quantity FROM programmes_figure f JOIN programmes_disagreement d ON d.figure_id = f.id ORDER BY f.id LIMIT 1"
            )
            flagged, quantity = cursor.fetchone()
            cursor.execute("SELECT id FROM programmes_figure WHERE quantity = %s AND id <> %s ORDER BY id LIMIT 1", [quantity, flagged])
            (other,) = cursor.fetchone()
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(quantity)])

        def waiting() -> int:
            with gate.cursor() as cursor:
                # The statistics views are read once per transaction unless told to read again.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
                return cursor.fetchone()[0]

        saves = []
        for number, figure_id in enumerate([other, flagged]):
            tab = self.editor.copy()
            saves.append((tab, figure_id, tab.open(figure_id) | {"note": [f"Saved with one lock held, {number}"]}))
        answers: list[tuple[int, str]] = [(0, ""), (0, "")]

        def save(index: int) -> None:
            tab, figure_id, fields = saves[index]
            answers[index] = tab.request("POST", f"/admin/programmes/figure/{figure_id}/change/", fields)

        threads = [threading.Thread(target=save, args=(index,)) for index in range(2)]
        for index, thread in enumerate(threads):
            thread.start()
            wait_until(lambda count=index + 1: waiting() >= count, "a save did not reach the lock it waits for")
        gate.commit()
        for thread in threads:
            thread.join(timeout=2 * PATIENCE)
        return [(figure_id, fields["note"], *answer) for (_, figure_id, fields), answer in zip(saves, answers, strict=True)]
