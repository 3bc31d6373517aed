"""Scoring rule types. A rule is declared in the rubric; it turns a record's evidence into a raw score.

Every rule promises: `evidence_problems(evidence)` lists what is wrong with a record's evidence,
and `compute(weight, evidence)` returns the unrounded score and the formula in Chinese,
or None when the rule leaves the score to the evaluator.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from toolkit.core import targets
from toolkit.core.models import Frozen
from toolkit.core.numbers import HUNDRED, ZERO, fmt

Evidence = dict[str, object]
Computed = tuple[Decimal, str]
# Rule parameters stay far inside the 28 digits of the decimal context, as scores and evidence do: 1e30 points
# off per 1e-30 units would overflow it when the score is worked out.
PARAM_MAX = 10**12
Param = Annotated[Decimal, Field(ge=-PARAM_MAX, le=PARAM_MAX)]
Points = Annotated[Decimal, Field(gt=0, le=1000)]
_NUMBER_EXPECTED = "应为 0 到 10^12 之间的数字（非 0 时不小于 10^-12）"


class _Rule(Frozen):
    required: ClassVar[tuple[str, ...]] = ()  # evidence keys the rule needs
    optional: ClassVar[tuple[str, ...]] = ("note", "sentence", "extracted")  # provenance, never computed on

    label: str | None = None  # optional wording of the standard as printed in the rubric
    type: str  # the rule type: every subclass narrows it to its Literal (the discriminator)

    def weight_problems(self, weight: Decimal) -> list[str]:
        """Rule parameters that cannot work with this weight."""
        return []

    def evidence_problems(self, evidence: Evidence) -> list[tuple[str, str]]:
        return [(key, _NUMBER_EXPECTED) for key in self.required if not _is_number(evidence.get(key))] + [
            (key, f"该计分规则（{self.type}）不使用此项依据，可用：{'、'.join(self.required) or '无'}")
            for key in evidence
            if key not in self.required and key not in self.optional
        ]

    def compute(self, weight: Decimal, evidence: Evidence) -> Computed | None:
        return None


def _is_number(value: object) -> bool:
    """A finite number from 0 to 10^12 and, unless 0, not below 10^-12: a count, a percentage or an amount in
    万元. NaN cannot even be compared; anything larger, or a divisor that small (1E-999999), would overflow the
    decimal context when the score is worked out."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        return False
    if isinstance(value, Decimal) and not value.is_finite():
        return False
    return 0 <= value <= PARAM_MAX and (not value or Decimal(value).adjusted() >= -12)


def _d(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)  # type: ignore[arg-type]


class Judgement(_Rule):
    """The evaluator's score within [0, weight]; a reason is required below full marks."""

    type: Literal["judgement"]
    required: ClassVar[tuple[str, ...]] = ()


class Proportional(_Rule):
    """Rate (in percent) × weight, full marks from `full_at` percent (按完成比例计分，满分为止)."""

    type: Literal["proportional"]
    full_at: Decimal = Field(default=HUNDRED, gt=0, le=PARAM_MAX)
    required: ClassVar[tuple[str, ...]] = ("rate",)

    def compute(self, weight: Decimal, evidence: Evidence) -> Computed:
        rate = _d(evidence["rate"])
        share = min(rate, self.full_at) / self.full_at
        counted = f"{fmt(weight)} × {fmt(min(rate, self.full_at), 4)}%"
        # 10 × 98.88% reads as it is meant; the share of full_at only needs saying when it is not 100%.
        return weight * share, counted if self.full_at == HUNDRED else f"{counted} ÷ {fmt(self.full_at)}%"


