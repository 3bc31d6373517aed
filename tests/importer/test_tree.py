"""Rebuilding the indicator tree: name matching, weight arithmetic, position for unnamed rows,
shifted rows, and errors naming the row for whatever cannot be placed."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from test_sources import SEED_TABLE

from toolkit.core.problems import InputError
from toolkit.core.rubric import load_rubric
from toolkit.core.scoring import score
from toolkit.importer import import_file
from toolkit.importer.layout import locate
from toolkit.importer.sources import read_grid
from toolkit.importer.tree import rebuild

RUBRIC = "gz-dept-overall-2022"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def edited(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    text = SEED_TABLE.read_text(encoding="utf-8")
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "t.txt"
    path.write_text(text, encoding="utf-8")
    return path


def rebuilt(path: Path):
    rubric = load_rubric(RUBRIC)
    return rebuild(locate(read_grid(path), rubric), rubric, path.name)


def test_seed_rows_map_to_every_rubric_indicator_in_order():
    tree = rebuilt(SEED_TABLE)
    rubric = load_rubric(RUBRIC)
    assert [e.indicator.id for e in tree.entries] == [i.id for i in rubric.indicators]
    assert tree.problems == []
    rows = {e.indicator.id: e.row for e in tree.entries}
    assert (rows["部门整体绩效目标产出指标完成情况"], rows["采购管理-2"], rows["“三公”经费控制情况"]) == (13, 27, 40)


def test_import_repairs_shifted_row():
    tree = rebuilt(SEED_TABLE)
    entry = next(e for e in tree.entries if e.indicator.id == "“三公”经费控制情况")
    assert entry.score == Decimal("2") and entry.reason is None and entry.measure is None
    assert entry.notes == (
        "此行错位：名称在“一级指标”列、分值在“一级指标分值”列、解释在“三级指标”列、得分在“三级指标分值”列，已按内容的种类与先后复原",
    )


def test_shifted_row_with_a_deduction_keeps_reason_and_measure_in_order(tmp_path):
    path = edited(tmp_path, ("的控制效果。\t2\t\t\t\t", "的控制效果。\t1.5\t公务接待费超出预算。\t加强控制。\t\t"))
    entry = next(e for e in rebuilt(path).entries if e.indicator.id == "“三公”经费控制情况")
    assert (entry.score, entry.reason, entry.measure) == (Decimal("1.5"), "公务接待费超出预算。", "加强控制。")
    assert "未达标原因在“指标解释”列" in entry.notes[0]


def test_import_places_unnamed_row_on_the_placeholder_by_position_and_weight():
    entry = next(e for e in rebuilt(SEED_TABLE).entries if e.indicator.id == "采购管理-2")
    assert entry.score == Decimal("1.5")
    assert "按位置（“采购意向公开合规性”与“采购内部控制制度建设”之间）与分值 1.5" in entry.notes[0]


def test_unnamed_row_with_a_weight_no_gap_can_take_is_an_error(tmp_path):
    path = edited(tmp_path, ("\t\t\t\t\t1.5\t\t1.5\t\t", "\t\t\t\t\t2.5\t\t1.5\t\t"))
    tree = rebuilt(path)
    assert [str(p) for p in tree.problems] == [
        "t.txt:27: 三级指标: 此行无指标名称与解释，仅有分值 2.5、得分 1.5，无法确定对应指标"
        "（位置与分值相符的候选：“（原表未列名称）”1.50）"
    ]


def test_unnamed_row_is_placed_by_its_explanation(tmp_path):
    path = edited(tmp_path, ("\t\t\t\t资产盘点情况\t1\t反映单位是否每年", "\t\t\t\t\t1\t反映单位是否每年"))
    entry = next(e for e in rebuilt(path).entries if e.indicator.id == "资产盘点情况")
    assert entry.notes[0].startswith("此行无指标名称，按指标解释")


def test_misplaced_groups_are_explained_by_weight_arithmetic():
    notes = {e.indicator.id: e.notes for e in rebuilt(SEED_TABLE).entries}
    assert notes["新增预算项目事前绩效评估"][0].startswith(
        "原表印在“履职效能”之下（合并单元格向下填充），但履职效能 50.00 = 整体效能 50.00 已满；"
        "按名称与分值归入“管理效率”"
    )
    assert notes["绩效管理制度建设"][1] == (
        "原表印在“信息公开”之下（合并单元格向下填充），但信息公开 4.00 = 2.00 + 2.00 已满；"
        "按名称与分值归入“绩效管理”（15.00 = 5.00 + 3.00 + 7.00）"
    )
    assert notes["绩效结果应用"] == ()


def test_table_without_repeated_header_after_the_page_break_imports_the_same(tmp_path):
    text = SEED_TABLE.read_text(encoding="utf-8").split("\n")
    assert text[22].startswith("一级指标")
    path = tmp_path / "t.txt"
    path.write_text("\n".join(text[:21] + text[23:]), encoding="utf-8")
    tree = rebuilt(path)
    assert tree.problems == [] and len(tree.entries) == len(load_rubric(RUBRIC).indicators) == 26


def test_subtotal_rows_are_skipped_and_reported(tmp_path):
    path = edited(tmp_path, ("\n<b>总分</b>", "\n\t\t\t\t小计\t4\t\t4\t\t\n<b>总分</b>"))
    tree = rebuilt(path)
    assert tree.problems == []
    assert any("小计行" in str(r) and r.row == 41 for r in tree.repairs)


def test_unreadable_row_is_an_error_not_dropped(tmp_path):
    path = edited(tmp_path, ("\n<b>总分</b>", "\n\t\t\t\t\t\t\t\t备注：以上为自评结果\t\n<b>总分</b>"))
    assert [p.line for p in rebuilt(path).problems] == [41]


def test_duplicate_indicator_is_an_error_naming_both_rows(tmp_path):
    path = edited(tmp_path, ("\t资产收益上缴的及时性\t", "\t资产盘点情况\t"))
    problems = [str(p) for p in rebuilt(path).problems]
    assert "t.txt:35: 三级指标: 指标“资产盘点情况”重复出现（第 34 行已有）" in problems


def test_missing_indicator_is_reported_and_scored_as_missing(tmp_path):
    text = SEED_TABLE.read_text(encoding="utf-8").split("\n")
    assert "数据质量" in text[35]
    path = tmp_path / "t.txt"
    path.write_text("\n".join(text[:35] + text[36:]), encoding="utf-8")
    imported = import_file(path, RUBRIC)
    assert any("原表未列出指标“数据质量”" in str(r) for r in imported.repairs)
    assert "MISSING_INDICATOR" in {f.code for f in score(imported.record).findings}


def test_negative_score_is_an_error(tmp_path):
    path = edited(tmp_path, ("反映单位是否每年按要求进行资产盘点。\t1\t", "反映单位是否每年按要求进行资产盘点。\t-1\t"))
    with pytest.raises(InputError, match="为负数"):
        import_file(path, RUBRIC)


def test_another_rubric_family_imports_from_csv():
    """A two-level 投入/过程/产出/效果 rubric and a comma-separated table: nothing assumes the seed's tree."""
    rubric = load_rubric(FIXTURES / "four-groups-rubric.yaml")
    imported = import_file(FIXTURES / "import" / "four-groups-2023.csv", rubric)
    data = imported.record.data
    assert (data.department.name, data.year, data.department.units) == ("某市示例局（示例）", 2023, 2)
    assert data.budget.total == Decimal("1000.00")
    assert data.indicators["满意度"].evidence == {
        "total": 20,
        "failed": 4,
        "extracted": True,
        "sentence": "共发放问卷20份，其中4份不满意。",
    }
    result = score(imported.record)
    assert result.total == Decimal("92.50") and result.stated_grade == "优"
    recomputed = {i.id: i.recomputed_score for i in result.indicators if i.recomputed_score is not None}
    assert recomputed == {"预算执行率": Decimal("9.50"), "满意度": Decimal("12.00")}
    assert not {"RECOMPUTED_MISMATCH", "TOTAL_MISMATCH", "BUDGET_SUM_MISMATCH"} & {f.code for f in result.findings}


