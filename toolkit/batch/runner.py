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

import json
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import yaml

from toolkit.batch.fingerprint import Fingerprint
from toolkit.batch.notebook import Kind, Status, StepResult
from toolkit.batch.provenance import toolkit_fingerprint
from toolkit.core.paths import DEPARTMENT_NOTEBOOK, OUTPUT_DIR, PARAMS_DIR
from toolkit.core.problems import InputError, display_path
from toolkit.core.record import YEAR_MAX, YEAR_MIN, Record, code_problem, load_record
from toolkit.review.files import SUFFIX as REVIEW_SUFFIX
from toolkit.review.files import review_path_for
from toolkit.summary.roster import RESULT_FILE

FINGERPRINT_FILE = ".fingerprint"
PUBLISHED = ("audit.html", RESULT_FILE)  # a department is current only while both are there


@dataclass(frozen=True)
class Job:
    """One department to execute in a worker; `fingerprint` is None for a record that does not load."""

    record_path: Path
    out_dir: Path
    fingerprint: Fingerprint | None
    rubric: str | None


@dataclass(frozen=True)
class Outcome:
    """What became of one department in a run."""

    record_path: str
    status: Status
    message: str
    department: str | None = None
    year: int | None = None
    code: str | None = None
    total: float | None = None
    grade: str | None = None
    fictional: bool = False
    out_dir: str | None = None
    seconds: float = 0.0
    kind: Kind = Kind.DEPARTMENT

    @property
    def status_label(self) -> str:
        """The status as the status table and the index show it."""
        return self.status.label


def discover(paths: Sequence[str | Path] | None) -> list[Path]:
    """Record files named on the command line, or found in folders (default: params/); reviews excluded."""
    found: list[Path] = []
    for entry in [Path(p) for p in (paths or [PARAMS_DIR])]:
        if entry.is_dir():
            found += sorted(p for p in entry.glob("*.y*ml") if not p.name.endswith(REVIEW_SUFFIX))
        else:
            found.append(entry)
    return found


def record_set(paths: Sequence[str | Path] | None) -> list[Path]:
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


def _fingerprint(record_path: Path, rubric_sha256: str, out_dir: Path) -> Fingerprint:
    """What a department's outputs are made from: its record and review, the rubric, the notebook, the toolkit."""
    review = review_path_for(record_path)
    inputs = {
        "record": record_path,
        "review": review if review.exists() else None,
        "rubric": rubric_sha256.encode(),
        "notebook": DEPARTMENT_NOTEBOOK,
        "toolkit": toolkit_fingerprint().encode(),
    }
    return Fingerprint.of(inputs, out_dir / FINGERPRINT_FILE, [out_dir / name for name in PUBLISHED])


def _where_broken(record_path: Path, out_root: Path) -> Path:
    """An output folder for a record that does not load: by its year and code if readable, else its file name."""
    try:
        data = yaml.safe_load(record_path.read_text(encoding="utf-8"))
        year, code = data["year"], data["department"]["code"]
        # Only a year and a code the record check would accept name a folder: a 300-digit year or a code of
        # summary.html must not become a path (too long for the file system, or a file of the summary).
        if isinstance(year, int) and YEAR_MIN <= year <= YEAR_MAX and isinstance(code, str) and not code_problem(code):
            return out_root / str(year) / code
    except Exception:  # any unreadable shape: fall back to the file name
        pass
    return out_root / "invalid" / record_path.stem


