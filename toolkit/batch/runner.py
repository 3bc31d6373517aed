"""The batch runner: one papermill execution of the department notebook per record, in parallel processes,
publishing `audit.ipynb`, `audit.html` and `result.json` per department and an index of them all.

Outputs are replaced only once all of a department's files are ready; a department that fails keeps its last
good report and gets `audit.error.ipynb`, the executed notebook showing the error. A department whose
record, review, rubric, notebook and toolkit are unchanged is skipped unless forced.

A year's summary and the index cover the run's record set: every record in the folders the run's records come
from (a record named on its own brings its folder's records along, which are listed but not run). Department
folders of that year outside the set (a record removed, or its code changed) stay on disk but are left out,
and the run says so.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import yaml

from toolkit.batch.provenance import toolkit_fingerprint
from toolkit.core.atomic import write_text
from toolkit.core.paths import NOTEBOOK_DIR, OUTPUT_DIR, PARAMS_DIR
from toolkit.core.problems import InputError, display_path
from toolkit.core.record import Record, load_record
from toolkit.review.files import SUFFIX as REVIEW_SUFFIX
from toolkit.review.files import review_path_for

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
    status: str  # "done" | "skipped" | "failed"; "not_run" only on the index (a record of the set not named)
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
        return {"done": "完成", "skipped": "未变化，跳过", "failed": "失败", "not_run": "本次未运行"}[self.status]


def discover(paths: list[str | Path] | None) -> list[Path]:
    """Record files named on the command line, or found in folders (default: params/); reviews excluded."""
    found: list[Path] = []
    for entry in [Path(p) for p in (paths or [PARAMS_DIR])]:
        if entry.is_dir():
            found += sorted(p for p in entry.glob("*.y*ml") if not p.name.endswith(REVIEW_SUFFIX))
        else:
            found.append(entry)
    return found


def record_set(paths: list[str | Path] | None) -> list[Path]:
    """Every record in the folders a run draws its records from (a named file: its folder), reviews excluded.

    Running one department re-summarises the whole set it belongs to, not that department alone."""
    entries = [Path(p) for p in (paths or [PARAMS_DIR])]
    folders = [f for f in dict.fromkeys(e if e.is_dir() else e.parent for e in entries) if f.is_dir()]
    return discover(folders) if folders else []  # discover([]) would mean the default folder


def _place(record_path: Path, out_root: Path, rubric: str | None) -> tuple[Record | None, Path]:
    """The record (None when it does not load) and the output folder its department is published in."""
    try:
        record = load_record(record_path, rubric)
    except InputError:
        return None, _where_broken(record_path, out_root)
    return record, out_root / str(record.year) / record.department.code


def _fingerprint(record_path: Path, rubric_sha256: str) -> str:
    digest = hashlib.sha256()
    for part in (
        record_path.read_bytes(),
        rubric_sha256.encode(),
        DEPARTMENT_NOTEBOOK.read_bytes(),
        toolkit_fingerprint().encode(),
    ):
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


def plan(
    record_paths: list[Path], out_root: Path, force: bool, rubric: str | None = None
) -> tuple[list[Job], list[Outcome]]:
    """Split records into jobs to execute and outcomes already known (unchanged → skipped)."""
    jobs, known = [], []
    for path in record_paths:
        record, out_dir = _place(path, out_root, rubric)
        if record is None:
            jobs.append(Job(path, out_dir, "", rubric))
            continue
        fingerprint = _fingerprint(path, record.rubric.sha256)
        stamp = out_dir / FINGERPRINT_FILE
        previous = _previous(out_dir)
        if (
            not force
            and previous
            and stamp.exists()
            and stamp.read_text() == fingerprint
            and (out_dir / "audit.html").exists()
        ):
            known.append(_outcome_from(previous, path, "skipped", "输入未变化", out_dir))
        else:
            jobs.append(Job(path, out_dir, fingerprint, rubric))
    return jobs, known


def _outcome_from(result: dict, path: Path, status: str, message: str, out_dir: Path, seconds: float = 0.0) -> Outcome:
    return Outcome(
        record_path=display_path(path),
        status=status,
        message=message,
        department=result.get("department"),
        year=result.get("year"),
        code=result.get("code"),
        total=result.get("audited_total", result.get("total")),
        grade=result.get("audited_grade", result.get("grade")),
        fictional=bool(result.get("fictional")),
        out_dir=str(out_dir),
        seconds=seconds,
    )


def execute(job: Job) -> Outcome:
    """Run one department end to end (in a worker process). Never raises: failures become outcomes."""
    from toolkit.batch.department import build_department  # heavy imports (papermill, nbconvert) only in workers

    started = time.perf_counter()
    try:
        result, message = build_department(job.record_path, job.out_dir, job.rubric)
    except Exception as exc:  # the worker must report, not crash the batch
        return Outcome(
            display_path(job.record_path),
            "failed",
            f"内部错误：{type(exc).__name__}: {exc}",
            out_dir=str(job.out_dir),
            seconds=time.perf_counter() - started,
        )
    seconds = time.perf_counter() - started
    if result is None:
        return Outcome(display_path(job.record_path), "failed", message, out_dir=str(job.out_dir), seconds=seconds)
    if job.fingerprint:
        write_text(job.out_dir / FINGERPRINT_FILE, job.fingerprint)
    return _outcome_from(result, job.record_path, "done", message, job.out_dir, seconds)


def run(
    paths: list[str | Path] | None = None,
    out_root: str | Path = OUTPUT_DIR,
    jobs: int | None = None,
    force: bool = False,
    rubric: str | None = None,
    progress: bool = True,
) -> list[Outcome]:
    """Audit every record, then summarise each year touched; returns one outcome per record, in input order,
    followed by one per year's summary (kind "summary"), and writes outputs/index.html."""
    out_root = Path(out_root)
    records = discover(paths)
    todo, outcomes = plan(records, out_root, force, rubric)
    if todo:
        outcomes += _execute_all(todo, jobs or os.cpu_count() or 1, progress, out_root / "run.log")
    order = {display_path(p): n for n, p in enumerate(records)}
    outcomes.sort(key=lambda o: order.get(o.record_path, len(order)))
    years = sorted({o.year for o in outcomes if o.year is not None})
    placed = {o.record_path: Path(o.out_dir) for o in outcomes if o.out_dir}  # where plan put the named records
    members, not_run = _roster(records, record_set(paths), out_root, rubric, years, placed)
    excluded = _exclude_orphans(out_root, years, members, out_root / "run.log")
    summaries = _summarise_years(out_root, years, force, out_root / "run.log", excluded)
    if todo or excluded or any(s.status == "done" for s in summaries) or not (out_root / "index.html").exists():
        from toolkit.batch.index import write_index

        write_index(out_root, outcomes + not_run, excluded)
    return outcomes + summaries


