"""From a table file to validated records: read, tell the family, then locate, rebuild, extract, assemble.

A fixed rubric's table (the Guangzhou style) becomes one record by the path the rubric leads (layout → tree →
evidence); a target-versus-actual table becomes one record per table under its frame (target_form →
target_record); a region's own score sheet, under a rubric that asks for no budget block (one `rubric infer`
wrote), becomes one record by sheet_record. `--rubric` (the `rubric` argument) overrides the family the table
is told to be. What a reader left out of the grid (a hidden sheet) heads every record's repairs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

from toolkit.core.paths import code_problem
from toolkit.core.problems import InputError, Problem
from toolkit.core.record import FORMAT_VERSION, SCHEMA, Record, parse_record
from toolkit.core.rubric import Rubric, load_rubric
from toolkit.importer.evidence import extract
from toolkit.importer.family import GUANGZHOU_RUBRIC, Verdict, detect
from toolkit.importer.layout import Layout, locate
from toolkit.importer.reading import Repair
from toolkit.importer.sheet_record import ScoreSheet, is_score_sheet_rubric, read_score_sheet
from toolkit.importer.sources import Grid, read_grid
from toolkit.importer.target_form import read_tables
from toolkit.importer.target_record import drafts
from toolkit.importer.tree import Entry, Tree, rebuild

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Imported:
    """A record built from a table, with every repair made on the way."""

    data: dict  # the record, as it will be written
    record: Record  # the same, validated against the rubric
    repairs: tuple[Repair, ...]
    source: Path
    format: str

    @property
    def code(self) -> str:
        return self.data["department"]["code"]

    @property
    def year(self) -> int:
        return self.data["year"]


def code_from(path: Path) -> str | None:
    """A department code from a file name: its ASCII letters, digits, '_', '.', '-' (None if none)."""
    text = re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-._")
    return text if text and CODE_PATTERN.match(text) else None


def import_file(
    path: str | Path,
    rubric: Rubric | str | None = None,
    code: str | None = None,
    year: int | None = None,
    name: str | None = None,
) -> Imported:
    """Import one table file (the first table when it holds several); raises InputError listing every problem."""
    return import_tables(path, rubric, code, year, name)[0]


def import_tables(
    path: str | Path,
    rubric: Rubric | str | None = None,
    code: str | None = None,
    year: int | None = None,
    name: str | None = None,
) -> list[Imported]:
    """Import every table of a file: under `rubric` when given, else under the rubric or frame its family
    has (toolkit.importer.family); a rubric asking for no budget block reads the table as a region's own score
    sheet. `name` is the department's name where the table leaves it blank. Raises InputError listing every
    problem (file, row, what was expected)."""
    path = Path(path)
    grid = read_grid(path)
    bound, chosen = _choose(grid, rubric)
    if is_score_sheet_rubric(bound):
        done = [_import_sheet(path, grid, bound, (code, year, name))]
    elif name is not None:
        message = f"--name 仅用于地区自有评分表（按 {bound.id} 导入的表格，部门名称取自表格本身）"
        raise InputError([Problem(grid.file, "--name", message)])
    elif bound.is_frame:
        done = _import_target(path, grid, bound, chosen, code, year)
    else:
        done = [_import_fixed(path, grid, bound, code, year)]
    # What the reader left out (a hidden sheet) heads every record's repairs, so the import report says so.
    told = tuple(Repair(None, note) for note in grid.notes)
    return [replace(d, repairs=told + d.repairs) for d in done] if told else done


def _choose(grid: Grid, rubric: Rubric | str | None) -> tuple[Rubric, Repair | None]:
    """The rubric or frame to import with, and (under a frame) the repair saying why it was chosen."""
    if rubric is not None:
        bound = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
        note = f"按指定的评价框架 {bound.id} 导入（未按表格识别类型）"
        return bound, Repair(None, note) if bound.is_frame else None
    found = detect(grid)
    verdict = found.chosen
    if verdict is None:
        if found.evidence:
            raise InputError([Problem(grid.file, "", found.failure())])
        return load_rubric(GUANGZHOU_RUBRIC), None  # no form's labels at all: say what the default expects
    if verdict.rubric is None:
        raise InputError([Problem(grid.file, "", _score_sheet_message(grid, verdict))])
    bound = load_rubric(verdict.rubric)
    note = f"表格识别为{verdict.family}：{verdict.why}；按评价框架 {bound.id} 导入"
    return bound, Repair(None, note) if bound.is_frame else None


def _score_sheet_message(grid: Grid, verdict: Verdict) -> str:
    return (
        f"表格是{verdict.family}（{verdict.why}），没有内置指标体系能列出它的指标：请先运行 "
        f"audit-toolkit rubric infer {grid.file} -o 指标体系.yaml 由表格推断指标体系，再用 --rubric 指定该文件导入"
    )


def _import_target(
    path: Path, grid: Grid, frame: Rubric, chosen: Repair | None, code: str | None, year: int | None
) -> list[Imported]:
    """Every table of a target-versus-actual file, one record each, validated under the frame."""
    shown = grid.file
    tables = read_tables(list(grid.rows), shown)
    general: list[Repair] = [chosen] if chosen is not None else []
    base = _target_code(path, code, shown, general)
    if len(tables) > 1:
        letters = "、".join(f"-{chr(97 + n)}" for n in range(len(tables)))
        general.append(
            Repair(None, f"文件含 {len(tables)} 张表，导入为 {len(tables)} 份记录，部门代码依次加 {letters}")
        )
    for table in tables:
        table.repairs[:0] = general
    done, problems = [], []
    for draft in drafts(path, grid, frame, tables, base, year):
        problems += [Problem(shown, p.field, p.message, p.line) for p in draft.problems]
        try:
            record = parse_record(draft.data, f"{shown}（导入结果）", frame)
        except InputError as exc:
            problems += [Problem(shown, p.field, f"导入结果无效：{p.message}") for p in exc.problems]
            continue
        done.append(Imported(draft.data, record, draft.repairs, path, grid.format))
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.line or 0)[:MAX_PROBLEMS])
    return done


def _target_code(path: Path, code: str | None, shown: str, repairs: list[Repair]) -> str:
    """The code given, else one from the file name, else one from its hash (a repair); a bad one is refused."""
    made = code or code_from(path)
    if made is None:
        made = "dept-" + hashlib.sha256(path.name.encode("utf-8")).hexdigest()[:8]
        note = f"文件名“{path.name}”中没有可作部门代码的英文字母或数字，部门代码暂记为 {made}（可用 --code 指定）"
        repairs.append(Repair(None, note))
    problem = code_problem(made)
    if problem is not None:
        raise InputError([Problem(shown, "department.code", f"部门代码“{made}”：{problem}")])
    return made


def _import_sheet(path: Path, grid: Grid, rubric: Rubric, given: tuple[str | None, int | None, str | None]) -> Imported:
    """A region's own score sheet under its rubric: the department and year given or printed, the scores read."""
    code, year, name = given
    shown = grid.file
    sheet = read_score_sheet(path, grid, rubric)
    problems = list(sheet.tree.problems)
    code = _target_code(path, code, shown, sheet.tree.repairs)
    name = name or sheet.name
    if not name:
        problems.append(Problem(shown, "部门名称", "表中没有填写单位（部门）名称，请用 --name 指定"))
    year = year or sheet.year
    if year is None:
        problems.append(Problem(shown, "year", "表格标题中没有年度（如“2022年度”），请用 --year 指定"))
    if problems:
        raise InputError(sorted(problems, key=lambda p: p.line or 0)[:MAX_PROBLEMS])
    data = _sheet_data(path, grid, rubric, sheet, {"name": name, "code": code}, year)
    try:
        record = parse_record(data, f"{shown}（导入结果）", rubric)
    except InputError as exc:
        raise InputError([Problem(shown, p.field, f"导入结果无效：{p.message}") for p in exc.problems]) from None
    return Imported(data, record, tuple(sheet.tree.repairs), path, grid.format)


