"""The public site only reads, refuses bodies before reading them, and sends its security headers on every response."""

from __future__ import annotations

import logging
import re
from unittest import mock
from urllib.parse import quote, urlencode

import pytest
from django.db import OperationalError
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from dashboard import urls as dashboard_urls
from tests.helpers import log_in_as_staff

QUERY_NAMES = ["programme", "include_children", "measure", "status", "basis", "unit", "publisher", "from", "to", "kind", "page"]
SAMPLE_ARGUMENTS = {
    "slug": "ngss-2012",
    "chart_id": "promise-delivery",
    "pk": "1",
    "key": "F041",
    "picture": "programmes/ngss-2012/savings-annual",
    "version": "2026.12.1",
    "name": "figures.csv",
}


def public_paths() -> list[str]:
    """One concrete address for every public URL pattern (the refusal comes before the URL is resolved)."""
    paths = ["/healthz", "/readyz"]
    for pattern in dashboard_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        paths.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE_ARGUMENTS[m.group(1)], route))
    return paths


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the request body was read")

    readline = read


class PublicMethodTests(TestCase):
    def test_it_refuses_every_method_but_get_and_head_on_every_public_url_without_reading_the_body(self):
        client = Client(enforce_csrf_checks=True)
        for path in public_paths():
            for method in ("POST", "PUT", "DELETE", "PATCH"):
                with self.subTest(path=path, method=method):
                    response = client.generic(
                        method,
                        path,
                        content_type="application/octet-stream",
                        CONTENT_LENGTH=str(20 * 1024 * 1024),
                        **{"wsgi.input": UnreadableBody()},
                    )
                    self.assertEqual(response.status_code, 405)
                    self.assertEqual(response["Allow"], "GET, HEAD")

    def test_it_still_serves_get_and_head(self):
        for path in ("/", "/about/", "/data/figures.csv"):
            with self.subTest(path=path):
                self.assertEqual(self.client.get(path).status_code, 200)
                head = self.client.head(path)
                self.assertEqual(head.status_code, 200)
                self.assertEqual(b"".join(head.streaming_content) if head.streaming else head.content, b"")

    def test_it_refuses_an_oversized_admin_request_from_its_declared_length(self):
        response = self.client.generic(
            "POST",
            "/admin/login/",
            content_type="application/x-www-form-urlencoded",
            CONTENT_LENGTH=str(50 * 1024 * 1024),
            **{"wsgi.input": UnreadableBody()},
        )
        self.assertEqual(response.status_code, 413)


class OversizedFormTests(TestCase):
    """A form too large to accept gets a page that says so and leads back to the form; a program gets one line of text."""

    FORM = "/admin/programmes/figure/1/change/"

    def post(self, length: int, content_type: str = "application/x-www-form-urlencoded", **headers):
        return self.client.generic(
            # The test client sets CONTENT_TYPE only with a body to send: set here, as a browser sends it.
            "POST",
            self.FORM,
            CONTENT_TYPE=content_type,
            CONTENT_LENGTH=str(length),
            **{"wsgi.input": UnreadableBody()},
            **headers,
        )

    def test_it_shows_a_browser_a_page_that_explains_the_limit_and_leads_back_to_the_form(self):
        referer = f"http://testserver{self.FORM}"
        response = self.post(3_000_000, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8", HTTP_REFERER=referer)
        self.assertContains(response, "Nothing was saved", status_code=413)
        self.assertContains(response, "at most 2.5\xa0MB in one form", status_code=413)
        self.assertContains(response, f'<a href="{referer}" data-back>Go back to your form</a>', status_code=413, html=True)
        self.assertContains(response, "js/back", status_code=413)

    def test_it_leads_back_only_to_a_page_of_this_site(self):
        response = self.post(3_000_000, HTTP_ACCEPT="text/html", HTTP_REFERER="https://elsewhere.example/form/")
        self.assertContains(response, '<a href="/admin/" data-back>', status_code=413)

    def test_it_answers_a_program_in_one_line_naming_the_limit(self):
        response = self.post(3_000_000)
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
        self.assertEqual(response.content, b"Request body too large: at most 2621440 bytes.\n")

    def test_it_refuses_a_multipart_body_only_past_the_request_limit(self):
        response = self.post(11 * 1024 * 1024, content_type="multipart/form-data; boundary=x", HTTP_ACCEPT="text/html")
        self.assertContains(response, "at most 10.0\xa0MB", status_code=413)


class CsrfFailureTests(TestCase):
    def test_it_shows_our_own_page_without_inline_style(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post("/admin/login/", {"username": "x", "password": "y"})
        self.assertEqual(response.status_code, 403)
        body = response.content.decode()
        self.assertIn("could not be accepted", body)
        self.assertIn("css/site", body)
        self.assertNotIn("<style", body)
        self.assertNotIn("style=", body)


class SecurityHeaderTests(TestCase):
    EXPECTED = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }

    def assert_hardened(self, response, status: int) -> None:
        self.assertEqual(response.status_code, status)
        for header, value in self.EXPECTED.items():
            self.assertEqual(response.get(header), value, header)
        self.assertIn("camera=()", response["Permissions-Policy"])
        self.assertIn("geolocation=()", response["Permissions-Policy"])
        self.assertIn("default-src 'self'", response["Content-Security-Policy"])

    def test_it_hardens_a_page(self):
        self.assert_hardened(self.client.get("/about/"), 200)

    def test_it_hardens_a_static_file(self):
        self.assert_hardened(self.client.get("/static/css/site.css"), 200)

    def test_it_hardens_a_missing_page(self):
        self.assert_hardened(self.client.get("/no/such/page/"), 404)

    def test_it_hardens_a_refused_method(self):
        self.assert_hardened(self.client.post("/about/"), 405)

    def test_it_hardens_a_database_outage_page(self):
        with mock.patch("dashboard.views.Programme.objects.for_overview", side_effect=OperationalError("gone")):
            self.assert_hardened(self.client.get("/"), 503)

    def test_it_hardens_a_csv_export(self):
        response = self.client.get("/data/figures.csv")
        self.assert_hardened(response, 200)
        b"".join(response.streaming_content)

    def test_it_hardens_a_probe(self):
        self.assert_hardened(self.client.get("/healthz"), 200)

    @override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True)
    def test_it_takes_hsts_subdomains_and_preload_from_settings(self):
        response = self.client.get("/about/", secure=True)
        self.assertEqual(response["Strict-Transport-Security"], "max-age=31536000; includeSubDomains; preload")


