"""A rubric read off a region's own score sheet: `audit-toolkit rubric infer`.

The header (toolkit.importer.sheet_header) says which columns hold the levels, the weights, the explanations
and the standards; the rows (toolkit.importer.sheet_tree) give the tree; each leaf's standard gives its rule
where it states one the toolkit has (toolkit.importer.standards), else judgement. The rubric records the file it
was inferred from and its SHA-256, asks records for no budget block (these sheets have none), and is validated
like any other. A table holding several sheets gives one rubric per sheet (`sheet`, counted from 1).

Complete means every level's weight is the sum of its children and the level-1 weights add up to the total
(the printed one, else 100). An incomplete sheet is still turned into a rubric, for `--allow-partial`: each
group then weighs what its visible children add up to (the printed weight is kept in its explanation), leaves
without a weight are left out, the title ends in 「（不完整）」 and `source` lists every mismatch.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from toolkit.core.atomic import write_bytes
from toolkit.core.numbers import ZERO, fmt
from toolkit.core.problems import InputError, Problem, display_path
from toolkit.core.rubric import FORMAT_VERSION, SCHEMA, Node, OpenGroup, Rubric, dump_rubric, parse_rubric
from toolkit.core.rules import Judgement
from toolkit.core.yamlio import read_yaml
from toolkit.importer.sheet_header import Header, find_headers, level_name
from toolkit.importer.sheet_tree import TOTAL, Draft, Mismatch, Sheet, mismatches, read_sheet
from toolkit.importer.sources import Grid, fail, read_grid
from toolkit.importer.standards import recognise, rule_params

INCOMPLETE = "（不完整）"
# These sheets print no grade bands; the usual ones of department-overall evaluations stand in for them.
GRADES = ({"grade": "优", "min": 90}, {"grade": "良", "min": 80}, {"grade": "中", "min": 60}, {"grade": "差", "min": 0})


@dataclass(frozen=True, slots=True)
class RuleSource:
    """Which words of the standard an indicator's rule was read from (or why a stated rule was not carried)."""

    indicator: str
    row: int
    type: str
    fragment: str
    note: str


@dataclass(frozen=True)
class Inferred:
    """A rubric read off one sheet of a table, with every weight mismatch and where each rule came from."""

    rubric: Rubric
    mismatches: tuple[Mismatch, ...]
    rules: tuple[RuleSource, ...]
    sheets: tuple[tuple[int, int], ...]  # first and last row of every sheet in the table
    sheet: int  # which of them, from 1
    file: str
    notes: tuple[str, ...] = ()  # what the sheet's header gets wrong and how it was read anyway

    @property
    def complete(self) -> bool:
        return not self.mismatches


def infer_rubric(path: str | Path, rubric_id: str | None = None, sheet: int = 1) -> Inferred:
    """The rubric of sheet `sheet` of the table at `path`; InputError when the table holds no score sheet."""
    path = Path(path)
    grid, headers, sheets = read_sheets(path)
    if not 1 <= sheet <= len(headers):
        raise fail(path, f"表中共有 {len(headers)} 张评分表，没有第 {sheet} 张")
    read = sheets[sheet - 1]
    found = tuple(mismatches(read))
    builder = _Builder()
    tree = builder.nodes(read.tree)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    notes = _header_notes(headers[sheet - 1], grid)
    context = _context(grid, headers, sheet - 1)
    title = _title(context, path, sheet) + (INCOMPLETE if found else "")
    data = {
        "schema": SCHEMA,
        "format_version": FORMAT_VERSION,
        "id": rubric_id or (path.stem if sheet == 1 else f"{path.stem}-{sheet}"),
        "version": "1",
        "title": title,
        "source": _source(
            grid, (grid.rows[headers[sheet - 1].first].number, read.last), sheet, len(headers), found, builder.rules
        )
        + "".join(f"{note}。" for note in notes),
        "family": "target" if any(n.open is not None for n in _walk(tree)) else "fixed",
        "kind": "project" if "项目" in context and "整体" not in context else "department",
        "inferred_from": f"{path.name} sha256:{digest}",
        "requires": (),
        "total_weight": sum((n.weight for n in tree), ZERO),
        "grades": GRADES,
        "tree": tree,
    }
    rubric = parse_rubric(data, f"{display_path(path)}（推断的指标体系）")
    spans = tuple((grid.rows[h.first].number, s.last) for h, s in zip(headers, sheets))
    return Inferred(rubric, found, tuple(builder.rules), spans, sheet, display_path(path), notes)


def _header_notes(header: Header, grid: Grid) -> tuple[str, ...]:
    """What a reviewer would say of the sheet's header: its weights under the name 得分, say."""
    if not header.columns.weights_headed_score:
        return ()
    row = grid.rows[header.first].number
    return (
        f"第 {row} {grid.row_word}表头把各级指标的分值写在标为“得分”的栏中（分值与得分的栏名混用），已按分值读取；"
        "自评得分只取最后一栏“得分”",
    )


