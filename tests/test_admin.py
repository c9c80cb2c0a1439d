"""Editors enter figures through the admin; the public cannot; every change is kept with who made it."""

from concurrency.forms import VersionField
from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from programmes.models import Event, Figure, Organisation, Programme, Source


class AdminAccessTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password")
        cls.figure = Figure.objects.get(key="F041")

    def setUp(self):
        self.client.force_login(self.editor)

    def test_it_shows_every_list_page_to_staff(self):
        for model in (Programme, Source, Figure, Event):
            with self.subTest(model=model.__name__):
                response = self.client.get(reverse(f"admin:programmes_{model._meta.model_name}_changelist"))
                self.assertEqual(response.status_code, 200)

    def test_it_lists_figures_with_formatted_values_and_sources(self):
        response = self.client.get(reverse("admin:programmes_figure_changelist"), {"q": "F022"})
        self.assertContains(response, "£400–600m")
        self.assertContains(response, "Cabinet Office")

    def test_it_filters_figures_by_status_publisher_and_year(self):
        url = reverse("admin:programmes_figure_changelist")
        response = self.client.get(
            url,
            {
                "status__exact": "audited",
                "source__publisher__id__exact": str(Organisation.objects.get(name="National Audit Office").pk),
                "year": "2014",
            },
        )
        self.assertEqual(response.status_code, 200)
        shown = list(response.context["cl"].result_list)
        self.assertIn(self.figure, shown)
        self.assertTrue(all(f.status == "audited" for f in shown))

    def test_it_shows_an_empty_list_for_a_hand_edited_year(self):
        response = self.client.get(reverse("admin:programmes_figure_changelist"), {"year": "abc"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(list(response.context["cl"].result_list), [])

    def test_it_shows_add_change_and_history_pages(self):
        for name in ("programmes_figure_add", "programmes_source_add", "programmes_event_add", "programmes_programme_add"):
            with self.subTest(page=name):
                self.assertEqual(self.client.get(reverse(f"admin:{name}")).status_code, 200)
        self.assertEqual(self.client.get(reverse("admin:programmes_figure_change", args=[self.figure.pk])).status_code, 200)
        self.assertEqual(self.client.get(reverse("admin:programmes_figure_history", args=[self.figure.pk])).status_code, 200)
        self.assertEqual(self.client.get(reverse("admin:programmes_source_change", args=[self.figure.source_id])).status_code, 200)

    def test_it_shows_periods_as_financial_years_in_the_form(self):
        response = self.client.get(reverse("admin:programmes_figure_change", args=[self.figure.pk]))
        self.assertContains(response, 'value="2013-14"')

    def test_it_answers_autocomplete_for_programmes(self):
        response = self.client.get(
            reverse("admin:autocomplete"), {"term": "ngss", "app_label": "programmes", "model_name": "figure", "field_name": "programme"}
        )
        self.assertContains(response, "Next Generation")


class AdminEditTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password")

    def setUp(self):
        self.client.force_login(self.editor)

    def post_figure(self, figure, **changes):
        data = {
            "programme": figure.programme_id,
            "description": figure.description,
            "measure": figure.measure,
            "status": figure.status,
            "basis": figure.basis,
            "qualifier": figure.qualifier,
            "unit": figure.unit,
            "value": figure.value or "",
            "value_low": figure.value_low or "",
            "value_high": figure.value_high or "",
            "period_start": "2013-14",
            "period_end": "2015-16",
            "source": figure.source_id,
            "locator": figure.locator,
            "note": figure.note,
            "key": figure.key,
            "claimant": figure.claimant_id,
            "horizon": figure.horizon,
            # The version as the change form sends it: signed by django-concurrency, which refuses a bare number.
            "version": str(VersionField().prepare_value(figure.version)),
        }
        return self.client.post(reverse("admin:programmes_figure_change", args=[figure.pk]), {**data, **changes})

    def test_it_records_who_changed_a_figure_and_when(self):
        figure = Figure.objects.get(key="F041")
        response = self.post_figure(figure, locator="paragraph 12")
        self.assertEqual(response.status_code, 302)
        latest = figure.history.latest()
        self.assertEqual(latest.history_user, self.editor)
        self.assertEqual(latest.locator, "paragraph 12")
        self.assertEqual(latest.history_type, "~")
        history_page = self.client.get(reverse("admin:programmes_figure_history", args=[figure.pk]))
        self.assertContains(history_page, "editor")

    def test_it_explains_a_bad_range_next_to_the_field(self):
        figure = Figure.objects.get(key="F041")
        response = self.post_figure(figure, value="", value_low="600", value_high="400")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The high end of the range is below the low end.")
        figure.refresh_from_db()
        self.assertEqual(figure.value, 90)

    def test_it_explains_a_bad_financial_year(self):
        figure = Figure.objects.get(key="F041")
        response = self.post_figure(figure, period_end="2015-17")
        self.assertContains(response, "is not a financial year")


class AdminAnonymousTests(TestCase):
    def test_it_sends_anonymous_visitors_to_the_login_page(self):
        for url in (reverse("admin:index"), reverse("admin:programmes_figure_changelist"), reverse("admin:programmes_figure_add")):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn(reverse("admin:login"), response["Location"])

    def test_it_refuses_logged_in_users_who_are_not_staff(self):
        user = get_user_model().objects.create_user("reader", "reader@example.org", "a-long-test-password")
        self.client.force_login(user)
        response = self.client.get(reverse("admin:programmes_figure_changelist"))
        self.assertEqual(response.status_code, 302)
