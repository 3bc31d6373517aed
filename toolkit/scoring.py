"""Scoring: recompute what evidence allows, sum the tree, grade the total, and collect every finding."""
from __future__ import annotations

from decimal import Decimal

from . import checks
from .numbers import ZERO, round_to
from .record import Record, rule_for
from .result import GroupResult, IndicatorResult, Result
from .review import audit
from .rubric import Node
from .rules import Judgement, NotApplicable


def _indicator_result(record: Record, indicator) -> IndicatorResult:
    rubric = record.rubric
    entry = record.data.indicators.get(indicator.id)
    rule = rule_for(record, indicator.id)
    applicable = not (isinstance(rule, NotApplicable) and rule.mode == "rescale")
    raw = formula = rounded = None
    evidence = entry.evidence if entry is not None else {}
    if not isinstance(rule, Judgement) and all(k in evidence for k in rule.required):
        computed = rule.compute(indicator.weight, evidence)
        if computed is not None:
            raw, formula = computed
            rounded = round_to(raw, rubric.rounding.places, rubric.rounding.mode)
    return IndicatorResult(
        id=indicator.id,
        label=indicator.label,
        groups=tuple(g.label for g in indicator.groups),
        weight=indicator.weight,
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


def _group_result(node: Node, level: int, by_id: dict[str, IndicatorResult], factor: Decimal) -> GroupResult:
    children = tuple(_group_result(c, level + 1, by_id, factor) for c in node.children if c.children)
    leaves = _leaf_ids(node)
    applicable = [by_id[i] for i in leaves if by_id[i].applicable]
    return GroupResult(
        id=node.id,
        label=node.label,
        level=level,
        weight=sum((i.weight for i in applicable), ZERO) * factor,
        score=sum((i.self_score for i in applicable), ZERO) * factor,
        children=children,
        indicators=leaves,
    )


def _leaf_ids(node: Node) -> tuple[str, ...]:
    if not node.children:
        return (node.id,)
    return tuple(i for c in node.children for i in _leaf_ids(c))


def score(record: Record, review: bool = True) -> Result:
    """Score a record against its rubric. Never raises on odd numbers: they become findings.

    With `review`, a review file beside the record (toolkit.review) gives the audited scores; a bad one raises InputError."""
    rubric = record.rubric
    indicators = tuple(_indicator_result(record, ind) for ind in rubric.indicators)
    applicable_weight = sum((i.weight for i in indicators if i.applicable), ZERO)
    total_weight = rubric.declaration.total_weight
    # Dropped (not applicable) indicators: the rest is rescaled to the full total.
    factor = total_weight / applicable_weight if applicable_weight and applicable_weight != total_weight else Decimal(1)
    raw_total = sum((i.self_score for i in indicators if i.applicable), ZERO) * factor
    total = round_to(raw_total, rubric.rounding.places, rubric.rounding.mode)
    by_id = {i.id: i for i in indicators}
    groups = tuple(_group_result(node, 1, by_id, factor) for node in rubric.tree if node.children)
    data = record.data
    result = Result(
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
        findings=(),
    )
    result = result.replace(findings=checks.run_all(record, result))
    return audit(record, result) if review else result
