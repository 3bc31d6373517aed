"""The narrative audit report of one department: each section written from the department's own numbers.

Sections are HTML fragments rendered by Jinja2 with autoescaping, so any text that came from a department
(a reason containing `<script>`, say) is shown as text. Each fragment also carries a plain-text form,
which is what nbval compares in the stored notebook.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from markupsafe import Markup

from toolkit.core.findings import Decision, Severity
from toolkit.core.frame import execution_leaf
from toolkit.core.numbers import HUNDRED, fmt, fmt2
from toolkit.core.record import Amounts, Record, load_record
from toolkit.core.result import IndicatorResult, Result
from toolkit.report import charts
from toolkit.report.resultdata import ResultData
from toolkit.report.templating import environment
from toolkit.review.apply import audit
from toolkit.review.files import review_path_for

_ENV = environment(fmt=fmt, fmt2=fmt2, pct=lambda v, places=2: f"{fmt(v * HUNDRED, places)}%")
_TAGS = re.compile(r"<[^>]+>")
_BLANKS = re.compile(r"\n\s*\n+")


@dataclass(frozen=True)
class Fragment:
    """A piece of the report: HTML for people, plain text for diffing."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        text = html.unescape(_TAGS.sub("", self.html.replace("</tr>", "</tr>\n").replace("</td>", "</td> ")))
        return _BLANKS.sub("\n", text).strip()


# Suggestions a reviewer adds for recurring kinds of finding (in addition to the department's own measures).
_ADVICE = {
    "LOW_TARGET_VALUES": "绩效目标值应结合近三年实际完成值和行业标准科学设定，避免因指标值偏低导致评价失真。",
    "ROUNDING_DIFFERENCE": "统一评分的取舍规则（建议按四舍五入保留两位小数），同一张表内不应一项截尾、一项四舍五入。",
    "RECOMPUTED_MISMATCH": "按评分标准和计分依据重新核定得分，并在原因栏写明计算过程。",
    "BUDGET_SUM_MISMATCH": "核对预算表各栏数据，确保基本支出与项目支出之和与总预算一致。",
    "TRUNCATED_TEXT": "补全被截断的文字说明，确保公开文本完整可读。",
    "UNNAMED_INDICATOR": "补充未列名称指标的名称、解释和评分标准，确保指标体系完整公开。",
    "DEDUCTION_WITHOUT_REASON": "对每一项扣分写明未达标原因。",
    "DEDUCTION_WITHOUT_MEASURE": "对每一项扣分提出有针对性的改进措施。",
    "TOTAL_MISMATCH": "核对总分与各项得分合计，更正填报总分。",
    "GRADE_MISMATCH": "按总分所在区间重新勾选评价等级。",
    "DEDUCTION_TEXT_MISMATCH": "使原因栏所述扣分与实际扣分一致。",
    "FULL_SCORE_WITH_PROBLEM": "原因栏已述及问题的指标，应按评分标准相应扣分或说明不扣分的理由。",
    "SCORE_ABOVE_WEIGHT": "更正超过分值的得分，任何指标得分不得高于其分值。",
    "MISSING_INDICATOR": "补齐指标体系要求的全部指标并逐项评分。",
}


_MET = {True: "达成", False: "未达成", None: "无法判断"}
_BASE = {"adjusted": "全年预算数", "initial": "年初预算数"}


@dataclass(frozen=True)
class TargetRow:
    """One row of 目标与实际完成对照: an indicator of a target-versus-actual form."""

    levels: tuple[str, str, str]  # 一级, 二级, 三级
    target: str  # 年度指标值 as written
    actual: str  # 实际完成值 as written
    met: str  # 达成 / 未达成 / 无法判断
    weight: Decimal
    self_score: Decimal | None  # None when the record left it blank
    recomputed: Decimal | None
    indicator: IndicatorResult

    @property
    def missed(self) -> bool:
        return self.indicator.met is False


@dataclass(frozen=True)
class ExecutionFacts:
    """The budget execution block of a frame record, with the rate and the score recomputed."""

    total: Amounts
    components: list[tuple[str, Amounts]]  # components the form filled in
    base: str  # what the rate divides by: 全年预算数 or 年初预算数
    budget: Decimal | None
    executed: Decimal | None
    rate: Decimal | None  # executed ÷ budget, uncapped; None without a budget
    stated_rate: Decimal | None  # percent, as printed
    weight: Decimal | None
    stated_score: Decimal | None
    recomputed_score: Decimal | None
    reason: str | None
    tolerance: Decimal

    def _rate(self, amounts: Amounts) -> Decimal | None:
        budget = amounts.adjusted if self.base == _BASE["adjusted"] else amounts.initial
        return amounts.executed / budget if budget and amounts.executed is not None else None

    @property
    def rows(self) -> list[tuple[str, Amounts, Decimal | None]]:
        """(name, amounts, recomputed rate) for 年度资金总额 and each component filled in."""
        return [("年度资金总额", self.total, self.rate)] + [(n, a, self._rate(a)) for n, a in self.components]

    @property
    def capped(self) -> bool:
        return self.rate is not None and self.rate > 1

    @property
    def rate_matches(self) -> bool | None:
        if self.rate is None or self.stated_rate is None:
            return None
        return abs(self.rate * HUNDRED - self.stated_rate) <= Decimal("0.01")

    @property
    def score_difference(self) -> Decimal | None:
        if self.stated_score is None or self.recomputed_score is None:
            return None
        return self.stated_score - self.recomputed_score

    @property
    def score_matches(self) -> bool | None:
        diff = self.score_difference
        return None if diff is None else abs(diff) <= self.tolerance


