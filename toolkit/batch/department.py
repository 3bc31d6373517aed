"""One department's step of `run`: the department notebook executed and published (`audit.ipynb`,
`audit.html`, and `audit.docx` / `audit.pdf` as the formats ask) with `result.json`, all through the one
execute-and-publish step (toolkit.batch.notebook).

The record is read, validated and scored once, in the kernel: the notebook's last cell hands the result to this
step (toolkit.report.resultdata), which adds the provenance and writes it as result.json. A record the notebook
cannot use fails in the notebook, which is what leaves `audit.error.ipynb` for the auditor.

`make_department` does everything but write (a dask worker hands its outputs back as bytes, see
toolkit.batch.cluster); `build_department` makes and writes, in the output folder, as a local worker does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.batch.notebook import Execution, Failed, Publication, Status, StepResult, execute, failed, publish, write
from toolkit.batch.provenance import describe
from toolkit.core.findings import Severity
from toolkit.core.paths import DEPARTMENT_NOTEBOOK
from toolkit.report import resultdata
from toolkit.report.formats import DEFAULT_FORMATS, missing_note
from toolkit.report.svgchart import FAMILY
from toolkit.summary.roster import RESULT_FILE

if TYPE_CHECKING:
    from toolkit.batch.notebook import Executed
    from toolkit.report.word import Cover


_KIND = {"department": "部门整体支出绩效自评复核报告", "project": "项目支出绩效自评复核报告"}


def report_title(result: Mapping[str, Any]) -> str:
    """The report's title as the page, the documents and the index give it, by the record's kind.

    `result`: a result.json object (Result.as_dict)."""
    return f"{result['department']}{result['year']} 年度{_KIND.get(result.get('kind', ''), _KIND['department'])}"


def cover_for(result: Mapping[str, Any], title: str, provenance: Mapping[str, Any]) -> Cover:
    """The Word cover and signature fields, from the review file (reviewer, date, and the reviewing unit and
    report number when it gives them); what it does not give is left blank to fill."""
    from toolkit.report.word import Cover

    review = result.get("review")
    rubric = f"评价指标体系 {result['rubric']}（版本 {result['rubric_version']}）"
    line = f"{rubric}　·　生成时间 {provenance['generated_at']}"
    return Cover(
        title=title,
        header=f"{result['department']}　{result['year']} 年度",
        report_number=review.get("report_number") if review else None,
        reviewing_unit=review.get("reviewing_unit") if review else None,
        reviewer=review["reviewer"] if review else None,
        date=str(review["date"]) if review and review.get("date") is not None else None,
        provenance=line,
    )


@dataclass(frozen=True)
class Made:
    """A department executed and rendered, nothing written yet: its outputs, result object and status line."""

    publication: Publication
    payload: dict[str, Any]
    message: str


def make_department(
    record_path: Path,
    out_dir: Path,
    rubric: str | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    recorded: Callable[[Executed], Executed] | None = None,
    notebook: Path = DEPARTMENT_NOTEBOOK,
) -> Made | Failed:
    """Execute and render one department in memory (only the partial or error notebook touches `out_dir`).

    `recorded`: how the executed notebook is to name its inputs when they were staged elsewhere (a dask worker
    runs on copies; the notebook must read as if run where the client keeps them)."""
    parameters = {"record_path": str(Path(record_path).resolve()), "rubric": rubric}
    executed = execute(Execution(notebook, parameters, out_dir, "audit"))
    if isinstance(executed, Failed):
        return executed
    if recorded is not None:
        executed = recorded(executed)
    result = resultdata.read(executed.notebook)
    if result is None:
        return failed(executed.execution, "笔记本未输出复核结果数据（缺少最后一个单元格 report.result_data()），未发布")
    provenance = describe(
        result["rubric"], result["rubric_version"], result["rubric_sha256"], result["record_sha256"], FAMILY
    )
    payload = {**result, "provenance": provenance}
    title = report_title(result)
    text = json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    files = {RESULT_FILE: text.encode("utf-8")}
    cover = cover_for(result, title, provenance)
    publication = publish(executed, {"title": title, **provenance}, files, formats, cover)
    errors = sum(1 for f in result["findings"] if f["severity"] == Severity.ERROR.value)
    message = f"{len(result['findings'])} 项复核发现，其中错误 {errors} 项{missing_note(publication.files, formats)}"
    return Made(publication, payload, message)


def build_department(
    record_path: Path, out_dir: Path, rubric: str | None = None, formats: Sequence[str] = DEFAULT_FORMATS
) -> StepResult:
    """Execute and publish one department: done with its result.json object as payload, or failed with why.

    Nothing is replaced until every output is ready, so a failure keeps the last good report."""
    started = time.perf_counter()
    made = make_department(record_path, out_dir, rubric, formats)
    if isinstance(made, Failed):
        return StepResult(Status.FAILED, made.message, time.perf_counter() - started)
    write(made.publication)
    return StepResult(Status.DONE, made.message, time.perf_counter() - started, made.payload)