def _previous(out_dir: Path) -> dict[str, Any] | None:
    """The department's last result.json object, or None when there is none or it does not parse."""
    try:
        return json.loads((out_dir / RESULT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Plan:
    """Records split into jobs to execute and outcomes already known (unchanged departments: skipped)."""

    jobs: list[Job]
    known: list[Outcome]


def plan(record_paths: list[Path], out_root: Path, force: bool, rubric: str | None = None) -> Plan:
    """Split records into jobs and skipped outcomes; a record that does not load is a job (it fails visibly).

    Two records of one department and year would publish into one folder, the winner changing from run to
    run: both fail, naming each other, and neither is run."""
    placed = [(path, *_place(path, out_root, rubric)) for path in record_paths]
    folders: dict[Path, list[tuple[Path, Record | None]]] = {}
    for path, record, out_dir in placed:
        folders.setdefault(out_dir, []).append((path, record))
    jobs, known = [], []
    for path, record, out_dir in placed:
        shared = folders[out_dir]
        others = [(p, r) for p, r in shared if p.resolve() != path.resolve()] if len(shared) > 1 else []
        if record is None:
            # Its error notebook must not land in the folder of another record's department.
            jobs.append(Job(path, out_root / "invalid" / path.stem if others else out_dir, None, rubric))
            continue
        if twins := [p for p, r in others if r is not None]:
            known.append(_duplicate(path, record, out_dir, twins))
            continue
        fingerprint = _fingerprint(path, record.rubric.sha256, out_dir)
        previous = _previous(out_dir) if not force and fingerprint.is_current() else None
        if previous is not None:
            known.append(_outcome_from(previous, path, StepResult(Status.SKIPPED, "输入未变化"), out_dir))
        else:
            jobs.append(Job(path, out_dir, fingerprint, rubric))
    return Plan(jobs, known)


def _duplicate(path: Path, record: Record, out_dir: Path, twins: list[Path]) -> Outcome:
    """The failed outcome of a record whose department and year another record of the run also has."""
    others = "、".join(display_path(p) for p in twins)
    message = (
        f"重复的部门代码和年度：{others} 也是 {record.year} 年度的 {record.department.code}，"
        "两份记录均未运行；请修改其中一份的部门代码或年度"
    )
    return Outcome(
        display_path(path),
        Status.FAILED,
        message,
        department=record.department.name,
        year=record.year,
        code=record.department.code,
        fictional=record.data.fictional,
        out_dir=str(out_dir),
    )


def _outcome_from(result: dict[str, Any], path: Path, step: StepResult, out_dir: Path) -> Outcome:
    """A department's outcome: the step's status, message and time, with the figures of its result.json."""
    return Outcome(
        record_path=display_path(path),
        status=step.status,
        message=step.message,
        department=result.get("department"),
        year=result.get("year"),
        code=result.get("code"),
        total=result.get("audited_total", result.get("total")),
        grade=result.get("audited_grade", result.get("grade")),
        fictional=bool(result.get("fictional")),
        out_dir=str(out_dir),
        seconds=step.seconds,
    )


def execute(job: Job) -> Outcome:
    """Run one department end to end (in a worker process). Never raises: failures become outcomes."""
    from toolkit.batch.department import build_department  # heavy imports (papermill, nbconvert) only in workers

    started = time.perf_counter()
    try:
        step = build_department(job.record_path, job.out_dir, job.rubric)
    except Exception as exc:  # the worker must report, not crash the batch
        message = f"内部错误：{type(exc).__name__}: {exc}"
        step = StepResult(Status.FAILED, message, time.perf_counter() - started)
    if step.payload is None:
        where = display_path(job.record_path)
        return Outcome(where, step.status, step.message, out_dir=str(job.out_dir), seconds=step.seconds)
    if job.fingerprint is not None:
        job.fingerprint.record()
    return _outcome_from(step.payload, job.record_path, step, job.out_dir)


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
    work = plan(records, out_root, force, rubric)
    todo, outcomes = work.jobs, list(work.known)
    if todo:
        outcomes += _execute_all(todo, jobs or os.cpu_count() or 1, progress, out_root / "run.log")
    order = {display_path(p): n for n, p in enumerate(records)}
    outcomes.sort(key=lambda o: order.get(o.record_path, len(order)))
    years = sorted({o.year for o in outcomes if o.year is not None})
    placed = {o.record_path: Path(o.out_dir) for o in outcomes if o.out_dir}  # where plan put the named records
    roster = _roster(records, record_set(paths), out_root, rubric, years, placed)
    excluded = _exclude_orphans(out_root, years, roster.codes, out_root / "run.log")
    summaries = _summarise_years(out_root, years, force, out_root / "run.log", excluded)
    changed = todo or excluded or any(s.status is Status.DONE for s in summaries)
    if changed or not (out_root / "index.html").exists():
        from toolkit.batch.index import write_index

        write_index(out_root, outcomes + roster.not_run, excluded)
    return outcomes + summaries


@dataclass(frozen=True)
class Roster:
    """A run's record set: department codes per year, and index rows for the records the run did not name."""

    codes: dict[int, set[str]]
    not_run: list[Outcome]


def _roster(
    records: list[Path],
    members: list[Path],
    out_root: Path,
    rubric: str | None,
    years: list[int],
    placed: dict[str, Path],
) -> Roster:
    """The department codes of the record set per year, and an index row (not run, with its last result)
    for each record of the set this run did not name whose department has a result in a year it touched.
    `placed`: output folders already known, by display path; other records are loaded to place them."""
    named = {p.resolve() for p in records}
    codes: dict[int, set[str]] = {}
    not_run: list[Outcome] = []
    unnamed = StepResult(Status.NOT_RUN, "本次未指定，沿用上次结果")
    for path in dict.fromkeys(records + members):
        folder = placed.get(display_path(path)) or _place(path, out_root, rubric)[1]
        if folder.parent.parent != out_root or not folder.parent.name.isdigit():
            continue  # an unreadable record: no year, so in no summary
        codes.setdefault(int(folder.parent.name), set()).add(folder.name)
        previous = _previous(folder) if path.resolve() not in named else None
        if previous and previous.get("year") in years:
            not_run.append(_outcome_from(previous, path, unnamed, folder))
    return Roster(codes, not_run)


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
    from toolkit.summary.build import fingerprint, summarise
    from toolkit.summary.roster import result_files

    done, todo = [], []
    for year in years:
        year_dir = out_root / str(year)
        if not result_files(year_dir):
            if year in excluded:
                step = StepResult(Status.SKIPPED, "本年度记录集中的部门尚无结果，未生成汇总")
                done.append(_summary_outcome(out_root, year, step, excluded))
            continue
        if not force and fingerprint(year_dir).is_current():
            done.append(_summary_outcome(out_root, year, StepResult(Status.SKIPPED, "部门结果未变化"), excluded))
        else:
            todo.append(year)
    if todo:
        with ProcessPoolExecutor(
            max_workers=1, mp_context=get_context("spawn"), initializer=_quiet_worker, initargs=(str(log),)
        ) as pool:
            dirs = [out_root / str(year) for year in todo]
            for year, step in zip(todo, pool.map(summarise, dirs, todo, [force] * len(todo))):
                done.append(_summary_outcome(out_root, year, step, excluded))
    return done


def _summary_outcome(out_root: Path, year: int, step: StepResult, excluded: dict[int, list[str]]) -> Outcome:
    """A year's summary as a row of the status table; it names the department folders the summary left out."""
    from toolkit.summary.build import title_for
    from toolkit.summary.roster import orphan_note

    message = f"{step.message}；{orphan_note(excluded[year])}" if year in excluded else step.message
    return Outcome(
        f"{year}/summary",
        step.status,
        message,
        department=title_for(year),
        year=year,
        out_dir=str(out_root / str(year)),
        seconds=step.seconds,
        kind=Kind.SUMMARY,
    )


def _quiet_worker(log_path: str) -> None:
    """Send a worker's stderr (and its kernels' chatter) to outputs/run.log instead of over the progress bar."""
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def _execute_all(todo: list[Job], workers: int, progress: bool, log: Path) -> list[Outcome]:
    """Execute the jobs in `workers` processes with a progress bar; outcomes in the order they finished."""
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
