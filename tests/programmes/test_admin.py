"""Editors enter figures through the admin; the public cannot; every change is kept with who made it."""

import re
from decimal import Decimal

from concurrency.forms import VersionField
from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse

from programmes.models import Contradiction, Event, Figure, Organisation, Programme, Source
from tests.helpers import figure_form, make_figure, make_source


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

    def test_it_shows_a_contradiction_with_its_programmes_and_sides_for_editing(self):
        contradiction = Contradiction.objects.get(key="issc-start-date")
        self.assertContains(
            self.client.get(reverse("admin:programmes_contradiction_changelist")), "When the two independent centres started"
        )
        page = self.client.get(reverse("admin:programmes_contradiction_change", args=[contradiction.pk]))
        self.assertContains(page, "The shared service centres were set up in 2014.")
        self.assertContains(page, 'name="touches-TOTAL_FORMS" value="3"')

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

    def test_it_shows_the_period_and_value_as_one_text_box_each(self):
        response = self.client.get(reverse("admin:programmes_figure_change", args=[self.figure.pk]))
        self.assertContains(response, 'name="period" value="2013-14 to 2015-16"')
        self.assertContains(response, 'name="as_published" value="£90m"')
        self.assertNotContains(response, 'name="period_start"')
        self.assertNotContains(response, 'name="value_low"')

    def test_it_has_no_number_box_on_any_form(self):
        # A number input cannot hold "2023-24" or "over £115m": the browser empties it without a word.
        pages = [reverse(f"admin:programmes_{name}_add") for name in ("figure", "source", "event", "programme", "organisation")]
        pages += [
            reverse("admin:programmes_figure_change", args=[self.figure.pk]),
            reverse("admin:programmes_source_change", args=[self.figure.source_id]),
        ]
        for url in pages:
            with self.subTest(url=url):
                self.assertNotContains(self.client.get(url), 'type="number"')

    def test_it_answers_autocomplete_for_programmes(self):
        response = self.client.get(
            reverse("admin:autocomplete"), {"term": "ngss", "app_label": "programmes", "model_name": "figure", "field_name": "programme"}
        )
        self.assertContains(response, "Next Generation")


