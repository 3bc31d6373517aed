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

from toolkit.core.findings import Severity
from toolkit.core.numbers import HUNDRED, fmt, fmt2
from toolkit.core.record import Record, load_record
from toolkit.core.result import Result
from toolkit.review.apply import audit
from toolkit.report import charts
from toolkit.report.templating import environment
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
        return [
            (name, amount, amount / budget.total if budget.total else Decimal(0))
            for name, amount in budget.components.items()
        ]

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
        return [f for f, d in self.decided if d.decision == "dismissed"]

    @property
    def adjusted_change(self) -> Decimal:
        review = self.result.review
        return sum((a.change for a in review.adjustments), Decimal(0)) if review else Decimal(0)

    @property
    def review_file(self) -> str:
        return review_path_for(self.record.path).name

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

    def key_figures(self) -> Fragment:
        """The numbers a reader checks first: total, subtotals, grade, counts of findings."""
        return self._render("key_figures")

    def basic_info(self) -> Fragment:
        return self._render("basic_info")

    def goals(self) -> Fragment:
        return self._render("goals")

    def budget(self) -> Fragment:
        return self._render("budget")

    def budget_chart(self) -> charts.Chart:
        budget = self.record.data.budget
        return charts.budget_composition(budget.components, budget.total)

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


def open_report(record_path: str | Path, rubric: str | None = None) -> DepartmentReport:
    """Load, validate and score a record, ready for the notebook to display section by section."""
    return DepartmentReport.open(record_path, rubric)
