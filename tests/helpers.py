"""Small named builders for rows the tests need; the real dataset is loaded separately."""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import dj_database_url
import pytest
from concurrency.forms import VersionField
from django.conf import settings
from django.test import Client

from programmes import flags, lines, rules
from programmes.importing import COLUMNS
from programmes.models import Figure, Organisation, Programme, Source

ROOT = Path(settings.BASE_DIR)
USES_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

# How long a test waits for something that takes well under a second on an idle machine (a server starting, a page
# answering, an element appearing): a bound that only stops a hang, far above what the slowest loaded CI machine
# needs, so that no test passes or fails by the machine's speed. A passing wait ends as soon as its event happens.
PATIENCE = 120

KINDS = {"National Audit Office": "audit_body", "Public Accounts Committee": "committee", "Cabinet Office": "government"}


def make_programme(slug: str = "test-strategy", **fields) -> Programme:
    defaults = {"name": f"Test strategy {slug}", "kind": "strategy"}
    return Programme.objects.create(slug=slug, **{**defaults, **fields})


def make_organisation(name: str = "National Audit Office", **fields) -> Organisation:
    """The organisation of this name, made on first use (kind from a short list of known names, else a publication)."""
    organisation, _ = Organisation.objects.get_or_create(name=name, defaults={"kind": KINDS.get(name, "publication"), **fields})
    return organisation


def make_source(key: str = "test-source", **fields) -> Source:
    defaults = {
        "title": f"Test report {key}",
        "publisher": "National Audit Office",
        "kind": "audit_report",
        "published": datetime.date(2016, 5, 20),
        "url": f"https://example.org/{key}",
    }
    fields = {**defaults, **fields}
    if isinstance(fields["publisher"], str):
        fields["publisher"] = make_organisation(fields["publisher"])
    return Source.objects.create(key=key, **fields)


def make_figure(programme: Programme, source: Source, **fields) -> Figure:
    """A figure claimed by its source's publisher unless a claimant is given; targets and forecasts are projections."""
    defaults = {
        "description": "Savings delivered",
        "measure": "savings",
        "status": "audited",
        "basis": "cumulative",
        "value": Decimal("90"),
        "unit": "gbp_m",
        "period_start": 2013,
        "period_end": 2015,
    }
    fields = {**defaults, **fields}
    claimant = fields.pop("claimant", source.publisher)
    fields["claimant"] = make_organisation(claimant) if isinstance(claimant, str) else claimant
    fields.setdefault("horizon", "projection" if fields["status"] in ("target", "forecast") else "outturn")
    return Figure.objects.create(programme=programme, source=source, **fields)


def disagreeing_by_rule(figures: Iterable[Figure]) -> dict[int, list[Figure]]:
    """For each figure that others disagree with, those others: rules.disagree asked of every pair of each quantity's figures."""
    by_quantity: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        by_quantity[rules.quantity_key(figure)].append(figure)
    found = {}
    for group in by_quantity.values():
        for figure in group:
            others = [other for other in group if rules.disagree(figure, other)]
            if others:
                found[figure.pk] = others
    return found


def delete_all_figures() -> None:
    """Delete every figure; a total is protected while parts point at it, so unlink the parts first."""
    with flags.deferred():  # one recomputation of the flags, not one per figure deleted
        Figure.objects.update(part_of=None)
        Figure.objects.all().delete()


