"""A region's own score sheet read under a score-sheet rubric (one that asks records for no budget block).

The sheet is read by the same header and tree readers as `rubric infer` (toolkit.importer.rubric_sheet), so its
rows get the ids the inferred rubric gives them; of several sheets in a file, the one whose rows match most of
the rubric's indicators is taken. Each indicator row brings its self score (得分), and its reason (扣分原因 …)
and measure (改进措施) where the sheet has those columns; without a reason column a deducted row keeps its
指标说明 text as the reason (some sheets write the arithmetic there). A score is never guessed: a row whose
得分 is blank is left out of the record, said so, and scoring lists it as missing at 0; a sheet with no score
at all (an unfilled template) is said so in one line. Rows under a group the rubric leaves open (部门特性指标)
are the department's own indicators, listed as printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from toolkit.core.numbers import fmt
from toolkit.core.problems import Problem
from toolkit.core.rubric import Node, Rubric
from toolkit.importer.reading import Repair
from toolkit.importer.rubric_sheet import leaf_ids, read_sheets
from toolkit.importer.sheet_header import Header
from toolkit.importer.sheet_tree import Draft, Sheet
from toolkit.importer.sources import Grid, Row
from toolkit.importer.text import clean, parse_number, shown
from toolkit.importer.tree import Entry, Tree

_UNIT_CAPTION = re.compile(
    r"^(?:填报单位|单位名称|部门名称|部门\s*[(（]\s*单位\s*[)）]\s*名称|单位|部门)\s*(?:[:：]\s*(.*))?$"
)
_NOT_A_NAME = {"", "万元", "元", "%", "（盖章）", "(盖章)"}
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年度")


@dataclass
class ScoreSheet:
    """What a score sheet gives a record: the fixed indicators' entries, the rows under open groups, and what
    the sheet itself names (unit, year)."""

    tree: Tree
    open_rows: list[dict] = field(default_factory=list)  # frames: the department's own indicators, as printed
    name: str | None = None
    year: int | None = None
    title: str | None = None
    blank: bool = False  # no score in the whole sheet


def is_score_sheet_rubric(rubric: Rubric) -> bool:
    """A rubric of a region's own score sheet: its records carry no budget or execution block."""
    return not rubric.declaration.requires


def read_score_sheet(path: Path, grid: Grid, rubric: Rubric) -> ScoreSheet:
    """The entries of the sheet in `grid` that fits `rubric` best, with every repair and problem."""
    _, headers, sheets = read_sheets(path, grid)
    matched = [_matches(s, rubric) for s in sheets]
    best = max(range(len(sheets)), key=lambda n: matched[n])
    sheet, header = sheets[best], headers[best]
    out = ScoreSheet(Tree([], [], []), name=_caption(grid.rows), year=_year(grid, header), title=_title(grid, header))
    if not matched[best]:
        names = "、".join(i.label for i in rubric.indicators[:5])
        out.tree.problems.append(
            Problem(grid.file, "", f"表中的评分表没有评价指标体系 {rubric.id} 的指标（应有 {names} …）")
        )
        return out
    if len(sheets) > 1:
        span = f"第 {sheet.first}–{sheet.last} {grid.row_word}"
        out.tree.repairs.append(Repair(None, f"文件含 {len(sheets)} 张评分表，导入与 {rubric.id} 相符的一张（{span}）"))
    _read_rows(sheet, rubric, grid, out)
    return out


def _matches(sheet: Sheet, rubric: Rubric) -> int:
    return sum(1 for ident in leaf_ids(sheet).values() if rubric.indicator(ident) is not None)


def _leaves(drafts: list[Draft] | tuple[Draft, ...], above: tuple[Draft, ...] = ()) -> list[tuple[Draft, tuple]]:
    out: list[tuple[Draft, tuple]] = []
    for d in drafts:
        if d.children:
            out += _leaves(d.children, (*above, d))
        elif d.open_from is None:
            out.append((d, above))
    return out


def _read_rows(sheet: Sheet, rubric: Rubric, grid: Grid, out: ScoreSheet) -> None:
    ids = leaf_ids(sheet)
    leaves = _leaves(sheet.tree)
    scores_in_reasons = _scores_in_reason_column(leaves)
    if scores_in_reasons:
        out.tree.repairs.append(
            Repair(None, "“得分”一栏全部为空，而“扣分原因”一栏每格都是不超过分值的数字：按得分读取（原表栏位错开）")
        )
    opened = {plain(n.label): n for n in _open_nodes(rubric.tree)}
    unscored: list[Draft] = []
    for draft, above in leaves:
        cells = draft.reasons if scores_in_reasons else draft.scores
        reasons = [] if scores_in_reasons else draft.reasons
        score = _score(draft, cells, grid, out.tree.problems)
        indicator = rubric.indicator(ids[draft]) if draft in ids else None
        group = next((opened[plain(a.label)] for a in above if plain(a.label) in opened), None)
        if indicator is None and group is not None:
            out.open_rows.append(_open_row(draft, above, group, score, reasons))
        elif indicator is None:
            where = " / ".join(a.label for a in above)
            message = f"指标“{draft.label}”（{where}）不在评价指标体系 {rubric.id} 中"
            out.tree.problems.append(Problem(grid.file, draft.label, message, draft.row))
        elif score is None:
            unscored.append(draft)
        else:
            reason = _reason(draft, reasons, score)
            notes = _weight_note(draft, indicator.weight)
            measure = " ".join(draft.measures) or None
            entry = Entry(indicator, draft.row, 0, draft.row, score, reason, measure, notes)
            out.tree.entries.append(entry)
    _say_unscored(unscored, leaves, out)


