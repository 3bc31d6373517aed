"""The batch runner: one papermill execution of the department notebook per record, in parallel processes,
publishing `audit.ipynb`, `audit.html` and `result.json` per department and an index of them all.

Outputs are replaced only once all of a department's files are ready; a department that fails keeps its last
good report and gets `audit.error.ipynb`, the executed notebook showing the error. A department whose
record, review, rubric, notebook and toolkit are unchanged is skipped unless forced.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import yaml

from .atomic import write_text
from .paths import NOTEBOOK_DIR, OUTPUT_DIR, PARAMS_DIR
from .problems import InputError, display_path
from .provenance import toolkit_fingerprint
from .record import Record, load_record
from .review import SUFFIX as REVIEW_SUFFIX, review_path_for

DEPARTMENT_NOTEBOOK = NOTEBOOK_DIR / "department_audit.ipynb"
FINGERPRINT_FILE = ".fingerprint"


@dataclass(frozen=True)
class Job:
    record_path: Path
    out_dir: Path
    fingerprint: str
    rubric: str | None


@dataclass(frozen=True)
class Outcome:
    """What became of one department in a run."""

    record_path: str
    status: str  # "done" | "skipped" | "failed"
    message: str
    department: str | None = None
    year: int | None = None
    code: str | None = None
    total: float | None = None
    grade: str | None = None
    fictional: bool = False
    out_dir: str | None = None
    seconds: float = 0.0
    kind: str = "department"  # or "summary": a year's cross-department summary

    @property
    def status_label(self) -> str:
        return {"done": "完成", "skipped": "未变化，跳过", "failed": "失败"}[self.status]


def discover(paths: list[str | Path] | None) -> list[Path]:
    """Record files named on the command line, or found in folders (default: params/); reviews excluded."""
    found: list[Path] = []
    for entry in [Path(p) for p in (paths or [PARAMS_DIR])]:
        if entry.is_dir():
            found += sorted(p for p in entry.glob("*.y*ml") if not p.name.endswith(REVIEW_SUFFIX))
        else:
            found.append(entry)
    return found


def _fingerprint(record_path: Path, rubric_sha256: str) -> str:
    digest = hashlib.sha256()
    for part in (record_path.read_bytes(), rubric_sha256.encode(), DEPARTMENT_NOTEBOOK.read_bytes(), toolkit_fingerprint().encode()):
        digest.update(hashlib.sha256(part).digest())
    review = review_path_for(record_path)
    digest.update(review.read_bytes() if review.exists() else b"no review")
    return digest.hexdigest()


def _where_broken(record_path: Path, out_root: Path) -> Path:
    """An output folder for a record that does not load: by its year and code if readable, else its file name."""
    try:
        data = yaml.safe_load(record_path.read_text(encoding="utf-8"))
        year, code = data["year"], data["department"]["code"]
        if isinstance(year, int) and isinstance(code, str) and code.replace("-", "").replace("_", "").isalnum():
            return out_root / str(year) / code
    except Exception:  # any unreadable shape: fall back to the file name
        pass
    return out_root / "invalid" / record_path.stem


def _previous(out_dir: Path) -> dict | None:
    try:
        return json.loads((out_dir / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def plan(record_paths: list[Path], out_root: Path, force: bool, rubric: str | None = None) -> tuple[list[Job], list[Outcome]]:
    """Split records into jobs to execute and outcomes already known (unchanged → skipped)."""
    jobs, known = [], []
    for path in record_paths:
        try:
            record: Record | None = load_record(path, rubric)
        except InputError:
            record = None
        if record is None:
            jobs.append(Job(path, _where_broken(path, out_root), "", rubric))
            continue
        out_dir = out_root / str(record.year) / record.department.code
        fingerprint = _fingerprint(path, record.rubric.sha256)
        stamp = out_dir / FINGERPRINT_FILE
        previous = _previous(out_dir)
        if not force and previous and stamp.exists() and stamp.read_text() == fingerprint and (out_dir / "audit.html").exists():
            known.append(_outcome_from(previous, path, "skipped", "输入未变化", out_dir))
        else:
            jobs.append(Job(path, out_dir, fingerprint, rubric))
    return jobs, known


def _outcome_from(result: dict, path: Path, status: str, message: str, out_dir: Path, seconds: float = 0.0) -> Outcome:
    return Outcome(
        record_path=display_path(path), status=status, message=message, department=result.get("department"),
        year=result.get("year"), code=result.get("code"), total=result.get("audited_total", result.get("total")),
        grade=result.get("audited_grade", result.get("grade")), fictional=bool(result.get("fictional")),
        out_dir=str(out_dir), seconds=seconds,
    )


def execute(job: Job) -> Outcome:
    """Run one department end to end (in a worker process). Never raises: failures become outcomes."""
    from .department import build_department  # heavy imports (papermill, nbconvert) only in workers

    started = time.perf_counter()
    try:
        result, message = build_department(job.record_path, job.out_dir, job.rubric)
    except Exception as exc:  # the worker must report, not crash the batch
        return Outcome(display_path(job.record_path), "failed", f"内部错误：{type(exc).__name__}: {exc}", out_dir=str(job.out_dir),
                       seconds=time.perf_counter() - started)
    seconds = time.perf_counter() - started
    if result is None:
        return Outcome(display_path(job.record_path), "failed", message, out_dir=str(job.out_dir), seconds=seconds)
    if job.fingerprint:
        write_text(job.out_dir / FINGERPRINT_FILE, job.fingerprint)
    return _outcome_from(result, job.record_path, "done", message, job.out_dir, seconds)


def run(paths: list[str | Path] | None = None, out_root: str | Path = OUTPUT_DIR, jobs: int | None = None,
        force: bool = False, rubric: str | None = None, progress: bool = True) -> list[Outcome]:
    """Audit every record, then summarise each year touched; returns one outcome per record, in input order,
    followed by one per year's summary (kind "summary"), and writes outputs/index.html."""
    out_root = Path(out_root)
    records = discover(paths)
    todo, outcomes = plan(records, out_root, force, rubric)
    if todo:
        outcomes += _execute_all(todo, jobs or os.cpu_count() or 1, progress, out_root / "run.log")
    order = {display_path(p): n for n, p in enumerate(records)}
    outcomes.sort(key=lambda o: order.get(o.record_path, len(order)))
    summaries = _summarise_years(out_root, sorted({o.year for o in outcomes if o.year is not None}), force, out_root / "run.log")
    if todo or any(s.status == "done" for s in summaries) or not (out_root / "index.html").exists():
        from .index import write_index

        write_index(out_root, outcomes)
    return outcomes + summaries


