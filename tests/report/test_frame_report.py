"""The department report on target-versus-actual records (frames): execution block, target table, achievement chart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from toolkit.report import charts
from toolkit.report.narrative import open_report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CLEAN = FIXTURES / "frame-project.yaml"
DEMO = FIXTURES / "frame-demo-project.yaml"


def _rows(fragment) -> list[list[str]]:
    """The table rows of a fragment as lists of cell texts."""
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", fragment.html, flags=re.S):
        rows.append([re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", tr)])
    return rows


@pytest.fixture(scope="module")
def demo():
    return open_report(DEMO)


@pytest.fixture(scope="module")
def clean():
    return open_report(CLEAN)


def test_basic_info_names_the_project_its_supervisor_and_implementer(demo, clean):
    text = repr(demo.basic_info())
    assert "高标准农田建设项目（示例）" in text and "主管部门为示例县农业农村局（示例）" in text
    assert "实施单位为示例县农业农村局（示例）" in text
    assert "实施单位为示例县农业技术推广中心（示例）" in repr(clean.basic_info())
    assert "项目支出绩效自评复核报告" in repr(demo.title())


def test_target_table_has_one_row_per_indicator_with_met_and_scores(demo):
    rows = _rows(demo.targets())
    header, body = rows[0], rows[1:]
    assert header == [
        "一级指标",
        "二级指标",
        "三级指标",
        "年度指标值",
        "实际完成值",
        "是否达成",
        "分值",
        "自评分",
        "重算分",
    ]
    assert len(body) == 8  # every indicator row of the form; the budget execution row is in the budget section
    households = ["产出指标", "数量指标", "项目区受益农户数量", "≥500户", "460户", "未达成", "20.00", "20.00", "18.40"]
    assert households in body
    upkeep = ["产出指标", "成本指标", "亩均建后管护成本", "≤80元/亩", "96元/亩", "未达成", "10.00", "8.33", "8.33"]
    assert upkeep in body
    qualitative = next(r for r in body if r[2] == "农田基础设施条件")
    assert qualitative[5] == "无法判断" and qualitative[8] == "—"
    assert sum(r[5] == "达成" for r in body) == 5


def test_goals_section_carries_the_target_comparison_and_its_chart(demo):
    fragment = demo.goals()
    assert "目标与实际完成对照" in fragment.html and 'class="targets"' in fragment.html
    assert "2 项未达成" in repr(fragment)
    assert '<figure class="chart"><img src="data:image/png;base64,' in fragment.html


def test_clean_project_meets_every_target(clean):
    body = _rows(clean.targets())[1:]
    assert len(body) == 6 and all(r[5] == "达成" for r in body)
    assert ["产出指标", "数量指标", "受益农户数", "≥500户", "520户", "达成", "20.00", "20.00", "20.00"] in body


def test_budget_section_shows_the_execution_block_recomputed(demo):
    fragment = demo.budget()
    text = repr(fragment)
    rows = _rows(fragment)
    assert ["年度资金总额", "52.00", "52.00", "45.60", "87.69%"] in rows
    assert ["其中：本年财政拨款", "40.00", "40.00", "36.60", "91.50%"] in rows
    assert not any("其他资金" in cell for r in rows for cell in r)  # left blank on the form
    assert ["得分（分值 10.00）", "9.00", "8.77"] in rows
    assert "重算得分 8.77 分，自评 9.00 分，高于重算 0.23 分" in text
    assert "部分工程尾款待竣工决算审计后支付" in text
    assert "总预算" not in text


def test_clean_budget_section_agrees(clean):
    text = repr(clean.budget())
    assert "预算执行率为 98.00%（填报 98.00%，一致）" in text and "与重算一致" in text


def test_no_budget_composition_chart_without_a_budget(demo):
    assert demo.record.data.budget is None and demo.budget_chart() is None


def test_achievement_chart_has_one_bar_per_quantitative_indicator(demo):
    chart = charts.achievement(demo.result)
    assert chart.png.startswith(b"\x89PNG")
    bars = charts.achievements(demo.result)
    # Six quantities (the deadline and the qualitative row have no ratio).
    assert [label for label, _ in bars] == [
        "项目区受益农户数量",
        "工程验收合格率",
        "亩均建后管护成本",
        "项目区亩均粮食增产",
        "工程设施完好率",
        "受益农户满意度",
    ]
    assert "6 个定量指标" in chart.alt
    assert "低于 100% 的有：项目区受益农户数量 92.0%；亩均建后管护成本 83.3%。" in chart.alt
    assert "超过 130%" not in chart.alt


def test_achievement_chart_names_far_exceeded_targets(clean):
    chart = clean.achievement_chart()
    assert "全部达到 100%" in chart.alt and len(charts.achievements(clean.result)) == 5


def test_achievement_chart_renders_chinese_without_missing_glyphs(demo):
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph \d+ .*missing from font")
        charts.achievement(demo.result)


def test_every_section_renders_for_frame_records(demo, clean):
    for report in (demo, clean):
        for section in ("title", "key_figures", "basic_info", "goals", "budget", "score_table", "analysis"):
            assert repr(getattr(report, section)())
        for section in ("problems", "measures", "review_opinion", "adjustments", "annex"):
            assert repr(getattr(report, section)())
    assert "重算总分93.5" in repr(demo.key_figures())


def test_seed_report_is_unchanged_by_the_frame_sections(seed_record):
    report = open_report(seed_record.path)
    assert not report.is_frame and report.budget_chart() is not None
    assert "目标与实际完成对照" not in report.goals().html and "重算总分" not in report.key_figures().html
    assert "部门整体支出绩效自评复核报告" in report.title().html


def test_notebook_runs_end_to_end_on_the_demo_project(tmp_path):
    papermill = pytest.importorskip("papermill")
    notebook = Path(__file__).resolve().parents[2] / "notebooks" / "department_audit.ipynb"
    executed = tmp_path / "audit.ipynb"
    nb = papermill.execute_notebook(
        str(notebook),
        str(executed),
        parameters={"record_path": str(DEMO), "rubric": None},
        kernel_name="python3",
        cwd=str(notebook.parent),
        progress_bar=False,
    )
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "目标与实际完成对照" in html and "≥500户" in html and "未达成" in html
    assert "8.77" in html and "年初预算数" in html and "主管部门为示例县农业农村局（示例）" in html
    alts = re.findall(r'<img src="data:image/png;base64,[^"]+" alt="([^"]*)"', html)
    assert any("项目区受益农户数量 92.0%" in alt for alt in alts)
    assert not any("总预算" in alt for alt in alts)  # no budget-composition chart for a frame record
