"""All three notebooks are under nbval: collected by the project's pytest configuration, the summary's key
numbers guarded by its stored outputs, the review panel executed.

The summary notebook's stored run reads `tests/fixtures/summary/<year>/<code>/result.json`: the shipped
params/ scored as `audit-toolkit run` scores them, kept in the repository so nbval needs no run first.
`python tests/batch/test_notebooks_nbval.py` rewrites that folder after params/ or the scoring changed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from toolkit.batch.runner import discover
from toolkit.core.paths import PARAMS_DIR
from toolkit.core.record import load_record
from toolkit.review.apply import audit

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SUMMARY_RESULTS = ROOT / "tests" / "fixtures" / "summary"
NOTEBOOK_NAMES = ("department_audit.ipynb", "summary.ipynb", "review.ipynb")


def shipped_results() -> dict[Path, str]:
    """The result.json text of every shipped record, by its path under the fixture folder.

    Provenance is left out: the summary does not read it, and it names the commit and the machine."""
    files = {}
    for record_path in discover([PARAMS_DIR]):
        result = audit(load_record(record_path)).as_dict()
        files[Path(str(result["year"])) / result["code"] / "result.json"] = (
            json.dumps(result, ensure_ascii=False, indent=2) + "\n"
        )
    return files


def refresh_summary_results() -> None:
    shutil.rmtree(SUMMARY_RESULTS, ignore_errors=True)
    for relative, text in shipped_results().items():
        (SUMMARY_RESULTS / relative).parent.mkdir(parents=True, exist_ok=True)
        (SUMMARY_RESULTS / relative).write_text(text, encoding="utf-8")


def _code_cells(name: str) -> list[nbformat.NotebookNode]:
    return [c for c in nbformat.read(str(NOTEBOOKS / name), as_version=4).cells if c.cell_type == "code"]


def _nbval(notebook: Path, cwd: Path) -> subprocess.CompletedProcess:
    """nbval on one notebook with the project's sanitizer, outside the project's pytest configuration."""
    (cwd / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(cwd / "pytest.ini")),
            *("--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(NOTEBOOKS / "sanitize.cfg")),
            str(notebook),
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_summary_fixture_is_the_shipped_params_scored_now():
    stored = {p.relative_to(SUMMARY_RESULTS): p.read_text(encoding="utf-8") for p in SUMMARY_RESULTS.rglob("*.json")}
    assert stored == shipped_results(), "params/ 或评分已变化：运行 python tests/batch/test_notebooks_nbval.py 更新"


def test_project_configuration_collects_every_cell_of_all_three_notebooks():
    # No path given: pytest collects the configured testpaths with the configured addopts (--nbval); the package
    # tests are left out to keep this fast and independent of them.
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"),
            f"--ignore-glob={ROOT / 'tests'}/*",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    for name in NOTEBOOK_NAMES:
        cells = {line for line in proc.stdout.splitlines() if line.startswith(f"notebooks/{name}::Cell ")}
        assert cells == {f"notebooks/{name}::Cell {n}" for n in range(len(_code_cells(name)))}, name


def test_summary_stored_outputs_are_the_shipped_departments():
    text = "".join(o.get("data", {}).get("text/plain", "") for c in _code_cells("summary.ipynb") for o in c.outputs)
    assert "纳入部门 4 个" in text and "最高分94.20" in text and "最低分45.32" in text and "平均分75.36" in text
    assert "1 广州市黄埔区政务服务数据管理局（广州开发区行政审批局） 94.20 优" in text


def test_review_panel_runs_under_nbval_without_its_widget_output_compared():
    panel = _code_cells("review.ipynb")[-1]
    assert "open_review(records, department)" in panel.source
    assert "# NBVAL_IGNORE_OUTPUT" in panel.source.splitlines()  # widget reprs carry random ids and today's date


def test_nbval_fails_when_a_department_total_in_the_summary_changes(tmp_path):
    # The stored outputs guard the summary's numbers: one department scoring differently must fail nbval.
    shutil.copytree(SUMMARY_RESULTS, tmp_path / "tests" / "fixtures" / "summary")
    seed = tmp_path / "tests" / "fixtures" / "summary" / "2022" / "huangpu-zwsj" / "result.json"
    data = json.loads(seed.read_text(encoding="utf-8"))
    assert data["audited_total"] == 94.2
    data["total"] = data["audited_total"] = 93.2
    seed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    shutil.copy(NOTEBOOKS / "summary.ipynb", tmp_path / "notebooks" / "summary.ipynb")
    proc = _nbval(tmp_path / "notebooks" / "summary.ipynb", tmp_path)
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "93.2" in proc.stdout and "94.2" in proc.stdout
    failed = [line for line in proc.stdout.splitlines() if line.startswith("FAILED")]
    # Code cell 2 is the key figures (average, highest, lowest); the ranking fails with it.
    assert any("::Cell 2 " in line for line in failed), proc.stdout[-2000:]


if __name__ == "__main__":
    refresh_summary_results()
