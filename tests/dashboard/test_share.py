"""Link previews: every page says what it is in Open Graph and Twitter card tags, and a page with charts shows its first
chart's picture, rendered from the record after it changes (dashboard/share_images.py), never fetched from elsewhere."""

from __future__ import annotations

import re
import shutil
import struct
import tempfile
import threading
from html import unescape
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import TestCase, override_settings

from dashboard import pages, share_images
from programmes.models import Figure, Programme
from tests.helpers import PATIENCE

# The smallest PNG: what matters here is which file a page links and serves, not what it shows.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 16


def meta(html: str, key: str) -> str | None:
    """The content of the page's <meta property=key> or <meta name=key>, as a preview service reads it."""
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return unescape(found.group(1)) if found else None


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", png[16:24])


class PicturesFolder(TestCase):
    def setUp(self):
        folder = tempfile.mkdtemp(prefix="share-test-")
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        self.folder = Path(folder)
        settings = override_settings(SHARE_IMAGES_DIR=self.folder)
        settings.enable()
        self.addCleanup(settings.disable)

    def first_chart(self, slug: str):
        return pages.programme_page(Programme.objects.get(slug=slug), None)["charts"][0]


class PreviewTagTests(PicturesFolder):
    def test_every_page_says_what_it_is_to_a_link_preview(self):
        for path in ("/", "/programmes/ngss-2012/", "/embed/programmes/ngss-2012/savings-total/", "/about/", "/figures/", "/sources/"):
            with self.subTest(path=path):
                html = self.client.get(path).content.decode()
                self.assertTrue(meta(html, "og:title"))
                self.assertTrue(meta(html, "og:description"))
                self.assertEqual(meta(html, "og:url"), f"http://testserver{path}")
                self.assertEqual(meta(html, "og:site_name"), "Shared Services Savings Tracker")
                # No picture has been rendered into this folder: no page promises one.
                self.assertIsNone(meta(html, "og:image"))
                self.assertEqual(meta(html, "twitter:card"), "summary")

    def test_a_programme_page_previews_with_its_name_and_its_first_charts_summary(self):
        html = self.client.get("/programmes/ngss-2012/").content.decode()
        chart = self.first_chart("ngss-2012")
        self.assertEqual(meta(html, "og:title"), "Next Generation Shared Services (2012)")
        self.assertEqual(meta(html, "og:description"), chart.summary[:299] + "…" if len(chart.summary) > 300 else chart.summary)

    def test_a_page_links_the_picture_of_its_first_chart_once_rendered_and_serves_it(self):
        chart = self.first_chart("ngss-2012")
        picture = self.folder / share_images.image_name(chart)
        picture.parent.mkdir(parents=True)
        picture.write_bytes(PNG)

        html = self.client.get("/programmes/ngss-2012/").content.decode()
        image = meta(html, "og:image")
        self.assertRegex(image, rf"^http://testserver/share/programmes/ngss-2012/{chart.id}\.png\?v=\d+$")
        self.assertEqual(meta(html, "twitter:card"), "summary_large_image")
        self.assertTrue(meta(html, "og:image:alt").startswith(f"{chart.title}. "))

        response = self.client.get(image.removeprefix("http://testserver"))
        self.assertEqual(response["Content-Type"], "image/png")
        self.assertEqual(b"".join(response.streaming_content), PNG)

    def test_an_embed_previews_with_its_own_chart(self):
        programme = Programme.objects.get(slug="ngss-2012")
        chart = pages.programme_page(programme, None)["charts"][1]
        picture = self.folder / share_images.image_name(chart)
        picture.parent.mkdir(parents=True)
        picture.write_bytes(PNG)
        html = self.client.get(f"/embed/programmes/ngss-2012/{chart.id}/").content.decode()
        self.assertIn(f"/share/programmes/ngss-2012/{chart.id}.png?v=", meta(html, "og:image"))
        self.assertEqual(meta(html, "og:title"), f"{chart.title}: {programme.name}")

    def test_it_serves_only_pictures_in_its_folder(self):
        (self.folder / "secret.txt").write_text("not a picture")
        for path in (
            "/share/programmes/ngss-2012/nothing.png",
            "/share/../secret.txt.png",
            "/share/Secret.png",
            "/share/a//b.png",
            "/share/.png",
        ):
            with self.subTest(path=path):
                self.assertEqual(self.client.get(path).status_code, 404)