def log_in_as_staff(client, username: str = "editor", *, verified: bool = False):
    """A superuser signed in on `client`, past the login page (and, with verified, past its TOTP code too).

    force_login skips django-axes, which needs the request a real login has; tests of the login itself post the form.
    """
    from django.contrib.auth.models import User
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True, "is_superuser": True})
    client.force_login(user)
    if verified:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return user


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, what: str, seconds: float = PATIENCE) -> None:
    """Poll condition until it holds; an OSError (a server not listening yet) counts as not yet."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} within {seconds} s")


def scratch_database(purpose: str) -> tuple[str, str]:
    """A PostgreSQL database of this test process's own, beside the run's: (the URL to create it through, its name).

    Its name starts with the run's database name, so that a CI run that stops half-way drops it with the rest of its
    databases (.ci/run), and two runs against one server never share one.
    """
    import os

    import dj_database_url

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    admin_url = f"postgres://{config['USER']}@{config['HOST']}:{config['PORT']}/{config['NAME']}"
    return admin_url, f"{config['NAME']}_{purpose}_{os.getpid()}"


_site_template: dict[str, str] = {}


def keep_site_template() -> None:
    """Keep the test database as it stands, migrated and loaded with the cited dataset as `make run` leaves it, as the
    template of the live-server tests' own databases (copy_of_the_site).

    Called once per test process, straight after the session's load and before any test writes. Migrating and loading
    again for the template took as long as the session's own set-up; a copy takes a fraction of a second.
    PostgreSQL: a database made from the test database as its template; SQLite: a file the in-memory one is backed up to.
    """
    import atexit
    import sqlite3
    import tempfile

    from django.db import connection

    if USES_POSTGRES:
        admin_url, name = scratch_database("site")
        source = connection.settings_dict["NAME"]
        # A template must have no open connection while it is copied; Django opens a new one at the next query.
        connection.close()
        run_psql(admin_url, name, "DROP DATABASE IF EXISTS {db}", f'CREATE DATABASE {{db}} TEMPLATE "{source}"')
        atexit.register(run_psql, admin_url, name, "DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    else:
        name = f"{tempfile.mkdtemp()}/site.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(name)
        with copy:
            connection.connection.backup(copy)
        copy.close()
    _site_template["site"] = name


def site_template() -> str:
    """The database keep_site_template() kept: on PostgreSQL its name, on SQLite its file's path."""
    return _site_template["site"]


def copy_of_the_site(purpose: str, directory) -> str:
    """A database of one test's own holding what site_template() holds: on PostgreSQL its name, on SQLite its file's path in directory."""
    import shutil

    from django.conf import settings

    template = site_template()
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        admin_url, name = scratch_database(purpose)
        run_psql(admin_url, name, "DROP DATABASE IF EXISTS {db}", f"CREATE DATABASE {{db}} TEMPLATE {template}")
        return name
    return shutil.copy(template, f"{directory}/{purpose}.sqlite3")


def run_psql(admin_url: str, database: str, *statements: str) -> None:
    """Run statements on PostgreSQL outside a transaction (CREATE and DROP DATABASE need that), {db} naming the scratch database."""
    import psycopg2

    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.format(db=database))
    connection.close()


def run_import_command(data: bytes, *args: str, name: str = "nao-2026.csv") -> str:
    """Write data to a file named name and run import_figures on it, as an editor would from a shell; returns what it printed."""
    import io
    import tempfile
    from pathlib import Path

    from django.core.management import call_command

    path = Path(tempfile.mkdtemp()) / name
    path.write_bytes(data)
    out = io.StringIO()
    call_command("import_figures", str(path), *args, stdout=out)
    return out.getvalue()