def read_sheets(path: Path, grid: Grid | None = None) -> tuple[Grid, list[Header], list[Sheet]]:
    """The table at `path` (read unless given), the header of every score sheet in it and each sheet's tree;
    InputError when it holds none."""
    grid = grid or read_grid(path)
    headers = find_headers(grid.rows)
    if not headers:
        raise fail(path, "未找到评分表表头：应有一行写明一级指标、二级指标等各级指标名称")
    return grid, headers, [_read(grid, headers, n) for n in range(len(headers))]


def leaf_ids(sheet: Sheet) -> dict[Draft, str]:
    """The indicator id `rubric infer` gives each weighted row of a sheet (the same rows, the same ids)."""
    builder = _Builder()
    builder.nodes(sheet.tree)
    return builder.ids


def _read(grid: Grid, headers: list[Header], at: int) -> Sheet:
    """Sheet `at` (from 0): the rows below its header, up to the next header."""
    end = headers[at + 1].first if at + 1 < len(headers) else len(grid.rows)
    return read_sheet(grid.rows[headers[at].last + 1 : end], headers[at].columns)


class _Builder:
    """Drafts into rubric nodes: ids made unique, rules recognised, incomplete groups weighed by what is visible."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.rules: list[RuleSource] = []
        self.ids: dict[Draft, str] = {}

    def nodes(self, drafts: list[Draft] | tuple[Draft, ...], parent: str = "") -> tuple[Node, ...]:
        return tuple(n for at, d in enumerate(drafts, 1) if (n := self.node(d, parent, at)) is not None)

    def node(self, d: Draft, parent: str = "", at: int = 1) -> Node | None:
        if d.weight is None:
            return None  # only in an incomplete sheet: the mismatch says so
        ident, name = self._id(d, parent, at)
        self.ids[d] = ident
        explanation = " ".join(d.explanation) or None
        common = {"id": ident, "name": name, "placeholder": d.name is None}
        if d.open_from is not None:
            return Node(**common, weight=d.weight, explanation=_open_note(d), **_open(d))
        if d.children:
            children = self.nodes(d.children, ident)
            weight = sum((c.weight for c in children), ZERO)
            if d.stated is not None and weight != d.stated:
                seen = f"原表标明 {fmt(d.stated)} 分，可见下级合计 {fmt(weight)} 分（表格不完整）"
                explanation = f"{explanation} {seen}" if explanation else seen
            return Node(**common, weight=weight, explanation=explanation, children=children) if children else None
        found = recognise(" ".join(d.standard), d.weight)
        self.rules.append(RuleSource(ident, d.row, found.rule.type, found.fragment, found.note))
        return Node(**common, weight=d.weight, explanation=explanation, rule=found.rule)

    def _id(self, d: Draft, parent: str, at: int) -> tuple[str, str | None]:
        """A readable unique id and the name, when it differs from the id: the name without blanks; an unnamed
        node is numbered within its group (采购管理-2), as the built-in rubrics and frames number them."""
        base = re.sub(r"\s+", "", d.name) if d.name else f"{parent or level_name(d.level)}-{at}"
        made, n = base, 2
        while made in self.used:
            made, n = f"{base}（{n}）", n + 1
        self.used.add(made)
        return made, d.name if d.name and d.name != made else None


def _open(d: Draft) -> dict:
    assert d.open_from is not None
    # The department-specific row stands where the indicators will: records bring them right under the group.
    return {"open": OpenGroup(levels=()), "leaf_rule": Judgement(type="judgement")}


def _open_note(d: Draft) -> str:
    marker = d.open_from
    assert marker is not None
    rows = f"第 {marker.row} 行" if marker.last_row == marker.row else f"第 {marker.row}–{marker.last_row} 行"
    return f"其下指标由各部门填写（原表{level_name(marker.level)}“{marker.label}”，{rows}留空）"


def _walk(nodes: tuple[Node, ...]) -> list[Node]:
    return [m for n in nodes for m in (n, *_walk(n.children))]


def _context(grid: Grid, headers: list[Header], at: int) -> str:
    """The text above a sheet's header, back to the previous sheet's header (titles, captions)."""
    start = headers[at - 1].last + 1 if at else 0
    rows = grid.rows[start : headers[at].first]
    return "\n".join(" ".join(c.strip() for c in r.cells if c.strip()) for r in rows)


def _title(context: str, path: Path, sheet: int) -> str:
    lines = [line for line in context.splitlines() if "表" in line and len(line) <= 60]
    return lines[-1] if lines else f"{path.stem} 第 {sheet} 张评分表"


def where(m: Mismatch, row_word: str = "行") -> str:
    """ "第 25 行 一级指标“过程”" (or "总分" for the sheet as a whole)."""
    at = f"第 {m.row} {row_word} " if m.row is not None else ""
    return f"{at}{m.level}" if m.level == TOTAL else f"{at}{m.level}“{m.label}”"


def _source(
    grid: Grid, span: tuple[int, int], at: int, count: int, found: tuple[Mismatch, ...], rules: list[RuleSource]
) -> str:
    parts = [f"自 {Path(grid.file).name} 第 {span[0]}–{span[1]} {grid.row_word}推断（{grid.format}"]
    parts[0] += f"，第 {at}/{count} 张评分表）" if count > 1 else "）"
    if found:
        parts.append("不完整：" + "；".join(f"{where(m, grid.row_word)}{m.message}" for m in found))
    else:
        parts.append("各级分值均等于下级合计")
    read = [f"{r.indicator} ← {r.type}（第 {r.row} {grid.row_word}“{r.fragment}”）" for r in rules if r.fragment]
    if read:
        parts.append("计分规则取自评分标准：" + "；".join(read))
    kept = [f"{r.indicator}：{r.note}，按评价人判断" for r in rules if r.note]
    if kept:
        parts.append("未采用的规则：" + "；".join(kept))
    return "。".join(parts) + "。"


def mismatch_problems(inferred: Inferred) -> list[Problem]:
    """Every mismatch as a problem: file, row, level and the weights."""
    problems = [
        Problem(inferred.file, m.level if m.level == TOTAL else f"{m.level}“{m.label}”", m.message, m.row)
        for m in inferred.mismatches
    ]
    return problems


def write_rubric(inferred: Inferred, target: str | Path, force: bool = False) -> Path:
    """Write the rubric atomically (checked to load back first); an existing file only with `force`."""
    target = Path(target)
    if target.exists() and not force:
        raise InputError([Problem(display_path(target), "", "文件已存在，未覆盖；如需覆盖请加 --force")])
    return write_bytes(target, rubric_text(inferred).encode("utf-8"), check=_loads)


def rubric_text(inferred: Inferred) -> str:
    """The rubric file's text: a comment naming where it came from, then the canonical YAML."""
    state = "完整" if inferred.complete else "不完整，仅含可见部分"
    head = f"# 由 audit-toolkit rubric infer 自 {Path(inferred.file).name} 推断（{state}）；使用前请核对。\n"
    return head + dump_rubric(inferred.rubric)