class RenderingTriggerTests(PicturesFolder):
    """When the pictures are made again: after a change is committed, after load_dataset, never without Chromium."""

    def test_a_committed_save_has_the_pictures_made_again_and_an_uncommitted_one_does_not(self):
        figure = Figure.objects.filter(programme__slug="ngss-2012").first()
        with (
            override_settings(SHARE_IMAGES_RENDER=True, CHROMIUM_PATH=shutil.which("true")),
            mock.patch.object(share_images.painter, "changed") as changed,
        ):
            with self.captureOnCommitCallbacks(execute=False) as uncommitted:
                figure.note = "A note an editor added."
                figure.save()
            self.assertEqual(changed.call_count, 0)
            with self.captureOnCommitCallbacks(execute=True):
                figure.note = "A note an editor corrected."
                figure.save()
            self.assertGreaterEqual(changed.call_count, 1)
        self.assertTrue(uncommitted)

    def test_load_dataset_makes_the_pictures_once_it_has_committed(self):
        with (
            override_settings(SHARE_IMAGES_RENDER=True, CHROMIUM_PATH=shutil.which("true")),
            mock.patch.object(share_images, "refresh", return_value=0) as refresh,
            self.captureOnCommitCallbacks(execute=True),
        ):
            call_command("load_dataset", verbosity=0)
            self.assertEqual(refresh.call_count, 0)
        self.assertEqual(refresh.call_count, 1)

    def test_without_chromium_a_save_still_saves_and_says_why_previews_have_no_picture(self):
        figure = Figure.objects.filter(programme__slug="ngss-2012").first()
        with (
            override_settings(SHARE_IMAGES_RENDER=True, CHROMIUM_PATH="/nowhere/chromium"),
            mock.patch.object(share_images.painter, "changed") as changed,
            self.assertLogs("dashboard.share_images", "WARNING") as logs,
            self.captureOnCommitCallbacks(execute=True),
        ):
            figure.note = "Saved without Chromium."
            figure.save()
        self.assertEqual(changed.call_count, 0)
        self.assertIn("no Chromium at CHROMIUM_PATH (/nowhere/chromium)", logs.output[0])
        figure.refresh_from_db()
        self.assertEqual(figure.note, "Saved without Chromium.")


class PainterTests(TestCase):
    def test_changes_while_it_paints_are_painted_once_more_not_once_each(self):
        painter = share_images.Painter()
        started, release = threading.Event(), threading.Event()
        calls = []

        def refresh() -> int:
            calls.append(1)
            started.set()
            release.wait(PATIENCE)
            return 0

        with mock.patch.object(share_images, "refresh", refresh):
            painter.changed()
            self.assertTrue(started.wait(PATIENCE))
            for _ in range(5):  # five more changes committed while the first pictures are being made
                painter.changed()
            release.set()
            self.assertTrue(painter.wait(PATIENCE))
        self.assertEqual(len(calls), 2)

    def test_a_failed_rendering_is_logged_and_the_next_change_paints_again(self):
        painter = share_images.Painter()
        with (
            mock.patch.object(share_images, "refresh", side_effect=RuntimeError("no browser")),
            self.assertLogs("dashboard.share_images", "ERROR"),
        ):
            painter.changed()
            self.assertTrue(painter.wait(PATIENCE))
        with mock.patch.object(share_images, "refresh", return_value=0) as refresh:
            painter.changed()
            self.assertTrue(painter.wait(PATIENCE))
        self.assertEqual(refresh.call_count, 1)


@pytest.mark.browser
class RenderedPictureTests(PicturesFolder):
    """Drawn by kaleido in the system Chromium (the browser tests' stage, where Chromium is)."""

    def test_every_chart_a_reader_can_share_is_drawn_as_a_picture_wide_enough_for_a_large_card(self):
        charts = share_images.charts_of_the_record()
        self.assertEqual(share_images.refresh(), len(charts))
        drawn = sorted(path.relative_to(self.folder).as_posix() for path in self.folder.rglob("*.png"))
        self.assertEqual(drawn, sorted(share_images.image_name(chart) for chart in charts))
        for name in drawn:
            width, height = png_size((self.folder / name).read_bytes())
            self.assertEqual(width, share_images.WIDTH)
            self.assertGreaterEqual(height, share_images.HEIGHT)
        # A chart gone from the record takes its picture with it at the next rendering.
        stale = self.folder / "programmes" / "gone" / "savings-total.png"
        stale.parent.mkdir()
        stale.write_bytes(PNG)
        with mock.patch.object(share_images, "charts_of_the_record", return_value=charts[:1]):
            share_images.refresh()
        self.assertFalse(stale.exists())
        self.assertEqual([p.relative_to(self.folder).as_posix() for p in self.folder.rglob("*.png")], [share_images.image_name(charts[0])])
