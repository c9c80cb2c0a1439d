"""The admin in Chromium, as an editor uses it: what the browser keeps and submits is what is stored."""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import re
import time
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, Route

from programmes.models import Figure, Source
from tests.browser.base import DESKTOP, BrowserTestCase

PASSWORD = "a-long-test-password"
REASON = "Round trip: saved unchanged"
# What the admin redirects to after a save: the list, which the round trip never reads, so the browser is not made to draw it.
CHANGELIST = re.compile(r"/admin/programmes/(figure|source)/(\?.*)?$")


def dump() -> list[str]:
    """Every row of the data models as dumpdata writes it, less the history and the version counter, which a save moves on."""
    history = [
        f"programmes.{model._meta.model_name}"
        for model in apps.get_app_config("programmes").get_models()
        if model._meta.model_name.startswith("historical")
    ]
    out = io.StringIO()
    call_command("dumpdata", "programmes", exclude=history, stdout=out)
    rows = json.loads(out.getvalue())
    for row in rows:
        row["fields"].pop("version", None)
        if row["model"] == "programmes.disagreement":
            # The stored flags are recomputed on every save (programmes/flags.py): new rows with the same content.
            row.pop("pk")
    rows.sort(key=lambda row: (row["model"], row.get("pk", 0), json.dumps(row["fields"], sort_keys=True)))
    return json.dumps(rows, indent=1, ensure_ascii=False, sort_keys=True).splitlines()


def shape(field, value) -> object:
    """What about a stored value could change how the browser shows and submits it: empty or not, each choice,
    and for text the whitespace, line breaks, non-ASCII and HTML-special characters a form can mangle."""
    if value in (None, ""):
        return "empty"
    if field.choices or isinstance(value, bool):
        return value
    if field.is_relation:
        return "set"
    if isinstance(value, Decimal):
        return (value < 0, value != value.to_integral())
    if isinstance(value, str):
        return (
            value != value.strip(),
            "\n" in value,
            not value.isascii(),
            bool(re.search(r"[&<>\"']", value)),
            bool(re.search(r"\d", value)),
        )
    return type(value).__name__


def covering(model) -> list[int]:
    """The fewest rows (chosen greedily) that between them hold every shape of every field's value: saving them in
    the browser meets each way a form could alter a value, in a tenth of the time of saving every row.
    ADMIN_ROUND_TRIP=all saves every row instead."""
    rows = list(model.objects.order_by("pk"))
    if os.environ.get("ADMIN_ROUND_TRIP") == "all":
        return [row.pk for row in rows]
    fields = [field for field in model._meta.concrete_fields if not field.primary_key and field.name != "version"]
    features = {row.pk: {(field.name, shape(field, getattr(row, field.attname))) for field in fields} for row in rows}
    chosen: list[int] = []
    seen: set = set()
    while wanted := set().union(*features.values()) - seen:
        best = max(features, key=lambda pk: len(features[pk] & wanted))
        chosen.append(best)
        seen |= features.pop(best)
    return sorted(chosen)


class AdminBrowserTestCase(BrowserTestCase):
    """A superuser logged in through the login page in the class's browser."""

    writes = True

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        user, _ = get_user_model().objects.get_or_create(username="browser-editor", defaults={"is_staff": True, "is_superuser": True})
        user.set_password(PASSWORD)
        user.save()
        cls.addClassCleanup(user.delete)
        page = cls.context(DESKTOP).new_page()
        page.goto(cls.live_server_url + reverse("admin:login"))
        page.fill("#id_username", "browser-editor")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(cls.live_server_url + reverse("admin:index"))
        cls.page = page

    def go(self, url: str) -> Page:
        self.page.goto(self.live_server_url + url, wait_until="domcontentloaded")
        return self.page

    def save(self) -> int:
        """Press Save and return the status of the POST: 302 when saved, 200 when the form came back with errors."""
        with self.page.expect_response(lambda response: response.request.method == "POST") as posted:
            self.page.click("input[name=_save]")
        # The live server shares one SQLite connection between its threads: the next request must not start before
        # this one has finished with it.
        posted.value.finished()
        self.page.wait_for_load_state("load")
        return posted.value.status

    def errors(self) -> list[str]:
        return [text.strip() for text in self.page.locator(".errorlist, .errornote").all_inner_texts()]


@pytest.mark.browser
@override_settings(ADMIN_TWO_FACTOR=True)
class TwoFactorLoginTests(BrowserTestCase):
    def test_an_editor_with_one_device_signs_in_with_password_and_code_at_the_first_try(self):
        user = get_user_model().objects.create_user("browser-two-factor", password=PASSWORD, is_staff=True, is_superuser=True)
        self.addCleanup(user.delete)
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        page = self.context(DESKTOP).new_page()
        self.addCleanup(page.close)
        page.goto(self.live_server_url + reverse("admin:login"))
        page.fill("#id_username", "browser-two-factor")
        page.fill("#id_password", PASSWORD)
        page.fill("#id_otp_token", str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(6))
        page.click("input[type=submit]")
        page.wait_for_url(self.live_server_url + reverse("admin:index"))


