"""The admin's Preview button: the public card and charts a figure changes, as at today, before it is saved; nothing is written."""

from __future__ import annotations

from django.test import TestCase
from django.urls import reverse

from dashboard import exports
from programmes.models import Disagreement, Figure
from tests.helpers import figure_form, log_in_as_staff


def snapshot() -> tuple:
    """Everything a save would touch: the figures, their history, the stored flags and the change stamp."""
    return (
        list(Figure.objects.order_by("pk").values_list("pk", "value", "value_low", "value_high", "version", "disagreement_count")),
        Figure.history.count(),
        list(Disagreement.objects.order_by("pk").values_list("figure_id", "other_id", "holds_from")),
        exports.last_changed(),
    )


class PreviewTests(TestCase):
    def setUp(self):
        log_in_as_staff(self.client)
        self.figure = Figure.objects.get(key="F041")
        self.url = reverse("admin:programmes_figure_preview", args=[self.figure.pk])

    def test_the_change_form_has_the_button(self):
        response = self.client.get(reverse("admin:programmes_figure_change", args=[self.figure.pk]))
        self.assertContains(response, 'value="Preview on the public site"')
        self.assertContains(response, f'formaction="{self.url}" formtarget="_blank"')
        self.assertContains(self.client.get(reverse("admin:programmes_figure_add")), 'formaction="/admin/programmes/figure/add/preview/"')

    def test_it_shows_the_card_and_charts_with_the_unsaved_value_and_writes_nothing(self):
        before = snapshot()
        response = self.client.post(self.url, figure_form(self.figure, as_published="£95m"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(snapshot(), before, "nothing was written")
        item = response.context["previews"][0]
        line = next(line for line in item.lines if line.role == "delivered-audited")
        self.assertTrue(line.changes)
        self.assertEqual((line.today.display_value, line.saved.display_value), ("£90m", "£95m"))
        self.assertEqual([line.role for line in item.lines if line.changes], ["delivered-audited"])
        self.assertIn("money", [chart.id for chart in item.charts])
        money = next(chart for chart in item.charts if chart.id == "money")
        self.assertIn("£95m saved against £94m invested", money.summary)
        self.assertContains(response, "Preview, not saved.")
        public = self.client.get("/programmes/ngss-2012/")
        self.assertContains(public, "£90m")
        self.assertNotContains(public, "£95m")

    def test_a_value_that_would_disagree_is_flagged_in_the_preview_only(self):
        before = snapshot()
        # The CSW report of the NAO's finding says £90m: £120m from the NAO in another publication cannot both be right.
        response = self.client.post(self.url, figure_form(self.figure, as_published="£120m"))
        rows = [row for chart in response.context["previews"][0].charts for row in chart.rows if row["url"] == "/figures/F041/"]
        self.assertTrue(rows)
        self.assertTrue(all("Disagrees with £90m" in row["Flag"] for row in rows))
        self.assertEqual(snapshot(), before)

    def test_a_new_figure_can_be_previewed_before_it_exists(self):
        before = snapshot()
        data = figure_form(self.figure, key="", status="claimed", description="Savings claimed by the Cabinet Office", change_reason="")
        data["claimant"] = Figure.objects.get(key="F040").claimant_id
        response = self.client.post(reverse("admin:programmes_figure_preview_add"), data)
        self.assertEqual(response.status_code, 200, response.context and response.context["form"].errors)
        item = response.context["previews"][0]
        line = next(line for line in item.lines if line.role == "delivered-claimed")
        self.assertIsNone(line.today)
        self.assertEqual(line.saved.description, "Savings claimed by the Cabinet Office")
        self.assertEqual(snapshot(), before)

    def test_a_figure_moved_to_another_programme_previews_both(self):
        data = figure_form(self.figure, programme=Figure.objects.get(key="F059").programme_id)
        response = self.client.post(self.url, data)
        self.assertEqual([item.programme.slug for item in response.context["previews"]], ["issc2", "ngss-2012"])
        ngss = response.context["previews"][1]
        # Without the NAO's own press release, the latest report of its finding heads the line.
        self.assertEqual(next(line for line in ngss.lines if line.role == "delivered-audited").saved.key, "F041c")

    def test_a_form_with_mistakes_says_what_to_correct_and_writes_nothing(self):
        before = snapshot()
        response = self.client.post(self.url, figure_form(self.figure, as_published="ninety"))
        self.assertContains(response, "The figure cannot be previewed yet")
        self.assertContains(response, "<li>Value as published: ")
        self.assertEqual(response.context["previews"], [])
        self.assertEqual(snapshot(), before)

    def test_it_needs_no_reason_yet_because_it_saves_nothing(self):
        response = self.client.post(self.url, figure_form(self.figure, as_published="£95m", change_reason=""))
        self.assertEqual(len(response.context["previews"]), 1)
        self.assertNotContains(response, "cannot be previewed")

    def test_a_save_by_someone_else_in_the_meantime_is_said_plainly(self):
        from unittest import mock

        from concurrency.exceptions import RecordModifiedError

        with mock.patch("dashboard.preview.pages.programme_page", side_effect=RecordModifiedError(target=self.figure)):
            response = self.client.post(self.url, figure_form(self.figure, as_published="£95m"))
        self.assertContains(response, "Someone else saved this figure a moment ago")

    def test_opening_it_without_a_form_goes_back_to_the_form(self):
        response = self.client.get(self.url)
        self.assertRedirects(response, reverse("admin:programmes_figure_change", args=[self.figure.pk]))

    def test_it_is_for_editors_only(self):
        self.client.logout()
        response = self.client.post(self.url, figure_form(self.figure, as_published="£95m"))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/login/", response["Location"])
