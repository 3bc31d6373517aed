"""Settling what reading the rows left open, and checking the printed tree against the rubric's arithmetic.
A row without a known name is placed by its explanation, by a close name, else by its position and weight;
a row printed under a group it does not belong to is explained by the weights that group already holds.
Every decision is a note on its row; a row that cannot be placed is a problem naming it, never dropped.
"""

from __future__ import annotations

import difflib
from decimal import Decimal

from toolkit.core.numbers import ZERO, fmt
from toolkit.core.problems import Problem
from toolkit.core.rubric import Node
from toolkit.importer.reading import Index, Reading
from toolkit.importer.text import key, shown

_FUZZY = 0.75  # similarity (difflib ratio of matching keys) above which a differently written name is accepted


def place_unnamed(readings: list[Reading], index: Index, file: str) -> list[Problem]:
    """Rows without a known name: by explanation, by a close name, else by position and weight."""
    problems: list[Problem] = []
    used = {r.indicator.id for r in readings if r.indicator is not None}
    for i, reading in enumerate(readings):
        if reading.indicator is not None:
            continue
        by_text = index.explanations.get(key(reading.explanation)) if reading.explanation else None
        # An explanation in the name column: the name cell was lost and the row slid left.
        by_name_cell = index.explanations.get(key(reading.name)) if reading.name else None
        problem = None
        if by_text is not None and by_text.id not in used and not reading.name:
            reading.indicator = by_text
            reading.notes.append(f"此行无指标名称，按指标解释“{shown(reading.explanation, 16)}”归入“{by_text.label}”")
        elif by_name_cell is not None and by_name_cell.id not in used:
            reading.indicator = by_name_cell
            reading.notes.append(
                f"名称列写的是指标解释“{shown(reading.name, 16)}”，无指标名称；按解释归入“{by_name_cell.label}”"
            )
        elif reading.name:
            problem = _place_by_similar_name(reading, index, used, file)
        else:
            problem = _place_by_position(readings, i, index, used, file)
        if problem is not None:
            problems.append(problem)
        if reading.indicator is not None:
            used.add(reading.indicator.id)
    return problems


def _place_by_similar_name(reading: Reading, index: Index, used: set[str], file: str) -> Problem | None:
    """The one unused indicator of the same weight whose name is close enough; else the problem naming the row."""
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
        return None
    hint = f"；最接近的是“{scored[0][1].label}”（相似度 {scored[0][0]:.2f}）" if scored and scored[0][0] >= 0.5 else ""
    return Problem(
        file,
        reading.name_col,
        f"指标“{shown(reading.name)}”不在评价指标体系 {index.rubric.id} 中{hint}",
        reading.row.number,
    )


def _place_by_position(readings: list[Reading], i: int, index: Index, used: set[str], file: str) -> Problem | None:
    """The one unused indicator between the placed rows around it with the row's weight; else the problem."""
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
        return Problem(
            file,
            reading.name_col,
            f"{found}，无法确定对应指标（位置与分值相符的候选：{names}）",
            reading.row.number,
        )
    ind = fits[0]
    where = f"“{before.label if before else '表首'}”与“{after.label if after else '表尾'}”之间"
    what = f"指标体系中的未命名指标“{ind.id}”（原表未列名称，不补造名称）" if ind.node.placeholder else f"“{ind.label}”"
    reading.indicator = ind
    reading.notes.append(f"{found}；按位置（{where}）与分值 {fmt(ind.weight)} 归入{what}")
    return None


def _children(node: Node) -> str:
    """A group's weight as the sum of its children's, naming the subgroups."""
    return " + ".join(fmt(c.weight) if not c.children else f"{c.label} {fmt(c.weight)}" for c in node.children)


def check_groups(readings: list[Reading]) -> None:
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
                spare = fmt(ctx.node.weight - have)
                why = f"但指标体系中“{ind.label}”属于“{expected.label}”（{ctx.node.label}尚余 {spare} 分）"
            reading.notes.append(
                f"原表印在“{ctx.text}”之下{how}，{why}；按名称与分值归入“{expected.label}”"
                f"（{fmt(expected.weight)} = {_children(expected)}）"
            )
        for group in ind.groups:
            assigned[group.id] = assigned.get(group.id, ZERO) + ind.weight


def check_weights(readings: list[Reading], index: Index, file: str) -> list[Problem]:
    """A printed weight that is not a number, or differs from the rubric's, with what its group then adds up to."""
    problems: list[Problem] = []
    printed: dict[str, Decimal] = {}
    for r in readings:
        if r.indicator is not None:
            printed[r.indicator.id] = r.weight if r.weight is not None else r.indicator.weight
    for r in readings:
        ind = r.indicator
        if ind is None or r.weight_text == "":
            continue
        if r.weight is None:
            problems.append(
                Problem(file, "分值", f"“{ind.label}”分值应为数字，实际为“{shown(r.weight_text)}”", r.row.number)
            )
        elif r.weight != ind.weight:
            group = ind.groups[-1] if ind.groups else None
            tail = ""
            if group is not None:
                total = sum((printed.get(i, ZERO) for i in index.leaf_ids[group.id]), ZERO)
                tail = f"；{group.label} {fmt(group.weight)} 的各项按原表分值合计为 {fmt(total)}，分值无法相加"
            problems.append(
                Problem(
                    file,
                    "分值",
                    f"“{ind.label}”分值 {fmt(r.weight)}，评价指标体系 {index.rubric.id} 中为 {fmt(ind.weight)}{tail}",
                    r.row.number,
                )
            )
    return problems
