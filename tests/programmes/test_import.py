"""The bulk import: every row checked first, all problems reported together, nothing saved unless all pass."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from programmes import rules
from programmes.importing import COLUMNS, import_figures
from programmes.importing.planning import Planner
from programmes.models import (
    PROJECTION_STATUSES,
    AppliedImport,
    Basis,
    Contradiction,
    DatePrecision,
    Event,
    Figure,
    Measure,
    Programme,
    ProgrammeAccount,
    Source,
    SourceKind,
    Status,
)
from tests.helpers import NEW_SOURCE, delete_all_figures, existing_row, export, make_source, new_row, run_import_command, to_csv


def state() -> tuple:
    """Everything an import could touch, to prove a refused import touched nothing."""
    figures = list(Figure.objects.order_by("id").values())
    sources = list(Source.objects.order_by("id").values())
    history = (Figure.history.count(), Source.history.count())
    return figures, sources, history


class ImportTests(TestCase):
    def test_it_creates_a_figure_and_its_new_source_from_a_row_without_ids(self):
        plan = import_figures(to_csv(new_row()))
        self.assertEqual(plan.problems, [])
        self.assertEqual(plan.summary, "1 created, 0 updated, 0 unchanged; 1 new sources")
        figure = Figure.objects.get(source__title=NEW_SOURCE["source_title"])
        self.assertEqual((figure.programme.slug, figure.value, figure.period_start, figure.period_end), ("ngss-2012", 95, 2024, 2025))
        self.assertEqual(figure.source.kind, "audit_report")
        self.assertEqual(figure.source.published, datetime.date(2026, 10, 14))
        self.assertEqual(figure.description, "Savings, audited")

    def test_it_updates_the_figure_an_id_names_and_reports_the_rest_unchanged(self):
        figure = Figure.objects.get(key="F041")
        other = Figure.objects.exclude(pk=figure.pk).filter(programme=figure.programme).first()
        data = to_csv(existing_row(figure, locator="paragraph 12", value="91.5"), existing_row(other))
        plan = import_figures(data)
        self.assertEqual([c.action for c in plan.changes], ["update", "unchanged"])
        self.assertEqual(plan.changes[0].differences, [("value", "90", "91.5"), ("locator", figure.locator, "paragraph 12")])
        figure.refresh_from_db()
        self.assertEqual((figure.value, figure.locator), (Decimal("91.5"), "paragraph 12"))
        self.assertEqual(figure.description, Figure.objects.get(key="F041").description)

    def test_it_matches_an_existing_source_by_id_with_its_other_cells_blank(self):
        source = Source.objects.get(key="nao-2016-shared-service-centres")
        blank = dict.fromkeys(["source_title", "source_publisher", "source_published", "source_url"], "")
        # A 2016 report stating 2024-25 savings states a projection, hence a forecast.
        plan = import_figures(to_csv(new_row(**blank, source_id=str(source.pk), status="forecast")))
        self.assertEqual(plan.problems, [])
        self.assertEqual(plan.new_sources, [])
        self.assertEqual(Figure.objects.latest("id").source, source)

    def test_it_matches_an_existing_source_by_title_publisher_date_and_link(self):
        source = make_source(
            "already-here", title=NEW_SOURCE["source_title"], published=datetime.date(2026, 10, 14), url=NEW_SOURCE["source_url"]
        )
        plan = import_figures(to_csv(new_row()))
        self.assertEqual(plan.new_sources, [])
        self.assertEqual(Figure.objects.latest("id").source, source)

    def test_it_creates_one_source_for_every_row_describing_it(self):
        plan = import_figures(to_csv(new_row(), new_row(measure="investment", value="80")))
        self.assertEqual(len(plan.new_sources), 1)
        self.assertEqual(Source.objects.filter(title=NEW_SOURCE["source_title"]).count(), 1)
        self.assertEqual(Figure.objects.filter(source__title=NEW_SOURCE["source_title"]).count(), 2)

    def test_it_saves_nothing_on_a_dry_run_and_says_what_would_change(self):
        before = state()
        plan = import_figures(to_csv(new_row()), dry_run=True)
        self.assertEqual(plan.count("create"), 1)
        self.assertFalse(plan.saved)
        self.assertEqual(state(), before)

    def test_it_records_who_imported_and_why_in_the_history(self):
        editor = get_user_model().objects.create_user("importer")
        figure = Figure.objects.get(key="F041")
        import_figures(to_csv(existing_row(figure, note="Restated"), new_row()), user=editor, reason="Imported from nao-2026.csv")
        for record in (figure.history.latest(), Figure.objects.latest("id").history.latest(), Source.objects.latest("id").history.latest()):
            self.assertEqual(record.history_user, editor)
            self.assertEqual(record.history_change_reason, "Imported from nao-2026.csv")

    def test_it_removes_the_apostrophe_the_export_puts_before_formula_like_text(self):
        import_figures(to_csv(new_row(note="'=1+1", locator="'-p. 4")))
        figure = Figure.objects.latest("id")
        self.assertEqual((figure.note, figure.locator), ("=1+1", "-p. 4"))

    def test_it_keeps_an_apostrophe_that_starts_ordinary_text(self):
        import_figures(to_csv(new_row(note="'Flimsy' was the PAC's word")))
        self.assertEqual(Figure.objects.latest("id").note, "'Flimsy' was the PAC's word")

    def test_it_accepts_a_file_with_a_byte_order_mark_and_blank_lines(self):
        data = b"\xef\xbb\xbf" + to_csv(new_row()) + b",,,,,,,,,,,,,,,,,,,\r\n\r\n"
        self.assertEqual(import_figures(data).problems, [])

    def test_it_accepts_the_columns_in_any_order(self):
        self.assertEqual(import_figures(to_csv(new_row(), columns=list(reversed(COLUMNS)))).problems, [])

    def test_it_records_an_unknown_figure_as_unknown_not_zero(self):
        import_figures(to_csv(new_row(qualifier="unknown", value="", measure="investment")))
        figure = Figure.objects.latest("id")
        self.assertEqual((figure.qualifier, figure.value, figure.value_low, figure.value_high), ("unknown", None, None, None))


class MalformedImportTests(TestCase):
    """Each bad file is refused with its line, column and reason, and leaves the database exactly as it was."""

    def assert_refused(self, data: bytes, line: int, column: str, reason: str) -> list:
        before = state()
        plan = import_figures(data)
        self.assertFalse(plan.saved)
        self.assertEqual(state(), before)
        matching = [p for p in plan.problems if p.line == line and p.column == column and reason in p.reason]
        self.assertTrue(matching, f"no problem at line {line}, {column!r} mentioning {reason!r} in {[str(p) for p in plan.problems]}")
        return plan.problems

    def test_it_refuses_a_file_that_is_not_utf8_and_names_the_line(self):
        data = to_csv(new_row(), new_row(note="Cost £4m")).decode().encode("cp1252")
        self.assert_refused(data, 3, "", "not UTF-8")

    def test_it_refuses_a_utf16_file(self):
        self.assert_refused(to_csv(new_row()).decode().encode("utf-16"), 1, "", "not UTF-8")

    def test_it_refuses_missing_columns_by_name(self):
        columns = [c for c in COLUMNS if c not in ("note", "unit")]
        problems = self.assert_refused(to_csv(new_row(), columns=columns), 1, "note", "missing")
        self.assertIn("unit", [p.column for p in problems])

    def test_it_refuses_extra_columns_by_name(self):
        self.assert_refused(to_csv(new_row(comment="x"), columns=[*COLUMNS, "comment"]), 1, "comment", "unexpected column")

    def test_it_refuses_a_repeated_column(self):
        data = to_csv(new_row()).replace(b"note\r\n", b"note,note\r\n", 1)
        self.assert_refused(data, 1, "note", "twice")

    def test_it_refuses_an_empty_file_and_a_header_without_rows(self):
        self.assert_refused(b"", 1, "", "empty")
        self.assert_refused(to_csv(), 2, "", "no rows")

    def test_it_refuses_a_row_with_the_wrong_number_of_cells(self):
        data = to_csv(new_row()) + b"1,2,3\r\n"
        self.assert_refused(data, 3, "", "has 3 cells")

    def test_it_refuses_numbers_that_are_not_plain_decimals(self):
        for bad in ("1,400", "\u00a3128", "12m", "abc", "1e3"):
            with self.subTest(value=bad):
                self.assert_refused(to_csv(new_row(value=bad)), 2, "value", "not a plain number")

    def test_it_refuses_ids_that_are_not_plain_whole_numbers(self):
        for bad in ("\u00b2", "\u0663", "-3", "4.0", "12345678901234567890"):
            with self.subTest(id=bad):
                self.assert_refused(to_csv(new_row(id=bad)), 2, "id", "is not an id")
        self.assert_refused(to_csv(new_row(source_id="x1")), 2, "source_id", "is not an id")

    def test_it_refuses_a_number_too_large_for_the_record(self):
        self.assert_refused(to_csv(new_row(value="123456789012345")), 2, "value", "14 digits")

    def test_it_refuses_more_than_two_decimal_places(self):
        self.assert_refused(to_csv(new_row(value="1.234")), 2, "value", "2 decimal places")

    def test_it_refuses_a_range_whose_low_end_is_above_its_high_end(self):
        self.assert_refused(to_csv(new_row(value="", value_low="600", value_high="400")), 2, "value_high", "below the low end")

    def test_it_refuses_a_value_and_a_range_together(self):
        self.assert_refused(to_csv(new_row(value_low="400", value_high="600")), 2, "value", "not both")

    def test_it_refuses_an_unknown_figure_with_a_value(self):
        self.assert_refused(to_csv(new_row(qualifier="unknown")), 2, "qualifier", "Not known")

    def test_it_refuses_an_unknown_programme_and_lists_the_known_ones(self):
        self.assert_refused(to_csv(new_row(programme="ngss-2013")), 2, "programme", "ngss-2012")

    def test_it_refuses_a_programme_name_that_contradicts_the_slug(self):
        self.assert_refused(
            to_csv(new_row(programme_name="Government Shared Services Strategy (2018)")), 2, "programme_name", "not the name"
        )

    def test_it_refuses_bad_financial_years(self):
        for bad, reason in (("2013-15", "is not a financial year"), ("2013", "write it as 2023-24"), ("1850-51", "outside")):
            with self.subTest(year=bad):
                self.assert_refused(to_csv(new_row(period_start=bad)), 2, "period_start", reason)

    def test_it_recognises_a_year_excel_turned_into_a_date(self):
        self.assert_refused(to_csv(new_row(period_end="Dec-11")), 2, "period_end", "Excel")

    def test_it_refuses_a_period_that_ends_before_it_starts(self):
        self.assert_refused(to_csv(new_row(period_start="2020-21", period_end="2018-19")), 2, "period_end", "before it starts")

    def test_it_refuses_a_value_outside_the_vocabulary(self):
        self.assert_refused(to_csv(new_row(status="promised")), 2, "status", "target, forecast, claimed, audited")

    def test_it_refuses_a_second_row_for_the_same_figure(self):
        row = existing_row(Figure.objects.get(key="F041"))
        self.assert_refused(to_csv(row, row), 3, "id", "already appears on line 2")

    def test_it_refuses_source_cells_that_contradict_the_source_id(self):
        row = existing_row(Figure.objects.get(key="F041"), source_title="Another report")
        self.assert_refused(to_csv(row), 2, "source_title", "never edits sources")

    def test_it_refuses_a_new_source_without_a_link_or_a_date(self):
        self.assert_refused(to_csv(new_row(source_url="")), 2, "source_url", "link")
        self.assert_refused(to_csv(new_row(source_published="14/10/2026")), 2, "source_published", "YYYY-MM-DD")

    def test_it_saves_nothing_when_one_row_of_many_is_bad_and_reports_every_problem(self):
        rows = [new_row(locator=f"para {n}") for n in range(5)]
        rows[1]["value"] = "lots"
        rows[4]["period_end"] = "2025-27"
        problems = self.assert_refused(to_csv(*rows), 3, "value", "not a plain number")
        self.assertIn((6, "period_end"), [(p.line, p.column) for p in problems])

    def test_it_counts_lines_from_the_header_even_across_multiline_cells(self):
        rows = [new_row(note="first line\nsecond line"), new_row(value="x")]
        self.assert_refused(to_csv(*rows), 4, "value", "not a plain number")

    def test_it_fails_the_command_with_every_problem_and_saves_nothing(self):
        path = self.write(to_csv(new_row(value="1,400"), new_row(programme="nowhere")))
        before = state()
        with self.assertRaises(CommandError) as raised:
            call_command("import_figures", str(path))
        self.assertIn("line 2, value", str(raised.exception))
        self.assertIn("line 3, programme", str(raised.exception))
        self.assertEqual(state(), before)

    def write(self, data: bytes):
        import tempfile
        from pathlib import Path

        folder = Path(tempfile.mkdtemp())
        path = folder / "figures.csv"
        path.write_bytes(data)
        return path


class ImportCommandTests(TestCase):
    def run_command(self, data: bytes, *args: str) -> str:
        return run_import_command(data, *args)

    def test_it_previews_a_dry_run_without_saving(self):
        before = state()
        output = self.run_command(to_csv(new_row()), "--dry-run")
        self.assertIn("line 2: create ngss-2012 savings audited £95m", output)
        self.assertIn("Dry run, nothing saved: 1 created, 0 updated, 0 unchanged; 1 new sources.", output)
        self.assertEqual(state(), before)

    def test_it_saves_and_records_the_user_given(self):
        get_user_model().objects.create_user("nao-loader")
        output = self.run_command(to_csv(new_row()), "--user", "nao-loader")
        self.assertIn("Saved: 1 created", output)
        record = Figure.objects.latest("id").history.latest()
        self.assertEqual(record.history_user.username, "nao-loader")
        self.assertEqual(record.history_change_reason, "Imported from nao-2026.csv")

    def test_it_refuses_an_unknown_user_before_reading_anything(self):
        with self.assertRaisesMessage(CommandError, "There is no user 'ghost'"):
            self.run_command(to_csv(new_row()), "--user", "ghost")

    def test_it_says_when_the_file_cannot_be_read(self):
        with self.assertRaisesMessage(CommandError, "Cannot read"):
            call_command("import_figures", "/nonexistent/figures.csv")


class RoundTripTests(TestCase):
    def test_it_exports_the_real_dataset_the_same_after_importing_it_into_no_figures(self):
        # Sources stay: a few are kept only as archived copies (no link), which the figure columns cannot recreate.
        first = export(self.client)
        delete_all_figures()
        plan = import_figures(first)
        self.assertEqual(plan.problems, [])
        self.assertEqual(plan.count("create"), Figure.objects.count())
        self.assertEqual(export(self.client), first)

    def test_it_changes_nothing_on_a_second_import_of_the_same_export(self):
        first = export(self.client)
        plan = import_figures(first)
        self.assertEqual((plan.count("create"), plan.count("update")), (0, 0))
        self.assertEqual(plan.count("unchanged"), Figure.objects.count())


# Text as analysts' files hold it: any character but the controls the import refuses (tab and line breaks are text),
# with formula triggers, apostrophes, quotes, commas and line breaks well represented.
awkward_text = st.tuples(
    st.sampled_from(["", "=", "+", "-", "@", "\t", "\r", "'", "'=", "''-", '"', '=HYPERLINK("x")']),
    st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n\r"), max_size=30),
).map("".join)
years = st.integers(min_value=1990, max_value=2100)


@st.composite
def generated_source(draw) -> dict:
    return {
        "title": draw(awkward_text.filter(lambda text: text != "")),
        "publisher": draw(awkward_text.filter(lambda text: text != "")),
        "published": draw(st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2100, 12, 31))),
        "url": "https://example.org/" + draw(st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True)),
        "kind": draw(st.sampled_from(SourceKind.values)),
        "date_precision": draw(st.sampled_from(DatePrecision.values)),
        "is_primary": draw(st.booleans()),
    }


@st.composite
def generated_figure(draw, source_count: int) -> dict:
    shape = draw(st.sampled_from(["point", "range", "unknown"]))
    measure = draw(st.sampled_from(Measure.values))
    # Any unit and number the plausibility rule admits for the measure: Figure.clean refuses the rest.
    unit = draw(st.sampled_from(rules.MEASURE_UNITS[measure]))
    low_limit, high_limit, _ = rules.limits(measure, unit)
    places = 0 if unit in rules.WHOLE_UNITS else 2
    money = st.decimals(min_value=low_limit, max_value=high_limit, places=places, allow_nan=False, allow_infinity=False)
    figure = {
        "programme": draw(st.sampled_from(["ngss-2012", "issc1", "gss-2018", "matrix"])),
        "measure": measure,
        "status": draw(st.sampled_from(Status.values)),
        "basis": draw(st.sampled_from(Basis.values)),
        "unit": unit,
        "qualifier": "unknown" if shape == "unknown" else draw(st.sampled_from(["exact", "approx", "at_least", "at_most"])),
        "locator": draw(awkward_text)[:200],
        "note": draw(awkward_text),
        "scope": draw(awkward_text)[:120],
        "scenario": draw(awkward_text)[:80],
        "as_published": draw(awkward_text)[:120],
        # A blank description would come back as the plain fallback.
        "description": draw(awkward_text.filter(lambda text: text.strip()))[:300],
        "source": draw(st.integers(min_value=0, max_value=source_count - 1)),
    }
    if shape == "point":
        figure["value"] = draw(money)
    elif shape == "range":
        low, high = sorted([draw(money), draw(money)])
        figure |= {"value_low": low, "value_high": high}
    start, end = draw(st.one_of(st.none(), years)), draw(st.one_of(st.none(), years))
    if start is not None and end is not None and end < start:
        start, end = end, start
    return figure | {"period_start": start, "period_end": end}


@st.composite
def generated_record(draw) -> tuple[list[dict], list[dict]]:
    sources = draw(st.lists(generated_source(), min_size=1, max_size=3))
    figures = draw(st.lists(generated_figure(len(sources)), min_size=1, max_size=8))
    return sources, figures


class RoundTripPropertyTests(HypothesisTestCase):
    """Export, import into a database with no figures or sources, export again: the same file, whatever the figures hold."""

    @classmethod
    def setUpTestData(cls):
        # Contradictions cite sources, which are protected while anything cites them.
        Contradiction.objects.all().delete()
        Event.objects.all().delete()
        delete_all_figures()
        # Programmes' accounts and announcements rest on sources: let go of them so that every source can go.
        ProgrammeAccount.objects.all().delete()
        Programme.objects.update(announced_by=None)
        Source.objects.all().delete()

    @settings(max_examples=30)
    @given(generated_record())
    def test_it_round_trips_generated_figures(self, record):
        sources_given, figures_given = record
        programmes = {p.slug: p for p in Programme.objects.all()}
        sources = [make_source(f"generated-{n}", **fields) for n, fields in enumerate(sources_given)]
        for fields in figures_given:
            fields = dict(fields)
            source = sources[fields.pop("source")]
            figure = Figure(programme=programmes[fields.pop("programme")], source=source, claimant=source.publisher, **fields)
            figure.horizon = rules.suggested_horizon(figure)
            # A claim or an audit finding about years still to come is a forecast, which the record refuses.
            assume(figure.horizon == Figure.Horizon.OUTTURN or figure.status in PROJECTION_STATUSES)
            figure.save()
        first = export(self.client)
        delete_all_figures()
        Source.objects.all().delete()
        plan = import_figures(first)
        self.assertEqual(plan.problems, [])
        self.assertEqual(export(self.client), first)


class PeriodImportTests(TestCase):
    """The period_as_published cell reads as the admin's period box does, is kept as written, and fills the years it fixes."""

    def test_it_keeps_the_period_as_published_and_stores_what_it_fixes(self):
        for text, stored in [
            ("by 2028-29", (None, 2028, None)),
            ("since 2021", (2020, None, None)),
            ("to March 2026", (None, 2025, None)),
            ("15 years", (None, None, 15)),
            ("programme life", (None, None, None)),
        ]:
            with self.subTest(text=text):
                row = new_row(period_as_published=text, period_start="", period_end="", status="target", locator=text)
                self.assertEqual(import_figures(to_csv(row)).problems, [])
                figure = Figure.objects.get(locator=text)
                self.assertEqual(figure.period_as_published, text)
                self.assertEqual((figure.period_start, figure.period_end, figure.period_years), stored)

    def test_it_accepts_years_that_agree_with_the_text_and_refuses_years_that_do_not(self):
        agreeing = new_row(period_as_published="by 2028-29", period_start="", period_end="2028-29", status="target")
        self.assertEqual(import_figures(to_csv(agreeing), dry_run=True).problems, [])
        plan = import_figures(to_csv(new_row(period_as_published="by 2028-29", period_end="2027-28", status="target")), dry_run=True)
        self.assertEqual({problem.column for problem in plan.problems}, {"period_start", "period_end"})
        self.assertIn("which gives 2028-29", " ".join(problem.reason for problem in plan.problems))

    def test_it_refuses_a_period_it_cannot_read_and_names_the_forms_it_can(self):
        plan = import_figures(to_csv(new_row(period_as_published="the medium term")), dry_run=True)
        self.assertEqual([problem.column for problem in plan.problems], ["period_as_published"])
        self.assertIn("15 years", plan.problems[0].reason)

    def test_it_reads_back_its_own_export_of_a_period_as_published_unchanged(self):
        import_figures(to_csv(new_row(period_as_published="15 years", period_start="", period_end="", locator="read back")))
        figure = Figure.objects.get(locator="read back")
        row = existing_row(figure)
        self.assertEqual((row["period_as_published"], row["period_years"], row["period_start"]), ("15 years", "15", ""))
        self.assertEqual([change.action for change in import_figures(to_csv(row)).changes], ["unchanged"])

    def test_it_keeps_the_text_of_a_file_without_the_column_unless_the_file_moves_the_period(self):
        import_figures(to_csv(new_row(period_as_published="since 2021", period_start="", period_end="", status="target", locator="old")))
        figure = Figure.objects.get(locator="old")
        older_file = [name for name in COLUMNS if name not in ("period_as_published", "period_years")]
        import_figures(to_csv(existing_row(figure, note="Checked"), columns=older_file))
        figure.refresh_from_db()
        self.assertEqual((figure.note, figure.period_as_published, figure.period_start), ("Checked", "since 2021", 2020))
        import_figures(to_csv(existing_row(figure, period_start="2021-22"), columns=older_file))
        figure.refresh_from_db()
        self.assertEqual((figure.period_as_published, figure.period_start), ("", 2021))

    def test_it_previews_a_length_as_published(self):
        editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
        self.client.force_login(editor)
        data = to_csv(new_row(period_as_published="15 years", period_start="", period_end=""))
        response = self.client.post(
            reverse("admin:programmes_figure_import"), {"file": SimpleUploadedFile("periods.csv", data, content_type="text/csv")}
        )
        self.assertEqual([change.shown["period"] for change in response.context["created"]], ["15 years"])
        self.assertContains(response, "<td>15 years</td>", html=True)
        self.assertNotContains(response, "not stated")


class AdminImportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password")

    def setUp(self):
        self.client.force_login(self.editor)
        self.url = reverse("admin:programmes_figure_import")

    def upload(self, data: bytes, name: str = "nao-2026.csv"):
        return self.client.post(self.url, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})

    def test_it_links_the_import_from_the_figure_list(self):
        response = self.client.get(reverse("admin:programmes_figure_changelist"))
        self.assertContains(response, f'href="{self.url}"')
        self.assertContains(response, 'href="/data/figures.csv"')

    def test_it_shows_the_upload_form(self):
        response = self.client.get(self.url)
        self.assertContains(response, 'type="file"')
        self.assertContains(response, "Check the file")

    def test_it_previews_an_upload_without_saving_it(self):
        figure = Figure.objects.get(key="F041")
        before = state()
        response = self.upload(to_csv(existing_row(figure, locator="paragraph 12"), new_row()))
        self.assertContains(response, "Nothing has been saved yet")
        self.assertContains(response, "Figures to create")
        self.assertContains(response, "Figures to update")
        self.assertContains(response, "paragraph 12")
        self.assertContains(response, NEW_SOURCE["source_title"])
        self.assertContains(response, 'name="confirm"')
        self.assertEqual(state(), before)

    def test_it_previews_values_as_published_with_their_qualifiers(self):
        rows = [
            new_row(qualifier="approx", value="1000", unit="count", measure="coverage", as_published="~1,000", locator="a"),
            new_row(qualifier="at_least", value="25", unit="count", measure="coverage", locator="b"),
            new_row(qualifier="over", value="1400", locator="c"),
        ]
        response = self.upload(to_csv(*rows))
        self.assertEqual([change.shown["value"] for change in response.context["created"]], ["~1,000", "at least 25", "over £1.4bn"])
        self.assertContains(response, "<td>~1,000</td>", html=True)
        self.assertNotContains(response, "1000 count")

    def test_it_shows_each_change_before_and_after_with_new_organisations_and_guesses(self):
        figure = Figure.objects.get(key="F041")
        response = self.upload(to_csv(existing_row(figure, value="91.5"), new_row(claimant="Shared Services Connected Ltd")))
        updated = response.context["updated"]
        self.assertEqual(updated[0].differences, [("value", "90", "91.5")])
        self.assertContains(response, "<td>value</td><td>90</td><td>91.5</td>", html=True)
        self.assertContains(response, "<td>Shared Services Connected Ltd</td>", html=True)
        self.assertContains(response, "(guessed)")

    def test_it_saves_on_confirmation_with_the_editor_in_the_history(self):
        figure = Figure.objects.get(key="F041")
        preview = self.upload(to_csv(existing_row(figure, locator="paragraph 12"), new_row()))
        confirm = preview.context["confirm"]
        response = self.client.post(self.url, {**confirm.initial, "confirm": "1"})
        self.assertRedirects(response, reverse("admin:programmes_figure_changelist"))
        figure.refresh_from_db()
        self.assertEqual(figure.locator, "paragraph 12")
        latest = figure.history.latest()
        self.assertEqual(latest.history_user, self.editor)
        self.assertEqual(latest.history_change_reason, "Imported from nao-2026.csv in the admin")
        self.assertEqual(Figure.objects.latest("id").history.latest().history_user, self.editor)

    def test_it_saves_nothing_when_the_record_changed_since_the_preview(self):
        figure = Figure.objects.get(key="F041")
        preview = self.upload(to_csv(existing_row(figure, locator="paragraph 12")))
        Figure.objects.filter(pk=figure.pk).update(value=Decimal("77"))
        response = self.client.post(self.url, {**preview.context["confirm"].initial, "confirm": "1"})
        self.assertContains(response, "The record changed since your preview")
        figure.refresh_from_db()
        self.assertEqual((figure.value, figure.locator), (Decimal("77"), Figure.objects.get(pk=figure.pk).locator))
        self.assertNotEqual(figure.locator, "paragraph 12")

    def test_it_applies_a_confirmed_preview_once_only(self):
        rows = [new_row(value=str(100 + number), locator=f"para {number}") for number in range(50)]
        confirm = {**self.upload(to_csv(*rows)).context["confirm"].initial, "confirm": "1"}
        before = Figure.objects.count()
        first = self.client.post(self.url, confirm)
        self.assertRedirects(first, reverse("admin:programmes_figure_changelist"))
        second = self.client.post(self.url, confirm)
        self.assertContains(second, "This preview of nao-2026.csv was already confirmed by editor")
        self.assertContains(second, "nothing was saved a second time")
        self.assertEqual(Figure.objects.count(), before + 50)
        self.assertEqual(AppliedImport.objects.get().filename, "nao-2026.csv")

    def test_it_previews_the_same_file_afresh_with_a_digest_of_its_own(self):
        data = to_csv(new_row())
        first = self.upload(data).context["confirm"].initial
        self.client.post(self.url, {**first, "confirm": "1"})
        Figure.objects.filter(locator="para 2.4", value=Decimal("95")).delete()
        again = self.upload(data).context["confirm"].initial
        self.assertNotEqual(again["digest"], first["digest"])
        response = self.client.post(self.url, {**again, "confirm": "1"})
        self.assertRedirects(response, reverse("admin:programmes_figure_changelist"))
        self.assertEqual(Figure.objects.filter(locator="para 2.4", value=Decimal("95")).count(), 1)

    def test_it_lists_every_problem_and_saves_nothing(self):
        before = state()
        response = self.upload(to_csv(new_row(value="1,400"), new_row(period_start="2013-15")))
        self.assertContains(response, "2 problems in the file")
        self.assertContains(response, "not a plain number")
        self.assertContains(response, "is not a financial year")
        self.assertNotContains(response, 'name="confirm"')
        self.assertEqual(state(), before)

    def test_it_keeps_line_breaks_in_notes_through_the_preview(self):
        preview = self.upload(to_csv(new_row(note="one\ntwo\r\nthree")))
        self.client.post(self.url, {**preview.context["confirm"].initial, "confirm": "1"})
        self.assertEqual(Figure.objects.latest("id").note, "one\ntwo\r\nthree")

    def test_it_refuses_staff_who_may_not_add_figures(self):
        clerk = get_user_model().objects.create_user("clerk", is_staff=True)
        clerk.user_permissions.add(Permission.objects.get(codename="view_figure"))
        self.client.force_login(clerk)
        self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_it_sends_anonymous_visitors_to_the_login_page(self):
        self.client.logout()
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/login/", response["Location"])


