"""Query plans of the filtered exports and of a programme page, on a benchmark database (PostgreSQL for the issue's check).

    .venv/bin/python bench/explain.py --database postgres://postgres@127.0.0.1:5432/bench_scale [--analyze]

For each filter the downloads offer (and the as-at date, which pages and downloads share), the SQL of
/data/figures.csv is built by the export's own code from the query string, then EXPLAINed; for the pages, every
query a cold request for the page makes is captured through Django's test client and EXPLAINed. Each plan is
summarised by the scans it uses: a "Seq Scan" on a table is reported with the table. URLs and query strings only,
so the pages may change and this still reports on whatever they ask the database.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Export filters, as query strings of /data/figures.csv (the big synthetic programme holds a tenth of the figures).
EXPORT_QUERIES = [
    "programme=synthetic-0500",
    "programme=synthetic-0000",
    "programme=ngss-2012&include_children=1",
    "measure=savings",
    "status=audited",
    "basis=annual",
    "unit=percent",
    "publisher=National+Audit+Office",
    "from=2026-27",
    "from=2013-14&to=2015-16",
    "programme=synthetic-0500&status=claimed&measure=savings",
]
AS_AT = [datetime.date(2010, 1, 1), datetime.date(2020, 1, 1)]
PAGES = ["/programmes/ngss-2012/", "/programmes/synthetic-0500/", "/figures/1/", "/sources/1/"]
SCAN = re.compile(
    r"((?:Parallel )?(?:Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan|Bitmap Index Scan)(?: Backward)?)(?: using (\S+))? on (\S+)"
)


def scans(plan: list[str]) -> list[str]:
    """The plan's scans in order, e.g. "Index Scan using programmes_figure_status_order on programmes_figure"."""
    found = []
    for line in plan:
        if match := SCAN.search(line):
            kind, index, table = match.groups()
            found.append(f"{kind} on {table}" + (f" ({index})" if index else ""))
    return found


def explain(sql: str, params, analyze: bool) -> list[str]:
    from django.db import connection

    options = "ANALYZE, TIMING OFF, SUMMARY ON" if analyze else "COSTS ON"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}", params)
        return [row[0] for row in cursor.fetchall()]


def export_sql(query: str, as_at: datetime.date | None):
    from django.db import connection
    from django.http import QueryDict

    from dashboard import exports
    from programmes.database_cells import Formatted

    queryset, _ = exports.FIGURES.select(QueryDict(query))
    if as_at is not None:
        queryset = queryset.as_at(as_at)
    values = exports.FIGURES.values(queryset, as_at, cell=Formatted)
    return values.query.get_compiler(connection=connection).as_sql()


def report(title: str, plan: list[str]) -> bool:
    """Print one plan's summary; True when it reads a whole table (a sequential scan)."""
    found = scans(plan)
    sequential = [scan for scan in found if "Seq Scan" in scan]
    timing = next((line.strip() for line in plan if line.startswith("Execution Time")), "")
    top = plan[0].split("  (")[0].strip()
    print(
        f"| {title} | {top} | {'; '.join(dict.fromkeys(found))} | {'**' + ', '.join(sequential) + '**' if sequential else 'none'} | {timing} |"
    )
    return bool(sequential)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--analyze", action="store_true", help="EXPLAIN ANALYZE (runs each query; an unfiltered page may take seconds)")
    options = parser.parse_args(argv)
    import make_dataset

    make_dataset.setup(options.database)
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    from programmes.models import Figure

    print(f"{connection.vendor}, {Figure.objects.count():,} figures\n")
    print("| export or page | top node | scans | sequential scans | time |")
    print("|---|---|---|---|---|")
    sequential = 0
    for query in EXPORT_QUERIES:
        sql, params = export_sql(query, None)
        sequential += report(f"`/data/figures.csv?{query}`", explain(sql, params, options.analyze))
    for day in AS_AT:
        sql, params = export_sql("", day)
        sequential += report(f"`/data/figures.csv`, as at {day}", explain(sql, params, options.analyze))
    client = Client()
    for url in PAGES:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            status = client.get(url).status_code
        for number, query in enumerate(captured.captured_queries, start=1):
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            # The captured SQL has its parameters inlined already.
            sequential += report(f"`{url}` ({status}) query {number}", explain(sql.replace("%", "%%"), (), options.analyze))
    print(f"\n{sequential} plan(s) with a sequential scan")
    return sequential


if __name__ == "__main__":
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    main()
