"""One department's step of `run`: the department notebook executed and published (`audit.ipynb`,
`audit.html`) with `result.json`, all through the one execute-and-publish step (toolkit.batch.notebook).

The record is read and scored once here, after the notebook ran: a record the notebook cannot use fails in
the notebook, which is what leaves `audit.error.ipynb` for the auditor.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from toolkit.batch.notebook import Execution, Failed, Status, StepResult, execute, publish, write
from toolkit.batch.provenance import describe
from toolkit.core.findings import Severity
from toolkit.core.paths import DEPARTMENT_NOTEBOOK
from toolkit.core.record import load_record
from toolkit.report.charts import chinese_font
from toolkit.review.apply import audit
from toolkit.summary.roster import RESULT_FILE


def build_department(record_path: Path, out_dir: Path, rubric: str | None = None) -> StepResult:
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
    title = f"{result.department}{result.year} 年度部门整体支出绩效自评复核报告"
    text = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    write(publish(executed, {"title": title, **provenance}, {RESULT_FILE: text.encode("utf-8")}))
    errors = sum(1 for f in result.findings if f.severity is Severity.ERROR)
    message = f"{len(result.findings)} 项复核发现，其中错误 {errors} 项"
    return StepResult(Status.DONE, message, time.perf_counter() - started, payload)
