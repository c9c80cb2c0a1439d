"""`bench/run`: the scale benchmark (issue 10), everything side by side in one run; results go in docs/benchmarks.md.

    bench/run --quick          # the cited dataset, then 1,000 and 10,000 synthetic figures, both databases: under 5 minutes
    bench/run                  # ... and 100,000 and 1,000,000: under 30 minutes on a quiet 2-core machine
    bench/run --sizes 100000 --databases sqlite

For each database (a temporary SQLite file; a scratch PostgreSQL database `bench_run`, dropped afterwards) the
synthetic dataset of bench/make_dataset.py grows size by size, and at each size:

- pages: server time (p50, p95) and SQL queries of `/`, a real programme page, the page of the synthetic programme
  that holds a tenth of the figures, a figure page and `/sources/`, cold (the cache cleared before each request) and
  warm, through the whole Django stack in this process; a request past --page-limit seconds is stopped there;
- the full `/data/figures.csv` from gunicorn (one worker, as `make run` configures it otherwise): rows/s, time to
  first byte, and the serving process's peak memory, beside Datasette serving the same SQLite file as streamed CSV
  (`?_stream=on`) and the sqlite3 command line (`sqlite3 -csv`, the table; and the export's own SELECT), or on
  PostgreSQL beside `psql \\copy` (the table; and the export's own SELECT);
- requests per second at 64 concurrent connections (ApacheBench) for the warm programme page and for a static file,
  through the same gunicorn and whitenoise as `make run` (2 workers x 4 threads);

and at the largest size: the full export fetched while 64 connections load the programme page (it must finish
whole), and Chromium's bytes on a first and a repeat visit of the programme page, and its time to the first chart.

Pages and downloads are reached by URL only, so the pages may change and the benchmark still measures them.
It prints one table: each figure with what it is compared with, the ratio, and the issue's goal where it has one.
Datasette is installed with pip into a throwaway virtualenv under /tmp (never into requirements); `ab` comes from
Debian's apache2-utils and `sqlite3` from Debian's sqlite3.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/bench_run")
DATASETTE_VENV = Path(tempfile.gettempdir()) / "bench-datasette"
# 0 is the cited dataset alone (221 figures): the baseline every larger size is compared with.
QUICK_SIZES = [0, 1_000, 10_000]
FULL_SIZES = [0, 1_000, 10_000, 100_000, 1_000_000]
# The pages timed at each size (URLs only). synthetic-0000 holds a tenth of the synthetic figures.
PAGES = {
    "overview `/`": "/",
    "programme page, real (`/programmes/ngss-2012/`)": "/programmes/ngss-2012/",
    "programme page, a tenth of all figures (`/programmes/synthetic-0000/`)": "/programmes/synthetic-0000/",
    "figure page (`/figures/F041/`)": "/figures/F041/",
    "`/sources/`": "/sources/",
}
WARM_PAGE = "/programmes/ngss-2012/"
CHART_PAGE = "/programmes/ngss-2012/"


# ---------------------------------------------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


class Server:
    """A server process in its own session, stopped (with its children) when the block ends."""

    def __init__(self, command: list[str], env: dict, port: int, ready_path: str = "/healthz") -> None:
        self.port = port
        # Its log goes to a file: a pipe nobody reads would fill up and stop the server.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise SystemExit(f"{command[0]} stopped: {self.log.read().decode()[-2000:]}")
            with contextlib.suppress(OSError):
                status, _, _ = get(self.url(ready_path), timeout=5)
                if status == 200:
                    return
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"{command} did not answer within 60 s")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def get(url: str, timeout: float = 60) -> tuple[int, dict, bytes]:
    host, _, rest = url.removeprefix("http://").partition("/")
    name, _, port = host.partition(":")
    connection = http.client.HTTPConnection(name, int(port), timeout=timeout)
    try:
        connection.request("GET", "/" + rest)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def stream(url: str, timeout: float = 600) -> dict:
    """Fetch a download as a client would, piece by piece: seconds, time to first byte, bytes, line ends, row count header."""
    host, _, rest = url.removeprefix("http://").partition("/")
    name, _, port = host.partition(":")
    started = time.perf_counter()
    connection = http.client.HTTPConnection(name, int(port), timeout=timeout)
    first = None
    size = lines = 0
    try:
        connection.request("GET", "/" + rest)
        response = connection.getresponse()
        while piece := response.read1(1 << 20):
            if first is None:
                first = time.perf_counter() - started
            size += len(piece)
            lines += piece.count(b"\n")
        complete = True
    except http.client.IncompleteRead:
        complete = False
    finally:
        connection.close()
    return {
        "seconds": time.perf_counter() - started,
        "first_byte": first or 0.0,
        "bytes": size,
        "lines": lines,
        "rows": int(response.headers.get("X-Row-Count", -1)),
        "status": response.status,
        "complete": complete,
    }


def command_rate(command: list[str], env: dict | None = None) -> dict:
    """Run a command with its output thrown away: seconds and its peak memory.

    The peak is read from /proc while it runs (VmHWM): wait4's maxrss would count this big process, which the child
    is forked from, before the child's exec.
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    peak = 0.0
    while process.poll() is None:
        with contextlib.suppress(OSError, ValueError):
            peak = max(peak, peak_rss_mb(process.pid))
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{command[0]} failed with exit {process.returncode}")
    return {"seconds": seconds, "peak_mb": peak}