class HstsSettingsTests:
    def test_it_reads_hsts_subdomains_and_preload_from_the_environment(self):
        import os
        import subprocess
        import sys

        script = "import sharedservices.settings as s; print(s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)"
        env = {**os.environ, "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1", "SECURE_HSTS_PRELOAD": "yes"}
        result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        assert result.stdout.split() == ["True", "True"]


class QuietLogTests(TestCase):
    def test_it_logs_a_bad_host_as_one_line_without_a_traceback(self):
        handler = next(h for h in logging.getLogger("django.security.DisallowedHost").handlers)
        records = []
        with mock.patch.object(handler, "emit", side_effect=lambda record: records.append(handler.format(record))):
            response = self.client.get("/about/", HTTP_HOST="attacker.example")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(len(records), 1)
        self.assertNotIn("\n", records[0])
        self.assertIn("attacker.example", records[0])


@pytest.mark.django_db
class HeadTests:
    def test_it_sends_no_body_for_the_server_to_drop(self, client):
        # gunicorn logs a warning for every HEAD response that has a body; the middleware empties it first.
        from django.test import RequestFactory

        from sharedservices.middleware import HeadWithoutBodyMiddleware

        request = RequestFactory().head("/about/")
        response = HeadWithoutBodyMiddleware(lambda r: client.get("/about/"))(request)
        assert response.content == b""
        assert int(response["Content-Length"]) > 0


# Any character a client can send, NUL drawn as often as a letter: PostgreSQL refuses it in a query where SQLite does not.
TYPED = st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.just("\x00")


class NulCharacterTests(TestCase):
    """A NUL character in an address is a 400 naming where it is, on every public URL and in the admin, on both databases."""

    def test_it_refuses_a_nul_in_any_path(self):
        for path in public_paths():
            mangled = path.replace("ngss-2012", "ngss%00").replace("/1/", "/%00/").replace("F041", "F%0041")
            if mangled == path:
                mangled = path.rstrip("/") + "/%00"
            with self.subTest(path=mangled):
                response = self.client.get(mangled)
                self.assertEqual(response.status_code, 400)
                self.assertIn("NUL character", response.content.decode())

    def test_it_refuses_a_nul_in_any_parameter_naming_it(self):
        for path in public_paths():
            for name in [*QUERY_NAMES, "claimant", "q", "as_at", "sort", "disagrees"]:
                with self.subTest(path=path, parameter=name):
                    response = self.client.get(path, {name: "x\x00"})
                    self.assertEqual(response.status_code, 400)
                    self.assertIn(f"parameter {name} holds a NUL character", response.content.decode())

    def test_it_refuses_a_nul_in_the_admins_search(self):
        log_in_as_staff(self.client, verified=True)
        response = self.client.get("/admin/programmes/figure/", {"q": "\x00"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("parameter q holds a NUL character", response.content.decode())


class RandomRequestPropertyTests(HypothesisTestCase):
    """Whatever path segments and query string a client sends to any public URL, the answer is never a 5xx."""

    @settings(max_examples=150)
    @given(
        path=st.sampled_from(public_paths()),
        segment=st.text(alphabet=TYPED, max_size=12),
        query=st.lists(
            st.tuples(st.sampled_from(QUERY_NAMES) | st.text(alphabet=TYPED, max_size=8), st.text(alphabet=TYPED, max_size=12)), max_size=4
        ),
        method=st.sampled_from(["GET", "HEAD", "POST", "OPTIONS"]),
    )
    def test_it_never_answers_with_a_server_error(self, path, segment, query, method):
        mangled = path.replace("ngss-2012", quote(segment, safe="") or "x") if segment and "ngss-2012" in path else path
        response = self.client.generic(method, mangled + "?" + urlencode(query))
        if response.streaming:
            b"".join(response.streaming_content)
        self.assertLess(response.status_code, 500, (method, mangled, query))
