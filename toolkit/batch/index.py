"""outputs/index.html: every department of a run's record set with its total, grade, status and links, and the
department folders its summaries left out."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from toolkit.batch.notebook import Status
from toolkit.batch.provenance import generated_at
from toolkit.core.atomic import write_text
from toolkit.core.paths import PACKAGE_DIR
from toolkit.report.templating import environment
from toolkit.summary.roster import RESULT_FILE, orphan_note


def _links(out_root: Path, out_dir: str | None) -> list[tuple[str, str]]:
    if not out_dir:
        return []
    folder = Path(out_dir)
    names = (
        ("报告", "audit.html"),
        ("笔记本", "audit.ipynb"),
        ("结果 JSON", RESULT_FILE),
        ("出错的笔记本", "audit.error.ipynb"),
    )
    return [
        (label, Path(os.path.relpath(folder / name, out_root)).as_posix())
        for label, name in names
        if (folder / name).exists()
    ]


def write_index(out_root: Path, outcomes: list, excluded: dict[int, list[str]] | None = None) -> Path:
    """Write the index page atomically; it links each year's summary when one exists and names, per year, the
    department folders left out of it (`excluded`: year -> "year/code" folders)."""
    years = sorted({o.year for o in outcomes if o.year is not None}, reverse=True)
    by_year = [(y, [o for o in outcomes if o.year == y]) for y in years]
    unknown = [o for o in outcomes if o.year is None]
    if unknown:
        by_year.append(("未识别", unknown))
    summaries = {y: f"{y}/summary.html" if (out_root / str(y) / "summary.html").exists() else None for y, _ in by_year}
    counts = Counter(o.status for o in outcomes)
    page = (
        environment()
        .get_template("index.html.j2")
        .render(
            outcomes=outcomes,
            by_year=by_year,
            summaries=summaries,
            generated_at=generated_at(),
            counts={status.value: counts.get(status, 0) for status in Status},
            excluded={y: orphan_note(folders) for y, folders in (excluded or {}).items()},
            links={o.record_path: _links(out_root, o.out_dir) for o in outcomes},
            css=(PACKAGE_DIR / "templates" / "report.css").read_text(encoding="utf-8"),
        )
    )
    return write_text(out_root / "index.html", page)
