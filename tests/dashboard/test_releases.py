"""Dataset releases: numbered copies of every download that keep their bytes, and their checksums, for ever."""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import frictionless
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import timezone
from time_machine import travel

from dashboard import releases
from programmes.models import DatasetRelease, DatasetReleaseFile, Figure, Immutable, Source, next_version
from tests.helpers import ROOT, body, log_in_as_staff, make_figure
from tests.programmes.test_dataset import load

TABLES = ("figures", "sources", "programmes", "events", "contradictions")
FILE_NAMES = {f"{table}.{extension}" for table in TABLES for extension in ("csv", "json")} | {"datapackage.json", "SHA256SUMS"}


def first_release() -> DatasetRelease:
    """The release the dataset load made when the test database was set up (tests/conftest.py)."""
    return DatasetRelease.objects.order_by("created").first()


class ReleaseTestCase(TestCase):
    def files_of(self, release: DatasetRelease) -> dict[str, bytes]:
        """Every file of a release, as a reader downloads it from its address."""
        page = self.client.get(release.get_absolute_url())
        self.assertEqual(page.status_code, 200)
        files = {}
        for name in FILE_NAMES:
            response = self.client.get(f"/data/releases/{release.version}/{name}")
            self.assertEqual(response.status_code, 200, name)
            self.assertContains(page, f'href="/data/releases/{release.version}/{name}"')
            files[name] = body(response)
        return files

    def validate(self, files: dict[str, bytes]) -> frictionless.Report:
        folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, folder)
        for name, content in files.items():
            (folder / name).write_bytes(content)
        return frictionless.validate(str(folder / "datapackage.json"))

    def assertValid(self, report: frictionless.Report) -> None:
        self.assertTrue(report.valid, report.flatten(["taskNumber", "rowNumber", "fieldName", "type", "note"]))


class FirstReleaseTests(ReleaseTestCase):
    def test_it_is_made_when_the_dataset_is_first_loaded(self):
        release = first_release()
        self.assertEqual(DatasetRelease.objects.count(), 1)
        self.assertEqual(release.version, next_version(release.published).rsplit(".", 1)[0] + ".1")
        self.assertEqual(release.figures_added, Figure.objects.count())
        self.assertEqual((release.figures_corrected, release.figures_removed), (0, 0))

    def test_its_tables_are_the_live_downloads_byte_for_byte(self):
        files = self.files_of(first_release())
        for table in TABLES:
            with self.subTest(table=table):
                self.assertEqual(files[f"{table}.csv"], body(self.client.get(f"/data/{table}.csv")))

    def test_its_checksums_file_holds_the_sha256_of_every_other_file(self):
        files = self.files_of(first_release())
        listed = dict(reversed(line.split("  ")) for line in files["SHA256SUMS"].decode().splitlines())
        self.assertEqual(set(listed), FILE_NAMES - {"SHA256SUMS"})
        for name, digest in listed.items():
            self.assertEqual(hashlib.sha256(files[name]).hexdigest(), digest, name)

    def test_its_data_package_is_complete(self):
        release = first_release()
        package = json.loads(self.files_of(release)["datapackage.json"])
        self.assertEqual(package["version"], release.version)
        self.assertEqual(datetime.datetime.fromisoformat(package["created"]), release.created.replace(microsecond=0))
        self.assertEqual([licence["name"] for licence in package["licenses"]], ["CC-BY-4.0"])
        self.assertIn("publications quoted remain their publishers'", package["description"])
        self.assertEqual({contributor["role"] for contributor in package["contributors"]}, {"author", "publisher"})
        self.assertTrue(package["homepage"].startswith("http"))
        self.assertEqual(len(package["sources"]), Source.objects.count())
        titles = " ".join(source["title"] for source in package["sources"])
        self.assertIn("Improving corporate functions using shared services", titles)
        for resource in package["resources"]:
            stored = DatasetReleaseFile.objects.get(release=release, name=resource["path"])
            self.assertEqual((resource["bytes"], resource["hash"]), (stored.size, f"sha256:{stored.sha256}"))
        self.assertEqual(json.loads(self.files_of(release)["figures.json"])["schema"], f"/data/releases/{release.version}/datapackage.json")

    def test_it_passes_frictionless_validation_and_fails_it_when_a_byte_changes(self):
        files = self.files_of(first_release())
        self.assertValid(self.validate(files))
        tampered = {**files, "figures.csv": files["figures.csv"].replace(b"audited", b"audites", 1)}
        report = self.validate(tampered)
        self.assertFalse(report.valid)
        self.assertIn("hash-count", [error.type for task in report.tasks for error in task.errors])

    def test_it_is_served_as_a_file_that_never_changes(self):
        release = first_release()
        response = self.client.get(f"/data/releases/{release.version}/figures.csv")
        stored = DatasetReleaseFile.objects.get(release=release, name="figures.csv")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertEqual(response["ETag"], f'"{stored.sha256}"')
        self.assertIn("immutable", response["Cache-Control"])
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")
        again = self.client.get(f"/data/releases/{release.version}/figures.csv", headers={"if-none-match": response["ETag"]})
        self.assertEqual(again.status_code, 304)
        self.assertEqual(self.client.get(f"/data/releases/{release.version}/datapackage.json")["Content-Type"], "application/json")
        self.assertEqual(self.client.get(f"/data/releases/{release.version}/SHA256SUMS")["Content-Type"], "text/plain; charset=utf-8")

    def test_an_unknown_version_or_file_is_a_404_and_a_parameter_a_400_naming_it(self):
        version = first_release().version
        for path in ("/data/releases/1999.1.1/", "/data/releases/1999.1.1/figures.csv", f"/data/releases/{version}/figures.xlsx"):
            with self.subTest(path=path):
                self.assertEqual(self.client.get(path).status_code, 404)
        for path in (f"/data/releases/{version}/", f"/data/releases/{version}/figures.csv"):
            with self.subTest(path=path):
                response = self.client.get(path, {"status": "audited"})
                self.assertEqual(response.status_code, 400)
                self.assertIn("parameter status", response.content.decode())

    def test_the_data_page_lists_each_release_with_what_it_changed(self):
        release = first_release()
        response = self.client.get("/data/")
        self.assertContains(response, f'<a href="/data/releases/{release.version}/">Release {release.version}</a>', html=True)
        self.assertContains(response, "<caption>Dataset releases, newest first")
        self.assertContains(response, f"<td>{release.figures_added}</td>", html=True)


