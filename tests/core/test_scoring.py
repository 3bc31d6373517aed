"""Scoring: the seed reproduced exactly, not-applicable rescaling, rounding modes, another rubric shape."""

from decimal import Decimal as D
from pathlib import Path

import pytest

from toolkit.core.paths import RUBRIC_DIR
from toolkit.core.record import load_record
from toolkit.core.rubric import parse_rubric
from toolkit.core.scoring import score
from toolkit.core.yamlio import read_yaml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_seed_total_subtotals_and_grade(seed_result):
    assert seed_result.total == D("94.2")
    assert [(g.label, g.score, g.weight) for g in seed_result.groups] == [
        ("履职效能", D("46.38"), 50),
        ("管理效率", D("47.82"), 50),
    ]
    assert seed_result.grade == "优" and seed_result.stated_grade == "优" and seed_result.stated_total == D("94.2")
    assert not seed_result.has_errors


def test_seed_level_two_subtotals(seed_result):
    level2 = {g.label: g.score for g in seed_result.group_levels(2)}
    assert level2 == {
        "整体效能": D("46.38"),
        "预算编制": 3,
        "预算执行": 4,
        "信息公开": 4,
        "绩效管理": 14,
        "采购管理": D("9.82"),
        "资产管理": 9,
        "运行成本": 4,
    }


def test_seed_recomputes_the_two_evidenced_indicators(seed_result):
    by_id = {i.id: i for i in seed_result.indicators}
    assert by_id["部门预算资金支出率"].recomputed_raw == D("9.888") and by_id[
        "部门预算资金支出率"
    ].recomputed_score == D("9.89")
    assert by_id["合同备案时效性"].recomputed_score == D("0.82")
    assert [i.id for i in seed_result.indicators if i.recomputed_score is not None] == [
        "部门预算资金支出率",
        "合同备案时效性",
    ]
    assert [(i.id, i.lost) for i in seed_result.deductions][:3] == [
        ("部门整体绩效目标产出指标完成情况", 1),
        ("部门整体绩效目标效益指标完成情况", D("2.5")),
        ("部门预算资金支出率", D("0.12")),
    ]


def test_not_applicable_rescale_drops_indicator_and_rescales_total_to_100(scored):
    result = scored(
        lambda d: d["indicators"]["采购管理-2"].update(not_applicable={"mode": "rescale", "reason": "本年无此事项"})
    )
    # (94.2 − 1.5) × 100 ÷ (100 − 1.5) = 94.1116… → 94.11
    assert result.total == D("94.11")
    assert sum((g.weight for g in result.groups), D(0)) == 100
    dropped = next(i for i in result.indicators if i.id == "采购管理-2")
    assert not dropped.applicable and dropped.lost == 0


def test_not_applicable_full_marks_counts_the_weight(scored):
    result = scored(
        lambda d: (
            d["indicators"]["合同备案时效性"].update(
                self_score=1, not_applicable={"mode": "full_marks", "reason": "本年无公开招标项目"}
            )
            or d.update(stated_total=D("94.38"))
        )
    )
    assert result.total == D("94.38")
    contracts = next(i for i in result.indicators if i.id == "合同备案时效性")
    assert contracts.applicable and contracts.recomputed_score == 1 and contracts.rule == "not_applicable"
    assert not result.has_errors


@pytest.mark.parametrize(("mode", "total"), [("rescale", D("94.11")), ("full_marks", D("94.2"))])
def test_not_applicable_row_may_leave_out_its_self_score(scored, mode, total):
    # Under full_marks the row counts its weight (1.5 here, as the seed scored it); under rescale nothing.
    def change(d):
        d["indicators"]["采购管理-2"].pop("self_score")
        d["indicators"]["采购管理-2"]["not_applicable"] = {"mode": mode, "reason": "本年无此事项"}

    result = scored(change)
    row = next(i for i in result.indicators if i.id == "采购管理-2")
    assert result.total == total
    assert row.self_score == (D("1.5") if mode == "full_marks" else 0)
    assert "SCORE_NEGATIVE" not in {f.code for f in result.findings}


def test_rescaled_total_is_graded_after_rescaling(scored):
    # Scored 0 on the dropped 1.5-point row: 88.7 points of 98.5 applicable is 90.05 of 100, 优 rather than 良.
    def change(d):
        d["indicators"]["部门整体绩效目标产出指标完成情况"]["self_score"] = 15
        d["indicators"]["采购管理-2"].update(self_score=0, not_applicable={"mode": "rescale", "reason": "本年无此事项"})

    result = scored(change)
    assert result.total == D("90.05") and result.grade == "优"


