"""Department records: the seed loads as transcribed; bad records report every problem with file, line and field."""

from decimal import Decimal as D
from pathlib import Path

import pytest

from toolkit.core.problems import InputError
from toolkit.core.record import load_record, rule_for
from toolkit.core.rubric import load_rubric

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def problems(variant, change):
    with pytest.raises(InputError) as caught:
        variant(change)
    return {p.field: p.message for p in caught.value.problems}


def test_seed_record_loads_as_transcribed(seed_record):
    data = seed_record.data
    assert data.department.code == "huangpu-zwsj" and data.department.units == 3
    assert data.year == 2022 and not data.fictional
    assert seed_record.rubric.id == "gz-dept-overall-2022"
    assert len(data.indicators) == 26 and len(data.goals) == 5 and len(data.completions) == 5
    assert data.budget.total == D("11887.73") and data.budget.components == {
        "基本支出": D("3308.06"),
        "项目支出": D("8579.68"),
    }
    assert data.indicators["部门预算资金支出率"].evidence["rate"] == D("98.88")
    assert data.stated_total == D("94.2") and data.stated_grade == "优"
    assert len(seed_record.sha256) == 64


def test_decimals_are_read_exactly(seed_record):
    assert seed_record.data.indicators["部门整体绩效目标效益指标完成情况"].self_score == D("17.5")
    assert str(seed_record.data.indicators["采购意向公开合规性"].self_score) == "0.5"


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        (
            lambda d: d["indicators"]["数据质量"].update(self_score="九"),
            "indicators.数据质量.self_score",
            "应为数字，实际为 '九'",
        ),
        (
            lambda d: d["indicators"]["数据质量"].update(self_score=-1),
            "indicators.数据质量.self_score",
            "应不小于 0，实际为 -1",
        ),
        (
            lambda d: d["indicators"]["数据质量"].update(self_score=D("NaN")),
            "indicators.数据质量.self_score",
            "应为有限的数字",
        ),
        (
            lambda d: d["indicators"]["数据质量"].pop("self_score"),
            "indicators.数据质量.self_score",
            "缺少必填字段（仅不适用的指标可不填自评分）",
        ),
        # `self_score:` left empty in the file reads as null: as missing, not as 0.
        (
            lambda d: d["indicators"]["数据质量"].update(self_score=None),
            "indicators.数据质量.self_score",
            "缺少必填字段（仅不适用的指标可不填自评分）",
        ),
        (lambda d: d["indicators"].update(不存在的指标={"self_score": 1}), "indicators.不存在的指标", "没有此指标"),
        (lambda d: d.pop("year"), "year", "缺少必填字段"),
        (lambda d: d.update(year="二〇二二"), "year", "应为整数"),
        (lambda d: d["department"].update(code="黄埔"), "department.code", "实际为 '黄埔'"),
        (lambda d: d.update(rubric="no-such-rubric"), "rubric", "未知的评价指标体系"),
        (lambda d: d.update(schema="other"), "schema", "audit-toolkit/department"),
        (lambda d: d.update(format_version=2), "format_version", "第 1 版"),
        (lambda d: d.update(colour="red"), "colour", "未知字段"),
        (
            lambda d: d["indicators"]["部门预算资金支出率"]["evidence"].update(rate="98.88%"),
            "indicators.部门预算资金支出率.evidence.rate",
            "数字",
        ),
        (
            lambda d: d["indicators"]["合同备案时效性"]["evidence"].update(passed=9),
            "indicators.合同备案时效性.evidence.passed",
            "其中之一",
        ),
        (
            lambda d: d["indicators"]["数据质量"].update(evidence={"rate": 1}),
            "indicators.数据质量.evidence.rate",
            "不使用此项依据",
        ),
        (
            lambda d: d["indicators"]["数据质量"].update(not_applicable={"mode": "skip", "reason": "无"}),
            "indicators.数据质量.not_applicable.mode",
            "应为以下之一",
        ),
    ],
)
def test_bad_field_is_named(variant, change, field, text):
    found = problems(variant, change)
    assert text in found.get(field, ""), found


