"""Scoring: recompute what evidence allows, sum the tree, grade the total, and collect every finding.

Batches score thousands of records under one rubric, so the per-record work is kept small: what depends
only on the rubric is worked out once (_Plan); rows written alike in many records share one immutable
result; and steps applied to every row run as map() over the whole row list rather than as Python loops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import compress, repeat
from operator import attrgetter, is_not, itemgetter, not_
from typing import Any, cast

from toolkit.core import checks, targets
from toolkit.core.numbers import ZERO, round_to
from toolkit.core.record import IndicatorEntry, Record, rule_for
from toolkit.core.result import GroupResult, IndicatorResult, Result
from toolkit.core.rubric import Indicator, Node, Rounding, Rubric
from toolkit.core.rules import Judgement, NotApplicable, Rule, Target

ONE = Decimal(1)
MEMO_LIMIT = 20_000  # about 10 MB; a cleared memo only costs rebuilding


@dataclass(frozen=True, slots=True)
class _Absent:
    """Stands in for an indicator the record leaves out, so every row can be read the same way."""

    self_score: None = None
    reason: None = None
    measure: None = None
    evidence: None = None
    not_applicable: None = None


_ABSENT = _Absent()
_SCORE, _REASON, _MEASURE = attrgetter("self_score"), attrgetter("reason"), attrgetter("measure")
_EVIDENCE, _NOT_APPLICABLE, _APPLICABLE = attrgetter("evidence"), attrgetter("not_applicable"), attrgetter("applicable")
_RESULT, _FINDINGS = itemgetter(0), itemgetter(1)
_RECOMPUTED = attrgetter("recomputed_score")


@dataclass(frozen=True, slots=True)
class _Leaf:
    """What scoring needs of one indicator, worked out once per rubric rather than once per record."""

    indicator: Indicator
    id: str
    label: str
    groups: tuple[str, ...]
    weight: Decimal
    rule: Rule


@dataclass(frozen=True, slots=True)
class _Group:
    node: Node
    label: str
    level: int
    leaf_ids: tuple[str, ...]  # every indicator below
    direct: tuple[int, ...]  # positions (in the rubric's indicator order) of the indicators directly under it
    subgroups: tuple[int, ...]  # places in _Plan.order of the groups directly under it
    weight: Decimal  # sum of the weights below, when every indicator applies


@dataclass(frozen=True, slots=True)
class _Plan:
    leaves: tuple[_Leaf, ...]
    ids: tuple[str, ...]
    weights: list[Decimal]  # read only; a list because rows are looked up by position
    positions: range
    absent: tuple[_Absent, ...]  # one per indicator: the default of a lookup that finds no entry
    order: tuple[_Group, ...]  # every group, each after the groups under it
    top: tuple[int, ...]  # places in `order` of the level-1 groups, in table order
    # Rows without evidence are alike across departments (mostly full marks, nothing written): their
    # IndicatorResult and row findings, immutable values, are made once and shared. Bounded by MEMO_LIMIT.
    rows: dict = field(default_factory=dict, compare=False, hash=False)
    # Rows with evidence are the department's own, but their findings on what was written are shared too.
    written: dict = field(default_factory=dict, compare=False, hash=False)
    groups: dict = field(default_factory=dict, compare=False, hash=False)  # see _group_results


def _plan(rubric: Rubric) -> _Plan:
    # Worked out once per rubric: 10,000 records under one rubric share one plan.
    return rubric.derive("scoring_plan", _make_plan)


def _make_plan(rubric: Rubric) -> _Plan:
    leaves = tuple(
        _Leaf(i, i.id, i.label, tuple(g.label for g in i.groups), i.weight, i.rule) for i in rubric.indicators
    )
    position = {leaf.id: n for n, leaf in enumerate(leaves)}
    weights = [leaf.weight for leaf in leaves]
    order: list[_Group] = []
    top = tuple(_group_plan(node, 1, position, order, weights) for node in rubric.tree if node.children)
    ids = tuple(leaf.id for leaf in leaves)
    return _Plan(leaves, ids, weights, range(len(leaves)), (_ABSENT,) * len(leaves), tuple(order), top)


def _group_plan(node: Node, level: int, position: dict[str, int], order: list[_Group], weights: list[Decimal]) -> int:
    """Add the group and the groups under it to `order`, those under it first; its place there."""
    subgroups = tuple(_group_plan(c, level + 1, position, order, weights) for c in node.children if c.children)
    direct = tuple(position[c.id] for c in node.children if not c.children)
    weight = sum([weights[n] for n in direct], ZERO) + sum([order[k].weight for k in subgroups], ZERO)
    order.append(_Group(node, node.label, level, _leaf_ids(node), direct, subgroups, weight))
    return len(order) - 1


def _leaf_ids(node: Node) -> tuple[str, ...]:
    if not node.children:
        return (node.id,)
    return tuple(i for c in node.children for i in _leaf_ids(c))


def _rows(record: Record, plan: _Plan) -> tuple[list[IndicatorResult], list[checks.RowFindings]]:
    """Each row's result and the findings of the row checks, in rubric order.

    A row is known by what the department wrote: score, reason and measure (str(): Decimal("2.0") ==
    Decimal("2") but they are written differently, and messages show it). Rows already seen are taken
    from the memo. Rows with evidence or a not-applicable override are the department's own, never shared."""
    rubric, memo = record.rubric, plan.rows
    entries = list(map(record.data.indicators.get, plan.ids, plan.absent))
    keys = list(zip(plan.ids, map(str, map(_SCORE, entries)), map(_REASON, entries), map(_MEASURE, entries)))
    made: list[Any] = list(map(memo.get, keys))  # (result, row findings), None where not yet made
    own = set(compress(plan.positions, map(_EVIDENCE, entries)))
    own.update(compress(plan.positions, map(_NOT_APPLICABLE, entries)))
    for n in sorted(own.union(compress(plan.positions, map(not_, made)))):
        entry = entries[n]
        written_entry = None if entry is _ABSENT else cast(IndicatorEntry, entry)
        row = _build_indicator_result(record, plan.leaves[n], rubric.rounding, written_entry)
        if n in own:
            written = (keys[n], entry.not_applicable)
            alike = plan.written.get(written)
            made[n] = (row, checks.row_findings(row, rubric, alike))
            if alike is None:
                _remember(plan.written, written, made[n][1])
        else:
            made[n] = (row, checks.row_findings(row, rubric))
            _remember(memo, keys[n], made[n])
    return list(map(_RESULT, made)), list(map(_FINDINGS, made))