def _sheet_data(path: Path, grid: Grid, rubric: Rubric, sheet: ScoreSheet, department: dict, year: int | None) -> dict:
    """The record of a score sheet: entries by id under a fixed rubric, rows as printed under a frame."""
    entries = {e.indicator.id: _indicator(e) for e in sheet.tree.entries}
    if rubric.is_frame:
        rows = [
            {"path": [g.label for g in e.indicator.groups], "name": e.indicator.id, **entries[e.indicator.id]}
            for e in sheet.tree.entries
        ]
        indicators: object = rows + sheet.open_rows
    else:
        indicators = entries
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    general = "；".join(str(r) for r in sheet.tree.repairs if r.row is None)
    return {
        "schema": SCHEMA,
        "format_version": FORMAT_VERSION,
        "fictional": False,
        "kind": rubric.declaration.kind,
        "department": department,
        "year": year,
        "rubric": rubric.id,
        "source": (
            f"{sheet.title + '，' if sheet.title else ''}由 audit-toolkit import 自 {path.name}（{grid.format}，"
            f"SHA-256 {digest}…）按评分表 {rubric.id} 导入{'；' + general if general else ''}"
        ),
        "indicators": indicators,
    }


def _import_fixed(path: Path, grid: Grid, bound: Rubric, code: str | None, year: int | None) -> Imported:
    """A table of a fixed rubric (the Guangzhou-style path): located, rebuilt from the rubric, assembled."""
    layout = locate(grid, bound)
    shown = grid.file
    problems = [Problem(shown, p.field, p.message, p.line) for p in layout.problems]
    if not layout.blocks:
        problems.append(Problem(shown, "", "未找到指标表的表头行（应有“一级指标 … 三级指标 … 分值 … 得分”等列名）"))
        raise InputError(problems)
    tree = rebuild(layout, bound, shown)
    problems += tree.problems
    if not tree.entries and not tree.problems:
        problems.append(Problem(shown, "", f"表头下没有任何可识别的指标行（第 {layout.blocks[0].columns.row} 行之后）"))
    data = _assemble(path, grid, layout, tree, bound, code, year, problems)
    if problems:
        problems.sort(key=lambda p: p.line or 0)
        if len(problems) > MAX_PROBLEMS:  # a file that is wrong everywhere is not helped by 5000 lines
            hidden = len(problems) - MAX_PROBLEMS
            problems = problems[:MAX_PROBLEMS] + [
                Problem(shown, "", f"另有 {hidden} 个问题未列出；此文件多半不是本评价指标体系的自评表")
            ]
        raise InputError(problems)
    try:
        record = parse_record(data, f"{shown}（导入结果）", bound)
    except InputError as exc:  # the importer built something the schema rejects: say where it came from
        raise InputError([Problem(shown, p.field, f"导入结果无效：{p.message}") for p in exc.problems]) from None
    return Imported(data, record, tuple(_all_repairs(layout, tree)), path, grid.format)


