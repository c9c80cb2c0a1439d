"""`COPY (SELECT ...) TO STDOUT` on a Django PostgreSQL connection, with every wait inside the request's budget.

psycopg2's copy_expert refuses to run while a wait callback is installed ("copy_expert cannot be used with an
asynchronous callback"), and this site installs one for every connection (sharedservices/database.py), so that no
request waits on the database beyond its budget. A second connection could run COPY, but it would not see the
request's own transaction (the test suite's, for one). So the COPY runs on the request's connection through libpq's
asynchronous COPY functions, the ones psycopg2 itself is built on (found through psycopg2's own module, so it is the
very libpq psycopg2 loaded): PQsendQuery, then PQgetCopyData row by row, waiting on the socket with
database.wait_for_socket between them, exactly as the wait callback does for every other query.

libpq hands over one row per call, whole. A COPY that fails half way (the database gone) raises OperationalError
after the rows received so far; one abandoned by its reader (a client that went away) closes the connection, which
ends the COPY on the server, and Django opens a new connection for the next request.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Iterator

from sharedservices.database import wait_for_socket

# PQresultStatus values (libpq-fe.h).
PGRES_COMMAND_OK, PGRES_COPY_OUT = 1, 3


@functools.cache
def libpq() -> ctypes.CDLL:
    """The libpq psycopg2 is linked with: looked up through psycopg2's extension module, so never a second copy."""
    import psycopg2._psycopg

    lib = ctypes.CDLL(psycopg2._psycopg.__file__)
    pointer, integer, text = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
    for name, arguments, result in (
        ("PQsendQuery", [pointer, text], integer),
        ("PQflush", [pointer], integer),
        ("PQconsumeInput", [pointer], integer),
        ("PQisBusy", [pointer], integer),
        ("PQgetResult", [pointer], pointer),
        ("PQresultStatus", [pointer], integer),
        ("PQresultErrorMessage", [pointer], text),
        ("PQclear", [pointer], None),
        ("PQgetCopyData", [pointer, ctypes.POINTER(pointer), integer], integer),
        ("PQfreemem", [pointer], None),
        ("PQerrorMessage", [pointer], text),
    ):
        function = getattr(lib, name)
        function.argtypes, function.restype = arguments, result
    return lib


def available() -> bool:
    """Whether this psycopg2 lets us reach its libpq (psycopg2 2.8+ on a platform where ctypes can load it)."""
    try:
        libpq()
    except (ImportError, OSError, AttributeError):
        return False
    return True


def copy_rows(connection, statement: str, batch: int) -> Iterator[list[bytes]]:
    """Run `statement` (a COPY ... TO STDOUT, with no parameters left) on a Django connection; yield its rows in lists of `batch`.

    Each row is as the server sent it, ending with its newline.
    """
    from psycopg2.extensions import TRANSACTION_STATUS_IDLE

    connection.ensure_connection()
    raw = connection.connection
    protocol = {"idle": False}  # whether libpq has read the COPY's last result (it takes no other query before)
    try:
        with connection.wrap_database_errors:
            if not raw.autocommit and raw.get_transaction_status() == TRANSACTION_STATUS_IDLE:
                # psycopg2 begins a transaction lazily, at its next query: begin it now, or the COPY would run outside it.
                with raw.cursor() as cursor:
                    cursor.execute("SELECT 1")
            # One statement however many rows: the server's statement_timeout (DATABASE_TIMEOUT) would cut a long one, so
            # it is lifted for this transaction alone (sent with the COPY, so a pooler in transaction mode keeps them
            # together). The COPY's waits are bounded by the request's budget instead, as every wait is.
            yield from copying(raw, f"SET LOCAL statement_timeout = 0; {statement}".encode(), batch, protocol)
    finally:
        if not protocol["idle"]:
            # A COPY cut short (the connection failed, or the reader went away) leaves libpq mid-protocol: Django opens
            # a new connection for the next query.
            connection.close()


def copying(raw, statement: bytes, batch: int, protocol: dict) -> Iterator[list[bytes]]:
    import psycopg2

    lib, pgconn, fileno = libpq(), ctypes.c_void_p(raw.pgconn_ptr), raw.fileno()

    def failed(message: bytes | None = None) -> psycopg2.OperationalError:
        text = (message or lib.PQerrorMessage(pgconn) or b"the COPY failed").decode(errors="replace").strip()
        return psycopg2.OperationalError(text)

    def result() -> ctypes.c_void_p | None:
        """The next result of the statement, read without blocking past the budget."""
        while True:
            if not lib.PQconsumeInput(pgconn):
                raise failed()
            if not lib.PQisBusy(pgconn):
                return lib.PQgetResult(pgconn)
            wait_for_socket(fileno, reading=True)

    if not send(lib, pgconn, fileno, statement):
        raise failed()
    status, message = PGRES_COMMAND_OK, None
    while status == PGRES_COMMAND_OK:  # the SET's result, then the COPY's
        started = result()
        status, message = lib.PQresultStatus(started), lib.PQresultErrorMessage(started)
        lib.PQclear(started)
    if status != PGRES_COPY_OUT:
        drain(lib, pgconn, result)
        protocol["idle"] = True
        raise failed(message)
    buffer = ctypes.c_void_p()
    reference, get, free, string_at = ctypes.byref(buffer), lib.PQgetCopyData, lib.PQfreemem, ctypes.string_at
    rows: list[bytes] = []
    while True:
        length = get(pgconn, reference, 1)
        if length > 0:
            rows.append(string_at(buffer, length))
            free(buffer)
            if len(rows) == batch:
                yield rows
                rows = []
        elif length == 0:  # nothing buffered yet: wait for the socket, within the budget
            wait_for_socket(fileno, reading=True)
            if not lib.PQconsumeInput(pgconn):
                raise failed()
        elif length == -1:  # the COPY is done; its final result says whether it succeeded
            break
        else:
            raise failed()
    ended = result()
    status, message = lib.PQresultStatus(ended), lib.PQresultErrorMessage(ended)
    lib.PQclear(ended)
    drain(lib, pgconn, result)
    protocol["idle"] = True
    if status != PGRES_COMMAND_OK:
        raise failed(message)
    if rows:
        yield rows


def send(lib: ctypes.CDLL, pgconn: ctypes.c_void_p, fileno: int, statement: bytes) -> bool:
    """Send the statement whole, waiting for the socket within the budget; False if libpq could not."""
    if not lib.PQsendQuery(pgconn, statement):
        return False
    while (flushed := lib.PQflush(pgconn)) == 1:
        wait_for_socket(fileno, reading=False)
    return flushed != -1


def drain(lib: ctypes.CDLL, pgconn: ctypes.c_void_p, result) -> None:
    """Read the statement's remaining results (libpq takes no new query before the last one, a null, is read)."""
    while (remaining := result()) is not None:
        lib.PQclear(remaining)
