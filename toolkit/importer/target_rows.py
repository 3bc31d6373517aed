"""The indicator rows of a target-versus-actual form: one row per printed line, in table order.

A header row (一级指标 / 二级指标 / 三级指标 with 年度指标值 / 指标值 and 实际完成值 / 完成值) announces the columns;
Hubei prints one per goal block (年度绩效目标1(40分)). Level names are filled down from merged cells (a new
level-1 name starts its level 2 afresh) and lose the weight printed into them (产出指标(50分) → 产出指标). A row
with no weight, score or actual (指标2:, ……, an empty row, the row a cut page stops in) is a placeholder: kept,
never scored. Where the form has no weight column (Hubei), the weights are inferred from the goal block's weight
and the scores, and every inferred weight says so. The rows end at the first line whose first column is not
blank (合计, 总分, 评价结论 …); a table that ends before such a line was cut short.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from toolkit.core.numbers import fmt
from toolkit.core.problems import Problem
from toolkit.importer.labels import columns
from toolkit.importer.reading import Repair
from toolkit.importer.sources import Row
from toolkit.importer.text import clean, parse_number, shown

_COLUMNS = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "name": ("三级指标",),
    "nature": ("指标性质",),
    "target": ("年度指标值", "指标值", "年初目标值", "目标值"),
    "unit": ("度量单位",),
    "actual": ("实际完成值", "完成值"),
    "weight": ("分值", "权重"),
    "score": ("得分",),
}
_REASON_WORDS = ("原因", "改进措施")
_PRINTED_WEIGHT = re.compile(r"\s*[（(]\s*([0-9]+(?:\.[0-9]+)?)\s*分?\s*[)）]\s*$")
_BLOCK_WEIGHT = re.compile(r"[（(]\s*([0-9]+(?:\.[0-9]+)?)\s*分\s*[)）]")
_BLANK = {"", "/", "／", "—", "——", "-", "－"}


def header_columns(row: Row) -> dict[str, int] | None:
    """The columns of an indicator header row, or None when the row is not one."""
    found = columns(row.cells, _COLUMNS, ("reason", lambda k: any(w in k for w in _REASON_WORDS)))
    needed = ("level1", "name", "target", "actual")
    return found if all(n in found for n in needed) else None


def level_name(text: str) -> tuple[str, Decimal | None]:
    """A level name as kept, and the weight printed into it (产出指标(50分) → 产出指标, 50)."""
    match = _PRINTED_WEIGHT.search(text)
    if match is None:
        return text, None
    return text[: match.start()].strip(), Decimal(match.group(1))


@dataclass
class Rows:
    """What the indicator section gave: the record's rows, where it ended, and what was repaired."""

    rows: list[dict[str, object]] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    weight_column: int | None = None
    score_column: int | None = None
    end: int = 0  # index of the first row after the section
    cut: bool = False  # the table ends inside the section
    last_row: int | None = None  # source row number of the last row read


@dataclass
class _State:
    columns: dict[str, int]
    level1: str = ""
    level2: str = ""
    block: Decimal | None = None  # the weight of a Hubei goal block
    block_rows: list[dict[str, object]] = field(default_factory=list)
    block_row: int = 0


def read_rows(rows: list[Row], start: int, columns: dict[str, int], shown_file: str) -> Rows:
    """The rows under the header rows[start], across goal blocks, up to the first closing line."""
    out = Rows(weight_column=columns.get("weight"), score_column=columns.get("score"))
    state = _begin(rows[start], columns, out)
    i = start + 1
    while i < len(rows):
        row = rows[i]
        if not any(clean(c) for c in row.cells):
            i += 1
            continue
        again = header_columns(row)
        if again is not None:
            _close_block(state, out, shown_file)
            state = _begin(row, again, out)
        elif clean(row.cell(0)):
            break
        else:
            _read_row(row, state, out)
            out.last_row = row.number
        i += 1
    _close_block(state, out, shown_file)
    out.end, out.cut = i, i >= len(rows)
    return out


