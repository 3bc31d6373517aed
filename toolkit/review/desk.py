"""The review desk: a department drop-down over the records of a folder (params/ by default), showing the
review panel of the one chosen. Records are listed as a run finds them (reviews and rubric files left out)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets as w

from toolkit.core.problems import InputError, display_path
from toolkit.core.yamlio import read_yaml

if TYPE_CHECKING:
    from toolkit.review.panel import ReviewPanel


def record_label(path: Path) -> str:
    """How the drop-down names a record: its department and year, then its file name."""
    try:
        data = read_yaml(path, "部门自评记录")
    except InputError:
        return f"{path.name}（无法读取）"
    department = data.get("department") if isinstance(data, dict) else None
    name = department.get("name") if isinstance(department, dict) else None
    year = data.get("year") if isinstance(data, dict) else None
    return f"{name or path.stem} {year or ''} 年度（{path.name}）" if year else f"{name or path.stem}（{path.name}）"


class ReviewDesk:
    """A drop-down of the folder's records above the review panel of the chosen one."""

    def __init__(self, folder: str | Path, department: str = ""):
        from toolkit.batch.planning import discover

        self.folder = Path(folder)
        self.records = sorted(discover([self.folder]))
        if not self.records:
            raise InputError([_no_records(self.folder)])
        chosen = next((p for p in self.records if department and department in (p.name, p.stem)), self.records[0])
        self.chooser = w.Dropdown(
            options=[(record_label(p), p) for p in self.records],
            value=chosen,
            description="部门",
            layout=w.Layout(width="70%"),
        )
        self.chooser.add_class("audit-department")
        self.holder = w.VBox()
        self.panel: ReviewPanel | None = None
        self.chooser.observe(lambda change: self.show(change["new"]), names="value")
        self.show(chosen)
        self.widget = w.VBox([self.chooser, self.holder])

    def show(self, record_path: Path) -> None:
        """Replace the panel below the drop-down with the chosen record's (a broken record: its problems)."""
        from toolkit.review.panel import ReviewPanel

        try:
            panel = ReviewPanel(record_path)
        except InputError as exc:
            self.panel = None
            items = "".join(f"<li>{_escape(str(p))}</li>" for p in exc.problems)
            lead = f"无法打开 {_escape(display_path(record_path))}："
            self.holder.children = [
                w.HTML(f'<div class="audit-error" style="color:#b00020"><b>{lead}</b><ul>{items}</ul></div>')
            ]
            return
        self.panel = panel
        self.holder.children = [panel.widget]

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _no_records(folder: Path):
    from toolkit.core.problems import Problem

    return Problem(display_path(folder), "", "文件夹中没有部门自评记录（*.yaml）")
