"""The admin's CSV import in Chromium, as an editor meets it: a file with a likely duplicate is previewed with the
figure it repeats, cannot be confirmed without a choice, and is applied once however often it is confirmed; an
"at least" read from the file reads "at least" on the public page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from programmes.models import Figure, Source
from tests.browser.test_admin import AdminBrowserTestCase
from tests.helpers import NEW_SOURCE, existing_row, new_row, to_csv


@pytest.mark.browser
class AdminImportTests(AdminBrowserTestCase):
    def upload(self, data: bytes) -> None:
        self.go(reverse("admin:programmes_figure_import"))
        self.page.set_input_files("input[type=file]", files=[{"name": "nao-2026.csv", "mimeType": "text/csv", "buffer": data}])
        self.page.click("input[value='Check the file']")
        self.page.wait_for_load_state("load")

    def confirm(self, page) -> int:
        with page.expect_response(lambda response: response.request.method == "POST") as posted:
            page.click("input[name=confirm]")
        posted.value.finished()
        page.wait_for_load_state("load")
        return posted.value.status

    def test_it_asks_about_a_likely_duplicate_and_applies_a_confirmed_file_once(self):
        recorded = Figure.objects.filter(status="audited").exclude(source__url="").first()
        repeated = existing_row(recorded, id="", key="", description="The same audited figure, typed again")
        rows = [
            new_row(description="Centres joined by the end of the year", measure="coverage", unit="count", value="25",
                    qualifier="at_least", as_published="≥25", locator="para 1.2"),
            new_row(description="Annual savings of the two centres", locator="para 2.4"),
            repeated,
        ]  # fmt: skip
        self.upload(to_csv(*rows))

        duplicates = self.page.locator("#likely-duplicates")
        self.assertIn(recorded.get_absolute_url().rstrip("/").split("/")[-1], duplicates.inner_html())
        # The choice is required: the browser does not send the form without it, and nothing is saved.
        self.page.click("input[name=confirm]")
        self.assertTrue(self.page.locator("input[name=duplicates]:invalid").first.is_visible())
        self.assertFalse(Source.objects.filter(title=NEW_SOURCE["source_title"]).exists())

        # The same preview open in a second tab, as an editor who previewed twice or pressed Confirm twice has it.
        second = self.page.context.new_page()
        self.addCleanup(second.close)
        second.goto(self.live_server_url + reverse("admin:programmes_figure_import"))
        second.set_content(self.page.content())

        self.page.check("input[name=duplicates][value=skip]")
        self.assertEqual(self.confirm(self.page), 302)
        self.assertIn("1 skipped as likely duplicates", self.page.locator(".messagelist").inner_text())
        source = Source.objects.get(title=NEW_SOURCE["source_title"])
        self.assertEqual(Figure.objects.filter(source=source).count(), 2)
        self.assertEqual(Figure.objects.filter(source=recorded.source, value=recorded.value, programme=recorded.programme).count(), 1)

        # Confirming the same preview again saves nothing more, and says why.
        second.check("input[name=duplicates][value=skip]")
        self.assertEqual(self.confirm(second), 200)
        self.assertIn("already confirmed", second.locator(".errornote").inner_text())
        self.assertEqual(Figure.objects.filter(source=source).count(), 2)

        at_least = Figure.objects.get(source=source, measure="coverage")
        page = self.page.request.get(self.live_server_url + at_least.get_absolute_url())
        self.assertIn("at least 25", page.text())
        self.assertNotIn("over 25", page.text())
