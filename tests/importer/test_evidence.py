"""Evidence candidates from reason texts: only plain patterns, only the keys the rule needs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from toolkit.core.rubric import Indicator, Node, load_rubric
from toolkit.core.rules import PerUnitDeduction, Tiers
from toolkit.importer.evidence import extract


@pytest.fixture(scope="module")
def rubric():
    return load_rubric("gz-dept-overall-2022")


def test_spending_rate_from_the_seed_reason(rubric):
    evidence, note = extract(
        rubric.indicator("部门预算资金支出率"), "根据我部门年度平均执行率通报情况，我部门2022年平均执行率为98.88%。"
    )
    assert evidence == {"rate": Decimal("98.88"), "sentence": "我部门2022年平均执行率为98.88%。", "extracted": True}
    assert "98.88%" in note


def test_counts_from_the_seed_reason(rubric):
    reason = (
        "根据我部门2022年采购合同备案情况，公开招标项目共11项，"
        "其中2项未在合同签订之日起2个工作日内进行备案公开，按比例扣"
    )
    evidence, _ = extract(rubric.indicator("合同备案时效性"), reason)
    assert evidence == {
        "total": 11,
        "failed": 2,
        "extracted": True,
        "sentence": "公开招标项目共11项，其中2项未在合同签订之日起2个工作日内进行备案公开，按比例扣",
    }


def test_counts_of_compliant_cases_fill_passed(rubric):
    evidence, _ = extract(rubric.indicator("合同备案时效性"), "共签订合同8份，其中6份按时备案。")
    assert (evidence["total"], evidence["passed"]) == (8, 6) and "failed" not in evidence


def test_full_width_percent_is_read(rubric):
    evidence, _ = extract(rubric.indicator("部门预算资金支出率"), "全年支出率为９５．５％。")
    assert evidence["rate"] == Decimal("95.5") and evidence["sentence"] == "全年支出率为９５．５％。"


@pytest.mark.parametrize(
    "reason,why",
    [
        ("执行率为98%，其中项目支出执行率为97%。", "多个百分比"),
        ("支出进度滞后。", "未见百分比"),
        ("", None),
    ],
)
def test_no_guess_when_the_rate_is_not_plain(rubric, reason, why):
    evidence, note = extract(rubric.indicator("部门预算资金支出率"), reason)
    assert evidence == {}
    assert (why in note) if why else note is None


def test_contradictory_counts_are_not_taken(rubric):
    evidence, note = extract(rubric.indicator("合同备案时效性"), "共2项，其中5项未备案。")
    assert evidence == {} and "前后矛盾" in note


def test_judgement_indicators_get_no_evidence(rubric):
    assert extract(rubric.indicator("资产配置合规性"), "共11项，其中2项未按规定，执行率98%。") == ({}, None)


def _indicator(rule) -> Indicator:
    return Indicator(Node(id="三公经费变动率", weight=8, rule=rule), ())


PER_POINT = PerUnitDeduction(
    type="per_unit_deduction", limit=0, points=Decimal("0.8"), label="三公经费变动率≤0,计8分;每超过一个百分点扣0.8分"
)
BANDS = Tiers(
    type="tiers",
    tiers=[{"max": 0, "score": 8}, {"max": 10, "score": 6}],
    label="=0,计8分; 0-10%(含),计6分; 大于10%不得分",
)


@pytest.mark.parametrize("rule", [PER_POINT, BANDS], ids=["per_unit_deduction", "tiers"])
def test_a_rule_stated_in_percent_takes_the_one_rate_of_the_reason_as_its_value(rule):
    """Table 12: 变动率=(63.46-32)÷32=98.31% is what 每超过一个百分点扣0.8分 is applied to."""
    reason = "2017年度预算安排的三公经费总额为32万元.本单位三公经费变动率=(63.46-32)÷32=98.31%"
    evidence, note = extract(_indicator(rule), reason)
    assert evidence["value"] == Decimal("98.31") and evidence["extracted"] is True and "98.31%" in note
    assert evidence["sentence"].endswith("=98.31%")


@pytest.mark.parametrize(
    "rule",
    [
        PER_POINT.model_copy(update={"label": None}),  # written by hand, its unit unknown
        Tiers(type="tiers", tiers=[{"min": 5, "score": 8}], label="完成5个以上得8分"),  # counts, not percent
    ],
    ids=["no wording", "bands of a count"],
)
def test_a_rule_not_stated_in_percent_takes_no_percentage(rule):
    evidence, note = extract(_indicator(rule), "变动率为98.31%。")
    assert evidence == {} and "未能从原因栏自动提取" in (note or "")
