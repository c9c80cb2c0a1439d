"""Every public page renders from the real dataset; unknown addresses are 404s, never 500s."""

from unittest import mock

from django.db import OperationalError
from django.test import TestCase
from django.utils.html import escape

from programmes.models import Figure, Programme, Source


class OverviewTests(TestCase):
    def test_it_lists_every_strategy_with_its_headline_promise(self):
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        for programme in Programme.objects.strategies():
            self.assertContains(response, programme.name)
        self.assertContains(response, "£400–600m")

    def test_it_links_every_programme(self):
        response = self.client.get("/")
        for programme in Programme.objects.all():
            self.assertContains(response, f'href="/programmes/{programme.slug}/"')

    def test_it_sends_a_content_security_policy_that_forbids_other_origins(self):
        policy = self.client.get("/")["Content-Security-Policy"]
        self.assertIn("default-src 'self'", policy)
        self.assertIn("script-src 'self'", policy)


class SmokeTests(TestCase):
    """Render every page from the real fixtures, as a reader would reach them."""

    def test_every_programme_page_renders(self):
        for programme in Programme.objects.all():
            with self.subTest(programme=programme.slug):
                response = self.client.get(programme.get_absolute_url())
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, programme.name)

    def test_every_source_page_renders(self):
        self.assertEqual(self.client.get("/sources/").status_code, 200)
        for source in Source.objects.all():
            with self.subTest(source=source.key):
                self.assertContains(self.client.get(source.get_absolute_url()), escape(source.publisher))

    def test_every_figure_page_renders_with_its_source(self):
        for figure in Figure.objects.with_related():
            with self.subTest(figure=figure.key):
                response = self.client.get(figure.get_absolute_url())
                self.assertContains(response, figure.source.get_absolute_url())

    def test_the_about_page_renders(self):
        self.assertContains(self.client.get("/about/"), "financial years", status_code=200)


class NotFoundTests(TestCase):
    def test_it_answers_404_for_unknown_slugs_and_ids(self):
        for url in ("/programmes/no-such-thing/", "/sources/999999/", "/figures/999999/", "/nowhere/"):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertContains(response, "Page not found", status_code=404)


class FigurePageTests(TestCase):
    def test_it_shows_other_sources_for_the_same_measure_and_period(self):
        figure = Figure.objects.get(key="F041")
        others = Figure.objects.filter(
            programme=figure.programme, measure=figure.measure, period_start=figure.period_start, period_end=figure.period_end
        ).exclude(pk=figure.pk)
        response = self.client.get(figure.get_absolute_url())
        for other in others:
            self.assertContains(response, other.get_absolute_url())


class DatabaseOutageTests(TestCase):
    def test_it_answers_503_with_a_plain_page_when_the_database_is_down(self):
        with mock.patch("dashboard.views.Programme.objects.for_overview", side_effect=OperationalError("connection refused")):
            response = self.client.get("/")
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "30")
        self.assertContains(response, "temporarily unavailable", status_code=503)
        self.assertNotContains(response, "OperationalError", status_code=503)

    def test_it_recovers_on_the_next_request(self):
        with mock.patch("dashboard.views.Programme.objects.for_overview", side_effect=OperationalError("connection refused")):
            self.client.get("/")
        self.assertEqual(self.client.get("/").status_code, 200)