# ------------------------------------------------------------------------------------------------- in the worker process


class Timeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    def expired(signum, frame):
        raise Timeout

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def time_page(client, url: str, cold: int, warm: int, limit: float, budget: float) -> dict:
    """p50/p95 ms and queries, cold (cache cleared before each request) and warm.

    A request past `limit` seconds is stopped, and with it the series; a series stops taking samples once it has spent
    `budget` seconds (the samples taken so far are kept, and counted in the table).
    """
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result: dict = {"url": url}
    for mode, count in (("cold", cold), ("warm", warm)):
        samples: list[float] = []
        queries = None
        spent = time.perf_counter()
        for number in range(count):
            if samples and time.perf_counter() - spent > budget:
                break
            if mode == "cold":
                cache.clear()
            capture = CaptureQueriesContext(connection) if number == 0 else contextlib.nullcontext()
            started = time.perf_counter()
            try:
                with time_limit(limit), capture:
                    response = client.get(url)
                    size = sum(len(piece) for piece in response.streaming_content) if response.streaming else len(response.content)
            except Timeout:
                samples = []
                connection.close()  # stopped mid-query, perhaps: the next request starts on a fresh connection
                break
            samples.append((time.perf_counter() - started) * 1000)
            if number == 0:
                queries = len(capture.captured_queries)
                result["status"], result["kb"] = response.status_code, size / 1000
        if samples:
            result[mode] = {"p50": statistics.median(samples), "p95": percentile(samples, 0.95), "queries": queries, "n": len(samples)}
        else:
            result[mode] = {"p50": None, "p95": None, "timed_out": limit, "queries": None}
        if mode == "cold" and "timed_out" in result["cold"]:
            result["warm"] = {"p50": None, "p95": None, "skipped": True, "queries": None}
            break
    return result


def gunicorn(database_url: str, workers: int, threads: int, port: int) -> Server:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "WEB_WORKERS": str(workers),
        "WEB_THREADS": str(threads),
        "GUNICORN_CONTROL_SOCKET": str(Path(tempfile.gettempdir()) / f"bench-gunicorn-{port}.ctl"),
        "LOG_LEVEL": "ERROR",
    }
    env.pop("DATABASE_TIMEOUT", None)  # the site's own default, as `make run` has it (bench/make_dataset.py raises it for loading)
    return Server([sys.executable, "-m", "gunicorn", "sharedservices.wsgi", "--bind", f"127.0.0.1:{port}"], env, port)


