"""Skip when unchanged: one digest over named inputs, a marker written after the outputs, and `is_current`
for departments (runner.plan) and yearly summaries alike."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from toolkit.batch.fingerprint import Fingerprint, digest
from toolkit.batch.notebook import Status
from toolkit.batch.runner import plan
from toolkit.summary.build import fingerprint as summary_fingerprint

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"


def test_the_digest_does_not_depend_on_the_order_of_the_inputs():
    assert digest({"a": b"1", "b": b"2"}) == digest({"b": b"2", "a": b"1"})


@pytest.mark.parametrize(
    "changed",
    [
        {"a": b"1", "b": b"3"},  # a changed content
        {"a": b"1", "c": b"2"},  # a renamed input
        {"a": b"1"},  # an input dropped
        {"a": b"1", "b": b"2", "c": None},  # an input known to be absent is still an input
        {"a": b"12", "b": b""},  # content moved from one input to the next
    ],
)
def test_the_digest_changes_with_any_input(changed):
    assert digest(changed) != digest({"a": b"1", "b": b"2"})


def test_an_absent_input_differs_from_an_empty_one_and_a_file_counts_by_its_content(tmp_path):
    file = tmp_path / "record.yaml"
    file.write_bytes(b"year: 2022\n")
    assert digest({"review": None}) != digest({"review": b""})
    assert digest({"record": file}) == digest({"record": b"year: 2022\n"})


def test_a_file_rewritten_in_the_same_process_is_hashed_again_even_at_the_same_size(tmp_path):
    """A file's digest is kept for the files every department names (the notebook), by size and modification
    time: a rewrite of the same length, a second later, must not be taken for the file it replaced."""
    file = tmp_path / "notebook.ipynb"
    file.write_bytes(b"first")
    first = digest({"notebook": file})
    assert digest({"notebook": file}) == first == digest({"notebook": b"first"})
    before = file.stat()
    file.write_bytes(b"other")
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    assert digest({"notebook": file}) == digest({"notebook": b"other"}) != first


def test_a_step_is_current_only_after_its_marker_is_recorded_and_while_its_outputs_exist(tmp_path):
    page = tmp_path / "page.html"
    stamp = Fingerprint.of({"input": b"1"}, tmp_path / ".fingerprint", [page])
    page.write_text("page", encoding="utf-8")
    assert not stamp.is_current()  # outputs without a marker: an interrupted step
    stamp.record()
    assert stamp.is_current() and (tmp_path / ".fingerprint").read_text(encoding="utf-8") == stamp.digest
    assert not Fingerprint.of({"input": b"2"}, tmp_path / ".fingerprint", [page]).is_current()
    page.unlink()
    assert not stamp.is_current()


def _published_department(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the seed record and an outputs folder in which its department looks published."""
    params, out = tmp_path / "params", tmp_path / "outputs"
    params.mkdir()
    record = params / "seed.yaml"
    shutil.copy(SEED, record)
    folder = out / "2022" / "huangpu-zwsj"
    folder.mkdir(parents=True)
    result = {"department": "广州市黄埔区政务服务数据管理局", "year": 2022, "code": "huangpu-zwsj", "total": 94.2}
    (folder / "result.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    (folder / "audit.html").write_text("report", encoding="utf-8")
    (folder / "audit.docx").write_bytes(b"word")
    [job] = plan([record], out, force=False).jobs
    job.fingerprint.record()
    return record, out


def test_an_unchanged_department_is_planned_as_skipped_with_its_last_result(tmp_path):
    record, out = _published_department(tmp_path)
    again = plan([record], out, force=False)
    assert again.jobs == [] and [(o.status, o.total) for o in again.known] == [(Status.SKIPPED, 94.2)]
    assert [job.record_path for job in plan([record], out, force=True).jobs] == [record]


def test_a_format_asked_for_that_the_folder_lacks_makes_the_department_run_again(tmp_path):
    record, out = _published_department(tmp_path)
    [job] = plan([record], out, force=False, formats=("html", "docx", "pdf")).jobs  # no audit.pdf yet
    assert job.formats == ("html", "docx", "pdf")
    assert plan([record], out, force=False, formats=("html",)).jobs == []  # fewer formats: still current


def test_adding_a_review_makes_an_unchanged_department_run_again(tmp_path):
    record, out = _published_department(tmp_path)
    (record.parent / "seed.review.yaml").write_text("reviewer: 张审核\n", encoding="utf-8")
    assert [job.record_path for job in plan([record], out, force=False).jobs] == [record]


def test_a_department_without_its_report_is_run_again(tmp_path):
    record, out = _published_department(tmp_path)
    (out / "2022" / "huangpu-zwsj" / "audit.html").unlink()
    assert [job.record_path for job in plan([record], out, force=False).jobs] == [record]


def test_a_summary_is_current_once_recorded_and_not_after_a_department_result_changed(tmp_path):
    for code in ("a", "b"):
        (tmp_path / code).mkdir()
        (tmp_path / code / "result.json").write_text(json.dumps({"code": code}), encoding="utf-8")
    (tmp_path / "summary.html").write_text("summary", encoding="utf-8")
    summary_fingerprint(tmp_path).record()
    assert summary_fingerprint(tmp_path).is_current()
    (tmp_path / "b" / "result.json").write_text(json.dumps({"code": "b", "total": 1}), encoding="utf-8")
    assert not summary_fingerprint(tmp_path).is_current()