def test_indicator_after_the_total_row_is_an_error_not_ignored(tmp_path):
    text = SEED_TABLE.read_text(encoding="utf-8").split("\n")
    assert "数据质量" in text[35]
    path = tmp_path / "t.txt"
    path.write_text("\n".join(text[:35] + text[36:41] + [text[35]] + text[41:]), encoding="utf-8")
    assert [str(p) for p in rebuilt(path).problems] == ["t.txt:41: 指标“数据质量”位于总分行之后，应在指标表内"]


def test_a_table_of_another_rubric_says_which_option_to_use():
    with pytest.raises(InputError) as caught:
        import_file(FIXTURES / "import" / "four-groups-2023.csv", RUBRIC)
    first = str(caught.value.problems[0])
    assert first.endswith(
        "表中多数指标（9/9）不在评价指标体系 gz-dept-overall-2022 中，请用 --rubric 指定此表所用的指标体系"
    )
    assert str(caught.value.problems[1]).endswith(
        ":6: 二级指标: 指标“目标设定”不在评价指标体系 gz-dept-overall-2022 中"
    )


def test_a_differently_laid_out_table_of_the_same_rubric_imports_without_repairs(tmp_path):
    """Built from the rubric: a 序号 column first, other header words, every group printed on every row,
    one page, full marks except one deduction. Nothing in the importer may depend on the seed's layout."""
    rubric = load_rubric(RUBRIC)
    rows = [
        "2023年度示例市某某局部门整体支出绩效自评表",
        "部门名称\t示例市某某局",
        "年度部门预算情况\t总预算（万元）\t基本支出\t项目支出",
        "\t100.00\t40.00\t60.00",
        "序号\t一级指标\t分值\t二级指标\t分值\t三级指标\t分值\t指标说明\t评分标准\t自评得分\t偏差原因\t整改措施",
    ]
    for n, ind in enumerate(rubric.indicators, start=1):
        level1, level2 = ind.groups
        name = "" if ind.node.placeholder else ind.label
        given = ind.weight - 1 if ind.weight >= 10 else ind.weight
        reason = "扣1分，原因见附件。" if ind.weight >= 10 else ""
        rows.append(
            "\t".join(
                [
                    str(n),
                    level1.label,
                    str(level1.weight),
                    level2.label,
                    str(level2.weight),
                    name,
                    str(ind.weight),
                    ind.node.explanation or "",
                    "（略）",
                    str(given),
                    reason,
                    "改进。" if reason else "",
                ]
            )
        )
    total = sum(ind.weight - 1 if ind.weight >= 10 else ind.weight for ind in rubric.indicators)
    rows += [f"总分\t\t100\t\t\t\t\t\t\t{total}", "评价等级\t□优 √良 □中 □差"]
    path = tmp_path / "other.txt"
    path.write_text("\n".join(rows), encoding="utf-8")
    imported = import_file(path, RUBRIC)
    assert [str(r) for r in imported.repairs if r.indicator != "采购管理-2"] == [
        "第 33 行：评价等级按勾选标记“√良”读取"
    ]
    result = score(imported.record)
    assert result.total == total == Decimal("97") and result.stated_grade == "良"
    assert {f.code for f in result.findings} >= {"GRADE_MISMATCH", "UNNAMED_INDICATOR"}
