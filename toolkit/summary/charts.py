"""Charts of the cross-unit summary, readable from 4 units to 2,000.

Where units are too many to draw one by one, a chart shows the top and bottom N (ranking) or the weakest N
plus averages (heatmaps); the full data is in the tables and exports. Every chart carries alt text. In a year
that mixes families the ranking is drawn group by group (family and kind), and the heatmap is two: level-3
indicators of the fixed-rubric units, level-1 indicators of the target-family units (whose level-3 indicators
are each unit's own, so that comparing them one by one would mean nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from toolkit.report.charts import Chart
from toolkit.report.svgchart import (
    INK,
    KEY,
    LABEL,
    LEADING,
    PAD,
    TICK,
    WHITE,
    Canvas,
    ColumnPlot,
    Key,
    RowPlot,
    blend,
    text_width,
)
from toolkit.summary.families import FIXED, TARGET, group_tag
from toolkit.summary.tables import Summary

MAX_BARS = 30  # departments drawn one by one in the ranking chart; beyond this, top and bottom halves
MAX_COLUMNS = 30  # departments drawn one by one in the heatmap; beyond this, the weakest plus averages
_HEADROOM = Decimal("1.08")  # the ranking's axis runs past full marks, to leave the best score's label room
_BLUE, _GREY, _RED = "#2f5d8a", "#d9d9d9", "#c0392b"
_GRADE_COLOURS = ("#2f5d8a", "#4a8f5a", "#c98b2b", "#c0392b", "#7f7f7f")
_RATES = ("#c0392b", "#f4d03f", "#eaf2e3")  # score rate 0 → 50 → 100 %; not applicable is _GREY
CELL_TEXT, ROW_TEXT, COLUMN_TEXT = 6.5, 8.0, 7.5  # heatmap font sizes (points)


def short(name: str, width: int = 14) -> str:
    """A department or indicator name cut to fit an axis label."""
    return name if len(name) <= width else name[: width - 1] + "…"


def _grade_colour(summary: Summary, grade: str) -> str:
    names = [g for g, _ in summary.grades]
    return _GRADE_COLOURS[names.index(grade) % len(_GRADE_COLOURS)] if grade in names else _GRADE_COLOURS[-1]


def ranking(summary: Summary, n: int = MAX_BARS) -> Chart:
    """Published score per unit, best first (group by group when the year mixes families or kinds); the top and
    bottom n/2 when there are more than n."""
    table = summary.ranking
    shown = table if len(table) <= n else table.iloc[list(range(n // 2)) + list(range(len(table) - n // 2, len(table)))]
    gap = len(table) > n
    labels = _ranking_labels(shown, grouped=len(summary.composition) > 1)
    scores: list[float | None] = [float(s) for s in shown["得分"]]
    colours = [_grade_colour(summary, g) for g in shown["等级"]]
    if gap:
        labels.insert(n // 2, f"……（中间 {len(table) - n} 个部门见排名表）")
        scores.insert(n // 2, None)
        colours.insert(n // 2, WHITE)
    unit = "单位" if len(summary.composition) > 1 else "部门"
    plot = RowPlot(
        f"{unit}得分排名（{'全部' if not gap else f'前 {n // 2} 名与后 {n // 2} 名，共'} {len(table)} 个{unit}）",
        labels,
        "得分",
        float(summary.total_weight * _HEADROOM),
        reach=[(s, f"{s:.2f}") for s in scores if s is not None],
        legend=[Key(f"{g} ≥ {low:g}" if low > 0 else g, _grade_colour(summary, g)) for g, low in summary.grades],
        pitch=18.0,
    )
    for _, low in summary.grades:
        if low > 0:
            plot.vline(low, _GREY, "")
    for row, (score, colour) in enumerate(zip(scores, colours)):
        if score is not None:
            plot.bar(row, 0, score, colour)
            plot.value(row, score, f"{score:.2f}")
    caption = "部门得分排名" + ("" if not gap else f"（前后各 {n // 2} 名，完整排名见下表）")
    return Chart.drawn(plot, _ranking_alt(summary, n if gap else None), caption)


def _ranking_labels(shown: pd.DataFrame, grouped: bool) -> list[str]:
    """Bar labels: rank and name, led by the unit's group (e.g. 目标·项目) when ranks are per group."""
    labels = []
    for r in shown.itertuples():
        tag = f"{group_tag(r.体系类型, r.类型)} " if grouped else ""
        labels.append(f"{tag}{r.排名}. {short(r.部门名称)}")
    return labels


