"""Load figures from a CSV with the columns of /data/figures.csv: check every row, then save all or nothing.

The rules, as the README and the admin page state them:
- A row with an id updates that figure: the preview and the command show each change, old then new, and the command
  applies changes to existing figures only with --update. A row without an id creates a figure. An id the database
  does not hold creates the figure with that id, so that an export loaded into an empty database exports as the same file.
- The source is the one numbered source_id. A source_id the database does not hold, or none, creates a source from
  the source_* columns (rows describing the same new source share it), unless a source with the same title,
  publisher, date and link already exists. A new source's kind, precision and primary flag come from their columns;
  only a blank cell is guessed (kind from the publisher, precision day, primary true), and the preview says so.
- claimant is an organisation's name; a name the database does not hold creates an organisation (kind other, shown in
  the preview). Blank cells keep what the figure has (a new figure: the source's publisher as claimant, a plain
  description, the horizon rules.suggested_horizon gives); a blank horizon is worked out again when the status changes.
  A blank key never removes a figure's key: load_dataset needs it to find the shipped row.
- Columns the import cannot change (programme_name; source_* of an existing source) may be left blank, but when
  filled they must agree with the record: a disagreement usually means a wrong slug or source_id. programme_name
  may be left out of the header. The judgements the site works out (quantity, disagrees) may be present and are
  ignored: editing a value in a spreadsheet changes them, and the site works them out again.
- Text cells lose the apostrophe the export puts in front of formula-like text (see programmes/columns.py), and keep
  their spaces exactly; codes, numbers and dates are trimmed. Control characters are refused (tab, line feed and
  carriage return are text); a database would store them raw or refuse them mid-import.
- A row without an id that states a figure already recorded, or one an earlier line states (the same programme, quantity,
  source and value: rules.duplicate_lookup), is a likely duplicate. The preview lists each with the figure or line it
  repeats, and nothing is saved until the editor chooses to skip them or to add them anyway.
- period_as_published is read as the admin's period box reads it (fiscal.parse_period) and kept as written; the
  financial years and length it fixes are stored with it, so period_start, period_end and period_years may be left
  blank, and when filled must agree. A blank, or a file without the column, leaves the period to period_start and period_end.
- Every problem in the file is reported, with its line, column and reason; if there is one, nothing is saved.

reading.py reads the file and cells.py each cell as its column's type; planning.py checks each row against the record
and the file so far, and records what it would do in a plan (plan.py); writing.py saves it.
It scales linearly: the file is read as it streams, rows are checked and written CHUNK rows at a time, and what the
database holds is read once per chunk, never once per row. Writing as it goes keeps memory flat; the whole import is
one transaction, rolled back if any row fails, so all-or-nothing still holds.
"""

from __future__ import annotations

from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction

from programmes import flags
from programmes.importing.plan import ADD, SKIP, Change, NewSource, Plan, snapshot
from programmes.importing.planning import Planner, guess_kind
from programmes.importing.reading import CHUNK, COLUMNS, Problem, chunks, read_rows
from programmes.importing.writing import ImportRefused, Writer
from programmes.models import AppliedImport, Figure, Source

__all__ = [
    "ADD",
    "COLUMNS",
    "SKIP",
    "AlreadyApplied",
    "Change",
    "ImportRefused",
    "NewSource",
    "Plan",
    "Problem",
    "guess_kind",
    "import_figures",
    "plan_import",
    "snapshot",
]


class AlreadyApplied(Exception):
    """The preview being confirmed was confirmed before (or is being confirmed this moment): it is applied once only."""


class Rollback(Exception):
    """Leave the transaction without saving: a problem, a dry run, a stale preview or updates not allowed."""


def plan_import(data: bytes, writer: Writer | None = None, digest: bool = True, preview: str = "", duplicates: str = "") -> Plan:
    """What importing this CSV would do, or every problem that prevents it; writes only through the writer, if one is given."""
    problems: list[Problem] = []
    planner = Planner(writer, digest, preview, duplicates)
    rows = 0
    for chunk in chunks(read_rows(data, problems), CHUNK):
        rows += len(chunk)
        planner.add_chunk(chunk)
        if (problems or planner.plan.problems) and writer is not None:
            writer.enabled = False
    planner.check_parts()
    plan = planner.plan
    plan.problems = sorted(problems + plan.problems, key=lambda problem: problem.line)
    if not plan.problems and not rows:
        plan.problems.append(Problem(2, "", "the file has a header but no rows"))
    plan.digest = planner.digest.hexdigest() if planner.digest is not None else ""
    return plan


def import_figures(
    data: bytes,
    user=None,
    reason: str = "Imported from CSV",
    dry_run: bool = False,
    expected: str | None = None,
    allow_updates: bool = True,
    preview: str = "",
    filename: str = "",
    duplicates: str = "",
) -> Plan:
    """Check the CSV and save it all, unless it has a problem, this is a dry run, the plan no longer matches the preview
    expected, that preview was applied already, it changes existing figures when updates are not allowed, or it has
    likely duplicates and no choice (duplicates: SKIP or ADD) of what to do with them."""
    writer = None if dry_run else Writer(user, reason)
    plan = Plan()
    try:
        # Flags are recomputed once per quantity the import touches, when it is all written (programmes/flags.py).
        with transaction.atomic(), flags.deferred():
            if expected is not None and not dry_run:
                claim(expected, user, filename)
            plan = plan_import(data, writer, digest=dry_run or expected is not None, preview=preview, duplicates=duplicates)
            plan.stale = expected is not None and plan.digest != expected
            undecided = plan.duplicates and duplicates not in (SKIP, ADD)
            if plan.problems or dry_run or plan.stale or (plan.updates and not allow_updates) or undecided:
                raise Rollback
            writer.flush()
            # Rows created with the ids of an export leave PostgreSQL's id sequences behind; move them past the new ids.
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), [Source, Figure]):
                    cursor.execute(statement)
            plan.saved = True
    except Rollback:
        plan.saved = False
    except AlreadyApplied:
        plan.saved = False
        plan.applied = AppliedImport.objects.filter(digest=expected).select_related("applied_by").first()
    except ImportRefused as refusal:
        plan.saved = False
        plan.problems.append(refusal.problem)
    return plan


def claim(digest: str, user, filename: str) -> None:
    """Record the confirmed preview first, before any row: a second confirmation of it waits here for the first to end
    (on PostgreSQL at the unique index, on SQLite at BEGIN IMMEDIATE), then is refused, having written nothing."""
    try:
        with transaction.atomic():
            AppliedImport.objects.create(digest=digest, applied_by=user, filename=filename[:200])
    except IntegrityError as error:
        raise AlreadyApplied from error
