"""The indicator tree of one score sheet, read off its rows, and every place where its weights do not add up.

A non-blank level cell starts a node at that level; a blank one continues the node above it (merged cells
are a value followed by blanks). A node's weight is its weight column where the sheet has one, else the
weight printed into its name (`投入（15分）`, `(特性指标70分)`, `(20)`); a name that is nothing but a weight
leaves the node unnamed. A leaf named as department-specific (部门特性指标) with no weight of its own, alone
under its group, makes that group open: the department brings the indicators below it. Rows of one cell in
the first column at the end of a sheet (单位名称, 填报单位) are captions, not indicators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from toolkit.core.numbers import ZERO, fmt
from toolkit.importer.sheet_header import Columns, level_name
from toolkit.importer.sources import Row
from toolkit.importer.text import clean, key, parse_number

# 部门决策(25分), 投入（15分）, (特性指标70分), (20): the weight printed into a name, and what stands beside it.
_PRINTED = re.compile(r"^(?P<name>.*?)\s*[（(]\s*(?P<inner>[^()（）]*?)\s*(?P<n>\d+(?:\.\d+)?)\s*分?\s*[)）]\s*$")
_OPEN = re.compile(r"(?:部门|单位|项目)?(?:特性|个性|特色|自选|自定义?)指标")
_TOTAL = ("合计", "总分", "总计", "合计得分")
UNNAMED = "\0"  # stands in for the blank name cell of a row that has a weight
TOTAL = "总分"  # the level of a mismatch of the sheet as a whole
DEFAULT_TOTAL = Decimal(100)  # the scale every sheet of this family uses when it prints no total


@dataclass(eq=False)
class Draft:
    """A node while its sheet is read (mutable until the tree is complete, then turned into rubric nodes)."""

    row: int
    level: int
    name: str | None
    stated: Decimal | None
    printed: Decimal | None = None  # the weight in the name, when a weight column gave another one
    last_row: int = 0
    explanation: list[str] = field(default_factory=list)
    standard: list[str] = field(default_factory=list)
    scores: list[str] = field(default_factory=list)  # the 得分 cells of its rows (a score sheet filled in)
    reasons: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    children: list[Draft] = field(default_factory=list)
    open_from: Draft | None = None  # the department-specific row that made this group open

    @property
    def label(self) -> str:
        return self.name or "（未列名称）"

    @property
    def weight(self) -> Decimal | None:
        """The stated weight; a group that states none weighs what its children do."""
        if self.stated is not None or not self.children:
            return self.stated
        return sum((w for c in self.children if (w := c.weight) is not None), ZERO)


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A level whose weight is not the sum of its children (or is missing, or contradicts its name)."""

    row: int | None  # None: the sheet as a whole
    level: str  # 一级指标 … or 总分
    label: str
    stated: Decimal | None
    summed: Decimal | None
    parts: tuple[Decimal, ...] = ()
    note: str = ""

    @property
    def message(self) -> str:
        if self.summed is None:
            return self.note or "未标分值（表格可能不完整）"
        if self.level == TOTAL:
            parts = f"{' + '.join(fmt(p) for p in self.parts)} = " if len(self.parts) > 1 else ""
            told = "" if not self.note else f"（{self.note}）"
            return f"应为 {fmt(self.stated or ZERO)} 分{told}，一级指标合计 {parts}{fmt(self.summed)} 分"
        parts = f"（{' + '.join(fmt(p) for p in self.parts)}）" if len(self.parts) > 1 else ""
        told = "" if not self.note else f"；{self.note}"
        return f"标明 {fmt(self.stated or ZERO)} 分，下级合计 {fmt(self.summed)} 分{parts}{told}"


@dataclass(frozen=True, slots=True)
class Sheet:
    """What one score sheet holds: its tree, the total it states, and the rows it spans."""

    tree: tuple[Draft, ...]
    total: Decimal | None
    total_row: int | None
    first: int
    last: int


def split_weight(text: str) -> tuple[str | None, Decimal | None]:
    """ "部门决策(25分)" → ("部门决策", 25); "(特性指标70分)" → ("特性指标", 70); "(20)" → (None, 20)."""
    text = re.sub(r"\s+", " ", clean(text))
    match = _PRINTED.match(text)
    if match is None:
        return text or None, None
    name = match["name"].strip() or match["inner"].strip()
    return name or None, Decimal(match["n"])


def read_sheet(rows: tuple[Row, ...], columns: Columns) -> Sheet:
    """The tree of the rows below a header (up to the next header or the end)."""
    rows = _trimmed(rows, columns)
    roots: list[Draft] = []
    stack: list[Draft] = []
    for at, row in enumerate(rows):
        if _is_total(row):
            return _sheet(roots, rows[:at], row, columns)
        names = [row.cell(c).strip() for c in columns.levels]
        if not any(names) and stack and _weighed(row, len(names) - 1, columns):
            names[-1] = UNNAMED  # a row with a weight and no name: an indicator the sheet left unnamed
        if not any(names):
            if stack:
                _continue(stack[-1], row, columns)
            continue
        first = next(i for i, n in enumerate(names) if n)
        while stack and stack[-1].level >= first:
            stack.pop()
        for level in range(first, len(names)):
            if names[level]:
                draft = _start(row, level, names[level], columns)
                (stack[-1].children if stack else roots).append(draft)
                stack.append(draft)
        _continue(stack[-1], row, columns)
    return _sheet(roots, rows, None, columns)