def ab(url: str, requests: int, concurrency: int = 64, seconds: float | None = None) -> dict:
    """ApacheBench against one URL: requests per second, failures, non-2xx answers."""
    command = ["ab", "-q", "-c", str(concurrency)]
    command += ["-t", str(int(seconds)), "-n", "10000000"] if seconds else ["-n", str(requests)]
    finished = subprocess.run([*command, url], capture_output=True, text=True, check=False)
    text = finished.stdout

    def number(label: str) -> float:
        match = re.search(rf"{label}:\s+([\d.]+)", text)
        return float(match.group(1)) if match else float("nan")

    return {
        "rps": number("Requests per second"),
        "failed": int(number("Failed requests")) if "Failed requests" in text else -1,
        "non_2xx": int(number("Non-2xx responses")) if "Non-2xx responses" in text else 0,
        "complete": int(number("Complete requests")) if "Complete requests" in text else 0,
    }


def export_sql(database: str) -> str:
    """The export's own SELECT, parameters inlined, for the database's command line."""
    from django.db import connection
    from django.http import QueryDict

    from dashboard import exports
    from programmes.database_cells import Formatted

    queryset, _ = exports.FIGURES.select(QueryDict())
    sql, params = exports.FIGURES.values(queryset, None, cell=Formatted).query.get_compiler(connection=connection).as_sql()
    if database == "postgresql":
        return connection.ops.compose_sql(sql, params)
    return sql % tuple("'" + str(p).replace("'", "''") + "'" if isinstance(p, str) else str(int(p)) for p in params)


def measure_exports(database: str, database_url: str, settings_db: dict, figures: int) -> dict:
    """The full CSV from gunicorn, and beside it Datasette and the command line (SQLite) or psql \\copy (PostgreSQL)."""
    from django.db import connection

    found: dict = {}
    with gunicorn(database_url, workers=1, threads=4, port=free_port()) as server:
        worker = children(server.process.pid)[0]
        get(server.url("/data/programmes.csv"))
        before = peak_rss_mb(worker)
        fetched = stream(server.url("/data/figures.csv"))
        fetched["peak_mb"], fetched["before_mb"] = peak_rss_mb(worker), before
        found["ours"] = fetched
        found["ours_json"] = stream(server.url("/data/figures.json"))
    table_query = "SELECT * FROM programmes_figure"
    if database == "sqlite":
        path = settings_db["NAME"]
        found["sqlite3_table"] = command_rate(["sqlite3", "-csv", str(path), table_query])
        found["sqlite3_export"] = command_rate(["sqlite3", "-csv", str(path), export_sql(database)])
        datasette = DATASETTE_VENV / "bin" / "datasette"
        if datasette.exists():
            port = free_port()
            command = [str(datasette), "serve", str(path), "--port", str(port), "--setting", "max_csv_mb", "0"]
            command += ["--setting", "sql_time_limit_ms", "60000"]
            name = Path(path).stem
            with Server(command, dict(os.environ), port, ready_path="/-/versions.json") as server:
                get(server.url(f"/{name}/programmes_programme.csv"))
                before = peak_rss_mb(server.process.pid)
                fetched = stream(server.url(f"/{name}/programmes_figure.csv?_stream=on&_size=max"))
                fetched["peak_mb"], fetched["before_mb"] = peak_rss_mb(server.process.pid), before
                found["datasette"] = fetched
    else:
        settings = connection.settings_dict
        psql = [
            "psql",
            "-h",
            settings["HOST"] or "127.0.0.1",
            "-p",
            str(settings["PORT"] or 5432),
            "-U",
            settings["USER"],
            "-d",
            settings["NAME"],
        ]
        found["psql_table"] = command_rate([*psql, "-c", f"\\copy ({table_query}) TO STDOUT WITH CSV"])
        found["psql_export"] = command_rate([*psql, "-c", f"\\copy ({export_sql(database)}) TO STDOUT WITH CSV"])
    for result in found.values():
        result["rows_per_s"] = figures / result["seconds"]
    return found