class JudgementColumnTests(TestCase):
    """The columns that say what a figure counts, who claimed it and how its source is to be read come back as exported."""

    def test_it_creates_a_figure_with_every_new_column_given(self):
        total = Figure.objects.get(key="F041")
        row = new_row(
            key="F999",
            description="Savings of the two independent centres",
            scope="The two independent centres",
            scenario="without HMRC",
            horizon="outturn",
            as_published="about \u00a395m",
            part_of=str(total.pk),
            claimant="Cabinet Office",
            source_kind="committee_evidence",
            source_date_precision="month",
            source_is_primary="false",
        )
        plan = import_figures(to_csv(row))
        self.assertEqual(plan.problems, [])
        figure = Figure.objects.get(key="F999")
        self.assertEqual(
            (figure.description, figure.scope, figure.scenario, figure.as_published, figure.part_of, figure.claimant.name),
            (
                "Savings of the two independent centres",
                "The two independent centres",
                "without HMRC",
                "about \u00a395m",
                total,
                "Cabinet Office",
            ),
        )
        self.assertEqual(
            (figure.source.kind, figure.source.date_precision, figure.source.is_primary), ("committee_evidence", "month", False)
        )
        self.assertEqual(plan.new_sources[0].guessed, ())

    def test_it_creates_an_organisation_for_a_new_claimant_and_shows_it(self):
        plan = import_figures(to_csv(new_row(claimant="Shared Services Connected Ltd")), dry_run=True)
        self.assertEqual([organisation.name for organisation in plan.new_organisations], ["Shared Services Connected Ltd"])
        self.assertIn("new organisation 'Shared Services Connected Ltd', kind other (set it in the admin)", list(plan.describe()))
        import_figures(to_csv(new_row(claimant="Shared Services Connected Ltd")))
        self.assertEqual(Figure.objects.latest("id").claimant.kind, "other")

    def test_it_guesses_only_blank_source_cells_and_says_so(self):
        plan = import_figures(to_csv(new_row(source_kind="news_article")), dry_run=True)
        self.assertEqual(plan.new_sources[0].guessed, ("date_precision", "is_primary"))
        self.assertEqual(plan.new_sources[0].source.kind, "news_article")
        self.assertIn("(guessed: date_precision, is_primary)", next(line for line in plan.describe() if "new source" in line))

    def test_it_keeps_the_fallbacks_for_blank_cells(self):
        import_figures(to_csv(new_row()))
        figure = Figure.objects.latest("id")
        self.assertEqual(
            (figure.description, figure.claimant.name, figure.horizon), ("Savings, audited", "National Audit Office", "outturn")
        )

    def test_it_accepts_and_ignores_the_computed_columns(self):
        row = new_row(quantity="anything at all", disagrees="maybe")
        self.assertEqual(import_figures(to_csv(row, columns=[*COLUMNS, "quantity", "disagrees"])).problems, [])

    def test_it_refuses_a_part_of_that_names_no_figure_or_itself(self):
        self.assertIn("there is no figure 999999", str(import_figures(to_csv(new_row(part_of="999999"))).problems[0]))
        figure = Figure.objects.get(key="F041")
        problems = import_figures(to_csv(existing_row(figure, part_of=str(figure.pk)))).problems
        self.assertIn("cannot be a part of itself", str(problems[0]))

    def test_it_accepts_a_part_of_naming_a_figure_further_down_the_file(self):
        part, total = new_row(id="900001", part_of="900002"), new_row(id="900002", measure="investment")
        self.assertEqual(import_figures(to_csv(part, total)).problems, [])
        self.assertEqual(Figure.objects.get(pk=900001).part_of_id, 900002)

    def test_it_refuses_a_key_another_figure_holds(self):
        problems = import_figures(to_csv(new_row(key="F041"))).problems
        self.assertIn("is the key of figure", str(problems[0]))

    def test_it_never_removes_a_key_for_a_blank_cell(self):
        figure = Figure.objects.get(key="F041")
        plan = import_figures(to_csv(existing_row(figure, key="")))
        self.assertEqual(plan.count("unchanged"), 1)
        self.assertTrue(Figure.objects.filter(key="F041").exists())


