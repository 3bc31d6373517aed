"""The batch runner: a broken department never stops the others, never replaces a good report,
and an unchanged department is skipped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from toolkit.batch.runner import discover, record_set, run
from toolkit.cli import main

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"


def _broken_copy(text: str) -> str:
    """The seed with one non-numeric score: unusable input for that department only."""
    return text.replace("  绩效管理制度执行:\n    self_score: 6", "  绩效管理制度执行:\n    self_score: 六")


def _departments(outcomes):
    return [o for o in outcomes if o.kind == "department"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A params folder holding the seed and a broken department, run once through the CLI."""
    base = tmp_path_factory.mktemp("batch")
    params, out = base / "params", base / "outputs"
    params.mkdir()
    shutil.copy(SEED, params / "seed.yaml")
    broken = _broken_copy(SEED.read_text(encoding="utf-8")).replace("code: huangpu-zwsj", "code: broken-dept")
    (params / "broken.yaml").write_text(broken, encoding="utf-8")
    code = main(["run", str(params), "-o", str(out), "-j", "2", "-q"])
    return params, out, code


def test_batch_with_a_broken_record_exits_1(batch):
    assert batch[2] == 1


def test_other_departments_finish_when_one_is_broken(batch):
    _, out, _ = batch
    result = json.loads((out / "2022/huangpu-zwsj/result.json").read_text(encoding="utf-8"))
    assert result["total"] == 94.2 and result["grade"] == "优"
    assert (out / "2022/huangpu-zwsj/audit.html").exists()


def test_broken_department_gets_its_executed_notebook_showing_the_error(batch):
    _, out, _ = batch
    folder = out / "2022/broken-dept"
    assert not (folder / "audit.html").exists() and not (folder / "result.json").exists()
    nb = nbformat.read(str(folder / "audit.error.ipynb"), as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].ename == "InputError"
    assert "broken.yaml" in errors[0].evalue and "绩效管理制度执行" in errors[0].evalue


def test_index_reports_why_the_broken_department_failed(batch):
    _, out, _ = batch
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "失败" in index and "输入错误" in index and "indicators.绩效管理制度执行.self_score" in index
    assert 'href="2022/broken-dept/audit.error.ipynb"' in index


def test_discover_skips_review_files(tmp_path):
    (tmp_path / "a.yaml").write_text("x: 1")
    (tmp_path / "a.review.yaml").write_text("x: 1")
    assert discover([tmp_path]) == [tmp_path / "a.yaml"]


def test_a_named_record_brings_its_folders_records_into_the_record_set(tmp_path):
    params, other = tmp_path / "params", tmp_path / "other"
    for folder in (params, other):
        folder.mkdir()
    for name in ("a.yaml", "b.yaml", "a.review.yaml"):
        (params / name).write_text("x: 1")
    (other / "c.yaml").write_text("x: 1")
    assert record_set([params / "a.yaml"]) == [params / "a.yaml", params / "b.yaml"]
    assert record_set([params / "b.yaml", params, other / "c.yaml"]) == [
        params / "a.yaml",
        params / "b.yaml",
        other / "c.yaml",
    ]
    assert record_set([tmp_path / "missing" / "d.yaml"]) == []


def test_unchanged_department_is_skipped_and_a_failure_keeps_the_last_good_report(tmp_path):
    params, out = tmp_path / "params", tmp_path / "outputs"
    params.mkdir()
    record = params / "seed.yaml"
    shutil.copy(SEED, record)
    first = _departments(run([params], out, jobs=1, progress=False))
    assert [o.status for o in first] == ["done"]
    html = (out / "2022/huangpu-zwsj/audit.html").read_bytes()

    again = _departments(run([params], out, jobs=1, progress=False))
    assert [o.status for o in again] == ["skipped"] and again[0].total == 94.2

    record.write_text(_broken_copy(record.read_text(encoding="utf-8")), encoding="utf-8")
    broken = _departments(run([params], out, jobs=1, progress=False))
    assert [o.status for o in broken] == ["failed"] and "self_score" in broken[0].message
    assert (out / "2022/huangpu-zwsj/audit.html").read_bytes() == html
    assert (out / "2022/huangpu-zwsj/audit.error.ipynb").exists()
    assert not list((out / "2022/huangpu-zwsj").glob(".*.tmp")) and not list(
        (out / "2022/huangpu-zwsj").glob(".*partial*")
    )


def test_run_refuses_a_non_positive_job_count(capsys):
    assert main(["run", str(SEED), "-j", "0", "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["错误：-j: 并行进程数应为正整数，实际为 0"]


def test_a_removed_record_leaves_the_summary_and_index_but_its_folder_stays(shipped_run, tmp_path):
    """Run on every shipped record, remove one record, run again: the summary and the index cover only the
    records still given, the removed department's folder is left on disk, and the run says it was left out."""
    import openpyxl

    shipped, _ = shipped_run
    params, out = tmp_path / "params", tmp_path / "outputs"
    shutil.copytree(shipped, out)
    params.mkdir()
    for record in (ROOT / "params").glob("*.yaml"):
        if record.name != "demo-cha-2022.yaml":
            shutil.copy(record, params / record.name)
    kept = {"huangpu-zwsj", "demo-liang", "demo-zhong"}

    outcomes = run([params], out, jobs=1, progress=False)
    summary = [o for o in outcomes if o.kind == "summary" and o.year == 2022]  # params/ also holds 2023 records
    assert [o.status for o in summary] == ["done"] and "2022/demo-cha" in summary[0].message
    assert {o.code for o in _departments(outcomes) if o.year == 2022} == kept
    year = out / "2022"
    data = json.loads((year / "summary.json").read_text(encoding="utf-8"))
    assert data["departments"] == 3 and {r["部门代码"] for r in data["tables"]["部门汇总"]} == kept
    sheet = openpyxl.load_workbook(year / "summary.xlsx")["部门汇总"]
    assert {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)} == kept
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "2022/demo-cha/audit.html" not in index and "未纳入" in index and "2022/demo-cha" in index
    assert (year / "demo-cha" / "result.json").exists() and (year / "demo-cha" / "audit.html").exists()
    assert "2022/demo-cha" in (out / "run.log").read_text(encoding="utf-8")

    # One record of the set: it alone is run, the summary still covers the whole set (unchanged: skipped),
    # the index lists the others as not run this time, and the orphan is still reported.
    again = run([params / "huangpu-zwsj-2022.yaml"], out, jobs=1, progress=False)
    assert [(o.kind, o.status) for o in again] == [("department", "skipped"), ("summary", "skipped")]
    assert "2022/demo-cha" in again[1].message
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'href="2022/{code}/audit.html"' in index for code in kept) and "本次未运行" in index
    assert "2022/demo-cha/audit.html" not in index and "2022/demo-cha" in index
