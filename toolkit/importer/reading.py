"""Reading the indicator rows of a located table, one `Reading` per row: the leaf's cells from the header's
columns, the group cells in force (printed in the row or filled down from a merged cell above), and a row
whose cells slid into the wrong columns put back by the kind and order of its cells. Subtotal rows are left
out as repairs; a row that is neither an indicator nor a group is a problem naming it, never dropped. Which
indicator a row without a known name is, is left to placement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from toolkit.core.numbers import fmt
from toolkit.core.problems import Problem
from toolkit.core.rubric import Indicator, Node, Rubric
from toolkit.importer.layout import Columns, Layout
from toolkit.importer.sources import Row
from toolkit.importer.text import clean, key, label_key, parse_number, shown

_SUBTOTAL = {"小计", "合计"}
_SLOTS = (
    ("weight", True),
    ("explanation", False),
    ("score", True),
    ("reason", False),
    ("measure", False),
)  # (field, is a number)
_SLOT_WORDS = {
    "name": "名称",
    "weight": "分值",
    "explanation": "解释",
    "score": "得分",
    "reason": "未达标原因",
    "measure": "改进措施",
}


@dataclass(frozen=True, slots=True)
class Repair:
    """What the importer found in the table and what it decided, at a source row."""

    row: int | None
    message: str
    indicator: str | None = None

    def __str__(self) -> str:
        return f"第 {self.row} 行：{self.message}" if self.row is not None else self.message


@dataclass
class _Context:
    """A group cell in force (printed in this row or filled down from an earlier one)."""

    text: str
    node: Node | None
    row: int


@dataclass
class Reading:
    """One indicator row as read, before its indicator is settled and its weights are checked."""

    row: Row
    page: int
    position: int
    name: str = ""
    weight: Decimal | None = None
    weight_text: str = ""
    explanation: str = ""
    score_text: str = ""
    score_col: str = "得分"
    name_col: str = "三级指标"
    reason: str = ""
    measure: str = ""
    context: tuple[_Context | None, ...] = ()
    filled: bool = False  # some group cell of this row came from a row above
    indicator: Indicator | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Rows:
    """The indicator rows of a table in table order, with the repairs made and the problems found reading them."""

    readings: list[Reading] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class Index:
    """The rubric's names as matching keys."""

    def __init__(self, rubric: Rubric):
        self.rubric = rubric
        self.leaves: dict[str, Indicator] = {}
        self.explanations: dict[str, Indicator] = {}
        for ind in rubric.indicators:
            if ind.node.explanation:
                self.explanations.setdefault(key(ind.node.explanation), ind)
            if ind.node.placeholder:
                continue  # an unnamed indicator is never matched by a name
            for name in {ind.node.name, ind.id} - {None}:
                self.leaves.setdefault(key(name), ind)
        self.groups: dict[str, Node] = {}
        self.order = {ind.id: i for i, ind in enumerate(rubric.indicators)}
        self.depth = rubric.depth
        self.leaf_ids: dict[str, tuple[str, ...]] = {}

        def walk(nodes: tuple[Node, ...]) -> list[str]:
            ids: list[str] = []
            for node in nodes:
                if node.children:
                    self.groups.setdefault(key(node.name or node.id), node)
                    below = walk(node.children)
                    self.leaf_ids[node.id] = tuple(below)
                    ids += below
                else:
                    ids.append(node.id)
            return ids

        walk(rubric.tree)


def read_rows(layout: Layout, index: Index, file: str) -> Rows:
    """Every indicator row of every page, in table order; a row left out is a repair or a problem."""
    out = Rows()
    context: list[_Context | None] = [None] * (index.depth - 1)
    for page, block in enumerate(layout.blocks):
        filled_rows: list[int] = []
        for position, row in enumerate((r for r in block.rows if any(clean(c) for c in r.cells)), start=1):
            reading = _read(Reading(row, page, position), block.columns, index, context, out, file)
            if reading is None:
                continue
            out.readings.append(reading)
            if reading.filled:
                filled_rows.append(row.number)
        if filled_rows:
            out.repairs.append(
                Repair(None, f"第 {_ranges(filled_rows)} 行：上级指标单元格为空（合并单元格），已按上方内容向下填充")
            )
    return out


def _ranges(numbers: list[int]) -> str:
    """Row numbers as runs ("14–21、25–40"), a gap of one blank line not breaking a run."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n - spans[-1][1] <= 2:  # a blank line in between does not break a run
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return "、".join(f"{a}–{b}" if a != b else str(a) for a, b in spans)


def _listed(cells: list[tuple[int, str]]) -> str:
    """A row's filled cells, shortened, for a message."""
    return "、".join(shown(v, 12) for _, v in cells)


def _read(
    reading: Reading,
    cols: Columns,
    index: Index,
    context: list[_Context | None],
    out: Rows,
    file: str,
) -> Reading | None:
    """The row's leaf cells and the groups in force; None for a subtotal, group-only or unreadable row."""
    row = reading.row
    cells = [(c, clean(v)) for c, v in enumerate(row.cells) if clean(v)]
    if any(label_key(v) in _SUBTOTAL for _, v in cells):
        out.repairs.append(Repair(row.number, f"小计行（{_listed(cells)}），不是指标，已略去"))
        return None
    # A table may print more levels than the rubric has: the rubric's depth decides which column names leaves.
    depth = min(index.depth, len(cols.names))
    group_cols = cols.names[: depth - 1]
    name_col = _shifted_name_col(row, cols.names[depth - 1], cells, index)
    if name_col is not None:
        _read_shifted(reading, cols, name_col, cells, index)
    else:
        _read_in_place(reading, cols, depth, index)
        _update_context(reading, cols, group_cols, index, context, out, file)
    reading.context = tuple(context)
    reading.filled = any(ctx is not None and ctx.row != row.number for ctx in context)
    if reading.name or reading.weight_text or reading.score_text or reading.explanation:
        return reading
    if any(clean(row.cell(c)) for c in group_cols):
        return None  # a row naming groups only: the context above was updated
    message = f"无法识别此行：既无指标名称，也无分值和得分（内容：{_listed(cells)}）"
    out.problems.append(Problem(file, "", message, row.number))
    return None


