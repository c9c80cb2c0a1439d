"""The cited dataset: complete, sourced, and loaded without ever undoing an editor's work."""

import io
import json
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q
from django.test import TestCase, TransactionTestCase
from django.utils import timezone

from programmes import dataset
from programmes.models import (
    Contradiction,
    ContradictionProgramme,
    ContradictionSide,
    Event,
    Figure,
    Organisation,
    Programme,
    ProgrammeAccount,
    Source,
)
from tests.helpers import ROOT

# The dataset as released before organisations, claimants and horizons (commit c214f18), kept as files so the
# test needs no git history: an upgraded site was loaded with it by a load_dataset that only added rows, on a
# schema at migration 0004.
PREVIOUS_FIXTURES = ROOT / "tests" / "data" / "fixtures-2026-11-25"
PREVIOUS_FILES = ["programmes.json", "sources.json", "figures.json", "events.json"]
PREVIOUS_MIGRATION = ("programmes", "0004_cost_overrun_measure")
DATA_MODELS = [Programme, ProgrammeAccount, Organisation, Source, Figure, Event, Contradiction, ContradictionProgramme, ContradictionSide]

REQUIRED_SLUGS = {
    "early-shared-services", "ngss-2012", "issc1", "issc2", "gss-2018", "clusters-2021",
    "matrix", "synergy", "unity", "defence", "overseas",
}  # fmt: skip


def load(**options) -> str:
    out = io.StringIO()
    call_command("load_dataset", stdout=out, **options)
    return out.getvalue()


def published_data() -> list[dict]:
    """Every row of the data models by natural keys, without ids or edit versions, in a fixed order.

    Organisations count when they publish a source or make a claim: one renamed in the dataset leaves its old
    name on an upgraded site (the migration made it from the old publisher text), where nothing shows it.
    """
    rows = []
    for model in DATA_MODELS:
        rows_of = model.objects.all()
        if model is Organisation:
            rows_of = rows_of.filter(Q(sources__isnull=False) | Q(claims__isnull=False)).distinct()
        for row in serializers.serialize("python", rows_of, use_natural_foreign_keys=True, use_natural_primary_keys=True):
            row.pop("pk", None)
            row["fields"].pop("version", None)
            rows.append(row)
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, default=str))


def previous_fixtures() -> dict[str, list[dict]]:
    return {name: json.loads((PREVIOUS_FIXTURES / name).read_text(encoding="utf-8")) for name in PREVIOUS_FILES}


def load_as_before(apps, fixtures: dict[str, list[dict]]) -> None:
    """Store the previous fixtures on the old schema as the old load_dataset did: each row, and its history row with the load reason."""
    for name in PREVIOUS_FILES:
        for record in fixtures[name]:
            model = apps.get_model(record["model"])
            values = {}
            for field_name, value in record["fields"].items():
                field = model._meta.get_field(field_name)
                if field.remote_field and value is not None:
                    target = field.remote_field.model
                    value = target.objects.get(**{dataset.key_field(target): value[0]}).pk
                values[field.attname] = None if value is None else field.to_python(value)
            row = model.objects.create(**values)
            apps.get_model("programmes", f"Historical{model.__name__}").objects.create(
                **{field.attname: getattr(row, field.attname) for field in model._meta.concrete_fields},
                history_date=timezone.now(),
                history_type="+",
                history_change_reason=dataset.LOAD_REASON,
            )


def migrate_to(targets: list[tuple[str, str]]) -> None:
    MigrationExecutor(connection).migrate(targets)


def empty_tables() -> None:
    call_command("flush", interactive=False, verbosity=0)


