"""Where things are in a self-evaluation table: header rows and their columns, the basic information,
the budget block, the goals, the total and the grade.

Only the table's own vocabulary (column and field labels) lives here; indicator names and weights
come from the rubric.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from toolkit.core.problems import Problem
from toolkit.core.rubric import Rubric
from toolkit.importer.sources import Grid, Row
from toolkit.importer.text import clean, key, label_key, parse_number, shown, split_numbered

# Field labels of the table, as matching keys (see text.key).
_LEVEL = re.compile(r"^([一二三四五])级指标(名称)?$")
_WEIGHT = {"分值", "权重", "标准分值", "指标分值", "分数", "满分"}
_EXPLANATION = {"指标解释", "指标说明", "指标内涵", "评价要点", "指标解释说明"}
_SCORE = ("自评分", "得分", "评分")  # in order of preference
_NOT_SCORE = ("标准", "依据", "方法", "说明", "细则")
_REASON = ("未达标原因", "偏差原因", "扣分原因", "未完成原因", "存在问题")
_MEASURE = ("改进措施", "整改措施", "改进建议")
_DEPARTMENT = {"部门名称", "单位名称", "部门单位名称", "预算部门", "部门"}
_UNITS = ("单位数",)
_GOALS = {"年度整体绩效目标", "年度总体绩效目标", "整体绩效目标", "年度绩效目标", "部门整体绩效目标"}
_COMPLETIONS = {
    "整体绩效目标完成情况",
    "绩效目标完成情况",
    "年度绩效目标完成情况",
    "目标完成情况",
    "总体绩效目标完成情况",
}
_UNMET = {"未能完成原因", "未完成原因", "未完成目标原因"}
_BUDGET = ("年度部门预算情况", "部门预算情况", "年度预算情况")
_BUDGET_TOTAL = ("总预算", "预算总额", "年度预算总额")
_BUDGET_MAIN_GROUP = ("部门预算",)
_TOTAL = {"总分", "合计", "总计", "得分合计", "合计得分", "总得分"}
_GRADE = {"评价等级", "等级", "自评等级", "绩效等级"}
_TICKED = "√✓✔☑■●▣⊠"
_UNTICKED = "□☐○"
_TITLE_TAIL = re.compile(r"(部门)?整体(支出)?绩效自评(价)?表?$")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


@dataclass(frozen=True, slots=True)
class Columns:
    """The columns one header row announces (None: the table has no such column)."""

    row: int
    names: tuple[int, ...]  # the name column of each level, level 1 first
    weights: tuple[int | None, ...]
    explanation: int | None
    score: int | None
    reason: int | None
    measure: int | None
    labels: dict[int, str] = field(default_factory=dict, compare=False)  # header text by column

    def label(self, col: int) -> str:
        return self.labels.get(col, f"第 {col + 1} 列")


@dataclass(frozen=True, slots=True)
class Block:
    """The indicator rows under one header row (a page of the printed table)."""

    columns: Columns
    rows: tuple[Row, ...]


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Located(Generic[T]):
    """A value found in the table, with the row it came from and what was repaired to read it."""

    value: T
    row: int | None
    notes: tuple[str, ...] = ()


@dataclass
class Layout:
    title: str | None = None
    year: Located[int] | None = None
    department: Located[str] | None = None
    units: Located[int | None] | None = None  # None: the count was not a whole number
    goals: Located[tuple[str, ...]] | None = None
    completions: Located[tuple[str, ...]] | None = None
    unmet: Located[tuple[str, ...]] | None = None
    budget: Located[dict[str, Any]] | None = None  # {"total": Decimal, "components": {...}, "details": {...}}
    blocks: list[Block] = field(default_factory=list)
    repeated_headers: list[int] = field(default_factory=list)
    trailing: list[Row] = field(default_factory=list)
    total: Located[Decimal | None] | None = None
    grade: Located[str | None] | None = None
    problems: list[Problem] = field(default_factory=list)


def _filled(row: Row) -> list[tuple[int, str]]:
    return [(c, v) for c, v in enumerate(row.cells) if clean(v)]


def _header_columns(row: Row) -> Columns | None:
    keys = {c: label_key(v) for c, v in enumerate(row.cells)}
    levels = sorted((_LEVEL.match(k).group(1), c) for c, k in keys.items() if _LEVEL.match(k))  # type: ignore[union-attr]
    # "评分标准" (the scoring standard) also says 评分: a score column names a score, not how to give one.
    scoring = [c for c, k in keys.items() if k and not any(w in k for w in _NOT_SCORE)]
    score = next((c for word in _SCORE for c in scoring if word in keys[c]), None)
    if not levels or score is None:
        return None
    order = "一二三四五"
    names = tuple(c for _, c in sorted(levels, key=lambda lc: order.index(lc[0])))
    weights = tuple(c + 1 if keys.get(c + 1) in _WEIGHT else None for c in names)
    find = lambda words: next((c for c, k in keys.items() if k and any(w in k for w in words)), None)  # noqa: E731
    explanation = next((c for c, k in keys.items() if k in _EXPLANATION), None)
    labels = {c: clean(v) for c, v in enumerate(row.cells) if clean(v)}
    labels.update({w: f"{labels[n]}分值" for n, w in zip(names, weights) if w is not None})
    return Columns(row.number, names, weights, explanation, score, find(_REASON), find(_MEASURE), labels)


def locate(grid: Grid, rubric: Rubric) -> Layout:
    """Find every part of the table; what cannot be found is left None for the caller to report."""
    layout = Layout()
    rows = list(grid.rows)
    first_header = None
    current: Columns | None = None
    pending: list[Row] = []
    for i, row in enumerate(rows):
        filled = _filled(row)
        if not filled:
            continue
        first = label_key(filled[0][1])
        if current is not None and first in _TOTAL:
            layout.total = _total(row, current, rubric)
            continue
        if first in _GRADE:
            layout.grade = _grade(row, rubric, layout)
            continue
        columns = _header_columns(row)
        if columns is not None:
            if current is not None:
                layout.blocks.append(Block(current, tuple(pending)))
                layout.repeated_headers.append(row.number)
            elif first_header is None:
                first_header = i
            current, pending = columns, []
            continue
        if current is not None and layout.total is None:
            pending.append(row)
        elif current is not None:
            layout.trailing.append(row)  # after the total: checked for stray indicator rows
    if current is not None:
        layout.blocks.append(Block(current, tuple(pending)))
    before = rows[: first_header if first_header is not None else len(rows)]
    _basic(before, layout)
    _budget(before, layout)
    return layout


def _next_value(row: Row, col: int, labels: set[str]) -> str:
    for c in range(col + 1, len(row.cells)):
        text = clean(row.cells[c])
        if text:
            return "" if label_key(text) in labels or label_key(text).startswith(_UNITS) else text
    return ""


def _basic(rows: list[Row], layout: Layout) -> None:
    labels = _DEPARTMENT | _GOALS | _COMPLETIONS | _UNMET
    for row in rows:
        for col, text in _filled(row):
            k = label_key(text)
            if (
                layout.title is None
                and (text.lstrip().startswith("#") or "自评" in text)
                and col == 0
                and len(_filled(row)) == 1
            ):
                layout.title = clean(text).lstrip("#").strip()
            if k in _DEPARTMENT and layout.department is None:
                value = _next_value(row, col, labels)
                if value:
                    layout.department = Located(value, row.number)
            elif k.startswith(_UNITS) and layout.units is None:
                _units(row, col, text, layout)
            elif k in _GOALS and layout.goals is None:
                layout.goals = Located(split_numbered(_next_value(row, col, labels)), row.number)
            elif k in _COMPLETIONS and layout.completions is None:
                layout.completions = Located(split_numbered(_next_value(row, col, labels)), row.number)
            elif k in _UNMET and layout.unmet is None:
                layout.unmet = Located(split_numbered(_next_value(row, col, labels)), row.number)
    if layout.title:
        found = _YEAR.search(layout.title)
        if found:
            layout.year = Located(int(found.group(1)), None)
        if layout.department is None:
            name = _TITLE_TAIL.sub("", re.sub(r"^\s*(?:19|20)\d{2}\s*年度?", "", layout.title)).strip()
            if name:
                layout.department = Located(name, None, ("部门名称取自表格标题",))


def _units(row: Row, col: int, text: str, layout: Layout) -> None:
    inline = re.search(r"(\d+)", text)
    raw = inline.group(1) if inline else _next_value(row, col, set())
    value, _ = parse_number(raw)
    if value is not None and value == value.to_integral_value() and value >= 0:
        layout.units = Located(int(value), row.number)
    elif raw:
        layout.units = Located(None, row.number, (f"单位数“{shown(raw)}”不是整数，未导入",))


def _budget(rows: list[Row], layout: Layout) -> None:
    """The budget block: the total under its label and, right of it, each component under its name (and group)."""
    start = next((i for i, r in enumerate(rows) if any(label_key(v).startswith(_BUDGET) for _, v in _filled(r))), None)
    if start is None:
        return
    total_at = _total_label(rows, start)
    if total_at is None:
        return
    label_index, total_col = total_at
    value_index = next(
        (i for i in range(label_index + 1, len(rows)) if parse_number(rows[i].cell(total_col))[0] is not None), None
    )
    if value_index is None:
        layout.problems.append(
            Problem("", "总预算", "“总预算”下方没有金额（应为数字，单位万元）", rows[label_index].number)
        )
        return
    values = rows[value_index]
    notes: list[str] = []
    total, grouped = parse_number(values.cell(total_col))
    if grouped:
        notes.append(f"总预算“{clean(values.cell(total_col))}”含千位分隔符，按 {total} 读取")
    groups = _components(rows, start, label_index, value_index, total_col, layout, notes)
    if not groups:
        layout.problems.append(Problem("", "预算", "总预算之外没有任何预算构成（如基本支出、项目支出）", values.number))
        return
    main = next((g for g in groups if any(w in key(g) for w in _BUDGET_MAIN_GROUP)), next(iter(groups)))
    details = {n: v for g, items in groups.items() if g != main for n, v in items.items()}
    if len(groups) > 1:
        notes.append(
            f"“{main}”下各项作为预算构成（应合计等于总预算），其余（{'、'.join(g for g in groups if g != main)}）仅列示"
        )
    layout.budget = Located(
        {"total": total, "components": groups[main], "details": details}, values.number, tuple(notes)
    )


def _total_label(rows: list[Row], start: int) -> tuple[int, int] | None:
    """(row index, column) of the first "总预算" label from the budget block's start on."""
    for i in range(start, len(rows)):
        col = next((c for c, v in _filled(rows[i]) if label_key(v).startswith(_BUDGET_TOTAL)), None)
        if col is not None:
            return i, col
    return None


