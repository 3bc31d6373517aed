"""One department's outputs: execute the notebook with papermill, publish HTML, write result.json."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from toolkit.batch.provenance import describe
from toolkit.core.atomic import write_text
from toolkit.core.paths import NOTEBOOK_DIR
from toolkit.core.record import load_record
from toolkit.review.apply import audit
from toolkit.report.charts import chinese_font
from toolkit.report.publish import render_html

DEPARTMENT_NOTEBOOK = NOTEBOOK_DIR / "department_audit.ipynb"


def _failure_message(exc: PapermillExecutionError) -> str:
    lines = [line for line in str(exc.evalue).splitlines() if line.strip()]
    if exc.ename == "InputError" and lines:
        more = f"（另有 {len(lines) - 1} 处问题，见 audit.error.ipynb）" if len(lines) > 1 else ""
        return f"输入错误：{lines[0].removeprefix('错误：')}{more}"
    return f"笔记本第 {exc.exec_count} 个单元格出错：{exc.ename}: {lines[0] if lines else ''}"


def _stable_ids(nb: nbformat.NotebookNode) -> None:
    """Papermill gives the injected cell a random id; a fixed one keeps outputs reproducible."""
    for n, cell in enumerate(nb.cells):
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
        elif not cell.get("id"):
            cell.id = f"cell-{n}"


def build_department(record_path: Path, out_dir: Path, rubric: str | None = None) -> tuple[dict | None, str]:
    """Execute and publish one department. Returns (result.json object, message), or (None, why it failed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out_dir / ".audit.partial.ipynb"
    parameters = {"record_path": str(Path(record_path).resolve()), "rubric": rubric}
    try:
        papermill.execute_notebook(
            str(DEPARTMENT_NOTEBOOK),
            str(partial),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            cwd=str(NOTEBOOK_DIR),
        )
    except PapermillExecutionError as exc:
        # The executed notebook, red banner and all, is what tells the auditor what went wrong.
        os.replace(partial, out_dir / "audit.error.ipynb")
        return None, _failure_message(exc)
    nb = nbformat.read(str(partial), as_version=4)
    _stable_ids(nb)
    record = load_record(record_path, rubric)
    result = audit(record)
    provenance = describe(
        result.rubric, result.rubric_version, result.rubric_sha256, result.record_sha256, chinese_font()
    )
    title = f"{result.department}{result.year} 年度部门整体支出绩效自评复核报告"
    html = render_html(nb, {"title": title, **provenance})
    payload = {**result.as_dict(), "provenance": provenance}
    # Everything is ready before anything is replaced: a failure above leaves the last good report intact.
    write_text(out_dir / "audit.ipynb", nbformat.writes(nb))
    write_text(out_dir / "audit.html", html)
    write_text(out_dir / "result.json", json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=False) + "\n")
    partial.unlink(missing_ok=True)
    (out_dir / "audit.error.ipynb").unlink(missing_ok=True)
    errors = sum(1 for f in result.findings if f.severity.value == "error")
    return payload, f"{len(result.findings)} 项复核发现，其中错误 {errors} 项"
