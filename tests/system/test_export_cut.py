"""A download cut by a database fault, against a real server: every client sees an error, none a short, well-formed file.

The server is gunicorn, as `make run` starts it, streaming /data/figures.csv from PostgreSQL (COPY ... TO STDOUT,
sharedservices/pgcopy.py) through a TCP relay. The relay lets the first CHUNK_SIZE and a half rows through and then cuts
the connection, so the database goes away in the middle of the stream, after the status line, the headers and the first
piece of rows have gone out.
"""

from __future__ import annotations

import contextlib
import http.client
import shutil
import socket
import struct
import subprocess
import urllib.request

import dj_database_url
import pandas
import pytest

from dashboard.exports import CHUNK_SIZE
from programmes.models import Figure, Organisation, Programme, Source
from tests.helpers import PATIENCE, USES_POSTGRES, LiveServer, Relay, get

BULK_FIGURES = 10_000  # five chunks of CHUNK_SIZE rows: the cut falls well inside the stream
PATH = "/data/figures.csv"
# The export's COPY, as the server sends it to PostgreSQL; only the export of the rows reads the description.
COPY = b"COPY ("
ROWS_QUERY = b'."description"'
# PostgreSQL sends each row of a COPY as one CopyData message ('d'); the cut falls after this many of them.
CUT_AFTER_ROWS = CHUNK_SIZE + CHUNK_SIZE // 2


