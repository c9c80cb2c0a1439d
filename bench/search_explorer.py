"""Search (/search/?q=) and the figure explorer (/figures/) on PostgreSQL: server time p50 and p95, cited dataset beside 100,000 figures.

Two scratch PostgreSQL databases, `bench_find_cited` (the cited dataset) and `bench_find` (BENCH_POSTGRES_URL; the
cited dataset and synthetic rows made from it, --figures in all, over --programmes programmes, --sources sources and as
many events, indexed for search and flagged), are measured one after the other, each in its own process, through the
whole stack (URL, middleware, view, template) with Django's test client; then both are dropped (--keep leaves them,
and the next run reuses a database holding the same number of figures):

    .venv/bin/python bench/search_explorer.py --figures 100000 --repeat 30

A synthetic figure copies a cited one (its measure, status, basis, unit, qualifier, horizon, scope and texts, so that
words are as common as in the record: "Oracle" is in about one figure in eleven, "savings" in over a quarter) and
varies its programme, source, claimant, value and period, with a word from the record's vocabulary added to its
description and note. The explorer is timed cold (the cache cleared before each request, as after an edit: every
facet counted) and warm (facets cached under the change stamp); search has no cache. `/about/`, which reads no data,
and the time of a COUNT(*) over every figure show how busy the machine was.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/bench_find")
SEARCHES = [
    "/search/?q=Oracle",
    "/search/?q=savings",
    "/search/?q=SSCL",
    "/search/?q=write-off",
    "/search/?q=%C2%A3504m",
    "/search/?q=Cabinet+Office+savings",
    "/search/?q=zzqxqzzq",
    "/search/?q=savings&kind=figures&page={search_page}",
]
EXPLORER = [
    "/figures/",
    "/figures/?status=audited",
    "/figures/?unit=gbp_m&sort=-value",
    "/figures/?programme={strategy}&include_children=1",
    "/figures/?claimant=Cabinet+Office&from=2013-14&to=2015-16",
    "/figures/?publisher=National+Audit+Office&measure=savings&sort=-disagrees",
    "/figures/?page={middle}",
]


def admin_url(url: str) -> tuple[str, str]:
    base, name = url.rsplit("/", 1)
    return base + "/postgres", name


def database_exists(url: str) -> bool:
    import psycopg2

    base, name = admin_url(url)
    connection = psycopg2.connect(base)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = cursor.fetchone() is not None
    connection.close()
    return found


def drop_and_create(url: str, create: bool) -> None:
    """Drop the scratch database (and make it again, empty); outside a transaction, as PostgreSQL asks."""
    import psycopg2

    base, name = admin_url(url)
    connection = psycopg2.connect(base)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def copy_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """COPY rows into a table: the fastest way in for a bulk load that goes around save()."""
    from django.db import connection

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["\\N" if value is None else value for value in row])
    buffer.seek(0)
    import psycopg2.extensions

    # The site waits for the database through a callback that bounds each request (sharedservices/database.py);
    # COPY refuses to run under one, and this load is no request.
    callback = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(None)
    try:
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer)
    finally:
        psycopg2.extensions.set_wait_callback(callback)


def build(figures: int, programmes: int, sources: int, seed: int) -> None:
    """The cited dataset, then synthetic rows made from it, up to `figures` figures; indexed and flagged."""
    from django.core.management import call_command
    from django.db import connection

    from programmes import flags
    from programmes.models import Event, Figure, Organisation, Programme, Source, latest_possible
    from programmes.search import index

    rng = random.Random(seed)
    call_command("migrate", verbosity=0)
    call_command("load_dataset", verbosity=0)
    cited = list(Figure.objects.select_related("programme", "source"))
    events = list(Event.objects.all())
    real_sources = list(Source.objects.all())
    vocabulary = sorted({word for f in cited for word in re.findall(r"[A-Za-z]{5,}", f"{f.description} {f.note} {f.scope}")})
    started = time.perf_counter()
    if figures <= len(cited):  # the cited dataset alone: load_dataset has indexed and flagged it
        print(f"Built the cited dataset: {len(cited)} figures.")
        return

    organisations = [Organisation(name=f"Synthetic organisation {n:04d} {rng.choice(vocabulary)}", kind="other") for n in range(445)]
    Organisation.objects.bulk_create(organisations)
    claimants = list(Organisation.objects.all())

    strategies = max(1, programmes // 5)
    made = [
        Programme(slug=f"bench-{n:04d}", name=f"Synthetic strategy {n:04d} {rng.choice(vocabulary)}", kind="strategy")
        for n in range(strategies)
    ]
    Programme.objects.bulk_create(made)
    children = []
    for parent in Programme.objects.filter(slug__startswith="bench-"):
        for child in range(4):
            kind = "centre" if child % 2 else "cluster"
            children.append(
                Programme(
                    slug=f"{parent.slug}-{child}",
                    name=f"{parent.name}, {kind} {child}",
                    kind=kind,
                    parent=parent,
                    summary=rng.choice(vocabulary),
                )
            )
    Programme.objects.bulk_create(children)
    all_programmes = list(Programme.objects.all())

    new_sources = []
    for n in range(sources):
        template = rng.choice(real_sources)
        published = datetime.date(2004, 1, 1) + datetime.timedelta(days=rng.randrange(22 * 365))
        source = Source(
            key=f"bench-source-{n:05d}",
            title=f"{template.title} ({rng.choice(vocabulary)} {n})",
            publisher=rng.choice(claimants),
            kind=template.kind,
            published=published,
            date_precision="day",
            url=f"https://example.org/bench/{n}",
            note=rng.choice(["", template.note]),
        )
        source.appeared_by = latest_possible(source.published, source.date_precision)
        new_sources.append(source)
    Source.objects.bulk_create(new_sources, batch_size=2000)
    all_sources = list(Source.objects.all())

    columns = [
        "key", "programme_id", "description", "scope", "part_of_id", "claimant_id", "scenario", "horizon", "measure", "status",
        "basis", "qualifier", "as_published", "value", "value_low", "value_high", "unit", "period_start", "period_end",
        "source_id", "locator", "note", "version", "quantity", "disagreement_count",
    ]  # fmt: skip
    rows = []
    for n in range(figures - len(cited)):
        template = cited[n % len(cited)]
        figure = Figure(
            programme=rng.choice(all_programmes),
            source=rng.choice(all_sources),
            scope=template.scope if rng.random() < 0.8 else f"{template.scope or 'part'} {rng.choice(vocabulary)}",
            measure=template.measure,
            status=template.status,
            basis=template.basis,
            unit=template.unit,
            scenario=template.scenario,
            period_start=template.period_start,
            period_end=template.period_end,
        )
        shift = rng.randint(-4, 4)
        if figure.period_start is not None:
            figure.period_start += shift
        if figure.period_end is not None:
            figure.period_end += shift
        factor = Decimal(rng.choice([1, 1, 1, 2, 3, 5])) / Decimal(rng.choice([1, 1, 2, 4]))
        scaled = [
            None if value is None else (value * factor).quantize(Decimal("0.01"))
            for value in (template.value, template.value_low, template.value_high)
        ]
        figure.fill_derived()
        rows.append((
            "", figure.programme.pk, f"{template.description} {rng.choice(vocabulary)}", figure.scope, None, rng.choice(claimants).pk, figure.scenario,
            template.horizon, figure.measure, figure.status, figure.basis, template.qualifier, template.as_published, *scaled, figure.unit,
            figure.period_start, figure.period_end, figure.source.pk, "", f"{template.note} {rng.choice(vocabulary)}".strip(), 1,
            figure.quantity, 0,
        ))  # fmt: skip
    copy_rows(Figure._meta.db_table, columns, rows)

    event_rows = []
    for n in range(sources):
        template = events[n % len(events)]
        source = rng.choice(all_sources)
        event_rows.append(
            ("", rng.choice(all_programmes).pk, source.published, "day", template.kind, f"{template.title} {n}", source.pk, template.note)
        )
    copy_rows(Event._meta.db_table, ["key", "programme_id", "date", "date_precision", "kind", "title", "source_id", "note"], event_rows)
    loaded = time.perf_counter()
    index.rebuild()
    indexed = time.perf_counter()
    flags.refresh_all()
    flagged = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"Built {Figure.objects.count():,} figures, {Programme.objects.count():,} programmes, {Source.objects.count():,} sources, "
        f"{Event.objects.count():,} events: rows {loaded - started:.1f} s, search index {indexed - loaded:.1f} s, "
        f"flags {flagged - indexed:.1f} s.\n"
    )


def timed(client, url: str, repeat: int, clear) -> tuple[float, float, int, int]:
    """p50 and p95 milliseconds over `repeat` requests, the queries of one request and its HTML bytes."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    samples = []
    for _ in range(repeat):
        if clear:
            clear()
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    if clear:
        clear()
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    count = len(queries)
    samples.sort()
    return statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)], count, len(response.content)


