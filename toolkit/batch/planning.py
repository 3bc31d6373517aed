"""What a run will do, decided before any worker starts: the record files it finds, where each department is
published, which are unchanged (skipped) and which two records claim one department and year.

Discovery takes regular files named `*.yaml`/`*.yml` that are neither reviews nor rubrics: a folder can hold a
rubric file beside the records that name it, and a directory can carry a record-like name; both are left out
with a note instead of failing as records every time.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.batch.fingerprint import Fingerprint
from toolkit.batch.header import Header, read_header
from toolkit.batch.hints import Hints
from toolkit.batch.notebook import Kind, Status, StepResult
from toolkit.batch.provenance import toolkit_fingerprint
from toolkit.core.paths import (
    DEPARTMENT_NOTEBOOK,
    PARAMS_DIR,
    REVIEW_SUFFIX,
    RUBRIC_SCHEMA,
    review_path_for,
)
from toolkit.core.problems import display_path
from toolkit.summary.roster import RESULT_FILE

if TYPE_CHECKING:
    from toolkit.core.record import Record

FINGERPRINT_FILE = ".fingerprint"
_SKIPPED = StepResult(Status.SKIPPED, "输入未变化")
PUBLISHED = ("audit.html", RESULT_FILE)  # a department is current only while both are there
_RUBRIC_MARK = re.compile(rf"^schema:\s*['\"]?{re.escape(RUBRIC_SCHEMA)}\b|^tree:", re.MULTILINE)
_HEAD_BYTES = 64 * 1024  # a rubric says so in its first lines; a record is never read whole here


@dataclass(frozen=True)
class Job:
    """One department to execute in a worker; `fingerprint` is None for a record the plan loaded and found
    unusable (one it placed by its header alone is validated in its kernel)."""

    record_path: Path
    out_dir: Path
    fingerprint: Fingerprint | None
    rubric: str | None
    formats: tuple[str, ...] = ("html", "docx")  # toolkit.report.formats.DEFAULT_FORMATS; chosen by `run --formats`


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


@dataclass(frozen=True)
class Discovery:
    """The record files found, and the files and folders passed over, each with why (in Chinese)."""

    records: tuple[Path, ...]
    passed_over: tuple[str, ...] = ()


def is_rubric_file(path: Path) -> bool:
    """True when the file declares itself a rubric (its schema, or a `tree` of indicators at the top level)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return False
    return _RUBRIC_MARK.search(head) is not None


def _scan(folder: Path) -> Discovery:
    """The records of one folder, in name order; directories and rubric files passed over with a note."""
    records, notes = [], []
    for path in sorted(folder.glob("*.y*ml")):
        if path.name.endswith(REVIEW_SUFFIX) and not path.is_dir():
            continue
        if not path.is_file():
            notes.append(f"{display_path(path)} 不是普通文件（是文件夹或特殊文件），已跳过")
        elif is_rubric_file(path):
            notes.append(f"{display_path(path)} 是评价指标体系文件，不是部门记录，已跳过")
        else:
            records.append(path)
    return Discovery(tuple(records), tuple(notes))


def find_records(paths: Sequence[str | Path] | None) -> Discovery:
    """Record files named on the command line, or found in folders (default: params/), with what was passed over."""
    records: list[Path] = []
    notes: list[str] = []
    for entry in [Path(p) for p in (paths or [PARAMS_DIR])]:
        if entry.is_dir():
            found = _scan(entry)
            records += found.records
            notes += found.passed_over
        else:
            records.append(entry)
    return Discovery(tuple(records), tuple(notes))


def discover(paths: Sequence[str | Path] | None) -> list[Path]:
    """Record files named on the command line, or found in folders (default: params/); reviews excluded."""
    return list(find_records(paths).records)


def record_set(paths: Sequence[str | Path] | None) -> list[Path]:
    """Every record in the folders a run draws its records from (a named file: its folder), reviews excluded.

    Running one department re-summarises the whole set it belongs to, not that department alone."""
    entries = [Path(p) for p in (paths or [PARAMS_DIR])]
    folders = [f for f in dict.fromkeys(e if e.is_dir() else e.parent for e in entries) if f.is_dir()]
    return discover(folders) if folders else []  # discover([]) would mean the default folder