def _summarise_years(out_root: Path, years: list[int], force: bool, log: Path) -> list[Outcome]:
    """Each year's summary after its departments: skipped when unchanged, else built in a quiet worker process."""
    from .summary_build import RESULT_FILE, fingerprint, is_current, summarise, title_for

    def outcome(year: int, status: str, message: str, seconds: float = 0.0) -> Outcome:
        return Outcome(f"{year}/summary", status, message, department=title_for(year), year=year,
                       out_dir=str(out_root / str(year)), seconds=seconds, kind="summary")

    done, todo = [], []
    for year in years:
        year_dir = out_root / str(year)
        if not any(year_dir.glob(f"*/{RESULT_FILE}")):
            continue
        if not force and is_current(year_dir, fingerprint(year_dir)):
            done.append(outcome(year, "skipped", "部门结果未变化"))
        else:
            todo.append(year)
    if todo:
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"), initializer=_quiet_worker, initargs=(str(log),)) as pool:
            dirs = [out_root / str(year) for year in todo]
            for year, (status, message, seconds) in zip(todo, pool.map(summarise, dirs, todo, [force] * len(todo))):
                done.append(outcome(year, status, message, seconds))
    return done


def _quiet_worker(log_path: str) -> None:
    """Send a worker's stderr (and its kernels' chatter) to outputs/run.log instead of over the progress bar."""
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def _execute_all(todo: list[Job], workers: int, progress: bool, log: Path) -> list[Outcome]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    done: list[Outcome] = []
    workers = max(1, min(workers, len(todo)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_quiet_worker, initargs=(str(log),)) as pool:
        futures = {pool.submit(execute, job): job for job in todo}
        columns = (TextColumn("审计进度"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"))
        with Progress(*columns, disable=not progress, transient=False) as bar:
            task = bar.add_task("", total=len(futures))
            for future in as_completed(futures):
                outcome = future.result()
                done.append(outcome)
                bar.update(task, advance=1, description=f"{outcome.department or outcome.record_path}：{outcome.status_label}")
    return done