def _components(
    rows: list[Row],
    start: int,
    label_index: int,
    value_index: int,
    total_col: int,
    layout: Layout,
    notes: list[str],
) -> dict[str, dict[str, Decimal]]:
    """Each amount right of the total, by group and name, named from the rows between the block's start and the
    amounts; a cell that is no amount, or has no name above it, is a problem."""
    values = rows[value_index]
    groups: dict[str, dict[str, Decimal]] = {}
    for col, text in _filled(values):
        if col <= total_col:
            continue
        amount, grouped = parse_number(text)
        leaf_row = next((i for i in range(value_index - 1, start - 1, -1) if clean(rows[i].cell(col))), None)
        if amount is None:
            layout.problems.append(
                Problem("", "预算", f"第 {col + 1} 列“{shown(text)}”应为金额（万元）", values.number)
            )
            continue
        if leaf_row is None or leaf_row <= label_index - 1:
            layout.problems.append(
                Problem("", "预算", f"第 {col + 1} 列金额 {text} 上方没有预算科目名称", values.number)
            )
            continue
        if grouped:
            notes.append(f"{clean(rows[leaf_row].cell(col))}“{clean(text)}”含千位分隔符，按 {amount} 读取")
        group = _group_above(rows, leaf_row, col, total_col, label_index)
        name = clean(rows[leaf_row].cell(col))
        groups.setdefault(group, {})
        if name in groups[group]:
            name = f"{group}-{name}"
        groups[group][name] = amount
    return groups


