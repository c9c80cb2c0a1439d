"""Two editors in two browsers save the same figure: the second sees both versions, and saving again keeps theirs."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import Page

from programmes.models import Figure
from tests.browser.base import DESKTOP, HEIGHTS, SCREENSHOTS, BrowserTestCase
from tests.helpers import PATIENCE

PASSWORD = "a-long-browser-test-password"


@pytest.mark.browser
class AdminConflictTests(BrowserTestCase):
    def setUp(self) -> None:
        self.figure = Figure.objects.get(key="F041")
        self.original_note = self.figure.note
        for name in ("first-editor", "second-editor"):
            get_user_model().objects.create_superuser(name, f"{name}@example.org", PASSWORD)

    def tearDown(self) -> None:
        # The live-server tests share the dataset for the whole session (see base.py): put the figure back.
        Figure.objects.filter(pk=self.figure.pk).update(note=self.original_note)
        get_user_model().objects.filter(username__in=["first-editor", "second-editor"]).delete()

    def editor(self, username: str) -> Page:
        context = self.browser.new_context(viewport={"width": DESKTOP, "height": HEIGHTS[DESKTOP]})
        self.addCleanup(context.close)
        context.set_default_timeout(PATIENCE * 1000)
        page = context.new_page()
        page.goto(self.live_server_url + reverse("admin:login"))
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")
        page.goto(self.live_server_url + reverse("admin:programmes_figure_change", args=[self.figure.pk]))
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
