"""A real database outage, against a real server: readers get a 503 page, and the site recovers by itself.

The server is gunicorn, as `make run` starts it, on its own copy of the dataset in the same kind of database
as the rest of the suite. The outage is made the way it happens: on PostgreSQL the network path to the
server is cut (through a small TCP relay we can stop); on SQLite the database file disappears.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.helpers import STALL_TIMEOUT, USES_POSTGRES, LiveServer, get, wait_until


class OutageTests(LiveServer):
    def test_it_shows_a_503_page_during_an_outage_and_recovers_by_itself(self):
        assert get(self.url("/programmes/ngss-2012/"))[0] == 200

        self.break_database()
        # A page already built is answered from the shared cache, which needs no database; one that is not, cannot be.
        assert get(self.url("/programmes/ngss-2012/"))[0] == 200
        status, body, headers = get(self.url("/programmes/gss-2018/"))
        assert status == 503
        assert "temporarily unavailable" in body
        assert "Traceback" not in body and "OperationalError" not in body
        assert headers["Retry-After"] == "30"

        self.restore_database()
        self.wait_until(lambda: get(self.url("/programmes/gss-2018/"))[0] == 200)
        status, body, _ = get(self.url("/programmes/gss-2018/"))
        assert "Government Shared Services Strategy" in body


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
    COLD = "/programmes/gss-2018/"  # a page no reader has asked for yet: built from the database

    def test_it_answers_503_when_the_budget_ends_while_static_files_answer_and_recovers_by_itself(self):
        assert get(self.url(self.PAGE))[0] == 200  # the worker's threads now hold open connections through the relay

        self.relay.freeze()
        stalled: dict[str, tuple[int, float]] = {}
        waiting = [
            threading.Thread(target=lambda p=path: stalled.__setitem__(p, timed(self.url(p))))
            for path in (self.COLD, "/sources/", "/readyz")
        ]
        for thread in waiting:
            thread.start()
        wait_until(lambda: len(self.relay.held) >= len(waiting), "the three requests did not reach the stalled database")
        # While three threads wait on the database, the fourth serves what needs no database: a page already built too.
        for path in ("/static/css/site.css", "/about/", "/healthz", self.PAGE):
            assert get(self.url(path))[0] == 200, path
        assert all(thread.is_alive() for thread in waiting), "answered only after the stalled requests had given up"
        for thread in waiting:
            thread.join()
        for path, (status, seconds) in stalled.items():
            assert status == 503, path
            # The budget is what ended the wait: a 503 comes only from the database failing, and not before its time.
            assert seconds >= STALL_TIMEOUT * 0.9, (path, seconds)
        status, body, headers = get(self.url(self.COLD))
        assert status == 503 and headers["Retry-After"] == "30" and "temporarily unavailable" in body

        self.relay.thaw()
        thawed = time.monotonic()
        self.wait_until(lambda: get(self.url(self.COLD))[0] == 200)
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
