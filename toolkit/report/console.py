"""Readable terminal output: the score table and the rubric tree, in Chinese."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from toolkit.core.findings import Severity
from toolkit.core.numbers import fmt
from toolkit.core.result import IndicatorResult, Result
from toolkit.core.rubric import Node, Rubric

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def score_table(result: Result, console: Console | None = None, rubric: Rubric | None = None) -> None:
    """Print the indicator table, subtotals, total, grade and every finding.

    `rubric`, the one the result was scored against (its record's), names the table's levels."""
    console = console or Console(highlight=False)
    sample = "（示例数据，虚构部门）" if result.fictional else ""
    console.print(
        f"[bold]{result.department}[/bold]{sample}  {result.year} 年度  "
        f"评价指标体系 {result.rubric}（{result.rubric_version}）"
    )
    console.print(_indicator_table(result, _level_names(result, rubric)))
    _print_totals(result, console)
    _print_findings(result, console)


def _level_names(result: Result, rubric: Rubric | None) -> tuple[str, ...]:
    """Headers of the level columns, down to the indicators' own level, as the rubric names them."""
    depth = max(len(i.groups) for i in result.indicators) + 1
    if rubric is not None and rubric.depth == depth:
        return rubric.level_names
    # Without the record's rubric (a frame loaded by id is shallower than the rubric bound to its record),
    # the levels are numbered as every rubric names them.
    return tuple(f"{'一二三四五六'[n]}级指标" for n in range(depth))


def _indicator_table(result: Result, levels: tuple[str, ...]) -> Table:
    """One row per indicator in table order, each group named on its first row only."""
    table = Table(show_lines=False, header_style="bold")
    for name in levels:
        table.add_column(name)
    reviewed = result.review is not None
    for col in ("分值", "自评分", "重算分", "扣分") + (("复核分",) if reviewed else ()):
        table.add_column(col, justify="right")
    previous: tuple[str, ...] = ()
    for i in result.indicators:
        shown = [g if (previous[: k + 1] != i.groups[: k + 1]) else "" for k, g in enumerate(i.groups)]
        shown += [""] * (len(levels) - 1 - len(shown))
        previous = i.groups
        table.add_row(*shown, i.label, *_score_cells(i, reviewed))
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
        cells.append(f"[bold]{fmt(i.audited_score)}[/bold]" if i.audited_score is not None else "")
    return cells


def _print_totals(result: Result, console: Console) -> None:
    """The subtotals, the total and grade (beside the stated ones) and, after a review, its adjustments."""
    subtotals = "；".join(f"{g.label} {fmt(g.score)}/{fmt(g.weight)}" for g in result.groups)
    console.print(f"分项得分：{subtotals}")
    stated = (
        f"（填报 {fmt(result.stated_total)}，{result.stated_grade or '未勾选'}）"
        if result.stated_total is not None
        else ""
    )
    console.print(f"[bold]总分 {fmt(result.total)}，等级 {result.grade}[/bold]{stated}")
    if result.review is not None:
        rv = result.review
        console.print(
            f"[bold]复核后总分 {fmt(result.audited_total)}，等级 {result.audited_grade}[/bold]"
            f"（复核人 {rv.reviewer}，{rv.date}，调整 {len(rv.adjustments)} 项）"
        )
        for a in rv.adjustments:
            console.print(
                f"  复核调整 {a.label}：{fmt(a.self_score)} → {fmt(a.audited_score)}，理由：{a.reason}",
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
            note = escape(f"【{decision.label}{'：' + decision.note if decision.note else ''}】") if decision else ""
            console.print(f"  [{_STYLE[severity]}]{severity.label}[/] {f.code}：{f.message}{note}", soft_wrap=True)


def rubric_tree(rubric: Rubric, builtins: list[str], console: Console | None = None) -> None:
    """Print the indicator tree with weights and rule types."""
    console = console or Console(highlight=False)
    decl = rubric.declaration
    root = Tree(f"[bold]{decl.title}[/bold]  ID {decl.id}  版本 {decl.version}  总分 {fmt(decl.total_weight)}")

    def add(parent: Tree, node: Node) -> None:
        rule = f"  [dim]{node.rule.type}[/dim]" if node.rule else ""
        branch = parent.add(f"{node.label}  {fmt(node.weight)}{rule}")
        for child in node.children:
            add(branch, child)

    for node in decl.tree:
        add(root, node)
    console.print(root)
    bands = "；".join(f"{g.grade} ≥ {fmt(g.min)}" for g in decl.grades)
    console.print(
        f"等级：{bands}（下限含本数）  舍入：{decl.rounding.mode.label}保留 {decl.rounding.places} 位  "
        f"容差：得分 {fmt(decl.tolerance.score)}，预算 {fmt(decl.tolerance.budget)} 万元"
    )
    console.print(f"内置指标体系：{'、'.join(builtins)}")


def run_table(outcomes: list, out_root, console: Console | None = None) -> None:
    """The status table printed at the end of `audit-toolkit run`."""
    console = console or Console(highlight=False)
    table = Table(title="审计结果", header_style="bold")
    for col in ("部门", "年度", "总分", "等级", "状态", "用时", "说明"):
        table.add_column(col, justify="right" if col in ("总分", "用时") else "left")
    styles = {"done": "green", "skipped": "dim", "failed": "bold red"}
    for o in outcomes:
        name = o.department or o.record_path
        name += "（示例）" if o.fictional and "示例" not in name else ""  # most fictional names say so already
        total = f"{o.total:g}" if o.total is not None else "—"
        table.add_row(
            name,
            str(o.year or "—"),
            total,
            o.grade or "—",
            f"[{styles[o.status]}]{o.status_label}[/]",
            f"{o.seconds:.1f}s" if o.seconds else "",
            o.message,
        )
    console.print(table)
    failed = sum(1 for o in outcomes if o.status == "failed")
    console.print(f"目录页：{out_root / 'index.html'}" + (f"；[bold red]{failed} 个部门失败[/]" if failed else ""))
