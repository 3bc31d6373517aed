"""Every finding code in the catalogue: one change to the seed that raises it, one that does not."""

from decimal import Decimal as D
from pathlib import Path

import pytest

from toolkit.core.findings import CATALOGUE, Severity
from toolkit.core.record import IndicatorEntry, Record, load_record
from toolkit.core.scoring import score

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def codes(result, indicator=...):
    return [f.code for f in result.findings if indicator is ... or f.indicator == indicator]


def entry(data, ind):
    return data["indicators"][ind]


# code -> (change that raises it, change that does not). Each change is to one thing of the seed.
CASES = {
    "SCORE_ABOVE_WEIGHT": (
        lambda d: entry(d, "部门整体绩效目标产出指标完成情况").update(self_score=21),
        lambda d: entry(d, "部门整体绩效目标产出指标完成情况").update(self_score=20),
    ),
    "SCORE_PRECISION": (
        lambda d: entry(d, "部门整体绩效目标产出指标完成情况").update(self_score=D("18.995")),
        lambda d: entry(d, "部门整体绩效目标产出指标完成情况").update(self_score=D("18.990")),
    ),
    "TOTAL_MISMATCH": (
        lambda d: d.update(stated_total=D("94.22")),
        lambda d: d.update(stated_total=D("94.21")),
    ),  # 0.01 off: within tolerance
    "STATED_TOTAL_MISSING": (lambda d: d.pop("stated_total"), lambda d: None),
    "GRADE_MISMATCH": (lambda d: d.update(stated_grade="良"), lambda d: d.update(stated_grade="优")),
    "STATED_GRADE_MISSING": (lambda d: d.pop("stated_grade"), lambda d: None),
    "BUDGET_SUM_MISMATCH": (
        lambda d: None,  # the seed: 11887.74 vs 11887.73
        lambda d: d["budget"].update(total=D("11887.74")),
    ),
    "DEDUCTION_WITHOUT_REASON": (
        lambda d: entry(d, "绩效管理制度执行").pop("reason"),
        lambda d: entry(d, "绩效结果应用").pop("reason", None),
    ),  # full marks need none
    "DEDUCTION_WITHOUT_MEASURE": (
        lambda d: entry(d, "资产配置合规性").update(measure="  "),
        lambda d: entry(d, "资产盘点情况").pop("measure", None),
    ),
    "FULL_SCORE_WITH_PROBLEM": (
        lambda d: entry(d, "采购活动合规性").update(reason="个别项目未按时发布采购公告。"),
        lambda d: entry(d, "采购活动合规性").update(reason="全年采购活动均按规定开展。"),
    ),
    "DEDUCTION_TEXT_MISMATCH": (
        lambda d: entry(d, "绩效管理制度执行").update(self_score=D("5.5")),  # says 扣1分, lost 1.5
        lambda d: entry(d, "绩效管理制度执行").update(self_score=5, reason="未开展自评，扣两分。"),
    ),
    "RECOMPUTED_MISMATCH": (
        lambda d: entry(d, "部门预算资金支出率")["evidence"].update(rate=90),
        lambda d: entry(d, "部门预算资金支出率").update(self_score=D("9.89")),
    ),
    "ROUNDING_DIFFERENCE": (
        lambda d: None,  # the seed: 9.888 stated as 9.88
        lambda d: entry(d, "部门预算资金支出率").update(self_score=D("9.89")),
    ),
    "EVIDENCE_MISSING": (lambda d: entry(d, "合同备案时效性").pop("evidence"), lambda d: None),
    "MISSING_INDICATOR": (lambda d: d["indicators"].pop("数据质量"), lambda d: None),
    "UNNAMED_INDICATOR": (lambda d: None, None),  # negative case: the four-group rubric, below
    "NOT_APPLICABLE": (
        lambda d: entry(d, "采购管理-2").update(not_applicable={"mode": "rescale", "reason": "本年无此事项"}),
        lambda d: None,
    ),
    "TRUNCATED_TEXT": (
        lambda d: None,  # the seed's fifth completion statement
        lambda d: d["completions"].__setitem__(4, d["completions"][4] + "成效显著。"),
    ),
    "GOALS_COMPLETION_COUNT": (lambda d: d["completions"].pop(), lambda d: None),
    "LOW_TARGET_VALUES": (
        lambda d: None,
        lambda d: [
            entry(d, k).update(reason="部分指标未完成。")
            for k in ("部门整体绩效目标产出指标完成情况", "部门整体绩效目标效益指标完成情况")
        ],
    ),
}


