"""One department's step of `run`: the department notebook executed and published (`audit.ipynb`,
`audit.html`, and `audit.docx` / `audit.pdf` as the formats ask) with `result.json`, all through the one
execute-and-publish step (toolkit.batch.notebook).

The record is read and scored once here, after the notebook ran: a record the notebook cannot use fails in
the notebook, which is what leaves `audit.error.ipynb` for the auditor.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.batch.notebook import Execution, Failed, Status, StepResult, execute, publish, write
from toolkit.batch.provenance import describe
from toolkit.core.findings import Severity
from toolkit.core.paths import DEPARTMENT_NOTEBOOK
from toolkit.core.record import load_record
from toolkit.core.result import Result
from toolkit.report.charts import chinese_font
from toolkit.report.formats import DEFAULT_FORMATS, missing_note
from toolkit.review.apply import audit
from toolkit.summary.roster import RESULT_FILE

if TYPE_CHECKING:
    from toolkit.report.word import Cover


_KIND = {"department": "部门整体支出绩效自评复核报告", "project": "项目支出绩效自评复核报告"}


def report_title(result: Result) -> str:
    """The report's title as the page, the documents and the index give it, by the record's kind."""
    return f"{result.department}{result.year} 年度{_KIND.get(result.kind, _KIND['department'])}"


def cover_for(result: Result, title: str, provenance: dict) -> Cover:
    """The Word cover and signature fields: the reviewer and date from the review file, the rest to fill."""
    from toolkit.report.word import Cover

    review = result.review
    line = f"评价指标体系 {result.rubric}（版本 {result.rubric_version}）　·　生成时间 {provenance['generated_at']}"
    return Cover(
        title=title,
        header=f"{result.department}　{result.year} 年度",
        reviewer=review.reviewer if review else None,
        date=str(review.date) if review else None,
        provenance=line,
    )


def build_department(
    record_path: Path, out_dir: Path, rubric: str | None = None, formats: Sequence[str] = DEFAULT_FORMATS
) -> StepResult:
    """Execute and publish one department: done with its result.json object as payload, or failed with why.

    Nothing is replaced until every output is ready, so a failure keeps the last good report."""
    started = time.perf_counter()
    parameters = {"record_path": str(Path(record_path).resolve()), "rubric": rubric}
    executed = execute(Execution(DEPARTMENT_NOTEBOOK, parameters, out_dir, "audit"))
    if isinstance(executed, Failed):
        return StepResult(Status.FAILED, executed.message, time.perf_counter() - started)
    result = audit(load_record(record_path, rubric))
    provenance = describe(
        result.rubric, result.rubric_version, result.rubric_sha256, result.record_sha256, chinese_font()
    )
    payload = {**result.as_dict(), "provenance": provenance}
    title = report_title(result)
    text = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    files = {RESULT_FILE: text.encode("utf-8")}
    cover = cover_for(result, title, provenance)
    publication = publish(executed, {"title": title, **provenance}, files, formats, cover)
    write(publication)
    errors = sum(1 for f in result.findings if f.severity is Severity.ERROR)
    message = f"{len(result.findings)} 项复核发现，其中错误 {errors} 项{missing_note(publication.files, formats)}"
    return StepResult(Status.DONE, message, time.perf_counter() - started, payload)