@pytest.mark.browser
class AdminRoundTripTests(AdminBrowserTestCase):
    def test_it_changes_nothing_when_figures_and_sources_of_every_shape_are_saved_unchanged(self):
        def skip_list(route: Route) -> None:
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>saved</title>")

        static: dict[str, tuple[int, dict, bytes]] = {}

        def cached_static(route: Route) -> None:
            # The admin's scripts and styles are the same on every page; the browser's own cache revalidates each with
            # the live server, which costs more than the page itself, so the first answer is kept and replayed.
            url = route.request.url
            if url not in static:
                response = route.fetch()
                static[url] = (response.status, response.headers, response.body())
            status, headers, body = static[url]
            route.fulfill(status=status, headers=headers, body=body)

        self.page.route(CHANGELIST, skip_list)
        self.page.route("**/static/**", cached_static)
        self.addCleanup(self.page.unroute, CHANGELIST)
        self.addCleanup(self.page.unroute, "**/static/**")
        before = dump()
        pages = [("source", pk) for pk in covering(Source)] + [("figure", pk) for pk in covering(Figure)]
        refused, started = {}, time.monotonic()
        for model, pk in pages:
            self.go(reverse(f"admin:programmes_{model}_change", args=[pk]))
            self.page.fill("#id_change_reason", REASON)
            status = self.save()
            if status != 302:
                refused[f"{model} {pk}"] = [f"status {status}", *self.errors()]
        after = dump()
        changed = [
            line for line in difflib.unified_diff(before, after, lineterm="", n=0) if line[:1] in "+-" and line[:3] not in ("+++", "---")
        ]
        print(
            f"\nround trip: {len(pages)} of {Source.objects.count() + Figure.objects.count()} sources and figures saved in "
            f"{time.monotonic() - started:.0f} s; dump {len(chr(10).join(before).encode())} bytes, "
            f"{sum(len(line.encode()) for line in changed)} bytes on {len(changed)} changed lines"
        )
        self.assertEqual(refused, {})
        self.assertEqual(changed, [])
        saved_figures = sum(model == "figure" for model, _ in pages)
        self.assertEqual(Figure.history.filter(history_change_reason=REASON).count(), saved_figures)