def measure_load(database_url: str, largest: bool, quick: bool) -> dict:
    """Requests per second at 64 connections, warm page against a static file; at the largest size, a full export under that load."""
    found: dict = {}
    with gunicorn(database_url, workers=2, threads=4, port=free_port()) as server:
        status, _, page = get(server.url(WARM_PAGE))
        stylesheet = re.search(rb'href="(/static/[^"]+\.css)"', page)
        static = stylesheet.group(1).decode() if stylesheet else "/static/favicon.svg"
        for _ in range(3):
            get(server.url(WARM_PAGE))
        # As many requests as fit in the time: a slow page must not make the run long.
        seconds = 5 if quick else 15
        found["page"] = {"url": WARM_PAGE, "status": status, **ab(server.url(WARM_PAGE), 0, seconds=seconds)}
        found["static"] = {"url": static, **ab(server.url(static), 0, seconds=seconds)}
        if largest:
            # The whole export while 64 connections keep both workers busy with pages: it must arrive complete.
            loader = subprocess.Popen(
                ["ab", "-q", "-c", "64", "-t", "600", "-n", "100000000", server.url(WARM_PAGE)], stdout=subprocess.DEVNULL
            )
            try:
                time.sleep(2)
                found["export_under_load"] = stream(server.url("/data/figures.csv"), timeout=1200)
            finally:
                loader.terminate()
                loader.wait()
    return found


def measure_browser(database_url: str) -> dict:
    """Bytes on a first and a repeat visit of the programme page, and the time to its first chart, in Chromium."""
    import page_weight
    from playwright.sync_api import sync_playwright

    with gunicorn(database_url, workers=2, threads=4, port=free_port()) as server, sync_playwright() as playwright:
        url = server.url(CHART_PAGE)
        get(url)
        with tempfile.TemporaryDirectory() as profile:
            # A first visit (empty cache): milliseconds from the start of navigation until a chart has been drawn.
            context = page_weight.launch(playwright, profile)
            page = context.new_page()
            page.goto(url, wait_until="commit")
            page.wait_for_function("() => document.querySelector('.chart-plot[data-drawn=\"true\"]') !== null", timeout=60_000)
            first_chart = page.evaluate("() => performance.now()")
            context.close()
        with tempfile.TemporaryDirectory() as profile:
            context = page_weight.launch(playwright, profile)
            first = page_weight.navigate(context, url)
            repeat = page_weight.navigate(context, url)
            context.close()
    return {
        "first_kb": sum(t.wire for t in first) / 1000,
        "repeat_kb": sum(t.wire for t in repeat) / 1000,
        "first_chart_ms": first_chart,
    }


def worker(database: str, sizes: list[int], options: argparse.Namespace) -> None:
    """Everything for one database, in a process of its own (Django knows one default database per process)."""
    import make_dataset

    folder = Path(tempfile.mkdtemp(prefix="bench-run-"))
    url = f"sqlite:{folder / 'bench.sqlite3'}" if database == "sqlite" else options.postgres_url
    if database == "postgresql":
        scratch(options.postgres_url, create=True)
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    try:
        make_dataset.setup(url)
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment

        setup_test_environment()
        database_url = make_dataset.database_url(url)
        emit({"database": database, "version": version(connection)})
        for size in sizes:
            started = time.perf_counter()
            timings = make_dataset.main([str(size), "--database", url])
            emit({"database": database, "size": size, "kind": "dataset", **timings, "seconds": time.perf_counter() - started})
            figures = size + 221
            client = Client()
            for name, page_url in PAGES.items():
                timed = time_page(client, page_url, options.cold, options.warm, options.page_limit, options.page_budget)
                emit({"database": database, "size": size, "kind": "page", "name": name, **timed})
            connection.close()
            emit(
                {
                    "database": database,
                    "size": size,
                    "kind": "exports",
                    **measure_exports(database, database_url, settings.DATABASES["default"], figures),
                }
            )
            largest = size == sizes[-1]
            emit(
                {
                    "database": database,
                    "size": size,
                    "kind": "load",
                    **measure_load(database_url, largest and not options.quick, options.quick),
                }
            )
            if (largest or size == sizes[0]) and not options.no_browser:
                emit({"database": database, "size": size, "kind": "browser", **measure_browser(database_url)})
    finally:
        from django.db import connections

        connections.close_all()
        if database == "postgresql" and not options.keep:
            scratch(options.postgres_url, create=False)
        if not options.keep:
            shutil.rmtree(folder, ignore_errors=True)


