"""The command-line arguments of `run` (and the rubric of `score`), checked before anything is written or any
worker starts: a bad command line changes nothing and is one line per mistake, naming the argument.

- every path named must be a record file or a folder holding records (a missing path, a review, a rubric
  file, an empty folder are refused);
- `--rubric` must name a rubric that loads (an unknown id gets the nearest built-in one as a suggestion);
- the output folder must be a folder, or creatable, and writable (a file, a read-only or full file system).
"""

from __future__ import annotations

import difflib
import errno
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.batch.planning import Discovery, find_records, is_rubric_file
from toolkit.core.paths import PARAMS_DIR, REVIEW_SUFFIX
from toolkit.core.problems import InputError, Problem, display_path

if TYPE_CHECKING:
    from toolkit.core.rubric import Rubric

RECORD_SUFFIXES = (".yaml", ".yml")
_PROBE_BYTES = 64 * 1024  # enough that a full disk says so now, not halfway through the run
_REASONS = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "只读文件系统",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.ENOTDIR: "路径中有一段是文件而不是文件夹",
    errno.EEXIST: "路径中有一段是文件而不是文件夹",
}


def reason(exc: OSError) -> str:
    """An OSError as one Chinese phrase (the system's own words when it is none of the usual ones)."""
    return _REASONS.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def _path_problem(entry: Path) -> str | None:
    """What is wrong with one path named as records, or None."""
    if not entry.exists():
        return "找不到此记录文件或文件夹"
    if entry.is_dir():
        return None
    if not entry.is_file():
        return "不是普通文件，应为部门记录（.yaml）或存放记录的文件夹"
    if entry.name.endswith(REVIEW_SUFFIX):
        return "是复核文件，不是部门记录（复核文件随同名记录一起读取，请指定记录文件）"
    if entry.suffix not in RECORD_SUFFIXES:
        return "不是部门记录（应为 .yaml 或 .yml）；公开发布的自评表请先用 audit-toolkit import 导入"
    if is_rubric_file(entry):
        return "是评价指标体系文件，不是部门记录；如要改用它评分，请用 --rubric"
    return None


def check_records(paths: Sequence[str | Path] | None) -> Discovery:
    """The records the paths name (default: params/); raises InputError with one problem per bad path."""
    entries = [Path(p) for p in (paths or [PARAMS_DIR])]
    problems = [Problem(display_path(e), "", why) for e in entries if (why := _path_problem(e))]
    found = find_records([e for e in entries if e.exists()])
    for folder in (e for e in entries if e.is_dir()):
        if not find_records([folder]).records:
            problems.append(Problem(display_path(folder), "", "文件夹中没有部门记录（*.yaml、*.yml）"))
    if problems:
        raise InputError(problems)
    return found


def rubric_argument(ref: str | None) -> Rubric | None:
    """The rubric `--rubric` names, or None; raises InputError blamed on `--rubric`, in one line."""
    if ref is None:
        return None
    from toolkit.core.rubric import builtin_ids, load_rubric

    try:
        return load_rubric(ref)
    except InputError as exc:
        builtin = builtin_ids()
        if Path(ref).suffix not in RECORD_SUFFIXES and not Path(ref).exists():
            close = difflib.get_close_matches(ref, builtin, n=1, cutoff=0.6)
            hint = f"是否要用 {close[0]}？" if close else f"内置可用：{'、'.join(builtin)}"
            message = f"未知的评价指标体系 {ref}；{hint}"
        else:
            count = len(exc.problems)
            more = f"（共 {count} 处问题，可运行 audit-toolkit rubric validate {ref} 查看全部）" if count > 1 else ""
            message = f"评价指标体系 {ref} 无法使用：{exc.problems[0]}{more}"
        raise InputError([Problem("--rubric", "", message)]) from None


def _first_existing(path: Path) -> Path:
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def prepare_output(out_root: Path) -> None:
    """Create the output folder if needed and prove it writable (a file written, synced and removed);
    raises InputError blamed on `-o` when it is a file, or read-only, or full. A folder it had to create
    and could not write to is removed again."""
    existing = _first_existing(out_root.absolute())
    if not existing.is_dir():
        where = "" if existing == out_root.absolute() else f"（{display_path(existing)} 是文件）"
        raise InputError([Problem("-o", "", f"{display_path(out_root)} 不是文件夹{where}，应为输出文件夹")])
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out_root, prefix=".write-check.") as probe:
            probe.write(b"\0" * _PROBE_BYTES)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        _remove_created(out_root.absolute(), existing)
        raise InputError([Problem("-o", "", f"无法写入输出文件夹 {display_path(out_root)}：{reason(exc)}")]) from None


def _remove_created(folder: Path, existing: Path) -> None:
    """Remove the empty folders `prepare_output` created below `existing`: a refused run changes nothing."""
    while folder != existing:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def check_run(paths: Sequence[str | Path] | None, rubric: str | None, out_root: Path) -> Discovery:
    """Every check of `run`'s command line, all problems at once; then the output folder made ready.

    Raises InputError; until it returns, nothing has been written."""
    problems: list[Problem] = []
    found = Discovery(())
    try:
        found = check_records(paths)
    except InputError as exc:
        problems += exc.problems
    try:
        rubric_argument(rubric)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    prepare_output(out_root)
    return found
