"""Departments on dask.distributed workers: `run --scheduler tcp://HOST:PORT` (a cluster a bureau already runs)
or `run --dask-local N` (N worker processes on 127.0.0.1).

No shared file system: the client ships each department's inputs as bytes (the record, its review, a rubric
file the record names, the notebook), a worker stages them in a temporary folder, executes and renders there
(toolkit.batch.department.make_department) and hands every output back as bytes; the client writes them where a
local run does, with the same all-or-nothing writer, records the fingerprint, and the status table, the index
and the summaries follow exactly as in a local run. The executed notebook is made to name the client's paths
(papermill's metadata and the injected parameters), so its bytes do not depend on where it ran.

A worker lost mid-task: the scheduler gives the department to another worker; when that one is lost too the
department fails (dask's KilledWorker) and the others carry on. `--dask-local` sets the scheduler's
`allowed-failures` to 1 (retried once); a scheduler started by hand should be started with the same setting
(README). A worker whose toolkit differs from the client's (its fingerprint) refuses the department.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import yaml

from toolkit.batch.notebook import Execution, Publication, Status, StepResult, write
from toolkit.batch.planning import Job, Outcome, outcome_from
from toolkit.batch.preflight import reason
from toolkit.batch.progress import progress_bar
from toolkit.batch.provenance import toolkit_fingerprint
from toolkit.core.atomic import write_bytes
from toolkit.core.paths import DEPARTMENT_NOTEBOOK, review_path_for, rubric_file
from toolkit.core.problems import InputError, Problem, display_path

if TYPE_CHECKING:
    from distributed import Client

    from toolkit.batch.notebook import Executed

CONNECT_SECONDS = 10  # a scheduler that does not answer within this long is reported as unreachable
ALLOWED_FAILURES = 1  # a department whose worker is lost is retried once on another, then fails
_EPOCH = "SOURCE_DATE_EPOCH"  # fixes the generation time; a reproducible client makes reproducible workers


@dataclass(frozen=True)
class Shipment:
    """One department's inputs as bytes, staged by relative path on the worker, and how the client names them."""

    files: dict[str, bytes]  # staged path (relative, POSIX) -> content
    record: str  # the staged path of the record
    notebook: str  # the staged path of the department notebook
    rubric: str | None  # the rubric parameter: an id, or the staged path of a rubric file given with --rubric
    formats: tuple[str, ...]
    # As the client would record them: the notebook's papermill metadata and injected parameters.
    recorded_notebook: str
    recorded_output: str
    recorded_parameters: dict[str, Any]
    places: dict[str, str]  # staged folder (relative) -> the client's folder, as outputs and messages name them
    toolkit: str  # the client's toolkit fingerprint
    epoch: str | None = None


@dataclass(frozen=True)
class Delivery:
    """What a worker hands back: a status line and every output by file name, in the order they are written."""

    status: Status
    message: str
    seconds: float
    files: dict[str, bytes] = field(default_factory=dict)  # done: the publication; failed: the error notebook
    payload: dict[str, Any] | None = None


def ship(job: Job) -> Shipment:
    """The inputs of `job` read into memory (OSError when the record cannot be read)."""
    record = job.record_path
    data = record.read_bytes()
    ref = _named_rubric_file(record, data)
    # Staged under as many folders as the rubric reference climbs (`../x.yaml`), so that it stays inside.
    depth = sum(1 for part in PurePosixPath(ref).parts if part == "..") if ref else 0
    folder = PurePosixPath("record", *(f"d{n}" for n in range(depth)))
    files = {str(folder / record.name): data}
    review = review_path_for(record)
    if review.is_file():
        files[str(folder / review.name)] = review.read_bytes()
    if ref is not None:
        files[os.path.normpath(str(folder / ref))] = (record.parent / ref).read_bytes()
    places = {
        str(folder): str(record.parent.resolve()),
        "notebook": str(DEPARTMENT_NOTEBOOK.parent),
        "out": str(job.out_dir),
    }
    rubric = job.rubric
    if job.rubric is not None and Path(job.rubric).is_file():
        given = Path(job.rubric)
        rubric = f"rubric/{given.name}"
        files[rubric] = given.read_bytes()
        places["rubric"] = str(given.resolve().parent)
    files["notebook/department_audit.ipynb"] = DEPARTMENT_NOTEBOOK.read_bytes()
    return Shipment(
        files=files,
        record=str(folder / record.name),
        notebook="notebook/department_audit.ipynb",
        rubric=rubric,
        formats=job.formats,
        recorded_notebook=str(DEPARTMENT_NOTEBOOK),
        recorded_output=str(Execution(DEPARTMENT_NOTEBOOK, {}, job.out_dir, "audit").partial),
        recorded_parameters={"record_path": str(record.resolve()), "rubric": job.rubric},
        places=places,
        toolkit=toolkit_fingerprint(),
        epoch=os.environ.get(_EPOCH),
    )


