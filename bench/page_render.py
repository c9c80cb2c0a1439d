"""How long the public pages take to build, with the chart cache cold and warm, side by side in one run.

Runs against a scratch SQLite database holding the cited dataset, through the whole stack (URL, middleware,
view, template) with Django's test client:

    .venv/bin/python bench/page_render.py --repeat 20

"Cold" clears the cache before each request, as after an editor's change; "warm" is every other request.
The ratio is what the chart cache saves.

Then the programme page as the view of commit --before built it (served at /before/programmes/<slug>/, with that
commit's template) beside today's, cold and warm, on the cited dataset and again with --extra copies of the
programme's own figures added to it; and last, every public page beside a new programme of --synthetic made-up
figures, with its HTML size and queries cold and warm:

    .venv/bin/python bench/page_render.py --repeat 20 --extra 2000 --before 8a58d5b
"""

from __future__ import annotations

import argparse
import copy
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The last commit whose programme page loaded every figure of the programme before it asked the cache (issue 10).
BEFORE = "5ffcddc"
GROWN = "ngss-2012"
PAGES = ["/", "/programmes/ngss-2012/", "/programmes/clusters-2021/", "/programmes/early-shared-services/", "/sources/", "/figures/1/"]


def timed(client, url: str, repeat: int, clear) -> float:
    """Median milliseconds for one request."""
    samples = []
    for _ in range(repeat):
        if clear:
            clear()
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--before", default=BEFORE, help="the commit whose programme page view is timed as 'before'")
    parser.add_argument("--extra", type=int, default=2000, help=f"figures added to {GROWN} for the second comparison")
    parser.add_argument(
        "--cold-repeat", type=int, default=5, help="requests per cold median in the comparison (a cold page can take seconds)"
    )
    parser.add_argument("--synthetic", type=int, default=3000, help="synthetic figures in a new programme for the last table (0: none)")
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
    print(f"Median of {options.repeat} requests per page, milliseconds (SQLite, cited dataset)\n")
    print("| page | cold cache | warm cache | cold / warm |")
    print("|---|---|---|---|")
    for url in PAGES:
        client.get(url)
        cold = timed(client, url, options.repeat, cache.clear)
        warm = timed(client, url, options.repeat, None)
        print(f"| `{url}` | {cold:.1f} | {warm:.1f} | {cold / warm:.1f}× |")
    compare_before_after(client, options)
    if options.synthetic:
        grown_pages(client, options)
    database.unlink()


