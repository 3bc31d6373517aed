"""The batch runner: one papermill execution of the department notebook per record, in parallel processes,
publishing `audit.ipynb`, `audit.html` and `result.json` per department and an index of them all.

Before anything is written, the command line is checked (toolkit.batch.preflight): a bad one changes nothing.
The run then holds the output folder's lock (toolkit.batch.lock) until it ends. A department's outputs are
replaced all together or not at all; a department that fails keeps its last good report and gets
`audit.error.ipynb`, the executed notebook showing the error. A failure of any kind (bad input, an exception,
a worker that dies) marks that department and no other, and the run always ends with its status rows and the
index. A department whose record, review, rubric, notebook and toolkit are unchanged is skipped unless forced.

A year's summary and the index cover the run's record set: every record in the folders the run's records come
from (a record named on its own brings its folder's records along, which are listed but not run). Department
folders of that year outside the set (a record removed, or its code changed) stay on disk but are left out,
and the run says so.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from toolkit.batch.lock import run_lock
from toolkit.batch.notebook import Kind, Status, StepResult, clear_leftovers
from toolkit.batch.planning import (
    Job,
    Outcome,
    Plan,
    discover,
    outcome_from,
    place,
    plan,
    previous_result,
    record_set,
)
from toolkit.batch.preflight import check_run, reason
from toolkit.batch.progress import progress_bar
from toolkit.core.paths import OUTPUT_DIR
from toolkit.core.problems import display_path

__all__ = ["Job", "Outcome", "Plan", "discover", "execute", "execute_all", "plan", "record_set", "run"]

LOG_FILE = "run.log"  # this run's log; the one before is kept as run.log.1


def execute(job: Job) -> Outcome:
    """Run one department end to end (in a worker process). Never raises: failures become outcomes."""
    from toolkit.batch.department import build_department  # heavy imports (papermill, nbconvert) only in workers

    started = time.perf_counter()
    try:
        if job.fingerprint is not None:
            job.fingerprint.clear()
        step = build_department(job.record_path, job.out_dir, job.rubric, job.formats)
    except OSError as exc:  # a full disk, say: every output is written before any is replaced
        message = f"写入失败（{reason(exc)}），原有报告未被替换：{exc}"
        step = StepResult(Status.FAILED, message, time.perf_counter() - started)
    except Exception as exc:  # the worker must report, not crash the batch
        message = f"内部错误：{type(exc).__name__}: {exc}"
        step = StepResult(Status.FAILED, message, time.perf_counter() - started)
    if step.payload is None:
        where = display_path(job.record_path)
        return Outcome(where, step.status, step.message, out_dir=str(job.out_dir), seconds=step.seconds)
    if job.fingerprint is not None:
        job.fingerprint.record()
    return outcome_from(step.payload, job.record_path, step, job.out_dir)


def _settle(job: Job, value: object) -> Outcome:
    """A job's outcome from what its worker handed back: the outcome, or the exception it ended in."""
    if isinstance(value, Outcome):
        return value
    message = f"内部错误：{value}" if isinstance(value, Exception) else f"内部错误：意外的结果 {value!r}"
    return Outcome(display_path(job.record_path), Status.FAILED, message, out_dir=str(job.out_dir))


def execute_all(
    todo: list[Job], workers: int, progress: bool, log: Path, task: Callable[[Job], object] = execute
) -> list[Outcome]:
    """Execute the jobs in `workers` processes with a progress bar; one outcome per job, in their order."""
    from toolkit.batch.pool import map_guarded  # an unchanged run imports no process pool

    with progress_bar([display_path(job.record_path) for job in todo], workers, progress) as bar:
        return map_guarded(task, todo, workers, log, _settle, bar.advance)


def _start_fork_server() -> None:
    """Start the pool's fork server (imported here: an unchanged run starts none and imports no pool)."""
    from toolkit.batch.pool import start_fork_server

    start_fork_server()


def _departments(
    todo: list[Job], jobs: int | None, progress: bool, log: Path, scheduler: str | None, dask_local: int | None
) -> list[Outcome]:
    """The departments in local worker processes, or on the dask cluster asked for."""
    if scheduler is None and dask_local is None:
        return execute_all(todo, jobs or os.cpu_count() or 1, progress, log)
    from toolkit.batch.cluster import connect, execute_on

    with connect(scheduler, dask_local, log) as client:
        return execute_on(client, todo, progress)


def run(
    paths: list[str | Path] | None = None,
    out_root: str | Path = OUTPUT_DIR,
    jobs: int | None = None,
    force: bool = False,
    rubric: str | None = None,
    progress: bool = True,
    formats: tuple[str, ...] = ("html", "docx"),
    scheduler: str | None = None,
    dask_local: int | None = None,
) -> list[Outcome]:
    """Audit every record, then summarise each year touched; returns one outcome per record, in input order,
    followed by one per year's summary (kind "summary"), and writes outputs/index.html.

    The departments run in local worker processes, or on dask.distributed workers: those of the scheduler at
    `scheduler`, or of a local cluster of `dask_local` processes (toolkit.batch.cluster).

    Raises InputError, before anything is written, when the command line is unusable (see preflight), and
    before any department is touched when the scheduler cannot be reached."""
    out_root = Path(out_root)
    found = check_run(paths, rubric, out_root)
    with run_lock(out_root):
        log = _fresh_log(out_root)
        _note(found.passed_over, log)
        records = list(found.records)
        local = scheduler is None and dask_local is None  # departments on this machine's fork server
        work = plan(records, out_root, force, rubric, formats, _start_fork_server if local else None)
        _clear_leftovers(out_root, work)
        todo, outcomes = work.jobs, list(work.known)
        if todo:
            outcomes += _departments(todo, jobs, progress, log, scheduler, dask_local)
        order = {display_path(p): n for n, p in enumerate(records)}
        outcomes.sort(key=lambda o: order.get(o.record_path, len(order)))
        members = record_set(paths)
        return outcomes + _finish(
            out_root, outcomes, records, members, rubric, force, bool(todo), log, formats, progress
        )


