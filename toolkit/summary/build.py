"""One year's summary step of `run`: the exports, and the summary notebook executed and published as
summary.html, through the one execute-and-publish step (toolkit.batch.notebook).

Everything is built before anything is replaced, so a failing summary leaves the last good one (and every
department's outputs) intact and gets `summary.error.ipynb`. A year whose department results, summary
notebook and toolkit are unchanged is skipped unless forced (toolkit.batch.fingerprint).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.batch.fingerprint import Fingerprint, Input
from toolkit.batch.notebook import Status, StepResult
from toolkit.batch.provenance import describe, toolkit_fingerprint
from toolkit.core.paths import SUMMARY_NOTEBOOK
from toolkit.report.formats import DEFAULT_FORMATS, missing_note
from toolkit.summary.roster import result_files

if TYPE_CHECKING:
    from toolkit.report.word import Cover
    from toolkit.summary.tables import Summary

# Imports above are only what the unchanged-year check needs (it runs on every `audit-toolkit run`);
# pandas, papermill and nbconvert load when a summary is built.
FINGERPRINT_FILE = ".summary-fingerprint"
NAME = "summary"  # summary.ipynb, summary.html, summary.docx, summary.pdf, summary.error.ipynb
HTML = f"{NAME}.html"


_SUBJECT = {
    frozenset({"department"}): "部门整体支出",
    frozenset({"project"}): "项目支出",
    frozenset({"department", "project"}): "部门整体及项目支出",
}


def title_for(year: int | None, kinds: Collection[str] = ("department",)) -> str:
    """The summary's title, as the page, the exports and the status table give it, by the kinds of unit the
    year covers (department, project)."""
    subject = _SUBJECT.get(frozenset(kinds) & {"department", "project"}, _SUBJECT[frozenset({"department"})])
    return f"{year if year is not None else ''} 年度{subject}绩效复核汇总".strip()


def kinds_of(summary: Summary) -> set[str]:
    """department and/or project: the kinds of unit in the summary's 部门汇总."""
    from toolkit.summary.families import KIND_LABEL

    shown = set(summary.departments["类型"]) if "类型" in summary.departments else set()
    return {kind for kind, label in KIND_LABEL.items() if label in shown} or {"department"}


def fingerprint(year_dir: Path) -> Fingerprint:
    """What the summary is made from: the results of the departments it covers (so a department left out
    changes it too), the notebook and the toolkit; current while summary.html exists."""
    inputs: dict[str, Input] = {f"result/{path.parent.name}": path for path in result_files(year_dir)}
    inputs["notebook"] = SUMMARY_NOTEBOOK
    inputs["toolkit"] = toolkit_fingerprint().encode()
    return Fingerprint.of(inputs, year_dir / FINGERPRINT_FILE, [year_dir / HTML])


def provenance_for(summary: Summary) -> dict[str, Any]:
    """The provenance block, for a summary: its rubric(s) and one digest over all the departments' records."""
    from toolkit.report.svgchart import FAMILY

    ids, versions, shas = ("、".join(part) for part in zip(*summary.rubrics)) if summary.rubrics else ("", "", "")
    return {**describe(ids, versions, shas, summary.records_sha256, FAMILY), "departments": summary.count}


@dataclass(frozen=True)
class Exports:
    """The year's tables and everything published beside the notebook's page, built while the kernel runs."""

    summary: Summary
    title: str
    provenance: dict[str, Any]
    files: dict[str, bytes]


def _exports(year_dir: Path, year: int | None) -> Exports:
    from toolkit.summary import exports
    from toolkit.summary.tables import Summary

    summary = Summary.from_folder(year_dir)
    title = title_for(year if year is not None else summary.year, kinds_of(summary))
    provenance = provenance_for(summary)
    return Exports(summary, title, provenance, exports.build(summary, provenance, title))


def build_summary(
    year_dir: str | Path, year: int | None = None, formats: Sequence[str] = DEFAULT_FORMATS
) -> StepResult:
    """Build and publish one year's summary: done, or failed with why; never half-replaces earlier outputs.

    Raises InputError when a department result cannot be read."""
    from concurrent.futures import ThreadPoolExecutor

    from toolkit.batch.notebook import Execution, Failed, execute, publish, write

    started = time.perf_counter()
    year_dir = Path(year_dir).resolve()
    execution = Execution(SUMMARY_NOTEBOOK, {"year_dir": str(year_dir), "year": year}, year_dir, NAME, "汇总笔记本")
    # The exports are built in this process while the kernel executes the notebook: two cores, both busy.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_exports, year_dir, year)
        executed = execute(execution)
        if isinstance(executed, Failed):
            if (unreadable := pending.exception()) is not None:  # say which files, not which cell
                raise unreadable from None
            return StepResult(Status.FAILED, executed.message, time.perf_counter() - started)
        built = pending.result()
    footer = {"title": built.title, "record_label": "全部记录文件合并", **built.provenance}
    publication = publish(executed, footer, built.files, formats, _cover(built))
    write(publication)
    message = f"汇总 {built.summary.count} 个部门；{built.summary.basis}{missing_note(publication.files, formats)}"
    return StepResult(Status.DONE, message, time.perf_counter() - started)


def _cover(built: Exports) -> Cover:
    from toolkit.report.word import Cover

    line = f"评价指标体系 {built.provenance['rubric']}　·　生成时间 {built.provenance['generated_at']}"
    return Cover(title=built.title, header=built.title, provenance=line)


def summarise(year_dir: Path, year: int, force: bool = False, formats: Sequence[str] = DEFAULT_FORMATS) -> StepResult:
    """One year's summary: skipped when unchanged, else built; failed with the reason (never raises)."""
    started = time.perf_counter()
    try:
        stamp = fingerprint(year_dir)
        if not force and stamp.is_current():
            return StepResult(Status.SKIPPED, "部门结果未变化")
        step = build_summary(year_dir, year, formats)
        if step.status is Status.DONE:
            stamp.record()
        return step
    except Exception as exc:  # reported in the run's status table and exit code, never a crash of the run
        from toolkit.core.problems import InputError

        text = (
            "；".join(str(p) for p in exc.problems) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
        )
        return StepResult(Status.FAILED, f"汇总失败：{text}", time.perf_counter() - started)
