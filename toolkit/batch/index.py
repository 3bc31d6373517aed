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
from toolkit.summary.roster import RESULT_FILE, orphan_note


def _links(out_root: Path, out_dir: str | None) -> list[tuple[str, str]]:
    if not out_dir:
        return []
    folder = Path(out_dir)
    names = (
        ("报告", "audit.html"),
        ("Word", "audit.docx"),
        ("PDF", "audit.pdf"),
        ("笔记本", "audit.ipynb"),
        ("结果 JSON", RESULT_FILE),
        ("出错的笔记本", "audit.error.ipynb"),
    )
    return [
        (label, Path(os.path.relpath(folder / name, out_root)).as_posix())
        for label, name in names
        if (folder / name).exists()
    ]


def _summary_links(out_root: Path, year: int) -> list[tuple[str, str]]:
    """A year's summary in every format it was published in, the page first; none without the page."""
    names = (("汇总", "summary.html"), ("Word", "summary.docx"), ("PDF", "summary.pdf"), ("Excel", "summary.xlsx"))
    found = [(label, f"{year}/{name}") for label, name in names if (out_root / str(year) / name).exists()]
    return found if found and found[0][1].endswith(".html") else []


def is_stale(out_root: Path, outcomes: list) -> bool:
    """True when index.html is missing or older than a result it lists or a summary of their years: a run
    killed after its steps finished (or outlived by its workers) left it behind what is on disk."""
    try:
        written = (out_root / "index.html").stat().st_mtime_ns
    except OSError:
        return True
    pages = [Path(o.out_dir) / RESULT_FILE for o in outcomes if o.out_dir]
    pages += [out_root / str(year) / "summary.html" for year in {o.year for o in outcomes if o.year is not None}]
    for page in pages:
        try:
            if page.stat().st_mtime_ns >= written:
                return True
        except OSError:
            continue
    return False


def write_index(out_root: Path, outcomes: list, excluded: dict[int, list[str]] | None = None) -> Path:
    """Write the index page atomically; it links each year's summary when one exists and names, per year, the
    department folders left out of it (`excluded`: year -> "year/code" folders)."""
    from toolkit.report.templating import environment  # Jinja: only when the page is written, not checked
    from toolkit.report.webfont import font_face_css

    years = sorted({o.year for o in outcomes if o.year is not None}, reverse=True)
    by_year = [(y, [o for o in outcomes if o.year == y]) for y in years]
    unknown = [o for o in outcomes if o.year is None]
    if unknown:
        by_year.append(("未识别", unknown))
    summaries = {y: _summary_links(out_root, y) for y, _ in by_year}
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
            font_css=font_face_css,
        )
    )
    return write_text(out_root / "index.html", page)