class ReleaseImmutabilityTests(ReleaseTestCase):
    def test_a_release_and_its_files_refuse_to_change_or_go(self):
        release = first_release()
        stored = release.files.get(name="figures.csv")
        stored.content = b"rewritten"
        for attempt in (
            stored.save,
            stored.delete,
            release.delete,
            lambda: DatasetReleaseFile.objects.update(content=b""),
            lambda: DatasetReleaseFile.objects.all().delete(),
            lambda: DatasetRelease.objects.update(notes="changed"),
        ):
            with self.assertRaises(Immutable):
                attempt()
        self.assertEqual(bytes(DatasetReleaseFile.objects.get(pk=stored.pk).content), body(self.client.get(stored.get_absolute_url())))

    def test_its_files_are_byte_identical_after_a_month_of_edits_and_the_next_release_counts_them(self):
        first = first_release()
        before = self.files_of(first)
        start = timezone.now()
        with travel(start + datetime.timedelta(days=3), tick=False):
            corrected = Figure.objects.get(key="F041")
            corrected.value, corrected.note = Decimal("91"), "Corrected by an editor."
            corrected.save()
        with travel(start + datetime.timedelta(days=10), tick=False):
            source = Source.objects.get(pk=corrected.source_id)
            source.reference = "HC 1 2016-17"
            source.save()
        with travel(start + datetime.timedelta(days=20), tick=False):
            added = make_figure(corrected.programme, source, description="A figure added after the first release")
        with travel(start + datetime.timedelta(days=31), tick=False):
            Figure.objects.filter(parts__isnull=True, revised_by__isnull=True).exclude(pk__in=[corrected.pk, added.pk]).last().delete()
        with travel(start + datetime.timedelta(days=32), tick=False):
            day = timezone.localdate()
            second = releases.publish(DatasetRelease(version=next_version(day), published=day, notes="A month of corrections."))
        self.assertEqual(self.files_of(first), before)
        self.assertNotEqual(body(self.client.get("/data/figures.csv")), before["figures.csv"])
        self.assertEqual((second.figures_added, second.figures_corrected, second.figures_removed), (1, 1, 1))
        after = self.files_of(second)
        self.assertIn(b"A figure added after the first release", after["figures.csv"])
        self.assertEqual(after["figures.csv"], body(self.client.get("/data/figures.csv")))
        for release, files in ((first, before), (second, after)):
            with self.subTest(release=release.version):
                self.assertValid(self.validate(files))
        # The data page says where the reasons for the second release's correction and removal are.
        listed = self.client.get("/data/").content.decode()
        second_row = listed[listed.index(f"Release {second.version}") :].split("</tr>")[0]
        self.assertIn('href="/corrections/"', second_row)
        first_row = listed[listed.index(f"Release {first.version}") :].split("</tr>")[0]
        self.assertNotIn("corrections", first_row)


