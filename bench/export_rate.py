"""How fast the full figures export streams, on SQLite and PostgreSQL side by side.

Each database runs in its own process (Django configures one default database per process) against a scratch
database that is created, filled with synthetic figures and removed again:

    .venv/bin/python bench/export_rate.py --rows 100000 --repeat 3

The export goes through the whole stack (URL, middleware, view, streaming) with Django's test client, and the
body is consumed piece by piece as a client would. Peak memory is the growth of the process's peak RSS during the
exports: flat streaming keeps it near the size of one chunk whatever the row count.

Or, on a database already filled by bench/make_dataset.py (and migrated), the full CSV served by gunicorn beside, on
SQLite, Datasette and `sqlite3 -csv` and, on PostgreSQL, `psql \\copy`, each of the bare table and of the export's own
SELECT, with bench/run.py's measurements (Datasette from the throwaway virtualenv bench/run installs):

    .venv/bin/python bench/export_rate.py --existing sqlite:////tmp/bench1m.sqlite3 --repeat 2
    .venv/bin/python bench/export_rate.py --existing postgres://postgres@127.0.0.1:5432/bench_scale
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_exports"


def fill(rows: int) -> None:
    """Migrate the scratch database and add `rows` synthetic figures with the variety of the real ones."""
    from django.core.management import call_command
    from django.db import connection

    from programmes.models import Figure
    from tests.helpers import make_programme, make_source

    call_command("migrate", verbosity=0)
    programme, source = make_programme("bench"), make_source("bench")
    quote = connection.ops.quote_name
    names = ["key", "programme_id", "description", "measure", "status", "basis", "qualifier", "value", "value_low", "value_high"]
    names += [
        "unit",
        "period_start",
        "period_end",
        "source_id",
        "locator",
        "note",
        "claimant_id",
        "horizon",
        "scope",
        "scenario",
        "as_published",
        "version",
        "quantity",
    ]
    # One INSERT ... SELECT: every third figure is a range, every fifth has an open period, notes carry £ and commas.
    sql = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "
        f"INSERT INTO {quote(Figure._meta.db_table)} ({', '.join(quote(name) for name in names)}) "
        "SELECT '', %s, 'Synthetic figure', 'savings', 'audited', 'cumulative', 'exact', "
        "CASE WHEN i %% 3 = 0 THEN NULL ELSE i / 4.0 END, CASE WHEN i %% 3 = 0 THEN i ELSE NULL END, "
        "CASE WHEN i %% 3 = 0 THEN i + 100 ELSE NULL END, 'gbp_m', 2000 + i %% 20, CASE WHEN i %% 5 = 0 THEN NULL ELSE 2021 + i %% 20 END, "
        "%s, 'para ' || i, %s, %s, 'outturn', '', '', '', 1, 'bench/whole/savings/audited/cumulative/gbp_m/' || (i %% 20) FROM n"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [rows, programme.pk, source.pk, "Paraphrased caveat, with a comma and £90m, as real notes have.", source.publisher_id]
        )


def measure(rows: int, repeat: int) -> dict:
    """Time full exports of the scratch database; returns the best and median run."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    results = {}
    for name in ("csv", "json"):
        seconds, size = [], 0
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(f"/data/figures.{name}")
            size = sum(len(piece) for piece in response.streaming_content)
            seconds.append(time.perf_counter() - start)
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
        results[name] = {"best": min(seconds), "median": statistics.median(seconds), "bytes": size, "rss_growth_kb": rss_growth}
    return results


def worker(database_url: str, rows: int, repeat: int, fill_only: bool) -> None:
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharedservices.settings")
    import django

    django.setup()
    from django.db import connection
    from django.urls import resolve

    # Load the URL configuration (and with it the chart libraries the pages use) before memory is measured,
    # so that peak-RSS growth counts the export alone.
    resolve("/data/figures.csv")
    if fill_only:
        fill(rows)
        return
    if connection.vendor == "sqlite":
        version = ".".join(map(str, connection.Database.sqlite_version_info))
    else:
        version = f"{connection.pg_version // 10000}.{connection.pg_version % 10000}"
    print(json.dumps({"vendor": connection.vendor, "version": version, **measure(rows, repeat)}))