def _scores_in_reason_column(leaves: list[tuple[Draft, tuple]]) -> bool:
    """The score written one column early (under 扣分原因, the 得分 column blank): every reason a number within
    the row's weight."""
    if not leaves or any(d.scores for d, _ in leaves):
        return False
    numbers = [(parse_number(d.reasons[0])[0], d.weight) for d, _ in leaves if d.reasons]
    if not numbers or len(numbers) < len([d for d, _ in leaves if d.reasons]):
        return False
    return all(v is not None and w is not None and 0 <= v <= w for v, w in numbers)


def _score(draft: Draft, cells: list[str], grid: Grid, problems: list[Problem]) -> Decimal | None:
    if not cells:
        return None
    value, _ = parse_number(cells[0])
    if value is None:
        message = f"“{draft.label}”的得分“{shown(cells[0], 30)}”不是数字"
        problems.append(Problem(grid.file, "得分", message, draft.row))
    return value


def _reason(draft: Draft, reasons: list[str], score: Decimal) -> str | None:
    if reasons:
        return " ".join(reasons)
    if draft.weight is not None and score < draft.weight and draft.explanation:
        return " ".join(draft.explanation)  # 指标说明 holds the arithmetic behind the deduction in these sheets
    return None


def _weight_note(draft: Draft, weight: Decimal) -> tuple[str, ...]:
    if draft.weight is None or draft.weight == weight:
        return ()
    return (f"原表分值 {fmt(draft.weight)}，评价指标体系为 {fmt(weight)}",)


def _open_row(draft: Draft, above: tuple, group: Node, score: Decimal | None, reasons: list[str]) -> dict:
    """A department's own indicator under an open group, as the frame's records list it."""
    row: dict[str, object] = {"path": [group.label], "name": draft.name, "weight": draft.weight}
    if draft.name is None:
        row["placeholder"] = True
    if score is not None:
        row["self_score"] = score
    if reasons:
        row["reason"] = " ".join(reasons)
    row["source"] = f"原表第 {draft.row} 行"
    return row


def _say_unscored(unscored: list[Draft], leaves: list, out: ScoreSheet) -> None:
    """A blank score is never guessed: one line for an unfilled sheet, else one per blank row."""
    if unscored and len(unscored) == len(leaves):
        out.blank = True
        first, last = leaves[0][0].row, leaves[-1][0].row
        out.tree.repairs.append(
            Repair(
                None,
                f"原表没有任何自评得分（第 {first}–{last} 行“得分”一栏全部为空，多半是未填写的评分表模板）："
                "记录中不填得分，复核时各指标列为缺少指标、按 0 分计；未作任何推测",
            )
        )
        return
    for draft in unscored:
        message = f"“{draft.label}”没有自评得分（“得分”一栏为空）：记录中不列此指标，复核时列为缺少指标、按 0 分计"
        out.tree.repairs.append(Repair(draft.row, message, None))


def _open_nodes(nodes: tuple[Node, ...]) -> list[Node]:
    return [m for n in nodes for m in ([n] if n.open is not None else _open_nodes(n.children))]


def plain(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _caption(rows: tuple[Row, ...]) -> str | None:
    """The unit the sheet names (填报单位：…, 单位名称 | …), when it is filled in."""
    for row in rows:
        cells = [clean(c) for c in row.cells]
        for at, cell in enumerate(cells):
            match = _UNIT_CAPTION.match(cell)
            if match is None:
                continue
            value = (match[1] or "").strip() or next((c for c in cells[at + 1 :] if c), "")
            if value not in _NOT_A_NAME and not re.search(r"[:：]", value):
                return value
    return None


def _year(grid: Grid, header: Header) -> int | None:
    for row in grid.rows[: header.first]:
        for cell in row.cells:
            if match := _YEAR.search(cell):
                return int(match[1])
    return None


def _title(grid: Grid, header: Header) -> str | None:
    lines = [clean(c) for r in grid.rows[: header.first] for c in r.cells if "表" in c and len(clean(c)) <= 60]
    return lines[-1] if lines else None