def _roster(
    records: list[Path],
    members: list[Path],
    out_root: Path,
    rubric: str | None,
    years: list[int],
    placed: dict[str, Path],
) -> tuple[dict[int, set[str]], list[Outcome]]:
    """The department codes of the record set per year, and an index row ("not_run", with its last result)
    for each record of the set this run did not name whose department has a result in a year it touched.
    `placed`: output folders already known, by display path; other records are loaded to place them."""
    named = {p.resolve() for p in records}
    codes: dict[int, set[str]] = {}
    not_run = []
    for path in dict.fromkeys(records + members):
        folder = placed.get(display_path(path)) or _place(path, out_root, rubric)[1]
        if folder.parent.parent != out_root or not folder.parent.name.isdigit():
            continue  # an unreadable record: no year, so in no summary
        codes.setdefault(int(folder.parent.name), set()).add(folder.name)
        previous = _previous(folder) if path.resolve() not in named else None
        if previous and previous.get("year") in years:
            not_run.append(_outcome_from(previous, path, "not_run", "本次未指定，沿用上次结果", folder))
    return codes, not_run


def _exclude_orphans(out_root: Path, years: list[int], members: dict[int, set[str]], log: Path) -> dict[int, list[str]]:
    """Name each year's roster for its summary; return the department folders left out, per year, logged."""
    from toolkit.summary.roster import left_out, orphan_note, write_roster

    excluded = {}
    for year in years:
        year_dir = out_root / str(year)
        write_roster(year_dir, members.get(year, set()))
        if orphans := left_out(year_dir, members.get(year, set())):
            excluded[year] = [f"{year}/{code}" for code in orphans]
    if excluded:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            for folders in excluded.values():
                handle.write(f"audit-toolkit run：{orphan_note(folders)}\n")
                # Also on the terminal, whole: the status table may cut a long note short.
                print(f"注意：{orphan_note(folders)}", file=sys.stderr)
    return excluded


def _summarise_years(
    out_root: Path, years: list[int], force: bool, log: Path, excluded: dict[int, list[str]]
) -> list[Outcome]:
    """Each year's summary after its departments: skipped when unchanged, else built in a quiet worker process."""
    from toolkit.summary.build import fingerprint, is_current, summarise, title_for
    from toolkit.summary.roster import orphan_note, result_files

    def outcome(year: int, status: str, message: str, seconds: float = 0.0) -> Outcome:
        if year in excluded:
            message = f"{message}；{orphan_note(excluded[year])}"
        return Outcome(
            f"{year}/summary",
            status,
            message,
            department=title_for(year),
            year=year,
            out_dir=str(out_root / str(year)),
            seconds=seconds,
            kind="summary",
        )

    done, todo = [], []
    for year in years:
        year_dir = out_root / str(year)
        if not result_files(year_dir):
            if year in excluded:
                done.append(outcome(year, "skipped", "本年度记录集中的部门尚无结果，未生成汇总"))
            continue
        if not force and is_current(year_dir, fingerprint(year_dir)):
            done.append(outcome(year, "skipped", "部门结果未变化"))
        else:
            todo.append(year)
    if todo:
        with ProcessPoolExecutor(
            max_workers=1, mp_context=get_context("spawn"), initializer=_quiet_worker, initargs=(str(log),)
        ) as pool:
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
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=get_context("spawn"), initializer=_quiet_worker, initargs=(str(log),)
    ) as pool:
        futures = {pool.submit(execute, job): job for job in todo}
        columns = (
            TextColumn("审计进度"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
        )
        with Progress(*columns, disable=not progress, transient=False) as bar:
            task = bar.add_task("", total=len(futures))
            for future in as_completed(futures):
                outcome = future.result()
                done.append(outcome)
                bar.update(
                    task, advance=1, description=f"{outcome.department or outcome.record_path}：{outcome.status_label}"
                )
    return done
