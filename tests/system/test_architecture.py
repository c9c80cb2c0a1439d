"""The code keeps the shape docs/architecture.json draws: every module in one part, imports only along its arrows.

The map names the parts of the project (the wiring, the pages, the presenters, the rules, the domain ...), the arrows
allowed between them and the "nevers" that keep them honest (a rule knows no page; the admin renders no public page).
A new import across parts that the map does not draw fails here, and so does a module the map does not place: the
change then either moves the code or redraws the map, on purpose.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from tests.helpers import ROOT

MAP = json.loads((ROOT / "docs" / "architecture.json").read_text())
PRODUCTION = ("sharedservices", "programmes", "dashboard")
MODULE_LINES, FUNCTION_LINES = 400, 60


def production_modules() -> list[Path]:
    """Every Python module of the site itself: not migrations, tests, benchmarks or empty package markers."""
    found = [ROOT / "manage.py", ROOT / "gunicorn.conf.py"]
    for package in PRODUCTION:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts and path.read_text().strip():
                found.append(path)
    return sorted(found)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def part_of(name: str) -> str | None:
    """The part a file belongs to: the most specific entry (a file, or a folder ending in /) that holds it."""
    best: tuple[int, str] | None = None
    for part, entry in ((part, entry) for part, drawn in MAP["parts"].items() for entry in drawn["is"]):
        if name == entry or (entry.endswith("/") and name.startswith(entry)):
            best = max(best or (0, ""), (len(entry), part))
    return best[1] if best else None


def module_file(dotted: str) -> str | None:
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists() and candidate.read_text().strip():
            return relative(candidate)
    return None


def imported_files(path: Path) -> set[str]:
    """The project files a module imports, at its top or inside a function: `from a import b` names a/b.py when b is a module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {module_file(alias.name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                found.add(module_file(f"{node.module}.{alias.name}") or module_file(node.module))
    return found - {None}


def crossings() -> set[tuple[str, str, str, str]]:
    """(from part, to part, importing file, imported file) for every import between two parts."""
    found = set()
    for path in production_modules():
        source = part_of(relative(path))
        for imported in imported_files(path):
            target = part_of(imported)
            if target is not None and target != source:
                found.add((source, target, relative(path), imported))
    return found


class ArchitectureTests:
    def test_every_production_module_belongs_to_one_part_of_the_map(self):
        assert [relative(path) for path in production_modules() if part_of(relative(path)) is None] == []

    def test_every_entry_of_the_map_names_something_that_exists(self):
        missing = [entry for drawn in MAP["parts"].values() for entry in drawn["is"] if not (ROOT / entry).exists()]
        assert missing == []

    def test_imports_between_parts_follow_the_arrows(self):
        arrows = {(arrow[0], arrow[1]) for arrow in MAP["arrows"]}
        assert sorted(crossing for crossing in crossings() if crossing[:2] not in arrows) == []

    def test_no_import_crosses_a_never(self):
        nevers = {(never[0], never[1]): never[2] for never in MAP["never"]}
        assert sorted(crossing + (nevers[crossing[:2]],) for crossing in crossings() if crossing[:2] in nevers) == []

    def test_no_never_is_also_drawn_as_an_arrow(self):
        arrows = {(arrow[0], arrow[1]) for arrow in MAP["arrows"]}
        assert [never for never in MAP["never"] if (never[0], never[1]) in arrows] == []

    def test_no_module_or_function_outgrows_what_a_reader_takes_in_at_once(self):
        too_long = []
        for path in production_modules():
            text = path.read_text()
            if len(text.splitlines()) > MODULE_LINES:
                too_long.append(f"{relative(path)}: {len(text.splitlines())} lines")
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno >= FUNCTION_LINES:
                    too_long.append(f"{relative(path)}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines")
        assert too_long == []
