"""Charts of the cross-unit summary, readable from 4 units to 2,000.

Where units are too many to draw one by one, a chart shows the top and bottom N (ranking) or the weakest N
plus averages (heatmaps); the full data is in the tables and exports. Every chart carries alt text. In a year
that mixes families the ranking is drawn group by group (family and kind), and the heatmap is two: level-3
indicators of the fixed-rubric units, level-1 indicators of the target-family units (whose level-3 indicators
are each unit's own, so that comparing them one by one would mean nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import matplotlib
import numpy as np
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.ticker import MaxNLocator

from toolkit.report.charts import Chart, chinese_font, render
from toolkit.summary.families import FIXED, TARGET, group_tag
from toolkit.summary.tables import Summary

MAX_BARS = 30  # departments drawn one by one in the ranking chart; beyond this, top and bottom halves
MAX_COLUMNS = 30  # departments drawn one by one in the heatmap; beyond this, the weakest plus averages
_HEADROOM = Decimal("1.08")  # the ranking's axis runs past full marks, to leave the best score's label room
_BLUE, _GREY, _RED = "#2f5d8a", "#d9d9d9", "#c0392b"
_GRADE_COLOURS = ("#2f5d8a", "#4a8f5a", "#c98b2b", "#c0392b", "#7f7f7f")
_RATES = LinearSegmentedColormap.from_list("rates", ["#c0392b", "#f4d03f", "#eaf2e3"]).with_extremes(bad=_GREY)


def _render(fig: plt.Figure, alt: str, caption: str) -> Chart:
    """A summary chart as a PNG at 200 dpi, sharp in print, Word and PDF as in the department report."""
    return render(fig, alt, caption)


def short(name: str, width: int = 14) -> str:
    """A department or indicator name cut to fit an axis label."""
    return name if len(name) <= width else name[: width - 1] + "…"


def _grade_colour(summary: Summary, grade: str) -> str:
    names = [g for g, _ in summary.grades]
    return _GRADE_COLOURS[names.index(grade) % len(_GRADE_COLOURS)] if grade in names else _GRADE_COLOURS[-1]


def ranking(summary: Summary, n: int = MAX_BARS) -> Chart:
    """Published score per unit, best first (group by group when the year mixes families or kinds); the top and
    bottom n/2 when there are more than n."""
    chinese_font()
    table = summary.ranking
    shown = table if len(table) <= n else table.iloc[list(range(n // 2)) + list(range(len(table) - n // 2, len(table)))]
    gap = len(table) > n
    labels = _ranking_labels(shown, grouped=len(summary.composition) > 1)
    if gap:
        labels.insert(n // 2, f"……（中间 {len(table) - n} 个部门见排名表）")
    scores = [float(s) for s in shown["得分"]]
    colours = [_grade_colour(summary, g) for g in shown["等级"]]
    if gap:
        scores.insert(n // 2, 0.0)
        colours.insert(n // 2, "white")
    y = np.arange(len(labels))[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(labels) + 1.3))
    ax.barh(y, scores, color=colours)
    for yi, s, label in zip(y, scores, labels):
        if not label.startswith("……"):
            ax.text(s + 0.5, yi, f"{s:.2f}", va="center", fontsize=8)
    for grade, low in summary.grades:
        if low > 0:
            ax.axvline(low, color=_GREY, linewidth=0.8, zorder=0)
            ax.text(low, len(labels) - 0.4, f"{grade} ≥ {low:g}", fontsize=7, color="#555555", ha="center")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlim(0, float(summary.total_weight * _HEADROOM))
    ax.set_xlabel("得分")
    unit = "单位" if len(summary.composition) > 1 else "部门"
    ax.set_title(
        f"{unit}得分排名（{'全部' if not gap else f'前 {n // 2} 名与后 {n // 2} 名，共'} {len(table)} 个{unit}）",
        pad=16,
    )
    ax.spines[["top", "right"]].set_visible(False)
    caption = "部门得分排名" + ("" if not gap else f"（前后各 {n // 2} 名，完整排名见下表）")
    return _render(fig, _ranking_alt(summary, n if gap else None), caption)


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
    chinese_font()
    dist = summary.grade_distribution
    fig, ax = plt.subplots(figsize=(6, 2.8))
    x = np.arange(len(dist))
    ax.bar(x, dist["部门数"], color=[_grade_colour(summary, g) for g in dist["等级"]])
    for xi, (count, share) in enumerate(zip(dist["部门数"], dist["占比（%）"])):
        ax.text(xi, count, f"{count}（{share:.1f}%）", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(x, list(dist["等级"]))
    ax.set_ylim(0, max(dist["部门数"].max(), 1) * 1.2)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # departments come whole
    ax.set_ylabel("部门数")
    ax.set_title(f"等级分布（{summary.count} 个部门）")
    ax.spines[["top", "right"]].set_visible(False)
    parts = "；".join(f"{g} {c} 个（{s:.1f}%）" for g, c, s in dist.itertuples(index=False))
    return _render(fig, f"柱状图：{summary.count} 个部门的评价等级分布：{parts}。", "等级分布")


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
    chinese_font()
    indicator = summary.levels[-1]
    columns, note = _heatmap_columns(summary, summary.matrix, n)
    rows = [short(summary.indicator_labels[i], 16) for i in summary.matrix.index]
    fig = _draw_heatmap(columns, rows, f"各{indicator}得分率（%）" + (f"\n{note}" if note else ""))
    weakest = summary.weakest_indicators(5).to_dict("records")
    parts = "；".join(f"{r[indicator]} 平均 {r['平均得分率（%）']:.1f}%，{r['扣分部门数']} 个部门扣分" for r in weakest)
    alt = (
        f"热力图：{len(rows)} 个{indicator}（行）在{note or '各部门'}（列）中的得分率，颜色越红得分率越低，"
        f"灰色为不适用，满分格不标数字。全体平均得分率最低的指标：{parts or '无（全部满分）'}。"
    )
    caption = f"各{indicator}得分率热力图" + (f"（{note}；完整矩阵见 summary.xlsx 的指标明细）" if note else "")
    return _render(fig, alt, caption)


def level1_heatmap(summary: Summary, n: int = MAX_COLUMNS) -> Chart:
    """Score rate of every level-1 indicator (rows) in each target-family unit (columns, best first)."""
    chinese_font()
    level1 = summary.levels[0]
    matrix = summary.target_level1
    columns, note = _heatmap_columns(summary, matrix, n)
    fig = _draw_heatmap(
        columns, list(matrix.index), f"目标对照表单位各{level1}得分率（%）" + (f"\n{note}" if note else "")
    )
    means = matrix.mean(axis=1)
    parts = "；".join(f"{label} 平均 {rate:.1f}%" for label, rate in means.items())
    alt = (
        f"热力图：目标对照表的 {matrix.shape[1]} 个单位（列，{note or '按排名'}）各{level1}（行）的得分率，"
        f"颜色越红得分率越低，满分格不标数字。各{level1}平均：{parts}。"
    )
    caption = f"目标对照表单位{level1}得分率热力图（三级指标由各单位自定，按{level1}对比）"
    return _render(fig, alt, caption)


def _draw_heatmap(columns: list[tuple[str, pd.Series]], rows: list[str], title: str) -> plt.Figure:
    data = np.array([col.to_numpy(dtype=float) for _, col in columns]).T
    fig, ax = plt.subplots(figsize=(2.5 + 0.42 * len(columns), 0.3 * len(rows) + 2.2))
    image = ax.imshow(np.ma.masked_invalid(data), cmap=_RATES, vmin=0, vmax=100, aspect="auto")
    for (r, c), v in np.ndenumerate(data):
        if not np.isnan(v) and v != 100:
            ax.text(c, r, f"{v:.0f}", ha="center", va="center", fontsize=6.5)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_xticks(range(len(columns)), [label for label, _ in columns], rotation=60, ha="right", fontsize=7.5)
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="得分率（%）")
    return fig


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
    chinese_font()
    indicator = summary.levels[-1]
    table = summary.frequent_deductions(n)
    fig, ax = plt.subplots(figsize=(8, 0.38 * max(len(table), 1) + 1.3))
    y = np.arange(len(table))[::-1]
    ax.barh(y, table["扣分部门数"], color=_RED)
    for yi, r in zip(y, table.itertuples()):
        ax.text(r.扣分部门数, yi, f" {r.扣分部门数} 个部门，合计扣 {r.扣分合计:.2f} 分", va="center", fontsize=8)
    ax.set_yticks(y, [short(x, 16) for x in table[indicator]], fontsize=8)
    ax.set_xlim(0, summary.count * 1.45)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("扣分部门数")
    ax.set_title(f"扣分最多的 {len(table)} 项{indicator}")
    ax.spines[["top", "right"]].set_visible(False)
    counts = zip(table[indicator], table["扣分部门数"], table["扣分合计"])
    parts = "；".join(f"{name} {count} 个部门扣分，合计 {lost:.2f} 分" for name, count, lost in counts)
    return _render(fig, f"横向条形图：扣分部门数最多的{indicator}：{parts or '无扣分'}。", "最常扣分的指标")


def level1(summary: Summary) -> Chart:
    """Spread of departments' score rates per level-1 indicator (box plot; points when few departments)."""
    chinese_font()
    level1 = summary.levels[0]
    labels = [label for label, _ in summary.level1]
    rates = [summary.level1_rates[label].dropna().to_numpy(dtype=float) for label in labels]
    fig, ax = plt.subplots(figsize=(8, 0.8 * len(labels) + 1.4))
    y = np.arange(len(labels))[::-1]
    ax.boxplot(
        rates,
        positions=y,
        orientation="horizontal",
        widths=0.5,
        showfliers=summary.count > 200,
        patch_artist=True,
        boxprops={"facecolor": "#dbe6f0"},
        medianprops={"color": _BLUE},
    )
    if summary.count <= 200:
        rng = np.random.default_rng(0)  # fixed jitter: identical input, identical picture
        for yi, values in zip(y, rates):
            ax.scatter(values, yi + rng.uniform(-0.18, 0.18, len(values)), s=12, color=_RED, alpha=0.7, zorder=3)
    comparison = summary.level1_comparison
    for yi, mean in zip(y, comparison["平均得分率（%）"]):
        ax.text(101, yi, f"平均 {mean:.1f}%", va="center", fontsize=8)
    ax.set_yticks(y, labels)
    ax.set_xlim(min(0, *(r.min() for r in rates if len(r))) if any(len(r) for r in rates) else 0, 115)
    ax.set_xlabel("得分率（%）")
    ax.set_title(f"{level1}得分率对比（{summary.count} 个部门）")
    ax.spines[["top", "right"]].set_visible(False)
    parts = "；".join(
        f"{r[level1]} 平均 {r['平均得分率（%）']:.1f}%，"
        f"最低 {r['最低得分率（%）']:.1f}%，最高 {r['最高得分率（%）']:.1f}%"
        for r in comparison.to_dict("records")
    )
    return _render(fig, f"箱线图：各{level1}的部门得分率分布：{parts}。", f"{level1}得分率对比")
