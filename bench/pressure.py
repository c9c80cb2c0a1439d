"""Does any reader, slow client or stalled database starve the site? `python bench/pressure.py --database sqlite|postgres`.

Starts gunicorn as `make run` does (gunicorn.conf.py, 2 workers × 4 threads, DATABASE_TIMEOUT 5 s) on a scratch copy
of the dataset grown by 100,000 figures, side by side with the previous configuration (bench/previous_gunicorn.conf.py,
with the application's own admission control turned off as it was then: DATABASE_WAITERS and DOWNLOADS_AT_ONCE
unlimited). On PostgreSQL the server reaches the database through a TCP relay that the bench can freeze. Against each:

- stalled readers: 64 clients ask for /data/figures.csv and never read; meanwhile /healthz, a static file and a cached
  page are timed; then how long until the server has let go of them (its connections, and on PostgreSQL the COPYs);
- slowloris: 8 sockets send a request's headers a byte every half second; /healthz and /about/ are timed 3 times each;
- frozen database (PostgreSQL): the relay forwards nothing; 24 page requests at once, timed to their 503, while
  /healthz and a static file are timed;
- headers: the Server header, and whether `X-Forwarded-Proto: https` from 127.0.0.1 turns the feed's links to https.

A request that has no answer within PROBE_TIMEOUT counts as "no answer". The run takes under five minutes per database
and writes its table into docs/benchmarks.md ("Under pressure"), with the command and the machine's load.

    python bench/pressure.py --database sqlite      # BENCH_DATABASE_URL=postgres://… for the PostgreSQL server to use
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE_TIMEOUT = 5.0
READERS, SLOW_SENDERS, FROZEN_REQUESTS = 64, 8, 24
GROWN_BY = 100_000
STATIC_FILE, CACHED_PAGE, DOWNLOAD = "/static/css/site.css", "/programmes/ngss-2012/", "/data/figures.csv"
DROP_PATIENCE = 40  # the current design drops a stalled reader after 30 s (WEB_CLIENT_TIMEOUT)
CONFIGURATIONS = {
    "previous": (["-c", "bench/previous_gunicorn.conf.py"], {"DATABASE_WAITERS": "1000", "DOWNLOADS_AT_ONCE": "1000"}),
    "current": ([], {}),
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed(port: int, path: str, headers: dict | None = None) -> tuple[int | None, float, http.client.HTTPResponse | None, bytes]:
    """(status or None for no answer within PROBE_TIMEOUT, seconds, response, body)."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PROBE_TIMEOUT)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, time.monotonic() - started, response, body
    except OSError:
        return None, time.monotonic() - started, None, b""
    finally:
        connection.close()


def worst(port: int, path: str, times: int, pause: float = 0.0) -> str:
    """The slowest of `times` requests, or how many had no answer."""
    results = []
    for _ in range(times):
        status, seconds, _, _ = timed(port, path)
        results.append(seconds if status == 200 else None)
        time.sleep(pause)
    missed = results.count(None)
    if missed:
        return f"no answer in {PROBE_TIMEOUT:.0f} s, {missed} of {times}"
    return f"{max(results) * 1000:.0f} ms"