def _all_repairs(layout: Layout, tree: Tree) -> list[Repair]:
    out = [Repair(row, "分页处重复的表头，已略去（其后各行接续前表）") for row in layout.repeated_headers]
    for found in (layout.department, layout.units, layout.budget, layout.total, layout.grade):
        if found is not None:
            out += [Repair(found.row, note) for note in found.notes]
    return out + tree.repairs


def _assemble(
    path: Path,
    grid: Grid,
    layout: Layout,
    tree: Tree,
    rubric: Rubric,
    code: str | None,
    year: int | None,
    problems: list[Problem],
) -> dict:
    """The record as it will be written; what it cannot hold is added to `problems`."""
    code = _department_code(path, code, grid.file, tree, problems)
    if year is None and layout.year is not None:
        year = layout.year.value
    _check_required(layout, year, grid.file, problems)
    budget = layout.budget.value if layout.budget else {"total": 0, "components": {}}
    return {
        "schema": SCHEMA,
        "format_version": FORMAT_VERSION,
        "fictional": False,
        "department": _department(layout, code),
        "year": year,
        "rubric": rubric.id,
        "source": _source_note(path, grid, layout, tree),
        "goals": list(layout.goals.value) if layout.goals else [],
        "completions": list(layout.completions.value) if layout.completions else [],
        "unmet_reasons": list(layout.unmet.value) if layout.unmet else [],
        "budget": {"unit": "万元", **budget},
        "indicators": {entry.indicator.id: _indicator(entry) for entry in tree.entries},
        "stated_total": layout.total.value if layout.total else None,
        "stated_grade": layout.grade.value if layout.grade else None,
    }