def _ranking_alt(summary: Summary, n: int | None) -> str:
    """The ranking chart in words: how many units, the best and the worst score of all, the average."""
    table = summary.ranking
    best = table.loc[table["得分"].idxmax()]
    worst = table[table["得分"] == table["得分"].min()].iloc[-1]
    grouped = "（按体系类型与类型分组排列）" if len(summary.composition) > 1 else ""
    drawn = "" if n is None else f"（只画出前 {n // 2} 名和后 {n // 2} 名）"
    return (
        f"横向条形图：{len(table)} 个部门的得分排名{grouped}{drawn}。"
        f"最高为{best.部门名称} {best.得分:.2f} 分（{best.等级}），"
        f"最低为{worst.部门名称} {worst.得分:.2f} 分（{worst.等级}），"
        f"平均 {summary.statistics['平均分']:.2f} 分。"
    )


def grade_distribution(summary: Summary) -> Chart:
    """Departments per grade band, best band first."""
    dist = summary.grade_distribution
    texts = [f"{count}（{share:.1f}%）" for count, share in zip(dist["部门数"], dist["占比（%）"])]
    top = float(max(dist["部门数"].max(), 1)) if len(dist) else 1.0
    plot = ColumnPlot(
        f"等级分布（{summary.count} 个部门）",
        list(dist["等级"]),
        "部门数",
        0,
        top,
        texts,
        width=432.0,
        size=LABEL,
        whole=True,
    )
    for slot, (grade, count, text) in enumerate(zip(dist["等级"], dist["部门数"], texts)):
        plot.bar(slot, 0, float(count), _grade_colour(summary, grade))
        plot.value(slot, float(count), text, 9.0)
    parts = "；".join(f"{g} {c} 个（{s:.1f}%）" for g, c, s in dist.itertuples(index=False))
    return Chart.drawn(plot, f"柱状图：{summary.count} 个部门的评价等级分布：{parts}。", "等级分布")


@dataclass(frozen=True)
class Charts:
    """Several charts shown one after the other, as one notebook output."""

    charts: tuple[Chart, ...]

    def _repr_html_(self) -> str:
        return "".join(chart._repr_html_() for chart in self.charts)

    def __repr__(self) -> str:
        return "\n".join(repr(chart) for chart in self.charts)


def heatmaps(summary: Summary) -> Chart | Charts:
    """The heatmap of the fixed-rubric units, that of the target-family units, or both when the year has both."""
    charts = []
    if summary.has(FIXED):
        charts.append(heatmap(summary))
    if summary.has(TARGET):
        charts.append(level1_heatmap(summary))
    return charts[0] if len(charts) == 1 else Charts(tuple(charts))


def heatmap(summary: Summary, n: int = MAX_COLUMNS) -> Chart:
    """Score rate of every level-3 indicator (rows) in each fixed-rubric unit (columns, best first); with more
    than n units: the average of all, the average per grade, and the n-? weakest units."""
    indicator = summary.levels[-1]
    columns, note = _heatmap_columns(summary, summary.matrix, n)
    rows = [short(summary.indicator_labels[i], 16) for i in summary.matrix.index]
    drawing = _draw_heatmap(columns, rows, f"各{indicator}得分率（%）" + (f"\n{note}" if note else ""))
    weakest = summary.weakest_indicators(5).to_dict("records")
    parts = "；".join(f"{r[indicator]} 平均 {r['平均得分率（%）']:.1f}%，{r['扣分部门数']} 个部门扣分" for r in weakest)
    alt = (
        f"热力图：{len(rows)} 个{indicator}（行）在{note or '各部门'}（列）中的得分率，颜色越红得分率越低，"
        f"灰色为不适用，满分格不标数字。全体平均得分率最低的指标：{parts or '无（全部满分）'}。"
    )
    caption = f"各{indicator}得分率热力图" + (f"（{note}；完整矩阵见 summary.xlsx 的指标明细）" if note else "")
    return Chart.drawn(drawing, alt, caption)


