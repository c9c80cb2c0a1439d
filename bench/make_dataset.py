"""A deterministic synthetic dataset for the benchmarks: the cited dataset plus N figures in 1,000 synthetic programmes.

    .venv/bin/python bench/make_dataset.py 1000000 --database sqlite:/tmp/bench.sqlite3
    .venv/bin/python bench/make_dataset.py 100000 --database postgres://postgres@127.0.0.1:5432/bench_scale

The database is migrated and given the cited dataset first (so that the real pages can be timed beside the synthetic
load), then 1,000 synthetic programmes (800 strategies and 200 centres or clusters; synthetic-0000 holds a tenth of the
figures, 100,000 at 1M) and 5,000 synthetic sources from the real publishers. Each synthetic figure copies one of the
cited dataset's figures: its measure, status, basis, unit, qualifier, scope, scenario, value or range, period and
wording, so the mixes are the real ones. Then it moves it to a synthetic programme and source, scales its value by the
programme's factor (0.5 to 5), doubles one figure in 200 (which then disagrees with the rest of its quantity, as about
one figure in ten does in the real record), shifts its period by a year either way, and gives it the source's
publisher as claimant seven times in ten. Each programme copies 24 of the real figures, so that
a quantity holds several figures, as restatements and re-reports make it in the real record.

Figure i is the same whatever N is (its choices are hashes of i), so a database at 100,000 grows to 1,000,000 by adding
the rest. The rows are made by the database itself, in one INSERT ... SELECT over a series (generate_series on
PostgreSQL, a recursive CTE on SQLite) joined to small tables of the templates, programmes and sources, with
`quantity` spelled in SQL as rules.quantity_key spells it (checked on a sample afterwards). For a load that more than
doubles the table, the figure table's secondary indexes (and on PostgreSQL its foreign keys) are dropped first and made
again after. Then the
disagreement flags are computed with programmes.flags.refresh_all(), each figure's CSV line written after them
(programmes/lines.py, one INSERT ... SELECT), and the planner's statistics refreshed. No
history rows are written for synthetic rows: the change stamp stays the cited dataset's.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAMMES = 1000
SOURCES = 5000
BIG_SHARE = 10  # every 10th figure belongs to synthetic-0000
TEMPLATES_PER_PROGRAMME = 24
# Each programme's values are the templates' times one of these; one figure in OUTLIERS is doubled, and disagrees.
FACTORS = ("0.5", "0.8", "0.9", "1", "1.1", "1.25", "1.5", "2", "3", "5")
OUTLIERS = 200
SEED = 20261129
PREFIX = "synthetic-"
# Figure i's choices: ((i + 1) * multiplier) mod a prime, one multiplier per choice (Park and Miller's generator).
PRIME = 2147483647
MULTIPLIERS = {"template": 48271, "programme": 16807, "source": 69621, "shift": 39373, "factor": 950706376, "claimant": 742938285}
CHECKED = 2000  # synthetic figures whose quantity is checked against rules.quantity_key


def database_url(text: str) -> str:
    """sqlite:PATH or a postgres:// URL, as DATABASE_URL spells them."""
    if text.startswith("sqlite:") and not text.startswith("sqlite://"):
        return "sqlite:///" + str(Path(text.removeprefix("sqlite:")).resolve())
    return text


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = database_url(url)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharedservices.settings")
    # A bulk load is one long transaction: no per-statement budget on PostgreSQL.
    os.environ.setdefault("DATABASE_TIMEOUT", "3600")
    # A bulk load serves no reader: no pages built ahead of readers, no chart pictures drawn.
    os.environ.setdefault("PAGES_WARM", "0")
    os.environ.setdefault("SHARE_IMAGES_RENDER", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_base() -> None:
    """Migrate, and load the cited dataset if it is not there yet."""
    from django.core.management import call_command

    from programmes.models import Figure

    call_command("migrate", verbosity=0)
    if not Figure.objects.exclude(programme__slug__startswith=PREFIX).exists():
        call_command("load_dataset", verbosity=0)


def ensure_programmes_and_sources() -> tuple[list, list]:
    """The synthetic programmes and sources, made once (same rows whatever N); returns (programmes, sources) in order."""
    from programmes.models import Organisation, Programme, Source, SourceKind

    rng = random.Random(SEED)
    if not Programme.objects.filter(slug__startswith=PREFIX).exists():
        strategies = [
            Programme(
                slug=f"{PREFIX}{k:04d}",
                name=f"Synthetic programme {k:04d}",
                kind="strategy",
                started=datetime.date(2004, 1, 1) + datetime.timedelta(days=rng.randrange(7000)),
                summary="A synthetic programme for the benchmarks.",
            )
            for k in range(PROGRAMMES * 8 // 10)
        ]
        Programme.objects.bulk_create(strategies, batch_size=2000)
        parents = list(Programme.objects.filter(slug__startswith=PREFIX).order_by("slug"))
        centres = [
            Programme(
                slug=f"{PREFIX}{k:04d}",
                name=f"Synthetic centre {k:04d}",
                kind=rng.choice(["centre", "cluster"]),
                parent=parents[rng.randrange(len(parents))],
                summary="A synthetic centre for the benchmarks.",
            )
            for k in range(len(strategies), PROGRAMMES)
        ]
        Programme.objects.bulk_create(centres, batch_size=2000)
    if not Source.objects.filter(key__startswith=PREFIX).exists():
        organisations = list(Organisation.objects.order_by("name"))
        kinds = list(SourceKind.values)
        sources = []
        for j in range(SOURCES):
            published = datetime.date(2004, 1, 1) + datetime.timedelta(days=rng.randrange(7600))
            precision = rng.choices(["day", "month", "year"], weights=[65, 27, 8])[0]
            if precision != "day":
                published = published.replace(day=1, month=1 if precision == "year" else published.month)
            source = Source(
                key=f"{PREFIX}source-{j:05d}",
                title=f'Synthetic report {j:05d}: savings, costs and \u00a3 figures, "as published"',
                publisher=organisations[rng.randrange(len(organisations))],
                kind=rng.choices(kinds, weights=[5, 4, 1, 1, 4, 69, 1, 1, 1, 4])[0],
                published=published,
                date_precision=precision,
                url=f"https://example.org/synthetic/{j:05d}",
                is_primary=rng.random() > 0.1,
                version=1,
            )
            source.fill_derived()  # bulk_create skips save()
            sources.append(source)
        Source.objects.bulk_create(sources, batch_size=2000)
    programmes = list(Programme.objects.filter(slug__startswith=PREFIX).order_by("slug").values_list("pk", "slug"))
    sources = list(Source.objects.filter(key__startswith=PREFIX).order_by("key").values_list("pk", "publisher_id"))
    return programmes, sources


def scratch_tables(programmes: list, sources: list) -> int:
    """Small tables the INSERT ... SELECT draws from: the templates, programmes, sources and factors, numbered from 0."""
    from django.db import connection
    from django.utils.text import slugify

    from programmes.models import Figure

    fields = ["description", "scope", "claimant_id", "scenario", "horizon", "measure", "status", "basis", "qualifier"]
    fields += ["as_published", "value", "value_low", "value_high", "unit", "period_start", "period_end", "locator", "note"]
    models = list(Figure.objects.exclude(programme__slug__startswith=PREFIX).exclude(key="").order_by("key").values_list(*fields))
    numeric = "numeric(14, 2)" if connection.vendor == "postgresql" else "decimal"
    with connection.cursor() as cursor:
        for table in ("bench_template", "bench_programme", "bench_source", "bench_factor"):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_template (n integer PRIMARY KEY, description text, scope text, scope_slug text, "
            "claimant_id integer, scenario text, scenario_slug text, horizon text, measure text, status text, basis text, "
            f"qualifier text, as_published text, value {numeric}, value_low {numeric}, value_high {numeric}, unit text, "
            "period_start integer, period_end integer, locator text, note text)"
        )
        rows = []
        for n, (description, scope, claimant, scenario, *rest) in enumerate(models):
            # rules.quantity_key's own spelling of the scope and scenario.
            rows.append((n, description, scope, slugify(scope) or "whole", claimant, scenario, slugify(scenario), *rest))
        cursor.executemany(f"INSERT INTO bench_template VALUES ({', '.join(['%s'] * 21)})", rows)
        cursor.execute("CREATE TEMPORARY TABLE bench_programme (n integer PRIMARY KEY, id integer, slug text)")
        cursor.executemany("INSERT INTO bench_programme VALUES (%s, %s, %s)", [(n, *row) for n, row in enumerate(programmes)])
        cursor.execute("CREATE TEMPORARY TABLE bench_source (n integer PRIMARY KEY, id integer, publisher_id integer)")
        cursor.executemany("INSERT INTO bench_source VALUES (%s, %s, %s)", [(n, *row) for n, row in enumerate(sources)])
        cursor.execute(f"CREATE TEMPORARY TABLE bench_factor (n integer PRIMARY KEY, factor {numeric})")
        cursor.executemany("INSERT INTO bench_factor VALUES (%s, %s)", list(enumerate(FACTORS)))
    return len(models)


def insert_figures(first: int, stop: int, templates: int) -> None:
    """Synthetic figures first..stop-1, made by the database in one statement."""
    from django.db import connection

    from programmes.database_cells import DIALECTS
    from programmes.models import Figure

    postgres = connection.vendor == "postgresql"
    series = (
        "SELECT i FROM generate_series(%s, %s) AS series(i)"
        if postgres
        else "SELECT i FROM (WITH RECURSIVE series(i) AS (SELECT %s UNION ALL SELECT i + 1 FROM series WHERE i < %s) SELECT i FROM series)"
    )
    hashes = ", ".join(f"((CAST(i AS BIGINT) + 1) * {m}) %% {PRIME} AS {name}" for name, m in MULTIPLIERS.items() if name != "shift")
    label = DIALECTS[connection.vendor]["financial_year"]

    def clamped(year: str) -> str:
        return f"CASE WHEN {year} IS NULL THEN NULL WHEN {year} + shift < 1990 THEN 1990 WHEN {year} + shift > 2100 THEN 2100 ELSE {year} + shift END"

    def scaled(value: str) -> str:
        return f"round({value} * f.factor * CASE WHEN r.factor %% {OUTLIERS} = 0 THEN 2 ELSE 1 END, 2)"

    period = (
        "CASE WHEN period_start IS NULL AND period_end IS NULL THEN 'unstated' ELSE "
        f"COALESCE({label.format(x='period_start')}, '?') || '..' || COALESCE({label.format(x='period_end')}, '?') END"
    )
    rest = f"basis || '/' || unit || '/' || {period} || CASE WHEN scenario <> '' THEN '/' || scenario_slug ELSE '' END"
    quantity = f"slug || '/' || scope_slug || '/' || measure || '/' || status || '/' || {rest}"
    # rules.like_for_like_key: the same parts but for the status.
    like_for_like = f"slug || '/' || scope_slug || '/' || measure || '/' || {rest}"
    columns = [
        "key", "programme_id", "description", "scope", "part_of_id", "claimant_id", "scenario", "horizon", "measure", "status",
        "basis", "qualifier", "as_published", "value", "value_low", "value_high", "unit", "period_start", "period_end",
        "source_id", "locator", "note", "version", "quantity", "like_for_like", "disagreement_count",
    ]  # fmt: skip
    chosen = f"""
        SELECT p.id AS programme_id, p.slug, t.description, t.scope, t.scope_slug,
            CASE WHEN r.claimant %% 10 < 7 THEN s.publisher_id ELSE t.claimant_id END AS claimant_id,
            t.scenario, t.scenario_slug, t.horizon, t.measure, t.status, t.basis, t.qualifier, t.as_published,
            CASE WHEN t.unit = 'year' THEN t.value + r.shift ELSE {scaled("t.value")} END AS value,
            {scaled("t.value_low")} AS value_low, {scaled("t.value_high")} AS value_high, t.unit,
            {clamped("t.period_start")} AS period_start, {clamped("t.period_end")} AS period_end,
            s.id AS source_id, t.locator, t.note, r.i
        FROM (SELECT i, {hashes}, ((CAST(i AS BIGINT) + 1) * {MULTIPLIERS["shift"]}) %% {PRIME} %% 3 - 1 AS shift FROM ({series}) AS numbers) AS r
        JOIN bench_programme p ON p.n = CASE WHEN r.i %% {BIG_SHARE} = 0 THEN 0 ELSE 1 + r.programme %% {PROGRAMMES - 1} END
        JOIN bench_template t ON t.n = (p.n * 37 + r.template %% {TEMPLATES_PER_PROGRAMME}) %% {templates}
        JOIN bench_source s ON s.n = r.source %% {SOURCES}
        JOIN bench_factor f ON f.n = p.n %% {len(FACTORS)}
    """
    values = [
        "''", "programme_id", "description", "scope", "NULL", "claimant_id", "scenario", "horizon", "measure", "status",
        "basis", "qualifier", "as_published", "value", "value_low", "value_high", "unit", "period_start", "period_end",
        "source_id", "locator", "note", "1", quantity, like_for_like, "0",
    ]  # fmt: skip
    # Ids in the order of i, so that figure i has the same id on every run. SQLite's plan already reads the series in
    # order (sorting again would cost a third of the load); PostgreSQL's hash joins do not, so it sorts, in memory.
    order = " ORDER BY i" if postgres else ""
    sql = f"INSERT INTO {Figure._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM ({chosen}) AS chosen{order}"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(sql, [first, stop - 1])


@contextlib.contextmanager
def indexes_set_aside(aside: bool) -> Iterator[None]:
    """Drop the figure table's secondary indexes for a load that more than doubles it, and build them again after.

    Building an index once from all the rows is several times faster than keeping it up to date row by row (on SQLite
    the quantity index alone took half the load's time).
    """
    from django.db import connection

    from programmes.models import Figure

    if not aside:
        yield
        return
    table = Figure._meta.db_table
    keys: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                "(SELECT conindid::regclass::text FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            # The foreign keys too: checking them all at once when they are added back is one join, not a trigger per row.
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [table]
            )
            keys = cursor.fetchall()
            for name, _ in keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL", [table])
            indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def check_quantities() -> int:
    """rules.quantity_key and like_for_like_key of a sample of the synthetic figures are what the SQL wrote."""
    from programmes import rules
    from programmes.models import Figure

    sample = list(Figure.objects.filter(programme__slug__startswith=PREFIX).select_related("programme").order_by("pk")[:CHECKED])
    wrong = [
        figure.pk
        for figure in sample
        if (rules.quantity_key(figure), rules.like_for_like_key(figure)) != (figure.quantity, figure.like_for_like)
    ]
    if wrong:
        raise SystemExit(f"{len(wrong)} synthetic figures have a quantity rules.quantity_key would not give, e.g. {wrong[:5]}")
    return len(sample)


def synthetic_count() -> int:
    from programmes.models import Figure

    return Figure.objects.filter(programme__slug__startswith=PREFIX).count()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figures", type=int, help="synthetic figures wanted (the cited dataset's come on top)")
    parser.add_argument("--database", required=True, help="sqlite:PATH or postgres://user@host:port/bench_name")
    parser.add_argument("--no-flags", action="store_true", help="skip computing the disagreement flags")
    options = parser.parse_args(argv)
    setup(options.database)
    from django.db import connection, transaction

    from programmes import flags, lines

    timings: dict[str, float] = {}
    started = time.perf_counter()
    ensure_base()
    # With 0, only the cited dataset: the baseline the benchmark compares every larger size with.
    programmes, sources = ensure_programmes_and_sources() if options.figures else ([], [])
    timings["base"] = time.perf_counter() - started
    have = synthetic_count()
    if have > options.figures:
        raise SystemExit(f"the database already holds {have:,} synthetic figures, more than {options.figures:,}")
    added = options.figures - have
    started = time.perf_counter()
    if added:
        with transaction.atomic(), indexes_set_aside(added > have + 221):
            insert_figures(have, options.figures, scratch_tables(programmes, sources))
    timings["load"] = time.perf_counter() - started
    if added:
        check_quantities()
    started = time.perf_counter()
    timings["flags"] = timings["lines"] = 0.0
    if added:
        # The lines once, after the flags they show, in one INSERT ... SELECT of every figure: timed on their own.
        with lines.deferred():
            if not options.no_flags:
                flags.refresh_all()
            timings["flags"] = time.perf_counter() - started
            started = time.perf_counter()
            lines.refresh_all()
        timings["lines"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    timings["analyze"] = time.perf_counter() - started
    print(
        f"{connection.vendor}: {added:,} synthetic figures added ({options.figures:,} in all) in {timings['load']:.1f} s "
        f"({added / max(timings['load'], 1e-9):,.0f} rows/s), flags in {timings['flags']:.1f} s, CSV lines in {timings['lines']:.1f} s, "
        f"{'VACUUM ANALYZE' if connection.vendor == 'postgresql' else 'ANALYZE'} {timings['analyze']:.1f} s",
        flush=True,
    )
    return timings


if __name__ == "__main__":
    main()
