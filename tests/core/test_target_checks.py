"""Findings on target-versus-actual records: each code raised by one change to a clean fictional project, and
absent without it; hand-checked numbers from the 2020 scoring rules."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from toolkit.core.record import parse_record
from toolkit.core.result import Result
from toolkit.core.scoring import score
from toolkit.core.yamlio import read_yaml

CLEAN = Path(__file__).resolve().parents[1] / "fixtures" / "frame-project.yaml"
Change = Callable[[dict], object]


def frame_scored(change: Change | None = None) -> Result:
    data = copy.deepcopy(read_yaml(CLEAN, "记录"))
    assert isinstance(data, dict)
    if change is not None:
        change(data)
    return score(parse_record(data, CLEAN))


def row(data: dict, name: str) -> dict:
    return next(r for r in data["indicators"] if r.get("name") == name)


def codes(result: Result) -> list[str]:
    return [f.code for f in result.findings]


def _set(getter: Callable[[dict], dict], **values: object) -> Change:
    return lambda d: getter(d).update(values)


def _execution(d: dict) -> dict:
    return d["execution"]


def _households(d: dict) -> dict:
    return row(d, "受益农户数")


def _satisfaction(d: dict) -> dict:
    return row(d, "农户满意度")


def _two_outputs(d: dict) -> None:
    d["indicators"] = [r for r in d["indicators"] if r["path"][0] != "产出指标"]
    d["indicators"].append({"path": ["产出指标", "数量指标"], "name": "建成面积", "target": "≥1000亩",
                            "actual": "1000亩", "weight": 50, "self_score": 50})  # fmt: skip


# code -> (a change that raises it, a change next to it that does not)
TARGET_CASES: dict[str, tuple[Change, Change | None]] = {
    "EXECUTION_SCORE_MISMATCH": (
        _set(_execution, stated_score=Decimal(9)),
        _set(_execution, stated_score=Decimal("9.8")),
    ),
    "EXECUTION_RATE_MISMATCH": (
        _set(_execution, stated_rate=Decimal(95)),
        _set(_execution, stated_rate=Decimal("98.00")),
    ),
    "EXECUTION_OVER_BUDGET": (
        lambda d: [
            a.update(executed=Decimal(53))
            for a in (d["execution"]["total"], d["execution"]["components"]["本年财政拨款"])
        ],
        None,
    ),
    "BUDGET_ROW_MISMATCH": (
        lambda d: d["execution"].update(total={"initial": 0, "adjusted": 0, "executed": 0}),
        lambda d: d["execution"].update(total={}),
    ),
    "BUDGET_ADJUSTED_TO_SPEND": (
        lambda d: [
            a.update(initial=Decimal(60), adjusted=Decimal("50.96"))
            for a in (d["execution"]["total"], d["execution"]["components"]["本年财政拨款"])
        ],
        lambda d: (
            [
                a.update(initial=Decimal(60), adjusted=Decimal("50.96"))
                for a in (d["execution"]["total"], d["execution"]["components"]["本年财政拨款"])
            ]
            and d["execution"].update(reason="年中根据实际建设面积调减预算 9.04 万元")
        ),
    ),
    "TARGET_NOT_MET_FULL_SCORE": (
        _set(_households, actual="460户"),
        _set(_households, actual="460户", self_score=Decimal("18.4")),
    ),
    "DEDUCTION_ALTHOUGH_MET": (
        _set(_households, self_score=Decimal(18)),
        _set(_households, self_score=Decimal(18), reason="部分农户未签订管护协议"),
    ),
    "TARGET_FAR_EXCEEDED": (_set(_households, actual="700户"), _set(_households, actual="640户")),
    "ACTUAL_NOT_MEASURABLE": (_set(_households, actual="完成"), _set(_households, actual="520")),
    "UNIT_MISMATCH": (_set(_households, actual="520人"), _set(_households, actual="520 户")),
    "FRAME_WEIGHT_MISMATCH": (_set(_households, weight=Decimal(25), self_score=Decimal(25)), None),
    "SCORE_MISSING": (lambda d: _households(d).pop("self_score"), None),
    "TEMPLATE_TEXT": (lambda d: d.update(completions=["对照年度目标，说明相关任务目标的完成情况（100字以内）"]), None),
    "WEIGHT_CONCENTRATION": (_two_outputs, None),
    "INCOMPLETE_TABLE": (lambda d: d.update(incomplete="表格在“农户满”处截断"), None),
    "STATED_TOTAL_IS_WEIGHT": (lambda d: d.update(stated_total=Decimal(100), stated_total_is_weight=True), None),
    "EMPTY_ROW": (lambda d: d["indicators"].append({"placeholder": True, "path": ["效益指标", "生态效益指标"]}), None),
    "INDICATOR_MISCLASSIFIED": (_set(_satisfaction, name="整编资料审核"), _set(_satisfaction, name="受益群众满意率")),
    # at most, for a quantity to be delivered; not for what is to be kept down
    "TARGET_DIRECTION": (_set(_households, target="≤500户"), _set(_households, name="安全事故数", target="≤0户")),
    # parts above their whole; parts below it may list only some sources
    "TEXT_AMOUNTS_MISMATCH": (
        lambda d: d.update(completions=["共完成预算资金10万元。其中:6万元用于育苗;5万元用于补助。"]),
        lambda d: d.update(completions=["共完成预算资金12万元。其中:6万元用于育苗;5万元用于补助。"]),
    ),
}


@pytest.mark.parametrize(
    ("path", "name", "misfiled"),
    [
        (["效益指标", "生态效益指标"], "项目建设成本节约率", True),  # a cost, filed as ecology
        (["效益指标", "生态效益指标"], "降低污水处理成本", False),  # about water: ecology after all
        (["效益指标", "生态效益指标"], "化肥使用量减少", False),  # nothing that betrays another kind
        (["满意度指标", "服务对象满意度指标"], "资料整编审核", True),  # a task, filed as satisfaction
        (["满意度指标", "服务对象满意度指标"], "群众投诉率", False),
    ],
)
def test_a_row_is_misfiled_only_where_its_name_says_another_kind(path, name, misfiled):
    def change(d: dict) -> None:
        d["indicators"].append(
            {"path": path, "name": name, "target": "≥90%", "actual": "95%", "weight": 0, "self_score": 0}
        )

    assert ("INDICATOR_MISCLASSIFIED" in codes(frame_scored(change))) == misfiled


def test_the_clean_project_has_no_findings():
    result = frame_scored()
    assert codes(result) == []
    assert (result.total, result.recomputed_total, result.grade) == (Decimal("99.80"), Decimal("99.80"), "优")


@pytest.mark.parametrize("code", sorted(TARGET_CASES))
def test_target_finding_raised_by_its_change(code):
    assert code in codes(frame_scored(TARGET_CASES[code][0]))


@pytest.mark.parametrize("code", sorted(c for c, (_, neg) in TARGET_CASES.items() if neg is not None))
def test_target_finding_absent_without_its_cause(code):
    assert code not in codes(frame_scored(TARGET_CASES[code][1]))


def test_execution_score_is_weight_times_executed_over_budget_half_up():
    # 10 × 45.6 ÷ 52 = 8.7692… → 8.77, where 9 is stated.
    def change(d: dict) -> None:
        d["execution"] = {"total": {"initial": 52, "adjusted": 52, "executed": Decimal("45.6")}, "stated_score": 9}

    result = frame_scored(change)
    budget = next(i for i in result.indicators if i.rule == "budget_execution")
    assert (budget.recomputed_score, budget.self_score) == (Decimal("8.77"), Decimal(9))
    found = next(f for f in result.findings if f.code == "EXECUTION_SCORE_MISMATCH")
    assert "10.00 × 45.60 ÷ 52.00" in found.message and "8.77" in found.message


def test_a_missed_at_least_target_recomputes_to_weight_times_ratio():
    result = frame_scored(_set(_households, actual="460户"))  # ≥500户 against 460户 on 20 points
    households = next(i for i in result.indicators if i.id == "受益农户数")
    assert (households.met, households.recomputed_score) == (False, Decimal("18.40"))
    assert result.recomputed_total == Decimal("98.20")  # 99.8 − 20 + 18.4


def test_a_missed_at_most_target_recomputes_to_weight_times_target_over_actual():
    result = frame_scored(_set(lambda d: row(d, "亩均建设成本"), actual="96元/亩", self_score=Decimal("8.33")))
    cost = next(i for i in result.indicators if i.id == "亩均建设成本")
    assert (cost.met, cost.recomputed_score) == (False, Decimal("8.33"))  # 10 × 80 ÷ 96
    assert "RECOMPUTED_MISMATCH" not in codes(
        frame_scored(_set(lambda d: row(d, "亩均建设成本"), actual="96元/亩", self_score=Decimal("8.33")))
    )


def test_a_total_row_left_at_zero_is_read_from_its_components():
    result = frame_scored(lambda d: d["execution"].update(total={"initial": 0, "adjusted": 0, "executed": 0}))
    budget = next(i for i in result.indicators if i.rule == "budget_execution")
    assert budget.recomputed_score == Decimal("9.80")  # 10 × 50.96 ÷ 52


def test_a_level_named_by_an_alias_or_with_its_printed_weight_is_placed_in_its_frame_group():
    for written in ("产出", "产出指标（50分）"):
        result = frame_scored(_set(_households, path=[written, "数量指标"]))
        assert next(i for i in result.indicators if i.id == "受益农户数").groups[0] == "产出指标"


def test_a_row_under_a_level_the_frame_lacks_is_an_input_error_suggesting_the_near_name():
    from toolkit.core.problems import InputError

    with pytest.raises(InputError) as caught:
        frame_scored(_set(_households, path=["产出指示", "数量指标"]))
    (problem,) = caught.value.problems
    line = next(n for n, text in enumerate(CLEAN.read_text("utf-8").splitlines(), 1) if "受益农户数" in text)
    assert (problem.field, problem.line) == ("indicators[0].path", line) and "是否应为“产出指标”" in problem.message


def test_the_seed_recomputed_total_takes_the_recomputed_budget_rate(seed_result):
    # 部门预算资金支出率 9.88 stated, 9.89 recomputed (10 × 98.88%, half-up): 94.20 → 94.21.
    assert (seed_result.total, seed_result.recomputed_total) == (Decimal("94.20"), Decimal("94.21"))


def test_a_frame_record_without_its_execution_block_is_an_input_error_unless_the_table_is_cut_short():
    from toolkit.core.problems import InputError

    with pytest.raises(InputError) as caught:
        frame_scored(lambda d: d.pop("execution"))
    assert [(p.field, "execution" in p.message) for p in caught.value.problems] == [("execution", True)]
    fragment = frame_scored(lambda d: d.pop("execution") and d.update(incomplete="表格从指标表开始"))
    assert "MISSING_INDICATOR" in codes(fragment) and "INCOMPLETE_TABLE" in codes(fragment)
