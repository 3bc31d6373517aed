"""Binding a frame to a record: the rubric one target-versus-actual record is scored against.

A frame fixes the upper levels of the tree and their weights; its open groups are filled by the record's
indicator rows (level names as printed, a target, an actual, a weight, a score). Binding places every row under
its group, by name within this frame only (a near miss is a suggestion in the message, never a match), and
gives back a plain rubric whose indicators are the record's rows: scoring, checks, reports and reviews then
work as for a fixed rubric. The bound rubric keeps the frame it came from, so checks can compare the record's
weights with the frame's and provenance names the frame file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from toolkit.core.models import Frozen
from toolkit.core.numbers import ZERO
from toolkit.core.rubric import Indicator, Node, Rubric, RubricFile, flatten
from toolkit.core.rules import BudgetExecution

Problems = list[tuple[tuple, str]]
# 产出指标(50分), 产出指标（50 分）, 相关性(5 分): the weight printed into a name is not part of the name.
_PRINTED_WEIGHT = re.compile(r"\s*[（(]\s*[0-9]+(?:\.[0-9]+)?\s*分?\s*[)）]\s*$")
_SPACE = re.compile(r"\s+")


def plain_name(name: str) -> str:
    """A level name as matched: without the printed weight, spaces, or a trailing colon."""
    return _SPACE.sub("", _PRINTED_WEIGHT.sub("", name)).rstrip(":：")


@dataclass(frozen=True, slots=True)
class Row:
    """What binding needs of one indicator row of a record (toolkit.core.record.FrameRow)."""

    at: int  # position in the record's list, for messages
    path: tuple[str, ...]
    name: str | None
    weight: Decimal | None
    placeholder: bool


@dataclass(frozen=True, slots=True)
class Bound:
    """A frame bound to one record: its rubric and, per indicator id, the row it came from."""

    rubric: Rubric
    rows: dict[str, int]  # indicator id -> position of the row in the record
    skipped: tuple[int, ...]  # placeholder rows (指标2:, ……): kept for the reviewer, never scored


class _Group:
    """A group being built: the frame's open group or a level a record brings under it."""

    def __init__(self, node_id: str, name: str) -> None:
        self.id, self.name = node_id, name
        self.groups: dict[str, _Group] = {}
        self.leaves: list[Node] = []

    def child(self, name: str) -> _Group:
        key = plain_name(name)
        if key not in self.groups:
            self.groups[key] = _Group(f"{self.id}/{key}", key)
        return self.groups[key]

    def node(self, template: Node) -> Node:
        children = tuple(g.node(template) for g in self.groups.values()) + tuple(self.leaves)
        weight = sum((c.weight for c in children), ZERO)
        if self.id == template.id:
            return template.model_copy(update={"children": children, "weight": weight, "open": None, "leaf_rule": None})
        return Node(id=self.id, name=self.name, weight=weight, children=children)


def open_groups(frame: Rubric) -> list[Node]:
    return [n for n in _nodes(frame.tree) if n.open is not None]


def _nodes(nodes: tuple[Node, ...]) -> Iterator[Node]:
    for n in nodes:
        yield n
        yield from _nodes(n.children)


def _names(node: Node) -> set[str]:
    assert node.open is not None
    return {plain_name(x) for x in (node.id, node.label, *node.open.aliases)}


def _place(row: Row, groups: list[Node]) -> tuple[Node, tuple[str, ...]] | str:
    """The open group a row belongs to and the levels it brings below it; or why it cannot be placed."""
    first = plain_name(row.path[0]) if row.path else ""
    for node in groups:
        levels = len(node.open.levels)  # type: ignore[union-attr]  # open groups only
        if first in _names(node) and len(row.path) - 1 == levels:
            return node, row.path[1:]
    fitting = [n for n in groups if len(row.path) == len(n.open.levels)]  # type: ignore[union-attr]
    if len(fitting) == 1 and first not in {x for n in groups for x in _names(n)}:
        return fitting[0], row.path
    known = sorted({x for n in groups for x in _names(n)})
    near = difflib.get_close_matches(first, known, n=1, cutoff=0.6)
    hint = f"（是否应为“{near[0]}”？）" if near else ""
    want = "；".join(f"{n.label} 之下 {len(n.open.levels)} 级（{'、'.join(n.open.levels)}）" for n in groups)  # type: ignore[union-attr]
    return f"指标层级“{' / '.join(row.path) or '（空）'}”不在该框架的开放分组中{hint}：应为 {want}"