def _remember(memo: dict, key: tuple, value: object) -> None:
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[key] = value


def _build_indicator_result(
    record: Record, leaf: _Leaf, rounding: Rounding, entry: IndicatorEntry | None
) -> IndicatorResult:
    rule = rule_for(record, leaf.id) if entry is not None and entry.not_applicable is not None else leaf.rule
    applicable = not (isinstance(rule, NotApplicable) and rule.mode == "rescale")
    raw, formula, rounded = _recompute(rule, leaf.weight, rounding, entry)
    if entry is None:
        return IndicatorResult(
            leaf.id, leaf.label, leaf.groups, leaf.weight, ZERO, raw, rounded, formula, rule.type, applicable,
            None, None, True,
        )  # fmt: skip
    self_score, unscored = entry.self_score, False
    if self_score is None:
        # Left out on a not-applicable row: full marks count the weight, a dropped row nothing. Left blank
        # elsewhere (a target-versus-actual form): counted as 0, and reported.
        unscored = entry.not_applicable is None
        self_score = rounded if rounded is not None and not unscored else ZERO
    measured = rule.measures(entry.evidence) if isinstance(rule, Target) else None
    return IndicatorResult(
        leaf.id, leaf.label, leaf.groups, leaf.weight, self_score, raw, rounded, formula, rule.type, applicable,
        entry.reason, entry.measure, unscored=unscored,
        target=measured[0] if measured else None,
        actual=measured[1] if measured else None,
        met=targets.met(*measured) if measured else None,
    )  # fmt: skip


def _recompute(
    rule: Rule, weight: Decimal, rounding: Rounding, entry: IndicatorEntry | None
) -> tuple[Decimal | None, str | None, Decimal | None]:
    """(raw, formula, rounded) as the rule gives them from the row's evidence; Nones when it gives nothing."""
    computed = None
    if entry is not None and entry.evidence and not isinstance(rule, Judgement):
        if all(k in entry.evidence for k in rule.required):
            computed = rule.compute(weight, entry.evidence)
    elif isinstance(rule, NotApplicable) and rule.mode == "full_marks":
        computed = rule.compute(weight, {})
    if computed is None:
        return None, None, None
    raw, formula = computed
    return raw, formula, round_to(raw, rounding.places, rounding.mode)


