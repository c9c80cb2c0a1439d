"""The record over time: pages as at a date beside today's, /changes/ and its downloads, cold and warm, in one run.

Runs against a scratch SQLite database holding the cited dataset, through the whole stack (URL, middleware,
view, template) with Django's test client:

    .venv/bin/python bench/record_pages.py --repeat 10

"Cold" clears the cache before each request, as after an editor's change; "warm" is every other request. A page
as at a date is cached under the date and the change stamp, so its warm cost should be today's. A download is timed
until its last piece has been read.

Last, /changes/ over a long period beside a programme of --synthetic made-up figures: its first and a late page, and
its downloads, with their sizes:

    .venv/bin/python bench/record_pages.py --repeat 3 --synthetic 40000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [
    ("/", "/?as_at=2016-05-20"),
    ("/programmes/ngss-2012/", "/programmes/ngss-2012/?as_at=2016-05-20"),
    ("/programmes/clusters-2021/", "/programmes/clusters-2021/?as_at=2022-11-30"),
]
CHANGES = [
    "/changes/?since=2016-05-19&until=2016-05-20",
    "/changes/?since=2013-01-01&until=2026-11-29",
    "/changes/?since=2013-01-01&until=2026-11-29&page=2",
    "/changes.csv?since=2013-01-01&until=2026-11-29",
    "/changes.json?since=2013-01-01&until=2026-11-29",
    "/changes/feed/",
]


def timed(client, url: str, repeat: int, clear) -> tuple[float, int]:
    """Median milliseconds for one request, and the queries of the last one."""
    return measured(client, url, repeat, clear)[:2]


def measured(client, url: str, repeat: int, clear) -> tuple[float, int, int]:
    """Median milliseconds for one request read to its end, the queries of the last one and its size in bytes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples, queries, size = [], 0, 0
    for _ in range(repeat):
        if clear:
            clear()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            size = len(b"".join(response.streaming_content) if response.streaming else response.content)
            samples.append((time.perf_counter() - start) * 1000)
        queries = len(captured.captured_queries)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples), queries, size


def long_period(client, options, clear) -> None:
    """/changes/ since 2000 beside a programme of --synthetic made-up figures (tests.helpers), cold and warm."""
    from tests.helpers import add_synthetic_figures, make_programme

    add_synthetic_figures(make_programme("synthetic", name="Synthetic strategy"), options.synthetic)
    clear()
    urls = [
        "/changes/?since=2000-01-01",
        "/changes/?since=2000-01-01&page=200",
        "/changes.csv?since=2000-01-01",
        "/changes.json?since=2000-01-01",
    ]
    print(f"\n/changes/ since 2000 beside {options.synthetic:,} synthetic figures, median milliseconds (queries), bytes\n")
    print("| address | cold | warm | bytes |")
    print("|---|---|---|---|")
    for url in urls:
        cold = measured(client, url, options.repeat, clear)
        warm = measured(client, url, options.repeat, None)
        print(f"| `{url}` | {cold[0]:.1f} ({cold[1]}) | {warm[0]:.1f} ({warm[1]}) | {warm[2]:,} |")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--synthetic", type=int, default=0, help="synthetic figures for the long period's table (0: none)")
    options = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    database = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    os.environ.update({"DATABASE_URL": f"sqlite:///{database}", "DEBUG": "0", "SECRET_KEY": "bench", "ALLOWED_HOSTS": "testserver"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sharedservices.settings")
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("load_dataset", verbosity=0)
    client = Client()
    print(f"Median of {options.repeat} requests, milliseconds (queries of one request), SQLite, cited dataset\n")
    print("| page | today cold | at a date cold | today warm | at a date warm | warm, at a date / today |")
    print("|---|---|---|---|---|---|")
    for today, dated in PAIRS:
        client.get(today)
        client.get(dated)
        cold = [timed(client, url, options.repeat, cache.clear) for url in (today, dated)]
        warm = [timed(client, url, options.repeat, None) for url in (today, dated)]
        cells = [f"{ms:.1f} ({queries})" for ms, queries in (*cold, *warm)]
        print(f"| `{dated}` | {' | '.join(cells)} | {warm[1][0] / warm[0][0]:.2f}× |")
    print("\n| address | cold | warm | cold / warm |")
    print("|---|---|---|---|")
    for url in CHANGES:
        client.get(url)
        (cold, cold_queries), (warm, warm_queries) = (
            timed(client, url, options.repeat, cache.clear),
            timed(client, url, options.repeat, None),
        )
        print(f"| `{url}` | {cold:.1f} ({cold_queries}) | {warm:.1f} ({warm_queries}) | {cold / warm:.1f}× |")
    if options.synthetic:
        long_period(client, options, cache.clear)
    database.unlink()


if __name__ == "__main__":
    main(sys.argv[1:])
