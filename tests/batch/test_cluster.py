"""Departments on dask.distributed workers (`run --dask-local N`, `run --scheduler`): the same bytes as a local
run, written by the client; a lost worker costs one retry and, lost again, one department only."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cloudpickle
import nbformat
import pytest

from toolkit.batch import cluster
from toolkit.batch.cluster import Shipment, connect, execute_on, make_shipped, ship
from toolkit.batch.notebook import Status
from toolkit.batch.planning import plan
from toolkit.batch.runner import run
from toolkit.cli import main
from toolkit.core.problems import InputError

ROOT = Path(__file__).resolve().parents[2]
EPOCH = "1700000000"
RECORDS = ["huangpu-zwsj-2022.yaml", "demo-nongye-gaobiao-2023.yaml", "demo-cha-2022.yaml"]

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the tasks below run on workers that lack tests/


def _params(folder: Path) -> Path:
    """The seed, a demo project, a demo department and a record that fails in its notebook."""
    folder.mkdir(parents=True)
    for name in RECORDS:
        shutil.copy(ROOT / "params" / name, folder / name)
    seed = (ROOT / "params" / RECORDS[0]).read_text(encoding="utf-8")
    broken = seed.replace("code: huangpu-zwsj", "code: broken-dept").replace(
        "  绩效管理制度执行:\n    self_score: 6", "  绩效管理制度执行:\n    self_score: 六"
    )
    (folder / "broken.yaml").write_text(broken, encoding="utf-8")
    return folder


def _comparable(out: Path, name: str) -> str:
    """An executed notebook without papermill's timings, which differ between any two runs, and with its run's
    output folder (which names where it was written) as OUT."""
    nb = nbformat.reads((out / name).read_text(encoding="utf-8").replace(str(out), "OUT"), as_version=4)
    for key in ("start_time", "end_time", "duration"):
        nb.metadata.papermill.pop(key, None)
    for n, cell in enumerate(nb.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if name.endswith(".error.ipynb"):  # papermill gives an error notebook's cells random ids
            cell.id = f"cell-{n}"
    return nbformat.writes(nb)


def _files(out: Path) -> dict[str, bytes]:
    skip = {"run.log", "run.log.1", ".audit-toolkit.lock"}
    return {
        str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and p.name not in skip
    }


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The same record folder run locally and on a local cluster of two worker processes."""
    base = tmp_path_factory.mktemp("cluster")
    params = _params(base / "params")
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        local = run([params], base / "local", jobs=2, progress=False)
        dask = run([params], base / "dask", progress=False, dask_local=2)
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH")
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
    return base, local, dask


def test_a_local_cluster_publishes_the_bytes_a_local_run_publishes(both):
    base = both[0]
    a, b = _files(base / "local"), _files(base / "dask")
    assert a.keys() == b.keys()
    assert {"2022/huangpu-zwsj/audit.html", "2022/huangpu-zwsj/audit.docx", "2022/huangpu-zwsj/result.json"} <= a.keys()
    assert "2022/broken-dept/audit.error.ipynb" in a and "2022/summary.html" in a and "index.html" in a
    notebooks = [name for name in a if name.endswith(".ipynb")]
    assert len(notebooks) >= 6
    assert [n for n in a if n not in notebooks and a[n] != b[n]] == []
    assert [n for n in notebooks if _comparable(base / "local", n) != _comparable(base / "dask", n)] == []


def test_the_executed_notebook_names_the_clients_files_not_the_workers_copies(both):
    base, _, _ = both
    nb = nbformat.read(str(base / "dask/2022/huangpu-zwsj/audit.ipynb"), as_version=4)
    assert nb.metadata.papermill.parameters["record_path"] == str((base / "params" / RECORDS[0]).resolve())
    assert nb.metadata.papermill.output_path == str(base / "dask/2022/huangpu-zwsj/.audit.partial.ipynb")
    error = (base / "dask/2022/broken-dept/audit.error.ipynb").read_text(encoding="utf-8")
    assert str(base / "params" / "broken.yaml") in error and "audit-toolkit-" not in error


def test_status_rows_are_those_of_a_local_run(both):
    _, local, dask = both

    def rows(outcomes):
        return [(o.record_path, o.status, o.message, o.total, o.grade, o.kind) for o in outcomes]

    assert rows(dask) == rows(local)
    assert [o.status for o in dask if o.kind == "department"].count(Status.FAILED) == 1


def test_the_record_is_scored_once_and_result_json_matches_the_seed(both):
    base, _, _ = both
    result = json.loads((base / "dask/2022/huangpu-zwsj/result.json").read_text(encoding="utf-8"))
    assert (result["total"], result["grade"]) == (94.2, "优")
    assert list(result)[:3] == ["department", "code", "year"]  # as_dict order, kept through the notebook
    groups = {g["name"]: g["score"] for g in result["groups"]}
    assert groups["履职效能"] == 46.38 and groups["管理效率"] == 47.82


# --- lost workers ---------------------------------------------------------------------------------------


def _dies(shipment: Shipment, victim: str, marker: str | None) -> object:
    """A task whose worker process dies on `victim` (every time, or only before `marker` exists)."""
    if victim in shipment.record and (marker is None or not Path(marker).exists()):
        if marker is not None:
            Path(marker).write_text("died once", encoding="utf-8")
        os._exit(1)
    return make_shipped(shipment)


def _jobs(params: Path, out: Path):
    return plan(sorted(params.glob("*.yaml")), out, force=True).jobs