def test_every_problem_is_reported_at_once(variant):
    def break_three(d):
        d.pop("year")
        d["indicators"]["数据质量"]["self_score"] = "九"
        d["indicators"]["资产盘点情况"]["self_score"] = -1
        d["indicators"]["无此指标"] = {"self_score": 1}

    assert set(problems(variant, break_three)) == {
        "year",
        "indicators.数据质量.self_score",
        "indicators.资产盘点情况.self_score",
        "indicators.无此指标",
    }


SEED_TEXT = (Path(__file__).parents[2] / "params" / "huangpu-zwsj-2022.yaml").read_text("utf-8")


def load_error(path: Path, old: str, new: str) -> InputError:
    """The error of loading the seed file written to `path` with `old` replaced by `new`."""
    path.write_text(SEED_TEXT.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_record(path)
    return caught.value


def test_problems_carry_file_and_line(tmp_path):
    [p] = load_error(tmp_path / "bad.yaml", "self_score: 19\n", "self_score: 九\n").problems
    line = next(n for n, row in enumerate(SEED_TEXT.splitlines(), 1) if row.strip() == "self_score: 19")
    assert p.file.endswith("bad.yaml") and p.line == line
    assert str(p).endswith(
        f"bad.yaml:{line}: indicators.部门整体绩效目标产出指标完成情况.self_score: 应为数字，实际为 '九'"
    )


def test_duplicate_indicator_key_is_refused(tmp_path):
    error = load_error(tmp_path / "dup.yaml", "  数据质量:\n", "  资产盘点情况:\n")
    assert "“资产盘点情况” 重复" in error.problems[0].message and error.problems[0].line


def test_name_instead_of_id_is_redirected(variant):
    # In the built-in rubric names are ids, so a placeholder's label is the only name that is not.
    found = problems(variant, lambda d: d["indicators"].update({"（原表未列名称）": d["indicators"].pop("采购管理-2")}))
    assert "indicators.（原表未列名称）" in found


def test_rubric_override_replaces_the_named_one(variant):
    rubric = load_rubric("gz-dept-overall-2022")
    record = variant(lambda d: d.update(rubric="no-such-rubric"), rubric=rubric)
    assert record.rubric is rubric


def test_rubric_file_named_relative_to_the_record():
    record = load_record(FIXTURES / "four-groups-record.yaml")
    assert record.rubric.id == "test-four-groups"


def test_rule_for_uses_the_records_not_applicable_override(variant, seed_record):
    record = variant(
        lambda d: d["indicators"]["合同备案时效性"].update(
            not_applicable={"mode": "full_marks", "reason": "本年无公开招标"}
        )
    )
    assert rule_for(record, "合同备案时效性").type == "not_applicable"
    assert rule_for(record, "合同备案时效性").mode == "full_marks"
    assert rule_for(seed_record, "合同备案时效性").type == "count_ratio"


def test_record_is_immutable(seed_record):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="frozen"):
        seed_record.data.indicators["数据质量"].self_score = D(0)


def test_record_naming_a_broken_rubric_says_how_many_problems(variant):
    found = problems(variant, lambda d: d.update(rubric=str(FIXTURES / "bad-rubric.yaml")))
    assert "共 8 处问题" in found["rubric"] and "rubric validate" in found["rubric"]


def test_a_record_without_the_block_its_rubric_requires_names_it(tmp_path):
    start = SEED_TEXT.index("budget:")
    end = SEED_TEXT.index("indicators:")
    path = tmp_path / "no-budget.yaml"
    path.write_text(SEED_TEXT[:start] + SEED_TEXT[end:], encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_record(path)
    (problem,) = caught.value.problems
    assert problem.field == "budget" and "要求记录填写 budget" in problem.message
