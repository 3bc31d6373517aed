"""Reading a target-versus-actual form (the national form and its provincial variants) into records.

A file may hold several tables (a long document's page: the end of one project's table, then the next one):
it is split at each title line (…绩效自评表), and each part holding an indicator header is one table. A table
gives its header (项目名称 or 部门, 主管部门, 实施单位; the year from the title or the line under it), its
budget execution block (toolkit.importer.target_budget), its goals and completions, its indicator rows
(toolkit.importer.target_rows), its 合计 / 总分 and its 评价结论 / 存在问题 / 改进措施. Everything is kept as
published (traditional characters, the form's instruction text, numbering in names); what was read in a way a
reviewer should know is a repair. Labels are matched in simplified characters (toolkit.importer.labels).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from toolkit.core.problems import Problem
from toolkit.importer.labels import label, simplified
from toolkit.importer.reading import Repair
from toolkit.importer.sources import Row
from toolkit.importer.target_budget import Budget, read_budget
from toolkit.importer.target_budget import header_columns as budget_columns
from toolkit.importer.target_rows import Rows, read_rows
from toolkit.importer.target_rows import header_columns as row_columns
from toolkit.importer.text import clean, parse_number, shown, split_numbered

_HEADER = {
    "项目名称": "name",
    "主管部门": "supervisor",
    "实施单位": "implementer",
    "实施单位盖章": "implementer",
    "项目实施单位": "implementer",
    "部门": "department",
    "部门名称": "department",
    "部门单位名称": "department",
    "预算部门单位名称": "department",
    "单位名称": "unit",
}
_GOALS = {"预期目标", "项目年度目标", "年度目标"}
_COMPLETIONS = {"实际完成情况", "年度目标完成情况", "目标完成情况"}
_TOTAL = {"合计", "总分", "总计"}
_EVALUATION = {
    "评价结论": "conclusion",
    "存在问题": "problems",
    "偏差大或目标未完成原因分析": "problems",
    "改进措施": "measures",
    "改进措施及结果应用方案": "measures",
}
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年度")
_CODE_PREFIX = re.compile(r"^(?=[0-9A-Za-z_]*[0-9])[0-9A-Za-z_]+\s*[-－—]\s*")
_SELF = {"本单位"}
_ITEM_END = ";；,，"


@dataclass
class Table:
    """One table of the file, read: the parts of its record, and what was repaired or is wrong."""

    first_row: int
    title: str | None = None
    year: int | None = None
    header: dict[str, str] = field(default_factory=dict)
    budget: Budget | None = None
    goals: list[str] = field(default_factory=list)
    completions: list[str] = field(default_factory=list)
    rows: Rows | None = None
    stated_total: Decimal | None = None
    total_is_weight: bool = False
    evaluation: dict[str, str] = field(default_factory=dict)
    repairs: list[Repair] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def headless(self) -> bool:
        """A fragment that starts below its own header (no title, no project or department, no budget)."""
        return self.title is None and not self.header and self.budget is None


def _is_title(row: Row) -> bool:
    filled = [clean(c) for c in row.cells if clean(c)]
    return len(filled) == 1 and "自评表" in simplified(filled[0]) and len(filled[0]) <= 80


def split_tables(rows: list[Row]) -> list[list[Row]]:
    """The file's rows cut at each title line; a part without an indicator header joins the next part."""
    parts: list[list[Row]] = [[]]
    for row in rows:
        if _is_title(row) and parts[-1]:
            parts.append([])
        parts[-1].append(row)
    merged: list[list[Row]] = []
    carry: list[Row] = []
    for part in parts:
        if any(row_columns(r) for r in part):
            merged.append(carry + part)
            carry = []
        else:
            carry += part
    if carry and merged:
        merged[-1] += carry
    return merged or [carry]


def read_tables(rows: list[Row], shown_file: str) -> list[Table]:
    """Every table of the file, each read on its own."""
    return [read_table(part, shown_file) for part in split_tables(rows)]


