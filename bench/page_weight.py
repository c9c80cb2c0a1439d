"""Page weight: the bytes a browser downloads for one page, on a first visit and on repeat visits.

Measure the site as `make run` serves it (gunicorn and whitenoise, DEBUG off, after collectstatic):

    make run PORT=8011                                   # in another terminal
    .venv/bin/python bench/page_weight.py http://127.0.0.1:8011/programmes/ngss-2012/

Chromium's DevTools Network events give each response's encodedDataLength: the bytes that crossed the network,
headers included, compressed as sent; a response the browser's cache served counts 0. The first visit starts from an
empty profile. The repeat visit navigates to the page again in the same browser (the memory cache is warm); the
return visit restarts the browser on the same profile, as a reader coming back the next day, so only the disk cache
carries over. Chromium asks for brotli from HTTPS origins and from 127.0.0.1, so whitenoise sends its .br files here as
it would to a reader over HTTPS.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Playwright, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ALL_CHARTS_DRAWN = "() => [...document.querySelectorAll('.chart-plot')].every(plot => plot.dataset.drawn === 'true')"


@dataclass
class Transfer:
    """One response as the browser received it."""

    path: str
    status: int = 0
    encoding: str = ""
    cached: str = ""
    wire: int = 0
    body: int = 0


def navigate(context: BrowserContext, url: str) -> list[Transfer]:
    """Load the page in a new tab and wait for its charts; return every response it took."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    transfers: dict[str, Transfer] = {}

    def on_response(event: dict) -> None:
        response = event["response"]
        transfer = transfers.setdefault(event["requestId"], Transfer(urlsplit(response["url"]).path))
        transfer.status = response["status"]
        transfer.encoding = {k.lower(): v for k, v in response["headers"].items()}.get("content-encoding", "")
        if response.get("fromDiskCache"):
            transfer.cached = "disk"

    def on_served_from_cache(event: dict) -> None:
        transfers[event["requestId"]].cached = transfers[event["requestId"]].cached or "memory"

    def on_data(event: dict) -> None:
        transfers[event["requestId"]].body += event["dataLength"]

    def on_finished(event: dict) -> None:
        transfers[event["requestId"]].wire = int(event["encodedDataLength"])

    cdp.on(
        "Network.requestWillBeSent",
        lambda event: transfers.setdefault(event["requestId"], Transfer(urlsplit(event["request"]["url"]).path)),
    )
    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.requestServedFromCache", on_served_from_cache)
    cdp.on("Network.dataReceived", on_data)
    cdp.on("Network.loadingFinished", on_finished)
    cdp.send("Network.enable")
    page.goto(url, wait_until="networkidle")
    page.wait_for_function(ALL_CHARTS_DRAWN)
    page.close()
    return list(transfers.values())


def launch(playwright: Playwright, profile: str) -> BrowserContext:
    return playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def report(title: str, transfers: list[Transfer]) -> None:
    print(
        f"\n{title}: {sum(t.wire for t in transfers) / 1000:.1f} kB transferred, {sum(t.body for t in transfers) / 1000:.1f} kB of content"
    )
    print("| resource | status | encoding | from cache | transferred (bytes) | content (bytes) |")
    print("|---|---|---|---|---|---|")
    for t in transfers:
        print(f"| `{t.path}` | {t.status} | {t.encoding or '–'} | {t.cached or '–'} | {t.wire:,} | {t.body:,} |")


def main(url: str) -> None:
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = launch(playwright, profile)
        report("First visit (empty cache)", navigate(context, url))
        report("Repeat visit (same browser)", navigate(context, url))
        context.close()
        context = launch(playwright, profile)
        report("Return visit (browser restarted, same profile)", navigate(context, url))
        context.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8011/programmes/ngss-2012/")
