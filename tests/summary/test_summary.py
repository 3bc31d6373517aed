"""The cross-department summary: tables from result objects, the published summary.html, the runner step."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import unbalanced

from toolkit import cli
from toolkit.batch.runner import run
from toolkit.core.problems import InputError
from toolkit.summary.build import fingerprint, summarise
from toolkit.summary.roster import ROSTER_FILE, left_out, write_roster
from toolkit.summary.sections import SummaryReport
from toolkit.summary.tables import Summary, load_results

ROOT = Path(__file__).resolve().parents[2]


def _department(result: dict, code: str, name: str, total: float, grade: str) -> dict:
    out = copy.deepcopy(result)
    out.update(
        code=code, department=name, total=total, grade=grade, audited_total=total, audited_grade=grade, fictional=True
    )
    return out


@pytest.fixture(scope="module")
def seed_dict(seed_result) -> dict:
    return seed_result.as_dict()


@pytest.fixture(scope="module")
def shipped_summary(shipped_run) -> Summary:
    out, _ = shipped_run
    return Summary.from_folder(out / "2022")


# --- tables --------------------------------------------------------------------------------------------


def test_ranking_puts_the_seed_first_among_the_shipped_departments(shipped_summary):
    top = shipped_summary.departments.iloc[0]
    assert (top["排名"], top["部门代码"], top["得分"], top["等级"]) == (1, "huangpu-zwsj", 94.2, "优")
    assert list(shipped_summary.departments["得分"]) == sorted(shipped_summary.departments["得分"], reverse=True)
    assert shipped_summary.departments.iloc[0]["履职效能得分"] == 46.38 and top["管理效率得分"] == 47.82


def test_equal_scores_share_a_rank_and_are_listed_by_code(seed_dict):
    results = [
        _department(seed_dict, "b", "乙", 90, "优"),
        _department(seed_dict, "a", "甲", 90, "优"),
        _department(seed_dict, "c", "丙", 80, "良"),
    ]
    table = Summary.from_results(results).departments
    assert list(zip(table["排名"], table["部门代码"])) == [(1, "a"), (1, "b"), (3, "c")]


def test_audited_total_and_grade_are_used_where_a_review_exists(seed_dict):
    reviewed = _department(seed_dict, "r", "复核局", 94.2, "优")
    reviewed.update(audited_total=88.5, audited_grade="良", review={"reviewer": "张三", "date": "2026-12-01"})
    summary = Summary.from_results([reviewed, _department(seed_dict, "s", "自评局", 91, "优")])
    rows = summary.departments.set_index("部门代码")
    assert (rows.loc["r", "得分"], rows.loc["r", "等级"], rows.loc["r", "得分依据"], rows.loc["r", "自评总分"]) == (
        88.5,
        "良",
        "复核后得分",
        94.2,
    )
    assert rows.loc["s", "得分依据"] == "自评分"
    assert "已复核的 1 个部门采用复核后得分" in summary.basis
    assert "已复核的 1 个部门采用复核后得分" in SummaryReport(summary).title().html


def test_results_without_audited_fields_use_the_self_assessed_total(seed_dict):
    old = {k: v for k, v in seed_dict.items() if not k.startswith("audited") and k not in ("review", "adjustments")}
    row = Summary.from_results([old]).departments.iloc[0]
    assert (row["得分"], row["等级"], row["得分依据"]) == (94.2, "优", "自评分")


def test_grade_distribution_lists_every_band_of_the_rubric(shipped_summary, seed_dict):
    assert shipped_summary.grade_distribution.values.tolist() == [
        ["优", 1, 25.0],
        ["良", 1, 25.0],
        ["中", 1, 25.0],
        ["差", 1, 25.0],
    ]
    only_seed = Summary.from_results([seed_dict]).grade_distribution
    assert only_seed["等级"].tolist() == ["优", "良", "中", "差"] and only_seed["部门数"].tolist() == [1, 0, 0, 0]


def test_matrix_holds_the_score_rate_of_each_indicator_in_each_department(shipped_summary):
    matrix = shipped_summary.matrix
    assert matrix.shape == (26, 4) and matrix.columns[0] == "huangpu-zwsj"
    assert matrix.loc["部门预算资金支出率", "huangpu-zwsj"] == 98.8
    assert matrix.loc["合同备案时效性", "huangpu-zwsj"] == 82.0


def test_frequent_deductions_count_departments_and_points(seed_dict):
    other = _department(seed_dict, "x", "乙", 94.2, "优")
    for i in other["indicators"]:
        if i["id"] == "资产配置合规性":  # the seed lost 1 of 2 here; this department loses 2
            i["self_score"] = i["audited_score"] = 0
    table = Summary.from_results([seed_dict, other]).frequent_deductions(30).set_index("三级指标")
    assert table.loc["资产配置合规性", "扣分部门数"] == 2 and table.loc["资产配置合规性", "扣分合计"] == 3.0
    assert table.loc["绩效管理制度执行", "扣分部门数"] == 2 and table.loc["绩效管理制度执行", "扣分合计"] == 2.0
    assert "资产盘点情况" not in table.index  # full marks everywhere


def test_frequent_findings_leave_out_dismissed_ones(seed_dict):
    dismissed = copy.deepcopy(seed_dict)
    dismissed["finding_decisions"] = [
        {"code": "TRUNCATED_TEXT", "indicator": None, "decision": "dismissed", "note": "原文如此"}
    ]
    summary = Summary.from_results([seed_dict, _department(dismissed, "x", "乙", 94.2, "优")])
    counts = summary.frequent_findings().set_index("发现代码")
    assert counts.loc["TRUNCATED_TEXT", "部门数"] == 1 and counts.loc["UNNAMED_INDICATOR", "部门数"] == 2
    assert "已驳回" in set(summary.findings["复核决定"])


def test_level1_comparison_spreads_the_shipped_departments(shipped_summary):
    table = shipped_summary.level1_comparison.set_index("一级指标")
    assert table.loc["履职效能", "分值"] == 50 and table.loc["履职效能", "最高得分率（%）"] == 92.76
    assert table.loc["管理效率", "最高得分率（%）"] == 95.64


def test_load_results_names_every_unreadable_file(tmp_path, seed_dict):
    for code in ("a", "b"):
        (tmp_path / code).mkdir()
    (tmp_path / "a" / "result.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "b" / "result.json").write_text(json.dumps({"code": "b"}), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_results(tmp_path)
    text = str(caught.value)
    assert "a/result.json" in text and "b/result.json" in text and "department" in text


def test_an_empty_year_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="没有任何部门结果"):
        load_results(tmp_path)


def _year_folder(root: Path, seed_dict: dict, codes: list[str]) -> Path:
    for code in codes:
        (root / code).mkdir()
        (root / code / "result.json").write_text(
            json.dumps(_department(seed_dict, code, code, 90, "优")), encoding="utf-8"
        )
    return root


def test_the_roster_leaves_out_department_folders_it_does_not_name(tmp_path, seed_dict):
    year_dir = _year_folder(tmp_path, seed_dict, ["a", "b"])
    assert [r["code"] for r in load_results(year_dir)] == ["a", "b"]  # no roster: every folder
    everything = fingerprint(year_dir)
    write_roster(year_dir, {"a", "never-ran"})
    assert [r["code"] for r in load_results(year_dir)] == ["a"]
    assert left_out(year_dir, {"a", "never-ran"}) == ["b"] and (year_dir / "b" / "result.json").exists()
    assert fingerprint(year_dir) != everything


def test_an_unreadable_roster_is_an_input_error_naming_it(tmp_path, seed_dict):
    year_dir = _year_folder(tmp_path, seed_dict, ["a"])
    (year_dir / ROSTER_FILE).write_text('{"departments": "a"}', encoding="utf-8")
    with pytest.raises(InputError, match=r"\.summary-roster\.json: departments: "):
        load_results(year_dir)


# --- the published page --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def summary_html(shipped_run) -> str:
    out, _ = shipped_run
    return (out / "2022" / "summary.html").read_text(encoding="utf-8")


def test_summary_page_nests_as_a_browser_reads_it(summary_html):
    assert unbalanced(summary_html) == []


def test_summary_page_ranks_the_seed_first_with_its_score_and_grade(summary_html):
    ranking = summary_html[summary_html.index('<table class="ranking">') :]
    ranking = ranking[: ranking.index("</table>")]
    first = re.findall(r"<tr[^>]*>(.*?)</tr>", ranking, re.S)[1]
    assert "广州市黄埔区政务服务数据管理局" in first and ">94.20<" in first and ">优</td>" in first


def test_summary_page_has_every_section(summary_html):
    for heading in ("一、得分排名", "二、等级分布", "三、三级指标得分率", "四、常见扣分与复核发现", "五、一级指标对比"):
        assert f">{heading}<" in summary_html


def test_summary_page_is_self_contained_without_code(summary_html):
    assert "<script" not in summary_html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", summary_html)
    assert not re.search(r"url\((?!data:)", summary_html) and "@import" not in summary_html
    assert (
        "open_summary" not in summary_html
        and "year_dir" not in summary_html
        and 'class="jp-InputPrompt' not in summary_html
    )


def test_every_summary_chart_has_alt_text(summary_html):
    images = re.findall(r"<img [^>]*>", summary_html)
    assert len(images) == 5
    assert all(re.search(r'alt="[^"]{20,}"', img) for img in images)


def test_summary_footer_records_provenance(summary_html, shipped_summary):
    footer = summary_html[summary_html.index('<footer class="provenance">') :]
    assert re.search(r"gz-dept-overall-2022（版本 2022\.1，SHA-256 [0-9a-f]{16}）", footer)
    assert "audit-toolkit 0.1.0" in footer
    assert f"全部记录文件合并 SHA-256 {shipped_summary.records_sha256[:16]}" in footer
    assert "图表字体" in footer and "openpyxl" in footer


def test_department_text_is_escaped_in_the_summary(seed_dict):
    hostile = _department(seed_dict, "x", "<script>alert(1)</script>局", 60, "中")
    html = SummaryReport(Summary.from_results([seed_dict, hostile])).ranking().html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;局" in html


def test_index_links_the_year_summary(shipped_run):
    out, _ = shipped_run
    assert 'href="2022/summary.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_charts_show_the_top_and_bottom_when_departments_are_many(seed_dict):
    from toolkit.summary import charts as summary_charts

    many = [_department(seed_dict, f"d{n:03d}", f"示例部门{n:03d}", 40 + n * 0.5, "中") for n in range(100)]
    summary = Summary.from_results(many)
    ranking = summary_charts.ranking(summary)
    heatmap = summary_charts.heatmap(summary)
    assert "前后各 15 名" in ranking.caption and "只画出前 15 名和后 15 名" in ranking.alt
    assert "全部 100 个部门平均" in heatmap.alt or "得分最低的" in heatmap.alt


# --- the runner step -------------------------------------------------------------------------------------


def test_unchanged_year_is_not_summarised_again(shipped_run, tmp_path):
    out, outcomes = shipped_run
    assert [(o.status, o.year) for o in outcomes if o.kind == "summary"] == [("done", 2022), ("done", 2023)]
    year_dir = tmp_path / "2022"
    shutil.copytree(out / "2022", year_dir)
    summarise(year_dir, 2022)  # a no-op unless the toolkit changed since the shared run (several people edit it)
    step = summarise(year_dir, 2022)
    assert step.status == "skipped", step.message


def test_a_changed_department_result_changes_the_summary_fingerprint(shipped_run, tmp_path):
    out, _ = shipped_run
    year_dir = tmp_path / "2022"
    shutil.copytree(out / "2022", year_dir)
    before = fingerprint(year_dir)
    result = year_dir / "demo-cha" / "result.json"
    result.write_text(result.read_text(encoding="utf-8").replace('"total": 45.32', '"total": 45.33'), encoding="utf-8")
    assert fingerprint(year_dir) != before


def test_a_failing_summary_keeps_every_output_and_fails_the_run(shipped_run, tmp_path):
    out, _ = shipped_run
    copy_root = tmp_path / "outputs"
    shutil.copytree(out, copy_root)
    # Valid JSON, so the department itself counts as unchanged; the summary cannot use it.
    (copy_root / "2022" / "demo-cha" / "result.json").write_text('{"code": "demo-cha"}', encoding="utf-8")
    before = {
        p: p.read_bytes()
        for p in copy_root.rglob("*")
        # The index is rewritten: it is older than the result.json changed behind its back (issue 17).
        if p.is_file() and p.suffix in (".html", ".json", ".xlsx", ".csv", ".docx") and p.name != "index.html"
    }
    outcomes = run([ROOT / "params"], copy_root, jobs=2, progress=False)
    summary = [o for o in outcomes if o.kind == "summary" and o.year == 2022]  # 2023 is untouched
    assert [o.status for o in summary] == ["failed"] and "demo-cha/result.json" in summary[0].message
    assert all(o.status == "skipped" for o in outcomes if o.kind == "department")
    assert cli.main(["run", str(ROOT / "params"), "-o", str(copy_root), "-q"]) == 1
    for path, data in before.items():
        assert path.read_bytes() == data, path


# --- the notebook ----------------------------------------------------------------------------------------


def test_summary_notebook_takes_only_the_year_folder_and_year():
    import ast

    import nbformat

    cells = nbformat.read(str(ROOT / "notebooks" / "summary.ipynb"), as_version=4).cells
    params = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    annotated = {n.target.id for n in ast.parse(params[0].source).body if isinstance(n, ast.AnnAssign)}
    assert annotated == {"year_dir", "year"}
    assert all("#" in line for line in params[0].source.splitlines() if "=" in line)
    for cell in cells:
        if cell.cell_type == "code":
            tree = ast.parse(cell.source)
            assert not [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))]
            if "chart" in cell.id or cell.id == "heatmap":
                assert "nbval-ignore-output" in cell.metadata.get("tags", [])


def test_summary_docx_is_published_beside_the_page_with_the_same_sections(shipped_run):
    import docx

    out, _ = shipped_run
    word = docx.Document(str(out / "2022" / "summary.docx"))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:5] == [
        "一、得分排名",
        "二、等级分布",
        "三、三级指标得分率",
        "四、常见扣分与复核发现",
        "（一）最常扣分的指标",
    ]
    assert word.core_properties.title == "2022 年度部门整体支出绩效复核汇总"
    cells = {c.text for t in word.tables for row in t.rows for c in row.cells}
    assert "94.20" in cells


def test_a_year_with_projects_is_titled_for_departments_and_projects(shipped_run):
    out, _ = shipped_run
    page = (out / "2023" / "summary.html").read_text(encoding="utf-8")
    assert "<title>2023 年度部门整体及项目支出绩效复核汇总</title>" in page
    assert "部门整体支出绩效复核汇总" not in page.replace("部门整体及项目支出绩效复核汇总", "")