def run(database_url: str, rows: int, repeat: int) -> dict:
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key"), "ALLOWED_HOSTS": "localhost"}
    env.pop("DATABASE_TIMEOUT", None)  # the downloads are timed under the site's own budget, as `make run` serves them
    command = [sys.executable, __file__, "--worker", database_url, "--rows", str(rows), "--repeat", str(repeat)]
    # Filling 100,000 rows in one statement takes longer than a page may wait: the fill runs first, in a process of its own.
    steps = [(command + ["--fill-only"], {**env, "DATABASE_TIMEOUT": "600"}), (command, env)]
    for step, step_env in steps:
        finished = subprocess.run(step, env=step_env, cwd=ROOT, capture_output=True, text=True, check=False)
        if finished.returncode != 0:
            raise SystemExit(f"benchmark on {database_url} failed:\n{finished.stderr}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def postgres_scratch(url: str, create: bool) -> None:
    """Create (or drop) the scratch PostgreSQL database named in url."""
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(url)
    admin = psycopg2.connect(dbname="postgres", user=config["USER"], host=config["HOST"], port=config["PORT"], password=config["PASSWORD"])
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}"')
        if create:
            cursor.execute(f'CREATE DATABASE "{config["NAME"]}"')
    admin.close()


def existing(url: str, repeat: int) -> None:
    """The full CSV of an existing database through gunicorn, beside the command lines and Datasette (run.measure_exports), best of `repeat`."""
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="sharedservices.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    import run
    from django.db import connection

    from programmes.models import Figure

    if connection.vendor == "sqlite" and not (run.DATASETTE_VENV / "bin" / "datasette").exists():
        print(f"Datasette is not in {run.DATASETTE_VENV}: bench/run installs it there; measuring without it")
    figures = Figure.objects.count()
    runs = [run.measure_exports(connection.vendor, url, connection.settings_dict, figures) for _ in range(repeat)]
    names = {
        "ours": "our `/data/figures.csv`, gunicorn",
        "ours_json": "our `/data/figures.json`, gunicorn",
        "datasette": "Datasette, `programmes_figure.csv?_stream=on`",
        "sqlite3_table": "`sqlite3 -csv`, the bare table",
        "sqlite3_export": "`sqlite3 -csv`, the export's SELECT formatting every cell",
        "psql_table": "`psql \\copy`, the bare table",
        "psql_export": "`psql \\copy`, the export's SELECT formatting every cell",
    }
    best = {key: max(found[key]["rows_per_s"] for found in runs) for key in names if key in runs[0]}
    print(f"Full export of {figures:,} figures ({connection.vendor}), best of {repeat}, load average {os.getloadavg()[0]:.2f}\n")
    print("| what | rows/s | our CSV / this |")
    print("|---|---|---|")
    for key, rate in best.items():
        print(f"| {names[key]} | {rate:,.0f} | {best['ours'] / rate:.2f}× |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", POSTGRES_URL))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--fill-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--existing", help="measure this database (a DATABASE_URL) as it is, beside the command lines and Datasette")
    args = parser.parse_args(argv)
    if args.existing:
        existing(args.existing, args.repeat)
        return
    if args.worker:
        worker(args.worker, args.rows, args.repeat, args.fill_only)
        return
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = run(f"sqlite:///{folder}/bench.sqlite3", args.rows, args.repeat)
    postgres_scratch(args.postgres_url, create=True)
    try:
        results["PostgreSQL"] = run(args.postgres_url, args.rows, args.repeat)
    finally:
        postgres_scratch(args.postgres_url, create=False)
    print(f"Full export of {args.rows:,} figures, best of {args.repeat} (median in brackets), Python {sys.version.split()[0]}\n")
    print("| database | CSV rows/s | CSV seconds | JSON rows/s | JSON seconds | CSV size | peak RSS growth |")
    print("|---|---|---|---|---|---|---|")
    for label, result in results.items():
        csv_run, json_run = result["csv"], result["json"]
        print(
            f"| {label} {result['version']} | {args.rows / csv_run['best']:,.0f} | {csv_run['best']:.2f} ({csv_run['median']:.2f}) "
            f"| {args.rows / json_run['best']:,.0f} | {json_run['best']:.2f} ({json_run['median']:.2f}) "
            f"| {csv_run['bytes'] / 1e6:.1f} MB | {max(csv_run['rss_growth_kb'], json_run['rss_growth_kb']) / 1024:.1f} MB |"
        )


if __name__ == "__main__":
    main()