def _rubric_with(mode: str):
    data = read_yaml(RUBRIC_DIR / "gz-dept-overall-2022.yaml", "评价指标体系")
    data["rounding"]["mode"] = mode
    return parse_rubric(data, f"rounding-{mode}.yaml")


@pytest.mark.parametrize(
    ("mode", "recomputed", "codes"),
    [
        ("half_up", D("9.89"), ["ROUNDING_DIFFERENCE"]),
        ("half_even", D("9.89"), ["ROUNDING_DIFFERENCE"]),
        ("truncate", D("9.88"), []),  # the rubric the seed evidently used for this row
    ],
)
def test_rounding_mode_of_the_rubric_decides_the_recomputed_score(variant, mode, recomputed, codes):
    result = score(variant(lambda d: None, rubric=_rubric_with(mode)))
    rate = next(i for i in result.indicators if i.id == "部门预算资金支出率")
    assert rate.recomputed_score == recomputed
    assert [f.code for f in result.findings if f.indicator == "部门预算资金支出率"] == codes


def test_truncating_rubric_turns_the_contract_row_into_the_difference(variant):
    # 9/11 = 0.8181… truncates to 0.81: under truncation the other row is the odd one out.
    result = score(variant(lambda d: None, rubric=_rubric_with("truncate")))
    assert [f.code for f in result.findings if f.indicator == "合同备案时效性"] == ["ROUNDING_DIFFERENCE"]


@pytest.mark.parametrize(
    ("mode", "tie", "rescaled"),
    [
        ("half_up", D("94.21"), D("93.69")),
        ("half_even", D("94.20"), D("93.69")),
        ("truncate", D("94.20"), D("93.68")),
    ],
)
def test_total_is_rounded_by_the_rubric_mode(variant, mode, tie, rescaled):
    # A three-decimal score (itself a SCORE_PRECISION finding) puts the total on a tie: 94.205.
    three = variant(
        lambda d: d["indicators"]["部门整体绩效目标产出指标完成情况"].update(self_score=D("19.005")),
        rubric=_rubric_with(mode),
    )
    assert score(three).total == tie
    # Dropping the 10-point row: 84.32 × 100 ÷ 90 = 93.6888…
    dropped = variant(
        lambda d: d["indicators"]["部门预算资金支出率"].update(
            not_applicable={"mode": "rescale", "reason": "本年无预算资金"}
        ),
        rubric=_rubric_with(mode),
    )
    assert score(dropped).total == rescaled


def test_rubric_of_another_shape_scores_through_the_same_code():
    result = score(load_record(FIXTURES / "four-groups-record.yaml"))
    assert [(g.label, g.score) for g in result.groups] == [
        ("投入", 12),
        ("过程", D("19.22")),
        ("产出", 27),
        ("效果", D("26.59")),
    ]
    assert all(not g.children for g in result.groups)  # only two levels
    assert result.total == D("84.81") and result.grade == "良"
    by_id = {i.id: i.recomputed_score for i in result.indicators}
    assert by_id == {
        "目标设定": 4,
        "预算配置": 8,
        "预算执行率": D("9.47"),
        "结转结余控制": D("3.75"),
        "违规事项": 6,
        "职责履行": 27,
        "成本控制": D("9.09"),
        "满意度": D("13.5"),
        "社会效益": None,
    }
    assert result.findings == ()


def test_result_replace_leaves_the_original(seed_result):
    from dataclasses import FrozenInstanceError

    changed = seed_result.replace(total=D(0))
    assert changed.total == 0 and seed_result.total == D("94.2")
    with pytest.raises(FrozenInstanceError):
        seed_result.total = D(0)


def test_json_form_of_the_seed(seed_result):
    data = seed_result.as_dict()
    assert data["total"] == 94.2 and data["grade"] == "优" and data["rubric"] == "gz-dept-overall-2022"
    assert [g["score"] for g in data["groups"]] == [46.38, 47.82]
    rate = next(i for i in data["indicators"] if i["id"] == "部门预算资金支出率")
    assert rate["level1"] == "履职效能" and rate["level2"] == "整体效能"
    assert rate["self_score"] == 9.88 and rate["recomputed_score"] == 9.89