class PublishingTests(ReleaseTestCase):
    def test_it_refuses_a_version_that_is_taken_malformed_or_of_another_month(self):
        day = first_release().published
        for version, message in (
            (first_release().version, "already exists"),
            ("2026.01.1", "year.month.number"),
            ("v1", "year.month.number"),
            (f"{day.year - 1}.{day.month}.1", "is numbered"),
        ):
            with self.subTest(version=version), self.assertRaisesRegex(ValidationError, message):
                releases.publish(DatasetRelease(version=version, published=day))
        self.assertEqual(DatasetRelease.objects.count(), 1)

    def test_an_editor_publishes_a_release_from_the_admin_and_cannot_change_or_delete_it(self):
        log_in_as_staff(self.client)
        form = self.client.get("/admin/programmes/datasetrelease/add/")
        day = timezone.localdate()
        self.assertContains(form, f'value="{next_version(day)}"')
        response = self.client.post(
            "/admin/programmes/datasetrelease/add/",
            {"version": next_version(day), "published": day.isoformat(), "notes": "After the audit."},
        )
        self.assertEqual(response.status_code, 302)
        release = DatasetRelease.objects.get(notes="After the audit.")
        self.assertEqual(set(release.files.values_list("name", flat=True)), FILE_NAMES)
        self.assertValid(self.validate(self.files_of(release)))
        view = self.client.get(f"/admin/programmes/datasetrelease/{release.pk}/change/")
        self.assertNotContains(view, 'name="_save"')
        self.assertContains(view, f"/data/releases/{release.version}/figures.csv")
        self.assertEqual(self.client.post(f"/admin/programmes/datasetrelease/{release.pk}/delete/").status_code, 403)


class LoadingTests(TestCase):
    """load_dataset publishes a release when it changes rows, and nothing when it loads the same dataset again."""

    def setUp(self):
        self.folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.folder)
        for path in (ROOT / "fixtures").glob("*.json"):
            shutil.copy(path, self.folder)

    def test_loading_the_same_dataset_again_publishes_nothing(self):
        output = load(fixtures=self.folder)
        self.assertNotIn("Published dataset release", output)
        self.assertEqual(DatasetRelease.objects.count(), 1)

    def test_loading_a_corrected_dataset_publishes_a_release_of_the_correction(self):
        rows = json.loads((self.folder / "figures.json").read_text(encoding="utf-8"))
        record = next(row for row in rows if row["fields"]["key"] == "F041")
        record["fields"]["locator"] = "p. 12, corrected"
        (self.folder / "figures.json").write_text(json.dumps(rows), encoding="utf-8")
        output = load(fixtures=self.folder)
        release = DatasetRelease.objects.order_by("created").last()
        self.assertIn(f"Published dataset release {release.version}", output)
        self.assertEqual((release.figures_added, release.figures_corrected, release.figures_removed), (0, 1, 0))
        self.assertIn(b"p. 12, corrected", bytes(release.files.get(name="figures.csv").content))
        self.assertNotIn("Published dataset release", load(fixtures=self.folder))