def test_a_department_whose_worker_is_lost_is_retried_on_another(tmp_path):
    params = _params(tmp_path / "params")
    jobs = [j for j in _jobs(params, tmp_path / "out") if j.record_path.name != "broken.yaml"]
    task = functools.partial(_dies, victim="demo-cha", marker=str(tmp_path / "died"))
    with connect(None, 2, tmp_path / "run.log") as client:
        outcomes = execute_on(client, jobs, False, task)
    assert (tmp_path / "died").exists(), "the first attempt must have killed its worker"
    assert [o.status for o in outcomes] == [Status.DONE] * len(jobs)
    assert (tmp_path / "out/2022/demo-cha/audit.html").exists()


def test_a_department_that_loses_two_workers_fails_alone(tmp_path):
    params = _params(tmp_path / "params")
    jobs = [j for j in _jobs(params, tmp_path / "out") if j.record_path.name != "broken.yaml"]
    task = functools.partial(_dies, victim="demo-cha", marker=None)
    with connect(None, 2, tmp_path / "run.log") as client:
        outcomes = execute_on(client, jobs, False, task)
    by_name = {Path(o.record_path).name: o for o in outcomes}
    assert by_name["demo-cha-2022.yaml"].status is Status.FAILED
    assert "工作节点" in by_name["demo-cha-2022.yaml"].message and "重试" in by_name["demo-cha-2022.yaml"].message
    assert {n: o.status for n, o in by_name.items() if n != "demo-cha-2022.yaml"} == {
        "demo-nongye-gaobiao-2023.yaml": Status.DONE,
        "huangpu-zwsj-2022.yaml": Status.DONE,
    }
    assert not (tmp_path / "out/2022/demo-cha").exists()


def test_a_record_that_cannot_be_read_when_shipped_fails_alone_and_nothing_is_sent(tmp_path):
    # Planned, then gone (or unreadable) by the time the client reads it to ship: that department fails with
    # the reason, the others run, and no task is submitted for it.
    params = _params(tmp_path / "params")
    jobs = [j for j in _jobs(params, tmp_path / "out") if j.record_path.name in RECORDS[:2]]
    gone = params / RECORDS[1]  # the demo project (2023); the seed (2022) stays
    gone.unlink()
    with connect(None, 1, tmp_path / "run.log") as client:
        outcomes = execute_on(client, jobs, False)
    by_name = {Path(o.record_path).name: o for o in outcomes}
    assert by_name[gone.name].status is Status.FAILED and "无法读取输入文件" in by_name[gone.name].message
    assert gone.name in by_name[gone.name].message
    assert by_name[RECORDS[0]].status is Status.DONE
    assert not (tmp_path / "out/2023").exists()


# --- refusals ------------------------------------------------------------------------------------------


def test_a_worker_with_another_toolkit_refuses_the_department(tmp_path):
    params = _params(tmp_path / "params")
    job = _jobs(params, tmp_path / "out")[0]
    shipment = ship(job)
    delivery = make_shipped(Shipment(**{**shipment.__dict__, "toolkit": "0" * 64}))
    assert delivery.status is Status.FAILED and "工具包与本机不同" in delivery.message and delivery.files == {}


def test_an_unreachable_scheduler_is_one_error_and_no_department_is_touched(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1)
    params = _params(tmp_path / "params")
    out = tmp_path / "out"
    run([params / RECORDS[0]], out, progress=False)
    before = _files(out)
    with pytest.raises(InputError) as caught:
        run([params / RECORDS[0]], out, progress=False, force=True, scheduler="tcp://127.0.0.1:9")
    assert "tcp://127.0.0.1:9" in str(caught.value) and "无法连接 dask 调度器" in str(caught.value)
    assert _files(out) == before


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--scheduler", "127.0.0.1:8786"], "tcp://主机:端口"),
        (["--dask-local", "0"], "正整数"),
        (["--dask-local", "2", "--scheduler", "tcp://127.0.0.1:8786"], "--scheduler 与 --dask-local 不能同时使用"),
    ],
)
def test_bad_cluster_options_are_one_line_and_exit_2(options, expected, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "toolkit", "run", str(ROOT / "params" / RECORDS[0]), "-o", str(tmp_path / "out")]
        + ["-q", *options],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and expected in err[0]
    assert not (tmp_path / "out").exists()


def test_the_readme_commands_scheduler_worker_and_run(tmp_path):
    """`dask scheduler`, `dask worker` (started elsewhere) and `run --scheduler`, as the README gives them."""
    bin_dir = Path(sys.executable).parent
    info = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}
    logs = (tmp_path / "scheduler.log").open("w"), (tmp_path / "worker.log").open("w")
    scheduler = subprocess.Popen(
        [bin_dir / "dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
        + ["--scheduler-file", str(info)],
        env=env,
        stdout=logs[0],
        stderr=subprocess.STDOUT,
    )
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(info.read_text())["address"]
        worker_dir = tmp_path / "worker"
        worker_dir.mkdir()
        worker = subprocess.Popen(
            [bin_dir / "dask", "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
            cwd=worker_dir,
            env=env,
            stdout=logs[1],
            stderr=subprocess.STDOUT,
        )
        out = tmp_path / "out"
        code = main(["run", str(ROOT / "params" / RECORDS[1]), "-o", str(out), "-q", "--scheduler", address])
        assert code == 0
        result = json.loads((out / "2023/demo-nongye-gaobiao/result.json").read_text(encoding="utf-8"))
        assert result["fictional"] is True and (out / "2023/demo-nongye-gaobiao/audit.docx").exists()
        assert (out / "2023/summary.html").exists() and (out / "index.html").exists()
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        for handle in logs:
            handle.close()