def test_every_catalogue_code_has_a_case():
    from test_target_checks import TARGET_CASES  # the target-versus-actual codes, raised on a frame record

    assert set(CASES) | set(TARGET_CASES) | {"SCORE_NEGATIVE"} == set(CATALOGUE)


@pytest.mark.parametrize("code", sorted(CASES))
def test_finding_raised_by_its_change(scored, code):
    assert code in codes(scored(CASES[code][0]))


@pytest.mark.parametrize("code", sorted(c for c, (_, neg) in CASES.items() if neg is not None))
def test_finding_absent_without_its_cause(scored, code):
    assert code not in codes(scored(CASES[code][1]))


def test_unnamed_indicator_absent_from_a_rubric_without_placeholder():
    result = score(load_record(FIXTURES / "four-groups-record.yaml"))
    assert "UNNAMED_INDICATOR" not in codes(result)


def test_score_negative_from_an_in_memory_record(seed_record):
    # Loading YAML refuses a negative score as unusable input (exit 2, see test_record/test_cli);
    # only a record built in memory without validation can carry one, and the check must still see it.
    entries = dict(seed_record.data.indicators)
    entries["资产配置合规性"] = IndicatorEntry.model_construct(
        self_score=D(-1), reason="配置超标。", measure="整改。", evidence={}, source=None, not_applicable=None
    )
    record = Record(seed_record.data.model_copy(update={"indicators": entries}), seed_record.rubric, "memory", "")
    result = score(record)
    assert codes(result, "资产配置合规性").count("SCORE_NEGATIVE") == 1
    assert "SCORE_NEGATIVE" not in codes(score(seed_record))


def test_seed_findings_are_exactly_what_the_reviewer_expects(seed_result):
    assert sorted((f.code, f.indicator) for f in seed_result.findings) == sorted(
        [
            ("UNNAMED_INDICATOR", "采购管理-2"),
            ("LOW_TARGET_VALUES", "部门整体绩效目标产出指标完成情况"),
            ("LOW_TARGET_VALUES", "部门整体绩效目标效益指标完成情况"),
            ("ROUNDING_DIFFERENCE", "部门预算资金支出率"),
            ("TRUNCATED_TEXT", None),
            ("BUDGET_SUM_MISMATCH", None),
        ]
    )
    assert not seed_result.has_errors


def test_seed_budget_difference_is_informational(seed_result):
    [budget] = [f for f in seed_result.findings if f.code == "BUDGET_SUM_MISMATCH"]
    assert budget.severity is Severity.INFO
    assert budget.data["components"] == D("11887.74") and budget.data["total"] == D("11887.73")
    assert "11,887.74" in budget.message and "11,887.73" in budget.message


def test_budget_difference_beyond_tolerance_is_an_error(scored):
    result = scored(lambda d: d["budget"].update(total=D("11800.00")))
    [budget] = [f for f in result.findings if f.code == "BUDGET_SUM_MISMATCH"]
    assert budget.severity is Severity.ERROR and budget.data["difference"] == D("87.74")


def test_seed_rounding_difference_names_both_figures_and_the_truncation(seed_result):
    [f] = [f for f in seed_result.findings if f.code == "ROUNDING_DIFFERENCE"]
    assert f.indicator == "部门预算资金支出率" and f.severity is Severity.WARNING
    assert f.data["raw"] == D("9.888") and f.data["stated"] == D("9.88") and f.data["recomputed"] == D("9.89")
    assert "截尾" in f.message


def test_seed_truncated_text_is_the_fifth_completion(seed_result):
    [f] = [f for f in seed_result.findings if f.code == "TRUNCATED_TEXT"]
    assert f.data["field"] == "completions[4]" and "第 5 条" in f.message


def test_seed_contract_filing_recomputes_to_stated_score_without_finding(seed_result):
    [contracts] = [i for i in seed_result.indicators if i.id == "合同备案时效性"]
    assert contracts.recomputed_score == D("0.82") and contracts.self_score == D("0.82")
    assert codes(seed_result, "合同备案时效性") == []