def _sheet(roots: list[Draft], rows: tuple[Row, ...], total: Row | None, columns: Columns) -> Sheet:
    _open_groups(roots)
    stated = None if total is None else _total_of(total, columns)
    first = rows[0].number if rows else 0
    last = (total or rows[-1]).number if rows or total else 0
    return Sheet(tuple(roots), stated, None if total is None else total.number, first, last)


def _trimmed(rows: tuple[Row, ...], columns: Columns) -> tuple[Row, ...]:
    """Without the blank rows and the captions (one cell, in the first level column, no weight) at the end."""
    end = len(rows)
    while end and (_is_blank(rows[end - 1]) or _is_caption(rows[end - 1], columns)):
        end -= 1
    return rows[:end]


def _is_blank(row: Row) -> bool:
    return not any(c.strip() for c in row.cells)


def _is_caption(row: Row, columns: Columns) -> bool:
    filled = [i for i, c in enumerate(row.cells) if c.strip()]
    return filled == [columns.levels[0]] and split_weight(row.cells[filled[0]])[1] is None


def _is_total(row: Row) -> bool:
    first = next((c for c in row.cells if c.strip()), "")
    name, _ = split_weight(first)
    return key(name) in _TOTAL


def _total_of(row: Row, columns: Columns) -> Decimal | None:
    for col in sorted(columns.weights.values()):
        value, _ = parse_number(row.cell(col))
        if value is not None:
            return value
    return next((w for c in row.cells if (w := split_weight(c)[1]) is not None), None)


def _weighed(row: Row, level: int, columns: Columns) -> bool:
    col = columns.weights.get(level)
    return col is not None and parse_number(row.cell(col))[0] is not None


def _start(row: Row, level: int, text: str, columns: Columns) -> Draft:
    name, printed = (None, None) if text == UNNAMED else split_weight(text)
    col = columns.weights.get(level)
    given = parse_number(row.cell(col))[0] if col is not None else None
    conflict = printed if given is not None and printed is not None and printed != given else None
    return Draft(row.number, level, name, given if given is not None else printed, conflict, row.number)


def _continue(draft: Draft, row: Row, columns: Columns) -> None:
    """A row that belongs to `draft`: its explanation, standard, score and reason texts are added, its row is
    counted."""
    draft.last_row = row.number
    for col, texts in (
        (columns.explanation, draft.explanation),
        (columns.standard, draft.standard),
        (columns.score, draft.scores),
        (columns.reason, draft.reasons),
        (columns.measure, draft.measures),
    ):
        text = clean(row.cell(col)) if col is not None else ""
        if text:
            texts.append(text)


def _open_groups(drafts: list[Draft]) -> None:
    """A group whose only child is a department-specific row without weight becomes open (its rows are blank)."""
    for draft in drafts:
        only = draft.children[0] if len(draft.children) == 1 else None
        if only is not None and not only.children and only.stated is None and _OPEN.search(only.name or ""):
            draft.open_from, draft.children = only, []
        _open_groups(draft.children)


def mismatches(sheet: Sheet) -> list[Mismatch]:
    """Every level whose weight is missing, contradicts its name, or is not the sum of its children; then the total."""
    found = _level_mismatches(list(sheet.tree))
    parts = tuple(w for d in sheet.tree if (w := d.weight) is not None)
    summed = sum(parts, ZERO)
    expected = DEFAULT_TOTAL if sheet.total is None else sheet.total
    if summed != expected:
        note = "原表未标明总分，按 100 分" if sheet.total is None else ""
        found.append(Mismatch(sheet.total_row, TOTAL, "合计", expected, summed, parts, note))
    return found


def _level_mismatches(drafts: list[Draft]) -> list[Mismatch]:
    found: list[Mismatch] = []
    for d in drafts:
        where = (d.row, level_name(d.level), d.label)
        if d.printed is not None:
            note = f"分值列为 {fmt(d.stated or ZERO)} 分，名称中标明 {fmt(d.printed)} 分"
            found.append(Mismatch(*where, d.stated, None, (), note))
        if d.children:
            parts = tuple(w for c in d.children if (w := c.weight) is not None)
            summed = sum(parts, ZERO)
            if d.stated is not None and summed != d.stated:
                found.append(Mismatch(*where, d.stated, summed, parts))
            found += _level_mismatches(d.children)
        elif d.stated is None:
            found.append(Mismatch(*where, None, None))
    return found