def _shifted_name_col(row: Row, leaf_col: int, cells: list[tuple[int, str]], index: Index) -> int | None:
    """The column a known indicator name slid to: only when the leaf column names none and one other cell does."""
    name_here = clean(row.cell(leaf_col))
    if name_here and key(name_here) in index.leaves:
        return None
    elsewhere = [
        c
        for c, v in cells
        if c != leaf_col and label_key(v, 80) in index.leaves and label_key(v, 80) not in index.groups
    ]
    return elsewhere[0] if len(elsewhere) == 1 else None


def _read_in_place(reading: Reading, cols: Columns, depth: int, index: Index) -> None:
    """The leaf's cells from the columns its header announces."""
    row = reading.row
    leaf_col = cols.names[depth - 1]
    reading.name = clean(row.cell(leaf_col))
    reading.name_col = cols.label(leaf_col)
    reading.indicator = index.leaves.get(key(reading.name)) if reading.name else None
    reading.weight_text = clean(row.cell(cols.weights[depth - 1]))
    reading.weight = parse_number(reading.weight_text)[0]
    reading.explanation = clean(row.cell(cols.explanation))
    reading.score_text = clean(row.cell(cols.score))
    reading.score_col = cols.label(cols.score) if cols.score is not None else "得分"
    reading.reason = clean(row.cell(cols.reason))
    reading.measure = clean(row.cell(cols.measure))


def _read_shifted(reading: Reading, cols: Columns, name_col: int, cells: list[tuple[int, str]], index: Index) -> None:
    """A row whose cells slid into the wrong columns: after the name, the cells still come in the
    table's order (weight, explanation, score, reason, measure), so each goes to the next slot of its kind."""
    reading.name = clean(reading.row.cell(name_col))
    reading.indicator = index.leaves[key(reading.name)]
    where, leftover = _fill_slots(reading, name_col, cells)
    reading.score_col = cols.label(where["score"]) if "score" in where else "得分"
    depth = min(index.depth, len(cols.names))
    proper = {
        "name": cols.names[depth - 1],
        "weight": cols.weights[depth - 1],
        "explanation": cols.explanation,
        "score": cols.score,
        "reason": cols.reason,
        "measure": cols.measure,
    }
    moved = [f"{_SLOT_WORDS[k]}在“{cols.label(c)}”列" for k, c in where.items() if proper.get(k) != c]
    reading.notes.append(f"此行错位：{'、'.join(moved)}，已按内容的种类与先后复原")
    if leftover:
        reading.notes.append(
            f"错位行中另有无法归位的内容：{'、'.join(f'“{shown(t, 16)}”' for t in leftover)}，未导入，请核对"
        )


def _fill_slots(reading: Reading, name_col: int, cells: list[tuple[int, str]]) -> tuple[dict[str, int], list[str]]:
    """Each cell right of the name into the next slot of its kind: the column each slot came from, and what fit none."""
    where = {"name": name_col}
    slot = 0
    leftover: list[str] = []
    for col, text in cells:
        if col <= name_col:
            continue
        number = parse_number(text)[0] is not None
        while slot < len(_SLOTS) and _SLOTS[slot][1] != number:
            slot += 1
        if slot == len(_SLOTS):
            leftover.append(text)
            continue
        field_name = _SLOTS[slot][0]
        where[field_name] = col
        if field_name == "weight":
            reading.weight, reading.weight_text = parse_number(text)[0], text
        elif field_name == "score":
            reading.score_text = text
        else:
            setattr(reading, field_name, text)
        slot += 1
    return where, leftover


def _update_context(
    reading: Reading,
    cols: Columns,
    group_cols: tuple[int, ...],
    index: Index,
    context: list[_Context | None],
    out: Rows,
    file: str,
) -> None:
    """The group cells printed in this row replace those in force at their level and clear the deeper ones."""
    row = reading.row
    for level, col in enumerate(group_cols):
        text = clean(row.cell(col))
        if not text:
            continue
        node = index.groups.get(key(text))
        if node is None:
            out.repairs.append(
                Repair(
                    row.number, f"{'一二三四五'[level]}级指标“{shown(text)}”不在评价指标体系中，下级指标按其名称归属"
                )
            )
        context[level] = _Context(text, node, row.number)
        for deeper in range(level + 1, len(context)):
            if deeper >= len(group_cols) or not clean(row.cell(group_cols[deeper])):
                context[deeper] = None
        wcol = cols.weights[level]
        printed = parse_number(row.cell(wcol))[0] if wcol is not None else None
        if node is not None and wcol is not None and printed is not None and printed != node.weight:
            parts = " + ".join(fmt(c.weight) for c in node.children)
            out.problems.append(
                Problem(
                    file,
                    cols.label(wcol),
                    f"“{node.label}”分值 {fmt(printed)}，评价指标体系 {index.rubric.id} 中为 "
                    f"{fmt(node.weight)}（= {parts}），分值无法相加",
                    row.number,
                )
            )
