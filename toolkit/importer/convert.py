"""From a table file to a validated department record: read, locate, rebuild, extract, assemble."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from toolkit.core.problems import InputError, Problem
from toolkit.core.record import FORMAT_VERSION, SCHEMA, Record, parse_record
from toolkit.core.rubric import Rubric, load_rubric
from toolkit.importer.evidence import extract
from toolkit.importer.layout import Layout, locate
from toolkit.importer.sources import Grid, read_grid
from toolkit.importer.tree import Repair, Tree, rebuild

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


def import_file(path: str | Path, rubric: Rubric | str, code: str | None = None, year: int | None = None) -> Imported:
    """Import one table file; raises InputError listing every problem (file, row, what was expected)."""
    path = Path(path)
    bound = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
    grid = read_grid(path)
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
    shown = grid.file
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
    if year is None and layout.year is not None:
        year = layout.year.value  # type: ignore[assignment]
    if year is None:
        problems.append(Problem(shown, "year", "表格标题中没有年度（如“2022年度”），请用 --year 指定"))
    if layout.department is None:
        problems.append(Problem(shown, "部门名称", "未找到“部门名称”，标题中也没有部门名称"))
    if layout.budget is None and not any(p.field in ("预算", "总预算") for p in problems):
        problems.append(Problem(shown, "预算", "未找到“年度部门预算情况”中的“总预算”及其构成（万元）"))
    department = {"name": layout.department.value if layout.department else "", "code": code}
    if layout.units is not None and layout.units.value is not None:
        department["units"] = layout.units.value
    indicators: dict[str, dict] = {}
    for entry in tree.entries:
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
        indicators[entry.indicator.id] = item
    budget = layout.budget.value if layout.budget else {"total": 0, "components": {}}
    data = {
        "schema": SCHEMA,
        "format_version": FORMAT_VERSION,
        "fictional": False,
        "department": department,
        "year": year,
        "rubric": rubric.id,
        "source": _source_note(path, grid, layout, tree),
        "goals": list(layout.goals.value) if layout.goals else [],
        "completions": list(layout.completions.value) if layout.completions else [],
        "unmet_reasons": list(layout.unmet.value) if layout.unmet else [],
        "budget": {"unit": "万元", **budget},
        "indicators": indicators,
        "stated_total": layout.total.value if layout.total else None,
        "stated_grade": layout.grade.value if layout.grade else None,
    }
    return data


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
