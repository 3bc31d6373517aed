"""Scoring results: immutable values, and their JSON form (the `score --json` contract)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from toolkit.core.findings import SEVERITY_ORDER, Decision, Finding, Severity
from toolkit.core.targets import Measure


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    id: str
    label: str
    groups: tuple[str, ...]  # labels of the groups above, level 1 first
    weight: Decimal
    self_score: Decimal
    recomputed_raw: Decimal | None  # what the rule gives before rounding
    recomputed_score: Decimal | None  # rounded as the rubric says
    formula: str | None
    rule: str
    applicable: bool
    reason: str | None
    measure: str | None
    missing: bool = False
    audited_score: Decimal | None = None  # the reviewer's score; None when the review did not adjust it
    unscored: bool = False  # the record left the score blank (counted as 0)
    target: Measure | None = None  # target-versus-actual indicators: the target and the actual as read
    actual: Measure | None = None
    met: bool | None = None  # whether the actual meets the target; None when that cannot be decided

    @property
    def lost(self) -> Decimal:
        """Points lost against full marks (0 when not applicable)."""
        return max(self.weight - self.self_score, Decimal(0)) if self.applicable else Decimal(0)

    @property
    def audited(self) -> Decimal:
        """The score after review: the reviewer's where adjusted, else the self-assessed one."""
        return self.self_score if self.audited_score is None else self.audited_score


@dataclass(frozen=True, slots=True)
class GroupResult:
    id: str
    label: str
    level: int
    weight: Decimal
    score: Decimal
    children: tuple[GroupResult, ...]
    indicators: tuple[str, ...]  # ids of all indicators below
    audited_score: Decimal | None = None  # after review; None when no review applies

    @property
    def rate(self) -> Decimal:
        return self.score / self.weight if self.weight else Decimal(0)

    @property
    def audited(self) -> Decimal:
        return self.score if self.audited_score is None else self.audited_score

    @property
    def audited_rate(self) -> Decimal:
        return self.audited / self.weight if self.weight else Decimal(0)


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One indicator the reviewer re-scored, with the reason given."""

    indicator: str  # rubric id
    label: str
    weight: Decimal
    self_score: Decimal
    audited_score: Decimal
    reason: str

    @property
    def change(self) -> Decimal:
        return self.audited_score - self.self_score


@dataclass(frozen=True, slots=True)
class FindingDecision:
    """The reviewer's decision on findings of one code (on one indicator, or on all when indicator is None)."""

    code: str
    indicator: str | None
    decision: Decision
    note: str | None

    @property
    def label(self) -> str:
        return self.decision.label

    def matches(self, f: Finding) -> bool:
        return f.code == self.code and (self.indicator is None or f.indicator == self.indicator)


@dataclass(frozen=True, slots=True)
class Review:
    """A validated review file, resolved against the result it applies to."""

    reviewer: str
    date: str
    path: str
    sha256: str
    adjustments: tuple[Adjustment, ...]
    decisions: tuple[FindingDecision, ...]
    reviewing_unit: str | None = None  # 复核单位, for the Word cover; None leaves a blank to fill
    report_number: str | None = None  # 报告编号, likewise

    def decision_for(self, f: Finding) -> FindingDecision | None:
        """The most specific decision covering a finding: one naming its indicator beats one for the whole code."""
        found = [d for d in self.decisions if d.matches(f)]
        return min(found, key=lambda d: d.indicator is None) if found else None