def version(connection) -> str:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return "SQLite " + ".".join(map(str, connection.Database.sqlite_version_info))
    return f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"


def emit(record: dict) -> None:
    print("RESULT " + json.dumps(record, default=str), flush=True)


def scratch(url: str, create: bool) -> None:
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(url)
    if not config["NAME"].startswith("bench_"):
        raise SystemExit(f"the scratch database's name must start with bench_ (it is dropped): {config['NAME']}")
    admin = psycopg2.connect(dbname="postgres", user=config["USER"], host=config["HOST"], port=config["PORT"], password=config["PASSWORD"])
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        if create:
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    admin.close()


# ------------------------------------------------------------------------------------------------------------- the table


def ms(value: float | None) -> str:
    return "–" if value is None else (f"{value:,.0f}" if value >= 100 else f"{value:.1f}")


def ratio(value: float | None, base: float | None) -> str:
    if not value or not base:
        return "–"
    return f"{value / base:.2f}×"


def table(records: list[dict], loads: list[tuple[float, ...]]) -> str:
    """One table: each measure, what it is compared with, the ratio, and the goal where the issue sets one."""
    rows: list[tuple] = []
    versions = {r["database"]: r["version"] for r in records if "version" in r}
    by_kind: dict = {}
    for record in records:
        if "kind" in record:
            by_kind.setdefault((record["database"], record["kind"]), []).append(record)
    for database, label in versions.items():
        datasets = {r["size"]: r for r in by_kind.get((database, "dataset"), [])}
        sizes = sorted(datasets)
        smallest = sizes[0] if sizes else None
        for size in sizes:
            d = datasets[size]
            rows.append(
                (
                    label,
                    size,
                    "dataset: bulk load / flags (refresh_all) / analyze",
                    f"{d['load']:.1f} s / {d['flags']:.1f} s / {d['analyze']:.1f} s",
                    "",
                    "",
                    "",
                )
            )
        pages = by_kind.get((database, "page"), [])
        base = {(p["name"], mode): p[mode]["p95"] for p in pages if p["size"] == smallest for mode in ("cold", "warm")}
        order = list(PAGES)
        for page in sorted(pages, key=lambda p: (order.index(p["name"]) if p["name"] in order else len(order), p["size"])):
            for mode in ("cold", "warm"):
                m = page[mode]
                if m.get("timed_out"):
                    value = f"over {m['timed_out']:.0f} s (stopped)"
                elif m.get("skipped"):
                    value = "not measured (cold stopped)"
                else:
                    value = (
                        f"p50 {ms(m['p50'])} ms, p95 {ms(m['p95'])} ms (n={m['n']}), {m['queries']} queries, "
                        f"{page.get('kb', 0):,.0f} kB, HTTP {page.get('status')}"
                    )
                goal = ""
                if "real" in page["name"] or page["name"].startswith(("overview", "figure", "`/sources")):
                    goal = "p95 ≤ 1.2× the same page on the cited dataset"
                if "a tenth" in page["name"] and database == "postgresql":
                    goal = "p95 ≤ 200 ms cold, ≤ 50 ms warm (at 100,000 own figures)"
                rows.append(
                    (
                        label,
                        page["size"],
                        f"{page['name']}, {mode}",
                        value,
                        f"p95 at {smallest + 221:,} figures",
                        ratio(m.get("p95"), base.get((page["name"], mode))),
                        goal,
                    )
                )
        exports = sorted(by_kind.get((database, "exports"), []), key=lambda r: r["size"])
        # The goal compares memory from 10,000 to 1,000,000 rows (below that, the process's own size is all there is).
        memory_base = next((r for r in exports if r["size"] >= 10_000), exports[0] if exports else None)
        for record in exports:
            ours = record["ours"]
            complete = "complete" if ours["complete"] and ours["lines"] >= ours["rows"] + 1 else "INCOMPLETE"
            rows.append(
                (
                    label,
                    record["size"],
                    "full `/data/figures.csv` from gunicorn",
                    f"{ours['rows_per_s']:,.0f} rows/s, {ours['seconds']:.1f} s, first byte {ours['first_byte'] * 1000:.0f} ms, "
                    f"{ours['bytes'] / 1e6:.1f} MB, serving process peak {ours['peak_mb']:.0f} MiB (was {ours['before_mb']:.0f}), {complete}",
                    f"peak at {memory_base['size'] + 221:,} figures",
                    ratio(ours["peak_mb"], memory_base["ours"]["peak_mb"]),
                    "memory within 1.2× from 10k to 1M",
                )
            )
            if json_run := record.get("ours_json"):
                rows.append(
                    (
                        label,
                        record["size"],
                        "full `/data/figures.json` from gunicorn",
                        f"{json_run['rows_per_s']:,.0f} rows/s, {json_run['seconds']:.1f} s, {json_run['bytes'] / 1e6:.1f} MB",
                        "CSV rows/s",
                        ratio(json_run["rows_per_s"], ours["rows_per_s"]),
                        "",
                    )
                )
            for key, name, goal in (
                ("datasette", "Datasette, `programmes_figure.csv?_stream=on`", "ours ≥ 1.5×"),
                ("sqlite3_table", "`sqlite3 -csv`, the table", "ours ≥ 0.5×"),
                ("sqlite3_export", "`sqlite3 -csv`, the export's SELECT", ""),
                ("psql_table", "`psql \\copy`, the table", ""),
                ("psql_export", "`psql \\copy`, the export's SELECT", ""),
            ):
                if key in record:
                    other = record[key]
                    rows.append(
                        (
                            label,
                            record["size"],
                            name,
                            f"{other['rows_per_s']:,.0f} rows/s, {other['seconds']:.1f} s, peak {other['peak_mb']:.0f} MiB",
                            "ours / this, rows/s",
                            ratio(ours["rows_per_s"], other["rows_per_s"]),
                            goal,
                        )
                    )
        for record in sorted(by_kind.get((database, "load"), []), key=lambda r: r["size"]):
            page, static = record["page"], record["static"]
            failures = f", {page['failed']} failed, {page['non_2xx']} non-2xx" if page["failed"] or page["non_2xx"] else ""
            rows.append(
                (
                    label,
                    record["size"],
                    f"warm `{page['url']}`, 64 connections",
                    f"{page['rps']:,.0f} requests/s{failures}",
                    f"static `{static['url']}`: {static['rps']:,.0f}/s",
                    ratio(page["rps"], static["rps"]),
                    "≥ 0.5×",
                )
            )
            if "export_under_load" in record:
                under = record["export_under_load"]
                whole = under["complete"] and under["lines"] >= under["rows"] + 1
                rows.append(
                    (
                        label,
                        record["size"],
                        "full export while 64 connections load pages",
                        f"{under['rows_per_s'] if 'rows_per_s' in under else under['rows'] / under['seconds']:,.0f} rows/s, {under['seconds']:.1f} s, {'complete' if whole else 'CUT'} ({under['rows']:,} rows)",
                        "",
                        "",
                        "completes",
                    )
                )
        for record in by_kind.get((database, "browser"), []):
            rows.append(
                (
                    label,
                    record["size"],
                    f"Chromium, `{CHART_PAGE}`",
                    f"first visit {record['first_kb']:.1f} kB, repeat {record['repeat_kb']:.1f} kB, first chart at {record['first_chart_ms']:.0f} ms",
                    "",
                    "",
                    "first ≤ 400 kB, repeat ≤ 20 kB",
                )
            )
    lines = ["| database | figures | measure | result | compared with | ratio | goal |", "|---|---|---|---|---|---|---|"]
    for database, size, measure, value, against, share, goal in rows:
        lines.append(f"| {database} | {size + 221:,} | {measure} | {value} | {against} | {share} | {goal} |")
    lines.append("")
    lines.append(f"Load average (1 min) at start and end of each database's run: {', '.join(f'{a:.1f} → {b:.1f}' for a, b in loads)}.")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------------- main


