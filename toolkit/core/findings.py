"""Findings: what a reviewer reports about a scored record. The codes are a contract other tools rely on."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        return _SEVERITY_LABEL[self]


_SEVERITY_LABEL = {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.INFO: "提示"}


class Decision(StrEnum):
    """A reviewer's decision on a finding: confirmed, or dismissed with a note."""

    ACCEPTED = "accepted"
    DISMISSED = "dismissed"

    @property
    def verb(self) -> str:
        """As the reviewer chooses it: 确认 / 驳回."""
        return _DECISION_WORDS[self][0]

    @property
    def label(self) -> str:
        """As reports and tables show it: 已确认 / 已驳回."""
        return _DECISION_WORDS[self][1]


_DECISION_WORDS = {Decision.ACCEPTED: ("确认", "已确认"), Decision.DISMISSED: ("驳回", "已驳回")}


# code -> (usual severity, Chinese title). Severity may differ per finding where the numbers decide it.
CATALOGUE: dict[str, tuple[Severity, str]] = {
    "SCORE_ABOVE_WEIGHT": (Severity.ERROR, "得分超过分值"),
    "SCORE_NEGATIVE": (Severity.ERROR, "得分为负"),
    "SCORE_PRECISION": (Severity.WARNING, "得分小数位数超过规定"),
    "TOTAL_MISMATCH": (Severity.ERROR, "总分与各项得分合计不符"),
    "STATED_TOTAL_MISSING": (Severity.WARNING, "未填报总分"),
    "GRADE_MISMATCH": (Severity.ERROR, "评价等级与总分不符"),
    "STATED_GRADE_MISSING": (Severity.WARNING, "未勾选评价等级"),
    "BUDGET_SUM_MISMATCH": (Severity.ERROR, "预算构成与总预算不符"),
    "DEDUCTION_WITHOUT_REASON": (Severity.ERROR, "扣分未说明原因"),
    "DEDUCTION_WITHOUT_MEASURE": (Severity.WARNING, "扣分未提出改进措施"),
    "FULL_SCORE_WITH_PROBLEM": (Severity.WARNING, "满分但原因栏描述了问题"),
    "DEDUCTION_TEXT_MISMATCH": (Severity.ERROR, "原因所述扣分与实际扣分不符"),
    "RECOMPUTED_MISMATCH": (Severity.ERROR, "依据重算得分与自评分不符"),
    "ROUNDING_DIFFERENCE": (Severity.WARNING, "自评分与重算得分存在舍入差异"),
    "EVIDENCE_MISSING": (Severity.INFO, "缺少计分依据，无法重算"),
    "MISSING_INDICATOR": (Severity.ERROR, "缺少指标"),
    "UNNAMED_INDICATOR": (Severity.WARNING, "指标未列名称"),
    "NOT_APPLICABLE": (Severity.INFO, "指标不适用"),
    "TRUNCATED_TEXT": (Severity.WARNING, "文字不完整"),
    "GOALS_COMPLETION_COUNT": (Severity.WARNING, "目标与完成情况条数不符"),
    "LOW_TARGET_VALUES": (Severity.WARNING, "扣分原因为指标值设置偏低"),
    # Target-versus-actual forms (toolkit.core.target_checks)
    "EXECUTION_SCORE_MISMATCH": (Severity.ERROR, "预算执行得分与分值×执行率不符"),
    "EXECUTION_RATE_MISMATCH": (Severity.ERROR, "填报执行率与执行数÷预算数不符"),
    "EXECUTION_OVER_BUDGET": (Severity.WARNING, "执行数超过预算数"),
    "BUDGET_ROW_MISMATCH": (Severity.ERROR, "资金总额与其中各项合计不符"),
    "BUDGET_ADJUSTED_TO_SPEND": (Severity.WARNING, "预算年中调整为恰等于执行数"),
    "TARGET_NOT_MET_FULL_SCORE": (Severity.ERROR, "未达到目标却得满分"),
    "DEDUCTION_ALTHOUGH_MET": (Severity.WARNING, "已达到目标却扣分"),
    "TARGET_FAR_EXCEEDED": (Severity.WARNING, "实际完成值远超目标（指标值设置偏低）"),
    "ACTUAL_NOT_MEASURABLE": (Severity.WARNING, "量化目标的实际完成值无法衡量"),
    "UNIT_MISMATCH": (Severity.WARNING, "目标与实际完成值单位不一致"),
    "FRAME_WEIGHT_MISMATCH": (Severity.ERROR, "指标分值合计与评价框架不符"),
    "SCORE_MISSING": (Severity.ERROR, "未填写得分"),
    "TEMPLATE_TEXT": (Severity.WARNING, "表格填写说明未替换为实际内容"),
    "WEIGHT_CONCENTRATION": (Severity.WARNING, "单项指标分值占比过高"),
    "INCOMPLETE_TABLE": (Severity.WARNING, "公开表格不完整"),
    "STATED_TOTAL_IS_WEIGHT": (Severity.WARNING, "合计栏为分值合计而非得分"),
    "EMPTY_ROW": (Severity.INFO, "指标表有未填写的空行"),
    "INDICATOR_MISCLASSIFIED": (Severity.WARNING, "指标归类不当（所列指标与其所在分组不符）"),
    "TEXT_AMOUNTS_MISMATCH": (Severity.WARNING, "目标或完成情况文字中各项金额之和超过所写总额"),
    "TARGET_DIRECTION": (Severity.WARNING, "数量指标的目标写成“至多”，方向可能写反"),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One reviewer finding, with the numbers behind it in `data`."""

    code: str
    severity: Severity
    indicator: str | None
    message: str
    data: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def title(self) -> str:
        return CATALOGUE[self.code][1]

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "indicator": self.indicator,
            "message": self.message,
        }


def finding(
    code: str, indicator: str | None, message: str, severity: Severity | None = None, **data: object
) -> Finding:
    """A finding with the catalogue's usual severity unless the caller's numbers decide another."""
    return Finding(code, severity or CATALOGUE[code][0], indicator, message, data)


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
