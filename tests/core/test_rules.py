"""Every rule type at its edges: what each computes, and what evidence it refuses."""

from decimal import Decimal as D

import pytest
from pydantic import TypeAdapter, ValidationError

from toolkit.core.rules import (
    Checklist,
    CountRatio,
    Judgement,
    NotApplicable,
    PerCaseDeduction,
    PerUnitDeduction,
    Proportional,
    Ratio,
    Rule,
    Tiers,
)

RULE = TypeAdapter(Rule)


def raw(rule, weight, **evidence):
    return rule.compute(D(weight), evidence)[0]


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (D("98.88"), D("9.888")),  # the seed's execution rate
        (D(100), D(10)),
        (D("100.01"), D(10)),  # capped: 满分为止
        (D(150), D(10)),
        (D(0), D(0)),
    ],
)
def test_proportional_is_rate_times_weight_capped_at_full(rate, expected):
    assert raw(Proportional(type="proportional"), 10, rate=rate) == expected


def test_proportional_full_marks_from_a_lower_threshold():
    rule = Proportional(type="proportional", full_at=D(95))
    assert raw(rule, 10, rate=D(95)) == D(10)
    assert raw(rule, 10, rate=D("47.5")) == D(5)


@pytest.mark.parametrize(
    ("full_at", "rate", "formula"),
    [
        (D(100), D("98.88"), "10.00 × 98.88%"),  # the seed: weight × execution rate
        (D(100), D(120), "10.00 × 100.00%"),  # capped
        (D(95), D("47.5"), "10.00 × 47.50% ÷ 95.00%"),
    ],
)
def test_proportional_formula_says_the_share_only_when_full_marks_come_below_100(full_at, rate, formula):
    assert Proportional(type="proportional", full_at=full_at).compute(D(10), {"rate": rate})[1] == formula


@pytest.mark.parametrize(
    ("direction", "actual", "target", "expected"),
    [
        ("higher_is_better", 45, 50, D(27)),
        ("higher_is_better", 50, 50, D(30)),
        ("higher_is_better", 60, 50, D(30)),  # over-achievement earns no more than the weight
        ("higher_is_better", 0, 50, D(0)),
        ("lower_is_better", 120, 100, D(25)),  # spent more than the ≤ target: target ÷ actual
        ("lower_is_better", 100, 100, D(30)),
        ("lower_is_better", 80, 100, D(30)),  # under the ceiling: full marks, capped
        ("lower_is_better", 0, 100, D(30)),  # nothing spent: full marks, no division by zero
    ],
)
def test_ratio_respects_direction_and_caps(direction, actual, target, expected):
    assert raw(Ratio(type="ratio", direction=direction), 30, actual=actual, target=target) == expected


def test_ratio_refuses_zero_target():
    assert ("target", "目标值不能为 0") in Ratio(type="ratio").evidence_problems({"actual": 1, "target": 0})


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        ({"total": 11, "failed": 2}, D(9) / D(11)),  # the seed: 1 × 9/11
        ({"total": 11, "passed": 9}, D(9) / D(11)),  # the same fact stated the other way
        ({"total": 4, "passed": 4}, D(1)),
        ({"total": 4, "failed": 4}, D(0)),
        ({"total": 0, "passed": 0}, D(1)),  # nothing to file: full marks
    ],
)
def test_count_ratio_with_passed_or_failed(evidence, expected):
    assert raw(CountRatio(type="count_ratio"), 1, **evidence) == expected


@pytest.mark.parametrize(
    ("evidence", "field"),
    [
        ({"total": 11}, "passed"),  # neither given
        ({"total": 11, "passed": 9, "failed": 2}, "passed"),  # both given: ambiguous
        ({"total": 11, "failed": 12}, "failed"),  # more failures than cases
        ({"total": 11, "passed": -1}, "passed"),
        ({"total": "十一", "passed": 9}, "total"),
    ],
)
def test_count_ratio_rejects_inconsistent_counts(evidence, field):
    assert field in [f for f, _ in CountRatio(type="count_ratio").evidence_problems(evidence)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D(10), D(5)),  # at the limit: full
        (D(8), D(5)),
        (D("10.5"), D("4.75")),  # half a point over: pro rata
        (D(12), D(4)),
        (D(20), D(0)),  # exactly used up
        (D(40), D(0)),  # floor at zero: 扣完为止
    ],
)
def test_per_unit_deduction_over_limit_to_zero(value, expected):
    rule = PerUnitDeduction(type="per_unit_deduction", limit=D(10), unit=D(1), points=D("0.5"))
    assert raw(rule, 5, value=value) == expected


def test_per_unit_deduction_under_a_floor():
    rule = PerUnitDeduction(type="per_unit_deduction", limit=D(95), unit=D(5), points=D(1), direction="under")
    assert raw(rule, 4, value=D(100)) == D(4)
    assert raw(rule, 4, value=D(85)) == D(2)  # 10 points short = 2 units of 5


@pytest.mark.parametrize(("cases", "expected"), [(0, D(10)), (1, D(8)), (5, D(0)), (9, D(0))])
def test_per_case_deduction_floors_at_zero(cases, expected):
    assert raw(PerCaseDeduction(type="per_case_deduction", points=D(2)), 10, cases=cases) == expected


TIERS = Tiers(type="tiers", tiers=[{"min": 90, "score": 5}, {"min": 80, "score": 4}, {"min": 70, "score": 3}])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D(100), D(5)),
        (D(90), D(5)),  # lower bound inclusive
        (D("89.99"), D(4)),
        (D(80), D(4)),
        (D("79.99"), D(3)),
        (D(70), D(3)),
        (D("69.99"), D(0)),  # below every tier
    ],
)
def test_tiers_lower_bounds_are_inclusive(value, expected):
    assert raw(TIERS, 5, value=value) == expected


