"""A batch that survives faults: a full disk never mixes a department's old and new outputs, a worker that
dies marks its own department only, a killed run leaves no process and no partial file that a later run
trusts, the index follows the results, one run at a time holds an output folder, and run.log is per run."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from toolkit.batch import notebook
from toolkit.batch.lock import run_lock
from toolkit.batch.notebook import Execution, Publication, Status, write
from toolkit.batch.planning import Job, Outcome
from toolkit.batch.runner import execute_all, run
from toolkit.cli import main

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ("huangpu-zwsj-2022.yaml", "demo-liang-2022.yaml")
RUBRIC_FILE = ROOT / "tests" / "fixtures" / "four-groups-rubric.yaml"
SETTLE_SECONDS = 60  # how long a process may take to notice its parent is gone, at most


def listing(folder: Path) -> list[tuple[str, int, int]]:
    """Every path under `folder` (itself included) with its size and modification time in nanoseconds."""
    return [(str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in [folder, *folder.rglob("*")]]


def _params(folder: Path) -> Path:
    folder.mkdir()
    for name in RECORDS:
        shutil.copy(ROOT / "params" / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Two departments run once, from a folder that also holds a rubric file and a folder named like a
    record: (params, outputs, outcomes, stderr lines)."""
    base = tmp_path_factory.mktemp("faults")
    params = _params(base / "params")
    shutil.copy(RUBRIC_FILE, params / RUBRIC_FILE.name)
    (params / "folder.yaml").mkdir()
    out = base / "outputs"
    capture = base / "stderr.txt"
    with capture.open("w", encoding="utf-8") as err:
        saved, sys.stderr = sys.stderr, err
        try:
            outcomes = run([params], out, jobs=2, progress=False)
        finally:
            sys.stderr = saved
    return params, out, outcomes, capture.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def copy(published, tmp_path):
    """A private copy of the published outputs (modification times kept), and the params folder."""
    params, out, _, _ = published
    mine = tmp_path / "outputs"
    shutil.copytree(out, mine)
    return params, mine


def _departments(outcomes):
    return [o for o in outcomes if o.kind == "department"]


# --- item 12: what lies beside the records ---------------------------------------------------------------


def test_rubric_files_and_folders_beside_the_records_are_passed_over_with_a_note(published):
    _, _, outcomes, err = published
    assert [(o.code, o.status) for o in _departments(outcomes)] == [
        ("demo-liang", Status.DONE),
        ("huangpu-zwsj", Status.DONE),
    ]
    notes = [line for line in err if line.startswith("注意：")]
    assert any("four-groups-rubric.yaml" in n and "评价指标体系文件" in n for n in notes)
    assert any("folder.yaml" in n and "不是普通文件" in n for n in notes)


def test_a_folder_named_like_a_review_is_planned_as_no_review(tmp_path):
    from toolkit.batch.planning import plan

    params = _params(tmp_path / "params")
    (params / "huangpu-zwsj-2022.review.yaml").mkdir()
    work = plan(sorted(params.glob("*-2022.yaml")), tmp_path / "out", force=False)  # read it: exit 3 before
    assert [job.record_path.name for job in work.jobs] == ["demo-liang-2022.yaml", "huangpu-zwsj-2022.yaml"]


# --- item 10: all or nothing -----------------------------------------------------------------------------


def _failing_writer(monkeypatch, nth: int) -> None:
    """Make the n-th file `write` stages fail as a full disk does."""
    real, calls = notebook.write_bytes, []

    def writer(path, data, check=None):
        calls.append(path)
        if len(calls) == nth:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, data, check)

    monkeypatch.setattr(notebook, "write_bytes", writer)


@pytest.mark.parametrize("nth", [1, 2, 3])
def test_a_full_disk_on_any_output_replaces_none_of_them(tmp_path, monkeypatch, nth):
    folder = tmp_path / "dept"
    folder.mkdir()
    names = ("audit.ipynb", "result.json", "audit.html")
    for name in names:
        (folder / name).write_bytes(f"old {name}".encode())
    execution = Execution(tmp_path / "nb.ipynb", {}, folder, "audit")
    publication = Publication(execution, {name: f"new {name}".encode() for name in names})
    _failing_writer(monkeypatch, nth)
    with pytest.raises(OSError):
        write(publication)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == {n: f"old {n}".encode() for n in names}


def test_a_publication_writes_every_file_with_the_page_last(tmp_path, monkeypatch):
    folder = tmp_path / "dept"
    execution = Execution(tmp_path / "nb.ipynb", {}, folder, "audit")
    order: list[str] = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (order.append(Path(b).name), real(a, b)))
    write(Publication(execution, {"audit.ipynb": b"1", "result.json": b"2", "audit.html": b"3"}))
    assert order == ["audit.ipynb", "result.json", "audit.html"]
    assert sorted(p.name for p in folder.iterdir()) == ["audit.html", "audit.ipynb", "result.json"]