def level1_heatmap(summary: Summary, n: int = MAX_COLUMNS) -> Chart:
    """Score rate of every level-1 indicator (rows) in each target-family unit (columns, best first)."""
    level1 = summary.levels[0]
    matrix = summary.target_level1
    columns, note = _heatmap_columns(summary, matrix, n)
    drawing = _draw_heatmap(
        columns, list(matrix.index), f"目标对照表单位各{level1}得分率（%）" + (f"\n{note}" if note else "")
    )
    means = matrix.mean(axis=1)
    parts = "；".join(f"{label} 平均 {rate:.1f}%" for label, rate in means.items())
    alt = (
        f"热力图：目标对照表的 {matrix.shape[1]} 个单位（列，{note or '按排名'}）各{level1}（行）的得分率，"
        f"颜色越红得分率越低，满分格不标数字。各{level1}平均：{parts}。"
    )
    caption = f"目标对照表单位{level1}得分率热力图（三级指标由各单位自定，按{level1}对比）"
    return Chart.drawn(drawing, alt, caption)


@dataclass(frozen=True)
class _Grid:
    """Where a heatmap's parts go: cells `cell` × `pitch` points from (left, top), column labels in a band
    `band` deep under them (turned 60° when wider than a cell), the colour bar right of the cells."""

    left: float
    top: float
    cell: float
    pitch: float
    turned: bool
    band: float
    width: float
    height: float

    def x(self, column: float) -> float:
        return self.left + self.cell * column

    def y(self, row: int) -> float:
        return self.top + self.pitch * row


_BAR_ROOM = 10 + 10 + TICK + 2 + text_width("100", KEY) + 6 + LABEL * LEADING  # gap, bar, ticks, labels, label
_BAR_HEIGHT = 64.0  # the colour bar's least height: room for its label, turned along it


def _heatmap_grid(columns: Sequence[str], rows: Sequence[str], title: Sequence[str]) -> _Grid:
    """The layout, 540 points wide at most (1,500 pixels): cells as wide as the room allows, up to 40 points."""
    widest = max((text_width(c, COLUMN_TEXT) for c in columns), default=0.0)
    left = PAD + max((text_width(r, ROW_TEXT) for r in rows), default=0.0) + TICK + 3
    cell = min(40.0, max(9.0, (540 - left - _BAR_ROOM - PAD) / max(len(columns), 1)))
    turned = widest + 2 > cell
    band = 0.87 * widest + COLUMN_TEXT if turned else COLUMN_TEXT * LEADING + 2
    if turned:  # turned labels run down-left from their column: the first one must stay on the canvas
        left = max(left, PAD + 0.5 * widest - 0.5 * cell + COLUMN_TEXT)
    top = PAD + len(title) * 10 * LEADING + 6
    pitch = 14.0
    width = max(left + cell * len(columns) + _BAR_ROOM + PAD, max(text_width(t, 10) for t in title) + 2 * PAD)
    bottom = max(top + pitch * len(rows) + TICK + 2 + band, top + _BAR_HEIGHT + KEY)
    return _Grid(left, top, cell, pitch, turned, band, width, bottom + PAD)