def test_tiers_out_of_order_or_above_weight_are_rule_problems():
    rule = Tiers(type="tiers", tiers=[{"min": 80, "score": 4}, {"min": 90, "score": 6}])
    problems = rule.weight_problems(D(5))
    assert any("从高到低" in p for p in problems)
    assert any("第 2 档得分 6.00 超过分值 5.00" in p for p in problems)
    assert TIERS.weight_problems(D(5)) == []


# 预算控制率 as sheet 12 prints it: =0 计8分；0-10%(含) 计6分；10-20%(含) 计4分；20-30%(含) 计2分；大于30%不得分.
CEILINGS = Tiers(
    type="tiers",
    tiers=[{"max": 0, "score": 8}, {"max": 10, "score": 6}, {"max": 20, "score": 4}, {"max": 30, "score": 2}],
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D(0), D(8)),
        (D("0.01"), D(6)),
        (D(10), D(6)),  # upper bound inclusive: 0-10%(含)
        (D("10.01"), D(4)),
        (D(30), D(2)),
        (D("39.94"), D(0)),  # 767.86 / 1922.76: above every tier
    ],
)
def test_tiers_by_upper_bounds_score_the_first_tier_the_value_does_not_exceed(value, expected):
    assert raw(CEILINGS, 8, value=value) == expected
    assert CEILINGS.weight_problems(D(8)) == []


def test_tiers_mixing_upper_and_lower_bounds_or_out_of_order_are_rule_problems():
    mixed = Tiers(type="tiers", tiers=[{"max": 10, "score": 6}, {"min": 20, "score": 4}, {"score": 2}])
    assert mixed.weight_problems(D(8)) == [
        "第 2 档写的是下限 min，第 1 档写的是上限 max：各档应一致",
        "第 3 档应写上限 max 或下限 min 之一",
    ]
    both = Tiers(type="tiers", tiers=[{"min": 90, "max": 100, "score": 5}])
    assert both.weight_problems(D(5)) == ["第 1 档应写上限 max 或下限 min 之一"]
    backwards = Tiers(type="tiers", tiers=[{"max": 20, "score": 4}, {"max": 10, "score": 6}])
    assert backwards.weight_problems(D(5)) == [
        "各档上限应从低到高排列且互不相同，实际为 20.00、10.00",
        "第 2 档得分 6.00 超过分值 5.00",
    ]


CHECKLIST = Checklist(
    type="checklist", items=[{"id": "制度", "points": 1}, {"id": "台账", "points": 1}, {"id": "公开", "points": 1}]
)


@pytest.mark.parametrize(("met", "expected"), [([], D(0)), (["台账"], D(1)), (["制度", "台账", "公开"], D(3))])
def test_checklist_adds_points_of_items_met(met, expected):
    assert raw(CHECKLIST, 3, met=met) == expected


def test_checklist_items_must_add_up_to_weight_and_be_unique():
    assert CHECKLIST.weight_problems(D(3)) == []
    assert CHECKLIST.weight_problems(D(4)) == ["各项分值合计 3.00，不等于指标分值 4.00"]
    dup = Checklist(type="checklist", items=[{"id": "a", "points": 1}, {"id": "a", "points": 1}])
    assert dup.weight_problems(D(2)) == ["检查项 a 重复"]


def test_checklist_rejects_unknown_items_and_non_lists():
    assert [f for f, _ in CHECKLIST.evidence_problems({"met": ["不存在"]})] == ["met"]
    assert [f for f, _ in CHECKLIST.evidence_problems({"met": "制度"})] == ["met"]
    assert CHECKLIST.evidence_problems({"met": ["制度"], "note": "说明"}) == []


def test_judgement_computes_nothing_and_takes_no_evidence():
    rule = Judgement(type="judgement")
    assert rule.compute(D(20), {}) is None
    assert [f for f, _ in rule.evidence_problems({"rate": 1})] == ["rate"]


def test_not_applicable_full_marks_gives_weight_and_rescale_gives_nothing():
    assert NotApplicable(type="not_applicable", mode="full_marks", reason="本年无采购").compute(D(3), {})[0] == D(3)
    assert NotApplicable(type="not_applicable", mode="rescale", reason="本年无采购").compute(D(3), {}) is None


def test_not_applicable_needs_a_reason():
    with pytest.raises(ValidationError):
        RULE.validate_python({"type": "not_applicable", "mode": "rescale", "reason": ""})


@pytest.mark.parametrize(
    "rule",
    [
        {"type": "proportional", "full_at": 0},
        {"type": "per_case_deduction", "points": 0},
        {"type": "per_unit_deduction", "limit": 10, "points": 1, "unit": 0},
        {"type": "tiers", "tiers": []},
        {"type": "checklist", "items": []},
        {"type": "ratio", "direction": "sideways"},
        {"type": "proportional", "cap": 100},  # unknown parameter
        {"type": "lottery"},
    ],
)
def test_bad_rule_parameters_are_refused(rule):
    with pytest.raises(ValidationError):
        RULE.validate_python(rule)


def test_missing_or_negative_evidence_is_a_problem():
    rule = Proportional(type="proportional")
    assert [f for f, _ in rule.evidence_problems({})] == ["rate"]
    assert [f for f, _ in rule.evidence_problems({"rate": D(-1)})] == ["rate"]
    assert [f for f, _ in rule.evidence_problems({"rate": True})] == ["rate"]
    assert rule.evidence_problems({"rate": D("98.88"), "sentence": "原文"}) == []
