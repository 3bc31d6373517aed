"""Which department folders a year's summary covers: the roster `run` writes into the year folder.

A year folder keeps the folders of departments whose record has since been removed or given a new code;
nothing is deleted behind the user's back. `run` therefore names the departments of its record set in
`<year>/.summary-roster.json`, and the summary (the exports, the notebook, its fingerprint) reads only
those. Without a roster (a year folder built by hand, a benchmark), every department folder counts.

Light imports only: the unchanged-year check reads the roster on every run.
"""

from __future__ import annotations

import json
from pathlib import Path

from toolkit.core.atomic import write_text
from toolkit.core.problems import InputError, Problem, display_path

RESULT_FILE = "result.json"
ROSTER_FILE = ".summary-roster.json"
_NOTE = (
    "由 audit-toolkit run 写入：年度汇总只包括下列部门文件夹（本次记录集中的部门）；"
    "其他文件夹保留在磁盘上，但不纳入汇总。"
)


def read_roster(year_dir: str | Path) -> frozenset[str] | None:
    """The department codes named in the year's roster, or None when there is none.

    Raises InputError naming the file when it is not the list `run` writes."""
    path = Path(year_dir) / ROSTER_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise InputError([Problem(display_path(path), "", f"无法读取汇总部门名单（应为 JSON 对象）：{exc}")]) from None
    codes = data.get("departments") if isinstance(data, dict) else None
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise InputError([Problem(display_path(path), "departments", "汇总部门名单应为部门代码（字符串）列表")])
    return frozenset(codes)


def write_roster(year_dir: str | Path, codes: set[str] | frozenset[str]) -> None:
    """Name the departments the year's summary covers; the file is left untouched when the list is unchanged."""
    path = Path(year_dir) / ROSTER_FILE
    text = json.dumps({"说明": _NOTE, "departments": sorted(codes)}, ensure_ascii=False, indent=1) + "\n"
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    write_text(path, text)


def result_files(year_dir: str | Path) -> list[Path]:
    """The result.json files the year's summary is made from, by folder name: the roster's departments that
    have a result (a department that never succeeded has none), or every department folder without a roster."""
    year_dir = Path(year_dir)
    roster = read_roster(year_dir)
    found = sorted(year_dir.glob(f"*/{RESULT_FILE}"))
    return found if roster is None else [p for p in found if p.parent.name in roster]


def left_out(year_dir: str | Path, codes: set[str] | frozenset[str]) -> list[str]:
    """Department folders with a result that are not among `codes`: orphans of removed or renamed records."""
    return sorted(p.parent.name for p in Path(year_dir).glob(f"*/{RESULT_FILE}") if p.parent.name not in codes)


def orphan_note(folders: list[str]) -> str:
    """What the run output, run.log and the index say about department folders left out ("year/code")."""
    return (
        f"未纳入汇总和目录：{'、'.join(folders)}（不在本次的记录集中：记录已删除或部门代码已更改；"
        "文件夹仍保留在磁盘上，确认不再需要后可手动删除）"
    )
