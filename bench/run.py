"""`make bench`: every benchmark, one after the other. Results are recorded in docs/benchmarks.md."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import export_rate  # noqa: E402
import import_rate  # noqa: E402
import page_render  # noqa: E402
import record_pages  # noqa: E402
import search_explorer  # noqa: E402

if __name__ == "__main__":
    export_rate.main(sys.argv[1:])
    import_rate.main([])
    page_render.main([])
    record_pages.main([])
    search_explorer.main([])
