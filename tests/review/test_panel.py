"""The review panel's logic without a browser: what it lists, what Save writes, and what it refuses to write."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from toolkit.core.record import load_record
from toolkit.review.apply import audit
from toolkit.review.files import review_path_for
from toolkit.review.panel import open_review

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"


@pytest.fixture
def record_path(tmp_path) -> Path:
    path = tmp_path / SEED.name
    shutil.copyfile(SEED, path)
    return path


def row(panel, indicator_id):
    return next(r for r in panel.rows if r.indicator.id == indicator_id)


def decision(panel, code, indicator=None):
    return next(d for d in panel.decision_rows if d.code == code and d.indicator == indicator)


def test_panel_lists_every_indicator_with_weight_self_and_recomputed_score(record_path):
    panel = open_review(record_path)
    assert len(panel.rows) == 26
    spending = row(panel, "部门预算资金支出率")
    texts = " ".join(child.value for child in spending.box.children[:4])
    assert "10" in texts and "9.88" in texts and "9.89" in texts
    assert spending.score.placeholder == "自评 9.88"


def test_panel_lists_findings_under_their_indicator_and_department_wide_ones_apart(record_path):
    panel = open_review(record_path)
    keys = {(d.code, d.indicator) for d in panel.decision_rows}
    assert ("ROUNDING_DIFFERENCE", "部门预算资金支出率") in keys and ("BUDGET_SUM_MISMATCH", None) in keys
    assert len([k for k in keys if k[0] == "LOW_TARGET_VALUES"]) == 2


def test_save_writes_the_review_and_the_audited_total_changes(record_path):
    panel = open_review(record_path)
    panel.reviewer.value = "张审核"
    panel.date.value = "2026-12-01"
    row(panel, "资产配置合规性").score.value = "0.5"
    row(panel, "资产配置合规性").reason.value = "抽查发现超标准配置"
    budget = decision(panel, "BUDGET_SUM_MISMATCH")
    budget.decision.value, budget.note.value = "dismissed", "尾数舍入"
    assert "复核后总分 <b>93.70</b>" in panel.summary.value
    assert panel.save() is True
    assert "已保存" in panel.message.value and "93.7" in panel.message.value
    result = audit(load_record(record_path))
    assert (result.total, result.audited_total) == (Decimal("94.20"), Decimal("93.70"))
    assert result.review.decisions[0].note == "尾数舍入"
    assert record_path.read_bytes() == SEED.read_bytes()  # the record itself is never written


def test_save_with_problems_lists_them_in_words_and_writes_nothing(record_path):
    panel = open_review(record_path)
    row(panel, "资产配置合规性").score.value = "3"
    row(panel, "数据质量").score.value = "abc"
    row(panel, "数据质量").reason.value = "理由"
    decision(panel, "TRUNCATED_TEXT").decision.value = "dismissed"
    assert panel.save() is False
    message = panel.message.value
    assert "未保存" in message and "5 处问题" in message
    for part in (
        "复核人",
        "“资产配置合规性”的复核得分",
        "超过指标“资产配置合规性”的分值 2",
        "“资产配置合规性”的调整理由",
        "“数据质量”的复核得分",
        "应为数字",
        "须在 note 中说明理由",
    ):
        assert part in message, part
    assert not review_path_for(record_path).exists()


def test_save_refused_keeps_the_previous_review_file(record_path):
    panel = open_review(record_path)
    panel.reviewer.value = "张审核"
    row(panel, "资产配置合规性").score.value = "0.5"
    row(panel, "资产配置合规性").reason.value = "超标准配置"
    assert panel.save()
    before = review_path_for(record_path).read_bytes()
    row(panel, "资产配置合规性").reason.value = ""
    assert panel.save() is False
    assert review_path_for(record_path).read_bytes() == before


def test_panel_reopens_with_the_saved_review_filled_in(record_path):
    first = open_review(record_path)
    first.reviewer.value = "张审核"
    row(first, "资产配置合规性").score.value = "0.5"
    row(first, "资产配置合规性").reason.value = "超标准配置"
    decision(first, "LOW_TARGET_VALUES", "部门整体绩效目标产出指标完成情况").decision.value = "accepted"
    assert first.save()
    again = open_review(record_path)
    assert again.collect() == first.collect()
    assert again.message.value == ""


def test_panel_keeps_the_unit_and_report_number_a_review_file_gives_and_omits_them_when_empty(record_path):
    first = open_review(record_path)
    first.reviewer.value = "张审核"
    first.unit.value, first.number.value = " 示例会计师事务所（虚构） ", "示审〔2026〕第 12 号"
    assert first.save()
    text = review_path_for(record_path).read_text(encoding="utf-8")
    assert "reviewing_unit: 示例会计师事务所（虚构）\nreport_number: 示审〔2026〕第 12 号\n" in text
    again = open_review(record_path)
    assert (again.unit.value, again.number.value) == ("示例会计师事务所（虚构）", "示审〔2026〕第 12 号")
    again.unit.value = again.number.value = ""
    assert again.save()
    assert "reviewing_unit" not in review_path_for(record_path).read_text(encoding="utf-8")
    assert audit(load_record(record_path)).review.reviewing_unit is None


def test_panel_opens_on_a_broken_review_file_and_says_what_is_wrong(record_path):
    review_path_for(record_path).write_text(
        "reviewer: 张审核\ndate: 2026-12-01\nadjustments:\n  - indicator: 数据质量\n    audited_score: 5\n",
        encoding="utf-8",
    )
    panel = open_review(record_path)
    assert "现有复核文件有问题" in panel.message.value and "超过指标“数据质量”的分值 2" in panel.message.value
    assert row(panel, "数据质量").score.value == "5"  # kept, for the auditor to correct


def test_panel_displays_as_its_widget(record_path):
    panel = open_review(record_path)
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_panel_reviews_a_target_versus_actual_project(tmp_path):
    path = tmp_path / "demo-nongye-gaobiao-2023.yaml"
    shutil.copyfile(ROOT / "params" / path.name, path)
    panel = open_review(path)
    assert len(panel.rows) == len(load_record(path).rubric.indicators)
    households = row(panel, "项目区受益农户数量")
    assert households.score.placeholder == "自评 20.00" and "18.4" in " ".join(
        c.value for c in households.box.children[:4]
    )
    panel.reviewer.value, panel.date.value = "张审核", "2026-12-01"
    households.score.value, households.reason.value = "18.4", "460 户未达到 500 户的目标"
    assert panel.save() is True
    assert audit(load_record(path)).audited_total == Decimal("93.73")


def _visible_rows(panel):
    return [r.indicator.id for r in panel.rows if r.box.layout.display != "none"]


def test_filters_show_deducted_indicators_those_with_findings_and_adjusted_ones(record_path):
    panel = open_review(record_path)
    assert panel.filter.options == ("全部", "有扣分", "有复核发现", "已调整")
    assert len(_visible_rows(panel)) == 26 and "显示 26 / 26" in panel.shown.value
    panel.filter.value = "有扣分"
    deducted = [i.id for i in panel.result.indicators if i.lost > 0]
    assert _visible_rows(panel) == deducted and 0 < len(deducted) < 26
    assert all(w.layout.display == "none" for w in panel._general)  # department-wide findings: not an indicator's
    panel.filter.value = "有复核发现"
    with_findings = {d.indicator for d in panel.decision_rows if d.indicator}
    assert set(_visible_rows(panel)) == with_findings and "部门预算资金支出率" in with_findings
    assert all(w.layout.display == "" for w in panel._general)
    panel.filter.value = "已调整"
    assert _visible_rows(panel) == []
    row(panel, "数据质量").score.value = "1.5"  # the list follows the form as it is filled in
    assert _visible_rows(panel) == ["数据质量"] and "显示 1 / 26" in panel.shown.value
    hidden = decision(panel, "ROUNDING_DIFFERENCE", "部门预算资金支出率")
    assert hidden.box.layout.display == "none"  # a hidden indicator's findings are hidden with it


def test_folder_opens_a_department_drop_down_of_its_records(tmp_path):
    for name in ("huangpu-zwsj-2022.yaml", "demo-nongye-gaobiao-2023.yaml"):
        shutil.copyfile(ROOT / "params" / name, tmp_path / name)
    (tmp_path / "huangpu-zwsj-2022.review.yaml").write_text("reviewer: 张审核\n", encoding="utf-8")
    desk = open_review(tmp_path, "demo-nongye-gaobiao-2023")
    labels = [label for label, _ in desk.chooser.options]
    assert len(labels) == 2  # the review file is no record
    assert any(label.startswith("广州市黄埔区政务服务数据管理局") and "2022 年度" in label for label in labels)
    assert desk.panel.record_path.name == "demo-nongye-gaobiao-2023.yaml"
    desk.chooser.value = tmp_path / "huangpu-zwsj-2022.yaml"
    assert desk.panel.record_path.name == "huangpu-zwsj-2022.yaml" and len(desk.panel.rows) == 26
    assert desk.holder.children == (desk.panel.widget,)
    assert "application/vnd.jupyter.widget-view+json" in desk._repr_mimebundle_()


def test_drop_down_shows_a_broken_record_s_problems_instead_of_failing(tmp_path):
    shutil.copyfile(SEED, tmp_path / SEED.name)
    (tmp_path / "broken.yaml").write_text("department: [\n", encoding="utf-8")
    desk = open_review(tmp_path, "broken")
    assert desk.panel is None and "无法打开" in desk.holder.children[0].value


def test_review_notebook_metadata_is_what_the_kernel_reports_so_it_opens_unmodified():
    # JupyterLab writes the kernel's language_info and kernelspec into the notebook on opening; any difference
    # from the stored metadata marks the notebook as modified before the auditor has touched it.
    import nbformat
    from ipykernel.ipkernel import IPythonKernel

    from toolkit.review.lab import KERNEL_DISPLAY_NAME, KERNEL_NAME

    metadata = nbformat.read(str(ROOT / "notebooks" / "review.ipynb"), as_version=4).metadata
    assert metadata.language_info == IPythonKernel.language_info
    assert metadata.kernelspec == {"name": KERNEL_NAME, "display_name": KERNEL_DISPLAY_NAME, "language": "python"}
    assert "widgets" not in metadata  # no stored widget state to be rewritten on opening