class Relay:
    """A TCP relay to PostgreSQL that can be frozen (it accepts and forwards nothing), as a stalled network path would."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port, self.flowing = target, free_port(), threading.Event()
        self.flowing.set()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.flowing.is_set():
                continue
            upstream = socket.create_connection(self.target)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pipe, args=(source, sink), daemon=True).start()

    def pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self.flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()


class Site:
    """A scratch copy of the dataset grown by GROWN_BY figures, and gunicorn on it."""

    def __init__(self, database: str) -> None:
        self.database, self.tmp = database, Path(tempfile.mkdtemp())
        self.env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "0"}
        self.env.pop("DATABASE_TIMEOUT", None)  # make run's budget, 5 s
        if database == "postgres":
            import dj_database_url

            config = dj_database_url.parse(os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
            self.admin = {"host": config["HOST"], "port": int(config["PORT"] or 5432), "user": config["USER"], "dbname": config["NAME"]}
            self.name = f"sst_pressure_{os.getpid()}"
            self.psql(f"CREATE DATABASE {self.name}")
            self.relay = Relay((self.admin["host"], self.admin["port"]))
            direct = f"postgres://{self.admin['user']}@{self.admin['host']}:{self.admin['port']}/{self.name}"
            self.env["DATABASE_URL"] = f"postgres://{self.admin['user']}@127.0.0.1:{self.relay.port}/{self.name}"
        else:
            direct = self.env["DATABASE_URL"] = f"sqlite:///{self.tmp / 'site.sqlite3'}"
        for command in (["migrate", "--no-input", "-v0"], ["load_dataset", "-v0"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env={**self.env, "DATABASE_URL": direct}, check=True)
        self.grow()

    def psql(self, statement: str, params: list | None = None, database: str | None = None) -> list:
        import psycopg2

        connection = psycopg2.connect(**{**self.admin, "dbname": database or self.admin["dbname"]})
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            rows = cursor.fetchall() if cursor.description else []
        connection.close()
        return rows

    def grow(self) -> None:
        numbers = "generate_series(1, %s) AS n(i)" if self.database == "postgres" else "n"
        statement = f"""
            INSERT INTO programmes_figure (key, programme_id, description, measure, status, basis, qualifier, value, unit,
                period_start, period_end, source_id, locator, note, claimant_id, horizon, scope, scenario, as_published,
                version, quantity)
            SELECT '', (SELECT min(id) FROM programmes_programme), 'grown', 'savings', 'claimed', 'annual', 'exact', i / 4.0,
                'gbp_m', 2015, 2016, (SELECT min(id) FROM programmes_source), '', 'A note of ordinary length.',
                (SELECT min(id) FROM programmes_organisation), 'outturn', '', '', '', 1,
                (SELECT slug FROM programmes_programme ORDER BY id LIMIT 1) || '/whole/savings/claimed/annual/gbp_m/2015-16..2016-17'
            FROM {numbers}
        """
        if self.database == "postgres":
            self.psql(statement, [GROWN_BY], database=self.name)
        else:
            with contextlib.closing(sqlite3.connect(self.tmp / "site.sqlite3")) as connection, connection:
                connection.execute(f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) {statement}", [GROWN_BY])

    def start(self, options: list[str], env: dict) -> subprocess.Popen:
        self.port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "sharedservices.wsgi", "--bind", f"127.0.0.1:{self.port}", *options],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while timed(self.port, "/about/")[0] != 200:
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
        for path in (CACHED_PAGE, "/about/", STATIC_FILE, "/healthz"):
            for _ in range(6):  # each worker builds its own cache
                timed(self.port, path)
        return server

    def held(self) -> str:
        """What the server still holds for clients: its open connections, and on PostgreSQL the COPYs running."""
        listing = subprocess.run(
            ["ss", "-Htn", "state", "established", f"( sport = :{self.port} )"], capture_output=True, text=True, check=False
        ).stdout
        held = f"{len(listing.splitlines())} connections"
        if self.database == "postgres":
            copies = self.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend' AND state = 'active' AND query LIKE %s",
                [self.name, "%COPY (%"],
            )[0][0]
            held += f", {copies} COPYs"
        return held

    def close(self) -> None:
        if self.database == "postgres":
            self.relay.listener.close()
            self.psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def stalled_readers(site: Site) -> dict:
    readers = []
    for _ in range(READERS):
        reader = socket.socket()
        reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        reader.connect(("127.0.0.1", site.port))
        reader.sendall(f"GET {DOWNLOAD} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        readers.append(reader)
    stalled = time.monotonic()
    time.sleep(3)  # the streams fill the buffers between them and their readers
    row = {
        "/healthz": worst(site.port, "/healthz", 2),
        "static file": worst(site.port, STATIC_FILE, 2),
        "cached page": worst(site.port, CACHED_PAGE, 2),
    }
    answered = []
    for reader in readers:
        with contextlib.suppress(OSError):
            answered.append(reader.recv(12, socket.MSG_PEEK | socket.MSG_DONTWAIT)[9:12].decode())
    row["downloads started"] = f"{answered.count('200')} (503 at once: {answered.count('503')}, no answer yet: {READERS - len(answered)})"
    while (held := site.held()) != "0 connections" and held != "0 connections, 0 COPYs":
        if time.monotonic() - stalled > DROP_PATIENCE:
            row["readers let go"] = f"no: after {DROP_PATIENCE} s the server still holds {held}"
            break
        time.sleep(1)
    else:
        row["readers let go"] = f"after {time.monotonic() - stalled:.0f} s"
    for reader in readers:
        reader.close()
    return row


def slowloris(site: Site) -> dict:
    senders = [socket.create_connection(("127.0.0.1", site.port)) for _ in range(SLOW_SENDERS)]
    request = b"GET /about/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: " + b"s" * 100 + b"\r\n\r\n"
    stop = threading.Event()

    def dribble() -> None:
        for byte in range(len(request)):
            for sender in senders:
                with contextlib.suppress(OSError):
                    sender.send(request[byte : byte + 1])
            if stop.wait(0.5):
                return

    threading.Thread(target=dribble, daemon=True).start()
    time.sleep(1)
    row = {"/healthz": worst(site.port, "/healthz", 3, pause=0.5), "/about/": worst(site.port, "/about/", 3, pause=0.5)}
    stop.set()
    for sender in senders:
        sender.close()
    return row


def frozen_database(site: Site) -> dict:
    site.relay.flowing.clear()
    answers: list[tuple[int | None, float]] = []

    def ask(path: str) -> None:
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=120)
        try:
            connection.request("GET", path)
            answers.append((connection.getresponse().status, time.monotonic() - started))
        except OSError:
            answers.append((None, time.monotonic() - started))
        finally:
            connection.close()

    askers = [threading.Thread(target=ask, args=(path,)) for path in [CACHED_PAGE, "/sources/", "/readyz", "/"] * (FROZEN_REQUESTS // 4)]
    for asker in askers:
        asker.start()
    healthz, static = [], []
    while any(asker.is_alive() for asker in askers):
        for path, times in (("/healthz", healthz), (STATIC_FILE, static)):
            status, seconds, _, _ = timed(site.port, path)
            times.append(seconds if status == 200 else None)
    for asker in askers:
        asker.join()
    site.relay.flowing.set()
    refused = sum(status == 503 for status, _ in answers)

    def slowest(times: list) -> str:
        return (
            f"no answer in {PROBE_TIMEOUT:.0f} s, {times.count(None)} of {len(times)}" if None in times else f"{max(times) * 1000:.0f} ms"
        )

    return {
        "503s": f"{refused} of {len(answers)}, the last after {max(seconds for _, seconds in answers):.1f} s",
        "/healthz": slowest(healthz),
        "static file": slowest(static),
    }


def headers(site: Site) -> dict:
    _, _, response, _ = timed(site.port, "/healthz")
    _, _, _, feed = timed(site.port, "/changes/feed/", {"X-Forwarded-Proto": "https"})
    return {
        "Server header": response.headers.get("Server") or "none",
        "feed links with X-Forwarded-Proto: https": "https" if b"https://127.0.0.1" in feed else "http",
    }


def measure(database: str) -> dict[str, dict[str, dict]]:
    site = Site(database)
    results: dict[str, dict[str, dict]] = {}
    try:
        for name, (options, env) in CONFIGURATIONS.items():
            server = site.start(options, env)
            try:
                results[name] = {"64 stalled readers": stalled_readers(site)}
                results[name]["8 slowloris sockets"] = slowloris(site)
                if database == "postgres":
                    results[name]["24 requests, frozen database"] = frozen_database(site)
                results[name]["headers"] = headers(site)
            finally:
                server.terminate()
                server.wait(timeout=60)
            print(name, results[name], flush=True)
    finally:
        site.close()
    return results


def table(database: str, results: dict[str, dict[str, dict]], command: str, load: str, seconds: float) -> str:
    lines = [
        f"<!-- pressure:{database} -->",
        f"{datetime.date.today():%-d %B %Y}, `{command}` ({seconds:.0f} s), load before the run: `{load}`",
        "",
        "| what | measured | previous configuration | current |",
        "|---|---|---|---|",
    ]
    for scenario, row in results["current"].items():
        for measured in row:
            lines.append(f"| {scenario} | {measured} | {results['previous'][scenario][measured]} | {row[measured]} |")
    lines.append(f"<!-- /pressure:{database} -->")
    return "\n".join(lines)


def write(section: str, database: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text()
    pattern = re.compile(rf"<!-- pressure:{database} -->.*?<!-- /pressure:{database} -->", re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"docs/benchmarks.md has no <!-- pressure:{database} --> block to fill in")
    path.write_text(pattern.sub(lambda _: section, text))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--no-write", action="store_true", help="print the table without writing docs/benchmarks.md")
    args = parser.parse_args(argv)
    load = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    started = time.monotonic()
    results = measure(args.database)
    section = table(args.database, results, f"python bench/pressure.py --database {args.database}", load, time.monotonic() - started)
    print(section)
    if not args.no_write:
        write(section, args.database)


if __name__ == "__main__":
    main(sys.argv[1:])