@dataclass(frozen=True, slots=True)
class Result:
    department: str
    code: str
    year: int
    fictional: bool
    rubric: str
    rubric_version: str
    rubric_sha256: str
    record_path: str
    record_sha256: str
    total: Decimal
    stated_total: Decimal | None
    grade: str
    stated_grade: str | None
    groups: tuple[GroupResult, ...]
    indicators: tuple[IndicatorResult, ...]
    findings: tuple[Finding, ...]
    # After review (toolkit.review): equal to total and grade when there is no review file.
    audited_total: Decimal | None = None
    audited_grade: str | None = None
    review: Review | None = None
    # Every indicator that can be recomputed at its recomputed score, the rest at their self score.
    recomputed_total: Decimal | None = None
    kind: str = "department"  # department | project
    family: str = "fixed"  # fixed | target: the rubric family
    supervisor: str | None = None  # 主管部门, for a project

    def replace(self, **changes: Any) -> Result:
        """A copy with some fields changed; the original stays as it was."""
        return replace(self, **changes)

    @property
    def has_errors(self) -> bool:
        """An error-severity finding the reviewer has not dismissed."""
        return any(f.severity is Severity.ERROR and not self.dismissed(f) for f in self.findings)

    def decision_for(self, f: Finding) -> FindingDecision | None:
        return self.review.decision_for(f) if self.review is not None else None

    def dismissed(self, f: Finding) -> bool:
        decision = self.decision_for(f)
        return decision is not None and decision.decision is Decision.DISMISSED

    @property
    def final_total(self) -> Decimal:
        """The published total: audited where a review exists, else self-assessed."""
        return self.total if self.audited_total is None else self.audited_total

    @property
    def final_grade(self) -> str:
        return self.grade if self.audited_grade is None else self.audited_grade

    def findings_by_severity(self) -> dict[Severity, tuple[Finding, ...]]:
        return {
            s: tuple(f for f in self.findings if f.severity is s)
            for s in sorted(Severity, key=SEVERITY_ORDER.__getitem__)
        }

    @property
    def deductions(self) -> tuple[IndicatorResult, ...]:
        return tuple(i for i in self.indicators if i.lost > 0)

    def group_levels(self, level: int) -> tuple[GroupResult, ...]:
        """All groups at a level (1 = top), in table order."""
        out: list[GroupResult] = []
        stack = list(reversed(self.groups))
        while stack:
            g = stack.pop()
            if g.level == level:
                out.append(g)
            stack.extend(reversed(g.children))
        return tuple(out)

    def as_dict(self) -> dict:
        """The JSON object of `audit-toolkit score --json`."""
        return {
            "department": self.department,
            "code": self.code,
            "year": self.year,
            "fictional": self.fictional,
            "rubric": self.rubric,
            "rubric_version": self.rubric_version,
            "rubric_sha256": self.rubric_sha256,
            "record_sha256": self.record_sha256,
            "total": _num(self.total),
            "stated_total": _num(self.stated_total),
            "grade": self.grade,
            "stated_grade": self.stated_grade,
            "groups": [_group(g) for g in self.groups],
            "indicators": [_indicator(i) for i in self.indicators],
            "findings": [f.as_dict() for f in self.findings],
            "audited_total": _num(self.final_total),
            "audited_grade": self.final_grade,
            "recomputed_total": _num(self.recomputed_total),
            "kind": self.kind,
            "family": self.family,
            "supervisor": self.supervisor,
            "review": _review(self.review),
            "adjustments": [_adjustment(a) for a in self.review.adjustments] if self.review else [],
            "finding_decisions": [
                {"code": f.code, "indicator": f.indicator, "decision": d.decision, "note": d.note}
                for f in self.findings
                if (d := self.decision_for(f)) is not None
            ],
        }


def _num(value: Decimal | None) -> float | int | None:
    """JSON numbers: exact for the two-decimal values involved (94.20 -> 94.2, 3 -> 3)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _group(g: GroupResult) -> dict:
    return {
        "id": g.id,
        "name": g.label,
        "level": g.level,
        "weight": _num(g.weight),
        "score": _num(g.score),
        "audited_score": _num(g.audited),
        "children": [_group(c) for c in g.children],
    }


def _indicator(i: IndicatorResult) -> dict:
    return {
        "id": i.id,
        "name": i.label,
        "level1": i.groups[0] if len(i.groups) > 0 else None,
        "level2": i.groups[1] if len(i.groups) > 1 else None,
        "weight": _num(i.weight),
        "self_score": _num(i.self_score),
        "audited_score": _num(i.audited),
        "recomputed_score": _num(i.recomputed_score),
        "recomputed_raw": _num(i.recomputed_raw),
        "rule": i.rule,
        "applicable": i.applicable,
        "reason": i.reason,
        "measure": i.measure,
        "score_missing": i.unscored,
        "target": _measure(i.target),
        "actual": _measure(i.actual),
        "met": i.met,
    }


def _measure(m: Measure | None) -> dict | None:
    """A target or actual as written and as read: kind, operator, value, unit (and month/day for deadlines)."""
    if m is None:
        return None
    out: dict = {"written": m.written, "kind": m.kind.value, "operator": m.operator.value if m.operator else None}
    out |= {"value": _num(m.value), "unit": m.unit}
    if m.month is not None:
        out |= {"month": m.month, "day": m.day}
    return out


def _review(review: Review | None) -> dict | None:
    if review is None:
        return None
    return {
        "reviewer": review.reviewer,
        "reviewing_unit": review.reviewing_unit,
        "report_number": review.report_number,
        "date": review.date,
        "file": review.path.split("/")[-1],
        "sha256": review.sha256,
    }


def _adjustment(a: Adjustment) -> dict:
    return {
        "indicator": a.indicator,
        "name": a.label,
        "weight": _num(a.weight),
        "self_score": _num(a.self_score),
        "audited_score": _num(a.audited_score),
        "reason": a.reason,
    }