def _named_rubric_file(record: Path, data: bytes) -> str | None:
    """A rubric file the record (`data`) names relative to itself (an inferred rubric, say), as it writes it."""
    try:
        ref = yaml.safe_load(data.decode("utf-8")).get("rubric")
    except Exception:  # an unreadable record fails in the notebook, as it does locally
        return None
    beside = record.parent / ref if isinstance(ref, str) and ref else None
    if beside is not None and rubric_file(ref, record.parent) == beside and beside.is_file():
        return ref
    return None


def make_shipped(shipment: Shipment) -> Delivery:
    """On a worker: stage the inputs, execute and render the department, hand back its outputs. Never raises."""
    from toolkit.batch.department import make_department
    from toolkit.batch.notebook import Failed

    started = time.perf_counter()
    if shipment.toolkit != toolkit_fingerprint():
        message = "工作节点上安装的工具包与本机不同（代码、模板或评价指标体系不一致），请在每个工作节点安装同一版本"
        return Delivery(Status.FAILED, message, time.perf_counter() - started)
    try:
        with tempfile.TemporaryDirectory(prefix="audit-toolkit-") as tmp, _epoch(shipment.epoch):
            root = Path(tmp)
            for name, data in shipment.files.items():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_bytes(data)
            rubric = str(root / shipment.rubric) if shipment.rubric in shipment.files else shipment.rubric
            made = make_department(
                root / shipment.record,
                root / "out",
                rubric,
                shipment.formats,
                recorded=lambda executed: _as_recorded(executed, shipment, root),
                notebook=root / shipment.notebook,
            )
            if isinstance(made, Failed):
                files = {}
                if made.error_notebook.exists():
                    files[made.error_notebook.name] = _recorded_bytes(made.error_notebook, shipment, root)
                message = _recorded_text(made.message, shipment, root)
                return Delivery(Status.FAILED, message, time.perf_counter() - started, files)
            files = dict(made.publication.files)
    except Exception as exc:  # the worker must report, not lose the department
        return Delivery(Status.FAILED, f"内部错误：{type(exc).__name__}: {exc}", time.perf_counter() - started)
    return Delivery(Status.DONE, made.message, time.perf_counter() - started, files, made.payload)


@contextlib.contextmanager
def _epoch(value: str | None) -> Iterator[None]:
    """SOURCE_DATE_EPOCH as the client has it, for this department (a worker runs one at a time)."""
    before = os.environ.get(_EPOCH)
    if value is None:
        os.environ.pop(_EPOCH, None)
    else:
        os.environ[_EPOCH] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(_EPOCH, None)
        else:
            os.environ[_EPOCH] = before


def _places(shipment: Shipment, root: Path) -> dict[str, str]:
    return {str(root / staged): client for staged, client in shipment.places.items()}


def _as_recorded(executed: Executed, shipment: Shipment, root: Path) -> Executed:
    from toolkit.batch.notebook import Executed, recorded_as

    nb = recorded_as(
        executed.notebook,
        shipment.recorded_notebook,
        shipment.recorded_output,
        shipment.recorded_parameters,
        _places(shipment, root),
    )
    return Executed(executed.execution, nb)


def _recorded_bytes(path: Path, shipment: Shipment, root: Path) -> bytes:
    import nbformat

    from toolkit.batch.notebook import recorded_as

    nb = nbformat.read(str(path), as_version=4)
    places = _places(shipment, root)
    nb = recorded_as(nb, shipment.recorded_notebook, shipment.recorded_output, shipment.recorded_parameters, places)
    return nbformat.writes(nb).encode("utf-8")