def _draw_heatmap(columns: list[tuple[str, pd.Series]], rows: list[str], title: str) -> Canvas:
    """Cells coloured by score rate (grey when not applicable), the rate in every cell short of full marks, row
    and column labels, and a colour bar of the scale."""
    data = np.array([col.to_numpy(dtype=float) for _, col in columns]).T.reshape(len(rows), len(columns))
    labels = [label for label, _ in columns]
    lines = title.split("\n")
    grid = _heatmap_grid(labels, rows, lines)
    canvas = Canvas(grid.width, grid.height)
    for n, line in enumerate(lines):
        half = text_width(line, 10) / 2
        centre = min(max(grid.x(len(labels) / 2), PAD + half), grid.width - PAD - half)
        canvas.text(centre, PAD + (n + 0.5) * 10 * LEADING, line, 10, "middle")
    for (r, c), v in np.ndenumerate(data):
        colour = _GREY if np.isnan(v) else blend(_RATES, v / 100)
        canvas.rect(grid.x(c) + 0.3, grid.y(r) + 0.3, grid.cell - 0.6, grid.pitch - 0.6, colour)
        if not np.isnan(v) and v != 100:
            x, y = grid.x(c) + grid.cell / 2, grid.y(r) + grid.pitch / 2
            canvas.text(x, y, f"{v:.0f}", CELL_TEXT, "middle", WHITE if v < 25 else INK)
    _heatmap_labels(canvas, grid, labels, rows)
    _colour_bar(canvas, grid.x(len(labels)) + 10, grid.top, max(grid.pitch * len(rows), _BAR_HEIGHT))
    return canvas


def _heatmap_labels(canvas: Canvas, grid: _Grid, columns: Sequence[str], rows: Sequence[str]) -> None:
    for r, label in enumerate(rows):
        middle = grid.y(r) + grid.pitch / 2
        canvas.line(grid.left - TICK, middle, grid.left, middle)
        canvas.text(grid.left - TICK - 3, middle, label, ROW_TEXT, "end")
    under = grid.y(len(rows)) + TICK
    for c, label in enumerate(columns):
        middle = grid.x(c) + grid.cell / 2
        canvas.line(middle, under - TICK, middle, under)
        if grid.turned:
            canvas.text(middle + 0.3 * COLUMN_TEXT, under + 0.45 * COLUMN_TEXT, label, COLUMN_TEXT, "end", angle=-60)
        else:
            canvas.text(middle, under + 2 + COLUMN_TEXT * LEADING / 2, label, COLUMN_TEXT, "middle")


def _colour_bar(canvas: Canvas, x: float, top: float, height: float) -> None:
    """The scale from 0 (bottom) to 100 %, ticked every 20 (50 when short), labelled 得分率（%）."""
    canvas.scale(x, top, 10, height, _RATES)
    for value in range(0, 101, 20 if height >= 100 else 50):
        y = top + height * (1 - value / 100)
        canvas.line(x + 10, y, x + 10 + TICK, y)
        canvas.text(x + 10 + TICK + 2, y, str(value), KEY)
    beside = x + 10 + TICK + 2 + text_width("100", KEY) + 6 + LABEL * LEADING / 2
    canvas.text(beside, top + height / 2, "得分率（%）", LABEL, "middle", angle=-90)


def _heatmap_columns(summary: Summary, matrix: pd.DataFrame, n: int) -> tuple[list[tuple[str, pd.Series]], str]:
    """A heatmap's columns (label, score rates by row) from a matrix whose columns are units best first: one per
    unit when there are at most n, else averages and the weakest units, with a note saying so."""
    names = dict(zip(summary.departments["部门代码"], summary.departments["部门名称"]))
    if matrix.shape[1] <= n:
        return [(short(names[c], 10), matrix[c]) for c in matrix.columns], ""
    grades = dict(zip(summary.departments["部门代码"], summary.departments["等级"]))
    columns = [(f"全部 {matrix.shape[1]} 个部门平均", matrix.mean(axis=1))]
    for grade, _ in summary.grades:
        codes = [c for c in matrix.columns if grades[c] == grade]
        if codes:
            columns.append((f"“{grade}”平均（{len(codes)}）", matrix[codes].mean(axis=1)))
    weakest = list(matrix.columns[-(n - len(columns)) :])
    columns += [(short(names[c], 10), matrix[c]) for c in weakest]
    return columns, f"前 {len(columns) - len(weakest)} 列为平均，其余为得分最低的 {len(weakest)} 个部门"