class DatasetContentTests(TestCase):
    def test_it_has_every_programme_in_the_domain(self):
        self.assertEqual(set(Programme.objects.values_list("slug", flat=True)), REQUIRED_SLUGS)

    def test_it_has_figures_for_every_programme(self):
        for slug in REQUIRED_SLUGS:
            with self.subTest(programme=slug):
                self.assertTrue(Figure.objects.filter(programme__slug=slug).exists())

    def test_it_holds_at_least_100_figures_from_40_sources(self):
        self.assertGreaterEqual(Figure.objects.count(), 100)
        self.assertGreaterEqual(Source.objects.filter(figures__isnull=False).distinct().count(), 40)

    def test_every_figure_has_a_dated_source_with_a_link_or_seed_file(self):
        self.assertFalse(Figure.objects.filter(source__isnull=True).exists())
        for source in Source.objects.all():
            with self.subTest(source=source.key):
                self.assertTrue(source.url or source.seed_file)
                self.assertIsNotNone(source.published)

    def test_it_keeps_the_headline_ngss_promise_as_a_range(self):
        figure = Figure.objects.get(key="F022")
        self.assertEqual((figure.value, figure.value_low, figure.value_high), (None, Decimal("400"), Decimal("600")))
        self.assertEqual((figure.measure, figure.status, figure.basis), ("savings", "target", "annual"))

    def test_it_has_the_2016_audit_of_savings_against_investment(self):
        saved = Figure.objects.get(key="F041")
        spent = Figure.objects.get(key="F042")
        self.assertEqual((saved.value, spent.value), (Decimal("90"), Decimal("94")))
        self.assertEqual((saved.period_start, saved.period_end), (2013, 2015))
        self.assertEqual(saved.status, "audited")

    def test_it_marks_aggregators_as_secondary(self):
        self.assertTrue(Source.objects.filter(is_primary=False).exists())

    def test_it_has_events_with_sources(self):
        self.assertGreaterEqual(Event.objects.count(), 20)
        self.assertFalse(Event.objects.filter(source__isnull=True).exists())


class DatasetLoadingTests(TestCase):
    """The test database already holds one load (see conftest); these load again on top of it."""

    def counts(self):
        return (Programme.objects.count(), Source.objects.count(), Figure.objects.count(), Event.objects.count())

    def test_it_adds_nothing_when_loaded_twice(self):
        before = self.counts()
        output = load()
        self.assertEqual(self.counts(), before)
        self.assertIn("figures.json: 0 added", output)

    def test_it_keeps_an_editors_correction(self):
        figure = Figure.objects.get(key="F041")
        figure.value = Decimal("91")
        figure.note = "Corrected by an editor"
        figure.save()
        load()
        figure.refresh_from_db()
        self.assertEqual(figure.value, Decimal("91"))
        self.assertEqual(figure.note, "Corrected by an editor")

    def test_it_keeps_figures_an_editor_added(self):
        figure = Figure.objects.get(key="F041")
        figure.pk = None
        figure.key = ""
        figure.note = "Entered by an editor"
        figure.save()
        load()
        self.assertTrue(Figure.objects.filter(note="Entered by an editor").exists())

    def test_it_adds_a_row_the_database_never_had(self):
        # As when a new release of the dataset adds a figure: no row and no history of one.
        Figure.objects.filter(key="F041").delete()
        Figure.history.filter(key="F041").delete()
        load()
        self.assertTrue(Figure.objects.filter(key="F041").exists())

    def test_it_does_not_duplicate_a_figure_an_editor_re_keyed(self):
        figure = Figure.objects.get(key="F041")
        figure.key = "F041-corrected"
        figure.save()
        load()
        self.assertFalse(Figure.objects.filter(key="F041").exists())
        self.assertEqual(Figure.objects.filter(value=90, source=figure.source, measure="savings", status="audited").count(), 1)

    def test_it_keeps_loading_after_an_editor_renames_a_programme(self):
        programme = Programme.objects.get(slug="issc1")
        programme.slug = "issc1-arvato"
        programme.save()
        output = load()
        self.assertIn("figures.json: 0 added", output)
        self.assertFalse(Programme.objects.filter(slug="issc1").exists())

    def test_it_does_not_bring_back_a_figure_an_editor_deleted(self):
        Figure.objects.get(key="F043").delete()
        load()
        self.assertFalse(Figure.objects.filter(key="F043").exists())

    def test_it_records_the_load_in_the_history(self):
        figure = Figure.objects.get(key="F041")
        self.assertEqual(figure.history.earliest().history_change_reason, "Loaded from the cited dataset")