@pytest.mark.browser
class EditorJourneyTests(AdminBrowserTestCase):
    def choose(self, field: str, search: str, option: str) -> None:
        """Pick an option in an autocomplete box as an editor does: open it, type, click the match."""
        self.page.click(f"#id_{field} + .select2 .select2-selection")
        self.page.fill(".select2-search__field", search)
        self.page.click(f".select2-results__option:has-text({json.dumps(option)})")

    def public(self, figure_id: int) -> tuple[int, str, list[dict]]:
        """The figure's public page (status, text) and its rows in /data/figures.csv, fetched at once."""
        page = self.page.request.get(self.live_server_url + reverse("dashboard:figure-detail", args=[figure_id]))
        table = self.page.request.get(self.live_server_url + reverse("dashboard:figures-csv"))
        self.assertEqual(table.status, 200)
        rows = [row for row in csv.DictReader(io.StringIO(table.body().decode("utf-8-sig"))) if row["id"] == str(figure_id)]
        return page.status, page.text(), rows

    def test_it_keeps_a_period_as_the_source_states_it_and_shows_it_on_the_public_page(self):
        self.go(reverse("admin:programmes_figure_add"))
        self.choose("programme", "gss", "Government Shared Services")
        self.page.fill("#id_description", "Savings the strategy aims for")
        self.page.select_option("#id_measure", "savings")
        self.page.select_option("#id_status", "target")
        self.page.select_option("#id_basis", "annual")
        self.page.select_option("#id_horizon", "projection")
        self.choose("claimant", "Cabinet", "Cabinet Office")
        self.page.fill("#id_as_published", "£100m")
        self.page.fill("#id_period", "by 2028-29")
        self.choose("source", "launches new government", "Cabinet Office launches new government shared services strategy")
        self.assertEqual(self.save(), 302, self.errors())
        figure = Figure.objects.get(description="Savings the strategy aims for")
        self.addCleanup(Figure.objects.filter(pk=figure.pk).delete)
        self.assertEqual((figure.period_as_published, figure.period_start, figure.period_end), ("by 2028-29", None, 2028))
        change = reverse("admin:programmes_figure_change", args=[figure.pk])
        self.go(change)
        self.assertEqual(self.page.input_value("#id_period"), "by 2028-29")
        status, text, rows = self.public(figure.pk)
        self.assertIn("by 2028-29", text)
        self.assertEqual((rows[0]["period_as_published"], rows[0]["period_end"]), ("by 2028-29", "2028-29"))

        self.page.fill("#id_period", "15 years")
        self.page.fill("#id_change_reason", "The strategy gives a length, not an end")
        self.assertEqual(self.save(), 302, self.errors())
        figure.refresh_from_db()
        self.assertEqual(
            (figure.period_as_published, figure.period_start, figure.period_end, figure.period_years), ("15 years", None, None, 15)
        )
        self.go(change)
        self.assertEqual(self.page.input_value("#id_period"), "15 years")
        status, text, rows = self.public(figure.pk)
        self.assertIn("15 years", text)
        self.assertNotIn("not stated", text)
        self.assertEqual((rows[0]["period_as_published"], rows[0]["period_years"]), ("15 years", "15"))

    def test_it_records_an_undated_secondary_source_and_a_figure_as_published_and_withdraws_it_when_deleted(self):
        self.go(reverse("admin:programmes_source_add"))
        self.page.fill("#id_key", "journey-secondary-summary")
        self.page.fill("#id_title", "A summary of shared services savings")
        self.choose("publisher", "Computer", "Computer Weekly")
        self.page.select_option("#id_kind", "news_article")
        self.page.uncheck("#id_is_primary")
        self.page.fill("#id_published", "01/03/2026")
        self.page.select_option("#id_date_precision", "before")
        self.page.fill("#id_url", "https://example.org/summary")
        self.assertEqual(self.save(), 302, self.errors())
        source = Source.objects.get(key="journey-secondary-summary")
        self.addCleanup(source.delete)
        self.assertEqual((source.is_primary, source.published_display), (False, "undated, before 1 March 2026"))
        self.go(reverse("admin:programmes_source_change", args=[source.pk]))
        self.assertEqual(self.page.input_value("#id_published"), "01/03/2026")
        self.assertEqual(self.page.input_value("#id_date_precision"), "before")
        self.assertFalse(self.page.is_checked("#id_is_primary"))

        self.go(reverse("admin:programmes_figure_add"))
        self.choose("programme", "ngss", "Next Generation")
        self.page.fill("#id_description", "Savings the summary attributes to the centres")
        self.page.select_option("#id_measure", "savings")
        self.page.select_option("#id_status", "claimed")
        self.page.select_option("#id_basis", "cumulative")
        self.page.select_option("#id_horizon", "outturn")
        self.choose("claimant", "Cabinet", "Cabinet Office")
        self.page.fill("#id_as_published", "£400–600m")
        self.page.fill("#id_period", "2013-14 to 2015-16")
        self.choose("source", "summary of shared", "A summary of shared services savings")
        self.assertEqual(self.save(), 302, self.errors())
        figure = Figure.objects.get(source=source)
        self.addCleanup(Figure.objects.filter(pk=figure.pk).delete)
        stored = (figure.qualifier, figure.value, figure.value_low, figure.value_high, figure.unit, figure.period_start, figure.period_end)
        self.assertEqual(stored, ("exact", None, 400, 600, "gbp_m", 2013, 2015))

        change = reverse("admin:programmes_figure_change", args=[figure.pk])
        self.go(change)
        self.assertEqual(self.page.input_value("#id_as_published"), "£400–600m")
        self.assertEqual(self.page.input_value("#id_period"), "2013-14 to 2015-16")
        self.page.fill("#id_as_published", "about £450m")
        self.page.fill("#id_period", "2014-15")
        self.assertEqual(self.save(), 200)
        self.assertIn("This field is required.", self.errors())
        self.page.fill("#id_change_reason", "The summary's table gives one number")
        self.assertEqual(self.save(), 302, self.errors())
        self.go(change)
        self.assertEqual(self.page.input_value("#id_as_published"), "about £450m")
        self.assertEqual(self.page.input_value("#id_period"), "2014-15")

        status, text, rows = self.public(figure.pk)
        self.assertEqual(status, 200)
        self.assertIn("about £450m", text)
        self.assertEqual(len(rows), 1)
        self.assertEqual(
            (rows[0]["qualifier"], rows[0]["value"], rows[0]["value_low"], rows[0]["period_start"]), ("approx", "450", "", "2014-15")
        )

        self.go(reverse("admin:programmes_figure_delete", args=[figure.pk]))
        self.page.fill("#id_change_reason", "Entered twice")
        with self.page.expect_navigation():
            self.page.click("input[type=submit]")
        self.assertFalse(Figure.objects.filter(pk=figure.pk).exists())
        self.assertEqual(Figure.history.filter(id=figure.pk, history_type="-").get().history_change_reason, "Entered twice")
        # Gone from the record and the downloads; its address says it was removed, and why (the corrections log's 410).
        status, text, rows = self.public(figure.pk)
        self.assertEqual(status, 410)
        self.assertIn("was removed from the record", text)
        self.assertIn("Entered twice", text)
        self.assertEqual(rows, [])