def _finish(
    out_root: Path,
    outcomes: list[Outcome],
    records: list[Path],
    members: list[Path],
    rubric: str | None,
    force: bool,
    ran: bool,
    log: Path,
    formats: tuple[str, ...] = ("html", "docx"),
    progress: bool = False,
) -> list[Outcome]:
    """The roster, the years' summaries and the index after the departments; any failure is a row, not a crash."""
    years = sorted({o.year for o in outcomes if o.year is not None})
    placed = {o.record_path: Path(o.out_dir) for o in outcomes if o.out_dir}  # where plan put the named records
    roster, excluded = Roster({}, []), dict[int, list[str]]()
    try:
        roster = _roster(records, members, out_root, rubric, years, placed)
        excluded = _exclude_orphans(out_root, years, roster.codes, log)
        summaries = _summarise_years(out_root, years, force, log, excluded, formats, progress)
    except Exception as exc:  # a full disk at the roster, an unreadable roster: the years fail, not the run
        why = reason(exc) if isinstance(exc, OSError) else str(exc)
        failed = StepResult(Status.FAILED, f"汇总未生成：{why}")
        summaries = [_summary_outcome(out_root, year, failed, {}) for year in years]
    changed = ran or excluded or any(s.status is Status.DONE for s in summaries)
    shown = outcomes + roster.not_run
    return summaries + _publish_index(out_root, shown, excluded, bool(changed), log)


def _publish_index(
    out_root: Path, outcomes: list[Outcome], excluded: dict[int, list[str]], changed: bool, log: Path
) -> list[Outcome]:
    """Write the index when the run changed something or it is behind the results; a failure is one row."""
    from toolkit.batch.index import is_stale, write_index

    if not changed and not is_stale(out_root, outcomes):
        return []
    try:
        write_index(out_root, outcomes, excluded)
    except Exception as exc:
        why = reason(exc) if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"
        _note([f"目录页未能写入：{why}"], log)
        return [Outcome("index.html", Status.FAILED, f"目录页未能写入：{why}", kind=Kind.INDEX)]
    return []


def _fresh_log(out_root: Path) -> Path:
    """This run's log, empty: the previous run's moves to run.log.1, so the log never grows run after run."""
    log = out_root / LOG_FILE
    if log.exists():
        os.replace(log, log.with_name(f"{LOG_FILE}.1"))
    return log


def _note(notes: list[str] | tuple[str, ...], log: Path) -> None:
    """Tell the terminal (whole: the status table may cut a note short) and the run's log."""
    if not notes:
        return
    with log.open("a", encoding="utf-8") as handle:
        for note in notes:
            handle.write(f"audit-toolkit run：{note}\n")
            print(f"注意：{note}", file=sys.stderr)


def _clear_leftovers(out_root: Path, work: Plan) -> None:
    """Partial notebooks and staged files a killed run left in the folders this run will read or write."""
    folders = {job.out_dir for job in work.jobs} | {Path(o.out_dir) for o in work.known if o.out_dir}
    for folder in folders | {folder.parent for folder in folders}:
        if folder.is_dir() and out_root in folder.parents:
            clear_leftovers(folder)


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
        folder = placed.get(display_path(path)) or place(path, out_root, rubric)[1]
        if folder.parent.parent != out_root or not folder.parent.name.isdigit():
            continue  # an unreadable record: no year, so in no summary
        codes.setdefault(int(folder.parent.name), set()).add(folder.name)
        previous = previous_result(folder) if path.resolve() not in named else None
        if previous and previous.get("year") in years:
            not_run.append(outcome_from(previous, path, unnamed, folder))
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
    _note([orphan_note(folders) for folders in excluded.values()], log)
    return excluded


def _summarise_years(
    out_root: Path,
    years: list[int],
    force: bool,
    log: Path,
    excluded: dict[int, list[str]],
    formats: tuple[str, ...] = ("html", "docx"),
    progress: bool = False,
) -> list[Outcome]:
    """Each year's summary after its departments: skipped when unchanged, else built in a quiet worker process."""
    from toolkit.summary.build import fingerprint
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
        from toolkit.batch.pool import map_guarded

        task = partial(summarise_year, out_root=out_root, force=force, formats=formats)
        with progress_bar([f"{year} 年度汇总" for year in todo], 1, progress, "汇总进度") as bar:
            steps = map_guarded(task, todo, 1, log, _settle_summary, bar.tick)
        done += [_summary_outcome(out_root, year, step, excluded) for year, step in zip(todo, steps)]
    return done


def summarise_year(year: int, out_root: Path, force: bool, formats: tuple[str, ...] = ("html", "docx")) -> StepResult:
    """One year's summary, in a worker process, published in `formats`."""
    from toolkit.summary.build import summarise

    return summarise(out_root / str(year), year, force, formats)


def _settle_summary(year: int, value: object) -> StepResult:
    if isinstance(value, StepResult):
        return value
    return StepResult(Status.FAILED, f"汇总失败：内部错误：{value}")


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
