"""One year's summary outputs: exports, the summary notebook executed by papermill, and summary.html.

Everything is built before anything is replaced, so a failing summary leaves the last good one (and every
department's outputs) intact and gets `summary.error.ipynb`. A year whose department results, summary
notebook and toolkit are unchanged is skipped unless forced.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from toolkit.batch.provenance import describe, toolkit_fingerprint
from toolkit.core.atomic import write_text
from toolkit.core.paths import NOTEBOOK_DIR
from toolkit.summary.roster import result_files

# Imports above are only what the unchanged-year check needs (it runs on every `audit-toolkit run`);
# pandas, papermill and nbconvert load when a summary is built.
SUMMARY_NOTEBOOK = NOTEBOOK_DIR / "summary.ipynb"
FINGERPRINT_FILE = ".summary-fingerprint"
HTML, NOTEBOOK, ERROR_NOTEBOOK = "summary.html", "summary.ipynb", "summary.error.ipynb"


def title_for(year: int | None) -> str:
    return f"{year if year is not None else ''} 年度部门整体支出绩效复核汇总".strip()


def fingerprint(year_dir: Path) -> str:
    """Digest of what the summary is made from: the results of the departments it covers (so a department
    left out changes it too), the notebook and the toolkit."""
    digest = hashlib.sha256()
    for path in result_files(year_dir):
        digest.update(path.parent.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    digest.update(hashlib.sha256(SUMMARY_NOTEBOOK.read_bytes()).digest())
    digest.update(toolkit_fingerprint().encode())
    return digest.hexdigest()


def is_current(year_dir: Path, stamp: str) -> bool:
    marker = year_dir / FINGERPRINT_FILE
    return marker.exists() and marker.read_text() == stamp and (year_dir / HTML).exists()


def provenance_for(summary) -> dict:
    """The provenance block, for a summary: its rubric(s) and one digest over all the departments' records."""
    from toolkit.report.charts import chinese_font

    ids, versions, shas = ("、".join(part) for part in zip(*summary.rubrics)) if summary.rubrics else ("", "", "")
    return {**describe(ids, versions, shas, summary.records_sha256, chinese_font()), "departments": summary.count}


def _stable_ids(nb) -> None:
    """Papermill gives the injected cell a random id; a fixed one keeps the published page reproducible."""
    for n, cell in enumerate(nb.cells):
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
        elif not cell.get("id"):
            cell.id = f"cell-{n}"


def _tables_and_exports(year_dir: Path, year: int | None):
    from toolkit.summary import exports
    from toolkit.summary.tables import Summary

    summary = Summary.from_folder(year_dir)
    title = title_for(year if year is not None else summary.year)
    provenance = provenance_for(summary)
    return summary, title, provenance, exports.build(summary, provenance, title)


def build_summary(year_dir: str | Path, year: int | None = None) -> tuple[bool, str]:
    """Build and publish one year's summary. Returns (done, message); never half-replaces earlier outputs.

    Raises InputError when a department result cannot be read."""
    from concurrent.futures import ThreadPoolExecutor

    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from toolkit.report.publish import render_html
    from toolkit.summary import exports

    year_dir = Path(year_dir).resolve()
    partial = year_dir / ".summary.partial.ipynb"
    # The exports are built in this process while the kernel executes the notebook: two cores, both busy.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_tables_and_exports, year_dir, year)
        try:
            papermill.execute_notebook(
                str(SUMMARY_NOTEBOOK),
                str(partial),
                parameters={"year_dir": str(year_dir), "year": year},
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                cwd=str(NOTEBOOK_DIR),
            )
        except PapermillExecutionError as exc:
            os.replace(partial, year_dir / ERROR_NOTEBOOK)
            if pending.exception() is not None:  # unreadable results: say which files, not which cell
                raise pending.exception() from None
            first = next((line for line in str(exc.evalue).splitlines() if line.strip()), "")
            return False, f"汇总笔记本第 {exc.exec_count} 个单元格出错：{exc.ename}: {first}（见 {ERROR_NOTEBOOK}）"
        summary, title, provenance, files = pending.result()
    nb = nbformat.read(str(partial), as_version=4)
    _stable_ids(nb)
    html = render_html(nb, {"title": title, "record_label": "全部记录文件合并", **provenance})
    write_text(year_dir / NOTEBOOK, nbformat.writes(nb))
    exports.write(year_dir, files)
    write_text(year_dir / HTML, html)
    partial.unlink(missing_ok=True)
    (year_dir / ERROR_NOTEBOOK).unlink(missing_ok=True)
    return True, f"汇总 {summary.count} 个部门；{summary.basis}"


def summarise(year_dir: Path, year: int, force: bool = False) -> tuple[str, str, float]:
    """(status, message, seconds) for one year: "skipped" when unchanged, "done", or "failed" (never raises)."""
    started = time.perf_counter()
    try:
        stamp = fingerprint(year_dir)
        if not force and is_current(year_dir, stamp):
            return "skipped", "部门结果未变化", 0.0
        done, message = build_summary(year_dir, year)
        if done:
            write_text(year_dir / FINGERPRINT_FILE, stamp)
        return ("done" if done else "failed"), message, time.perf_counter() - started
    except Exception as exc:  # reported in the run's status table and exit code, never a crash of the run
        from toolkit.core.problems import InputError

        text = (
            "；".join(str(p) for p in exc.problems) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
        )
        return "failed", f"汇总失败：{text}", time.perf_counter() - started