def _leaf_id(row: Row, group: _Group, used: set[str]) -> tuple[str, bool]:
    """A readable, unique id: the indicator's name; an unnamed row is numbered within its group."""
    base = plain_name(row.name) if row.name and plain_name(row.name) else f"{group.id}-{len(group.leaves) + 1}"
    made, n = base, 2
    while made in used:
        made, n = f"{base}（{n}）", n + 1
    used.add(made)
    return made, not (row.name and plain_name(row.name))


def bind(frame: Rubric, rows: list[Row]) -> tuple[Bound | None, Problems]:
    """The rubric of one record under a frame, or the problems (field path, message) that prevent it."""
    groups = open_groups(frame)
    building = {n.id: _Group(n.id, n.label) for n in groups}
    problems: Problems = []
    ids: dict[str, int] = {}
    skipped: list[int] = []
    used = {i.id for i in frame.indicators} | {n.id for n in _nodes(frame.tree)}
    for row in rows:
        if row.placeholder:
            skipped.append(row.at)
            continue
        fixed = frame.indicator(plain_name(row.name)) if row.name else None
        if fixed is not None and not isinstance(fixed.rule, BudgetExecution):
            ids[fixed.id] = row.at  # a row scoring one of the frame's own indicators
            continue
        placed = _place(row, groups)
        if isinstance(placed, str):
            problems.append((("indicators", row.at, "path"), placed))
            continue
        if row.weight is None:
            problems.append(
                (("indicators", row.at, "weight"), "缺少分值（权重）；未填写的空行请标为 placeholder: true")
            )
            continue
        node, levels = placed
        group = building[node.id]
        for level in levels:
            group = group.child(level)
        leaf, unnamed = _leaf_id(row, group, used)
        assert node.leaf_rule is not None  # validated with the frame
        group.leaves.append(Node(id=leaf, weight=row.weight, placeholder=unnamed, rule=node.leaf_rule))
        ids[leaf] = row.at
    if problems:
        return None, problems
    return Bound(_bound_rubric(frame, building), ids, tuple(skipped)), []


def _bound_rubric(frame: Rubric, building: dict[str, _Group]) -> Rubric:
    def fill(node: Node) -> Node | None:
        if node.id in building:
            group = building[node.id]
            # An open group the record left empty (a table cut short) is no group: weight_mismatches says so.
            return group.node(node) if group.groups or group.leaves else None
        if not node.children:
            return node
        children = tuple(c for c in map(fill, node.children) if c is not None)
        return node.model_copy(update={"children": children}) if children else None

    tree = tuple(n for n in map(fill, frame.tree) if n is not None)
    total = sum((n.weight for n in tree), ZERO)
    declaration: RubricFile = frame.declaration.model_copy(update={"tree": tree, "total_weight": total})
    return Rubric(declaration, tuple(flatten(tree)), frame.sha256, frame=frame)


def execution_leaf(rubric: Rubric) -> Indicator | None:
    """The frame's budget-execution indicator (预算执行率), if it has one."""
    return next((i for i in rubric.indicators if isinstance(i.rule, BudgetExecution)), None)


class Weighted(Frozen):
    """A level-1 group of the frame with the weight the frame gives it and the weight the record's rows add to."""

    id: str
    label: str
    frame_weight: Decimal
    record_weight: Decimal


def weight_mismatches(rubric: Rubric) -> list[Weighted]:
    """Open groups whose rows do not add up to the frame's weight for them (empty for fixed rubrics)."""
    if rubric.frame is None:
        return []
    bound = {n.id: n for n in _nodes(rubric.tree)}
    out = []
    for node in open_groups(rubric.frame):
        got = bound[node.id].weight if node.id in bound else ZERO
        if got != node.weight:
            out.append(Weighted(id=node.id, label=node.label, frame_weight=node.weight, record_weight=got))
    return out
