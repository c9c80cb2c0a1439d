"""Bounded waits on PostgreSQL: no request waits longer than its budget for the database, whatever the network does.

A statement timeout is enforced by the server, so it never fires when the query does not reach the server; TCP
keepalives and `tcp_user_timeout` only notice a peer that stops acknowledging, not one that acknowledges and never
answers (a stalled proxy or pooler). So psycopg2 runs in its non-blocking mode with a wait callback, and every wait
for the socket (connecting, sending, reading) is cut off when the budget runs out: the socket is shut down, the
query fails with an OperationalError, and DatabaseUnavailableMiddleware answers 503 at once.

A budget is the total time one request may spend waiting on the database: DATABASE_TIMEOUT for a page. A streamed
download gets DATABASE_EXPORT_TIMEOUT for each piece it sends (DatabaseBudgetMiddleware sets both): a stream that keeps
moving is never cut however long it runs, one that waits that long for its next rows is. Outside a request (commands,
tests) each wait gets DATABASE_TIMEOUT on its own.

Seats: at most DATABASE_WAITERS threads of a process wait on the database at once (one fewer than gunicorn's threads),
so a thread is always left to answer. A thread that would be one more waits for a seat for SEAT_PATIENCE at most, then
gives up as if its budget had ended (a 503). In normal running a seat frees within milliseconds. When the database
stalls, every seat is held for a whole budget: once one thread has waited its patience in vain, the next are refused
at once until a seat comes free, so the requests queued behind the stalled ones get their 503 in milliseconds, not
one budget (or one patience) after another.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import select
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

from django.conf import settings


class Budget:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.remaining = float(seconds)


budget: ContextVar[Budget | None] = ContextVar("database_budget", default=None)

# Long enough for a seat held by a healthy query (milliseconds) to come free, short enough that a queue of requests
# refused one after another while the database stalls is answered within a second or two.
SEAT_PATIENCE = 0.2


class Seats:
    def __init__(self, count: int) -> None:
        self.free = threading.BoundedSemaphore(count)
        self.releases = itertools.count()  # next() is atomic: how many seats have come free, as a stamp
        self.released = next(self.releases)
        self.full_since: int | None = None  # the stamp when a thread last waited its patience for a seat in vain

    def take(self, patience: float) -> bool:
        """A seat, waiting `patience` for one; no wait at all if none has come free since a thread last waited in vain."""
        if self.full_since == self.released:
            return self.free.acquire(blocking=False)
        if self.free.acquire(timeout=patience):
            return True
        self.full_since = self.released
        return False

    def give_back(self) -> None:
        self.released = next(self.releases)
        self.free.release()


seats = Seats(1)  # sized from settings by install()


def postgres_options(seconds: int) -> dict:
    """libpq settings that bound what libpq itself can bound: connecting, dead peers and the server's own work."""
    return {
        "connect_timeout": max(seconds, 2),  # libpq counts whole seconds and treats 1 as 2
        "keepalives": 1,
        "keepalives_idle": max(seconds // 2, 1),
        "keepalives_interval": 1,
        "keepalives_count": 3,
        "tcp_user_timeout": seconds * 1000,
        "options": f"-c statement_timeout={seconds * 1000}",
    }


def install() -> None:
    """Make psycopg2 wait through wait_within_budget (called once, from SharedServicesConfig.ready)."""
    import psycopg2.extensions

    global seats
    seats = Seats(settings.DATABASE_WAITERS)
    psycopg2.extensions.set_wait_callback(wait_within_budget)


def wait_within_budget(connection) -> None:
    import psycopg2.extensions as ext

    while True:
        state = connection.poll()
        if state == ext.POLL_OK:
            return
        wait_for_socket(connection.fileno(), reading=state == ext.POLL_READ)


def wait_for_socket(fileno: int, reading: bool) -> None:
    """Wait until the database's socket can be read (or written), within the current budget; past it, give the connection up."""
    import psycopg2

    current = budget.get() or Budget(settings.DATABASE_TIMEOUT)
    readers, writers = ([fileno], []) if reading else ([], [fileno])
    started = time.monotonic()
    if not seats.take(max(min(SEAT_PATIENCE, current.remaining), 0)):
        current.remaining -= time.monotonic() - started
        abandon(fileno)
        raise psycopg2.OperationalError(f"every thread but this one was already waiting on the database ({settings.DATABASE_WAITERS})")
    try:
        ready = select.select(readers, writers, [], max(current.remaining, 0))
    finally:
        seats.give_back()
    current.remaining -= time.monotonic() - started
    if not (ready[0] or ready[1]):
        abandon(fileno)
        raise psycopg2.OperationalError(f"the database did not answer within {current.seconds} s")


def abandon(fileno: int) -> None:
    """Shut the socket down so that libpq sees a dead connection at once and Django discards it."""
    with contextlib.suppress(OSError):
        duplicate = socket.socket(fileno=os.dup(fileno))
        try:
            duplicate.shutdown(socket.SHUT_RDWR)
        finally:
            duplicate.close()


@contextlib.contextmanager
def waiting_at_most(seconds: float) -> Iterator[Budget]:
    current = Budget(seconds)
    token = budget.set(current)
    try:
        yield current
    finally:
        budget.reset(token)


def streamed_within(pieces: Iterable, seconds: float) -> Iterator:
    """Stream pieces with a budget for each (the server iterates after the view has returned).

    A budget per piece, not per stream: a full export of a million rows is healthy as long as its rows keep coming,
    however long it takes in all; what is cut is a stream whose database stops answering.
    """
    iterator = iter(pieces)
    try:
        while True:
            token = budget.set(Budget(seconds))
            try:
                piece = next(iterator)
            except StopIteration:
                return
            finally:
                budget.reset(token)
            yield piece
    finally:
        if hasattr(iterator, "close"):
            iterator.close()
