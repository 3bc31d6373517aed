"""Scoring: recompute what evidence allows, sum the tree, grade the total, and collect every finding."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from . import checks
from .numbers import ZERO, round_to
from .record import IndicatorEntry, Record, rule_for
from .result import GroupResult, IndicatorResult, Result
from .review import audit
from .rubric import Indicator, Node, Rounding, Rubric
from .rules import Judgement, NotApplicable

ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class _Leaf:
    """What scoring needs of one indicator, worked out once per rubric rather than once per record."""

    indicator: Indicator
    id: str
    label: str
    groups: tuple[str, ...]
    weight: Decimal


@dataclass(frozen=True, slots=True)
class _Group:
    node: Node
    level: int
    leaves: tuple[int, ...]  # positions in the rubric's indicator order
    leaf_ids: tuple[str, ...]
    children: tuple["_Group", ...]
    weight: Decimal  # sum of the leaves' weights, as scoring has always summed it


@dataclass(frozen=True, slots=True)
class _Plan:
    leaves: tuple[_Leaf, ...]
    groups: tuple[_Group, ...]
    weight: Decimal  # sum of every leaf's weight
    # Rows without evidence are alike across departments (mostly full marks, nothing written):
    # their IndicatorResult, an immutable value, is built once and shared. Bounded by MEMO_LIMIT.
    memo: dict = field(default_factory=dict, compare=False, hash=False)


MEMO_LIMIT = 20_000  # about 10 MB; a cleared memo only costs rebuilding


def _plan(rubric: Rubric) -> _Plan:
    # Cached on the (immutable) rubric: 10,000 records under one rubric share one plan.
    plan = rubric.__dict__.get("_scoring_plan")
    if plan is None:
        leaves = tuple(_Leaf(i, i.id, i.label, tuple(g.label for g in i.groups), i.weight) for i in rubric.indicators)
        position = {leaf.id: n for n, leaf in enumerate(leaves)}
        groups = tuple(_group_plan(node, 1, position, leaves) for node in rubric.tree if node.children)
        plan = _Plan(leaves, groups, sum((leaf.weight for leaf in leaves), ZERO))
        object.__setattr__(rubric, "_scoring_plan", plan)
    return plan


def _group_plan(node: Node, level: int, position: dict[str, int], leaves: tuple[_Leaf, ...]) -> _Group:
    ids = _leaf_ids(node)
    children = tuple(_group_plan(c, level + 1, position, leaves) for c in node.children if c.children)
    at = tuple(position[i] for i in ids)
    return _Group(node, level, at, ids, children, sum((leaves[n].weight for n in at), ZERO))


def _leaf_ids(node: Node) -> tuple[str, ...]:
    if not node.children:
        return (node.id,)
    return tuple(i for c in node.children for i in _leaf_ids(c))


def _indicator_result(record: Record, leaf: _Leaf, rounding: Rounding, memo: dict) -> tuple[IndicatorResult, checks.RowFindings]:
    """The row's result and the findings of the row checks; both shared between records with identical rows."""
    entry = record.data.indicators.get(leaf.id)
    if entry is None:
        key: tuple | None = (leaf.id,)
    elif not entry.evidence and entry.not_applicable is None:
        # str(): Decimal("2.0") == Decimal("2") but they are written differently, and messages show it.
        key = (leaf.id, str(entry.self_score), entry.reason, entry.measure)
    else:
        key = None
    if key is not None:
        shared = memo.get(key)
        if shared is not None:
            return shared
    row = _build_indicator_result(record, leaf, rounding, entry)
    made = (row, checks.row_findings(row, record.rubric))
    if key is not None:
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[key] = made
    return made