def plan(sql_of) -> str:
    from django.db import connection

    sql, params = sql_of()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        lines = [row[0] for row in cursor.fetchall()]
    return next((line.strip() for line in lines if "search_figure_document" in line), lines[0].strip())


def measure(url: str, figures: int, options) -> dict:
    """In this process: build or reuse the database at url, then time every address; the results as a dict."""
    os.environ.update({"DATABASE_URL": url, "DEBUG": "0", "SECRET_KEY": "bench", "ALLOWED_HOSTS": "testserver"})
    # Pages are timed under the site's own database budget, as `make run` serves them: a page slower than that is a 503
    # for a reader, not a timing. Only the build (--build-only, run first in a process of its own) has a longer budget.
    if not options.build_only:
        os.environ.pop("DATABASE_TIMEOUT", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharedservices.settings")
    reuse = database_exists(url)
    if not reuse:
        drop_and_create(url, create=True)
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from programmes.models import Figure, Programme
    from programmes.search import query
    from programmes.search.index import BY_NAME

    if not options.build_only:
        # The build child made it just before; this process only times it.
        assert reuse, f"{url}: build it first with --build-only"
    elif reuse and Figure.objects.count() != figures:
        connection.close()
        drop_and_create(url, create=True)
        reuse = False
    if not reuse:
        build(figures, options.programmes, options.sources, options.seed)
    if options.build_only:
        connection.close()
        return {"figures": Figure.objects.count()}
    setup_test_environment()
    client = Client()
    synthetic = Programme.objects.filter(slug__startswith="bench-", kind="strategy").order_by("slug").first()
    strategy = synthetic.slug if synthetic else "ngss-2012"
    total = Figure.objects.count()
    found = query.find(BY_NAME["figures"], query.read("savings")).count
    values = {"strategy": strategy, "middle": max(1, total // 100), "search_page": max(1, min(20, -(-found // 50) // 2))}
    results: dict = {"figures": total, "load": [os.getloadavg()[0]], "rows": {}}
    with connection.cursor() as cursor:
        start = time.perf_counter()
        for _ in range(5):
            cursor.execute("SELECT COUNT(*) FROM programmes_figure")
        results["scan_ms"] = (time.perf_counter() - start) / 5 * 1000
    for address in ["/about/", *SEARCHES]:
        address = address.format(**values)
        client.get(address)
        results["rows"][address] = {"warm": timed(client, address, options.repeat, None)}
    for address in EXPLORER:
        address = address.format(**values)
        client.get(address)
        results["rows"][address] = {
            "cold": timed(client, address, options.repeat, cache.clear),
            "warm": timed(client, address, options.repeat, None),
        }
    rows = query.Postgres.matching(BY_NAME["figures"], query.visible(BY_NAME["figures"], None), query.read("Oracle"), None)
    results["plan"] = plan(rows.values_list("pk", "search_amount")[:10].query.sql_with_params)
    results["load"].append(os.getloadavg()[0])
    connection.close()
    return results


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=int, default=100_000)
    parser.add_argument("--programmes", type=int, default=1_000)
    parser.add_argument("--sources", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="leave the databases for another run")
    parser.add_argument("--child", nargs=2, metavar=("URL", "FIGURES"), help=argparse.SUPPRESS)
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if options.child:
        print(json.dumps(measure(options.child[0], int(options.child[1]), options)))
        return
    # Each database in its own process (Django has one default database per process): the cited dataset, then the grown one.
    runs = [(f"{POSTGRES_URL}_cited", 221), (POSTGRES_URL, options.figures)]
    results = []
    try:
        for url, figures in runs:
            command = [sys.executable, __file__, *argv, "--child", url, str(figures)]
            # A bulk build is one long transaction: its process alone gets a longer budget.
            build_env = {**os.environ, "DATABASE_TIMEOUT": "3600"}
            built = subprocess.run([*command, "--build-only"], capture_output=True, text=True, check=True, env=build_env)
            print(*built.stdout.strip().splitlines()[:-1], sep="\n")  # what the build said
            timing_env = {key: value for key, value in os.environ.items() if key != "DATABASE_TIMEOUT"}
            lines = subprocess.run(command, capture_output=True, text=True, check=True, env=timing_env).stdout.strip().splitlines()
            print(*lines[:-1], sep="\n")  # what the build said
            results.append(json.loads(lines[-1]))
    finally:
        if not options.keep:
            for url, _ in runs:
                drop_and_create(url, create=False)
    report(results, options)


def report(results: list[dict], options) -> None:
    small, large = results
    print(
        f"PostgreSQL, {options.repeat} requests per address; server time (Django test client, whole stack) in ms.\n"
        f"Load average (1 min) during the runs: {small['load'][0]:.1f}-{small['load'][1]:.1f} (cited), "
        f"{large['load'][0]:.1f}-{large['load'][1]:.1f} ({large['figures']:,}); COUNT(*) of every figure took "
        f"{small['scan_ms']:.1f} ms and {large['scan_ms']:.1f} ms.\n"
    )
    print(f"| address | {small['figures']} figures p50 / p95 | {large['figures']:,} figures p50 / p95 | p95 ratio | queries | HTML kB |")
    print("|---|---|---|---|---|---|")
    for address, row in large["rows"].items():
        cited = next((value for key, value in small["rows"].items() if same_kind(key, address)), None)
        for state in ("cold", "warm"):
            if state not in row:
                continue
            grown = row[state]
            label = f"`{address}`" + (f" ({state})" if "cold" in row else "")
            before = cited[state] if cited else None
            ratio = f"{grown[1] / before[1]:.1f}×" if before else "–"
            earlier = f"{before[0]:.0f} / {before[1]:.0f}" if before else "–"
            print(f"| {label} | {earlier} | {grown[0]:.0f} / {grown[1]:.0f} | {ratio} | {grown[2]} | {grown[3] / 1000:.0f} |")
    print(f"\nPlan of the figures search for Oracle at {large['figures']:,}: {large['plan']}")


def same_kind(cited: str, grown: str) -> bool:
    """The cited run's address for the grown run's (they differ only in the strategy and the page asked for)."""
    return re.sub(r"(bench-\d+|ngss-2012|page=\d+)", "", cited) == re.sub(r"(bench-\d+|ngss-2012|page=\d+)", "", grown)


if __name__ == "__main__":
    main(sys.argv[1:])
