"""A download cut by a database fault, against a real server: every client sees an error, none a short, well-formed file.

The server is gunicorn, as `make run` starts it, streaming /data/figures.csv from PostgreSQL through a TCP relay. The
relay lets the first CHUNK_SIZE rows through and cuts the connection when the server asks for the next ones, so the
database goes away in the middle of the stream, after the status line, the headers and some rows have gone out.
"""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import subprocess
import urllib.request

import dj_database_url
import pandas
import pytest

from dashboard.exports import CHUNK_SIZE
from programmes.models import Figure, Organisation, Programme, Source
from tests.test_outage import USES_POSTGRES, LiveServer, Relay, get

BULK_FIGURES = 10_000  # five chunks of CHUNK_SIZE rows: the cut falls well inside the stream
PATH = "/data/figures.csv"

# What Django sends PostgreSQL to stream a queryset through a server-side cursor (psycopg2, simple query protocol).
DECLARE = re.compile(rb'DECLARE "(\w+)"')
FETCH = re.compile(rb'FETCH FORWARD \d+ FROM "(\w+)"')
# Only the query of the rows themselves reads the description; the disagreement checks before it read a few fields.
ROWS_QUERY = b'."description"'


class CutAfterFirstChunkRelay(Relay):
    """A relay that cuts every connection when the server fetches the second chunk of the exported rows.

    Each message libpq sends is small and sent whole, so it arrives in one recv() and can be matched there.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        super().__init__(target)
        self.armed = True
        self.rows_cursor: bytes | None = None
        self.fetches = 0

    def pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            towards_database = sink.getpeername()[1] == self.target[1]
        except OSError:
            return
        if not towards_database:
            super().pipe(source, sink)
            return
        try:
            while data := source.recv(65536):
                if self.cuts_at(data):
                    self.cut()
                    return
                sink.sendall(data)
        except OSError:
            pass

    def cut(self) -> None:
        # The export cuts the relay itself; a failing test's teardown cuts it again.
        if self.listener is not None and self.listener.fileno() != -1:
            super().cut()

    def cuts_at(self, message: bytes) -> bool:
        if not self.armed:
            return False
        if (declared := DECLARE.search(message)) and ROWS_QUERY in message:
            self.rows_cursor, self.fetches = declared.group(1), 0
        if (fetch := FETCH.search(message)) and fetch.group(1) == self.rows_cursor:
            self.fetches += 1
            return self.fetches == 2
        return False


def data_lines(body: bytes) -> int:
    """CSV rows in a body (the cells here hold no line breaks), not counting the header."""
    return body.count(b"\r\n") - 1


@pytest.mark.skipif(
    not USES_POSTGRES,
    reason="a database that goes away mid-export is a network fault between the server and PostgreSQL; SQLite is a file inside the server process",
)
class CutExportTests(LiveServer):
    relay_class = CutAfterFirstChunkRelay

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
                    as_published, version)
                SELECT '', (SELECT min(id) FROM {programme}), 'bulk', 'savings', 'claimed', 'annual', 'exact', i / 4.0,
                    'gbp_m', 2015, 2016, (SELECT min(id) FROM {source}), '', 'A note of ordinary length.',
                    (SELECT min(id) FROM {organisation}), 'outturn', '', '', '', 1
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
            urllib.request.urlopen(self.url(PATH), timeout=15).read()
        self.relay.armed = False
        self.relay.start()
        self.wait_until(lambda: get(self.url("/readyz"))[0] == 200)
        with urllib.request.urlopen(self.url(PATH), timeout=15) as response:
            promised = int(response.headers["X-Row-Count"])
            body = response.read()
        assert data_lines(body) == promised >= BULK_FIGURES

    def by_raw_socket(self) -> str:
        """The bytes on the wire: complete chunks, then the connection closes where the zero-length chunk should be."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=15) as client:
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
        with urllib.request.urlopen(self.url(PATH), timeout=15) as response:
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
            ["curl", "--silent", "--show-error", "--max-time", "15", "--output", "/dev/null", self.url(PATH)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        # 18: "transfer closed with outstanding read data remaining"; 56: "failure when receiving data from the peer".
        assert result.returncode in (18, 56), (result.returncode, result.stderr)
        return f"exit {result.returncode}: {result.stderr.strip()}"

    def by_pandas(self) -> str:
        with pytest.raises(http.client.IncompleteRead) as cut:
            pandas.read_csv(self.url(PATH))
        return f"read_csv raised {type(cut.value).__name__}, no DataFrame"