class ControlCharacterTests(TestCase):
    def test_it_refuses_a_nul_with_its_line_and_column_and_saves_nothing(self):
        before = state()
        plan = import_figures(to_csv(new_row(), new_row(note="bad\x00note")))
        self.assertEqual([(p.line, p.column) for p in plan.problems], [(3, "note")])
        self.assertIn("U+0000", plan.problems[0].reason)
        self.assertEqual(state(), before)

    def test_it_refuses_other_controls_but_keeps_tabs_and_line_breaks_in_notes(self):
        for character in ("\x07", "\x1b", "\x7f", "\x85"):
            with self.subTest(character=repr(character)):
                plan = import_figures(to_csv(new_row(locator=f"p{character}4")))
                self.assertEqual([(p.line, p.column) for p in plan.problems], [(2, "locator")])
        self.assertEqual(import_figures(to_csv(new_row(note="one\ttwo\r\nthree"))).problems, [])
        self.assertEqual(Figure.objects.latest("id").note, "one\ttwo\r\nthree")


class ScaleTests(TestCase):
    """Files that once ran into quadratic loops complete; bench/import_rate.py records how long they take."""

    def test_it_reports_a_header_of_150000_columns_briefly(self):
        header = ",".join([*COLUMNS, *(f"extra{n}" for n in range(150_000 - len(COLUMNS)))]).encode()
        plan = import_figures(header + b"\n" + b"," * 149_999 + b"\n")
        self.assertFalse(plan.saved)
        self.assertEqual(len(plan.problems), 21)
        self.assertIn(f"and {150_000 - len(COLUMNS) - 20:,} more unexpected columns", plan.problems[-1].reason)

    def test_it_refuses_a_header_of_150000_repeated_columns_once_each(self):
        header = ",".join(COLUMNS * (150_000 // len(COLUMNS))).encode()
        plan = import_figures(header + b"\n")
        self.assertEqual(len(plan.problems), len(COLUMNS))

    def test_it_imports_new_sources_sharing_a_title_each_under_a_key_of_its_own(self):
        rows = [new_row(source_url=f"https://example.org/report/{n}", value=str(n % 90 + 1)) for n in range(600)]
        plan = import_figures(to_csv(*rows))
        self.assertEqual(plan.problems, [])
        sources = Source.objects.filter(title=NEW_SOURCE["source_title"])
        self.assertEqual(sources.count(), 600)
        self.assertEqual(len(set(sources.values_list("key", flat=True))), 600)
        self.assertEqual(Figure.objects.filter(source__in=sources).count(), 600)
        self.assertEqual(Figure.history.filter(history_change_reason="Imported from CSV").count(), 600)

    def test_it_numbers_12000_sources_sharing_a_title_looking_at_each_key_once(self):
        # Numbering each new source from 1 again made 12,000 sources sharing a title take 72 million looks; counting
        # the looks catches that on any machine, where timing the import would not.
        planner = Planner(writer=None, digest=False)
        planner.source_keys = LookCountingSet(planner.source_keys)
        cells = {"publisher": "National Audit Office", "published": datetime.date(2026, 10, 14), "title": NEW_SOURCE["source_title"]}
        keys = [planner.unique_key(cells) for _ in range(12_000)]
        self.assertEqual(len(set(keys)), 12_000)
        self.assertLessEqual(planner.source_keys.looks, 2 * 12_000)


class LookCountingSet(set):
    looks = 0

    def __contains__(self, item: object) -> bool:
        self.looks += 1
        return super().__contains__(item)


class UpdateCommandTests(TestCase):
    def run_command(self, data: bytes, *args: str) -> str:
        return run_import_command(data, *args, name="restated.csv")

    def test_it_lists_changes_to_existing_figures_and_saves_nothing_without_update(self):
        figure = Figure.objects.get(key="F041")
        before = state()
        out = io.StringIO()
        with self.assertRaisesMessage(CommandError, "run the command again with --update"):
            call_command("import_figures", self.write(to_csv(existing_row(figure, value="91.5"), new_row())), stdout=out)
        self.assertIn(f"line 2: update figure {figure.pk}: value '90' -> '91.5'", out.getvalue())
        self.assertEqual(state(), before)

    def test_it_applies_the_changes_with_update(self):
        figure = Figure.objects.get(key="F041")
        output = self.run_command(to_csv(existing_row(figure, value="91.5")), "--update")
        self.assertIn("Saved: 0 created, 1 updated", output)
        figure.refresh_from_db()
        self.assertEqual(figure.value, Decimal("91.5"))

    def test_it_treats_a_row_carrying_another_figures_id_as_a_change_to_that_figure(self):
        figure, other = Figure.objects.filter(key__in=["F041", "F042"]).order_by("key")
        row = existing_row(figure) | {"id": str(other.pk), "key": ""}
        out = io.StringIO()
        with self.assertRaisesMessage(CommandError, "--update"):
            call_command("import_figures", self.write(to_csv(row)), stdout=out)
        self.assertIn(f"update figure {other.pk}:", out.getvalue())
        self.assertEqual(Figure.objects.get(pk=other.pk).value, other.value)

    def write(self, data: bytes) -> str:
        import tempfile
        from pathlib import Path

        path = Path(tempfile.mkdtemp()) / "restated.csv"
        path.write_bytes(data)
        return str(path)
