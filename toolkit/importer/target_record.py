"""A target-versus-actual table read (toolkit.importer.target_form) as the record it becomes under its frame.

Each table of a file becomes one record: the department or project with its codes removed from the names, the
year (given, printed, or — for a fragment that starts below its header — the next table's, said so), the
execution block, the rows as printed, the total, the evaluation, and `incomplete` naming where a cut table
stops. A file holding several tables gives each record the file's code with a letter (…-a, …-b).
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from pathlib import Path

from toolkit.core.problems import Problem
from toolkit.core.record import FORMAT_VERSION, SCHEMA
from toolkit.core.rubric import Rubric
from toolkit.importer.reading import Repair
from toolkit.importer.sources import Grid
from toolkit.importer.target_form import Table, is_self, strip_code
from toolkit.importer.text import shown


@dataclass(frozen=True)
class Draft:
    """One table's record as it will be written, with its repairs and what prevents it."""

    data: dict
    repairs: tuple[Repair, ...]
    problems: tuple[Problem, ...]


def drafts(path: Path, grid: Grid, frame: Rubric, tables: list[Table], code: str, year: int | None) -> list[Draft]:
    """Every table's record; several tables get the code with a letter each."""
    out = []
    for n, table in enumerate(tables):
        own = code if len(tables) == 1 else f"{code}-{string.ascii_lowercase[n % 26]}"
        neighbour = tables[n + 1] if n + 1 < len(tables) else (tables[n - 1] if n else None)
        out.append(_draft(path, grid, frame, table, neighbour, own, year, letter_of(n, len(tables))))
    return out


def letter_of(n: int, count: int) -> str | None:
    return string.ascii_uppercase[n % 26] if count > 1 else None


def _draft(
    path: Path,
    grid: Grid,
    frame: Rubric,
    table: Table,
    neighbour: Table | None,
    code: str,
    year: int | None,
    letter: str | None,
) -> Draft:
    repairs = list(table.repairs)
    problems = list(table.problems)
    department = _department(table, neighbour, frame, code, letter, repairs, problems)
    year = _year(table, neighbour, year, grid.file, repairs, problems)
    data: dict = {
        "schema": SCHEMA,
        "format_version": FORMAT_VERSION,
        "fictional": False,
        "kind": frame.declaration.kind,
        "department": department,
        "year": year,
        "rubric": frame.id,
        "source": "",
        "goals": table.goals,
        "completions": table.completions,
    }
    if table.budget is not None:
        data["execution"] = table.budget.value
    data["indicators"] = table.rows.rows if table.rows is not None else []
    _closing(table, data)
    data["source"] = _source_note(path, grid, table, repairs, letter)
    return Draft(data, tuple(repairs), tuple(problems))


def _closing(table: Table, data: dict) -> None:
    """The total, the evaluation and where the table is incomplete, when it has them."""
    if table.stated_total is not None:
        data["stated_total"] = table.stated_total
    if table.total_is_weight:
        data["stated_total_is_weight"] = True
    if table.evaluation:
        data["evaluation"] = dict(table.evaluation)
    incomplete = incompleteness(table)
    if incomplete:
        data["incomplete"] = incomplete


def incompleteness(table: Table) -> str | None:
    """Where the table is incomplete: a fragment without its header, a table cut in its indicator rows."""
    parts = []
    if table.headless:
        parts.append(
            f"表格自原表第 {table.first_row} 行的绩效指标表头起，其上的项目名称、主管部门、实施单位、年度目标和"
            "预算执行情况（含其得分）均未见"
        )
    rows = table.rows
    if rows is not None and rows.cut:
        last = rows.rows[-1] if rows.rows else {}
        where = " / ".join(last.get("path", [])) or "指标表"  # type: ignore[arg-type]
        name = f"“{last['name']}”" if last.get("name") else ""
        parts.append(f"表格在原表第 {rows.last_row} 行（{where}{name}）处截断，其后各行及合计均未见")
    return "；".join(parts) or None


def _named(table: Table, field: str, repairs: list[Repair]) -> str | None:
    text = table.header.get(field)
    if not text:
        return None
    name, stripped = strip_code(text)
    if stripped:
        repairs.append(Repair(None, f"“{shown(text, 40)}”记为“{name}”（去掉名称前的编码）"))
    return name


def _department(
    table: Table,
    neighbour: Table | None,
    frame: Rubric,
    code: str,
    letter: str | None,
    repairs: list[Repair],
    problems: list[Problem],
) -> dict[str, object]:
    own = "name" if frame.declaration.kind == "project" else "department"
    name = _named(table, own, repairs) or (None if own == "name" else _named(table, "unit", repairs))
    department: dict[str, object] = {"name": name or "", "code": code}
    for field in ("supervisor", "implementer"):
        if (value := _named(table, field, repairs)) is not None:
            department[field] = value
    unit = table.header.get("unit")
    if unit and is_self(str(department.get("implementer", ""))):
        repairs.append(Repair(None, f"实施单位“{department['implementer']}”记为表头的单位名称“{unit}”"))
        department["implementer"] = unit
    if not name:
        _unnamed(table, neighbour, own, letter, department, repairs, problems)
    return department


def _unnamed(
    table: Table,
    neighbour: Table | None,
    own: str,
    letter: str | None,
    department: dict[str, object],
    repairs: list[Repair],
    problems: list[Problem],
) -> None:
    """A fragment without its header is named after the unit of the table beside it; any other table must
    name itself."""
    what = "项目名称" if own == "name" else "部门名称"
    if not (table.headless and neighbour is not None and letter is not None):
        problems.append(Problem("", what, f"未找到“{what}”（表头应有“{what}”一栏）", table.first_row))
        return
    unit = neighbour.header.get("implementer") or neighbour.header.get("supervisor") or ""
    unit = strip_code(unit)[0]
    department["name"] = f"{unit}项目（片段{letter}，{what}未见）"
    repairs.append(
        Repair(table.first_row, f"片段{letter}没有表头，名称记为“{department['name']}”（单位取自同一文件的另一张表）")
    )


def _year(
    table: Table,
    neighbour: Table | None,
    year: int | None,
    shown_file: str,
    repairs: list[Repair],
    problems: list[Problem],
) -> int | None:
    if year is not None:
        return year
    if table.year is not None:
        return table.year
    if table.headless and neighbour is not None and neighbour.year is not None:
        repairs.append(
            Repair(table.first_row, f"片段没有标题，年度取自同一文件另一张表的标题（{neighbour.year} 年度）")
        )
        return neighbour.year
    problems.append(Problem(shown_file, "year", "表格标题及其下一行中没有年度（如“（2022年度）”），请用 --year 指定"))
    return None


def _source_note(path: Path, grid: Grid, table: Table, repairs: list[Repair], letter: str | None) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    title = f"{table.title}，" if table.title else ""
    part = f"其中第 {letter} 张表（原表第 {table.first_row} 行起）" if letter else ""
    general = [str(r) for r in repairs if r.indicator is None and r.row is None]
    kept = f"表格层面的修复：{'；'.join(general)}；" if general else ""
    return (
        f"{title}由 audit-toolkit import 自 {path.name}（{grid.format}，SHA-256 {digest}…）导入{part}；"
        f"共修复 {len(repairs)} 处。{kept}各行的修复见导入时列出的修复清单"
    )