class DatasetCorrectionTests(TestCase):
    """A new release of the dataset, written to a folder: the real fixtures with some fields changed."""

    def setUp(self):
        self.folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.folder)
        for path in (ROOT / "fixtures").glob("*.json"):
            shutil.copy(path, self.folder)
        self.figures = json.loads((self.folder / "figures.json").read_text(encoding="utf-8"))
        self.first, self.second, self.third = (record["fields"]["key"] for record in self.figures[:3])

    def ship(self, key: str, **fields) -> None:
        record = next(record for record in self.figures if record["fields"]["key"] == key)
        record["fields"].update(fields)
        (self.folder / "figures.json").write_text(json.dumps(self.figures), encoding="utf-8")

    def release(self) -> str:
        return load(fixtures=self.folder)

    def edit(self, key: str, **fields) -> Figure:
        figure = Figure.objects.get(key=key)
        for name, value in fields.items():
            setattr(figure, name, value)
        figure.save()
        return figure

    def test_it_corrects_a_field_nobody_edited(self):
        self.ship(self.first, locator="Corrected locator")
        output = self.release()
        figure = Figure.objects.get(key=self.first)
        self.assertEqual(figure.locator, "Corrected locator")
        self.assertEqual(figure.history.latest().history_change_reason, dataset.CORRECTION_REASON)
        self.assertIn("figures.json: 0 added, 1 corrected,", output)

    def test_it_keeps_and_reports_a_field_an_editor_changed(self):
        self.edit(self.first, note="An editor's note")
        self.ship(self.first, note="The dataset's new note")
        output = self.release()
        self.assertEqual(Figure.objects.get(key=self.first).note, "An editor's note")
        today = timezone.now().date().isoformat()
        self.assertIn(
            f'figure {self.first} note: changed by an editor on {today}, kept; the dataset now says "The dataset\'s new note"', output
        )
        self.assertIn("figures.json: 0 added, 0 corrected,", output)

    def test_it_corrects_the_other_fields_of_a_row_an_editor_changed_and_keeps_the_edit_on_later_releases(self):
        self.edit(self.first, note="An editor's note")
        self.ship(self.first, locator="Corrected locator")
        self.release()
        self.ship(self.first, note="The dataset's new note", locator="Corrected again")
        output = self.release()
        figure = Figure.objects.get(key=self.first)
        self.assertEqual((figure.note, figure.locator), ("An editor's note", "Corrected again"))
        self.assertIn(f"figure {self.first} note: changed by an editor", output)

    def test_it_corrects_a_field_an_editor_changed_back(self):
        original = Figure.objects.get(key=self.first).note
        self.edit(self.first, note="A slip")
        self.edit(self.first, note=original)
        self.ship(self.first, note="The dataset's new note")
        self.release()
        self.assertEqual(Figure.objects.get(key=self.first).note, "The dataset's new note")

    def test_it_fills_a_field_the_dataset_did_not_ship_before(self):
        self.ship(self.second, scope="The two independent centres", as_published="£90m")
        self.release()
        figure = Figure.objects.get(key=self.second)
        self.assertEqual((figure.scope, figure.as_published), ("The two independent centres", "£90m"))

    def test_it_corrects_a_row_loaded_without_history(self):
        # As after a raw loaddata: the row is there, its history is not, and no editor has saved it.
        Figure.history.filter(key=self.first).delete()
        self.ship(self.first, locator="Corrected locator")
        self.release()
        self.assertEqual(Figure.objects.get(key=self.first).locator, "Corrected locator")

    def test_it_corrects_a_row_whose_load_wrote_no_reason(self):
        Figure.history.filter(key=self.first).update(history_change_reason=None)
        self.ship(self.first, locator="Corrected locator")
        self.release()
        self.assertEqual(Figure.objects.get(key=self.first).locator, "Corrected locator")

    def test_it_links_a_figure_to_a_total_shipped_later_in_the_file(self):
        total = json.loads(json.dumps(self.figures[-1]))
        total["fields"].update(key="T-total", description="A total shipped after its part")
        self.figures.append(total)
        self.ship(self.first, part_of=["T-total"])
        output = self.release()
        self.assertEqual(Figure.objects.get(key=self.first).part_of, Figure.objects.get(key="T-total"))
        self.assertIn("figures.json: 1 added, 1 corrected,", output)

    def test_it_leaves_a_row_alone_when_its_corrections_clash_with_an_editors_change(self):
        # As for the DfT 2008 figures: the dataset turns an audited outturn into a forecast projection, but an
        # editor made it claimed meanwhile; a claimed projection is refused, so nothing of the row is changed.
        key = Figure.objects.filter(key__in=[r["fields"]["key"] for r in self.figures], status="audited", horizon="outturn").first().key
        self.edit(key, status="claimed")
        self.ship(key, status="forecast", horizon="projection")
        output = self.release()
        figure = Figure.objects.get(key=key)
        self.assertEqual((figure.status, figure.horizon), ("claimed", "outturn"))
        self.assertIn(f"figure {key} status: changed by an editor", output)
        self.assertIn(f"figure {key}: not corrected, because with the editors' changes kept it would be invalid", output)

    def test_it_lists_each_correction_when_asked(self):
        self.ship(self.first, locator="Corrected locator")
        self.assertIn(f'figure {self.first} locator: now "Corrected locator"', load(fixtures=self.folder, verbosity=2))

    def test_it_says_nothing_more_when_loaded_again(self):
        self.ship(self.first, locator="Corrected locator")
        self.release()
        self.assertIn("figures.json: 0 added, 0 corrected,", self.release())

    def test_it_refuses_a_new_row_that_breaks_a_rule(self):
        broken = json.loads(json.dumps(self.figures[0]))
        broken["fields"].update(key="T-broken", status="claimed", horizon="projection")
        self.figures.append(broken)
        self.ship(self.first, locator="Corrected locator")
        with self.assertRaisesRegex(CommandError, r"^figures\.json: figure T-broken: .*A projection cannot be claimed"):
            self.release()
        self.assertFalse(Figure.objects.filter(key="T-broken").exists())

    def test_it_names_a_rule_only_the_database_holds(self):
        # Saving checks the table's constraints in the database; the refusal must still read as the rule, not as SQL.
        figure = Figure.objects.get(key=self.first)
        stored = figure.part_of_id
        figure.part_of = figure
        with self.assertRaisesRegex(ValidationError, "not_part_of_itself|part of itself"):
            dataset.save_valid(figure)
        self.assertEqual(Figure.objects.get(key=self.first).part_of_id, stored)


