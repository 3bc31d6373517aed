"""Scoring results: immutable values, and their JSON form (the `score --json` contract)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from .findings import SEVERITY_ORDER, Finding, Severity


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

    @property
    def lost(self) -> Decimal:
        """Points lost against full marks (0 when not applicable)."""
        return max(self.weight - self.self_score, Decimal(0)) if self.applicable else Decimal(0)


@dataclass(frozen=True, slots=True)
class GroupResult:
    id: str
    label: str
    level: int
    weight: Decimal
    score: Decimal
    children: tuple["GroupResult", ...]
    indicators: tuple[str, ...]  # ids of all indicators below

    @property
    def rate(self) -> Decimal:
        return self.score / self.weight if self.weight else Decimal(0)


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

    def replace(self, **changes: object) -> "Result":
        """A copy with some fields changed; the original stays as it was."""
        return replace(self, **changes)

    @property
    def has_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    def findings_by_severity(self) -> dict[Severity, tuple[Finding, ...]]:
        return {s: tuple(f for f in self.findings if f.severity is s) for s in sorted(Severity, key=SEVERITY_ORDER.get)}

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
        }


def _num(value: Decimal | None) -> float | int | None:
    """JSON numbers: exact for the two-decimal values involved (94.20 -> 94.2, 3 -> 3)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _group(g: GroupResult) -> dict:
    return {
        "id": g.id, "name": g.label, "level": g.level, "weight": _num(g.weight), "score": _num(g.score),
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
        "recomputed_score": _num(i.recomputed_score),
        "recomputed_raw": _num(i.recomputed_raw),
        "rule": i.rule,
        "applicable": i.applicable,
        "reason": i.reason,
        "measure": i.measure,
    }
