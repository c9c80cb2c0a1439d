"""Do password guessers slow the public pages? `python bench/login_load.py` (not part of `make bench`: it takes a minute).

Starts gunicorn as `make run` does (gunicorn.conf.py) on a scratch SQLite copy of the dataset, times GET / alone, then
again while four clients post wrong passwords to the admin login as fast as they can. django-axes locks them out after
LOGIN_FAILURE_LIMIT failures, after which a guess is refused before any password hashing. Reports both medians.
"""

from __future__ import annotations

import http.cookiejar
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def median_get(url: str) -> float:
    times = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        with urllib.request.urlopen(url) as response:
            response.read()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def guess(base: str, stop, counts) -> None:
    """A guesser that does it properly: takes the form's CSRF token with its cookie, then posts wrong passwords."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/admin/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    while not stop.is_set():
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "editor", "password": "wrong"}).encode()
        request = urllib.request.Request(base + "/admin/login/", data=body, headers={"Referer": base + "/admin/login/"})
        try:
            opener.open(request, timeout=30).read()
        except urllib.error.HTTPError as error:
            counts.append(error.code)
        else:
            counts.append(200)


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "bench", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_COOKIES": "0"}
    env["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.sqlite3'}"
    for command in (["migrate", "--no-input", "-v0"], ["load_dataset", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "sharedservices.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz").read()
                break
            except OSError:
                time.sleep(0.2)
        median_get(base + "/")  # warm the chart cache
        quiet = median_get(base + "/")
        # The guessers run in their own processes, so that they do not slow this one's timing loop by holding its GIL.
        with multiprocessing.Manager() as manager:
            stop, counts = manager.Event(), manager.list()
            guessers = [multiprocessing.Process(target=guess, args=(base, stop, counts)) for _ in range(4)]
            for process in guessers:
                process.start()
            time.sleep(2)
            loaded = median_get(base + "/")
            stop.set()
            for process in guessers:
                process.join()
            counts = list(counts)
    finally:
        server.terminate()
        server.wait()
    print(
        f"GET / median alone: {quiet * 1000:.1f} ms; with 4 guessers: {loaded * 1000:.1f} ms ({loaded / quiet - 1:+.0%}); guesser responses: { {c: counts.count(c) for c in set(counts)} }"
    )


if __name__ == "__main__":
    main()
