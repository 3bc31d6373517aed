"""Rebuilding the indicator tree from the flattened rows: name matching first, then position and
weight arithmetic where names are missing or misplaced. Every repair is kept; a row that cannot be
placed is an error naming the row, never dropped.

The rows are read by `reading`, the unnamed ones placed and the arithmetic checked by `placement`;
here the readings become entries, one per indicator, and what the table leaves out is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from toolkit.core.numbers import fmt
from toolkit.core.problems import Problem
from toolkit.core.rubric import Indicator, Rubric
from toolkit.importer.layout import Layout
from toolkit.importer.placement import check_groups, check_weights, place_unnamed
from toolkit.importer.reading import Index, Reading, Repair, read_rows
from toolkit.importer.text import clean, label_key, parse_number, shown


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
class Tree:
    """The indicators read from a table, with every repair made and every problem found on the way."""

    entries: list[Entry]
    repairs: list[Repair]
    problems: list[Problem]


def rebuild(layout: Layout, rubric: Rubric, file: str) -> Tree:
    """Read every indicator row of every page into an Entry, with repairs and problems."""
    index = Index(rubric)
    rows = read_rows(layout, index, file)
    readings = rows.readings
    tree = Tree([], rows.repairs, rows.problems)
    tree.problems += _stray_indicators(layout, index, file)
    tree.problems += place_unnamed(readings, index, file)
    tree.problems += _other_rubric(readings, index, file)
    check_groups(readings)
    tree.problems += check_weights(readings, index, file)
    tree.entries = _entries(readings, index, tree, file)
    tree.repairs += _missing(rubric, tree.entries)
    return tree


def _stray_indicators(layout: Layout, index: Index, file: str) -> list[Problem]:
    """An indicator named in a row after the total row, outside the indicator table."""
    problems: list[Problem] = []
    for row in layout.trailing:
        names = [clean(v) for v in row.cells if label_key(v, 80) in index.leaves]
        if names:
            problems.append(Problem(file, "", f"指标“{names[0]}”位于总分行之后，应在指标表内", row.number))
    return problems


def _other_rubric(readings: list[Reading], index: Index, file: str) -> list[Problem]:
    """When at least half the named rows are not in the rubric: the table was most likely made for another one."""
    strangers = sum(1 for r in readings if r.indicator is None and r.name)
    if not readings or strangers * 2 < len(readings):
        return []
    message = (
        f"表中多数指标（{strangers}/{len(readings)}）不在评价指标体系 {index.rubric.id} 中，"
        "请用 --rubric 指定此表所用的指标体系"
    )
    return [Problem(file, "", message)]


def _missing(rubric: Rubric, entries: list[Entry]) -> list[Repair]:
    """A repair for each indicator of the rubric the table does not list: it will be scored 0 and reported."""
    listed = {e.indicator.id for e in entries}
    return [
        Repair(
            None,
            f"原表未列出指标“{ind.label}”（分值 {fmt(ind.weight)}），记录中缺少此项，评分时将按 0 分计并报告",
            ind.id,
        )
        for ind in rubric.indicators
        if ind.id not in listed
    ]


def _entries(readings: list[Reading], index: Index, tree: Tree, file: str) -> list[Entry]:
    """One entry per placed indicator with a valid score, in the rubric's order; its notes become repairs."""
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
        score = _score(r, ind, file)
        if isinstance(score, Problem):
            tree.problems.append(score)
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


def _score(r: Reading, ind: Indicator, file: str) -> Decimal | Problem:
    """The row's self-score, or the problem that keeps the row out: no score, not a number, or negative."""
    score, _ = parse_number(r.score_text)
    if not r.score_text:
        return Problem(file, r.score_col, f"“{ind.label}”没有得分（应为 0 至 {fmt(ind.weight)} 的数字）", r.row.number)
    if score is None:
        return Problem(file, r.score_col, f"“{ind.label}”的得分应为数字，实际为“{shown(r.score_text)}”", r.row.number)
    if score < 0:
        return Problem(
            file,
            r.score_col,
            f"“{ind.label}”的得分 {r.score_text} 为负数，应在 0 至 {fmt(ind.weight)} 之间",
            r.row.number,
        )
    return score