class Ratio(_Rule):
    """actual ÷ target × weight for ≥ targets, target ÷ actual × weight for ≤ targets; capped at the weight."""

    type: Literal["ratio"]
    direction: Literal["higher_is_better", "lower_is_better"] = "higher_is_better"
    required: ClassVar[tuple[str, ...]] = ("actual", "target")

    def evidence_problems(self, evidence: Evidence) -> list[tuple[str, str]]:
        problems = super().evidence_problems(evidence)
        if not problems and _d(evidence["target"]) == 0:
            problems.append(("target", "目标值不能为 0"))
        return problems

    def compute(self, weight: Decimal, evidence: Evidence) -> Computed:
        actual, target = _d(evidence["actual"]), _d(evidence["target"])
        if self.direction == "higher_is_better":
            return weight * min(
                actual / target, Decimal(1)
            ), f"{fmt(weight)} × 实际值 {fmt(actual, 4)} ÷ 目标值 {fmt(target, 4)}（满分为止）"
        if actual == 0:
            return weight, f"实际值为 0，不超过目标值 {fmt(target, 4)}，得满分"
        return weight * min(
            target / actual, Decimal(1)
        ), f"{fmt(weight)} × 目标值 {fmt(target, 4)} ÷ 实际值 {fmt(actual, 4)}（满分为止）"


class CountRatio(_Rule):
    """Compliant cases ÷ all cases × weight (按比例计分); evidence gives `total` and `passed` or `failed`."""

    type: Literal["count_ratio"]
    required: ClassVar[tuple[str, ...]] = ("total",)
    optional: ClassVar[tuple[str, ...]] = ("passed", "failed", "note", "sentence", "extracted")

    def evidence_problems(self, evidence: Evidence) -> list[tuple[str, str]]:
        problems = super().evidence_problems(evidence)
        given = [k for k in ("passed", "failed") if k in evidence]
        if len(given) != 1:
            problems.append(("passed", "应给出 passed（合规数）或 failed（不合规数）其中之一"))
        elif not _is_number(evidence[given[0]]):
            problems.append((given[0], "应为不小于 0 的整数"))
        elif not problems and _d(evidence[given[0]]) > _d(evidence["total"]):
            problems.append((given[0], f"不能大于总数 {evidence['total']}"))
        return problems

    def compute(self, weight: Decimal, evidence: Evidence) -> Computed:
        total = _d(evidence["total"])
        passed = _d(evidence["passed"]) if "passed" in evidence else total - _d(evidence["failed"])
        if total == 0:
            return weight, "无应计事项，得满分"
        return weight * passed / total, f"{fmt(weight)} × {fmt(passed)} ÷ {fmt(total)}"


class PerUnitDeduction(_Rule):
    """Full marks within `limit`; `points` off per `unit` beyond it, down to zero.

    As rubrics print it: 每超过一个百分点扣0.5分，扣完为止."""

    type: Literal["per_unit_deduction"]
    limit: Param
    unit: Decimal = Field(default=Decimal(1), ge=Decimal("0.000001"), le=PARAM_MAX)
    points: Points
    direction: Literal["over", "under"] = "over"
    required: ClassVar[tuple[str, ...]] = ("value",)

    def compute(self, weight: Decimal, evidence: Evidence) -> Computed:
        value = _d(evidence["value"])
        excess = max(ZERO, value - self.limit if self.direction == "over" else self.limit - value)
        deduction = excess / self.unit * self.points
        side = "超出" if self.direction == "over" else "低于"
        return max(
            ZERO, weight - deduction
        ), f"{fmt(weight)} − {side}{fmt(excess, 4)} ÷ {fmt(self.unit)} × {fmt(self.points)}（扣完为止）"


class PerCaseDeduction(_Rule):
    """`points` off per non-compliant case found, floor zero."""

    type: Literal["per_case_deduction"]
    points: Points
    required: ClassVar[tuple[str, ...]] = ("cases",)

    def compute(self, weight: Decimal, evidence: Evidence) -> Computed:
        cases = _d(evidence["cases"])
        return max(
            ZERO, weight - cases * self.points
        ), f"{fmt(weight)} − {fmt(cases)} 处 × {fmt(self.points)}（扣完为止）"


class Tier(Frozen):
    """One band: its lower bound (`min`, where a higher value scores more) or its upper bound (`max`, where a
    lower value scores more, as 预算调整率 or 预算控制率 do), inclusive, and its score."""

    min: Param | None = None
    max: Param | None = None
    score: Decimal = Field(ge=0, le=1000)