class AdminEditTests(TestCase):
    """Posting the change form as a browser does: the typed text is stored, read exactly, or refused with what to type."""

    @classmethod
    def setUpTestData(cls):
        cls.editor = get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password")

    def setUp(self):
        self.client.force_login(self.editor)

    def post_figure(self, figure, **changes):
        return self.client.post(reverse("admin:programmes_figure_change", args=[figure.pk]), figure_form(figure, **changes))

    def test_it_records_who_changed_a_figure_when_and_why(self):
        figure = Figure.objects.get(key="F041")
        response = self.post_figure(figure, locator="paragraph 12", change_reason="NAO report, paragraph 12")
        self.assertEqual(response.status_code, 302)
        latest = figure.history.latest()
        self.assertEqual(latest.history_user, self.editor)
        self.assertEqual(latest.locator, "paragraph 12")
        self.assertEqual(latest.history_type, "~")
        self.assertEqual(latest.history_change_reason, "NAO report, paragraph 12")
        history_page = self.client.get(reverse("admin:programmes_figure_history", args=[figure.pk]))
        self.assertContains(history_page, "editor")
        self.assertContains(history_page, "NAO report, paragraph 12")

    def test_it_asks_for_a_reason_before_changing_a_figure(self):
        figure = Figure.objects.get(key="F041")
        response = self.post_figure(figure, locator="paragraph 12", change_reason="")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This field is required.")
        figure.refresh_from_db()
        self.assertEqual(figure.locator, "press release")

    def test_it_adds_a_figure_without_a_reason(self):
        figure = Figure.objects.get(key="F041")
        data = figure_form(figure, key="", as_published="over £115m", change_reason="")
        response = self.client.post(reverse("admin:programmes_figure_add"), data)
        self.assertEqual(response.status_code, 302)
        added = Figure.objects.get(as_published="over £115m")
        self.assertEqual((added.qualifier, added.value, added.unit), ("over", 115, "gbp_m"))
        self.assertEqual(added.history.latest().history_change_reason, None)

    def test_it_stores_the_value_as_typed_and_reads_every_character(self):
        figure = Figure.objects.get(key="F041")
        cases = [
            (">115", ("over", Decimal("115"), None, None, "count")),
            ("~1,000", ("approx", Decimal("1000"), None, None, "count")),
            ("≥25", ("at_least", Decimal("25"), None, None, "count")),
            ("£400-600m", ("exact", None, Decimal("400"), Decimal("600"), "gbp_m")),
            ("about £1.4bn", ("approx", Decimal("1400"), None, None, "gbp_m")),
        ]
        for text, stored in cases:
            with self.subTest(text=text):
                measure = "coverage" if stored[-1] == "count" else "savings"
                figure.refresh_from_db()
                self.assertEqual(self.post_figure(figure, as_published=text, measure=measure).status_code, 302)
                figure.refresh_from_db()
                self.assertEqual((figure.qualifier, figure.value, figure.value_low, figure.value_high, figure.unit), stored)
                page = self.client.get(reverse("admin:programmes_figure_change", args=[figure.pk]))
                self.assertContains(page, f'name="as_published" value="{text.replace(">", "&gt;")}"')

    def test_it_reads_each_qualifier_back_as_the_source_meant_it_everywhere(self):
        figure = Figure.objects.get(key="F041")
        for text, shown in (("≥25", "at least 25"), ("at least 25", "at least 25"), ("more than 25", "over 25")):
            with self.subTest(text=text):
                figure.refresh_from_db()
                self.assertEqual(self.post_figure(figure, as_published=text, measure="coverage").status_code, 302)
                figure.refresh_from_db()
                self.assertEqual(
                    (figure.as_published, figure.display_value, str(figure).split(" ", 2)[2]), (text, shown, f"{shown} (audited)")
                )
                wrong = "over 25" if shown == "at least 25" else "at least 25"
                # The figure page's list of its corrections quotes what it said before, the other reading among them.
                figure_page = re.sub(
                    r'<section aria-labelledby="corrections-heading".*?</section>',
                    "",
                    self.client.get(figure.get_absolute_url()).content.decode(),
                    flags=re.S,
                )
                changelist = self.client.get(reverse("admin:programmes_figure_changelist"), {"q": figure.key}).content.decode()
                for page in (figure_page, changelist):
                    self.assertIn(shown, page)
                    self.assertNotIn(wrong, page)
                # The history lists earlier versions too: the newest is named as the source meant it.
                self.assertContains(
                    self.client.get(reverse("admin:programmes_figure_history", args=[figure.pk])), f"coverage {shown} (audited)"
                )

    def test_it_refuses_a_moved_deadline_and_says_it_is_two_figures(self):
        figure = Figure.objects.filter(measure="deadline").first()
        response = self.post_figure(figure, as_published="2028 → 2029")
        self.assertContains(response, "A moved deadline is two figures")
        figure.refresh_from_db()
        self.assertNotEqual(figure.value, Decimal("20282029"))

    def test_it_refuses_an_implausible_year_and_says_what_to_type(self):
        figure = Figure.objects.filter(measure="deadline").first()
        response = self.post_figure(figure, as_published="20282029")
        self.assertContains(response, "a calendar year between 1990 and 2060")

    def test_it_refuses_text_it_cannot_read(self):
        figure = Figure.objects.get(key="F041")
        response = self.post_figure(figure, as_published="£115")
        self.assertContains(response, "Money is recorded in £ millions")
        figure.refresh_from_db()
        self.assertEqual(figure.value, 90)

    def test_it_explains_a_backwards_range_next_to_the_box(self):
        figure = Figure.objects.get(key="F041")
        response = self.post_figure(figure, as_published="£600–400m")
        self.assertContains(response, "the high end comes first")
        figure.refresh_from_db()
        self.assertEqual(figure.value, 90)

    def test_it_explains_a_bad_financial_year(self):
        figure = Figure.objects.get(key="F041")
        response = self.post_figure(figure, period="2013-14 to 2015-17")
        self.assertContains(response, "is not a financial year")

    def test_it_reads_every_form_of_period(self):
        figure = Figure.objects.get(key="F041")
        for text, stored in [("2014-15", (2014, 2014)), ("to 2015-16", (None, 2015)), ("from 2013-14", (2013, None)), ("", (None, None))]:
            with self.subTest(text=text):
                figure.refresh_from_db()
                self.assertEqual(self.post_figure(figure, period=text).status_code, 302)
                figure.refresh_from_db()
                self.assertEqual((figure.period_start, figure.period_end), stored)

    def test_it_keeps_the_period_as_typed_and_stores_what_it_fixes(self):
        figure = Figure.objects.get(key="F041")
        # A target about years to come, so that any of these periods is one it may state.
        as_target = {"status": "target", "horizon": "projection"}
        for text, stored in [
            ("by 2028-29", (None, 2028, None)),
            ("since 2021", (2020, None, None)),
            ("to March 2026", (None, 2025, None)),
            ("2021 to 2024", (2020, 2024, None)),
            ("15 years", (None, None, 15)),
            ("over ten years", (None, None, 10)),
            ("10 years from 2014-15", (2014, 2023, 10)),
            ("programme life", (None, None, None)),
            ("2014-15", (2014, 2014, None)),
        ]:
            with self.subTest(text=text):
                figure.refresh_from_db()
                self.assertEqual(self.post_figure(figure, period=text, **as_target).status_code, 302)
                figure.refresh_from_db()
                self.assertEqual(figure.period_as_published, text)
                self.assertEqual((figure.period_start, figure.period_end, figure.period_years), stored)
                page = self.client.get(reverse("admin:programmes_figure_change", args=[figure.pk]))
                self.assertContains(page, f'name="period" value="{text}"')

    def test_it_adds_a_figure_with_a_period_as_published(self):
        figure = Figure.objects.get(key="F041")
        data = figure_form(figure, key="", period="over the life of the programme", status="target", horizon="projection")
        self.assertEqual(self.client.post(reverse("admin:programmes_figure_add"), data).status_code, 302)
        added = Figure.objects.get(period_as_published="over the life of the programme")
        self.assertEqual((added.period_start, added.period_end, added.period_years), (None, None, None))
        listed = self.client.get(reverse("admin:programmes_figure_changelist"), {"q": added.description})
        self.assertContains(listed, "over the life of the programme")

    def test_it_refuses_a_period_it_cannot_read_and_names_the_forms_it_can(self):
        figure = Figure.objects.get(key="F041")
        response = self.post_figure(figure, period="the medium term")
        self.assertContains(response, "is not a period this record can read")
        self.assertContains(response, "by 2028-29")
        self.assertContains(response, "programme life")

    def test_it_keeps_everything_when_a_figure_is_saved_unchanged(self):
        for figure in Figure.objects.filter(key__in=["F041", "F022"]).order_by("key"):
            with self.subTest(key=figure.key):
                before = Figure.objects.filter(pk=figure.pk).values().get()
                self.assertEqual(self.post_figure(figure).status_code, 302)
                after = Figure.objects.filter(pk=figure.pk).values().get()
                before.pop("version"), after.pop("version")
                self.assertEqual(after, before)

    def test_it_keeps_the_numbers_of_a_stored_text_it_would_read_differently(self):
        # An import may store a text this form reads otherwise; saving without touching it must not rewrite the numbers.
        figure = Figure.objects.get(key="F041")
        Figure.objects.filter(pk=figure.pk).update(as_published="£90m (about)")
        figure.refresh_from_db()
        self.assertEqual(self.post_figure(figure).status_code, 302)
        figure.refresh_from_db()
        self.assertEqual((figure.as_published, figure.qualifier, figure.value), ("£90m (about)", "exact", 90))

    def test_it_shows_the_other_figures_of_the_same_quantity(self):
        figure = Figure.objects.get(key="F041")
        source = make_source("rival-report", publisher="Cabinet Office", kind="press_release")
        rival = make_figure(figure.programme, source, value=Decimal("300"), description="Savings claimed", scope=figure.scope)
        response = self.client.get(reverse("admin:programmes_figure_change", args=[figure.pk]))
        self.assertContains(response, "Other figures of the same quantity")
        self.assertContains(response, reverse("admin:programmes_figure_change", args=[rival.pk]))
        self.assertContains(response, "£300m")
        self.assertContains(response, "disagrees")

    def test_it_asks_for_a_reason_before_changing_a_source_and_gives_it_to_its_figures(self):
        figure = Figure.objects.get(key="F041")
        source = figure.source
        url = reverse("admin:programmes_source_change", args=[source.pk])
        page = self.client.get(url)
        self.assertContains(page, "Undated, before this day")
        self.assertContains(page, "Primary source")
        self.assertContains(page, "verify before use")
        data = {
            "key": source.key,
            "title": source.title,
            "publisher": source.publisher_id,
            "kind": source.kind,
            "reference": source.reference,
            "is_primary": "",
            "published": "2026-03-01",
            "date_precision": "before",
            "url": source.url,
            "seed_file": source.seed_file,
            "version": str(VersionField().prepare_value(source.version)),
            "note": source.note,
        }
        figures = list(source.figures.order_by("pk"))
        data.update(
            {
                "figures-TOTAL_FORMS": len(figures),
                "figures-INITIAL_FORMS": len(figures),
                "figures-MIN_NUM_FORMS": 0,
                "figures-MAX_NUM_FORMS": 1000,
            }
        )
        for index, item in enumerate(figures):
            form = figure_form(item)
            form.pop("source"), form.pop("change_reason")
            data.update({f"figures-{index}-{name}": value for name, value in form.items()})
            data[f"figures-{index}-id"] = item.pk
            data[f"figures-{index}-source"] = source.pk
        index = figures.index(figure)
        data[f"figures-{index}-locator"] = "paragraph 3"
        self.assertContains(self.client.post(url, data), "This field is required.")
        response = self.client.post(url, {**data, "change_reason": "Found the publication date"})
        self.assertEqual(response.status_code, 302)
        source.refresh_from_db()
        self.assertEqual((source.is_primary, source.published_display), (False, "undated, before 1 March 2026"))
        self.assertEqual(source.history.latest().history_change_reason, "Found the publication date")
        self.assertEqual(figure.history.latest().history_change_reason, "Found the publication date")
        self.assertEqual(figure.history.latest().locator, "paragraph 3")


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