class DepartmentReport:
    """Everything the department notebook shows, as calls that return displayable fragments and charts."""

    def __init__(self, record: Record, result: Result):
        self.record = record
        self.result = result

    @classmethod
    def open(cls, record_path: str | Path, rubric: str | None = None) -> DepartmentReport:
        record = load_record(record_path, rubric)
        return cls(record, audit(record))

    def _render(self, macro: str, **extra: object) -> Fragment:
        module = _ENV.get_template("report.html.j2").module
        return Fragment(str(getattr(module, macro)(r=self.result, d=self.record.data, rep=self, **extra)))

    # --- derived facts the sections talk about -------------------------------------------------

    @cached_property
    def budget_parts(self) -> list[tuple[str, Decimal, Decimal]]:
        """(name, amount, share of the stated total) per budget component."""
        budget = self.record.data.budget
        if budget is None:
            return []
        return [
            (name, amount, amount / budget.total if budget.total else Decimal(0))
            for name, amount in budget.components.items()
        ]

    # --- frame records (target-versus-actual forms) ---------------------------------------------

    @property
    def is_frame(self) -> bool:
        """A target-versus-actual record: budget execution block and targets instead of 总预算 and rubric rows."""
        return self.record.rubric.family == "target"

    @property
    def is_project(self) -> bool:
        return self.record.data.kind == "project"

    @property
    def subject(self) -> str:
        """What was evaluated, as the text calls it: 项目 or 部门."""
        return "项目" if self.is_project else "部门"

    @property
    def report_kind(self) -> str:
        return "项目支出绩效自评" if self.is_project else "部门整体支出绩效自评"

    @cached_property
    def execution(self) -> ExecutionFacts | None:
        ex = self.record.data.execution
        if ex is None:
            return None
        leaf = execution_leaf(self.record.rubric)
        divide_by = getattr(leaf.rule, "divide_by", "adjusted") if leaf is not None else "adjusted"
        budget = ex.total.adjusted if divide_by == "adjusted" else ex.total.initial
        scored = next((i for i in self.result.indicators if leaf is not None and i.id == leaf.id), None)
        return ExecutionFacts(
            total=ex.total,
            components=[(name, a) for name, a in ex.components.items() if not a.blank],
            base=_BASE[divide_by],
            budget=budget,
            executed=ex.total.executed,
            rate=ex.total.executed / budget if budget and ex.total.executed is not None else None,
            stated_rate=ex.stated_rate,
            weight=scored.weight if scored else None,
            stated_score=ex.stated_score if ex.stated_score is not None else (scored.self_score if scored else None),
            recomputed_score=scored.recomputed_score if scored else None,
            reason=ex.reason,
            tolerance=self.record.rubric.tolerance.score,
        )

    @cached_property
    def target_rows(self) -> list[TargetRow]:
        """目标与实际完成对照: every indicator with a target, in table order."""
        rows = []
        for i in self.result.indicators:
            if i.target is None and i.actual is None:
                continue
            levels = (tuple(i.groups) + ("", ""))[:2] + (i.label,)
            rows.append(
                TargetRow(
                    levels=levels,  # type: ignore[arg-type]
                    target=(i.target.written.strip() if i.target else "") or "（空）",
                    actual=(i.actual.written.strip() if i.actual else "") or "（空）",
                    met=_MET[i.met],
                    weight=i.weight,
                    self_score=None if i.unscored else i.self_score,
                    recomputed=i.recomputed_score,
                    indicator=i,
                )
            )
        return rows

    @property
    def missed_targets(self) -> list[TargetRow]:
        return [row for row in self.target_rows if row.missed]

    @property
    def undecided_targets(self) -> list[TargetRow]:
        return [row for row in self.target_rows if row.indicator.met is None]

    @property
    def recomputed_grade(self) -> str | None:
        total = self.result.recomputed_total
        return None if total is None else self.record.rubric.grade_for(total)

    @cached_property
    def achievement(self) -> charts.Chart:
        return charts.achievement(self.result)

    @property
    def achievement_html(self) -> Markup:
        """The achievement chart as inline HTML (its alt text escaped), for the target comparison section."""
        return Markup(self.achievement._repr_html_())

    @cached_property
    def explanations(self) -> dict[str, str | None]:
        return {i.id: i.node.explanation for i in self.record.rubric.indicators}

    def findings_for(self, indicator_id: str) -> list:
        return [f for f in self.result.findings if f.indicator == indicator_id]

    @property
    def severities(self) -> list[tuple[Severity, tuple]]:
        return list(self.result.findings_by_severity().items())

    @property
    def decided(self) -> list[tuple]:
        """(finding, decision) for every finding the reviewer decided on, in report order."""
        return [(f, d) for f in self.result.findings if (d := self.result.decision_for(f)) is not None]

    @property
    def dismissed(self) -> list:
        return [f for f, d in self.decided if d.decision is Decision.DISMISSED]

    @property
    def adjusted_change(self) -> Decimal:
        review = self.result.review
        return sum((a.change for a in review.adjustments), Decimal(0)) if review else Decimal(0)

    @property
    def review_file(self) -> str:
        return review_path_for(self.record.path).name

    @property
    def record_file(self) -> str:
        return Path(self.result.record_path).name

    @property
    def rubric_title(self) -> str:
        return self.record.rubric.declaration.title

    @property
    def rubric_source(self) -> str | None:
        """What the rubric implements: the policy or published form it was taken from."""
        return self.record.rubric.declaration.source

    @property
    def recomputed_counts(self) -> tuple[int, int]:
        """(recomputed from evidence, accepted as reported) over the applicable indicators."""
        applicable = [i for i in self.result.indicators if i.applicable]
        recomputed = sum(1 for i in applicable if i.recomputed_score is not None)
        return recomputed, len(applicable) - recomputed

    @cached_property
    def annex_rows(self) -> list[tuple[IndicatorResult, list[tuple[str, int] | None]]]:
        """Each indicator with its level cells: (name, rows it spans) where a run of equal levels starts,
        None where the cell above spans it; unnamed levels are never merged."""
        depth = self.record.rubric.depth - 1
        indicators = self.result.indicators
        paths = [tuple((tuple(i.groups) + ("",) * depth)[:depth]) for i in indicators]
        rows = []
        for r, path in enumerate(paths):
            cells: list[tuple[str, int] | None] = []
            for n in range(depth):
                if r and path[n] and paths[r - 1][: n + 1] == path[: n + 1]:
                    cells.append(None)
                    continue
                span = 1
                while path[n] and r + span < len(paths) and paths[r + span][: n + 1] == path[: n + 1]:
                    span += 1
                cells.append((path[n], span))
            rows.append((indicators[r], cells))
        return rows

    @property
    def advice(self) -> list[str]:
        seen = []
        for f in self.result.findings:
            text = _ADVICE.get(f.code)
            if text and text not in seen:
                seen.append(text)
        return seen

    # --- sections, in report order --------------------------------------------------------------

    def title(self) -> Fragment:
        return self._render("title")

    def basis(self) -> Fragment:
        """复核依据、范围和方法: the rubric and what it implements, what was reviewed, and how."""
        return self._render("basis")

    def key_figures(self) -> Fragment:
        """The numbers a reader checks first: total, subtotals, grade, counts of findings."""
        return self._render("key_figures")

    def basic_info(self) -> Fragment:
        return self._render("basic_info")

    def goals(self) -> Fragment:
        return self._render("goals")

    def budget(self) -> Fragment:
        return self._render("budget")

    def budget_chart(self) -> charts.Chart | None:
        """The 总预算 composition; None for a frame record, which has an execution block instead."""
        budget = self.record.data.budget
        if budget is None:
            return None
        return charts.budget_composition(budget.components, budget.total)

    def targets(self) -> Fragment:
        """目标与实际完成对照: one row per indicator with its target, actual, whether met and the scores."""
        return self._render("targets")

    def achievement_chart(self) -> charts.Chart:
        return self.achievement

    def score_table(self) -> Fragment:
        return self._render("score_table")

    def analysis(self) -> Fragment:
        return self._render("analysis")

    def level2_chart(self) -> charts.Chart:
        return charts.level2_rates(self.result)

    def deduction_chart(self) -> charts.Chart:
        return charts.deduction_path(self.result)

    def problems(self) -> Fragment:
        return self._render("problems")

    def measures(self) -> Fragment:
        return self._render("measures")

    def review_opinion(self) -> Fragment:
        return self._render("review_opinion")

    def adjustments(self) -> Fragment:
        """复核调整: the reviewer's re-scores with reasons and decisions on findings, or that there are none."""
        return self._render("adjustments")

    def annex(self) -> Fragment:
        return self._render("annex")

    def result_data(self) -> ResultData:
        """The result.json object, as the hidden output `run` publishes it from (the record is scored once)."""
        return ResultData(self.result)


def open_report(record_path: str | Path, rubric: str | None = None) -> DepartmentReport:
    """Load, validate and score a record, ready for the notebook to display section by section."""
    return DepartmentReport.open(record_path, rubric)