def _group_above(rows: list[Row], leaf_row: int, col: int, total_col: int, label_index: int) -> str:
    """The grouping label over a budget column: the nearest label at or left of it in the row above."""
    if leaf_row - 1 <= label_index:
        return ""
    above = rows[leaf_row - 1]
    for c in range(col, total_col, -1):
        if clean(above.cell(c)):
            return clean(above.cell(c))
    return ""


def _total(row: Row, columns: Columns, rubric: Rubric) -> Located[Decimal | None]:
    full = rubric.declaration.total_weight
    weight_cols = {c for c in columns.weights if c is not None}
    found: list[tuple[int, Decimal]] = []
    for col, text in _filled(row)[1:]:
        value, _ = parse_number(text)
        if value is None:
            continue
        if col in weight_cols and value == full:
            continue  # the printed maximum (100), not the score
        found.append((col, value))
    if not found:
        return Located(None, row.number, ("总分行没有得分数字，未导入总分",))
    col, value = min(found, key=lambda cv: (abs(cv[0] - (columns.score or 0)), cv[0]))
    notes = []
    if col != columns.score:
        side = "左" if columns.score is not None and col < columns.score else "右"
        gap = abs(col - (columns.score or 0))
        notes.append(
            f"总分 {clean(row.cell(col))} 位于得分列{side}侧 {gap} 列（“{columns.label(col)}”列），按填报总分读取"
        )
    if len(found) > 1:
        others = "、".join(clean(row.cell(c)) for c, _ in found if c != col)
        notes.append(f"总分行另有数字 {others}，取最靠近得分列者")
    return Located(value, row.number, tuple(notes))


def _grade(row: Row, rubric: Rubric, layout: Layout) -> Located[str | None]:
    text = " ".join(clean(v) for _, v in _filled(row)[1:])
    names = [g.grade for g in rubric.declaration.grades]
    marks = {}
    for name in names:
        found = re.search(rf"([{_TICKED}{_UNTICKED}])\s*{re.escape(name)}", text)
        if found:
            marks[name] = found.group(1) in _TICKED
    ticked = [n for n, on in marks.items() if on]
    if len(ticked) == 1:
        return Located(ticked[0], row.number, (f"评价等级按勾选标记“√{ticked[0]}”读取",) if len(marks) > 1 else ())
    if len(ticked) > 1:
        layout.problems.append(
            Problem("", "评价等级", f"勾选了多个等级（{'、'.join(ticked)}），应只勾选一个", row.number)
        )
        return Located(None, row.number)
    plain = [n for n in names if key(text) == key(n)]
    if plain:
        return Located(plain[0], row.number)
    return Located(None, row.number, ("评价等级未勾选，未导入等级",))
