"""The budget execution block of a target-versus-actual form (预算执行), as printed.

Its header row names the columns: 年初预算数 / 年初预算, 全年预算数 / 调整后预算数 (Hubei: 预算数(A), the adjusted
budget as its note says), 全年执行数 / 预算执行数 / 执行数(B), 分值 / 权重, 执行率, 得分 and, in Sichuan, 原因. The
rows below it, while the first column is blank (a merged cell), are the total row (年度资金总额 / 总额) and its
components (其中:本年财政拨款 …). `/`, `—` and blank cells are figures the table leaves blank; the rate is kept
as printed, in percent; the component labels are kept without 「其中:」.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from toolkit.importer.labels import columns, label
from toolkit.importer.reading import Repair
from toolkit.importer.sources import Row
from toolkit.importer.text import clean, parse_number, shown

_COLUMNS = {
    "initial": ("年初预算数", "年初预算"),
    "adjusted": ("全年预算数", "调整后预算数", "预算数"),
    "executed": ("全年执行数", "预算执行数", "执行数"),
    "weight": ("分值", "权重"),
    "rate": ("执行率", "预算执行率"),
    "reason": ("原因",),
}
_AMOUNTS = ("initial", "adjusted", "executed")
_BLANK = {"", "/", "／", "—", "——", "-", "－", "–"}
_OF_WHICH = re.compile(r"^\s*其中\s*[:：]\s*")
_TOTAL = ("总额",)


@dataclass
class Budget:
    """The execution block read: the record's `execution` mapping, and what was repaired to read it."""

    value: dict[str, object]
    row: int
    repairs: list[Repair] = field(default_factory=list)


def header_columns(row: Row) -> dict[str, int] | None:
    """The columns of a budget header row, or None when the row is not one (it needs two amount columns)."""
    found = columns(row.cells, _COLUMNS, ("score", lambda k: k.startswith("得分")))
    return found if sum(1 for a in _AMOUNTS if a in found) >= 2 else None


def _figure(row: Row, col: int | None, percent: bool = False) -> Decimal | str | None:
    """A figure as printed: a number, None when blank, or the text itself when it is no number."""
    text = clean(row.cell(col))
    if text in _BLANK:
        return None
    if percent:
        text = text.rstrip("%％")
    value, _ = parse_number(text)
    return value if value is not None else text


def _amounts(row: Row, columns: dict[str, int], repairs: list[Repair]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for name in _AMOUNTS:
        value = _figure(row, columns.get(name))
        if isinstance(value, str):
            repairs.append(Repair(row.number, f"预算栏“{shown(value)}”不是金额，按空白处理"))
        elif value is not None:
            out[name] = value
    return out


def read_budget(rows: list[Row], start: int, columns: dict[str, int]) -> Budget:
    """The block whose header is rows[start]: its total row, components, stated rate, score and reason."""
    label_col = max(0, min(columns[a] for a in _AMOUNTS if a in columns) - 1)
    budget = Budget({}, rows[start].number)
    components: dict[str, dict[str, Decimal]] = {}
    for row in rows[start + 1 :]:
        if (clean(row.cell(0)) and label_col > 0) or not clean(row.cell(label_col)):
            break
        text = clean(row.cell(label_col))
        if any(w in label(text) for w in _TOTAL) and "total" not in budget.value:
            budget.value["total"] = _amounts(row, columns, budget.repairs)
            _stated(row, columns, budget)
            continue
        name = _OF_WHICH.sub("", text).rstrip(":：")
        if name != text:
            budget.repairs.append(Repair(row.number, f"预算构成“{text}”记为“{name}”（去掉“其中:”）"))
        components[name] = _amounts(row, columns, budget.repairs)
    if "adjusted" in columns and label(rows[start].cell(columns["adjusted"])) == "预算数":
        note = "“预算数”按调整后预算数记录（表注：预算数为调整后财政资金）"
        budget.repairs.append(Repair(rows[start].number, note))
    budget.value["components"] = components
    return budget


def _stated(row: Row, columns: dict[str, int], budget: Budget) -> None:
    """The total row's 执行率 (percent, as printed), 得分 and 原因."""
    rate = _figure(row, columns.get("rate"), percent=True)
    score = _figure(row, columns.get("score"))
    for name, shown_as, value in (("stated_rate", "执行率", rate), ("stated_score", "得分", score)):
        if isinstance(value, Decimal):
            budget.value[name] = value
        elif isinstance(value, str):
            budget.repairs.append(Repair(row.number, f"预算执行的{shown_as}栏“{shown(value)}”不是数字，按空白处理"))
    reason = clean(row.cell(columns.get("reason")))
    if reason and reason not in _BLANK:
        budget.value["reason"] = reason