class ContradictionLoadingTests(TestCase):
    """A new release of contradictions.json: its words are corrected where no editor changed them, and kept where one did."""

    def setUp(self):
        self.folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.folder)
        for path in (ROOT / "fixtures").glob("*.json"):
            shutil.copy(path, self.folder)
        self.rows = json.loads((self.folder / "contradictions.json").read_text(encoding="utf-8"))

    def ship(self, key: str, **fields) -> None:
        record = next(row for row in self.rows if row["fields"]["key"] == key)
        record["fields"].update(fields)
        (self.folder / "contradictions.json").write_text(json.dumps(self.rows), encoding="utf-8")

    def test_it_corrects_what_a_side_says_when_no_editor_changed_it(self):
        self.ship("issc-start-date--3", says="The centres were set up in 2014, The Register wrote.")
        self.assertIn("contradictions.json: 0 added, 1 corrected,", load(fixtures=self.folder))
        self.assertEqual(
            ContradictionSide.objects.get(key="issc-start-date--3").says, "The centres were set up in 2014, The Register wrote."
        )

    def test_it_keeps_an_editors_description(self):
        contradiction = Contradiction.objects.get(key="issc-start-date")
        contradiction.description = "An editor's account."
        contradiction.save()
        self.ship("issc-start-date", description="A new account from the dataset.")
        output = load(fixtures=self.folder)
        self.assertIn("contradiction issc-start-date description: changed by an editor", output)
        self.assertEqual(Contradiction.objects.get(key="issc-start-date").description, "An editor's account.")


class DatasetUpgradeTests(TransactionTestCase):
    """A site loaded from the previous fixtures, then upgraded with migrate and load_dataset, publishes what a fresh install does."""

    def _fixture_teardown(self) -> None:
        # Whatever happened, leave the schema migrated and the dataset tests/conftest.py loaded for the tests after this one:
        # TransactionTestCase empties every table.
        migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
        super()._fixture_teardown()
        call_command("load_dataset", verbosity=0)

    def test_it_upgrades_a_site_loaded_from_the_previous_fixtures_to_what_a_fresh_install_publishes(self):
        fixtures = previous_fixtures()
        empty_tables()
        migrate_to([PREVIOUS_MIGRATION])
        load_as_before(MigrationExecutor(connection).loader.project_state(PREVIOUS_MIGRATION).apps, fixtures)
        migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
        output = load()
        upgraded = published_data()
        empty_tables()
        load()
        self.assertEqual(upgraded, published_data())
        self.assertRegex(output, r"figures\.json: \d+ added, [1-9]\d* corrected, \d+ kept")
        shipped = json.loads((ROOT / "fixtures" / "contradictions.json").read_text(encoding="utf-8"))
        self.assertIn(f"contradictions.json: {len(shipped)} added, 0 corrected, 0 kept", output)
        self.assertEqual(Contradiction.objects.count(), sum(1 for row in shipped if row["model"] == "programmes.contradiction"))
