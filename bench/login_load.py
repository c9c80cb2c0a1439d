"""Do password guessers slow the public pages? `python bench/login_load.py` (not part of `make bench`: it takes a minute).

Starts gunicorn as `make run` does (gunicorn.conf.py) on a scratch SQLite copy of the dataset (BENCH_DATABASE_URL for
another database), locks the guessers out as django-axes would any attacker, then times GET / in rounds, each round
side by side: alone, under a paced attack, under a flood of guesses, and (for comparison) under the same flood of
GET /healthz, the cheapest URL the site has.

The guessers are four processes posting wrong passwords to /admin/login/ from one address, at the lowest CPU priority
(nice 19), so that on a machine where they share the cores with the server and the timing client, they take only
the CPU the server leaves idle, as an attacker's own machine would: what is measured is what each guess costs the
server, not the guessers' own work. Paced: RATE guesses a second each (4 x 10 = 40 a second from one address, a
password-guessing tool running several connections at once; a proxy's per-address limit would cut it further). Flood:
as fast as the server answers.

    python bench/login_load.py [--rounds 5] [--samples 40] [--rate 10]
"""

from __future__ import annotations

import argparse
import collections
import http.client
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUESSERS = 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> int:
    """One request on a fresh connection, as a browser's first visit or a guessing tool makes it; returns the status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def timings(port: int, samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        assert request(port, "GET", "/") == 200
        times.append(time.perf_counter() - started)
    return times


def login_form(port: int) -> tuple[str, str]:
    """The CSRF cookie and form token a guesser needs for its guesses to reach the password check at all."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", "/admin/login/")
        response = connection.getresponse()
        page = response.read().decode()
        cookie = SimpleCookie(response.headers["Set-Cookie"])["csrftoken"].value
    finally:
        connection.close()
    return cookie, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def guess(port: int, active, stop, rate, probe, refused, results) -> None:
    """A guesser posting wrong passwords while `active` is set, `rate` a second (0: as fast as answered).

    With `probe` set it requests /healthz instead, the cheapest URL there is: a flood of anything, for comparison.
    """
    os.nice(19)
    cookie, token = login_form(port)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": "editor", "password": "wrong"}).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookie}",
        "Referer": f"http://127.0.0.1:{port}/admin/login/",
    }
    counts: collections.Counter = collections.Counter()
    next_at = time.monotonic()
    while not stop.is_set():
        if not active.wait(0.1):
            continue
        if probe.value:
            request(port, "GET", "/healthz")
            status = "healthz"
        else:
            status = request(port, "POST", "/admin/login/", body, headers)
        counts[status] += 1
        if status in (429, "healthz"):
            with refused.get_lock():
                refused.value += 1
        if pace := rate.value:
            next_at = max(next_at + 1 / pace, time.monotonic() - 1 / pace)
            time.sleep(max(0.0, next_at - time.monotonic()))
    results.put(dict(counts))


def milliseconds(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.1f}"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=40, help="GET / requests per condition per round")
    parser.add_argument("--rate", type=float, default=10, help="guesses a second per guesser in the paced attack")
    args = parser.parse_args(argv)

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
    active, stop = multiprocessing.Event(), multiprocessing.Event()
    rate, probe, refused = multiprocessing.Value("d", 0.0), multiprocessing.Value("b", 0), multiprocessing.Value("i", 0)
    results = multiprocessing.Queue()
    guessers = [multiprocessing.Process(target=guess, args=(port, active, stop, rate, probe, refused, results)) for _ in range(GUESSERS)]
    # (name, guesses a second per guesser or None for no guessing, whether they request /healthz instead)
    plan = (
        ("alone", None, False),
        (f"paced guessing ({GUESSERS} x {args.rate:g}/s)", args.rate, False),
        ("flood of guesses", 0.0, False),
        ("flood of GET /healthz", 0.0, True),
    )
    conditions: dict[str, list[float]] = {name: [] for name, _, _ in plan}
    rows = []
    try:
        for _ in range(100):
            try:
                request(port, "GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        timings(port, 10)  # warm the chart cache and every worker
        for process in guessers:
            process.start()
        # Lock the guessers out first, as any attacker soon is: the first LOGIN_FAILURE_LIMIT guesses are checked
        # (passwords hashed); after that every gunicorn worker refuses them.
        active.set()
        while refused.value < 200:
            time.sleep(0.1)
        for round_number in range(1, args.rounds + 1):
            medians = []
            for name, pace, healthz in plan:
                if pace is None:
                    active.clear()
                else:
                    rate.value, probe.value = pace, healthz
                    active.set()
                time.sleep(0.5)
                before = refused.value
                started = time.monotonic()
                times = timings(port, args.samples)
                guesses_per_second = (refused.value - before) / (time.monotonic() - started)
                conditions[name].extend(times)
                medians.append(f"{milliseconds(times)} ms" + (f" ({guesses_per_second:.0f}/s)" if pace is not None else ""))
            rows.append((round_number, *medians))
        active.clear()
        stop.set()
        counts: collections.Counter = collections.Counter()
        for _ in guessers:
            counts.update(results.get(timeout=30))
        for process in guessers:
            process.join()
    finally:
        stop.set()
        for process in guessers:
            if process.is_alive():
                process.terminate()
        server.terminate()
        server.wait()

    alone = statistics.median(conditions["alone"])
    print(f"GET / median, {args.samples} requests per condition per round; guessers at nice 19\n")
    print("| round | " + " | ".join(conditions) + " |")
    print("|---" * (len(conditions) + 1) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    print("| all rounds | " + " | ".join(f"{milliseconds(times)} ms" for times in conditions.values()) + " |")
    print("| ratio to alone | " + " | ".join(f"{statistics.median(times) / alone:.2f}" for times in conditions.values()) + " |")
    print(f"\nguesser responses: {dict(sorted(counts.items(), key=str))}")


if __name__ == "__main__":
    main(sys.argv[1:])