def _recorded_text(text: str, shipment: Shipment, root: Path) -> str:
    from toolkit.batch.notebook import relocated

    return relocated(text, _places(shipment, root))


def land(job: Job, delivery: Delivery) -> Outcome:
    """On the client: write what a worker handed back where a local run writes it; the department's outcome."""
    where = display_path(job.record_path)
    execution = Execution(DEPARTMENT_NOTEBOOK, {}, job.out_dir, "audit")
    try:
        job.out_dir.mkdir(parents=True, exist_ok=True)
        if delivery.payload is None:
            for name, data in delivery.files.items():  # the error notebook; the last good report stays
                write_bytes(job.out_dir / name, data)
            return Outcome(where, delivery.status, delivery.message, out_dir=str(job.out_dir), seconds=delivery.seconds)
        write(Publication(execution, delivery.files))
    except OSError as exc:
        message = f"写入失败（{reason(exc)}），原有报告未被替换：{exc}"
        return Outcome(where, Status.FAILED, message, out_dir=str(job.out_dir), seconds=delivery.seconds)
    if job.fingerprint is not None:
        job.fingerprint.record()
    step = StepResult(delivery.status, delivery.message, delivery.seconds)
    return outcome_from(delivery.payload, job.record_path, step, job.out_dir)


def _lost(job: Job, exc: BaseException) -> Outcome:
    """The outcome of a department that came back with no delivery: its workers lost, or dask failing."""
    from distributed.scheduler import KilledWorker

    if isinstance(exc, KilledWorker):
        message = "工作节点在运行该部门时意外退出，换一个工作节点重试后仍未完成（可能是内存不足或进程崩溃）"
    else:
        message = f"内部错误：{type(exc).__name__}: {exc}"
    return Outcome(display_path(job.record_path), Status.FAILED, message, out_dir=str(job.out_dir))


def execute_on(
    client: Client,
    todo: list[Job],
    progress: bool,
    task: Callable[[Shipment], Delivery] = make_shipped,
) -> list[Outcome]:
    """The jobs on the cluster behind `client`, written locally as each comes back; one outcome per job, in order."""
    from distributed import as_completed

    outcomes: dict[int, Outcome] = {}
    futures = {}
    workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
    with progress_bar([display_path(job.record_path) for job in todo], workers, progress) as bar:
        for n, job in enumerate(todo):
            try:
                shipment = ship(job)
            except OSError as exc:
                message = f"无法读取输入文件（{reason(exc)}）：{exc}"
                outcomes[n] = Outcome(display_path(job.record_path), Status.FAILED, message, out_dir=str(job.out_dir))
                bar.advance(outcomes[n])
                continue
            if job.fingerprint is not None:
                job.fingerprint.clear()
            futures[client.submit(task, shipment, pure=False, key=f"audit-{n}-{os.getpid()}-{time.time_ns()}")] = n
        for future in as_completed(futures, loop=client.loop):
            n = futures[future]
            try:
                delivery = future.result()
            except Exception as exc:
                outcomes[n] = _lost(todo[n], exc)
            else:
                outcomes[n] = land(todo[n], delivery)
            bar.advance(outcomes[n])
            future.release()
    return [outcomes[n] for n in range(len(todo))]


@contextlib.contextmanager
def connect(scheduler: str | None, local: int | None, log: Path) -> Iterator[Client]:
    """A client of the scheduler at `scheduler`, or of a local cluster of `local` worker processes on 127.0.0.1
    (their output to the run's log), closed at the end. InputError when the scheduler cannot be reached."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            why = f"无法连接 dask 调度器（{CONNECT_SECONDS} 秒内无响应或地址无效：{exc}）"
            raise InputError([Problem("--scheduler", scheduler, why)]) from None
        with client:
            yield client
        return
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}), _stderr_to(log):
        cluster = LocalCluster(
            n_workers=local,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    with cluster, Client(cluster, set_as_default=False) as client:
        yield client


@contextlib.contextmanager
def _stderr_to(log: Path) -> Iterator[None]:
    """Standard error to the run's log while the local workers start: they (and the kernels they start) inherit
    it, so their chatter goes to run.log and not over the status table, as in a local run."""
    log.parent.mkdir(parents=True, exist_ok=True)
    saved = os.dup(2)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(fd, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(fd)
