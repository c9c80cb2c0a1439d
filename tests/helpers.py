"""Small named builders for rows the tests need; the real dataset is loaded separately."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from concurrency.forms import VersionField

from programmes import flags, rules
from programmes.models import Figure, Organisation, Programme, Source

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


def site_template() -> str:
    """A database migrated and loaded with the cited dataset, as `make run` leaves it: made once per test process.

    Migrating and loading take seconds of CPU; each live-server test copies this instead (copy_of_the_site), which
    takes a fraction of one. PostgreSQL: the database's name; SQLite: the file's path.
    """
    if "site" not in _site_template:
        import atexit
        import os
        import subprocess
        import sys
        import tempfile

        from django.conf import settings

        env = dict(os.environ)
        if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            admin_url, name = scratch_database("site")
            run_psql(admin_url, name, "DROP DATABASE IF EXISTS {db}", "CREATE DATABASE {db}")
            env["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + f"/{name}"
            atexit.register(run_psql, admin_url, name, "DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        else:
            name = f"{tempfile.mkdtemp()}/site.sqlite3"
            env["DATABASE_URL"] = f"sqlite:///{name}"
        for command in (["migrate", "--no-input", "-v0"], ["load_dataset", "-v0"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=settings.BASE_DIR, env=env, check=True)
        _site_template["site"] = name
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
    """Add `count` made-up figures to a programme in bulk, with the variety of real ones, and store their flags.

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
        "period": figure.period_display,
        "source": figure.source_id,
        "locator": figure.locator,
        "note": figure.note,
        "key": figure.key,
        "claimant": figure.claimant_id,
        "horizon": figure.horizon,
        "version": str(VersionField().prepare_value(figure.version)),
        "scope": figure.scope,
        "scenario": figure.scenario,
        "part_of": figure.part_of_id or "",
        "change_reason": "Checked against the report",
    }
    return {**data, **changes}
