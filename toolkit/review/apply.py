"""Applying a review: the audited scores, subtotals, total and grade of a record, next to the self-assessed ones.

`audit(record)` is what every consumer of a department's result calls (the CLI, the report, the runner, the
panel): it scores the record (pure) and applies the review file beside it, if there is one. The record and its
self-assessed values are never changed.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from toolkit.core.numbers import ZERO, round_to
from toolkit.core.record import Record
from toolkit.core.result import GroupResult, Result, Review
from toolkit.core.scoring import score
from toolkit.review.files import load_review, review_beside


def audit(record: Record) -> Result:
    """The record's result with its review applied: the review file beside the record when there is one.

    A bad review file raises InputError (every problem at once), as a bad record does."""
    result = score(record)
    path = review_beside(record.path)
    if path is None:
        return result
    return apply_review(record, result, load_review(path, record, result))


def _regroup(g: GroupResult, scores: dict[str, Decimal], factor: Decimal) -> GroupResult:
    points = sum((scores[i] for i in g.indicators if i in scores), ZERO)
    children = tuple(_regroup(c, scores, factor) for c in g.children)
    return replace(g, audited_score=points * factor if factor != 1 else points, children=children)


def apply_review(record: Record, result: Result, review: Review | None) -> Result:
    """The result with audited scores, subtotals, total and grade; with no review they equal the self-assessed ones.

    Findings stay those of the self-evaluation: the review decides on them, it does not re-raise them."""
    rubric = record.rubric
    adjusted = {a.indicator: a.audited_score for a in review.adjustments} if review else {}
    indicators = tuple(replace(i, audited_score=adjusted.get(i.id)) for i in result.indicators)
    applicable = [i for i in indicators if i.applicable]
    applicable_weight = sum((i.weight for i in applicable), ZERO)
    total_weight = rubric.declaration.total_weight
    # Same rescaling as scoring: dropped indicators' weight is spread over the rest.
    factor = total_weight / applicable_weight if applicable_weight and applicable_weight != total_weight else Decimal(1)
    scores = {i.id: i.audited for i in applicable}
    audited_total = round_to(sum(scores.values(), ZERO) * factor, rubric.rounding.places, rubric.rounding.mode)
    return result.replace(
        indicators=indicators,
        groups=tuple(_regroup(g, scores, factor) for g in result.groups),
        audited_total=audited_total,
        audited_grade=rubric.grade_for(audited_total),
        review=review,
    )