def add_synthetic_figures(programme: Programme, count: int, seed: int = 10) -> list[Figure]:
    """Add `count` made-up figures to a programme in bulk, with the variety of real ones, and store their flags and lines.

    Every measure, status, basis, qualifier, ranges, unknowns, open and unstated periods and a few scopes, from 40
    sources of several kinds and dates; savings are the most common, as in the record. bulk_create writes no history
    row, so the change stamp does not move: a test clears the cache itself, as an edit would.
    """
    import random

    from programmes import rules

    chance = random.Random(seed)
    kinds = [("audit_report", "National Audit Office"), ("news_article", "Computer Weekly"), ("strategy", "Cabinet Office")]
    kinds += [("press_release", "Cabinet Office"), ("committee_report", "Public Accounts Committee")]
    sources = []
    for number in range(40):
        kind, publisher = kinds[number % len(kinds)]
        published = datetime.date(2005 + number % 20, 1 + number % 12, 1 + number % 28)
        existing = Source.objects.filter(key=f"synthetic-{seed}-{number}").first()
        sources.append(existing or make_source(f"synthetic-{seed}-{number}", publisher=publisher, kind=kind, published=published))
    measures = ["savings"] * 6 + ["savings_rate", "investment", "net_benefit", "funding_requested", "funding_approved"]
    measures += ["deadline", "coverage", "cost_overrun", "contract_value"]
    figures = []
    for number in range(count):
        measure = chance.choice(measures)
        unit = rules.MEASURE_UNITS[measure][0]
        status = chance.choice(["target", "forecast", "claimed", "audited"])
        low = Decimal(chance.randint(1, 900)) if unit != "year" else Decimal(chance.randint(2015, 2035))
        if unit == "percent":
            low = Decimal(chance.randint(1, 60))
        shape = chance.random()
        value, value_low, value_high, qualifier = low, None, None, chance.choice(["exact", "exact", "approx", "at_least"])
        if shape < 0.2:
            value, value_low, value_high = None, low, low + Decimal(chance.randint(1, 200 if unit != "year" else 4))
        elif shape < 0.25:
            value, qualifier = None, "unknown"
        start = chance.choice([None, *range(2004, 2030)])
        end = None if chance.random() < 0.1 else (start or 2010) + chance.randint(0, 5)
        figure = Figure(
            programme=programme,
            source=chance.choice(sources),
            description=f"Synthetic {measure.replace('_', ' ')} figure number {number}, as a source might describe it",
            measure=measure,
            status=status,
            basis=chance.choice(["annual", "cumulative", "cumulative", "one_off"]) if unit != "year" else "point_in_time",
            qualifier=qualifier,
            value=value,
            value_low=value_low,
            value_high=value_high,
            unit=unit,
            period_start=start,
            period_end=end,
            horizon="projection" if status in ("target", "forecast") and chance.random() < 0.8 else "outturn",
            scope=chance.choice(["", "", "", "", "one centre", "the pilot departments"]),
            locator=f"paragraph {number}",
        )
        figure.claimant = figure.source.publisher
        figure.fill_derived()
        figures.append(figure)
    Figure.objects.bulk_create(figures, batch_size=500)
    flags.refresh({figure.quantity for figure in figures})
    lines.refresh(figure.pk for figure in figures)  # bulk_create skips save(), as in the import
    return figures


def figure_form(figure: Figure, **changes) -> dict:
    """The figure's change form as a browser posts it."""
    data = {
        "programme": figure.programme_id,
        "description": figure.description,
        "measure": figure.measure,
        "status": figure.status,
        "basis": figure.basis,
        "as_published": figure.as_published or figure.display_value,
        "period": figure.period_as_published or figure.period_display,
        "source": figure.source_id,
        "locator": figure.locator,
        "note": figure.note,
        "key": figure.key,
        "claimant": figure.claimant_id,
        "horizon": figure.horizon,
        "version": str(VersionField().prepare_value(figure.version)),
        "scope": figure.scope,
        "scenario": figure.scenario,
        "speaks_for": figure.speaks_for,
        "milestone": figure.milestone,
        "part_of": figure.part_of_id or "",
        "revises": figure.revises_id or "",
        "change_reason": "Checked against the report",
    }
    return {**data, **changes}


# Rows for the bulk import, as an editor fills the template. -----------------------------------------------------

NEW_SOURCE = {
    "source_id": "",
    "source_title": "Progress with the shared services strategy",
    "source_publisher": "National Audit Office",
    "source_published": "2026-10-14",
    "source_url": "https://www.nao.org.uk/reports/progress-with-shared-services/",
}


def export(client, query: str = "") -> bytes:
    response = client.get(f"/data/figures.csv{query}")
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def new_row(**cells: str) -> dict[str, str]:
    """A valid row for a new audited figure about ngss-2012 from a new NAO report; cells override it."""
    row = dict.fromkeys(COLUMNS, "")
    row |= {"programme": "ngss-2012", "measure": "savings", "status": "audited", "basis": "annual", "qualifier": "exact"}
    row |= {"value": "95", "unit": "gbp_m", "period_start": "2024-25", "period_end": "2025-26", "locator": "para 2.4"}
    return row | NEW_SOURCE | cells


def existing_row(figure: Figure, **cells: str) -> dict[str, str]:
    """The figure's row exactly as the export writes it, with cells overridden."""
    text = export(Client(), f"?programme={figure.programme.slug}").decode("utf-8-sig")
    row = next(row for row in csv.DictReader(io.StringIO(text, newline="")) if row["id"] == str(figure.pk))
    return row | cells


