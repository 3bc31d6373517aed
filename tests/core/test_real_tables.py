"""The real published target-versus-actual tables (tests/fixtures/real, transcribed by hand as records in
tests/fixtures/records): each scores with the findings its README says a careful reviewer reports."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from toolkit.core.record import load_record
from toolkit.core.result import Result
from toolkit.core.scoring import score

RECORDS = Path(__file__).resolve().parents[1] / "fixtures" / "records"


def scored(name: str) -> Result:
    return score(load_record(RECORDS / name))


def found(result: Result) -> Counter[str]:
    return Counter(f.code for f in result.findings)


def on(result: Result, code: str) -> list[str | None]:
    return [f.indicator for f in result.findings if f.code == code]


def test_anhui_project_budget_total_row_left_at_zero_scores_ten_from_its_components():
    result = scored("02-anhui-guichi-wtyw-2022.yaml")
    budget = next(i for i in result.indicators if i.rule == "budget_execution")
    assert (budget.self_score, budget.recomputed_score) == (Decimal(0), Decimal("10.00"))
    codes = found(result)
    assert codes["EXECUTION_SCORE_MISMATCH"] == 1 and codes["EXECUTION_RATE_MISMATCH"] == 1
    assert codes["BUDGET_ROW_MISMATCH"] == 3  # initial, full-year and executed: 0 against 90, 89.974, 89.974
    assert codes["BUDGET_ADJUSTED_TO_SPEND"] == 1 and codes["INCOMPLETE_TABLE"] == 1
    # Six rows scored full on the boilerplate 「达成预期指标」: nothing checkable.
    assert codes["EVIDENCE_MISSING"] == 6 and "ACTUAL_NOT_MEASURABLE" not in codes
    # The visible scores give 80; with the budget scored as the rule says, 90 before satisfaction.
    assert (result.total, result.recomputed_total) == (Decimal("80.00"), Decimal("90.00"))
    assert "FRAME_WEIGHT_MISMATCH" not in codes  # 产出 50 and 效益 30 add up; 满意度 is cut off
    # README, table 02: the goal amounts disagree. The completion says 89.97 of which 30 + 30 + 29.99 = 89.99; the
    # goal's 90 = 30 + 30 + 30 holds, and 89.974 executed is 89.97 as written to two places.
    [amounts] = [f for f in result.findings if f.code == "TEXT_AMOUNTS_MISMATCH"]
    assert "“共 89.97 万元”，其中各项 30.00 + 30.00 + 29.99 = 89.99 万元" in amounts.message
    # and its 生态效益 row measures cost, not ecology
    [misfiled] = [f for f in result.findings if f.code == "INDICATOR_MISCLASSIFIED"]
    assert misfiled.message.startswith("“对控制基建项目成本影响程度”列在“生态效益指标”下")


def test_anhui_department_overspend_blank_budget_score_and_a_target_far_exceeded():
    result = scored("04-anhui-jinzhai-village-2023.yaml")
    codes = found(result)
    assert codes["EXECUTION_OVER_BUDGET"] == 1  # 338.31 against 329.77: 102.59%
    budget = next(i for i in result.indicators if i.rule == "budget_execution")
    assert (
        budget.unscored and budget.recomputed_score == Decimal("10.00") and on(result, "SCORE_MISSING") == [budget.id]
    )
    far = next(f for f in result.findings if f.code == "TARGET_FAR_EXCEEDED")
    assert "153.05%" in far.message  # 3061 against ≥2000
    # 产出 already carries 60 points (10 × 4 + 5 + 5 + 5 + 5) before the cut, where the frame gives it 50.
    mismatch = next(f for f in result.findings if f.code == "FRAME_WEIGHT_MISMATCH" and f.indicator == "产出指标")
    assert (mismatch.data["frame"], mismatch.data["record"]) == (Decimal(50), Decimal(60))
    assert codes["INCOMPLETE_TABLE"] == 1
    # README, table 04: a wrong operator direction, 「≤4」 for a number of villages to be built (met as written)
    [direction] = [f for f in result.findings if f.code == "TARGET_DIRECTION"]
    assert "“指标1:开展精品示范村建设数量”是数量指标，目标却写“≤4”" in direction.message


def test_sichuan_unfilled_form_has_no_scores_template_text_and_a_weight_total():
    result = scored("06-sichuan-qingshen-wages-2023.yaml")
    codes = found(result)
    assert codes["SCORE_MISSING"] == 3 and codes["EVIDENCE_MISSING"] == 2  # budget + two rows; no actuals
    assert codes["TEMPLATE_TEXT"] >= 4 and codes["STATED_TOTAL_IS_WEIGHT"] == 1
    assert "TOTAL_MISMATCH" not in codes  # 合计 100 adds up weights, not scores
    assert codes["BUDGET_ADJUSTED_TO_SPEND"] == 1  # 238.93 → 251.89, exactly the spend
    assert on(result, "WEIGHT_CONCENTRATION") == ["发放(缴纳)覆盖率"]  # 60 of 100


def test_sichuan_fragment_text_actual_for_a_numeric_target_carrying_ninety_points():
    result = scored("07a-sichuan-daying-fragment-2023.yaml")
    codes = found(result)
    assert codes["ACTUAL_NOT_MEASURABLE"] == 1 and codes["WEIGHT_CONCENTRATION"] == 1
    (row,) = [i for i in result.indicators if i.rule == "target"]
    assert row.met is None and row.recomputed_score is None and row.target is not None and row.target.value == 30


def test_sichuan_budget_added_from_zero_without_a_reason():
    result = scored("07b-sichuan-daying-anke-2023.yaml")
    added = next(f for f in result.findings if f.code == "BUDGET_ADJUSTED_TO_SPEND")
    assert (added.data["initial"], added.data["adjusted"]) == (Decimal("0.00"), Decimal("3.36"))
    assert found(result)["TEMPLATE_TEXT"] == 1  # the 原因 cell holds the form's instruction


def test_hubei_met_satisfaction_target_scored_as_weight_times_rate_is_a_deduction_although_met():
    result = scored("13-hubei-huanggang-soil-2020.yaml")
    codes = found(result)
    assert codes["DEDUCTION_ALTHOUGH_MET"] == 1 and codes["RECOMPUTED_MISMATCH"] == 1
    # README, table 13: 「整編資料審核」, a task, stands as the 服務對象滿意度指標 (the page's traditional characters)
    [misfiled] = [f for f in result.findings if f.code == "INDICATOR_MISCLASSIFIED"]
    assert "“整編資料審核”列在“服務對象滿意度指標”下" in misfiled.message
    assert (result.total, result.recomputed_total, result.grade) == (Decimal("99.60"), Decimal("100.00"), "优")


@pytest.mark.parametrize("name", sorted(p.name for p in RECORDS.glob("*.yaml")))
def test_every_real_record_binds_to_its_frame_and_reads_every_target(name):
    result = scored(name)
    rows = [i for i in result.indicators if i.rule == "target"]
    assert result.family == "target" and result.rubric.startswith(("mof-", "sichuan-", "hubei-"))
    assert all(i.target is not None and i.actual is not None for i in rows)
    assert rows or "INCOMPLETE_TABLE" in found(result)  # a fragment cut before its first indicator
