"""Importing whole tables: the seed scores exactly like the hand-written record; XLSX and HTML
versions import to the same record; edited variants score with the right findings; bad input is
one clear line per problem."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from test_sources import SEED_TABLE, build_html, build_xlsx, seed_lines

from toolkit.core.problems import InputError
from toolkit.core.record import load_record
from toolkit.core.scoring import score
from toolkit.importer import import_file

RUBRIC = "gz-dept-overall-2022"
HAND = Path(__file__).resolve().parents[2] / "params" / "huangpu-zwsj-2022.yaml"


def seed_text() -> str:
    return SEED_TABLE.read_text(encoding="utf-8")


def edited(tmp_path: Path, *changes: tuple[str, str], name: str = "variant.txt", encoding: str = "utf-8") -> Path:
    """The seed table with text replaced; each original must occur exactly once (or the test is wrong)."""
    text = seed_text()
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def codes(result) -> list[str]:
    return sorted(f.code for f in result.findings)


def without_source(data: dict) -> dict:
    out = {k: v for k, v in data.items() if k != "source"}
    out["indicators"] = {k: {f: x for f, x in v.items() if f != "source"} for k, v in data["indicators"].items()}
    return out


@pytest.fixture(scope="module")
def imported():
    return import_file(SEED_TABLE, RUBRIC, code="huangpu-zwsj")


@pytest.fixture(scope="module")
def hand():
    return load_record(HAND)


def test_import_seed_scores_exactly_like_the_hand_record(imported, hand):
    ours, theirs = score(imported.record), score(hand)
    assert ours.indicators == theirs.indicators  # self scores, recomputed scores, reasons, measures, one by one
    assert [(f.code, f.indicator, f.message) for f in ours.findings] == [
        (f.code, f.indicator, f.message) for f in theirs.findings
    ]
    assert (ours.total, ours.stated_total, ours.grade, ours.stated_grade) == (
        Decimal("94.20"),
        Decimal("94.2"),
        "优",
        "优",
    )
    data, want = imported.record.data, hand.data
    assert data.budget == want.budget
    assert (data.goals, data.completions, data.unmet_reasons) == (want.goals, want.completions, want.unmet_reasons)
    assert data.department == want.department and data.year == want.year


def test_import_seed_carries_the_known_findings(imported):
    found = codes(score(imported.record))
    for code in ("UNNAMED_INDICATOR", "TRUNCATED_TEXT", "BUDGET_SUM_MISMATCH"):
        assert code in found


def test_import_seed_extracts_the_evidence_in_the_reasons(imported, hand):
    for indicator in ("部门预算资金支出率", "合同备案时效性"):
        ours = dict(imported.record.data.indicators[indicator].evidence)
        assert ours.pop("extracted") is True
        assert ours == dict(hand.data.indicators[indicator].evidence)


def test_import_seed_reports_its_repairs(imported):
    text = "\n".join(str(r) for r in imported.repairs)
    assert "第 23 行：分页处重复的表头" in text
    assert "第 27 行：“采购管理-2”" in text and "分值 1.5" in text
    assert "第 40 行：““三公”经费控制情况”：此行错位" in text
    assert "第 41 行：总分 94.2 位于得分列左侧 1 列" in text
    assert "信息公开 4.00 = 2.00 + 2.00 已满" in text and "履职效能 50.00 = 整体效能 50.00 已满" in text
    assert "11,887.73" in text
    notes = imported.record.data.indicators
    assert "此行错位" in notes["“三公”经费控制情况"].source
    assert "归入“绩效管理”" in notes["绩效管理制度建设"].source
    assert notes["绩效结果应用"].source == "原表第 24 行（分页后第 1 行）"
    top = imported.record.data.source
    assert "000_0ab128b708fd7b30.txt" in top and "第 23 行：分页处重复的表头" in top and "第 41 行：总分 94.2" in top


def test_code_comes_from_the_file_name_by_default(tmp_path):
    assert import_file(SEED_TABLE, RUBRIC).code == "000_0ab128b708fd7b30"
    chinese = edited(tmp_path, name="黄埔区政务服务数据管理局.txt")
    imported = import_file(chinese, RUBRIC)
    assert imported.code.startswith("dept-") and any("部门代码暂记为" in str(r) for r in imported.repairs)


@pytest.mark.parametrize("build", [build_xlsx, build_html], ids=["xlsx-merged-cells", "html-rowspan-colspan"])
def test_xlsx_and_html_versions_import_to_the_same_record(tmp_path, imported, build):
    other = import_file(build(tmp_path / f"seed.{build.__name__[6:]}"), RUBRIC, code="huangpu-zwsj")
    assert without_source(other.data) == without_source(imported.data)
    assert score(other.record).findings == score(imported.record).findings


def _csv(path: Path, encoding: str) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(seed_lines())
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize(
    "build",
    [
        lambda d: _csv(d / "seed.csv", "gbk"),  # what Excel on a Chinese Windows saves
        lambda d: _csv(d / "seed.csv", "utf-8-sig"),
        lambda d: build_html(d / "seed.htm", encoding="gb18030"),
    ],
    ids=["csv-gbk", "csv-utf8-bom", "html-gb18030"],
)
def test_other_encodings_and_delimiters_import_to_the_same_record(tmp_path, imported, build):
    other = import_file(build(tmp_path), RUBRIC, code="huangpu-zwsj")
    assert without_source(other.data) == without_source(imported.data)


def test_gbk_encoded_table_imports_correctly(tmp_path, imported):
    path = edited(tmp_path, encoding="gbk", name="gbk.txt")
    other = import_file(path, RUBRIC, code="huangpu-zwsj")
    assert "GBK" in other.format
    assert without_source(other.data) == without_source(imported.data)


def test_score_raised_above_its_weight_is_found(tmp_path):
    path = edited(tmp_path, ("采购政策执行的效果情况。\t1\t", "采购政策执行的效果情况。\t1.5\t"))
    result = score(import_file(path, RUBRIC).record)
    above = [f for f in result.findings if f.code == "SCORE_ABOVE_WEIGHT"]
    assert [f.indicator for f in above] == ["采购政策效能"]
    assert "TOTAL_MISMATCH" in codes(result)  # 94.2 stated, 94.7 summed


def test_deduction_with_its_reason_removed_is_found(tmp_path):
    path = edited(tmp_path, ("我部门2022年未组织下属事业单位开展整体绩效自评，本项扣1分。", ""))
    result = score(import_file(path, RUBRIC).record)
    assert [f.indicator for f in result.findings if f.code == "DEDUCTION_WITHOUT_REASON"] == ["绩效管理制度执行"]


def test_another_grade_ticked_is_found(tmp_path):
    path = edited(tmp_path, ("√优 90分≤得分≤100分； □良", "□优 90分≤得分≤100分； √良"))
    result = score(import_file(path, RUBRIC).record)
    assert result.stated_grade == "良"
    assert [f.message for f in result.findings if f.code == "GRADE_MISMATCH"] == [
        "勾选等级“良”，但总分 94.20 对应等级为“优”"
    ]


def test_another_departments_figures_import_and_score(tmp_path):
    path = edited(
        tmp_path,
        ("## 2022年度广州市黄埔区政务服务数据管理局（广州开发区行政审批局）", "## 2023年度广州市示例区教育局"),
        ("部门名称\t广州市黄埔区政务服务数据管理局（广州开发区行政审批局）", "部门名称\t广州市示例区教育局"),
        ("单位数：\t3", "单位数：\t12"),
        ("\t11,887.73\t3308.06\t8579.68\t", "\t25,000.00\t15,000.00\t10,000.00\t"),
        ("2022年平均执行率为98.88%。\t", "2023年平均执行率为95%。\t"),
        ("反映部门预算资金支出进度。\t9.88\t", "反映部门预算资金支出进度。\t9.5\t"),
        ("公开招标项目共11项，其中2项未", "公开招标项目共8项，其中2项未"),
        ("反映采购合同备案及时性情况。\t0.82\t", "反映采购合同备案及时性情况。\t0.75\t"),
        ("\t94.2\t", "\t93.75\t"),
        ("办理成效显著，办理", "办理成效显著。"),
        name="edu-2023.txt",
    )
    imported = import_file(path, RUBRIC)
    data = imported.record.data
    assert (data.department.name, data.department.code, data.department.units, data.year) == (
        "广州市示例区教育局",
        "edu-2023",
        12,
        2023,
    )
    assert data.budget.total == Decimal("25000.00") and data.budget.components == {
        "基本支出": Decimal("15000.00"),
        "项目支出": Decimal("10000.00"),
    }
    result = score(imported.record)
    assert result.total == Decimal("93.75") and result.grade == "优"
    assert codes(result) == [
        "LOW_TARGET_VALUES",
        "LOW_TARGET_VALUES",
        "UNNAMED_INDICATOR",
    ]  # sums, evidence and texts agree
    rate = result.indicators[2]
    assert (rate.id, rate.recomputed_score) == ("部门预算资金支出率", Decimal("9.50"))


def _problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        import_file(path, RUBRIC)
    lines = [str(p).replace(f"{path.parent}/", "") for p in caught.value.problems]
    assert all("\n" not in line and line.startswith(path.name) for line in lines)
    return lines


def test_non_numeric_score_is_an_error_naming_the_row(tmp_path):
    path = edited(tmp_path, ("反映部门政府采购活动合法合规性情况。\t2\t", "反映部门政府采购活动合法合规性情况。\t九\t"))
    assert _problems(path) == ["variant.txt:29: 得分/自评分: “采购活动合规性”的得分应为数字，实际为“九”"]


def test_weights_that_cannot_add_up_are_an_error_naming_the_row(tmp_path):
    path = edited(tmp_path, ("采购内部控制制度建设\t1\t", "采购内部控制制度建设\t2\t"))
    lines = _problems(path)
    assert len(lines) == 1
    assert lines[0].startswith(
        "variant.txt:28: 分值: “采购内部控制制度建设”分值 2.00，评价指标体系 gz-dept-overall-2022 中为 1.00"
    )
    assert "采购管理 10.00 的各项按原表分值合计为 11.00，分值无法相加" in lines[0]


def test_group_weight_that_disagrees_with_its_children_is_an_error(tmp_path):
    path = edited(tmp_path, ("采购管理\t10\t", "采购管理\t12\t"))
    lines = _problems(path)
    assert lines == [
        "variant.txt:26: 二级指标分值: “采购管理”分值 12.00，评价指标体系 gz-dept-overall-2022 中为 10.00"
        "（= 0.50 + 1.50 + 1.00 + 2.00 + 3.00 + 1.00 + 1.00），分值无法相加"
    ]


def test_file_without_indicator_header_is_an_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("部门名称\t某局\n说明\t本文件不是自评表\n", encoding="utf-8")
    assert _problems(path) == ["notes.txt: 未找到指标表的表头行（应有“一级指标 … 三级指标 … 分值 … 得分”等列名）"]


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert _problems(path) == ["empty.txt: 文件为空，应为部门整体支出绩效自评表（TSV、CSV、XLSX 或 HTML）"]


def test_unknown_indicator_name_is_an_error_not_dropped(tmp_path):
    path = edited(tmp_path, ("\t资产盘点情况\t", "\t办公用房使用情况\t"))
    lines = _problems(path)
    assert lines[0].startswith(
        "variant.txt:35: 三级指标: 指标“办公用房使用情况”不在评价指标体系 gz-dept-overall-2022 中"
    )


def test_slightly_different_name_is_matched_and_reported(tmp_path):
    path = edited(tmp_path, ("\t资产盘点情况\t", "\t资产年度盘点情况\t"))
    imported = import_file(path, RUBRIC)
    assert "资产盘点情况" in imported.record.data.indicators
    assert any("“资产年度盘点情况”与指标体系中的“资产盘点情况”写法不同" in str(r) for r in imported.repairs)


def test_missing_year_is_an_error_unless_given(tmp_path):
    path = edited(tmp_path, ("## 2022年度", "## "))
    assert any("请用 --year 指定" in line for line in _problems(path))
    assert import_file(path, RUBRIC, year=2022).year == 2022


def test_two_grades_ticked_is_an_error(tmp_path):
    path = edited(tmp_path, ("□良 80分", "√良 80分"))
    assert _problems(path) == ["variant.txt:42: 评价等级: 勾选了多个等级（优、良），应只勾选一个"]


def test_every_problem_is_reported_at_once(tmp_path):
    path = edited(
        tmp_path,
        ("反映部门政府采购活动合法合规性情况。\t2\t", "反映部门政府采购活动合法合规性情况。\t九\t"),
        ("\t资产盘点情况\t", "\t办公用房使用情况\t"),
    )
    assert [line.split(":")[1] for line in _problems(path)] == ["29", "35"]


def test_seed_lines_helper_reads_the_real_table():
    assert seed_lines()[11][0] == "一级指标"


def test_a_file_wrong_everywhere_lists_a_bounded_number_of_problems(tmp_path):
    filler = "\t\t\t\t\t\t\t\t备注文字\t\n" * 200
    path = edited(tmp_path, ("\n<b>总分</b>", f"\n{filler}<b>总分</b>"))
    lines = _problems(path)
    assert len(lines) == 51 and lines[-1] == "variant.txt: 另有 150 个问题未列出；此文件多半不是本评价指标体系的自评表"
