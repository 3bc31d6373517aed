"""The one execute-and-publish step: a failing notebook leaves its error notebook and nothing else; a good one
is published only by `write`, all files at once, and clears the partial and a stale error notebook."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

from toolkit.batch.notebook import (
    Executed,
    Execution,
    Failed,
    Status,
    execute,
    failure_message,
    publish,
    stable_ids,
    write,
)

FOOTER = {
    "title": "测试页",
    "rubric": "test-rubric",
    "rubric_version": "1",
    "toolkit_version": "0",
    "git_commit": None,
    "record_sha256": "0" * 64,
    "generated_at": "2023-11-14 22:13:20 UTC",
}


def _notebook(folder: Path, body: str) -> Path:
    """A notebook with a tagged parameters cell (`answer`) and one code cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("answer: int = 0  # 由 papermill 注入")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# 测试"), params, nbformat.v4.new_code_cell(body)]
    path = folder / "step.ipynb"
    nbformat.write(nb, str(path))
    return path


def _execution(tmp_path: Path, body: str) -> Execution:
    source = tmp_path / "source"
    source.mkdir()
    return Execution(_notebook(source, body), {"answer": 42}, tmp_path / "out", "page")


def _error(ename: str, evalue: str, exec_count: int = 3) -> PapermillExecutionError:
    return PapermillExecutionError(2, exec_count, "source", ename, evalue, [])


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One good execution into a folder holding last run's outputs and error notebook: (execution,
    executed, publication, the folder's files before `write`)."""
    tmp_path = tmp_path_factory.mktemp("step")
    execution = _execution(tmp_path, "print(answer * 2)")
    execution.out_dir.mkdir()
    for name, text in (("page.html", "last good page"), ("page.error.ipynb", "{}"), ("extra.json", "old")):
        (execution.out_dir / name).write_text(text, encoding="utf-8")
    executed = execute(execution)
    assert isinstance(executed, Executed)
    before = {p.name: p.read_bytes() for p in execution.out_dir.iterdir()}
    publication = publish(executed, FOOTER, {"extra.json": b"new"})
    untouched = {p.name: p.read_bytes() for p in execution.out_dir.iterdir()}
    write(publication)
    return execution, executed, publication, before, untouched


def test_execute_and_publish_replace_nothing_before_write(published):
    _, _, _, before, untouched = published
    assert untouched == before
    assert before["page.html"] == b"last good page" and before["extra.json"] == b"old"
    assert ".page.partial.ipynb" in before  # the executed notebook waits beside the outputs


def test_the_executed_notebook_has_fixed_cell_ids_and_the_parameters(published):
    _, executed, _, _, _ = published
    injected = [c for c in executed.notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert [c.id for c in injected] == ["injected-parameters"] and "answer = 42" in injected[0].source
    assert executed.notebook.cells[-1].outputs[0]["text"] == "84\n"


def test_publish_hands_back_the_notebook_the_files_and_the_page_last(published):
    _, _, publication, _, _ = published
    assert list(publication.files) == ["page.ipynb", "extra.json", "page.html"]
    page = publication.files["page.html"].decode("utf-8")
    assert "<title>测试页</title>" in page and "84" in page and "answer = 42" not in page


def test_write_publishes_every_file_and_clears_the_partial_and_a_stale_error_notebook(published):
    execution, _, publication, _, _ = published
    folder = execution.out_dir
    assert sorted(p.name for p in folder.iterdir()) == ["extra.json", "page.html", "page.ipynb"]
    assert all((folder / name).read_bytes() == data for name, data in publication.files.items())
    assert nbformat.read(str(folder / "page.ipynb"), as_version=4).cells[-1].outputs[0]["text"] == "84\n"


def test_a_failing_notebook_becomes_the_error_notebook_and_keeps_the_last_outputs(tmp_path):
    execution = _execution(tmp_path, "raise ValueError('坏了')")
    execution.out_dir.mkdir()
    (execution.out_dir / "page.html").write_text("last good page", encoding="utf-8")
    failed = execute(execution)
    assert isinstance(failed, Failed)
    assert failed.message == "笔记本第 3 个单元格出错：ValueError: 坏了（见 page.error.ipynb）"
    assert failed.error_notebook == execution.out_dir / "page.error.ipynb"
    assert sorted(p.name for p in execution.out_dir.iterdir()) == ["page.error.ipynb", "page.html"]
    assert (execution.out_dir / "page.html").read_text(encoding="utf-8") == "last good page"
    errors = [o for c in nbformat.read(str(failed.error_notebook), as_version=4).cells for o in c.get("outputs", [])]
    assert [o.ename for o in errors if o.output_type == "error"] == ["ValueError"]


def test_unusable_input_is_reported_by_its_first_problem_and_how_many_follow():
    execution = Execution(Path("nb.ipynb"), {}, Path("out"), "audit")
    message = failure_message(_error("InputError", "错误：a.yaml: 第 3 行: x: 应为数字\nb: 缺少\n\n"), execution)
    assert message == "输入错误：a.yaml: 第 3 行: x: 应为数字（另有 1 处问题，见 audit.error.ipynb）"
    assert failure_message(_error("InputError", "错误：只有一处"), execution) == "输入错误：只有一处"


def test_a_failure_message_names_the_notebook_by_its_label():
    summary = Execution(Path("nb.ipynb"), {}, Path("out"), "summary", "汇总笔记本")
    message = failure_message(_error("KeyError", "'部门'\nmore", exec_count=7), summary)
    assert message == "汇总笔记本第 7 个单元格出错：KeyError: '部门'（见 summary.error.ipynb）"


def test_stable_ids_fix_the_injected_cell_and_fill_missing_ids_by_position():
    nb = nbformat.v4.new_notebook()
    injected = nbformat.v4.new_code_cell("x = 1")
    injected.metadata["tags"] = ["injected-parameters"]
    kept, blank = nbformat.v4.new_markdown_cell("a", id="intro"), nbformat.v4.new_code_cell("y")
    del blank["id"]
    nb.cells = [kept, injected, blank]
    stable_ids(nb)
    assert [c.id for c in nb.cells] == ["intro", "injected-parameters", "cell-2"]


def test_statuses_keep_the_values_json_and_the_index_read():
    assert [s.value for s in Status] == ["done", "skipped", "failed", "not_run"]
    assert Status("failed") is Status.FAILED and Status.SKIPPED.label == "未变化，跳过"


def test_a_department_notebook_without_its_result_cell_fails_and_publishes_nothing(tmp_path):
    """run takes result.json from the notebook's last cell (report.result_data()); a notebook that lost it is
    a failed department with the error notebook, not a report without its result."""
    from toolkit.batch.department import make_department
    from toolkit.core.paths import DEPARTMENT_NOTEBOOK

    nb = nbformat.read(str(DEPARTMENT_NOTEBOOK), as_version=4)
    assert "report.result_data()" in nb.cells[-1].source
    nb.cells = nb.cells[:-1]
    notebook = tmp_path / "notebooks" / "department_audit.ipynb"
    notebook.parent.mkdir()
    nbformat.write(nb, str(notebook))
    out = tmp_path / "out"
    seed = Path(__file__).resolve().parents[2] / "params/huangpu-zwsj-2022.yaml"
    made = make_department(seed, out, formats=("html",), notebook=notebook)
    assert isinstance(made, Failed)
    assert "缺少最后一个单元格 report.result_data()" in made.message
    assert sorted(p.name for p in out.iterdir()) == ["audit.error.ipynb"]