PARAMS = Path(__file__).parents[2] / "params"
# file -> (band, the findings it was built to show, every finding code it shows)
DEMOS = {
    "demo-liang-2022.yaml": ("良", D("88.73"), {"TOTAL_MISMATCH", "GRADE_MISMATCH", "DEDUCTION_WITHOUT_REASON"}),
    "demo-zhong-2022.yaml": (
        "中",
        D("73.17"),
        {"RECOMPUTED_MISMATCH", "SCORE_ABOVE_WEIGHT", "FULL_SCORE_WITH_PROBLEM", "DEDUCTION_TEXT_MISMATCH"},
    ),
    "demo-cha-2022.yaml": ("差", D("45.32"), {"MISSING_INDICATOR", "NOT_APPLICABLE", "BUDGET_SUM_MISMATCH"}),
}


@pytest.mark.parametrize("name", sorted(DEMOS))
def test_demo_department_lands_in_its_band_with_its_findings(name):
    band, total, built_to_show = DEMOS[name]
    result = score(load_record(PARAMS / name))
    assert result.fictional and "示例" in result.department
    assert result.grade == band and result.total == total
    # The placeholder row is in the rubric itself, so every record under it carries UNNAMED_INDICATOR.
    assert {f.code for f in result.findings} == built_to_show | {"UNNAMED_INDICATOR"}
    recomputed = {i.id for i in result.indicators if i.recomputed_score is not None}
    assert recomputed == {"部门预算资金支出率", "合同备案时效性"}


def test_demo_budget_mismatch_is_an_error_and_the_dropped_row_rescales():
    result = score(load_record(PARAMS / "demo-cha-2022.yaml"))
    [budget] = [f for f in result.findings if f.code == "BUDGET_SUM_MISMATCH"]
    assert budget.severity.value == "error" and budget.data["difference"] == D("-100.00")
    # 43.96 points of 97 applicable → 45.32 of 100; the missing row counts 0 and stays in the base.
    assert sum((g.weight for g in result.groups), D(0)) == 100


def test_shipped_records_have_unique_codes_and_fictional_means_demo():
    records = [load_record(p) for p in sorted(PARAMS.glob("*.yaml"))]
    codes = [r.department.code for r in records]
    assert len(codes) == len(set(codes)) >= 4
    for r in records:
        assert r.data.fictional == ("示例" in r.department.name), r.path


def test_rows_shared_between_records_keep_each_records_own_figures(scored):
    # Scoring shares equal rows between records (an optimisation); 2 and 2.0 are equal but written apart.
    plain = scored(lambda d: d["indicators"]["数据质量"].update(self_score=D("2")))
    written = scored(lambda d: d["indicators"]["数据质量"].update(self_score=D("2.0"), reason="已按要求报送。"))

    def by_id(r):
        return {i.id: i for i in r.indicators}

    assert str(by_id(plain)["数据质量"].self_score) == "2" and by_id(plain)["数据质量"].reason is None
    assert str(by_id(written)["数据质量"].self_score) == "2.0" and by_id(written)["数据质量"].reason == "已按要求报送。"

    # Subtotals are shared too, and kept apart the same way.
    def group_of(r):
        return next(g for g in r.group_levels(2) if "数据质量" in g.indicators)

    assert group_of(plain).score == group_of(written).score
    assert str(group_of(written).score).endswith(".0") and not str(group_of(plain).score).endswith(".0")
    assert score(load_record(PARAMS / "huangpu-zwsj-2022.yaml")) == score(
        load_record(PARAMS / "huangpu-zwsj-2022.yaml")
    )


def test_rows_written_alike_with_other_evidence_get_their_own_recomputation(scored):
    # Findings on what was written are shared between rows written alike; the evidence is checked per record.
    rate = "部门预算资金支出率"

    def stated(rate_, reason):
        return scored(lambda d: d["indicators"][rate].update(evidence={"rate": D(rate_)}, reason=reason))

    reason = "支出率未达 100%，扣2分。"
    close, far = stated("98.88", reason), stated("80", reason)

    def row_findings(r):
        return sorted((f.code, f.message) for f in r.findings if f.indicator == rate)

    assert [c for c, _ in row_findings(close)] == ["DEDUCTION_TEXT_MISMATCH", "ROUNDING_DIFFERENCE"]
    assert [c for c, _ in row_findings(far)] == ["DEDUCTION_TEXT_MISMATCH", "RECOMPUTED_MISMATCH"]
    assert "依据重算 10.00 × 80.00% = 8.00，" in row_findings(far)[1][1]
    assert row_findings(close)[0] == row_findings(far)[0]  # the written part: the same finding