def _group_results(
    plan: _Plan, points: list[Decimal], weights: list[Decimal] | None, factor: Decimal
) -> tuple[GroupResult, ...]:
    """The subtotal of every group, worked out children first; the level-1 groups in table order.

    `points` are per indicator, zero where not applicable; so are `weights`, None when every indicator
    applies (the plan's weights hold). A group's sums are its own indicators' plus its subgroups' (exact:
    scores are short decimals), scaled once by the factor."""
    made: list[GroupResult] = []
    group_points: list[Decimal] = []
    group_weights: list[Decimal] = []
    # Usually every indicator applies and nothing is rescaled: a group of indicators only is then given by
    # its points (as written: str()), and records with equal subtotals share one GroupResult. (Groups of
    # groups are seldom equal across records: they are built each time.)
    memo = plan.groups if weights is None and factor == ONE else None
    for k, group in enumerate(plan.order):
        p = sum(map(points.__getitem__, group.direct), ZERO)
        w = group.weight if weights is None else sum(map(weights.__getitem__, group.direct), ZERO)
        children: tuple[GroupResult, ...] = ()
        if group.subgroups:
            for g in group.subgroups:
                p += group_points[g]
                if weights is not None:
                    w += group_weights[g]
            children = tuple(map(made.__getitem__, group.subgroups))
        group_points.append(p)
        group_weights.append(w)
        if memo is None or children:
            made.append(_group_result(group, w, p, children, factor))
            continue
        key = (k, str(p))  # records whose subtotal is written alike share one result
        shared = memo.get(key)
        if shared is None:
            shared = _group_result(group, w, p, children, ONE)
            _remember(memo, key, shared)
        made.append(shared)
    return tuple(map(made.__getitem__, plan.top))


def _group_result(
    group: _Group, w: Decimal, p: Decimal, children: tuple[GroupResult, ...], factor: Decimal
) -> GroupResult:
    if factor != ONE:
        w, p = w * factor, p * factor
    return GroupResult(group.node.id, group.label, group.level, w, p, children, group.leaf_ids)


@dataclass(frozen=True, slots=True)
class _Totals:
    points: list[Decimal]  # per indicator, zero where not applicable
    weights: list[Decimal] | None  # per indicator where some do not apply; None when all do
    factor: Decimal  # rescaling of the applicable indicators to the full total
    total: Decimal
    recomputed_total: Decimal


def _totals(rubric: Rubric, plan: _Plan, indicators: list[IndicatorResult]) -> _Totals:
    """The total as stated row by row and as recomputed, both rescaled past not-applicable indicators."""
    rounding = rubric.rounding
    points, weights = list(map(_SCORE, indicators)), None
    if not all(map(_APPLICABLE, indicators)):  # dropped indicators count for nothing, weight included
        points = [i.self_score if i.applicable else ZERO for i in indicators]
        weights = [i.weight if i.applicable else ZERO for i in indicators]
    applicable_weight = sum(plan.weights if weights is None else weights, ZERO)
    total_weight = rubric.declaration.total_weight
    # Dropped (not applicable) indicators: the rest is rescaled to the full total.
    factor = total_weight / applicable_weight if applicable_weight and applicable_weight != total_weight else ONE
    stated = sum(points, ZERO)
    total = round_to(stated * factor, rounding.places, rounding.mode)
    # Most rows have no recomputed score: pick the few that do (C-speed filters), and add their differences.
    recomputed = compress(indicators, map(is_not, map(_RECOMPUTED, indicators), repeat(None)))
    change = sum([i.recomputed_score - i.self_score for i in recomputed if i.applicable], ZERO)  # type: ignore[operator]
    recomputed_total = round_to((stated + change) * factor, rounding.places, rounding.mode)
    return _Totals(points, weights, factor, total, recomputed_total)


def score(record: Record) -> Result:
    """Score a record against its rubric: record in, result out. Never raises on odd numbers: they become findings.

    A review of the record is applied elsewhere (toolkit.review.apply.audit); here the audited values equal the
    self-assessed ones."""
    rubric = record.rubric
    plan = _plan(rubric)
    indicators, found = _rows(record, plan)
    totals = _totals(rubric, plan, indicators)
    total, grade = totals.total, rubric.grade_for(totals.total)
    data = record.data
    return Result(
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
        groups=_group_results(plan, totals.points, totals.weights, totals.factor),
        indicators=tuple(indicators),
        findings=checks.run_all(record, indicators, total, grade, found),
        audited_total=total,
        audited_grade=grade,
        recomputed_total=totals.recomputed_total,
        kind=data.kind,
        family=rubric.family,
        supervisor=data.department.supervisor,
    )