class CutMidCopyRelay(Relay):
    """A relay that cuts every connection once PostgreSQL has sent CUT_AFTER_ROWS rows of the export's COPY.

    Towards the database, each message libpq sends is small and sent whole, so the COPY arrives in one recv(). From the
    database, messages (a type byte and a length) are counted across recv() boundaries, and the bytes up to the cut sent on.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        super().__init__(target)
        self.armed = True
        self.copying: set[socket.socket] = set()  # database-side sockets answering the export's COPY

    def pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            towards_database = sink.getpeername()[1] == self.target[1]
        except OSError:
            return
        try:
            if towards_database:
                while data := source.recv(65536):
                    if self.armed and COPY in data and ROWS_QUERY in data:
                        self.copying.add(sink)
                    sink.sendall(data)
            else:
                self.relay_rows(source, sink)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def relay_rows(self, database: socket.socket, server: socket.socket) -> None:
        pending, rows = b"", 0
        while data := database.recv(65536):
            if database not in self.copying:
                server.sendall(data)
                continue
            pending += data
            sent = 0
            # Whole messages only: each is a type byte, then its length (which counts itself), then its body.
            while len(pending) - sent >= 5:
                kind, length = pending[sent : sent + 1], struct.unpack("!i", pending[sent + 1 : sent + 5])[0]
                if len(pending) - sent < 1 + length:
                    break
                if kind == b"d":
                    rows += 1
                    if rows > CUT_AFTER_ROWS:
                        server.sendall(pending[:sent])
                        self.cut()
                        return
                sent += 1 + length
            server.sendall(pending[:sent])
            pending = pending[sent:]

    def cut(self) -> None:
        # The export cuts the relay itself; a failing test's teardown cuts it again.
        if self.listener is not None and self.listener.fileno() != -1:
            super().cut()


def data_lines(body: bytes) -> int:
    """CSV rows in a body (the cells here hold no line breaks), not counting the header."""
    return body.count(b"\r\n") - 1


@pytest.mark.skipif(
    not USES_POSTGRES,
    reason="a database that goes away mid-export is a network fault between the server and PostgreSQL; SQLite is a file inside the server process",
)
class CutExportTests(LiveServer):
    relay_class = CutMidCopyRelay

    def setup_method(self) -> None:
        super().setup_method()
        self.add_bulk_figures()

    def add_bulk_figures(self) -> None:
        """Enough figures for several chunks, in one INSERT ... SELECT: building them one by one would take longer than the test."""
        import psycopg2

        config = dj_database_url.parse(self.admin_url)
        connection = psycopg2.connect(host=config["HOST"], port=config["PORT"], user=config["USER"], dbname=self.database)
        programme, source, organisation = (model._meta.db_table for model in (Programme, Source, Organisation))
        with connection, connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {Figure._meta.db_table} (key, programme_id, description, measure, status, basis, qualifier, value,
                    unit, period_start, period_end, source_id, locator, note, claimant_id, horizon, scope, scenario,
                    as_published, version, quantity)
                SELECT '', (SELECT min(id) FROM {programme}), 'bulk', 'savings', 'claimed', 'annual', 'exact', i / 4.0,
                    'gbp_m', 2015, 2016, (SELECT min(id) FROM {source}), '', 'A note of ordinary length.',
                    (SELECT min(id) FROM {organisation}), 'outturn', '', '', '', 1,
                    (SELECT slug FROM {programme} ORDER BY id LIMIT 1) || '/whole/savings/claimed/annual/gbp_m/2015-16..2016-17'
                FROM generate_series(1, %s) AS i
                """,
                [BULK_FIGURES],
            )
        connection.close()

    def test_it_ends_a_cut_stream_so_that_every_client_sees_an_error(self):
        seen = {}
        for client in (self.by_raw_socket, self.by_http_client, self.by_curl, self.by_pandas):
            seen[client.__name__.removeprefix("by_")] = client()
            self.relay.start()  # the database is back for the next client
        print("\n".join(f"cut export, {name}: {what}" for name, what in seen.items()))

    def test_it_serves_the_whole_file_once_the_database_is_back(self):
        with pytest.raises(http.client.IncompleteRead):
            urllib.request.urlopen(self.url(PATH), timeout=PATIENCE).read()
        self.relay.armed = False
        self.relay.start()
        self.wait_until(lambda: get(self.url("/readyz"))[0] == 200)
        with urllib.request.urlopen(self.url(PATH), timeout=PATIENCE) as response:
            promised = int(response.headers["X-Row-Count"])
            body = response.read()
        assert data_lines(body) == promised >= BULK_FIGURES

    def by_raw_socket(self) -> str:
        """The bytes on the wire: complete chunks, then the connection closes where the zero-length chunk should be."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=PATIENCE) as client:
            client.sendall(f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            received = b""
            while data := client.recv(65536):
                received += data
        head, _, body = received.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        assert b"\r\ntransfer-encoding: chunked" in head.lower()
        assert body.endswith(b"\r\n") and not body.endswith(b"\r\n0\r\n\r\n")
        return f"{len(body):,} bytes of chunks, then the connection closed without the terminating 0-length chunk"

    def by_http_client(self) -> str:
        """http.client (under urllib and most Python libraries) raises IncompleteRead, holding what did arrive."""
        with urllib.request.urlopen(self.url(PATH), timeout=PATIENCE) as response:
            promised = int(response.headers["X-Row-Count"])
            with pytest.raises(http.client.IncompleteRead) as cut:
                response.read()
        received = data_lines(cut.value.partial)
        assert received == CHUNK_SIZE  # the rows sent before the database went away
        assert promised >= BULK_FIGURES > received
        return f"{type(cut.value).__name__} after {received:,} rows; X-Row-Count said {promised:,}"

    def by_curl(self) -> str:
        if shutil.which("curl") is None:
            return "not installed, not tried"
        result = subprocess.run(
            ["curl", "--silent", "--show-error", "--max-time", str(PATIENCE), "--output", "/dev/null", self.url(PATH)],
            capture_output=True,
            text=True,
            timeout=2 * PATIENCE,
        )
        # 18: "transfer closed with outstanding read data remaining"; 56: "failure when receiving data from the peer".
        assert result.returncode in (18, 56), (result.returncode, result.stderr)
        return f"exit {result.returncode}: {result.stderr.strip()}"

    def by_pandas(self) -> str:
        with pytest.raises(http.client.IncompleteRead) as cut:
            pandas.read_csv(self.url(PATH))
        return f"read_csv raised {type(cut.value).__name__}, no DataFrame"
