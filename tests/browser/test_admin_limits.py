"""The admin's limits in Chromium, as an editor meets them: the same figure typed twice, a note too long for its box,
and a form too large to send. Each time nothing is saved, the editor is told why, and what they typed is still there."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from programmes.limits import NOTE_LENGTH
from programmes.models import Figure
from tests.browser.test_admin import AdminBrowserTestCase

# Longer than the site accepts in one form (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB), in a box whose maxlength stops
# anyone typing it: set by script, as a paste into an old browser or a tampered page would send it.
OVERSIZED = 3_000_000


@pytest.mark.browser
class AdminLimitTests(AdminBrowserTestCase):
    def choose(self, field: str, search: str, option: str) -> None:
        self.page.click(f"#id_{field} + .select2 .select2-selection")
        self.page.fill(".select2-search__field", search)
        self.page.click(f".select2-results__option:has-text({json.dumps(option)})")

    def fill_figure(self) -> None:
        self.go(reverse("admin:programmes_figure_add"))
        self.choose("programme", "ngss", "Next Generation")
        self.page.fill("#id_description", "Savings typed in twice")
        self.page.select_option("#id_measure", "savings")
        self.page.select_option("#id_status", "claimed")
        self.page.select_option("#id_basis", "annual")
        self.page.select_option("#id_horizon", "outturn")
        self.choose("claimant", "Cabinet", "Cabinet Office")
        self.page.fill("#id_as_published", "£123.4m")
        self.page.fill("#id_period", "2014-15")
        self.choose("source", "Shared service centres", "Shared service centres")

    def set_by_script(self, selector: str, text_length: int) -> None:
        self.page.eval_on_selector(selector, "(box, length) => { box.value = 'n'.repeat(length); }", text_length)

    def test_it_asks_before_saving_the_same_figure_twice(self):
        self.fill_figure()
        self.assertEqual(self.save(), 302, self.errors())
        first = Figure.objects.get(description="Savings typed in twice")
        self.addCleanup(Figure.objects.filter(description="Savings typed in twice").delete)

        self.fill_figure()
        self.assertFalse(self.page.is_visible("#id_is_separate"))
        self.assertEqual(self.save(), 200)
        warning = self.page.locator(".field-is_separate .errorlist")
        self.assertIn("This looks like a figure already recorded", warning.inner_text())
        self.assertEqual(warning.locator("a").first.get_attribute("href"), reverse("admin:programmes_figure_change", args=[first.pk]))
        self.assertIn("This is a separate figure; save it anyway", self.page.locator(".error-summary").inner_text())
        self.assertEqual(Figure.objects.filter(description="Savings typed in twice").count(), 1)

        self.page.check("#id_is_separate")
        self.assertEqual(self.save(), 302, self.errors())
        self.assertEqual(Figure.objects.filter(description="Savings typed in twice").count(), 2)

    def test_it_refuses_an_over_long_note_naming_the_box_and_keeps_the_text(self):
        figure = Figure.objects.get(key="F041")
        self.go(reverse("admin:programmes_figure_change", args=[figure.pk]))
        self.assertEqual(self.page.get_attribute("#id_note", "maxlength"), str(NOTE_LENGTH))
        self.set_by_script("#id_note", NOTE_LENGTH + 1)
        self.page.fill("#id_change_reason", "A longer caveat")
        self.assertEqual(self.save(), 200)
        summary = self.page.locator(".error-summary").inner_text()
        self.assertIn(f"Note: Ensure this value has at most {NOTE_LENGTH:d} characters (it has {NOTE_LENGTH + 1:d}).", summary)
        self.assertEqual(self.page.input_value("#id_note"), "n" * (NOTE_LENGTH + 1))
        self.assertEqual(self.page.input_value("#id_change_reason"), "A longer caveat")
        self.assertNotEqual(Figure.objects.get(pk=figure.pk).note, "n" * (NOTE_LENGTH + 1))

    def send_too_large(self) -> None:
        with self.page.expect_response(lambda response: response.request.method == "POST") as posted:
            self.page.click("input[name=_save]")
        self.assertEqual(posted.value.status, 413)
        self.page.wait_for_load_state("load")

    def assert_typing_kept(self) -> None:
        self.assertEqual(self.page.input_value("#id_locator"), "paragraph 2.4, typed by hand")
        self.assertEqual(self.page.input_value("#id_change_reason"), "Typed before the form was sent")
        self.assertEqual(len(self.page.input_value("#id_note")), OVERSIZED)

    def test_it_explains_a_form_too_large_to_send_and_leads_back_to_the_typing(self):
        figure = Figure.objects.get(key="F041")
        change = reverse("admin:programmes_figure_change", args=[figure.pk])
        self.go(change)
        self.page.fill("#id_locator", "paragraph 2.4, typed by hand")
        self.page.fill("#id_change_reason", "Typed before the form was sent")
        self.set_by_script("#id_note", OVERSIZED)
        self.send_too_large()
        text = self.page.locator("main").inner_text()
        self.assertIn("Your form was too large to save", text)
        self.assertIn("at most 2.5\xa0MB in one form", text)

        # Back in history: Chromium puts the typing back itself, so the kept copy is not offered.
        self.page.click("text=Go back to your form")
        self.page.wait_for_url(self.live_server_url + change)
        self.page.wait_for_load_state("load")
        self.assert_typing_kept()
        self.assertFalse(self.page.is_visible("#draft-offer"))

        # A browser that keeps nothing (the form opened afresh, then reloaded): the copy this tab kept is offered.
        self.send_too_large()
        self.go(change)
        self.page.reload(wait_until="load")
        self.assertEqual(self.page.input_value("#id_locator"), figure.locator)
        self.page.click("#draft-restore")
        self.assert_typing_kept()
        self.assertEqual(Figure.objects.get(pk=figure.pk).locator, figure.locator)
