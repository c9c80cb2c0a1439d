"""How fast, and in how much memory, `manage.py import_figures` loads a large CSV, on SQLite and PostgreSQL.

    .venv/bin/python bench/import_rate.py --rows 100000

For each database a scratch database is created and migrated, a CSV of `rows` new figures is written (every third a
range, every fifth with an open period, notes with commas and a pound sign, every tenth row naming one of 50 new
sources), and the command is run as an editor would run it, in its own process: the time is the wall-clock time of
that process and the memory its peak resident set size (the whole process: Python, Django and the import). It then
times the two hostile files the import must survive (a header of 150,000 columns; 12,000 rows each describing a new
source with the same title) through import_figures(), as the admin calls it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_imports"


def environment(database_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key"),
        "ALLOWED_HOSTS": "localhost",
        "DJANGO_SETTINGS_MODULE": "sharedservices.settings",
    }


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(path: Path, rows: int) -> None:
    """Migrate, add one programme and source, and write the CSV of new figures to path."""
    setup_django()
    from django.core.management import call_command

    from programmes.importing import COLUMNS
    from tests.helpers import make_programme, make_source

    call_command("migrate", verbosity=0)
    programme, source = make_programme("bench"), make_source("bench")
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        for i in range(1, rows + 1):
            row = dict.fromkeys(COLUMNS, "")
            row |= {"programme": programme.slug, "measure": "savings", "status": "audited", "basis": "cumulative", "unit": "gbp_m"}
            row |= {"qualifier": "exact", "period_start": f"{2000 + i % 10}-{(1 + i % 10) % 100:02d}", "locator": f"para {i}"}
            row |= {"note": "Paraphrased caveat, with a comma and \u00a390m, as real notes have.", "claimant": source.publisher.name}
            if i % 5:
                end = 2000 + i % 10 + i % 3
                row["period_end"] = f"{end}-{(end + 1) % 100:02d}"
            if i % 3 == 0:
                row |= {"value_low": str(i % 1000), "value_high": str(i % 1000 + 100)}
            else:
                row["value"] = f"{i % 4000 / 4:.2f}"
            if i % 10 == 0:
                n = i // 10 % 50
                row |= {"source_title": f"Bench report {n}", "source_publisher": "Bench Office", "source_published": "2020-05-01"}
                row |= {"source_url": f"https://example.org/bench/{n}", "source_kind": "official_publication"}
                row |= {"source_date_precision": "day", "source_is_primary": "true"}
            else:
                row["source_id"] = str(source.pk)
            writer.writerow(row)


def hostile_cases() -> None:
    """Time the two files that were quadratic, through import_figures() (a dry run, as the admin preview runs it)."""
    setup_django()
    import io

    from programmes.importing import COLUMNS, import_figures

    header = ",".join([*COLUMNS, *(f"extra{n}" for n in range(150_000 - len(COLUMNS)))]).encode()
    start = time.perf_counter()
    plan = import_figures(header + b"\n", dry_run=True)
    wide = time.perf_counter() - start
    assert plan.problems

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for n in range(12_000):
        row = dict.fromkeys(COLUMNS, "") | {"programme": "bench", "measure": "savings", "status": "audited", "basis": "annual"}
        row |= {"qualifier": "exact", "value": "5", "unit": "gbp_m", "source_title": "Same title", "source_publisher": "Bench Office"}
        row |= {"source_published": "2020-05-01", "source_url": f"https://example.org/same/{n}"}
        writer.writerow(row)
    start = time.perf_counter()
    plan = import_figures(buffer.getvalue().encode(), dry_run=True)
    shared = time.perf_counter() - start
    assert not plan.problems, plan.problems[:3]
    print(json.dumps({"wide_header_seconds": wide, "shared_title_seconds": shared}))


def timed(command: list[str], env: dict) -> dict:
    """Run a command as its own process; its wall time and its own peak RSS (os.wait4 reports that child alone)."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        if status != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{errors.read().decode()[:3000]}")
    # The machine is shared: CPU time is the fairer reading when other work competes for the cores.
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}


def run(database_url: str, rows: int, folder: Path) -> dict:
    env = environment(database_url)
    path = folder / "figures.csv"
    subprocess.run([sys.executable, __file__, "--prepare", str(path), "--rows", str(rows)], env=env, cwd=ROOT, check=True)
    result = timed([sys.executable, "manage.py", "import_figures", str(path)], env)
    finished = subprocess.run([sys.executable, __file__, "--hostile"], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise SystemExit(f"hostile cases on {database_url} failed:\n{finished.stderr}")
    check = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from programmes.models import Figure; print(Figure.objects.count())"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return (
        result | json.loads(finished.stdout.strip().splitlines()[-1]) | {"saved": int(check.stdout.strip()), "bytes": path.stat().st_size}
    )


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", POSTGRES_URL))
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument("--hostile", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare:
        prepare(Path(args.prepare), args.rows)
        return
    if args.hostile:
        hostile_cases()
        return
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = run(f"sqlite:///{folder}/bench.sqlite3", args.rows, Path(folder))
        postgres_scratch(args.postgres_url, create=True)
        try:
            results["PostgreSQL"] = run(args.postgres_url, args.rows, Path(folder))
        finally:
            postgres_scratch(args.postgres_url, create=False)
    print(f"import_figures of {args.rows:,} new figures by command line, Python {sys.version.split()[0]}\n")
    print(
        "| database | wall seconds | CPU seconds | rows/s (wall) | peak RSS of the command | figures saved | 150,000-column header | 12,000 rows, one title |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, result in results.items():
        print(
            f"| {label} | {result['seconds']:.1f} | {result['cpu_seconds']:.1f} | {args.rows / result['seconds']:,.0f} | {result['peak_rss_mb']:.0f} MB "
            f"| {result['saved']:,} | {result['wide_header_seconds']:.2f} s | {result['shared_title_seconds']:.2f} s |"
        )


if __name__ == "__main__":
    main()
