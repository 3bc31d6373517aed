"""The yearly summary of a year that mixes rubric families and kinds of unit: the 2023 fixture (two projects of
示例县农业农村局 and the department 示例市文化旅游局, target family) and a folder holding it and the 2022
fixture (four fixed-rubric departments)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from toolkit.batch.provenance import describe
from toolkit.summary import charts as summary_charts
from toolkit.summary import exports
from toolkit.summary.sections import SummaryReport
from toolkit.summary.tables import Summary

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "summary"
FIXED_CODES = ["huangpu-zwsj", "demo-liang", "demo-zhong", "demo-cha"]  # ranking order of 2022
TARGET_CODES = ["demo-wenlv-dept", "demo-nongye-zhongzi", "demo-nongye-gaobiao"]
SUPERVISOR = "示例县农业农村局（示例）"


def _copy(year: str, into: Path) -> None:
    for result in (FIXTURES / year).glob("*/result.json"):
        (into / result.parent.name).mkdir()
        shutil.copy(result, into / result.parent.name / "result.json")


@pytest.fixture(scope="module")
def target_year() -> Summary:
    return Summary.from_folder(FIXTURES / "2023")


@pytest.fixture(scope="module")
def mixed_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mixed")
    _copy("2022", folder)
    _copy("2023", folder)
    return folder


@pytest.fixture(scope="module")
def mixed(mixed_dir) -> Summary:
    return Summary.from_folder(mixed_dir)


def _row(summary: Summary, code: str) -> dict:
    return summary.departments.set_index("部门代码").loc[code].to_dict()


def _indicator(summary: Summary, code: str, indicator: str) -> dict:
    rows = summary.indicators
    return rows[(rows["部门代码"] == code) & (rows["指标ID"] == indicator)].iloc[0].to_dict()


# --- 部门汇总 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["target_year", "mixed"])
def test_department_table_names_kind_family_supervisor_and_recomputed_total(request, which):
    summary = request.getfixturevalue(which)
    project = _row(summary, "demo-nongye-gaobiao")
    assert (project["类型"], project["体系类型"], project["主管部门"]) == ("项目", "目标对照表", SUPERVISOR)
    assert (project["得分"], project["重算总分"]) == (95.33, 93.5)
    department = _row(summary, "demo-wenlv-dept")
    assert (department["类型"], department["体系类型"], department["主管部门"], department["重算总分"]) == (
        "部门整体",
        "目标对照表",
        "",
        100.0,
    )


def test_fixed_rubric_departments_are_marked_as_such_with_their_recomputed_total(mixed):
    seed = _row(mixed, "huangpu-zwsj")
    assert (seed["类型"], seed["体系类型"], seed["主管部门"], seed["重算总分"]) == (
        "部门整体",
        "固定指标体系",
        "",
        94.21,
    )


def test_a_result_written_before_families_is_a_fixed_rubric_department():
    old = json.loads((FIXTURES / "2022" / "demo-cha" / "result.json").read_text(encoding="utf-8"))
    for key in ("kind", "family", "supervisor", "recomputed_total"):
        del old[key]
    row = Summary.from_results([old]).departments.iloc[0]
    assert (row["类型"], row["体系类型"], row["主管部门"]) == ("部门整体", "固定指标体系", "")
    assert pd.isna(row["重算总分"])  # no recomputed total to show


def test_units_are_listed_by_family_then_department_with_projects_grouped_by_supervisor(target_year, mixed):
    # No department of the year is named 示例县农业农村局（示例）: its projects follow the departments, best first.
    assert list(target_year.departments["部门代码"]) == TARGET_CODES
    assert list(mixed.departments["部门代码"]) == FIXED_CODES + TARGET_CODES


def test_projects_are_listed_right_under_their_department(tmp_path):
    _copy("2023", tmp_path)
    supervisor = json.loads((tmp_path / "demo-wenlv-dept" / "result.json").read_text(encoding="utf-8"))
    supervisor.update(code="demo-nongye-dept", department=SUPERVISOR, audited_total=99.0, total=99.0)
    (tmp_path / "demo-nongye-dept").mkdir()
    (tmp_path / "demo-nongye-dept" / "result.json").write_text(json.dumps(supervisor), encoding="utf-8")
    table = Summary.from_folder(tmp_path).departments
    assert list(table["部门代码"]) == [
        "demo-nongye-dept",
        "demo-nongye-zhongzi",
        "demo-nongye-gaobiao",
        "demo-wenlv-dept",
    ]
    # Ranks are within a family and kind: the two departments, the two projects.
    assert list(table["排名"]) == [1, 1, 2, 2]


def test_ranks_are_within_family_and_kind_and_the_ranking_lists_groups_in_turn(mixed):
    ranks = dict(zip(mixed.departments["部门代码"], mixed.departments["排名"]))
    assert [ranks[c] for c in FIXED_CODES] == [1, 2, 3, 4]
    assert [ranks[c] for c in TARGET_CODES] == [1, 1, 2]
    assert list(mixed.ranking["部门代码"]) == FIXED_CODES + TARGET_CODES
    assert mixed.composition == [
        ("固定指标体系", "部门整体", 4),
        ("目标对照表", "部门整体", 1),
        ("目标对照表", "项目", 2),
    ]


# --- 指标明细 ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "indicator, target, actual, met",
    [
        ("项目区受益农户数量", "≥500户", "460户", "未达成"),
        ("亩均建后管护成本", "≤80元/亩", "96元/亩", "未达成"),
        ("工程验收合格率", "≥95%", "100%", "达成"),
        ("农田基础设施条件", "明显改善", "基本改善", "无法判断"),
        ("预算执行率", "", "", "—"),
    ],
)
def test_indicator_rows_carry_target_actual_and_whether_it_was_met(mixed, indicator, target, actual, met):
    row = _indicator(mixed, "demo-nongye-gaobiao", indicator)
    assert (row["年度指标值"], row["实际完成值"], row["是否达成"]) == (target, actual, met)


def test_fixed_rubric_indicators_have_no_target(mixed):
    rows = mixed.indicators[mixed.indicators["部门代码"].isin(FIXED_CODES)]
    assert set(rows["是否达成"]) == {"—"} and set(rows["年度指标值"]) == {""} and len(rows) == 4 * 26


def test_exports_carry_the_new_columns(mixed):
    text = exports.csv_bytes(mixed.departments).decode("utf-8-sig")
    departments = {r["部门代码"]: r for r in csv.DictReader(io.StringIO(text))}
    assert departments["demo-nongye-gaobiao"]["主管部门"] == SUPERVISOR
    assert departments["demo-nongye-gaobiao"]["重算总分"] == "93.50"
    provenance = describe("mof-project-2020", "2020.1", "0" * 64, mixed.records_sha256, "Noto Sans SC")
    data = json.loads(exports.json_bytes(mixed, provenance, "测试"))
    rows = [r for r in data["tables"]["指标明细"] if r["部门代码"] == "demo-nongye-gaobiao"]
    households = next(r for r in rows if r["指标ID"] == "项目区受益农户数量")
    assert (households["年度指标值"], households["实际完成值"], households["是否达成"]) == ("≥500户", "460户", "未达成")


# --- overviews and narrative -----------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["target_year", "mixed"])
def test_target_indicators_are_counted_met_not_met_and_undecidable(request, which):
    summary = request.getfixturevalue(which)
    assert summary.achievement == {"达成": 22, "未达成": 2, "无法判断": 2}
    assert list(summary.unmet()["指标ID"]) == ["项目区受益农户数量", "亩均建后管护成本"]
    text = SummaryReport(summary).indicators().html
    assert "共有 26 项三级指标写明了年度指标值：达成 22 项，未达成 2 项，无法判断 2 项" in text
    assert "“项目区受益农户数量”（年度指标值 ≥500户，实际完成 460户）" in text


def test_title_says_how_many_units_of_each_family_and_kind(target_year, mixed):
    assert "按体系类型：目标对照表 3 个（部门整体 1 个、项目 2 个）。" in SummaryReport(target_year).title().html
    title = SummaryReport(mixed).title().html
    assert "纳入单位 7 个" in title
    assert "固定指标体系 4 个（部门整体 4 个）；目标对照表 3 个（部门整体 1 个、项目 2 个）。" in title


def test_findings_section_names_the_target_units_most_frequent_findings(mixed):
    target = mixed.frequent_findings(family="target").set_index("发现代码")
    assert target.loc["RECOMPUTED_MISMATCH", "部门数"] == 2 and target.loc["TARGET_NOT_MET_FULL_SCORE", "次数"] == 1
    assert "UNNAMED_INDICATOR" not in target.index  # a finding of the fixed-rubric departments only
    text = SummaryReport(mixed).findings().html
    sentence = text[text.index("目标对照表的 3 个单位中最常见的复核发现") :]
    assert sentence.startswith(
        "目标对照表的 3 个单位中最常见的复核发现：依据重算得分与自评分不符（RECOMPUTED_MISMATCH，2 个单位，2 次）"
    )
    assert "未达到目标却得满分（TARGET_NOT_MET_FULL_SCORE，1 个单位，1 次）" in sentence
    assert "ACTUAL_NOT_MEASURABLE" in sentence and "UNNAMED_INDICATOR" not in sentence


def test_indicator_comparisons_are_among_fixed_rubric_units_only(mixed):
    assert mixed.matrix.shape == (26, 4) and list(mixed.matrix.columns) == FIXED_CODES
    overview = mixed.indicator_overview.set_index(["体系类型", "指标ID"])
    # Both families have a 公用经费控制率, of different weights: never merged into one row.
    assert overview.loc[("固定指标体系", "公用经费控制率"), "分值"] == 2
    assert overview.loc[("目标对照表", "公用经费控制率"), "分值"] == 10
    assert overview.loc[("目标对照表", "预算执行率"), "扣分部门占比（%）"] == 66.67  # 2 of the 3 target units


def test_ranking_section_ranks_each_group(mixed):
    text = SummaryReport(mixed).ranking().html
    assert "固定指标体系部门整体 4 个中，得分最高的是广州市黄埔区政务服务数据管理局" in text
    assert "目标对照表项目 2 个中，得分最高的是农作物良种推广补助项目（示例）（99.80 分，优）" in text
    assert "主管部门：示例县农业农村局（示例）" in text


def test_a_target_year_has_a_level1_heatmap_instead_of_a_per_indicator_one(target_year):
    assert target_year.matrix.empty
    assert list(target_year.target_level1.index) == ["预算执行", "产出指标", "效益指标", "满意度指标"]
    assert target_year.target_level1.loc["产出指标", "demo-nongye-gaobiao"] == pytest.approx(96.66)
    chart = SummaryReport(target_year).heatmap()
    assert isinstance(chart, summary_charts.Chart) and "按一级指标对比" in chart.caption
    assert (
        "按一级指标（预算执行、产出指标、效益指标、满意度指标）列示得分率"
        in SummaryReport(target_year).indicators().html
    )


def test_a_mixed_year_shows_both_heatmaps_and_a_grouped_ranking_chart(mixed):
    shown = SummaryReport(mixed).heatmap()
    assert isinstance(shown, summary_charts.Charts) and len(shown.charts) == 2
    assert shown._repr_html_().count("<img ") == 2
    assert "26 个三级指标" in shown.charts[0].alt and "目标对照表的 3 个单位" in shown.charts[1].alt
    ranking = summary_charts.ranking(mixed)
    assert "7 个部门的得分排名（按体系类型与类型分组排列）" in ranking.alt
    assert "最高为农作物良种推广补助项目（示例） 99.80 分" in ranking.alt


def test_a_fixed_rubric_year_reads_as_before():
    summary = Summary.from_folder(FIXTURES / "2022")
    report = SummaryReport(summary)
    assert (
        "纳入部门 4 个" in report.title().html
        and "按体系类型：固定指标体系 4 个（部门整体 4 个）。" in report.title().html
    )
    assert "排名在体系类型与类型都相同" not in report.title().html
    assert "<th>体系类型</th>" not in report.ranking().html and "目标对照表" not in report.indicators().html
    assert isinstance(report.heatmap(), summary_charts.Chart)
