"""Scoring: recompute what evidence allows, sum the tree, grade the total, and collect every finding."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from . import checks
from .numbers import ZERO, round_to
from .record import IndicatorEntry, Record, rule_for
from .result import GroupResult, IndicatorResult, Result
from .review import apply_review, load_review, review_beside
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
    label: str
    level: int
    leaf_ids: tuple[str, ...]  # every indicator below
    direct: tuple[int, ...]  # positions (in the rubric's indicator order) of the indicators directly under it
    subgroups: tuple[int, ...]  # places in _Plan.order of the groups directly under it


@dataclass(frozen=True, slots=True)
class _Plan:
    leaves: tuple[_Leaf, ...]
    order: tuple[_Group, ...]  # every group, each after the groups under it
    top: tuple[int, ...]  # places in `order` of the level-1 groups, in table order
    # Rows without evidence are alike across departments (mostly full marks, nothing written):
    # their IndicatorResult, an immutable value, is built once and shared. Bounded by MEMO_LIMIT.
    rows: dict = field(default_factory=dict, compare=False, hash=False)


MEMO_LIMIT = 20_000  # about 10 MB; a cleared memo only costs rebuilding


def _plan(rubric: Rubric) -> _Plan:
    # Cached on the (immutable) rubric: 10,000 records under one rubric share one plan.
    plan = rubric.__dict__.get("_scoring_plan")
    if plan is None:
        leaves = tuple(_Leaf(i, i.id, i.label, tuple(g.label for g in i.groups), i.weight) for i in rubric.indicators)
        position = {leaf.id: n for n, leaf in enumerate(leaves)}
        order: list[_Group] = []
        top = tuple(_group_plan(node, 1, position, order) for node in rubric.tree if node.children)
        plan = _Plan(leaves, tuple(order), top)
        object.__setattr__(rubric, "_scoring_plan", plan)
    return plan


def _group_plan(node: Node, level: int, position: dict[str, int], order: list[_Group]) -> int:
    """Add the group and the groups under it to `order`, those under it first; its place there."""
    subgroups = tuple(_group_plan(c, level + 1, position, order) for c in node.children if c.children)
    direct = tuple(position[c.id] for c in node.children if not c.children)
    order.append(_Group(node, node.label, level, _leaf_ids(node), direct, subgroups))
    return len(order) - 1


def _leaf_ids(node: Node) -> tuple[str, ...]:
    if not node.children:
        return (node.id,)
    return tuple(i for c in node.children for i in _leaf_ids(c))


def _rows(record: Record, plan: _Plan) -> tuple[list[IndicatorResult], list[checks.RowFindings]]:
    """Each row's result and the findings of the row checks, in rubric order. Rows without evidence are
    looked up in the plan's memo, so records with identical rows share both (immutable) values."""
    rubric, memo, entries = record.rubric, plan.rows, record.data.indicators
    results: list[IndicatorResult] = []
    found: list[checks.RowFindings] = []
    for leaf in plan.leaves:
        entry = entries.get(leaf.id)
        if entry is None:
            key: tuple | None = (leaf.id,)
        elif not entry.evidence and entry.not_applicable is None:
            # str(): Decimal("2.0") == Decimal("2") but they are written differently, and messages show it.
            key = (leaf.id, str(entry.self_score), entry.reason, entry.measure)
        else:
            key = None
        made = memo.get(key) if key is not None else None
        if made is None:
            row = _build_indicator_result(record, leaf, rubric.rounding, entry)
            made = (row, checks.row_findings(row, rubric))
            if key is not None:
                if len(memo) >= MEMO_LIMIT:
                    memo.clear()
                memo[key] = made
        results.append(made[0])
        found.append(made[1])
    return results, found


def _build_indicator_result(record: Record, leaf: _Leaf, rounding: Rounding, entry: IndicatorEntry | None) -> IndicatorResult:
    rule = rule_for(record, leaf.id) if entry is not None and entry.not_applicable is not None else leaf.indicator.rule
    applicable = not (isinstance(rule, NotApplicable) and rule.mode == "rescale")
    raw = formula = rounded = None
    if entry is not None and entry.evidence and not isinstance(rule, Judgement):
        evidence = entry.evidence
        if all([k in evidence for k in rule.required]):
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


def _group_results(plan: _Plan, indicators: list[IndicatorResult], factor: Decimal) -> tuple[GroupResult, ...]:
    """The subtotal of every group, worked out children first; the level-1 groups in table order.

    A group's points are its own indicators' plus its subgroups' (exact: scores are short decimals), scaled once
    by the factor; with indicators dropped as not applicable, only the applicable ones count, weights too."""
    made: list[GroupResult] = []
    points: list[Decimal] = []
    weights: list[Decimal] = []
    scaled = factor != ONE
    for group in plan.order:
        p = w = ZERO
        for n in group.direct:
            row = indicators[n]
            if row.applicable:
                p += row.self_score
                w += row.weight
        for k in group.subgroups:
            p += points[k]
            w += weights[k]
        points.append(p)
        weights.append(w)
        made.append(GroupResult(group.node.id, group.label, group.level, w * factor if scaled else w,
                                p * factor if scaled else p, tuple([made[k] for k in group.subgroups]), group.leaf_ids))
    return tuple([made[k] for k in plan.top])


def score(record: Record, review: bool = True) -> Result:
    """Score a record against its rubric. Never raises on odd numbers: they become findings.

    With `review`, a review file beside the record (toolkit.review) gives the audited scores; a bad one raises InputError."""
    rubric = record.rubric
    plan = _plan(rubric)
    rounding = rubric.rounding
    indicators, found = _rows(record, plan)
    applicable = [i for i in indicators if i.applicable]
    applicable_weight = sum([i.weight for i in applicable], ZERO)
    total_weight = rubric.declaration.total_weight
    # Dropped (not applicable) indicators: the rest is rescaled to the full total.
    factor = total_weight / applicable_weight if applicable_weight and applicable_weight != total_weight else ONE
    raw_total = sum([i.self_score for i in applicable], ZERO) * factor
    total = round_to(raw_total, rounding.places, rounding.mode)
    grade = rubric.grade_for(total)
    groups = _group_results(plan, indicators, factor)
    findings = checks.run_all(record, indicators, total, grade, found)
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
        grade=grade,
        stated_grade=data.stated_grade,
        groups=groups,
        indicators=tuple(indicators),
        findings=findings,
    )
    # Each Result is built outright rather than copied with replace(): this is the hot path when a batch
    # scores thousands of records.
    if not review:
        return Result(**fields)
    path = review_beside(record.path)
    if path is None:  # no review: the audited values are the self-assessed ones
        return Result(**fields, audited_total=total, audited_grade=grade)
    result = Result(**fields)
    return apply_review(record, result, load_review(path, record, result))