def _loads(path: Path) -> None:
    parse_rubric(read_yaml(path, "评价指标体系"), path)


def summary_lines(inferred: Inferred) -> list[str]:
    """What `rubric infer` tells the user about the rubric it read (in Chinese)."""
    rubric = inferred.rubric
    first, last = inferred.sheets[inferred.sheet - 1]
    lines = [f"已读取 {inferred.file} 第 {inferred.sheet} 张评分表（第 {first}–{last} 行）"]
    others = [f"第 {a}–{b} 行（--sheet {n}）" for n, (a, b) in enumerate(inferred.sheets, 1) if n != inferred.sheet]
    if others:
        lines[0] += f"；表中另有评分表：{'、'.join(others)}"
    opened = [n.label for n in _walk(rubric.tree) if n.open is not None]
    told = f"，开放分组（由部门填写）：{'、'.join(opened)}" if opened else ""
    lines.append(
        f"指标体系 {rubric.id}：一级指标 {len(rubric.tree)} 项，末级指标 {len(rubric.indicators)} 项{told}，"
        f"总分 {fmt(rubric.total_weight)}{'' if inferred.complete else '（可见部分）'}"
    )
    if inferred.complete:
        lines.append("各级分值均等于下级合计。")
    else:
        lines.append(f"表格不完整：{len(inferred.mismatches)} 处分值不符（逐条列于下方）。")
    lines += [f"{note}。" for note in inferred.notes]
    lines += _rule_lines(inferred)
    return lines


def _rule_lines(inferred: Inferred) -> list[str]:
    by_id = {i.id: i for i in inferred.rubric.indicators}
    lines = []
    for r in inferred.rules:
        if r.fragment:
            shown = rule_params(by_id[r.indicator].rule)
            lines.append(f"  {r.indicator}：{r.type}（{shown}）← 第 {r.row} 行“{r.fragment}”")
        elif r.note:
            lines.append(f"  {r.indicator}：judgement（{r.note}）")
    judged = sum(1 for r in inferred.rules if not r.fragment)
    head = f"计分规则：{len(inferred.rules) - judged} 项取自评分标准，{judged} 项按评价人判断（judgement）"
    return [head + ("：" if lines else "。"), *lines]