class Tiers(_Rule):
    """Bands of a value. With lower bounds (`min`): the score of the highest tier the value reaches, 0 below all
    tiers. With upper bounds (`max`): the score of the first tier the value does not exceed, 0 above all tiers
    (预算控制率=0 计8分；0-10%(含) 计6分 … 大于30%不得分)."""

    type: Literal["tiers"]
    tiers: tuple[Tier, ...] = Field(min_length=1)
    required: ClassVar[tuple[str, ...]] = ("value",)

    @property
    def lower_is_better(self) -> bool:
        """Whether the tiers are given by upper bounds (the first tier decides)."""
        return self.tiers[0].max is not None

    def weight_problems(self, weight: Decimal) -> list[str]:
        # Checked here rather than in a pydantic validator so that it is reported together with
        # every other rubric problem instead of hiding them.
        ceiling = self.lower_is_better
        first, other = ("上限 max", "下限 min") if ceiling else ("下限 min", "上限 max")
        mixed = [
            f"第 {i + 1} 档应写上限 max 或下限 min 之一"
            if (t.min is None) == (t.max is None)
            else f"第 {i + 1} 档写的是{other}，第 1 档写的是{first}：各档应一致"
            for i, t in enumerate(self.tiers)
            if (t.min is None) == (t.max is None) or (t.max is not None) != ceiling
        ]
        bounds = self._bounds()
        ordered = bounds == sorted(bounds, reverse=not ceiling) and len(set(bounds)) == len(bounds)
        order = (
            []
            if mixed or ordered
            else [
                f"各档{'上限应从低到高' if ceiling else '下限应从高到低'}排列且互不相同，"
                f"实际为 {'、'.join(fmt(b, 4) for b in bounds)}"
            ]
        )
        scores = [
            f"第 {i + 1} 档得分 {fmt(t.score)} 超过分值 {fmt(weight)}"
            for i, t in enumerate(self.tiers)
            if t.score > weight
        ]
        return mixed + order + scores

    def _bounds(self) -> list[Decimal]:
        """The tiers' upper bounds when lower is better, else their lower bounds (a tier lacking one is a
        rubric problem, reported by weight_problems)."""
        return [b for t in self.tiers if (b := t.max if self.lower_is_better else t.min) is not None]

    def compute(self, weight: Decimal, evidence: Evidence) -> Computed:
        value = _d(evidence["value"])
        if self.lower_is_better:
            for tier in self.tiers:
                if tier.max is not None and value <= tier.max:
                    return tier.score, f"{fmt(value, 4)} ≤ {fmt(tier.max, 4)}，得 {fmt(tier.score)} 分"
            return ZERO, f"{fmt(value, 4)} 高于最高档 {fmt(self._bounds()[-1], 4)}，得 0 分"
        for tier in self.tiers:
            if tier.min is not None and value >= tier.min:
                return tier.score, f"{fmt(value, 4)} ≥ {fmt(tier.min, 4)}，得 {fmt(tier.score)} 分"
        return ZERO, f"{fmt(value, 4)} 低于最低档 {fmt(self._bounds()[-1], 4)}，得 0 分"


class ChecklistItem(Frozen):
    id: str = Field(min_length=1)
    points: Points


class Checklist(_Rule):
    """Each item met earns its points; items add up to the weight. Evidence: `met`, a list of item ids."""

    type: Literal["checklist"]
    items: tuple[ChecklistItem, ...] = Field(min_length=1)
    required: ClassVar[tuple[str, ...]] = ("met",)

    def weight_problems(self, weight: Decimal) -> list[str]:
        total = sum((i.points for i in self.items), ZERO)
        problems = [] if total == weight else [f"各项分值合计 {fmt(total)}，不等于指标分值 {fmt(weight)}"]
        ids = [i.id for i in self.items]
        return problems + [f"检查项 {x} 重复" for x in sorted({x for x in ids if ids.count(x) > 1})]

    def evidence_problems(self, evidence: Evidence) -> list[tuple[str, str]]:
        met = evidence.get("met")
        known = {i.id for i in self.items}
        extra = [k for k in evidence if k not in ("met", *self.optional)]
        problems = [(k, "清单类规则只使用 met（已满足的检查项列表）") for k in extra]
        if not isinstance(met, list):
            return problems + [("met", "应为已满足检查项的列表")]
        return problems + [("met", f"未知检查项 {x}，可选：{'、'.join(sorted(known))}") for x in met if x not in known]

    def compute(self, weight: Decimal, evidence: Evidence) -> Computed:
        listed = evidence["met"]
        met = set(listed) if isinstance(listed, list) else set()  # evidence_problems has checked it is a list
        got = [i for i in self.items if i.id in met]
        return sum(
            (i.points for i in got), ZERO
        ), f"满足 {len(got)}/{len(self.items)} 项：{'、'.join(i.id for i in got) or '无'}"