def git_show(commit: str, path: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:{path}"], capture_output=True, text=True, check=True).stdout


def before_view(commit: str):
    """The programme page view as it was at `commit`, with its template, loaded from git beside today's."""
    from django.http import HttpResponse
    from django.template import engines

    module = types.ModuleType("before_views")
    exec(compile(git_show(commit, "dashboard/views.py"), f"{commit}:dashboard/views.py", "exec"), module.__dict__)
    template = engines["django"].from_string(git_show(commit, "templates/dashboard/programme_detail.html"))
    module.render = lambda request, name, context: HttpResponse(template.render(context, request))
    return module.programme_detail


def serve_before(view) -> None:
    """Add /before/programmes/<slug>/ to the site's URLs, through the same middleware and templates."""
    from django.conf import settings
    from django.urls import clear_url_caches, path

    root = importlib.import_module(settings.ROOT_URLCONF)
    urls = types.ModuleType("bench_urls")
    urls.urlpatterns = [path("before/programmes/<slug:slug>/", view), *root.urlpatterns]
    urls.handler404, urls.handler500 = root.handler404, root.handler500
    sys.modules["bench_urls"] = urls
    settings.ROOT_URLCONF = "bench_urls"
    clear_url_caches()


def grow(slug: str, extra: int) -> int:
    """Add `extra` copies of the programme's own figures (same values, so no new flags); returns its figure count."""
    from django.core.cache import cache

    from programmes.models import Figure

    originals = list(Figure.objects.filter(programme__slug=slug))
    copies = []
    for number in range(extra):
        figure = copy.copy(originals[number % len(originals)])
        figure.pk = figure.id = None
        figure.key = ""
        figure._state.adding = True
        copies.append(figure)
    Figure.objects.bulk_create(copies, batch_size=500)
    # bulk_create skips the flags computed on write: store them, as an import would.
    from programmes import flags

    flags.refresh_all()
    # bulk_create writes no history row, so the change stamp has not moved: clear the cache as an edit would.
    cache.clear()
    return Figure.objects.filter(programme__slug=slug).count()


def warm(client, url: str, repeat: int) -> tuple[float, int, int]:
    """Median warm milliseconds, the queries of one warm request and its HTML bytes."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    # Each request empties the query log as it starts (request_started): capture from an empty log.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    count = len(queries)  # read now: the log is read lazily and later requests empty it
    return timed(client, url, repeat, None), count, len(response.content)


def compare_before_after(client, options) -> None:
    from django.core.cache import cache

    from programmes.models import Figure

    try:
        serve_before(before_view(options.before))
    except subprocess.CalledProcessError as error:
        print(f"\nNo before/after comparison: git could not show {options.before} ({error.stderr.strip()}).")
        return
    print(
        f"\n`/programmes/{GROWN}/`, median milliseconds (cold: {options.cold_repeat} requests, each after emptying the cache; "
        f"warm: {options.repeat}): before = the view of {options.before}, after = this checkout\n"
    )
    print(
        "| figures in the programme | cold before | cold after | warm before | warm after | warm before / after "
        "| warm queries before | after | HTML kB before | after |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    sizes = [Figure.objects.filter(programme__slug=GROWN).count()]
    for step in ("cited", "grown"):
        if step == "grown":
            sizes.append(grow(GROWN, options.extra))
        cold_before = timed(client, f"/before/programmes/{GROWN}/", options.cold_repeat, cache.clear)
        cold_after = timed(client, f"/programmes/{GROWN}/", options.cold_repeat, cache.clear)
        before = warm(client, f"/before/programmes/{GROWN}/", options.repeat)
        after = warm(client, f"/programmes/{GROWN}/", options.repeat)
        label = f"{sizes[-1]:,}" + (f" (+{options.extra:,})" if step == "grown" else " (cited)")
        print(
            f"| {label} | {cold_before:.1f} | {cold_after:.1f} | {before[0]:.1f} | {after[0]:.1f} | {before[0] / after[0]:.1f}× "
            f"| {before[1]} | {after[1]} | {before[2] / 1000:.0f} | {after[2] / 1000:.0f} |"
        )


def grown_pages(client, options) -> None:
    """Each public page beside a programme of --synthetic made-up figures (tests.helpers): HTML size, queries, time."""
    from django.core.cache import cache
    from django.db import connection, reset_queries
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from programmes.models import Figure, Source
    from tests.helpers import add_synthetic_figures, make_programme

    programme = make_programme("synthetic", name="Synthetic strategy")
    add_synthetic_figures(programme, options.synthetic)
    quantity = Figure.objects.filter(programme=programme).values("quantity").annotate(n=Count("pk")).order_by("-n").first()["quantity"]
    figure = Figure.objects.filter(quantity=quantity).order_by("pk").first()
    source = Source.objects.filter(key__startswith="synthetic").annotate(n=Count("figures")).order_by("-n").first()
    urls = ["/", "/programmes/synthetic/", "/programmes/synthetic/?page=7&status=audited", figure.get_absolute_url(), "/sources/"]
    urls.append(source.get_absolute_url())

    def queries(url: str) -> tuple[int, int]:
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        return len(captured), len(response.content)

    print(f"\nBeside a programme of {options.synthetic:,} synthetic figures (tests.helpers.add_synthetic_figures), median milliseconds\n")
    print("| page | HTML kB | queries cold | queries warm | cold | warm |")
    print("|---|---|---|---|---|---|")
    for url in urls:
        cache.clear()
        cold_queries, size = queries(url)
        warm_queries, _ = queries(url)
        cold = timed(client, url, options.cold_repeat, cache.clear)
        warm_ms = timed(client, url, options.repeat, None)
        print(f"| `{url}` | {size / 1000:.0f} | {cold_queries} | {warm_queries} | {cold:.1f} | {warm_ms:.1f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