def _build_indicator_result(record: Record, leaf: _Leaf, rounding: Rounding, entry: IndicatorEntry | None) -> IndicatorResult:
    rule = rule_for(record, leaf.id) if entry is not None and entry.not_applicable is not None else leaf.indicator.rule
    applicable = not (isinstance(rule, NotApplicable) and rule.mode == "rescale")
    raw = formula = rounded = None
    if entry is not None and entry.evidence and not isinstance(rule, Judgement):
        evidence = entry.evidence
        if all(k in evidence for k in rule.required):
            computed = rule.compute(leaf.weight, evidence)
            if computed is not None:
                raw, formula = computed
                rounded = round_to(raw, rounding.places, rounding.mode)
    elif isinstance(rule, NotApplicable) and rule.mode == "full_marks":
        raw, formula = rule.compute(leaf.weight, {})  # type: ignore[misc]  # full marks always computes
        rounded = round_to(raw, rounding.places, rounding.mode)
    return IndicatorResult(
        id=leaf.id,
        label=leaf.label,
        groups=leaf.groups,
        weight=leaf.weight,
        self_score=entry.self_score if entry is not None else ZERO,
        recomputed_raw=raw,
        recomputed_score=rounded,
        formula=formula,
        rule=rule.type,
        applicable=applicable,
        reason=entry.reason if entry is not None else None,
        measure=entry.measure if entry is not None else None,
        missing=entry is None,
    )


def _group_result(group: _Group, indicators: tuple[IndicatorResult, ...], factor: Decimal, all_applicable: bool) -> GroupResult:
    if all_applicable:  # the usual case: the weight is the plan's, only the points are summed
        weight = group.weight
        points = sum([indicators[n].self_score for n in group.leaves], ZERO)
    else:
        applicable = [indicators[n] for n in group.leaves if indicators[n].applicable]
        weight = sum([i.weight for i in applicable], ZERO)
        points = sum([i.self_score for i in applicable], ZERO)
    return GroupResult(
        id=group.node.id,
        label=group.node.label,
        level=group.level,
        weight=weight * factor if factor != ONE else weight,
        score=points * factor if factor != ONE else points,
        children=tuple([_group_result(c, indicators, factor, all_applicable) for c in group.children]),
        indicators=group.leaf_ids,
    )


def score(record: Record, review: bool = True) -> Result:
    """Score a record against its rubric. Never raises on odd numbers: they become findings.

    With `review`, a review file beside the record (toolkit.review) gives the audited scores; a bad one raises InputError."""
    rubric = record.rubric
    plan = _plan(rubric)
    rounding = rubric.rounding
    rows = [_indicator_result(record, leaf, rounding, plan.memo) for leaf in plan.leaves]
    indicators = tuple([row for row, _ in rows])
    all_applicable = all(i.applicable for i in indicators)
    applicable_weight = plan.weight if all_applicable else sum((i.weight for i in indicators if i.applicable), ZERO)
    total_weight = rubric.declaration.total_weight
    # Dropped (not applicable) indicators: the rest is rescaled to the full total.
    factor = total_weight / applicable_weight if applicable_weight and applicable_weight != total_weight else ONE
    raw_total = sum((i.self_score for i in indicators if i.applicable), ZERO) * factor
    total = round_to(raw_total, rounding.places, rounding.mode)
    groups = tuple([_group_result(g, indicators, factor, all_applicable) for g in plan.groups])
    data = record.data
    fields = dict(
        department=data.department.name,
        code=data.department.code,
        year=data.year,
        fictional=data.fictional,
        rubric=rubric.id,
        rubric_version=rubric.version,
        rubric_sha256=rubric.sha256,
        record_path=record.path,
        record_sha256=record.sha256,
        total=total,
        stated_total=data.stated_total,
        grade=rubric.grade_for(total),
        stated_grade=data.stated_grade,
        groups=groups,
        indicators=indicators,
    )
    # Built twice rather than copied with replace(): the checks need the scored result, and this is
    # the hot path when a batch scores thousands of records.
    result = Result(**fields, findings=checks.run_all(record, Result(**fields, findings=()), tuple([f for _, f in rows])))
    return audit(record, result) if review else result
