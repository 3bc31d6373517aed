"""Rebuilding the indicator tree from the flattened rows: name matching first, then position and
weight arithmetic where names are missing or misplaced. Every repair is kept; a row that cannot be
placed is an error naming the row, never dropped.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from toolkit.core.numbers import ZERO, fmt
from toolkit.core.problems import Problem
from toolkit.core.rubric import Indicator, Node, Rubric
from toolkit.importer.layout import Columns, Layout
from toolkit.importer.sources import Row
from toolkit.importer.text import clean, key, label_key, parse_number, shown

_SUBTOTAL = {"小计", "合计"}
_FUZZY = 0.75  # similarity (difflib ratio of matching keys) above which a differently written name is accepted


@dataclass(frozen=True, slots=True)
class Repair:
    """What the importer found in the table and what it decided, at a source row."""

    row: int | None
    message: str
    indicator: str | None = None

    def __str__(self) -> str:
        return f"第 {self.row} 行：{self.message}" if self.row is not None else self.message


@dataclass(frozen=True, slots=True)
class Entry:
    """One indicator as read from the table."""

    indicator: Indicator
    row: int
    page: int  # 0 for the first header block, 1 after the first page break…
    position: int  # data row within its page, from 1
    score: Decimal
    reason: str | None
    measure: str | None
    notes: tuple[str, ...]


@dataclass
class _Context:
    """A group cell in force (printed in this row or filled down from an earlier one)."""

    text: str
    node: Node | None
    row: int


@dataclass
class _Reading:
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
class Tree:
    entries: list[Entry]
    repairs: list[Repair]
    problems: list[Problem]


class _Index:
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
                self.leaves.setdefault(key(name), ind)  # type: ignore[arg-type]
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


def rebuild(layout: Layout, rubric: Rubric, file: str) -> Tree:
    """Read every indicator row of every page into an Entry, with repairs and problems."""
    index = _Index(rubric)
    tree = Tree([], [], [])
    readings: list[_Reading] = []
    depth = rubric.depth
    context: list[_Context | None] = [None] * (depth - 1)
    for page, block in enumerate(layout.blocks):
        filled_rows: list[int] = []
        for position, row in enumerate((r for r in block.rows if any(clean(c) for c in r.cells)), start=1):
            reading = _read(row, block.columns, index, page, position, context, tree, file)
            if reading is None:
                continue
            readings.append(reading)
            if reading.filled:
                filled_rows.append(row.number)
        if filled_rows:
            tree.repairs.append(
                Repair(None, f"第 {_ranges(filled_rows)} 行：上级指标单元格为空（合并单元格），已按上方内容向下填充")
            )
    for row in layout.trailing:
        names = [clean(v) for v in row.cells if label_key(v, 80) in index.leaves]
        if names:
            tree.problems.append(Problem(file, "", f"指标“{names[0]}”位于总分行之后，应在指标表内", row.number))
    _place_unnamed(readings, index, tree, file)
    strangers = sum(1 for r in readings if r.indicator is None and r.name)
    if readings and strangers * 2 >= len(readings):
        tree.problems.append(
            Problem(
                file,
                "",
                f"表中多数指标（{strangers}/{len(readings)}）不在评价指标体系 {index.rubric.id} 中，"
                "请用 --rubric 指定此表所用的指标体系",
            )
        )
    _check_groups(readings, index, tree)
    _check_weights(readings, index, tree, file)
    tree.entries = _entries(readings, index, tree, file)
    missing = [ind for ind in rubric.indicators if ind.id not in {e.indicator.id for e in tree.entries}]
    for ind in missing:
        tree.repairs.append(
            Repair(
                None,
                f"原表未列出指标“{ind.label}”（分值 {fmt(ind.weight)}），记录中缺少此项，评分时将按 0 分计并报告",
                ind.id,
            )
        )
    return tree


def _ranges(numbers: list[int]) -> str:
    spans: list[list[int]] = []
    for n in numbers:
        if spans and n - spans[-1][1] <= 2:  # a blank line in between does not break a run
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return "、".join(f"{a}–{b}" if a != b else str(a) for a, b in spans)


def _read(
    row: Row,
    cols: Columns,
    index: _Index,
    page: int,
    position: int,
    context: list[_Context | None],
    tree: Tree,
    file: str,
) -> _Reading | None:
    reading = _Reading(row, page, position)
    cells = [(c, clean(v)) for c, v in enumerate(row.cells) if clean(v)]
    if any(label_key(v) in _SUBTOTAL for _, v in cells):
        tree.repairs.append(
            Repair(row.number, f"小计行（{'、'.join(shown(v, 12) for _, v in cells)}），不是指标，已略去")
        )
        return None
    # A table may print more levels than the rubric has: the rubric's depth decides which column names leaves.
    depth = min(index.depth, len(cols.names))
    leaf_col = cols.names[depth - 1]
    group_cols = cols.names[: depth - 1]
    name_here = clean(row.cell(leaf_col))
    found = index.leaves.get(key(name_here)) if name_here else None
    elsewhere = [
        (c, v)
        for c, v in cells
        if c != leaf_col and label_key(v, 80) in index.leaves and label_key(v, 80) not in index.groups
    ]
    if found is None and len(elsewhere) == 1:
        _read_shifted(reading, cols, elsewhere[0][0], cells, index)
    else:
        reading.name = name_here
        reading.name_col = cols.label(leaf_col)
        reading.indicator = found
        wcol = cols.weights[depth - 1]
        reading.weight_text = clean(row.cell(wcol))
        reading.weight = parse_number(reading.weight_text)[0]
        reading.explanation = clean(row.cell(cols.explanation))
        reading.score_text = clean(row.cell(cols.score))
        reading.score_col = cols.label(cols.score) if cols.score is not None else "得分"
        reading.reason = clean(row.cell(cols.reason))
        reading.measure = clean(row.cell(cols.measure))
        _update_context(reading, cols, group_cols, index, context, tree, file)
    reading.context = tuple(context)
    reading.filled = any(ctx is not None and ctx.row != row.number for ctx in context)
    has_leaf = bool(reading.name or reading.weight_text or reading.score_text or reading.explanation)
    if not has_leaf:
        group_only = any(clean(row.cell(c)) for c in group_cols)
        if group_only:
            return None  # a row naming groups only: the context above was updated
        tree.problems.append(
            Problem(
                file,
                "",
                f"无法识别此行：既无指标名称，也无分值和得分（内容：{'、'.join(shown(v, 12) for _, v in cells)}）",
                row.number,
            )
        )
        return None
    return reading


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


def _read_shifted(reading: _Reading, cols: Columns, name_col: int, cells: list[tuple[int, str]], index: _Index) -> None:
    """A row whose cells slid into the wrong columns: after the name, the cells still come in the
    table's order (weight, explanation, score, reason, measure), so each goes to the next slot of its kind."""
    reading.name = clean(reading.row.cell(name_col))
    reading.indicator = index.leaves[key(reading.name)]
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


