"""The change stamp: when any row of the record was last added, changed or deleted, kept in the shared cache.

Every cached page, feed and download is keyed by it (dashboard/page_cache.py), so every request asks for it. The
change history answers with one statement; the shared cache answers without the database. It is put there when it is
read from the history, and replaced once each write is committed: every write goes through the admin, the import or
load_dataset and leaves a history row (simple-history's post_create_historical_record, or the import's bulk writes,
programmes.signals.history_written), which registers `committed` to run when its transaction commits. So the next
request after a commit, in any process, has the new stamp. Inside a transaction that has written and not yet
committed, the stamp is read from the history, which that transaction sees and no other process does; the shared
cache is left alone until the commit.
"""

from __future__ import annotations

import datetime
import functools
import secrets

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction

from programmes.models import Contradiction, ContradictionProgramme, ContradictionSide, Event, Figure, Programme, ProgrammeAccount, Source

KEY = "dashboard:change-stamp:2"  # (stamp, token); an entry of the form before, (stamp,), is another key
# A row changed without the ORM (a restored backup, an SQL console) leaves no signal: the stamp is read again from
# the history at least this often. So is a commit whose replacement lost a race with another process's (committed).
SECONDS = 60


@functools.cache
def latest_change_sql(alias: str) -> str:
    """The statement from_history runs, written once per database (reaching `Model.history` builds a manager each time)."""
    quote = connections[alias].ops.quote_name
    recorded = (Figure, Source, Programme, ProgrammeAccount, Event, Contradiction, ContradictionProgramme, ContradictionSide)
    tables = [quote(model.history.model._meta.db_table) for model in recorded]
    latest = " UNION ALL ".join(f"SELECT MAX(history_date) AS latest FROM {table}" for table in tables)
    return f"SELECT MAX(latest) FROM ({latest}) AS stamps"


def from_history() -> datetime.datetime | None:
    """When any row was last added, changed or deleted, from the change history.

    One statement (each history table's latest date, read from the end of its history_date index) rather than an ORM
    aggregate per table: building four querysets through simple-history's managers cost three times what the rest of
    a warm page costs.
    """
    alias = router.db_for_read(Figure)
    with connections[alias].cursor() as cursor:
        cursor.execute(latest_change_sql(alias))
        (stamp,) = cursor.fetchone()
    if isinstance(stamp, str):  # SQLite hands back the stored text, in UTC as Django writes it
        stamp = datetime.datetime.fromisoformat(stamp).replace(tzinfo=datetime.UTC)
    return stamp


def last_changed() -> datetime.datetime | None:
    """The change stamp: from the shared cache, or from the history (and then kept in the cache for every process)."""
    return kept()[0]


def kept() -> tuple[datetime.datetime | None, str | None]:
    """The change stamp, and a token naming the cache entry it was read from (None if it was not).

    The entry is new when the stamp is replaced, expires, or the cache is cleared: what a process keeps in its own
    memory under the token (dashboard/early_pages.py) is then asked of the shared cache again.
    """
    if uncommitted():
        return from_history(), None
    found = cache.get(KEY)
    if found is not None:
        return found
    stamp = from_history()
    # add, not set: a commit that replaced the stamp since this read keeps its newer one.
    cache.add(KEY, (stamp, secrets.token_hex(8)), SECONDS)
    return stamp, None


def committed() -> None:
    """A write has been committed: the stamp read from the history replaces the kept one, unless that is newer."""
    connections[DEFAULT_DB_ALIAS].record_unstamped = False
    stamp = from_history()
    found = cache.get(KEY)
    if found is None or found[0] is None or (stamp is not None and stamp > found[0]):
        cache.set(KEY, (stamp, secrets.token_hex(8)), SECONDS)


def uncommitted() -> bool:
    """Whether this thread's transaction has written to the record and not yet committed (committed is waiting for it).

    Django keeps what waits for a commit in connection.run_on_commit and drops it on a rollback, a savepoint's included.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    return connection.in_atomic_block and getattr(connection, "record_unstamped", False) and waiting(connection)


def waiting(connection) -> bool:
    return any(callback is committed for _, callback, _ in connection.run_on_commit)


def record_written(**kwargs) -> None:
    """A history row was written: the stamp is replaced once the transaction commits (once, however many rows it writes)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if not (waiting(connection) and getattr(connection, "record_unstamped", False)):
        transaction.on_commit(committed)
    connection.record_unstamped = connection.in_atomic_block
