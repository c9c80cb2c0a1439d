"""Cold and warm pages at a million figures, through gunicorn as `make run` starts it, this code beside an earlier commit's.

    .venv/bin/python bench/make_dataset.py 1000000 --database sqlite:/tmp/bench1m.sqlite3
    DATABASE_URL=sqlite:////tmp/bench1m.sqlite3 SECRET_KEY=x .venv/bin/python manage.py migrate
    .venv/bin/python bench/cold_pages.py --database sqlite:////tmp/bench1m.sqlite3 --before 40f853f

Both sites serve the same database, each from its own gunicorn (2 workers x 4 threads, the site's own 5 s database
budget, as `make run` has it) and share one Redis database as their cache under different prefixes, so that "cold" can
mean the same thing for both: the cache emptied (FLUSHDB) before each request, as after an edit. The earlier commit is
unpacked with `git archive` and runs on the same schema (it reads none of the newer columns). Each page is asked
--cold times cold and --warm times warm of each site in turn, so both see the same load; a 503 (the budget spent) is
counted, not timed. It prints a Markdown table with the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ROOT, Server, get, percentile  # noqa: E402

PAGES = [
    "/",
    "/programmes/synthetic-0000/",
    "/programmes/ngss-2012/",
    "/figures/",
    "/figures/?status=audited",
    "/search/?q=savings",
    "/never-audited/?programme=ngss-2012",
]
REDIS_DATABASE = 9  # a database of its own: FLUSHDB empties both sites' caches and nothing else


def unpack(commit: str, into: Path) -> Path:
    """The commit's tree, with its static files collected, as a directory gunicorn can serve from."""
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    env = {**os.environ, "SECRET_KEY": "bench-only-secret-key", "DEBUG": "0"}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=into, env=env, check=True)
    return into


def serve(root: Path, database_url: str, redis_url: str, prefix: str, port: int) -> Server:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": prefix,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",
        # Nothing built behind the benchmark's back: a cold page is built by the request that is timed.
        "PAGES_WARM": "0",
        "SHARE_IMAGES_RENDER": "0",
    }
    env.pop("DATABASE_TIMEOUT", None)  # the site's own budget
    # Each tree's own configuration and code: gunicorn reads the file named, then moves into the tree to load the site.
    command = [sys.executable, "-m", "gunicorn", "sharedservices.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--config", str(root / "gunicorn.conf.py"), "--chdir", str(root)]
    return Server(command, env, port)


def timed(server: Server, path: str) -> tuple[int, float]:
    start = time.perf_counter()
    status, _, _ = get(server.url(path), timeout=120)
    return status, (time.perf_counter() - start) * 1000


def measure(sites: dict[str, Server], cache: redis.Redis, cold: int, warm: int) -> dict[tuple[str, str], dict]:
    results: dict[tuple[str, str], dict] = {}
    for path in PAGES:
        for name, server in sites.items():
            samples, failures = [], 0
            for _ in range(cold):
                cache.flushdb()
                status, ms = timed(server, path)
                if status == 200:
                    samples.append(ms)
                else:
                    failures += 1
            timed(server, path)
            warm_samples = [ms for status, ms in (timed(server, path) for _ in range(warm)) if status == 200]
            results[(path, name)] = {"cold": samples, "failed": failures, "warm": warm_samples, "warm_failed": warm - len(warm_samples)}
            print(path, name, summary(samples, failures, cold), summary(warm_samples, warm - len(warm_samples), warm), flush=True)
    return results


def summary(samples: list[float], failed: int, asked: int) -> str:
    if not samples:
        return f"no 200 in {asked} ({failed} failed)"
    text = f"{statistics.median(samples):,.0f} / {percentile(samples, 0.95):,.0f} ms"
    return text + (f", {failed} of {asked} not 200" if failed else "")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="a DATABASE_URL both sites serve")
    parser.add_argument("--before", required=True, help="the earlier commit served beside this tree")
    parser.add_argument("--cold", type=int, default=20)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--redis", default=f"redis://127.0.0.1:6379/{REDIS_DATABASE}")
    options = parser.parse_args(argv)
    cache = redis.Redis.from_url(options.redis)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        before_root = unpack(options.before, Path(tmp))
        with (
            serve(before_root, options.database, options.redis, "before", 8091) as before,
            serve(ROOT, options.database, options.redis, "after", 8092) as after,
        ):
            results = measure({"before": before, "after": after}, cache, options.cold, options.warm)
    cache.flushdb()
    load_after = os.getloadavg()
    print()
    print(f"Load average (1, 5, 15 min) before: {load_before[0]:.1f}, {load_before[1]:.1f}, {load_before[2]:.1f}; ", end="")
    print(
        f"after: {load_after[0]:.1f}, {load_after[1]:.1f}, {load_after[2]:.1f}. p50 / p95 of {options.cold} cold and {options.warm} warm requests."
    )
    print()
    print(f"| page | cold, {options.before} | cold, this tree | warm, {options.before} | warm, this tree |")
    print("|---|---|---|---|---|")
    for path in PAGES:
        old, new = results[(path, "before")], results[(path, "after")]
        cells = [summary(old["cold"], old["failed"], options.cold), summary(new["cold"], new["failed"], options.cold)]
        cells += [summary(old["warm"], old["warm_failed"], options.warm), summary(new["warm"], new["warm_failed"], options.warm)]
        print(f"| `{path}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