def _department_code(path: Path, code: str | None, shown: str, tree: Tree, problems: list[Problem]) -> str:
    """The code given, else one from the file name, else one from its hash (a repair); a bad code is a problem."""
    code = code or code_from(path)
    if code is None:
        code = "dept-" + hashlib.sha256(path.name.encode("utf-8")).hexdigest()[:8]
        tree.repairs.append(
            Repair(
                None,
                f"文件名“{path.name}”中没有可作部门代码的英文字母或数字，部门代码暂记为 {code}（可用 --code 指定）",
            )
        )
    elif not CODE_PATTERN.match(code):
        problems.append(
            Problem(shown, "department.code", f"部门代码“{code}”只能含英文字母、数字、_ . -，且以字母或数字开头")
        )
    return code


def _check_required(layout: Layout, year: int | None, shown: str, problems: list[Problem]) -> None:
    """A problem for each part the record needs and the table does not give: year, department, budget."""
    if year is None:
        problems.append(Problem(shown, "year", "表格标题中没有年度（如“2022年度”），请用 --year 指定"))
    if layout.department is None:
        problems.append(Problem(shown, "部门名称", "未找到“部门名称”，标题中也没有部门名称"))
    if layout.budget is None and not any(p.field in ("预算", "总预算") for p in problems):
        problems.append(Problem(shown, "预算", "未找到“年度部门预算情况”中的“总预算”及其构成（万元）"))


def _department(layout: Layout, code: str) -> dict[str, object]:
    """The record's department: its name, its code and, when the table gives it, its number of units."""
    department: dict[str, object] = {"name": layout.department.value if layout.department else "", "code": code}
    if layout.units is not None and layout.units.value is not None:
        department["units"] = layout.units.value
    return department


def _indicator(entry: Entry) -> dict[str, object]:
    """One indicator's record: its self-score, reason, measure, evidence found in the reason, and its source."""
    item: dict[str, object] = {"self_score": entry.score}
    if entry.reason:
        item["reason"] = entry.reason
    if entry.measure:
        item["measure"] = entry.measure
    evidence, note = extract(entry.indicator, entry.reason)
    if evidence:
        item["evidence"] = evidence
    where = f"原表第 {entry.row} 行" + (f"（分页后第 {entry.position} 行）" if entry.page else "")
    notes = list(entry.notes) + ([note] if note else [])
    item["source"] = "；".join([where, *notes])
    return item


def _source_note(path: Path, grid: Grid, layout: Layout, tree: Tree) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    title = f"{layout.title}，" if layout.title else ""
    repairs = _all_repairs(layout, tree)
    general = [str(r) for r in repairs if r.indicator is None]
    kept = f"表格层面的修复：{'；'.join(general)}；" if general else ""
    return (
        f"{title}由 audit-toolkit import 自 {path.name}（{grid.format}，SHA-256 {digest}…）导入；"
        f"共修复 {len(repairs)} 处。{kept}各指标的修复见其 source 说明"
    )
