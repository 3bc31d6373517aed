"""The one execute-and-publish step for every notebook `run` executes, and the values a batch step returns.

`execute` runs a notebook with papermill into a partial file in its output folder. A notebook that raises is
moved to `<name>.error.ipynb` (papermill's red banner points at the failing cell) and nothing else is
touched. One that succeeds is read back with fixed cell ids; `publish` renders its page and hands back every
output, still in memory; `write` then replaces them all or none (every file written before any is renamed),
and only then removes the partial and a stale error notebook. Whatever fails before the renames leaves the
last good outputs as they were.

papermill, nbformat and nbconvert load inside the functions: the runner and the unchanged checks import this
module for its types on every run, and those imports cost seconds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.core.atomic import write_bytes

if TYPE_CHECKING:
    from nbformat import NotebookNode
    from papermill.exceptions import PapermillExecutionError

    from toolkit.report.word import Cover


# A cell of the audit notebooks takes well under a second; one still running after this long is hanging.
CELL_TIMEOUT = 300


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
    """Which step an outcome belongs to: one department, a year's cross-department summary, or the index."""

    DEPARTMENT = "department"
    SUMMARY = "summary"
    INDEX = "index"  # only when the run's index page could not be written


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
    cell_timeout: int = CELL_TIMEOUT  # seconds one cell may run before the notebook fails
    # A kernel forked from a pre-imported template (toolkit.batch.kernels), or a cold one: AUDIT_TOOLKIT_KERNELS=cold
    # is the way back to papermill's own kernels (and what the benchmark compares with).
    warm: bool = field(default_factory=lambda: os.environ.get("AUDIT_TOOLKIT_KERNELS") != "cold")

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
    """A notebook that ran to the end, as papermill returned it (and wrote it), with fixed cell ids; nothing
    published yet."""

    execution: Execution
    notebook: NotebookNode


@dataclass(frozen=True)
class Publication:
    """Every output of one execution, rendered and in memory, by file name in the order `write` writes them."""

    execution: Execution
    files: Mapping[str, bytes]


def execute(execution: Execution) -> Executed | Failed:
    """Run the notebook; on an error in a cell, a cell past the time limit or a kernel that died, leave it as
    the error notebook and say why in one line."""
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from toolkit.batch.kernels import ENGINE

    execution.out_dir.mkdir(parents=True, exist_ok=True)
    try:
        nb = papermill.execute_notebook(
            str(execution.notebook),
            str(execution.partial),
            parameters=dict(execution.parameters),
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            cwd=str(execution.notebook.parent),
            execution_timeout=execution.cell_timeout,
            **({"engine_name": ENGINE} if execution.warm else {}),
        )
    except PapermillExecutionError as exc:
        # The executed notebook, red banner and all, is what tells the auditor what went wrong.
        return failed(execution, failure_message(exc, execution))
    except CellTimeoutError:
        return failed(execution, f"{execution.label}的一个单元格运行超过 {execution.cell_timeout} 秒未结束，已停止")
    except DeadKernelError:
        return failed(execution, f"{execution.label}运行中内核意外退出")
    except BaseException:  # no kernel, a full disk: a half-written partial must not stay behind
        execution.partial.unlink(missing_ok=True)
        raise
    stable_ids(nb)
    return Executed(execution, nb)


def failed(execution: Execution, message: str) -> Failed:
    """The partial notebook (as far as it ran) becomes the error notebook; without one, there is none."""
    if execution.partial.exists():
        os.replace(execution.partial, execution.error_notebook)
    return Failed(message, execution.error_notebook)


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


def relocated(text: str, places: Mapping[str, str]) -> str:
    """`text` with every folder of `places` replaced by the folder it maps to, the longest first (so that a
    folder is never replaced inside a longer one)."""
    for staged in sorted(places, key=len, reverse=True):
        text = text.replace(staged, places[staged])
    return text


def recorded_as(
    nb: NotebookNode, notebook: str, output: str, parameters: Mapping[str, object], places: Mapping[str, str]
) -> NotebookNode:
    """The executed notebook as it would read had it run where the client keeps its files (a worker runs on
    staged copies): every staged folder in `places` named as the client's folder (in outputs and error
    messages too), and papermill's metadata and injected cell giving the client's notebook, output file and
    parameters exactly."""
    import nbformat
    from papermill.translators import translate_parameters

    escaped = {
        json.dumps(staged)[1:-1]: json.dumps(client, ensure_ascii=False)[1:-1] for staged, client in places.items()
    }
    moved = nbformat.reads(relocated(nbformat.writes(nb), escaped), as_version=4)
    moved.metadata.setdefault("papermill", {}).update(
        input_path=notebook, output_path=output, parameters=dict(parameters)
    )
    for cell in moved.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = translate_parameters("python3", "python", dict(parameters), "Parameters")
    return moved


def publish(
    executed: Executed,
    footer: Mapping[str, object],
    files: Mapping[str, bytes],
    formats: Sequence[str] = ("html",),
    cover: Cover | None = None,
) -> Publication:
    """Render the page and the documents `formats` ask for (docx, pdf: see toolkit.report.formats); hand back
    the executed notebook, `files`, the documents and the page (written in that order). A PDF Chromium cannot
    print is left out: the caller tells by its absence."""
    import nbformat

    from toolkit.report.formats import Format, documents, moment_of
    from toolkit.report.publish import render_html
    from toolkit.report.word import Cover

    execution = executed.execution
    page = render_html(executed.notebook, footer)
    # The page goes last: whoever sees the new page can rely on the files beside it being new too.
    outputs = {execution.executed_name: nbformat.writes(executed.notebook).encode("utf-8"), **files}
    wanted = tuple(Format(f) for f in formats)
    cover = cover or Cover(str(footer.get("title", "")), str(footer.get("title", "")))
    outputs.update(documents(executed.notebook, page, execution.name, wanted, cover, moment_of(footer)).files)
    outputs[execution.page_name] = page.encode("utf-8")
    return Publication(execution, outputs)


def write(publication: Publication) -> list[Path]:
    """Write every output or none, then remove the partial notebook and an error notebook of an earlier run.

    Each output is first written in full beside its target (synced), and only once all are is any renamed
    over the old one, in order, the page last. A full disk (or any failed write) strikes while writing, so
    it leaves every old output in place; a rename takes no space. The one window left, a kill between two
    renames, is covered by the step's fingerprint: it is recorded after `write`, so such a folder is redone."""
    folder = publication.execution.out_dir
    targets = [(folder / name, data) for name, data in publication.files.items()]
    try:
        _write_together(targets[::-1])
    finally:  # published or not, the partial has served: no later run may find and trust it
        publication.execution.partial.unlink(missing_ok=True)
    publication.execution.error_notebook.unlink(missing_ok=True)
    return [path for path, _ in targets]


def _write_together(files: list[tuple[Path, bytes]]) -> None:
    """Write the first file, and all the others before it is renamed into place (in its pre-rename check):
    any failure unwinds through every staged file, removing it, before anything is replaced. The renames
    then run innermost first, so the first file here is the last replaced."""
    if files:
        (path, data), rest = files[0], files[1:]
        write_bytes(path, data, check=lambda _staged: _write_together(rest))


def clear_leftovers(folder: Path) -> list[Path]:
    """Remove what a killed run left in an output folder: partial notebooks and staged files never renamed.

    Only the run holding the output folder's lock may call it: in a step that is running they are live."""
    found = [*folder.glob(".*.partial.ipynb"), *folder.glob(".*.tmp")]
    for path in found:
        path.unlink(missing_ok=True)
    return found
