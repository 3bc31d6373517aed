"""Locating the parts of the table: header columns, basic information, budget, goals, total, grade."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_sources import SEED_TABLE

from toolkit.core.rubric import load_rubric
from toolkit.importer.layout import locate
from toolkit.importer.sources import Grid, Row, read_grid
from toolkit.importer.text import clean, key, split_numbered


@pytest.fixture(scope="module")
def rubric():
    return load_rubric("gz-dept-overall-2022")


@pytest.fixture(scope="module")
def seed(rubric):
    return locate(read_grid(SEED_TABLE), rubric)


def grid(*rows: str) -> Grid:
    return Grid(
        "t.txt", "制表符分隔文本（UTF-8）", tuple(Row(n, tuple(r.split("\t"))) for n, r in enumerate(rows, start=1))
    )


def test_header_rows_give_the_columns_of_each_page(seed):
    assert [b.columns.row for b in seed.blocks] == [12, 23]
    cols = seed.blocks[0].columns
    assert (cols.names, cols.weights, cols.explanation, cols.score, cols.reason, cols.measure) == (
        (0, 2, 4),
        (1, 3, 5),
        6,
        7,
        8,
        9,
    )
    assert seed.repeated_headers == [23]
    assert seed.blocks[1].rows[0].number == 24


def test_basic_information(seed):
    assert seed.title == "2022年度广州市黄埔区政务服务数据管理局（广州开发区行政审批局） 部门整体支出绩效自评表"
    assert (seed.year.value, seed.department.value, seed.units.value) == (
        2022,
        "广州市黄埔区政务服务数据管理局（广州开发区行政审批局）",
        3,
    )
    assert len(seed.goals.value) == 5 and len(seed.completions.value) == 5 and seed.unmet.value == ()
    assert seed.completions.value[4].endswith("办理成效显著，办理")


def test_budget_block_separates_components_from_details(seed):
    assert seed.budget.value == {
        "total": Decimal("11887.73"),
        "components": {"基本支出": Decimal("3308.06"), "项目支出": Decimal("8579.68")},
        "details": {
            "专项资金": Decimal("0.00"),
            "其他事业发展支出": Decimal("0.00"),
            "区本级资金": Decimal("0.00"),
            "对下转移支付": Decimal("0.00"),
        },
    }
    assert seed.budget.row == 11 and "含千位分隔符" in seed.budget.notes[0]


def test_total_one_column_left_of_the_score_column_is_read_and_noted(seed):
    assert seed.total.value == Decimal("94.2") and seed.total.row == 41
    assert seed.total.notes == ("总分 94.2 位于得分列左侧 1 列（“指标解释”列），按填报总分读取",)


@pytest.mark.parametrize(
    "text,grade",
    [
        ("√优 90分≤得分≤100分； □良 80分≤得分<90分； □中 60分≤得分<80分； □差 得分<60分", "优"),
        ("□优 90分≤得分≤100分； □良 80分≤得分<90分； ☑中 60分≤得分<80分； □差 得分<60分", "中"),
        ("□优 □良 □中 ■差", "差"),
        ("良", "良"),
        ("□优 □良 □中 □差", None),
    ],
)
def test_grade_marks(rubric, text, grade):
    layout = locate(grid("一级指标\t分值\t二级指标\t分值\t三级指标\t分值\t指标解释\t得分", f"评价等级\t{text}"), rubric)
    assert layout.grade.value == grade and layout.problems == []


def test_scoring_standard_column_is_not_taken_for_the_score(rubric):
    layout = locate(grid("一级指标\t分值\t二级指标\t分值\t三级指标\t分值\t评分标准\t评分"), rubric)
    assert layout.blocks[0].columns.score == 7


def test_header_labels_are_matched_whatever_the_width_or_spacing(rubric):
    layout = locate(
        grid("一级指标\t分 值\t二级指标\t分值\t三级指标\t分值\t指标说明\t自评得分\t偏差原因\t整改措施"), rubric
    )
    cols = layout.blocks[0].columns
    assert (cols.weights[0], cols.explanation, cols.score, cols.reason, cols.measure) == (1, 6, 7, 8, 9)


@pytest.mark.parametrize(
    "text,items",
    [
        ("1. 甲。 2. 乙。 3. 丙", ("甲。", "乙。", "丙")),
        ("1、甲；2、乙", ("甲；", "乙")),
        ("（1）甲。（2）乙。", ("甲。", "乙。")),
        ("一、甲。二、乙。", ("甲。", "乙。")),
        ("受理工单约19.1万件。12345热线", ("受理工单约19.1万件。12345热线",)),
        ("只有一条目标。", ("只有一条目标。",)),
        ("", ()),
    ],
)
def test_numbered_cells_are_split_into_lists(text, items):
    assert split_numbered(text) == items


def test_markup_is_removed_but_comparisons_stay():
    assert clean("<b>总分</b>") == "总分" and clean('<span class="x">甲</span><br/>') == "甲"
    assert clean("80分≤得分<90分，得分>80分") == "80分≤得分<90分，得分>80分"


def test_matching_keys_ignore_width_quotes_spaces_and_markup():
    assert (
        key("“三公”经费控制情况")
        == key('"三公"经费控制情况')
        == key("＂三公＂ 经费控制情况")
        == key("<b>“三公”经费控制情况</b>")
    )
    assert key("部门（单位）") == key("部门(单位)")
