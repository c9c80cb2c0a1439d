"""How long the public pages take to build, with the chart cache cold and warm, side by side in one run.

Runs against a scratch SQLite database holding the cited dataset, through the whole stack (URL, middleware,
view, template) with Django's test client:

    .venv/bin/python bench/page_render.py --repeat 20

"Cold" clears the cache before each request, as after an editor's change; "warm" is every other request.
The ratio is what the chart cache saves.
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
    database.unlink()


if __name__ == "__main__":
    main(sys.argv[1:])