class NotApplicable(_Rule):
    """The indicator does not apply: dropped with the rest rescaled to the full total, or full marks with a reason."""

    type: Literal["not_applicable"]
    mode: Literal["rescale", "full_marks"] = "rescale"
    reason: str = Field(min_length=1)
    required: ClassVar[tuple[str, ...]] = ()

    def compute(self, weight: Decimal, evidence: Evidence) -> Computed | None:
        if self.mode == "full_marks":
            return weight, f"不适用，按满分计：{self.reason}"
        return None


class BudgetExecution(_Rule):
    """Budget execution of a target-versus-actual form: weight × min(executed ÷ budget, 1) (财预〔2020〕10号).

    The record's execution block gives the figures (toolkit.core.frame); `divide_by` says which budget the
    form divides by: the full-year (adjusted) budget, or the budget at the start of the year."""

    type: Literal["budget_execution"]
    divide_by: Literal["adjusted", "initial"] = "adjusted"
    required: ClassVar[tuple[str, ...]] = ("budget", "executed")

    def compute(self, weight: Decimal, evidence: Evidence) -> Computed | None:
        budget, executed = _d(evidence["budget"]), _d(evidence["executed"])
        if budget <= 0:
            return None  # no budget to execute against: the evaluator's judgement
        rate = executed / budget
        capped = "（执行率超过 100%，按 100% 计）" if rate > 1 else ""
        return weight * min(rate, Decimal(1)), f"{fmt(weight)} × {fmt(executed, 4)} ÷ {fmt(budget, 4)}{capped}"


class Target(_Rule):
    """A target-versus-actual indicator: met → the weight; a quantity missed → weight × the achieved ratio
    (actual ÷ target for ≥, target ÷ actual for ≤); a deadline missed or a qualitative target → judgement.

    Evidence: `target` and `actual` as written, and `nature` / `unit` where the form has those columns."""

    type: Literal["target"]
    far_exceeded_at: Decimal = Field(
        default=Decimal("1.3"), gt=1, le=10**6
    )  # actual ÷ target from which 指标值设置偏低
    required: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ("target", "actual", "nature", "unit", "note", "sentence", "extracted")

    def evidence_problems(self, evidence: Evidence) -> list[tuple[str, str]]:
        return [
            (key, "应为文字")
            for key in ("target", "actual", "nature", "unit")
            if key in evidence and not isinstance(evidence[key], str)
        ] + [(key, f"该计分规则（{self.type}）不使用此项依据") for key in evidence if key not in self.optional]

    def measures(self, evidence: Evidence) -> tuple[targets.Measure, targets.Measure]:
        """The target and the actual as read from what the record wrote."""
        nature, unit = _text(evidence.get("nature")), _text(evidence.get("unit"))
        target = targets.parse_target(_text(evidence.get("target")), nature=nature, unit=unit)
        return target, targets.parse_actual(_text(evidence.get("actual")), unit=unit)

    def compute(self, weight: Decimal, evidence: Evidence) -> Computed | None:
        target, actual = self.measures(evidence)
        raw = targets.recompute(weight, target, actual)
        if raw is None:
            return None
        if targets.met(target, actual):
            return raw, f"实际 {actual.shown} 达到目标 {target.shown}，计满分 {fmt(weight)}"
        ratio = targets.ratio(target, actual)
        return raw, f"{fmt(weight)} × {fmt(ratio, 4)}（{actual.shown} 对 {target.shown}）"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


Rule = Annotated[
    Judgement
    | Proportional
    | Ratio
    | CountRatio
    | PerUnitDeduction
    | PerCaseDeduction
    | Tiers
    | Checklist
    | NotApplicable
    | BudgetExecution
    | Target,
    Field(discriminator="type"),
]

RULE_TYPES = (
    "judgement",
    "proportional",
    "ratio",
    "count_ratio",
    "per_unit_deduction",
    "per_case_deduction",
    "tiers",
    "checklist",
    "not_applicable",
    "budget_execution",
    "target",
)