def place(record_path: Path, out_root: Path, rubric: str | None) -> tuple[Record | None, Path]:
    """The record (None when it does not load) and the output folder its department is published in."""
    from toolkit.core.problems import InputError
    from toolkit.core.record import load_record

    try:
        record = load_record(record_path, rubric)
    except InputError:
        return None, _where_broken(record_path, out_root)
    return record, out_root / str(record.year) / record.department.code


def _fingerprint(record_path: Path, rubric: Path | None, out_dir: Path, formats: tuple[str, ...]) -> Fingerprint:
    """What a department's outputs are made from: its record and review, the rubric file, the notebook, the
    toolkit (its code and built-in rubrics); current while result.json and the report in every format asked for
    are there (asking for PDF later makes it). Files, not the loaded rubric: an unchanged department is told
    from hashes alone, without validating anything."""
    review = review_path_for(record_path)
    inputs = {
        "record": record_path,
        # A folder named like a review is no review: left out here, the notebook says why it cannot read it.
        "review": review if review.is_file() else None,
        "rubric": rubric if rubric is not None and rubric.is_file() else None,
        "rubric_path": str(rubric.resolve()).encode() if rubric is not None else None,
        "notebook": DEPARTMENT_NOTEBOOK,
        "toolkit": toolkit_fingerprint().encode(),
    }
    published = {*PUBLISHED, *(f"audit.{extension}" for extension in formats)}
    return Fingerprint.of(inputs, out_dir / FINGERPRINT_FILE, [out_dir / name for name in sorted(published)])


def _unchanged(record_path: Path, header: Header | None, formats: tuple[str, ...]) -> Unchanged | None:
    """The folder and last result of a department whose inputs are those of its last published run, or None.
    Nothing is validated: a record whose bytes, rubric file, review, notebook and toolkit all hash as they did
    when its department was published would validate as it did then."""
    if header is None or header.folder is None:
        return None
    try:
        current = _fingerprint(record_path, header.rubric, header.folder, formats).is_current()
    except OSError:
        return None
    previous = previous_result(header.folder) if current else None
    return Unchanged(header.folder, previous) if previous is not None else None


@dataclass(frozen=True)
class Unchanged:
    """An unchanged department: its output folder and the result.json it published there."""

    folder: Path
    result: dict[str, Any]


def _where_broken(record_path: Path, out_root: Path) -> Path:
    """An output folder for a record that does not load: by its year and code if readable, else its file name."""
    header = read_header(record_path, out_root, None)
    folder = header.folder if header is not None else None
    return folder if folder is not None else out_root / "invalid" / record_path.stem


def previous_result(out_dir: Path) -> dict[str, Any] | None:
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


@dataclass(frozen=True)
class _Settings:
    """What the command line says of every record of a plan."""

    out_root: Path
    force: bool
    rubric: str | None
    formats: tuple[str, ...]


def plan(
    record_paths: list[Path],
    out_root: Path,
    force: bool,
    rubric: str | None = None,
    formats: tuple[str, ...] = ("html", "docx"),
    loading: Callable[[], None] | None = None,
) -> Plan:
    """Split records into jobs and skipped outcomes; a record that does not load is a job (it fails visibly).
    Two records of one department and year would publish into one folder, the winner changing from run to
    run: both fail, naming each other, and neither is run. `loading`: see _placed."""
    settings = _Settings(out_root, force, rubric, formats)
    headers, found = _headers(record_paths, settings)
    unchanged, named, loaded = _placed(record_paths, headers, found, settings, loading)
    folders: dict[Path, list[tuple[Path, Record | None]]] = {}
    for path, (record, out_dir) in loaded.items():
        folders.setdefault(out_dir, []).append((path, record))
    jobs: list[Job] = []
    known: list[Outcome] = []
    for path in record_paths:
        if path in unchanged:
            known.append(outcome_from(unchanged[path].result, path, _SKIPPED, unchanged[path].folder))
            continue
        header = headers[path]
        rubric_path = header.rubric if header is not None else None
        if path in named:  # validated once, in its kernel
            jobs.append(Job(path, named[path], _fingerprint(path, rubric_path, named[path], formats), rubric, formats))
            continue
        record, out_dir = loaded[path] if path in loaded else place(path, out_root, rubric)
        shared = folders.get(out_dir, [])
        others = [(p, r) for p, r in shared if p.resolve() != path.resolve()] if len(shared) > 1 else []
        planned = _loaded_job(path, record, out_dir, others, rubric_path, settings)
        if isinstance(planned, Job):
            jobs.append(planned)
        else:
            known.append(planned)
    return Plan(jobs, known)