def _begin(header: Row, columns: dict[str, int], out: Rows) -> _State:
    match = _BLOCK_WEIGHT.search(clean(header.cell(0))) if "weight" not in columns else None
    block = Decimal(match.group(1)) if match else None
    if block is not None:
        out.repairs.append(Repair(header.number, f"“{shown(clean(header.cell(0)))}”：目标块分值 {fmt(block)}"))
    return _State(columns, block=block, block_row=header.number)


def _cell(row: Row, columns: dict[str, int], name: str) -> str:
    text = clean(row.cell(columns.get(name)))
    return "" if text in _BLANK and name != "nature" else text


def _levels(row: Row, state: _State, out: Rows) -> tuple[str, ...]:
    """The level names in force on this row, filled down from merged cells, printed weights removed."""
    first, second = _cell(row, state.columns, "level1"), _cell(row, state.columns, "level2")
    if first:
        state.level1, weight = level_name(first)
        state.level2 = ""
        if weight is not None:
            out.repairs.append(Repair(row.number, f"一级指标“{first}”记为“{state.level1}”（名称中的分值已略去）"))
    if second:
        state.level2, weight = level_name(second)
        if weight is not None:
            out.repairs.append(Repair(row.number, f"二级指标“{second}”记为“{state.level2}”（名称中的分值已略去）"))
    return tuple(x for x in (state.level1, state.level2) if x)


def _number(row: Row, columns: dict[str, int], name: str, out: Rows) -> Decimal | None:
    text = _cell(row, columns, name)
    if not text:
        return None
    value, _ = parse_number(text)
    if value is None:
        out.problems.append(
            Problem(
                "",
                name,
                f"第 {row.number} 行的{'分值' if name == 'weight' else '得分'}“{shown(text)}”不是数字",
                row.number,
            )
        )
    return value


def _read_row(row: Row, state: _State, out: Rows) -> None:
    item: dict[str, object] = {"path": list(_levels(row, state, out))}
    for name in ("name", "nature", "target", "unit", "actual"):
        if text := _cell(row, state.columns, name):
            item[name] = text
    for name, key in (("weight", "weight"), ("score", "self_score")):
        if (value := _number(row, state.columns, name, out)) is not None:
            item[key] = value
    if reason := _cell(row, state.columns, "reason"):
        item["reason"] = reason
    item["source"] = f"原表第 {row.number} 行"
    if not any(k in item for k in ("weight", "self_score", "actual")):
        item["placeholder"] = True
        what = f"“{item['name']}”" if "name" in item else "（未填写三级指标）"
        out.repairs.append(Repair(row.number, f"指标行{what}没有分值、得分和完成值：记为占位行，不计分"))
    out.rows.append(item)
    state.block_rows.append(item)


def _close_block(state: _State, out: Rows, shown_file: str) -> None:
    """Hubei: the weights of a goal block's rows, inferred from the block's weight and the scores."""
    rows, state.block_rows = state.block_rows, []
    block = state.block
    if block is None:
        return
    scores = [(r, _score(r)) for r in rows if not r.get("placeholder")]
    whole = [(r, s) for r, s in scores if s is not None and s == s.to_integral_value()]
    rest = [r for r, s in scores if s is None or s != s.to_integral_value()]
    taken = sum((s for _, s in whole), Decimal(0))
    if len(rest) > 1 or (not rest and taken != block) or taken > block:
        message = f"目标块（第 {state.block_row} 行，{fmt(block)} 分）没有分值栏，无法由得分推定各指标分值"
        out.problems.append(Problem(shown_file, "分值", message, state.block_row))
        return
    for r, s in whole:
        r["weight"] = s
        _note(r, f"分值 {fmt(s)} 为推定（原表无分值栏；按得分为满分推定）")
    for r in rest:
        r["weight"] = block - taken
        _note(r, f"分值 {fmt(block - taken)} 为推定（目标块 {fmt(block)} 分减去其余各行推定的分值）")


def _score(item: dict[str, object]) -> Decimal | None:
    value = item.get("self_score")
    return value if isinstance(value, Decimal) else None


def _note(item: dict[str, object], note: str) -> None:
    item["source"] = f"{item['source']}；{note}"