def test_a_department_failing_on_a_full_disk_keeps_its_whole_last_report(copy, monkeypatch):
    from toolkit.batch.planning import plan
    from toolkit.batch.runner import execute

    params, out = copy
    record = out.parent / "changed.yaml"
    text = (params / "huangpu-zwsj-2022.yaml").read_text(encoding="utf-8")
    record.write_text(text.replace("self_score: 19\n", "self_score: 18\n", 1), encoding="utf-8")
    folder = out / "2022" / "huangpu-zwsj"
    before = {name: (folder / name).read_bytes() for name in ("audit.ipynb", "audit.html", "result.json")}
    [job] = plan([record], out, force=False).jobs
    _failing_writer(monkeypatch, 2)
    outcome = execute(job)  # in this process, so the failing writer is the one it uses
    assert outcome.status is Status.FAILED and "磁盘空间不足" in outcome.message
    assert {name: (folder / name).read_bytes() for name in before} == before
    assert not list(folder.glob(".*.tmp")) and not list(folder.glob(".*partial*"))
    assert not job.fingerprint.is_current()


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_an_unwritable_output_folder_is_one_line_before_any_worker(copy, monkeypatch, capsys, code):
    import tempfile

    params, out = copy
    before = listing(out)

    def unwritable(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(tempfile, "TemporaryFile", unwritable)
    assert main(["run", str(params), "-o", str(out), "-q", "--force"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("错误：-o: 无法写入输出文件夹")
    assert ("磁盘空间不足" if code == errno.ENOSPC else "只读文件系统") in err[0]
    assert listing(out) == before


def test_a_full_disk_at_the_roster_fails_the_summary_row_and_the_run_still_ends_with_its_table(
    copy, monkeypatch, capsys
):
    from toolkit.summary import roster

    params, out = copy
    (out / "2022" / roster.ROSTER_FILE).unlink()  # so the run has to write it again

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(roster, "write_text", full)
    summaries = [o for o in run([params], out, progress=False) if o.kind == "summary"]
    assert [(o.status, o.message) for o in summaries] == [(Status.FAILED, "汇总未生成：磁盘空间不足")]
    assert main(["run", str(params), "-o", str(out), "-q"]) == 1
    assert "审计结果" in capsys.readouterr().out and (out / "index.html").exists()


def test_a_full_disk_at_the_index_is_a_failed_row_not_a_crash(copy, monkeypatch):
    from toolkit.batch import index

    params, out = copy
    os.utime(out / "index.html", (0, 0))  # older than its results: the run must write it again

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(index, "write_text", full)
    outcomes = run([params], out, progress=False)
    assert [(o.kind, o.status) for o in outcomes if o.kind == "index"] == [("index", Status.FAILED)]
    assert outcomes[-1].message == "目录页未能写入：磁盘空间不足"


# --- internal errors and dying workers ------------------------------------------------------------------


def crash_or_finish(job: Job) -> Outcome:
    """A worker task: dies like a killed process for the record named crash.yaml, raises for raise.yaml."""
    if job.record_path.name == "crash.yaml":
        os._exit(9)
    if job.record_path.name == "raise.yaml":
        raise RuntimeError("坏了")
    return Outcome(str(job.record_path), Status.DONE, "完成")


def test_a_dying_worker_or_an_exception_fails_only_its_own_department(tmp_path):
    names = ["a.yaml", "crash.yaml", "b.yaml", "raise.yaml", "c.yaml", "d.yaml"]
    jobs = [Job(tmp_path / name, tmp_path / "out" / name, None, None) for name in names]
    outcomes = execute_all(jobs, 2, False, tmp_path / "run.log", crash_or_finish)
    status = {Path(o.record_path).name: (o.status, o.message) for o in outcomes}
    assert [Path(o.record_path).name for o in outcomes] == names
    assert status["crash.yaml"][0] is Status.FAILED and "工作进程意外退出" in status["crash.yaml"][1]
    assert status["raise.yaml"] == (Status.FAILED, "内部错误：坏了")
    assert all(status[n][0] is Status.DONE for n in ("a.yaml", "b.yaml", "c.yaml", "d.yaml"))


# --- item 5: kill -9 mid-summary, partial files, a stale index --------------------------------------------


def _alive_in_group(pgid: int) -> list[int]:
    """Processes of the group that are still running (zombies, already dead, are not)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_kill_9_during_the_summary_leaves_no_worker_and_the_next_run_rewrites_the_index(tmp_path):
    params, out = _params(tmp_path / "params"), tmp_path / "outputs"
    command = [sys.executable, "-m", "toolkit", "run", str(params), "-o", str(out), "-q", "-j", "2"]
    proc = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL)
    partial = out / "2022" / ".summary.partial.ipynb"
    try:
        assert _wait_for(partial.exists, 600), "the summary never started"
        os.kill(proc.pid, signal.SIGKILL)  # the run alone: its workers must notice and stop by themselves
        proc.wait()
        assert _wait_for(lambda: not _alive_in_group(proc.pid), SETTLE_SECONDS), _alive_in_group(proc.pid)
    finally:
        if _alive_in_group(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    assert not (out / "index.html").exists() and partial.exists()

    # The departments finished before the kill: skipped now (unless the toolkit changed meanwhile).
    outcomes = run([params], out, progress=False)
    assert [o.status for o in outcomes if o.kind == "summary"] == [Status.DONE]
    index = (out / "index.html").read_text(encoding="utf-8")
    for code in ("huangpu-zwsj", "demo-liang"):
        total = json.loads((out / "2022" / code / "result.json").read_text(encoding="utf-8"))["total"]
        assert f"{total:g}" in index
    assert not list(out.rglob(".*partial*")) and not list(out.rglob(".*.tmp"))


def test_a_folder_named_toolkit_in_the_working_directory_is_not_what_the_workers_run(tmp_path):
    """multiprocessing starts the fork server as `python -c`, the working directory first on sys.path: a folder
    named toolkit there (another checkout, say) must not stand in for the installed toolkit in the workers."""
    impostor = tmp_path / "toolkit"
    impostor.mkdir()
    (impostor / "__init__.py").write_text('raise RuntimeError("not the installed toolkit")\n', encoding="utf-8")
    params, out = _params(tmp_path / "params"), tmp_path / "outputs"
    record = params / RECORDS[1]
    command = [str(Path(sys.executable).parent / "audit-toolkit"), "run", str(record), "-o", str(out), "-q"]
    done = subprocess.run([*command, "--formats", "html"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "2022" / "demo-liang" / "result.json").read_text(encoding="utf-8"))["total"] > 0
    assert "not the installed toolkit" not in done.stderr + (out / "run.log").read_text(encoding="utf-8")


def test_a_stale_index_is_rewritten_though_every_step_is_unchanged(copy):
    params, out = copy
    (out / "index.html").write_text("<html>旧目录：总分 12</html>", encoding="utf-8")
    os.utime(out / "index.html", (0, 0))  # older than every result it lists
    run([params], out, progress=False)
    assert "旧目录" not in (out / "index.html").read_text(encoding="utf-8")


def test_the_index_is_stale_only_when_older_than_a_result_or_summary_it_lists(tmp_path):
    from toolkit.batch.index import is_stale

    folder = tmp_path / "2022" / "a"
    folder.mkdir(parents=True)
    (folder / "result.json").write_text("{}", encoding="utf-8")
    (tmp_path / "2022" / "summary.html").write_text("", encoding="utf-8")
    rows = [Outcome("a.yaml", Status.SKIPPED, "", year=2022, out_dir=str(folder))]
    assert is_stale(tmp_path, rows)  # no index at all
    (tmp_path / "index.html").write_text("", encoding="utf-8")
    for path, when in ((folder / "result.json", 100), (tmp_path / "2022" / "summary.html", 100)):
        os.utime(path, (when, when))
    assert not is_stale(tmp_path, rows)
    os.utime(tmp_path / "2022" / "summary.html", None)  # now: newer than the index
    os.utime(tmp_path / "index.html", (200, 200))
    assert is_stale(tmp_path, rows)


def test_partial_files_of_a_killed_run_are_cleared_from_departments_it_skips(copy):
    params, out = copy
    left = [
        out / "2022" / "huangpu-zwsj" / ".audit.partial.ipynb",
        out / "2022" / "huangpu-zwsj" / ".audit.html.x1y2.tmp",
        out / "2022" / ".summary.partial.ipynb",
    ]
    for path in left:
        path.write_text("{}", encoding="utf-8")
    run([params], out, progress=False)
    assert not [path for path in left if path.exists()]


# --- the run lock and the log ----------------------------------------------------------------------------


def test_a_second_run_on_the_same_output_folder_is_refused_naming_the_folder_and_the_pid(copy, capsys):
    params, out = copy
    with run_lock(out):
        before = listing(out)
        assert main(["run", str(params), "-o", str(out), "-q"]) == 2
        after = listing(out)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and str(os.getpid()) in err[0] and out.name in err[0] and "正被另一个" in err[0]
    assert after == before


def test_a_killed_run_leaves_no_stale_lock(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from toolkit.batch.lock import run_lock\n"
            "with run_lock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(600)",
            str(tmp_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    from toolkit.core.problems import InputError

    with pytest.raises(InputError, match=str(holder.pid)), run_lock(tmp_path):
        pass
    holder.kill()
    holder.wait()
    with run_lock(tmp_path) as lock:
        assert lock.read_text(encoding="ascii").strip() == str(os.getpid())


def test_run_log_holds_this_run_only_and_keeps_the_one_before(copy):
    params, out = copy
    first = (out / "run.log").read_text(encoding="utf-8")
    assert "four-groups-rubric.yaml" in first
    (out / "run.log").write_text(first + "上一次运行的记录\n", encoding="utf-8")
    run([params], out, progress=False)
    assert (out / "run.log.1").read_text(encoding="utf-8").endswith("上一次运行的记录\n")
    assert "上一次运行的记录" not in (out / "run.log").read_text(encoding="utf-8")
