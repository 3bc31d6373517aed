"""Readable terminal output: the score table and the rubric tree, in Chinese."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from toolkit.core.findings import Severity
from toolkit.core.numbers import fmt
from toolkit.core.problems import display_path
from toolkit.report.terminal import cut, safe, shrink

if TYPE_CHECKING:  # the status table of an unchanged run must not import the rubric models
    from toolkit.core.result import IndicatorResult, Result
    from toolkit.core.rubric import Node, Rubric

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def score_table(result: Result, console: Console | None = None, rubric: Rubric | None = None) -> None:
    """Print the indicator table, subtotals, total, grade and every finding.

    `rubric`, the one the result was scored against (its record's), names the table's levels."""
    console = console or Console(highlight=False)
    sample = "（示例数据，虚构部门）" if result.fictional else ""
    console.print(Text(safe(result.department), style="bold") + Text(f"{sample}  {result.year} 年度"))
    console.print(Text(f"评价指标体系 {safe(result.rubric)}（{safe(result.rubric_version)}）"))
    console.print(_indicator_table(result, _level_names(result, rubric), console.width))
    _print_totals(result, console)
    _print_findings(result, console)


def _plain(text: object) -> str:
    """Text from a record, rubric or review, for a markup string: printable, and shown as written."""
    return escape(safe(text))


def _level_names(result: Result, rubric: Rubric | None) -> tuple[str, ...]:
    """Headers of the level columns, down to the indicators' own level, as the rubric names them."""
    depth = max(len(i.groups) for i in result.indicators) + 1
    if rubric is not None and rubric.depth == depth:
        return rubric.level_names
    # Without the record's rubric (a frame loaded by id is shallower than the rubric bound to its record),
    # the levels are numbered as every rubric names them.
    return tuple(f"{'一二三四五六'[n]}级指标" for n in range(depth))


def _indicator_table(result: Result, levels: tuple[str, ...], width: int) -> Table:
    """One row per indicator in table order, each group named on its first row only; names longer than their
    column are cut in the middle, so the end that tells two indicators apart survives."""
    reviewed = result.review is not None
    numbers = ("分值", "自评分", "重算分", "扣分") + (("复核分",) if reviewed else ())
    rows: list[tuple[list[str], list[str]]] = []
    previous: tuple[str, ...] = ()
    for i in result.indicators:
        shown = [safe(g) if (previous[: k + 1] != i.groups[: k + 1]) else "" for k, g in enumerate(i.groups)]
        shown += [""] * (len(levels) - 1 - len(shown))
        previous = i.groups
        rows.append(([*shown, safe(i.label)], _score_cells(i, reviewed)))
    natural = [max([cell_len(h)] + [cell_len(r[0][k]) for r in rows]) for k, h in enumerate(levels)]
    figures = [max([cell_len(h)] + [cell_len(r[1][k]) for r in rows]) for k, h in enumerate(numbers)]
    columns = len(levels) + len(numbers)
    budget = width - sum(figures) - 3 * columns - 1  # each column: 2 padding + 1 border
    groups = shrink(natural[:-1], budget - natural[-1])  # the groups give way first: the labels tell rows apart
    widths = [*groups, *shrink([natural[-1]], budget - sum(groups))]
    table = Table(show_lines=False, header_style="bold")
    for name, w in zip(levels, widths, strict=True):
        table.add_column(name, width=w, no_wrap=True)
    for col in numbers:
        table.add_column(col, justify="right", no_wrap=True)
    for names, cells in rows:
        cut_names = [escape(cut(n, w, head_share=1 / 4)) for n, w in zip(names, widths, strict=True)]
        table.add_row(*cut_names, *cells[:4], *(f"[bold]{c}[/bold]" if c else "" for c in cells[4:]))
    return table


def _score_cells(i: IndicatorResult, reviewed: bool) -> list[str]:
    """An indicator's weight, self-assessed, recomputed and lost scores, and its audited score after a review."""
    cells = [
        fmt(i.weight),
        "不适用" if not i.applicable else fmt(i.self_score),
        fmt(i.recomputed_score) if i.recomputed_score is not None else "",
        fmt(i.lost) if i.lost else "",
    ]
    if reviewed:
        cells.append(fmt(i.audited_score) if i.audited_score is not None else "")
    return cells


def _print_totals(result: Result, console: Console) -> None:
    """The subtotals, the total and grade (beside the stated ones) and, after a review, its adjustments."""
    subtotals = "；".join(f"{safe(g.label)} {fmt(g.score)}/{fmt(g.weight)}" for g in result.groups)
    console.print(f"分项得分：{subtotals}", markup=False)
    stated = (
        f"（填报 {fmt(result.stated_total)}，{_plain(result.stated_grade or '未勾选')}）"
        if result.stated_total is not None
        else ""
    )
    console.print(f"[bold]总分 {fmt(result.total)}，等级 {_plain(result.grade)}[/bold]{stated}")
    if result.review is not None:
        rv = result.review
        console.print(
            f"[bold]复核后总分 {fmt(result.audited_total)}，等级 {_plain(result.audited_grade)}[/bold]"
            f"（复核人 {_plain(rv.reviewer)}，{_plain(rv.date)}，调整 {len(rv.adjustments)} 项）"
        )
        for a in rv.adjustments:
            console.print(
                f"  复核调整 {safe(a.label)}：{fmt(a.self_score)} → {fmt(a.audited_score)}，理由：{safe(a.reason)}",
                soft_wrap=True,
                markup=False,
            )


def _print_findings(result: Result, console: Console) -> None:
    """Every finding, most severe first, with the reviewer's decision on it."""
    if not result.findings:
        console.print("复核发现：无")
        return
    console.print(f"复核发现（{len(result.findings)} 项）：")
    for severity, items in result.findings_by_severity().items():
        for f in items:
            decision = result.decision_for(f)
            note = _plain(f"【{decision.label}{'：' + decision.note if decision.note else ''}】") if decision else ""
            text = f"{_plain(f.code)}：{_plain(f.message)}{note}"
            console.print(f"  [{_STYLE[severity]}]{severity.label}[/] {text}", soft_wrap=True)


def rubric_tree(rubric: Rubric, builtins: list[str], console: Console | None = None) -> None:
    """Print the indicator tree with weights and rule types."""
    console = console or Console(highlight=False)
    decl = rubric.declaration
    head = f"  ID {_plain(decl.id)}  版本 {_plain(decl.version)}  总分 {fmt(decl.total_weight)}"
    root = Tree(f"[bold]{_plain(decl.title)}[/bold]{head}")

    def add(parent: Tree, node: Node) -> None:
        rule = f"  [dim]{_plain(node.rule.type)}[/dim]" if node.rule else ""
        branch = parent.add(f"{_plain(node.label)}  {fmt(node.weight)}{rule}")
        for child in node.children:
            add(branch, child)

    for node in decl.tree:
        add(root, node)
    console.print(root)
    bands = "；".join(f"{_plain(g.grade)} ≥ {fmt(g.min)}" for g in decl.grades)
    console.print(
        f"等级：{bands}（下限含本数）  舍入：{decl.rounding.mode.label}保留 {decl.rounding.places} 位  "
        f"容差：得分 {fmt(decl.tolerance.score)}，预算 {fmt(decl.tolerance.budget)} 万元"
    )
    console.print(f"内置指标体系：{_plain('、'.join(builtins))}")


_RUN_COLUMNS = ("部门", "年度", "总分", "等级", "状态", "用时")
_IMPORT_COLUMNS = ("文件", "部门", "年度", "填报总分", "修复", "结果")
_GAP = "  "
_SHORT = {
    "done": ("完成", "green"),
    "skipped": ("跳过", "dim"),
    "failed": ("失败", "bold red"),
    "not_run": ("未运行", "dim"),
}


def run_table(outcomes: list, out_root, console: Console | None = None) -> None:
    """The status table printed at the end of `audit-toolkit run`: one line per department or summary (name,
    year, total, grade, a short status word, time), its message on an indented line below, within the terminal's
    width; a name is cut in the middle only when it must be."""
    console = console or Console(highlight=False)
    rows = []
    skipped = 0
    for o in outcomes:
        word, style = _SHORT.get(str(o.status), (safe(o.status_label), ""))
        name = safe(o.department or o.record_path)
        name += "（示例）" if o.fictional and "示例" not in name else ""  # most fictional names say so already
        total = f"{o.total:g}" if o.total is not None else "—"
        seconds = f"{o.seconds:.1f}s" if o.seconds else ""
        cells = [name, str(o.year or "—"), total, safe(o.grade or "—"), word, seconds]
        skipped += str(o.status) == "skipped"  # its message is always 输入未变化: said once, below
        rows.append((cells, style, "" if str(o.status) == "skipped" else safe(o.message)))
    status_lines(console, "审计结果", _RUN_COLUMNS, rows, right={1, 2, 5}, status=4)
    failed = sum(1 for o in outcomes if str(o.status) == "failed")
    tail = Text(f"目录页：{safe(out_root / 'index.html')}")
    if skipped:
        tail.append(f"；{skipped} 项输入未变化，已跳过（--force 重新生成）")
    if failed:
        tail.append(f"；{failed} 个部门失败", style="bold red")
    console.print(tail)


def import_table(outcomes: list, console: Console) -> None:
    """The table at the end of `audit-toolkit import`: one line per file (file, department, year, stated total,
    repairs, result), the record written (or the first problem) on an indented line below."""
    rows = []
    for o in outcomes:
        if o.imported is not None:
            data = o.imported.data
            total = data.get("stated_total")
            name = safe(data["department"]["name"])
            cells = [safe(o.source.name), name, str(data["year"]), fmt(total) if total is not None else "—"]
            cells += [str(len(o.imported.repairs)), "已导入"]
            message = f"→ {safe(display_path(o.output or ''))}（{safe(o.imported.format)}）"
            rows.append((cells, "green", message))
        else:
            more = f"（另有 {len(o.problems) - 1} 个问题）" if len(o.problems) > 1 else ""
            first = safe(o.problems[0].message) if o.problems else ""
            rows.append(([safe(o.source.name), "—", "—", "—", "—", "失败"], "red", first + more))
    status_lines(console, "导入结果", _IMPORT_COLUMNS, rows, right={2, 3, 4}, status=5, cut_columns=(0, 1))


def status_lines(
    console: Console,
    title: str,
    headers: tuple[str, ...],
    rows: list[tuple[list[str], str, str]],
    right: set[int],
    status: int,
    cut_columns: tuple[int, ...] = (0,),
) -> None:
    """A table of (cells, status style, message) rows: one line each within the console's width (the
    `cut_columns` give way, cut in the middle), each message on an indented line below its row."""
    natural = [max([cell_len(h)] + [cell_len(r[0][k]) for r in rows]) for k, h in enumerate(headers)]
    fixed = sum(w for k, w in enumerate(natural) if k not in cut_columns) + len(_GAP) * (len(natural) - 1)
    widths = list(natural)
    for k, width in zip(cut_columns, shrink([natural[k] for k in cut_columns], console.width - fixed), strict=True):
        widths[k] = width
    console.print(Text(title, style="bold"))
    console.print(_line(list(headers), widths, right, {}, "bold"))
    for cells, style, message in rows:
        console.print(_line([cut(c, widths[k]) for k, c in enumerate(cells)], widths, right, {status: style}))
        if message:
            console.print(Padding(Text(message), (0, 0, 0, 4)))


def _line(cells: list[str], widths: list[int], right: set[int], styles: dict[int, str], style: str = "") -> Text:
    """One line of a status table: each cell padded to its column's width, right-aligned where asked."""
    line = Text(style=style, no_wrap=True, overflow="crop")
    for k, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        pad = " " * max(0, width - cell_len(cell))
        if k:
            line.append(_GAP)
        line.append(pad + cell if k in right else cell + pad, style=styles.get(k, ""))
    return line