def ensure_tools(options: argparse.Namespace) -> None:
    missing = [tool for tool in ("ab", "sqlite3", "psql") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"missing: {', '.join(missing)} (as root: apt-get install apache2-utils sqlite3 postgresql-client)")
    if "sqlite" in options.databases and not (DATASETTE_VENV / "bin" / "datasette").exists():
        print(f"installing Datasette into {DATASETTE_VENV} (a throwaway virtualenv, not the project's)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(DATASETTE_VENV)], check=True)
        subprocess.run([str(DATASETTE_VENV / "bin" / "pip"), "install", "--quiet", "datasette"], check=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 figures, fewer samples: under 5 minutes")
    parser.add_argument("--sizes", help="comma-separated synthetic figure counts, e.g. 1000,100000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url", default=POSTGRES_URL, help="a scratch database whose name starts with bench_ (dropped afterwards)"
    )
    parser.add_argument("--cold", type=int, help="cold samples per page (default 3 quick, 5 full)")
    parser.add_argument("--warm", type=int, help="warm samples per page (default 10 quick, 20 full)")
    parser.add_argument("--page-limit", type=float, default=30.0, help="seconds after which a page request is stopped")
    parser.add_argument("--page-budget", type=float, help="seconds a page's cold or warm series may take (default 5 quick, 20 full)")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--json", type=Path, help="also write every raw result to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    options.sizes = [int(s) for s in options.sizes.split(",")] if options.sizes else (QUICK_SIZES if options.quick else FULL_SIZES)
    options.cold = options.cold or (3 if options.quick else 5)
    options.warm = options.warm or (10 if options.quick else 20)
    options.page_budget = options.page_budget or (5.0 if options.quick else 20.0)
    options.databases = options.databases.split(",")
    if options.worker:
        worker(options.worker, options.sizes, options)
        return
    ensure_tools(options)
    started = time.perf_counter()
    records: list[dict] = []
    loads = []
    for database in options.databases:
        before = os.getloadavg()[0]
        command = [sys.executable, __file__, "--worker", database, *(argv if argv is not None else sys.argv[1:])]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for line in process.stdout:
            if line.startswith("RESULT "):
                record = json.loads(line[7:])
                records.append(record)
                print(
                    f"  {database} {record.get('size', '')} {record.get('kind', '')} {record.get('name', '')}".rstrip(),
                    f"({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )
            else:
                print("  " + line.rstrip(), flush=True)
        if process.wait() != 0:
            print(f"the {database} run failed (exit {process.returncode}); the table holds what it measured", flush=True)
        loads.append((before, os.getloadavg()[0]))
    if options.json:
        options.json.write_text(json.dumps(records, indent=1, default=str))
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"\n`bench/run {' '.join(argv if argv is not None else sys.argv[1:])}` took {time.perf_counter() - started:.0f} s "
        f"({usage.ru_utime + usage.ru_stime:.0f} s of CPU in this process's children), Python {sys.version.split()[0]}\n"
    )
    print(table(records, loads))


if __name__ == "__main__":
    main()
