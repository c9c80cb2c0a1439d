"""/data/datapackage.json describes every CSV download, and Frictionless agrees the downloads match it."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import frictionless
from django.test import TestCase

from dashboard import exports
from programmes.models import Status


class DataPackageTests(TestCase):
    def setUp(self):
        self.descriptor = self.client.get("/data/datapackage.json").json()

    def download(self, folder: Path) -> Path:
        """Save the descriptor and every CSV beside it, as an analyst's download of the whole package would."""
        for resource in self.descriptor["resources"]:
            response = self.client.get(f"/data/{resource['path']}")
            (folder / resource["path"]).write_bytes(b"".join(response.streaming_content))
        path = folder / "datapackage.json"
        path.write_text(json.dumps(self.descriptor), encoding="utf-8")
        return path

    def validate(self, edit=None) -> frictionless.Report:
        with tempfile.TemporaryDirectory() as folder:
            path = self.download(Path(folder))
            if edit:
                edit(Path(folder))
            return frictionless.validate(str(path))

    def test_it_describes_every_download_with_the_columns_it_has(self):
        described = {resource["name"]: resource for resource in self.descriptor["resources"]}
        self.assertEqual(set(described), {"figures", "sources", "programmes", "events", "contradictions"})
        for name, resource in exports.RESOURCES.items():
            fields = [field["name"] for field in described[name]["schema"]["fields"]]
            self.assertEqual(fields, resource.names)
            header = b"".join(self.client.get(f"/data/{name}.csv").streaming_content).decode("utf-8-sig").splitlines()[0]
            self.assertEqual(header.split(","), fields)

    def test_it_states_types_required_fields_allowed_values_and_keys(self):
        figures = next(resource for resource in self.descriptor["resources"] if resource["name"] == "figures")
        fields = {field["name"]: field for field in figures["schema"]["fields"]}
        self.assertEqual(fields["value"]["type"], "number")
        self.assertEqual(fields["source_published"]["type"], "date")
        self.assertEqual(fields["status"]["constraints"], {"required": True, "enum": list(Status.values)})
        self.assertEqual(fields["period_start"]["constraints"], {"pattern": exports.YEAR_PATTERN})
        self.assertEqual(figures["schema"]["primaryKey"], ["id"])
        self.assertIn({"fields": ["source_id"], "reference": {"resource": "sources", "fields": ["id"]}}, figures["schema"]["foreignKeys"])
        self.assertEqual(self.descriptor["profile"], "tabular-data-package")

    def test_it_passes_frictionless_validation_of_the_package_and_every_row(self):
        report = self.validate()
        self.assertTrue(report.valid, report.flatten(["taskNumber", "rowNumber", "fieldName", "type", "note"]))
        rows = {task.name: task.stats["rows"] for task in report.tasks}
        self.assertEqual(rows["figures"], len(json.loads(b"".join(self.client.get("/data/figures.json").streaming_content))["rows"]))
        self.assertTrue(all(count > 0 for count in rows.values()), rows)

    def test_it_would_fail_validation_for_a_figure_citing_a_missing_source(self):
        def break_a_source_id(folder: Path) -> None:
            path = folder / "figures.csv"
            with path.open(encoding="utf-8-sig", newline="") as file:
                rows = list(csv.DictReader(file))
            rows[0]["source_id"] = "999999"
            with path.open("w", encoding="utf-8-sig", newline="") as file:
                writer = csv.DictWriter(file, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)

        report = self.validate(break_a_source_id)
        self.assertFalse(report.valid)
        self.assertIn("foreign-key", [error.type for task in report.tasks for error in task.errors])

    def test_it_would_fail_validation_for_a_status_outside_the_vocabulary(self):
        def promise(folder: Path) -> None:
            path = folder / "figures.csv"
            path.write_text(path.read_text(encoding="utf-8").replace(",audited,", ",promised,", 1), encoding="utf-8")

        report = self.validate(promise)
        self.assertFalse(report.valid)
        self.assertIn("constraint-error", [error.type for task in report.tasks for error in task.errors])

    def test_it_says_when_the_data_last_changed(self):
        self.assertIn("Last-Modified", self.client.get("/data/datapackage.json"))
