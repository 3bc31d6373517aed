"""Planning an unchanged run: a department whose record, rubric file, review, notebook and toolkit hash as they
did when it was published is skipped without its record being read into the models (an unchanged `run` of
hundreds of departments must take a fraction of a second), and still every rule of the full planning holds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.batch import planning
from toolkit.batch.notebook import Status
from toolkit.batch.planning import plan
from toolkit.batch.runner import run
from toolkit.core.paths import RUBRIC_DIR

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"
FORMATS = ("html",)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The seed, checked against a rubric file beside it, published once (html only)."""
    base = tmp_path_factory.mktemp("planning")
    params, out = base / "params", base / "out"
    params.mkdir()
    shutil.copy(RUBRIC_DIR / "gz-dept-overall-2022.yaml", params / "gz-rubric.yaml")
    text = SEED.read_text(encoding="utf-8").replace("rubric: gz-dept-overall-2022", "rubric: gz-rubric.yaml")
    (params / "seed.yaml").write_text(text, encoding="utf-8")
    done = run([params], out, jobs=1, progress=False, formats=FORMATS)
    assert [o.status for o in done if o.kind == "department"] == [Status.DONE], done
    return params, out


def _copy(published, tmp_path) -> tuple[Path, Path]:
    """A copy of the published folders, so that a test may change inputs without touching the others'."""
    params, out = published
    shutil.copytree(params, tmp_path / "params")
    shutil.copytree(out, tmp_path / "out", symlinks=True)
    return tmp_path / "params", tmp_path / "out"


def test_an_unchanged_department_is_skipped_without_loading_its_record(published, monkeypatch):
    params, out = published

    def no_loading(*args, **kwargs):
        raise AssertionError("an unchanged record must not be loaded")

    monkeypatch.setattr(planning, "place", no_loading)
    work = plan(sorted(params.glob("seed.yaml")), out, force=False, formats=FORMATS)
    assert work.jobs == []
    assert [(o.status, o.total, o.code) for o in work.known] == [(Status.SKIPPED, 94.2, "huangpu-zwsj")]


def test_a_changed_department_in_a_folder_of_its_own_is_planned_without_loading_its_record(
    published, tmp_path, monkeypatch
):
    """Its kernel validates it, once: the plan places it by the year and code its first lines give."""
    params, _ = published

    def no_loading(*args, **kwargs):
        raise AssertionError("a record its kernel validates must not be loaded here too")

    monkeypatch.setattr(planning, "place", no_loading)
    work = plan([params / "seed.yaml"], tmp_path / "fresh", force=False, formats=FORMATS)
    assert work.known == []
    [job] = work.jobs
    assert job.out_dir == tmp_path / "fresh" / "2022" / "huangpu-zwsj"
    assert job.fingerprint is not None and not job.fingerprint.is_current()


def test_a_record_broken_below_its_header_fails_in_its_department_folder_and_keeps_its_last_report(published, tmp_path):
    """Placed by its first lines, it is loaded only in its kernel: the error names the file and line, the error
    notebook lands beside the department's last good outputs, which stay as they were."""
    params, out = _copy(published, tmp_path)
    folder = out / "2022" / "huangpu-zwsj"
    before = {name: (folder / name).read_bytes() for name in ("audit.html", "result.json")}
    record = params / "seed.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("\ngoals:\n", "\ngoals: [unclosed\n", 1), "utf-8")
    [department] = [o for o in run([params], out, jobs=1, progress=False, formats=FORMATS) if o.kind == "department"]
    assert department.status == Status.FAILED
    assert f"{record}:" in department.message and "YAML" in department.message, department.message
    assert (folder / "audit.error.ipynb").is_file()
    assert {name: (folder / name).read_bytes() for name in before} == before
    assert not (out / "invalid").exists()


def test_an_unchanged_run_imports_no_record_model(published):
    # What keeps the unchanged run under a second for hundreds of departments: no pydantic, pandas or notebook
    # machinery is imported at all. Run in a fresh interpreter, as the command is.
    params, out = published
    probe = (
        "import sys\nfrom toolkit.cli import main\n"
        f"code = main(['run', {str(params)!r}, '-o', {str(out)!r}, '-q', '--formats', 'html'])\n"
        "heavy = sorted(m for m in ('pydantic', 'pandas', 'papermill', 'matplotlib') if m in sys.modules)\n"
        "from multiprocessing import forkserver\n"
        "print(code, heavy, forkserver._forkserver._forkserver_pid)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.stdout.splitlines()[-1] == "0 [] None", done.stdout + done.stderr  # no fork server started either
    result = json.loads((out / "2022" / "huangpu-zwsj" / "result.json").read_text(encoding="utf-8"))
    assert result["total"] == 94.2


def test_a_changed_rubric_file_makes_its_department_run_again(published, tmp_path):
    params, out = _copy(published, tmp_path)
    rubric = params / "gz-rubric.yaml"
    rubric.write_text(rubric.read_text(encoding="utf-8") + "# 修订\n", encoding="utf-8")
    work = plan([params / "seed.yaml"], out, force=False, formats=FORMATS)
    assert [j.record_path.name for j in work.jobs] == ["seed.yaml"] and work.known == []


def test_asking_for_another_format_makes_the_department_run_again(published):
    params, out = published
    work = plan([params / "seed.yaml"], out, force=False, formats=("html", "docx"))
    assert [j.record_path.name for j in work.jobs] == ["seed.yaml"]


@pytest.mark.parametrize("change", ["identical copy", "changed copy"])
def test_a_second_record_of_a_published_department_fails_both(published, tmp_path, change):
    # The published record is unchanged; the newcomer claims its department and year. Both fail, naming each
    # other, exactly as when neither had been published.
    params, out = _copy(published, tmp_path)
    text = (params / "seed.yaml").read_text(encoding="utf-8")
    if change == "changed copy":
        text = text.replace("年度部门整体支出", "年度部门整体支出（修订）", 1)
        assert text != (params / "seed.yaml").read_text(encoding="utf-8")
    (params / "twin.yaml").write_text(text, encoding="utf-8")
    work = plan([params / "seed.yaml", params / "twin.yaml"], out, force=False, formats=FORMATS)
    assert work.jobs == []
    failed = {Path(o.record_path).name: o for o in work.known}
    assert set(failed) == {"seed.yaml", "twin.yaml"}, failed
    assert all(o.status is Status.FAILED and "重复的部门代码和年度" in o.message for o in failed.values())
    assert "twin.yaml" in failed["seed.yaml"].message and "seed.yaml" in failed["twin.yaml"].message


def test_the_fork_server_is_started_once_when_a_department_must_run_and_never_when_none_must(published, tmp_path):
    params, out = published
    calls: list[int] = []
    plan([params / "seed.yaml"], out, force=False, formats=FORMATS, loading=lambda: calls.append(1))
    assert calls == []  # unchanged: nothing to load, nothing to run
    plan([params / "seed.yaml"], tmp_path / "fresh", force=False, formats=FORMATS, loading=lambda: calls.append(1))
    assert calls == [1]