def deductions(summary: Summary, n: int = 10) -> Chart:
    """The n indicators deducted in most departments, with the points lost in total."""
    indicator = summary.levels[-1]
    table = summary.frequent_deductions(n)
    texts = [f"{r.扣分部门数} 个部门，合计扣 {r.扣分合计:.2f} 分" for r in table.itertuples()]
    plot = RowPlot(
        f"扣分最多的 {len(table)} 项{indicator}",
        [short(x, 16) for x in table[indicator]],
        "扣分部门数",
        float(max(summary.count, 1)),
        reach=[(float(count), text) for count, text in zip(table["扣分部门数"], texts)],
        pitch=24.0,
        whole=True,
    )
    for row, (count, text) in enumerate(zip(table["扣分部门数"], texts)):
        plot.bar(row, 0, float(count), _RED)
        plot.value(row, float(count), text)
    if not len(table):
        plot.note("无扣分")
    counts = zip(table[indicator], table["扣分部门数"], table["扣分合计"])
    parts = "；".join(f"{name} {count} 个部门扣分，合计 {lost:.2f} 分" for name, count, lost in counts)
    return Chart.drawn(plot, f"横向条形图：扣分部门数最多的{indicator}：{parts or '无扣分'}。", "最常扣分的指标")


def level1(summary: Summary) -> Chart:
    """Spread of departments' score rates per level-1 indicator (box plot; points when few departments)."""
    level1 = summary.levels[0]
    labels = [label for label, _ in summary.level1]
    rates = [summary.level1_rates[label].dropna().to_numpy(dtype=float) for label in labels]
    comparison = summary.level1_comparison
    means = [f"平均 {mean:.1f}%" for mean in comparison["平均得分率（%）"]]
    plot = RowPlot(
        f"{level1}得分率对比（{summary.count} 个部门）",
        labels,
        "得分率（%）",
        115.0,
        reach=[(101.0, text) for text in means],
        pitch=40.0,
    )
    rng = np.random.default_rng(0)  # fixed jitter: identical input, identical picture
    for row, values in enumerate(rates):
        if len(values):
            _box(plot, row, np.clip(values, 0, None), fliers=summary.count > 200)
        if len(values) and summary.count <= 200:
            for value, dy in zip(np.clip(values, 0, None), rng.uniform(-0.18, 0.18, len(values))):
                plot.canvas.circle(plot.x(value), plot.y(row) + dy * plot.pitch, 1.8, _RED, 0.7)
    for row, text in enumerate(means):
        plot.value(row, 101.0, text)
    parts = "；".join(
        f"{r[level1]} 平均 {r['平均得分率（%）']:.1f}%，"
        f"最低 {r['最低得分率（%）']:.1f}%，最高 {r['最高得分率（%）']:.1f}%"
        for r in comparison.to_dict("records")
    )
    return Chart.drawn(plot, f"箱线图：各{level1}的部门得分率分布：{parts}。", f"{level1}得分率对比")


def _box(plot: RowPlot, row: int, values: np.ndarray, fliers: bool) -> None:
    """A box from the first to the third quartile with the median in blue, whiskers to the furthest values
    within 1.5 box lengths, and the values beyond them as rings when `fliers` (as matplotlib's box plot)."""
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    inside = values[(values >= q1 - 1.5 * (q3 - q1)) & (values <= q3 + 1.5 * (q3 - q1))]
    low, high = (inside.min(), inside.max()) if len(inside) else (q1, q3)
    y, half, c = plot.y(row), plot.pitch / 4, plot.canvas
    c.rect(plot.x(q1), y - half, plot.x(q3) - plot.x(q1), 2 * half, "#dbe6f0")
    for x1, y1, x2, y2 in (
        (q1, -1, q3, -1), (q1, 1, q3, 1), (q1, -1, q1, 1), (q3, -1, q3, 1),
        (low, 0, q1, 0), (q3, 0, high, 0), (low, -0.5, low, 0.5), (high, -0.5, high, 0.5),
    ):  # fmt: skip
        c.line(plot.x(x1), y + y1 * half, plot.x(x2), y + y2 * half, INK, 1)
    c.line(plot.x(median), y - half, plot.x(median), y + half, _BLUE, 1.2)
    for value in values[(values < low) | (values > high)] if fliers else ():
        c.circle(plot.x(value), y, 1.8, "none", stroke=INK)
