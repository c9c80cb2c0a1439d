"""Four eyes in Chromium: one editor proposes a change, a second reviews it field by field and approves it, or sends it back."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import Page

from programmes.models import Draft, Figure
from tests.browser.base import DESKTOP, HEIGHTS
from tests.browser.test_admin import PASSWORD, AdminBrowserTestCase
from tests.helpers import PATIENCE


@pytest.mark.browser
@override_settings(REVIEW_REQUIRED=True)
class ReviewJourneyTests(AdminBrowserTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        reviewer = get_user_model().objects.create_superuser("browser-reviewer", "reviewer@example.org", PASSWORD)
        cls.addClassCleanup(reviewer.delete)
        context = cls.browser.new_context(viewport={"width": DESKTOP, "height": HEIGHTS[DESKTOP]})
        context.set_default_timeout(PATIENCE * 1000)
        cls.addClassCleanup(context.close)
        cls.second = context.new_page()
        cls.second.goto(cls.live_server_url + reverse("admin:login"))
        cls.second.fill("#id_username", "browser-reviewer")
        cls.second.fill("#id_password", PASSWORD)
        cls.second.click("input[type=submit]")
        cls.second.wait_for_url(cls.live_server_url + reverse("admin:index"))

    def submit(self, page: Page, selector: str) -> None:
        """Press a button that posts, and wait until the page it leads to has loaded (the live server's one SQLite
        connection must be free before the next request)."""
        with page.expect_response(lambda response: response.request.method == "POST") as posted:
            page.click(selector)
        posted.value.finished()
        page.wait_for_load_state("load")

    def propose(self, note: str, reason: str) -> Draft:
        figure = Figure.objects.get(key="F041")
        page = self.go(reverse("admin:programmes_figure_change", args=[figure.pk]))
        page.fill("#id_note", note)
        page.fill("#id_change_reason", reason)
        self.submit(page, "input[name=_save]")
        draft = Draft.objects.latest("pk")
        self.assertEqual(page.url, self.live_server_url + reverse("admin:programmes_draft_change", args=[draft.pk]))
        self.assertIn(
            "Saved as a draft for review: a second editor must approve it before it is published.", page.inner_text(".messagelist")
        )
        self.assertIn("You proposed this draft", page.inner_text("#draft-review"))
        self.assertEqual(page.locator("text=Approve and publish").count(), 0)
        return draft

    def review(self, draft: Draft) -> Page:
        page = self.second
        page.goto(self.live_server_url + reverse("admin:programmes_draft_changelist"), wait_until="domcontentloaded")
        page.click(f"a[href='{reverse('admin:programmes_draft_change', args=[draft.pk])}']")
        page.wait_for_load_state("load")
        self.assertIn("Proposed by browser-editor", page.inner_text("#draft-status"))
        return page

    def test_a_second_editor_approves_one_draft_and_sends_another_back(self):
        before = Figure.objects.get(key="F041").note
        draft = self.propose("Cumulative, checked against figure 4 of the report.", "Added where the value comes from")
        self.assertEqual(Figure.objects.get(key="F041").note, before)

        page = self.review(draft)
        changed = page.locator("#draft-changes tr.changed")
        self.assertEqual(changed.count(), 1)
        self.assertIn("Cumulative, checked against figure 4 of the report.", changed.inner_text())
        # Without a reason the browser keeps the form: the required box stops it being sent.
        page.click("button[value=approve]")
        self.assertTrue(page.locator("#id_review_reason:invalid").count())
        page.fill("#id_review_reason", "Matches figure 4")
        self.submit(page, "button[value=approve]")
        self.assertIn(f"{draft} was approved and published.", page.inner_text(".messagelist"))
        self.assertIn("Approved by browser-reviewer", page.inner_text("#draft-decision"))
        self.assertEqual(Figure.objects.get(key="F041").note, "Cumulative, checked against figure 4 of the report.")

        second = self.propose("A guess.", "Rewrote the note")
        page = self.review(second)
        page.fill("#id_review_reason", "The report says nothing of the kind")
        self.submit(page, "button[value=send_back]")
        self.assertIn(f"{second} was sent back to its proposer.", page.inner_text(".messagelist"))
        self.assertEqual(Figure.objects.get(key="F041").note, "Cumulative, checked against figure 4 of the report.")
        self.go(reverse("admin:programmes_draft_change", args=[second.pk]))
        self.assertIn("Sent back by browser-reviewer", self.page.inner_text("#draft-decision"))
        self.assertIn("The report says nothing of the kind", self.page.inner_text("#draft-decision"))
