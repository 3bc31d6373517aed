"""The progress bar of `run`: steps done out of all, the ones in flight, and the last one finished with its
status; one bar for the departments, one for the years' summaries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from toolkit.report.terminal import safe

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class _Finished(Protocol):
    """What the bar shows of a finished step (an Outcome)."""

    @property
    def department(self) -> str | None: ...
    @property
    def record_path(self) -> str: ...
    @property
    def status_label(self) -> str: ...


class Bar:
    """Advance once per finished step; a disabled bar does nothing. `pending` are the steps' record paths (as
    outcomes show them) or labels in the order the pool takes them, so the first `workers` are the ones running."""

    def __init__(self, progress: Progress, task: TaskID, pending: list[str], workers: int) -> None:
        self._progress, self._task, self._pending, self._workers = progress, task, list(pending), workers
        self._show("")

    def advance(self, outcome: _Finished) -> None:
        if outcome.record_path in self._pending:
            self._pending.remove(outcome.record_path)
        self._progress.update(self._task, advance=1)
        self._show(f"{safe(outcome.department or outcome.record_path)}：{outcome.status_label}")

    def tick(self, _step: object) -> None:
        """Advance for a step known only by its place: the first pending one (the summaries, one at a time)."""
        label = self._pending.pop(0) if self._pending else ""
        self._progress.update(self._task, advance=1)
        self._show(label)

    def _show(self, last: str) -> None:
        running = "、".join(safe(Path(p).stem) for p in self._pending[: self._workers])
        parts = [f"进行中：{running}" if running else "", f"刚完成：{last}" if last else ""]
        self._progress.update(self._task, description="；".join(p for p in parts if p))


@contextmanager
def progress_bar(pending: list[str], workers: int, enabled: bool, title: str = "审计进度") -> Iterator[Bar]:
    """A bar over the `pending` steps, shown on the terminal while the block runs (not at all when disabled)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn(title),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, disable=not enabled, transient=False) as progress:
        yield Bar(progress, progress.add_task("", total=len(pending)), pending, workers)
