"""The rubric as data: the built-in tree, validation reporting every problem with its line, round trip, grades."""

from decimal import Decimal as D
from pathlib import Path

import pytest

from toolkit.core.paths import RUBRIC_DIR
from toolkit.core.problems import InputError
from toolkit.core.rubric import PLACEHOLDER_LABEL, dump_rubric, load_rubric, parse_rubric
from toolkit.core.yamlio import read_yaml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def builtin():
    return load_rubric("gz-dept-overall-2022")


def test_builtin_rubric_holds_the_seed_tree(builtin):
    assert len(builtin.indicators) == 26
    assert [(n.id, n.weight) for n in builtin.tree] == [("履职效能", 50), ("管理效率", 50)]
    assert [(g.id, g.weight) for g in builtin.tree[1].children] == [
        ("预算编制", 3),
        ("预算执行", 4),
        ("信息公开", 4),
        ("绩效管理", 15),
        ("采购管理", 10),
        ("资产管理", 10),
        ("运行成本", 4),
    ]
    assert builtin.depth == 3
    assert builtin.rounding.mode.value == "half_up" and builtin.rounding.places == 2
    assert builtin.tolerance.score == D("0.01") and builtin.tolerance.budget == D("0.01")


def test_builtin_rules_follow_the_seed_texts(builtin):
    rules = {i.id: i.rule.type for i in builtin.indicators}
    assert rules.pop("部门预算资金支出率") == "proportional"
    assert rules.pop("合同备案时效性") == "count_ratio"
    assert set(rules.values()) == {"judgement"}


def test_unnamed_procurement_indicator_is_a_labelled_placeholder(builtin):
    placeholder = builtin.indicator("采购管理-2")
    assert placeholder.node.placeholder and placeholder.weight == D("1.5")
    assert placeholder.label == PLACEHOLDER_LABEL
    assert placeholder.node.explanation is None  # never invented
    assert [i.id for i in builtin.indicators if i.node.placeholder] == ["采购管理-2"]


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (D(100), "优"),
        (D(90), "优"),
        (D("89.99"), "良"),
        (D(80), "良"),
        (D("79.99"), "中"),
        (D(60), "中"),
        (D("59.99"), "差"),
        (D(0), "差"),
    ],
)
def test_grade_bands_lower_bounds_inclusive(builtin, total, grade):
    assert builtin.grade_for(total) == grade


def test_indicator_lookup_by_id_or_name(builtin):
    assert builtin.indicator("合同备案时效性").weight == D(1)
    assert builtin.indicator("不存在") is None


def test_round_trip_gives_an_equal_declaration(builtin, tmp_path):
    text = dump_rubric(builtin)
    again = tmp_path / "again.yaml"
    again.write_text(text, encoding="utf-8")
    assert load_rubric(again).declaration == builtin.declaration
    assert dump_rubric(load_rubric(again)) == text


def test_round_trip_of_a_rubric_of_another_shape(tmp_path):
    four = load_rubric(FIXTURES / "four-groups-rubric.yaml")
    again = tmp_path / "four.yaml"
    again.write_text(dump_rubric(four), encoding="utf-8")
    assert load_rubric(again).declaration == four.declaration


def test_rubric_of_another_shape_loads(tmp_path):
    four = load_rubric(FIXTURES / "four-groups-rubric.yaml")
    assert [n.id for n in four.tree] == ["投入", "过程", "产出", "效果"]
    assert four.depth == 2 and len(four.indicators) == 9
    assert four.grade_for(D(75)) == "良" and four.grade_for(D("74.99")) == "中"


