"""Two editors in two browsers save the same figure: the second sees both versions, and saving again keeps what the
form then holds (the first editor's changes and their own); and a deleted figure is recovered from its history."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import Page

from programmes import lines
from programmes.models import Figure
from tests.browser.base import DESKTOP, HEIGHTS, SCREENSHOTS, BrowserTestCase
from tests.helpers import PATIENCE, make_figure

PASSWORD = "a-long-browser-test-password"
RECOVERED_KEY = "B-RECOVERED"


@pytest.mark.browser
class AdminConflictTests(BrowserTestCase):
    writes = True

    def setUp(self) -> None:
        self.figure = Figure.objects.get(key="F041")
        self.original_note, self.original_locator = self.figure.note, self.figure.locator
        for name in ("first-editor", "second-editor"):
            get_user_model().objects.create_superuser(name, f"{name}@example.org", PASSWORD)

    def tearDown(self) -> None:
        # The live-server tests share the dataset for the whole session (see base.py): put the figure back.
        Figure.objects.filter(pk=self.figure.pk).update(note=self.original_note, locator=self.original_locator)
        lines.refresh([self.figure.pk])  # an UPDATE sends no signal: its stored CSV line too
        Figure.objects.filter(key=RECOVERED_KEY).delete()
        get_user_model().objects.filter(username__in=["first-editor", "second-editor"]).delete()

    def editor(self, username: str, figure: Figure | None = None) -> Page:
        context = self.browser.new_context(viewport={"width": DESKTOP, "height": HEIGHTS[DESKTOP]})
        self.addCleanup(context.close)
        context.set_default_timeout(PATIENCE * 1000)
        page = context.new_page()
        page.goto(self.live_server_url + reverse("admin:login"))
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")
        page.goto(self.live_server_url + reverse("admin:programmes_figure_change", args=[(figure or self.figure).pk]))
        return page

    def test_it_shows_the_second_editor_both_versions_and_saves_theirs_only_when_they_save_again(self):
        first, second = self.editor("first-editor"), self.editor("second-editor")

        first.fill("#id_note", "Checked against the NAO report by the first editor")
        first.fill("#id_change_reason", "Read the report again")
        first.click("input[name=_save]")
        first.wait_for_url("**/admin/programmes/figure/")
        second.fill("#id_note", "Checked against the NAO report by the second editor")
        second.fill("#id_change_reason", "Read the report again")
        second.click("input[name=_save]")

        panel = second.locator(".conflicts")
        panel.wait_for()
        self.assertIn("saved by first-editor", panel.inner_text().lower())
        second.screenshot(path=SCREENSHOTS / "admin-conflict.png", full_page=False)
        row = panel.locator("tr", has=second.locator("th", has_text="Note")).inner_text()
        self.assertIn("by the second editor", row)
        self.assertIn("by the first editor", row)
        self.assertEqual(second.input_value("#id_note"), "Checked against the NAO report by the second editor")
        self.assertEqual(Figure.objects.get(pk=self.figure.pk).note, "Checked against the NAO report by the first editor")

        second.click("input[name=_save]")
        second.wait_for_url("**/admin/programmes/figure/")
        self.assertEqual(Figure.objects.get(pk=self.figure.pk).note, "Checked against the NAO report by the second editor")

    def test_it_gives_the_second_editor_the_first_editors_note_with_their_own_locator_and_saves_both(self):
        first, second = self.editor("first-editor"), self.editor("second-editor")

        first.fill("#id_note", "Checked against the NAO report by the first editor")
        first.fill("#id_change_reason", "Read the report again")
        first.click("input[name=_save]")
        first.wait_for_url("**/admin/programmes/figure/")
        second.fill("#id_locator", "Figure 7, page 31")
        second.fill("#id_change_reason", "Found the table")
        second.click("input[name=_save]")

        second.locator(".conflicts").wait_for()
        self.assertIn(
            "The form now holds the stored version, with your changes to Locator.",
            second.locator(".errorlist.nonfield").inner_text(),
        )
        self.assertEqual(second.input_value("#id_note"), "Checked against the NAO report by the first editor")
        self.assertEqual(second.input_value("#id_locator"), "Figure 7, page 31")

        second.click("input[name=_save]")
        second.wait_for_url("**/admin/programmes/figure/")
        stored = Figure.objects.get(pk=self.figure.pk)
        self.assertEqual((stored.note, stored.locator), ("Checked against the NAO report by the first editor", "Figure 7, page 31"))

    def test_it_recovers_a_deleted_figure_from_its_history_with_its_id_and_key(self):
        figure = make_figure(self.figure.programme, self.figure.source, key=RECOVERED_KEY, note="Entered for the recovery test")
        page = self.editor("first-editor", figure)

        page.click("a.deletelink")
        page.fill("#id_change_reason", "Entered twice")
        page.click("input[type=submit][value^='Yes']")
        page.wait_for_url("**/admin/programmes/figure/")
        self.assertFalse(Figure.objects.filter(pk=figure.pk).exists())

        page.click("text=Recover deleted figures")
        row = page.locator("#recover-list tr", has_text=RECOVERED_KEY)
        self.assertIn("Entered twice", row.inner_text())
        row.locator("a", has_text=RECOVERED_KEY).click()
        self.assertEqual(page.input_value("#id_note"), "Entered for the recovery test")
        page.fill("#id_change_reason", "Deleted by mistake")
        page.click("input[name=_save]")
        page.wait_for_url("**/admin/programmes/figure/")

        recovered = Figure.objects.get(pk=figure.pk)
        self.assertEqual((recovered.key, recovered.note), (RECOVERED_KEY, "Entered for the recovery test"))
        page.goto(self.live_server_url + reverse("admin:programmes_figure_history", args=[figure.pk]))
        history = page.locator("#change-history").inner_text()
        self.assertIn("Deleted by mistake", history)
        self.assertIn("Entered twice", history)