def _loaded_job(
    path: Path,
    record: Record | None,
    out_dir: Path,
    others: list[tuple[Path, Record | None]],
    rubric_path: Path | None,
    settings: _Settings,
) -> Job | Outcome:
    """A loaded record's job, or its known outcome: a duplicate of another record's folder, or unchanged."""
    rubric, formats = settings.rubric, settings.formats
    if record is None:
        # Its error notebook must not land in the folder of another record's department.
        return Job(path, settings.out_root / "invalid" / path.stem if others else out_dir, None, rubric, formats)
    if twins := [p for p, r in others if r is not None]:
        return _duplicate(path, record, out_dir, twins)
    fingerprint = _fingerprint(path, rubric_path, out_dir, formats)
    previous = previous_result(out_dir) if not settings.force and fingerprint.is_current() else None
    if previous is not None:
        return outcome_from(previous, path, _SKIPPED, out_dir)
    return Job(path, out_dir, fingerprint, rubric, formats)


def _headers(
    record_paths: list[Path], settings: _Settings
) -> tuple[dict[Path, Header | None], dict[Path, Unchanged | None]]:
    """Each record's header and, unless forced, its department if unchanged. The hints (toolkit.batch.hints)
    name the folder of a record whose bytes the last run read; a record they do not know, or whose department
    their folder does not show unchanged, is read."""
    out_root, force, rubric, formats = settings.out_root, settings.force, settings.rubric, settings.formats
    hints = Hints(out_root)
    headers: dict[Path, Header | None] = {}
    found: dict[Path, Unchanged | None] = {}
    for path in record_paths:
        hinted = hints.header(path, out_root, rubric)
        hit = None if force or hinted is None else _unchanged(path, hinted, formats)
        header = hinted
        if hit is None:
            header = hints.read(path, out_root, rubric)
            if not force and header != hinted:  # a hint that was wrong: only the record itself is believed
                hit = _unchanged(path, header, formats)
        headers[path], found[path] = header, hit
    hints.save()
    return headers, found


def _placed(
    record_paths: list[Path],
    headers: dict[Path, Header | None],
    found: dict[Path, Unchanged | None],
    settings: _Settings,
    loading: Callable[[], None] | None,
) -> tuple[dict[Path, Unchanged], dict[Path, Path], dict[Path, tuple[Record | None, Path]]]:
    """Where each record goes, validating as few as it can: the unchanged records with the folder each alone
    claims (and the result it holds); the changed records whose header names a folder no other record's
    header names, with that folder (validated in their kernel, once: a record that then does not load fails
    there, in the folder _where_broken gives it too); and every other record loaded (validated) and placed.
    Records that would share a folder are all loaded, and fail as duplicates, as they would when every record
    is loaded. `loading` is called once, before the first record is loaded, when some record is not unchanged
    (it starts the workers' fork server, whose imports then overlap the rest of the plan)."""
    claims = Counter(hit.folder for hit in found.values() if hit is not None)
    unchanged = {p: hit for p, hit in found.items() if hit is not None and claims[hit.folder] == 1}
    if loading is not None and len(unchanged) < len(record_paths):
        loading()
    by_header = {p: h.folder for p, h in headers.items() if h is not None and h.folder is not None}
    headed = Counter(by_header.values())
    named = {p: f for p, f in by_header.items() if p not in unchanged and headed[f] == 1}
    out_root, rubric = settings.out_root, settings.rubric
    loaded = {p: place(p, out_root, rubric) for p in record_paths if p not in unchanged and p not in named}
    crowded = {out_dir for _, out_dir in loaded.values()}
    claimed = {**{p: hit.folder for p, hit in unchanged.items()}, **named}
    for path in [p for p, folder in claimed.items() if folder in crowded]:
        loaded[path] = place(path, out_root, rubric)
        unchanged.pop(path, None)
        named.pop(path, None)
    return unchanged, named, loaded


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


def outcome_from(result: dict[str, Any], path: Path, step: StepResult, out_dir: Path) -> Outcome:
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