def _update_context(
    reading: _Reading,
    cols: Columns,
    group_cols: tuple[int, ...],
    index: _Index,
    context: list[_Context | None],
    tree: Tree,
    file: str,
) -> None:
    row = reading.row
    for level, col in enumerate(group_cols):
        text = clean(row.cell(col))
        if not text:
            continue
        node = index.groups.get(key(text))
        if node is None:
            tree.repairs.append(
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
        if node is not None and printed is not None and printed != node.weight:
            parts = " + ".join(fmt(c.weight) for c in node.children)
            tree.problems.append(
                Problem(
                    file,
                    cols.label(wcol),
                    f"“{node.label}”分值 {fmt(printed)}，评价指标体系 {index.rubric.id} 中为 "
                    f"{fmt(node.weight)}（= {parts}），分值无法相加",
                    row.number,
                )
            )


def _place_unnamed(readings: list[_Reading], index: _Index, tree: Tree, file: str) -> None:
    """Rows without a known name: by explanation, by a close name, else by position and weight."""
    used = {r.indicator.id for r in readings if r.indicator is not None}
    for i, reading in enumerate(readings):
        if reading.indicator is not None:
            continue
        by_text = index.explanations.get(key(reading.explanation)) if reading.explanation else None
        # An explanation in the name column: the name cell was lost and the row slid left.
        by_name_cell = index.explanations.get(key(reading.name)) if reading.name else None
        if by_text is not None and by_text.id not in used and not reading.name:
            reading.indicator = by_text
            reading.notes.append(f"此行无指标名称，按指标解释“{shown(reading.explanation, 16)}”归入“{by_text.label}”")
        elif by_name_cell is not None and by_name_cell.id not in used:
            reading.indicator = by_name_cell
            reading.notes.append(
                f"名称列写的是指标解释“{shown(reading.name, 16)}”，无指标名称；按解释归入“{by_name_cell.label}”"
            )
        elif reading.name:
            _place_by_similar_name(reading, index, used, tree, file)
        else:
            _place_by_position(readings, i, index, used, tree, file)
        if reading.indicator is not None:
            used.add(reading.indicator.id)


def _place_by_similar_name(reading: _Reading, index: _Index, used: set[str], tree: Tree, file: str) -> None:
    wanted = key(reading.name)
    scored = sorted(
        (
            (difflib.SequenceMatcher(None, wanted, key(ind.node.name or ind.id)).ratio(), ind)
            for ind in index.rubric.indicators
            if ind.id not in used
            and not ind.node.placeholder
            and (reading.weight is None or ind.weight == reading.weight)
        ),
        key=lambda pair: -pair[0],
    )
    if scored and scored[0][0] >= _FUZZY and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        ratio, ind = scored[0]
        reading.indicator = ind
        reading.notes.append(
            f"名称“{shown(reading.name)}”与指标体系中的“{ind.label}”写法不同（相似度 {ratio:.2f}），按后者导入"
        )
        return
    hint = f"；最接近的是“{scored[0][1].label}”（相似度 {scored[0][0]:.2f}）" if scored and scored[0][0] >= 0.5 else ""
    tree.problems.append(
        Problem(
            file,
            reading.name_col,
            f"指标“{shown(reading.name)}”不在评价指标体系 {index.rubric.id} 中{hint}",
            reading.row.number,
        )
    )


def _place_by_position(readings: list[_Reading], i: int, index: _Index, used: set[str], tree: Tree, file: str) -> None:
    before = next((r.indicator for r in reversed(readings[:i]) if r.indicator is not None), None)
    after = next((r.indicator for r in readings[i + 1 :] if r.indicator is not None), None)
    low = index.order[before.id] if before else -1
    high = index.order[after.id] if after else len(index.order)
    reading = readings[i]
    between = [ind for ind in index.rubric.indicators[low + 1 : high] if ind.id not in used]
    fits = [ind for ind in between if reading.weight is None or ind.weight == reading.weight]
    has = [
        f"分值 {reading.weight_text}" if reading.weight_text else "",
        f"得分 {reading.score_text}" if reading.score_text else "",
        f"解释“{shown(reading.explanation, 16)}”（与指标体系中的解释均不符）" if reading.explanation else "",
    ]
    found = f"此行无指标名称{'与解释' if not reading.explanation else ''}，仅有{'、'.join(h for h in has if h)}"
    if len(fits) != 1:
        names = "、".join(f"“{ind.label}”{fmt(ind.weight)}" for ind in between) or "无"
        tree.problems.append(
            Problem(
                file,
                reading.name_col,
                f"{found}，无法确定对应指标（位置与分值相符的候选：{names}）",
                reading.row.number,
            )
        )
        return
    ind = fits[0]
    where = f"“{before.label if before else '表首'}”与“{after.label if after else '表尾'}”之间"
    what = f"指标体系中的未命名指标“{ind.id}”（原表未列名称，不补造名称）" if ind.node.placeholder else f"“{ind.label}”"
    reading.indicator = ind
    reading.notes.append(f"{found}；按位置（{where}）与分值 {fmt(ind.weight)} 归入{what}")


def _children(node: Node) -> str:
    return " + ".join(fmt(c.weight) if not c.children else f"{c.label} {fmt(c.weight)}" for c in node.children)


def _check_groups(readings: list[_Reading], index: _Index, tree: Tree) -> None:
    """Compare the printed (filled-down) groups with the rubric's, explaining by weight arithmetic."""
    assigned: dict[str, Decimal] = {}
    explained: dict[tuple[int, str], str] = {}  # (level, printed row) -> the group it was corrected to
    for reading in readings:
        ind = reading.indicator
        if ind is None:
            continue
        for level, ctx in enumerate(reading.context):
            if ctx is None or ctx.node is None or level >= len(ind.groups):
                continue
            expected = ind.groups[level]
            if ctx.node.id == expected.id:
                continue
            done = (level, f"{ctx.row}:{expected.id}")
            if done in explained:
                reading.notes.append(f"原表印在“{ctx.text}”之下，同上归入“{expected.label}”")
                continue
            explained[done] = expected.id
            have = assigned.get(ctx.node.id, ZERO)
            how = "（合并单元格向下填充）" if ctx.row != reading.row.number else ""
            if have >= ctx.node.weight:
                why = f"但{ctx.node.label} {fmt(ctx.node.weight)} = {_children(ctx.node)} 已满"
            else:
                why = f"但指标体系中“{ind.label}”属于“{expected.label}”（{ctx.node.label}尚余 {fmt(ctx.node.weight - have)} 分）"
            reading.notes.append(
                f"原表印在“{ctx.text}”之下{how}，{why}；按名称与分值归入“{expected.label}”"
                f"（{fmt(expected.weight)} = {_children(expected)}）"
            )
        for group in ind.groups:
            assigned[group.id] = assigned.get(group.id, ZERO) + ind.weight


def _check_weights(readings: list[_Reading], index: _Index, tree: Tree, file: str) -> None:
    printed: dict[str, Decimal] = {}
    for r in readings:
        if r.indicator is not None:
            printed[r.indicator.id] = r.weight if r.weight is not None else r.indicator.weight
    for r in readings:
        ind = r.indicator
        if ind is None or r.weight_text == "":
            continue
        if r.weight is None:
            tree.problems.append(
                Problem(file, "分值", f"“{ind.label}”分值应为数字，实际为“{shown(r.weight_text)}”", r.row.number)
            )
        elif r.weight != ind.weight:
            group = ind.groups[-1] if ind.groups else None
            tail = ""
            if group is not None:
                total = sum((printed.get(i, ZERO) for i in index.leaf_ids[group.id]), ZERO)
                tail = f"；{group.label} {fmt(group.weight)} 的各项按原表分值合计为 {fmt(total)}，分值无法相加"
            tree.problems.append(
                Problem(
                    file,
                    "分值",
                    f"“{ind.label}”分值 {fmt(r.weight)}，评价指标体系 {index.rubric.id} 中为 {fmt(ind.weight)}{tail}",
                    r.row.number,
                )
            )


def _entries(readings: list[_Reading], index: _Index, tree: Tree, file: str) -> list[Entry]:
    seen: dict[str, int] = {}
    entries: list[Entry] = []
    for r in readings:
        ind = r.indicator
        if ind is None:
            continue
        if ind.id in seen:
            tree.problems.append(
                Problem(file, "三级指标", f"指标“{ind.label}”重复出现（第 {seen[ind.id]} 行已有）", r.row.number)
            )
            continue
        seen[ind.id] = r.row.number
        score, _ = parse_number(r.score_text)
        if not r.score_text:
            tree.problems.append(
                Problem(file, r.score_col, f"“{ind.label}”没有得分（应为 0 至 {fmt(ind.weight)} 的数字）", r.row.number)
            )
            continue
        if score is None:
            tree.problems.append(
                Problem(file, r.score_col, f"“{ind.label}”的得分应为数字，实际为“{shown(r.score_text)}”", r.row.number)
            )
            continue
        if score < 0:
            tree.problems.append(
                Problem(
                    file,
                    r.score_col,
                    f"“{ind.label}”的得分 {r.score_text} 为负数，应在 0 至 {fmt(ind.weight)} 之间",
                    r.row.number,
                )
            )
            continue
        for note in r.notes:
            tree.repairs.append(
                Repair(r.row.number, f"“{ind.id if ind.node.placeholder else ind.label}”：{note}", ind.id)
            )
        entries.append(
            Entry(ind, r.row.number, r.page, r.position, score, r.reason or None, r.measure or None, tuple(r.notes))
        )
    entries.sort(key=lambda e: index.order[e.indicator.id])
    return entries
