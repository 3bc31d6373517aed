"""The one execute-and-publish step for every notebook `run` executes, and the values a batch step returns.

`execute` runs a notebook with papermill into a partial file in its output folder. A notebook that raises is
moved to `<name>.error.ipynb` (papermill's red banner points at the failing cell) and nothing else is
touched. One that succeeds is read back with fixed cell ids; `publish` renders its page and hands back every
output, still in memory; `write` then replaces them atomically, one by one, and only then removes the partial
and a stale error notebook. Whatever fails before `write` leaves the last good outputs as they were.

papermill, nbformat and nbconvert load inside the functions: the runner and the unchanged checks import this
module for its types on every run, and those imports cost seconds.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.core.atomic import write_bytes

if TYPE_CHECKING:
    from nbformat import NotebookNode
    from papermill.exceptions import PapermillExecutionError


class Status(StrEnum):
    """What became of a step in a run; the values are what result JSON, the index and the tests read."""

    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    NOT_RUN = "not_run"  # only on the index: a record of the set the run did not name, with its last result

    @property
    def label(self) -> str:
        """The status as the status table and the index show it."""
        return _LABELS[self]


_LABELS = {Status.DONE: "完成", Status.SKIPPED: "未变化，跳过", Status.FAILED: "失败", Status.NOT_RUN: "本次未运行"}


class Kind(StrEnum):
    """Which step an outcome belongs to: one department, or a year's cross-department summary."""

    DEPARTMENT = "department"
    SUMMARY = "summary"


@dataclass(frozen=True)
class StepResult:
    """What one batch step did, how long it took and, for a department, its result.json object."""

    status: Status
    message: str
    seconds: float = 0.0
    payload: dict[str, Any] | None = None


@dataclass(frozen=True)
class Execution:
    """A notebook to execute with its parameters, and the folder its outputs `<name>.*` are published in."""

    notebook: Path
    parameters: Mapping[str, object]
    out_dir: Path
    name: str
    label: str = "笔记本"  # how failure messages name the notebook

    @property
    def partial(self) -> Path:
        return self.out_dir / f".{self.name}.partial.ipynb"

    @property
    def error_notebook(self) -> Path:
        return self.out_dir / f"{self.name}.error.ipynb"

    @property
    def executed_name(self) -> str:
        return f"{self.name}.ipynb"

    @property
    def page_name(self) -> str:
        return f"{self.name}.html"


@dataclass(frozen=True)
class Failed:
    """A notebook that raised: the reason in one line, and where the executed notebook showing it now is."""

    message: str
    error_notebook: Path


@dataclass(frozen=True)
class Executed:
    """A notebook that ran to the end, read back with fixed cell ids; nothing published yet."""

    execution: Execution
    notebook: NotebookNode


@dataclass(frozen=True)
class Publication:
    """Every output of one execution, rendered and in memory, by file name in the order `write` writes them."""

    execution: Execution
    files: Mapping[str, bytes]


def execute(execution: Execution) -> Executed | Failed:
    """Run the notebook; on an error in a cell, leave it as the error notebook and say why in one line."""
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    execution.out_dir.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(
            str(execution.notebook),
            str(execution.partial),
            parameters=dict(execution.parameters),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            cwd=str(execution.notebook.parent),
        )
    except PapermillExecutionError as exc:
        # The executed notebook, red banner and all, is what tells the auditor what went wrong.
        os.replace(execution.partial, execution.error_notebook)
        return Failed(failure_message(exc, execution), execution.error_notebook)
    nb = nbformat.read(str(execution.partial), as_version=4)
    stable_ids(nb)
    return Executed(execution, nb)


def failure_message(exc: PapermillExecutionError, execution: Execution) -> str:
    """The first line of a cell's error; for unusable input, the first problem and how many more there are."""
    lines = [line for line in str(exc.evalue).splitlines() if line.strip()]
    where = f"见 {execution.error_notebook.name}"
    if exc.ename == "InputError" and lines:
        more = f"（另有 {len(lines) - 1} 处问题，{where}）" if len(lines) > 1 else ""
        return f"输入错误：{lines[0].removeprefix('错误：')}{more}"
    first = lines[0] if lines else ""
    return f"{execution.label}第 {exc.exec_count} 个单元格出错：{exc.ename}: {first}（{where}）"


def stable_ids(nb: NotebookNode) -> None:
    """Give every cell a fixed id: papermill gives the injected cell a random one, which would change each page."""
    for n, cell in enumerate(nb.cells):
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
        elif not cell.get("id"):
            cell.id = f"cell-{n}"


def publish(executed: Executed, footer: Mapping[str, object], files: Mapping[str, bytes]) -> Publication:
    """Render the page; hand back the executed notebook, `files` and the page (written in that order)."""
    import nbformat

    from toolkit.report.publish import render_html

    execution = executed.execution
    page = render_html(executed.notebook, footer)
    # The page goes last: whoever sees the new page can rely on the files beside it being new too.
    outputs = {execution.executed_name: nbformat.writes(executed.notebook).encode("utf-8"), **files}
    outputs[execution.page_name] = page.encode("utf-8")
    return Publication(execution, outputs)


def write(publication: Publication) -> list[Path]:
    """Write every output atomically, then remove the partial notebook and an error notebook of an earlier run."""
    folder = publication.execution.out_dir
    written = [write_bytes(folder / name, data) for name, data in publication.files.items()]
    publication.execution.partial.unlink(missing_ok=True)
    publication.execution.error_notebook.unlink(missing_ok=True)
    return written