def read_table(rows: list[Row], shown_file: str) -> Table:
    """One table: header, budget, goals, indicator rows, total and evaluation."""
    table = Table(rows[0].number if rows else 0)
    i = 0
    while i < len(rows):
        row = rows[i]
        if _is_title(row) and table.title is None:
            _title(rows, i, table)
        elif (columns := row_columns(row)) is not None and table.rows is None:
            table.rows = read_rows(rows, i, columns, shown_file)
            table.repairs += table.rows.repairs
            table.problems += table.rows.problems
            i = table.rows.end
            continue
        elif (money := budget_columns(row)) is not None and table.budget is None:
            table.budget = read_budget(rows, i, money)
            table.repairs += table.budget.repairs
        else:
            _labelled(rows, i, table)
        i += 1
    return table


def _title(rows: list[Row], i: int, table: Table) -> None:
    table.title = next(clean(c) for c in rows[i].cells if clean(c))
    for text in (table.title, " ".join(rows[i + 1].cells) if i + 1 < len(rows) else ""):
        match = _YEAR.search(simplified(text))
        if match:
            table.year = int(match.group(1))
            if text is not table.title:
                table.repairs.append(Repair(rows[i + 1].number, f"年度取自标题下一行“{shown(clean(text))}”"))
            return


def _labelled(rows: list[Row], i: int, table: Table) -> None:
    """A line of label / value cells: the header fields, the goals, the total, the evaluation."""
    row = rows[i]
    for col, cell in enumerate(row.cells):
        text = clean(cell)
        name, value = _label_value(text, row, col)
        k = label(name)
        if k in _HEADER and value and _HEADER[k] not in table.header:
            table.header[_HEADER[k]] = value
        elif k in _EVALUATION and col == 0 and value:
            table.evaluation.setdefault(_EVALUATION[k], value)
        elif k in _TOTAL and col == 0:
            _total(row, table)
        elif k in _GOALS | _COMPLETIONS and i + 1 < len(rows):
            target = table.goals if k in _GOALS else table.completions
            if not target:
                target += _items(clean(rows[i + 1].cell(col)))


def _label_value(text: str, row: Row, col: int) -> tuple[str, str]:
    """A label cell and its value: the next filled cell to its right, or the text after a colon in the cell."""
    if ":" in text or "：" in text:
        head, _, tail = re.split(r"([:：])", text, maxsplit=1)
        if label(head) in _HEADER and tail.strip():
            return head, tail.strip()
    value = next((clean(c) for c in row.cells[col + 1 :] if clean(c)), "")
    return text, "" if label(value) in _HEADER else value


def _items(text: str) -> list[str]:
    """A goals or completions cell split at its numbering (1.…;2.…), each item without the separator."""
    return [item.rstrip(_ITEM_END).strip() for item in split_numbered(text)]


def _total(row: Row, table: Table) -> None:
    """合计 / 总分: the figure printed, and whether it stands in the weight column (a total of weights)."""
    for col, cell in enumerate(row.cells[1:], start=1):
        value, _ = parse_number(clean(cell))
        if value is not None:
            table.stated_total = value
            rows = table.rows
            table.total_is_weight = rows is not None and col == rows.weight_column and col != rows.score_column
            if table.total_is_weight:
                note = f"“{clean(row.cell(0))}”{clean(cell)} 印在分值（权重）栏：是各项分值之和，不是得分合计"
                table.repairs.append(Repair(row.number, note))
            return


def strip_code(text: str) -> tuple[str, bool]:
    """A name without the unit or project code printed before it (219-…, 51000021R000000019951-…)."""
    stripped = _CODE_PREFIX.sub("", text, count=1)
    return (stripped, True) if stripped and stripped != text else (text, False)


def is_self(text: str) -> bool:
    """实施单位 printed as 「本单位」 (the unit named above)."""
    return label(text) in _SELF