def to_csv(*rows: dict[str, str], columns: list[str] = COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


# Downloads, read as an analyst would. ------------------------------------------------------------------------


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, body(response)
    return list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"), newline="")))


def json_document(response) -> dict:
    assert response.status_code == 200, body(response)
    return json.loads(body(response))


# Cards on a page. --------------------------------------------------------------------------------------------

CARD = re.compile(r'<div data-card="(?P<role>[a-z-]+)">(?P<body>.*?)</dd>', re.DOTALL)
# A figure's link, with or without ?as_at= (the pages' own links keep the date).
FIGURE_LINK = re.compile(r'href="/figures/(?P<key>[^/"?]+)/(?:\?[^"]*)?"')


def cards_on(html: str) -> dict[str, str | None]:
    """Each card's role and the key of the figure that heads it for the programme as a whole (None when none does)."""
    found = {}
    for card in CARD.finditer(html):
        link = FIGURE_LINK.search(card["body"]) if "data-heads" in card["body"] else None
        found[card["role"]] = link["key"] if link else None
    return found


def instead_on(html: str) -> dict[str, list[str]]:
    """Each card's role and what it shows instead when no figure speaks for the whole programme: the keys of its
    scenarios side by side, or of the figure for some of its members (none when neither)."""
    found = {}
    for card in CARD.finditer(html):
        _, marker, rest = card["body"].partition("data-scenario" if "data-scenario" in card["body"] else "data-narrower")
        found[card["role"]] = [link["key"] for link in FIGURE_LINK.finditer(rest)] if marker else []
    return found


# Figures held in memory. -------------------------------------------------------------------------------------


def unsaved(pk: int, **fields) -> Figure:
    """A figure held in memory only, for the rules that read a figure's fields and its source, never the database.

    By default an audited total of £90m for 2013-14 to 2015-16 from one NAO report of 20 May 2016, claimed by one
    body; a target or forecast is a projection, anything else an outturn. Fields override any of it.
    """
    defaults = {
        "programme": Programme(pk=1, slug="p"),
        "measure": "savings",
        "status": "audited",
        "basis": "cumulative",
        "unit": "gbp_m",
        "qualifier": "exact",
        "value": Decimal("90"),
        "period_start": 2013,
        "period_end": 2015,
        "scope": "",
        "scenario": "",
        "claimant_id": 1,
    }
    fields = {**defaults, **fields}
    fields.setdefault("horizon", "projection" if fields["status"] in ("target", "forecast") else "outturn")
    if "source" not in fields:
        published = datetime.date(2016, 5, 20)
        fields["source"] = Source(
            pk=fields.pop("source_id", 1), published=published, date_precision="day", is_primary=True, kind="audit_report"
        )
    figure = Figure(**fields)
    figure.pk = pk
    return figure


# Live servers: gunicorn on a database of its own, and a relay that can cut its path to PostgreSQL. --------------


class Relay:
    """A TCP relay to PostgreSQL that can be cut and restored, as a network fault would."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []
        # Cleared while frozen: the relay still accepts connections and bytes, and forwards nothing either way.
        self.flowing = threading.Event()
        self.flowing.set()
        # A mark each time, while frozen, a connection or a message reached the relay and was held there (list.append is
        # atomic across the relay's threads, where += on a count is not).
        self.held: list[None] = []

    def start(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self.accept, args=(self.listener,), daemon=True).start()

    def accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            self.connections.append(client)
            if not self.flowing.is_set():
                self.held.append(None)
                continue  # a silent database: the connection is accepted and then nothing happens
            upstream = socket.create_connection(self.target)
            self.connections.append(upstream)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pipe, args=(source, sink), daemon=True).start()

    def pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self.flowing.is_set():
                    self.held.append(None)
                self.flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            # Closed, not only shut down: a relay socket shut down for reading with bytes still unread leaves
            # PostgreSQL's side of it with a full window, so a backend writing to it would wait for ever.
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self) -> None:
        self.flowing.set()

    def cut(self) -> None:
        # Shut down before closing: a thread blocked in accept() would otherwise keep the port listening.
        self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        self.connections.clear()
        self.flowing.set()


# DATABASE_TIMEOUT for the server under test, in seconds: long enough that the requests a test makes while others wait
# on the stalled database are answered before those give up, however busy the machine.


STALL_TIMEOUT = 10


def get(url: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(url, timeout=PATIENCE) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


# The test database's session set-up keeps the template its own database is copied from (tests/conftest.py). The
# marker, not the fixture alone, has pytest-django create the test database when these are the only tests selected;
# without it the set-up would load the dataset into the database the settings name.
@pytest.mark.django_db
class LiveServer:
    """gunicorn on its own database, as `make run` starts it; the subclasses break the database in different ways."""

    relay_class = Relay  # on PostgreSQL, what stands between the server and the database
    workers = 1
    environment: dict[str, str] = {}  # what a subclass sets on top

    def setup_method(self) -> None:
        self.tmp = Path(tempfile.mkdtemp())
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": "outage-test",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_TIMEOUT": str(STALL_TIMEOUT),
            "WEB_THREADS": "4",
            **self.environment,
        }
        if USES_POSTGRES:
            self.setup_postgres()
        else:
            self.db_file = Path(copy_of_the_site("outage", self.tmp))
            self.env["DATABASE_URL"] = f"sqlite:///{self.db_file}"
        self.port = free_port()
        self.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "sharedservices.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                str(PATIENCE),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.wait_until(lambda: get(self.url("/about/"))[0] == 200)

    def setup_postgres(self) -> None:
        config = dj_database_url.parse(os.environ["DATABASE_URL"])
        self.relay = self.relay_class((config["HOST"] or "127.0.0.1", int(config["PORT"] or 5432)))
        self.relay.start()
        self.admin_url, self.database = scratch_database("outage")
        copy_of_the_site("outage", self.tmp)
        self.env["DATABASE_URL"] = f"postgres://{config['USER']}@127.0.0.1:{self.relay.port}/{self.database}"

    def psql(self, *statements: str) -> None:
        run_psql(self.admin_url, self.database, *statements)

    def teardown_method(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=PATIENCE)
        if USES_POSTGRES:
            self.relay.cut()
            self.psql("DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        shutil.rmtree(self.tmp, ignore_errors=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @staticmethod
    def wait_until(condition) -> None:
        wait_until(condition, "the server did not reach the expected state")

    def break_database(self) -> None:
        if USES_POSTGRES:
            self.relay.cut()
        else:
            self.db_file.rename(self.tmp / "away.sqlite3")

    def restore_database(self) -> None:
        if USES_POSTGRES:
            self.relay.start()
        else:
            self.db_file.unlink(missing_ok=True)
            (self.tmp / "away.sqlite3").rename(self.db_file)


# Forms posted without a browser: what a browser would send for a form on a page, read from its HTML. --------------


class FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, list[str]] = {}
        self.select: tuple[str, bool] | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.text = ""

    def add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = found.get("id") == self.form_id
        if not self.inside or "disabled" in found:
            return
        if tag == "input" and found.get("name"):
            kind = found.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in found:
                    self.add(found["name"], found.get("value", "on"))
            elif kind not in ("submit", "button", "image", "file", "reset"):
                self.add(found["name"], found.get("value", ""))
        elif tag == "select" and found.get("name"):
            self.select, self.options = (found["name"], "multiple" in found), []
        elif tag == "option" and self.select:
            self.options.append((found.get("value", ""), "selected" in found))
        elif tag == "textarea" and found.get("name"):
            self.textarea, self.text = found["name"], ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            name, multiple = self.select
            chosen = [value for value, selected in self.options if selected]
            if not chosen and not multiple and self.options:
                chosen = [self.options[0][0]]
            for value in chosen:
                self.add(name, value)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # Browsers drop the one line break that may follow <textarea>.
            self.add(self.textarea, self.text.removeprefix("\r\n").removeprefix("\n"))
            self.textarea = None


def form_data(html: str, form_id: str) -> dict[str, list[str]]:
    """The fields of the form with this id, as a browser would submit them unchanged."""
    reader = FormReader(form_id)
    reader.feed(html)
    return reader.fields


def csp_directives(response) -> dict[str, str]:
    """The response's Content-Security-Policy, directive by directive: {"frame-ancestors": "'none'", ...}."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name] = value.strip()
    return directives