def test_a_rubric_mixing_upper_and_lower_tier_bounds_is_refused_with_its_file_field_and_line(tmp_path):
    text = (FIXTURES / "bad-rubric.yaml").read_text(encoding="utf-8")
    bands = "tiers: [{min: 80, score: 10}, {min: 90, score: 20}]"
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text(text.replace(bands, "tiers: [{max: 0, score: 20}, {min: 10, score: 10}]"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_rubric(mixed)
    [problem] = [p for p in caught.value.problems if p.field == "tree[0].children[1].rule"]
    assert problem.line == 20 and problem.file.endswith("mixed.yaml")
    assert "第 2 档写的是下限 min，第 1 档写的是上限 max：各档应一致" in problem.message


def test_validation_reports_every_problem_at_once_with_its_line():
    with pytest.raises(InputError) as caught:
        load_rubric(FIXTURES / "bad-rubric.yaml")
    found = {(p.field, p.line): p.message for p in caught.value.problems}
    expected = {
        ("tree", 11): "一级指标分值合计 60.00 + 30.00 = 90.00，应为 100.00",
        ("tree[0].weight", 13): "下级合计 30.00 + 20.00 = 50.00",
        ("tree[0].children[1].rule", 20): "从高到低",
        ("tree[1].children[0].id", 26): "ID “甲一” 重复",
        ("tree[1].children[0].rule", 28): "各项分值合计 6.00，不等于指标分值 10.00",
        ("tree[1].children[1].rule", 31): "缺少计分规则",
    }
    for where, text in expected.items():
        assert text in found.get(where, ""), (where, found)
    grade_messages = [p.message for p in caught.value.problems if p.field == "grades"]
    assert any("从高到低" in m for m in grade_messages) and any("最低等级的下限应为 0" in m for m in grade_messages)
    assert all(p.file.endswith("bad-rubric.yaml") for p in caught.value.problems)
    assert len(caught.value.problems) == 8


def _builtin_data() -> dict:
    return read_yaml(RUBRIC_DIR / "gz-dept-overall-2022.yaml", "评价指标体系")


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        (lambda d: d.update(schema="something/else"), "schema", "audit-toolkit/rubric"),
        (lambda d: d.update(format_version=9), "format_version", "第 1 版"),
        (
            lambda d: d["tree"][0]["children"][0]["children"][0].pop("weight"),
            "tree[0].children[0].children[0].weight",
            "缺少必填字段",
        ),
        (
            lambda d: d["tree"][0]["children"][0]["children"][2].update(rule={"type": "lottery"}),
            "tree[0].children[0].children[2].rule",
            "lottery",
        ),
        (
            lambda d: d["tree"][0]["children"][0]["children"][2].update(rule={"type": "proportional", "full_at": -5}),
            "tree[0].children[0].children[2].rule.full_at",
            "应大于 0",
        ),
        (lambda d: d["grades"].append({"grade": "优", "min": -1}), "grades", "“优”重复"),
        (lambda d: d["tree"][1].update(rule={"type": "judgement"}), "tree[1].rule", "分组不应设计分规则"),
    ],
)
def test_each_declaration_problem_is_named_by_field(change, field, text):
    data = _builtin_data()
    change(data)
    with pytest.raises(InputError) as caught:
        parse_rubric(data, "in-memory.yaml")
    assert any(p.field == field and text in p.message for p in caught.value.problems), caught.value.problems


def test_a_valid_rubric_built_in_memory_is_accepted():
    rubric = parse_rubric(_builtin_data(), "in-memory.yaml")
    assert rubric.id == "gz-dept-overall-2022" and len(rubric.sha256) == 64


@pytest.mark.parametrize("ref", ["no-such-rubric", "missing-file.yaml"])
def test_unknown_rubric_is_input_error(ref):
    with pytest.raises(InputError):
        load_rubric(ref)


def _frame_data() -> dict:
    return read_yaml(RUBRIC_DIR / "mof-project-2020.yaml", "评价指标体系")


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        (lambda d: d["tree"][1].pop("leaf_rule"), "tree[1].leaf_rule", "缺少下级指标的计分规则"),
        (
            lambda d: d["tree"][1].update(children=[{"id": "x", "weight": 50, "rule": {"type": "judgement"}}]),
            "tree[1].open",
            "不应列出下级",
        ),
        (lambda d: d.update(family="fixed"), "family", "不应有开放分组"),
        (lambda d: d["tree"][2].pop("open"), "tree[2].leaf_rule", "只有开放分组"),
    ],
)
def test_each_frame_problem_is_named_by_field(change, field, text):
    data = _frame_data()
    change(data)
    with pytest.raises(InputError) as caught:
        parse_rubric(data, "in-memory.yaml")
    assert any(p.field == field and text in p.message for p in caught.value.problems), caught.value.problems


def test_a_target_family_rubric_without_open_groups_is_refused():
    data = _builtin_data()
    data["family"] = "target"
    with pytest.raises(InputError) as caught:
        parse_rubric(data, "in-memory.yaml")
    assert any(p.field == "family" and "应有开放分组" in p.message for p in caught.value.problems)