class LiveDataPackageTests(TestCase):
    def test_it_honours_as_at_and_names_a_wrong_parameter(self):
        package = self.client.get("/data/datapackage.json", {"as_at": "2010-01-01"}).json()
        # The day is moved back to the latest on which a publication appeared, as on every page.
        day = datetime.date.fromisoformat(package["as_at"])
        self.assertLessEqual(day, datetime.date(2010, 1, 1))
        appeared = Source.objects.filter(appeared_by__lte=day).count()
        self.assertEqual(len(package["sources"]), appeared)
        self.assertLess(appeared, Source.objects.count())
        self.assertTrue(all(resource["path"].endswith(f"?as_at={day.isoformat()}") for resource in package["resources"]))
        self.assertEqual([licence["name"] for licence in package["licenses"]], ["CC-BY-4.0"])
        response = self.client.get("/data/datapackage.json", {"status": "audited"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("parameter status", response.content.decode())


class CitationTests(TestCase):
    """A figure's citation names its publication, then the release, at an address that keeps showing the release's value."""

    def test_a_figures_citation_address_shows_its_release_value_after_a_correction_and_links_the_correction(self):
        release = first_release()
        address = f"/data/releases/{release.version}/figures/F041/"
        self.assertContains(self.client.get("/figures/F041/"), 'href="/figures/F041/cite/"')
        self.assertRedirects(self.client.get("/figures/F041/cite/"), address)
        self.assertContains(self.client.get(address), '<tr><th scope="row"><code>value</code></th><td>90</td></tr>', html=True)
        with travel(timezone.now() + datetime.timedelta(days=30), tick=False):
            figure = Figure.objects.get(key="F041")
            figure.value = Decimal("91")
            figure.save()
            response = self.client.get(address)
        self.assertContains(response, '<tr><th scope="row"><code>value</code></th><td>90</td></tr>', html=True)
        self.assertContains(response, "This figure has been corrected since this release.")
        self.assertContains(response, '<a href="/figures/F041/">The figure as it reads today</a>', html=True)
        self.assertContains(response, "<li><code>value</code>: 90 in this release, now 91</li>", html=True)

    def test_it_cites_the_publication_first_then_the_release_in_apa_bibtex_and_csl_json(self):
        release = first_release()
        figure = Figure.objects.select_related("source__publisher").get(key="F041")
        response = self.client.get(f"/data/releases/{release.version}/figures/F041/")
        citation = response.context["citation"]
        address = f"http://testserver/data/releases/{release.version}/figures/F041/"
        today = timezone.localdate()
        self.assertTrue(citation.apa.startswith(f"{figure.source.publisher}. ({figure.source.published.year}). {figure.source.title}"))
        self.assertIn(f"(Version {release.version}) [Data set]. Retrieved {today.day} {today:%B %Y}, from {address}", citation.apa)
        source_entry, dataset_entry = citation.bibtex.split("\n\n")
        self.assertIn(f"author = {{{{{figure.source.publisher}}}}}", source_entry)
        self.assertIn(f"version = {{{release.version}}}", dataset_entry)
        self.assertIn(f"url = {{{address}}}", dataset_entry)
        source_item, dataset_item = json.loads(citation.csl_json)
        self.assertEqual((source_item["title"], source_item["author"]), (figure.source.title, [{"literal": str(figure.source.publisher)}]))
        self.assertEqual((dataset_item["type"], dataset_item["version"], dataset_item["URL"]), ("dataset", release.version, address))
        self.assertEqual(dataset_item["accessed"], {"date-parts": [[today.year, today.month, today.day]]})
        self.assertContains(response, "<summary>Cite: APA, BibTeX and CSL-JSON</summary>", html=True)

    def test_a_release_page_cites_the_release(self):
        release = first_release()
        response = self.client.get(release.get_absolute_url())
        self.assertIn(f"dataset release {release.version}", response.context["citation"].bibtex)
        self.assertContains(response, "Cite this release")

    def test_a_figure_no_release_holds_is_a_404(self):
        version = first_release().version
        self.assertEqual(self.client.get(f"/data/releases/{version}/figures/NO-SUCH-KEY/").status_code, 404)
        self.assertEqual(self.client.get("/figures/NO-SUCH-KEY/cite/").status_code, 404)
        self.assertEqual(self.client.get("/figures/F041/cite/", {"as": "apa"}).status_code, 400)

    def test_a_programme_page_and_each_of_its_charts_link_to_how_to_cite_them_with_the_newest_release(self):
        release = first_release()
        page = self.client.get("/programmes/ngss-2012/")
        charts = page.context["charts"]
        self.assertGreater(len(charts), 1)
        self.assertContains(page, '<a href="/programmes/ngss-2012/cite/">Cite this page</a>', html=True)
        for chart in charts:
            self.assertContains(page, f'href="/programmes/ngss-2012/cite/#{chart.anchor}"')
        response = self.client.get("/programmes/ngss-2012/cite/")
        today = timezone.localdate()
        self.assertIn("Next Generation Shared Services", response.context["citation"].apa)
        self.assertEqual([chart.id for chart, _ in response.context["charts"]], [chart.id for chart in charts])
        for chart, citation in response.context["charts"]:
            with self.subTest(chart=chart.id):
                self.assertContains(response, f'<section aria-labelledby="{chart.anchor}-heading" class="cite" id="{chart.anchor}">')
                self.assertIn(f"{chart.title} (", citation.apa)
                self.assertIn(
                    f"[Chart]. Retrieved {today.day} {today:%B %Y}, from http://testserver/programmes/ngss-2012/#{chart.anchor}",
                    citation.apa,
                )
                self.assertIn(f"(Version {release.version}) [Data set]", citation.apa)
                self.assertEqual([item["type"] for item in citation.csl], ["figure", "dataset"])

    def test_the_overview_charts_link_to_how_to_cite_them(self):
        overview = self.client.get("/")
        chart = overview.context["charts"][0]
        self.assertContains(overview, f'href="/cite/#{chart.anchor}"')
        response = self.client.get("/cite/")
        self.assertContains(response, f'id="{chart.anchor}"')
        self.assertIn("Every strategy", response.context["citation"].apa)
        refused = self.client.get("/cite/", {"format": "apa"})
        self.assertEqual(refused.status_code, 400)
        self.assertIn("parameter format", refused.content.decode())