def test_recomputed_mismatch_is_beyond_tolerance_only(scored):
    # 10 × 98.87% = 9.887 → 9.89 against 9.88: 0.01, a rounding difference, not a mismatch.
    assert codes(
        scored(lambda d: entry(d, "部门预算资金支出率")["evidence"].update(rate=D("98.87"))), "部门预算资金支出率"
    ) == ["ROUNDING_DIFFERENCE"]
    # 98.60% → 9.86 against 9.88: 0.02, beyond the rubric's 0.01.
    assert codes(
        scored(lambda d: entry(d, "部门预算资金支出率")["evidence"].update(rate=D("98.60"))), "部门预算资金支出率"
    ) == ["RECOMPUTED_MISMATCH"]


@pytest.mark.parametrize(
    ("reason", "flagged"),
    [
        ("存在合同逾期备案问题", True),
        ("个别项目未按时发布采购公告。", True),
        ("经自查，未发现问题。", False),  # denies the problem it names
        ("公用经费支出未超过预算。", False),
        ("全年无逾期备案情况。", False),
        ("未发现问题，但1份合同超过期限备案。", True),  # a denial does not hide a second, real problem
    ],
)
def test_full_score_with_problem_words(scored, reason, flagged):
    result = scored(lambda d: entry(d, "采购活动合规性").update(reason=reason))
    assert (codes(result, "采购活动合规性") == ["FULL_SCORE_WITH_PROBLEM"]) is flagged


@pytest.mark.parametrize(
    ("self_score", "reason", "mismatch"),
    [
        (6, "本项扣1分。", False),
        (D("6.5"), "扣半分。", False),
        (D("6.5"), "扣0.5分。", False),
        (5, "扣除2分。", False),
        (5, "扣两分。", False),
        (6, "扣2分。", True),
        (6, "制度执行扣0.5分，台账扣0.5分。", False),  # two deductions add up to the loss
    ],
)
def test_deduction_text_against_points_lost(scored, self_score, reason, mismatch):
    result = scored(lambda d: entry(d, "绩效管理制度执行").update(self_score=self_score, reason=reason))
    assert ("DEDUCTION_TEXT_MISMATCH" in codes(result, "绩效管理制度执行")) is mismatch


def test_truncated_reason_is_found(scored):
    result = scored(lambda d: entry(d, "资产配置合规性").update(reason="配置资产超出现有编制数，"))
    assert [f.data.get("field") for f in result.findings if f.code == "TRUNCATED_TEXT" and f.indicator] == ["reason"]


def test_missing_indicator_counts_zero_and_is_an_error(scored):
    result = scored(lambda d: d["indicators"].pop("数据质量"))
    assert result.total == D("92.2") and result.has_errors
    assert [f.severity for f in result.findings if f.code == "MISSING_INDICATOR"] == [Severity.ERROR]


def test_findings_carry_catalogue_severity_and_title(scored):
    result = scored(CASES["SCORE_ABOVE_WEIGHT"][0])
    [f] = [f for f in result.findings if f.code == "SCORE_ABOVE_WEIGHT"]
    assert f.severity is Severity.ERROR and f.title == "得分超过分值"
    assert f.as_dict() == {
        "code": "SCORE_ABOVE_WEIGHT",
        "severity": "error",
        "indicator": "部门整体绩效目标产出指标完成情况",
        "message": f.message,
    }


@pytest.mark.parametrize(
    ("written", "flagged"),
    [
        ("18.99", False),
        ("18.990", False),
        ("19", False),
        ("18.995", True),
        ("18.9950", True),
        ("1e-7", True),
        ("1E+1", False),
    ],
)
def test_score_precision_counts_significant_decimals(tmp_path, written, flagged):
    text = (Path(__file__).parents[2] / "params" / "huangpu-zwsj-2022.yaml").read_text("utf-8")
    path = tmp_path / "precision.yaml"
    path.write_text(text.replace("self_score: 19\n", f"self_score: {written}\n"), encoding="utf-8")
    result = score(load_record(path))
    assert ("SCORE_PRECISION" in codes(result, "部门整体绩效目标产出指标完成情况")) is flagged
