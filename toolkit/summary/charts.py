"""Charts of the cross-department summary, readable from 4 departments to 2,000.

Where departments are too many to draw one by one, a chart shows the top and bottom N (ranking) or the
weakest N plus averages (heatmap); the full data is in the tables and exports. Every chart carries alt text.
"""

from __future__ import annotations

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.ticker import MaxNLocator

from toolkit.report.charts import Chart, chinese_font, render
from toolkit.summary.tables import Summary

MAX_BARS = 30  # departments drawn one by one in the ranking chart; beyond this, top and bottom halves
MAX_COLUMNS = 30  # departments drawn one by one in the heatmap; beyond this, the weakest plus averages
_BLUE, _GREY, _RED = "#2f5d8a", "#d9d9d9", "#c0392b"
_GRADE_COLOURS = ("#2f5d8a", "#4a8f5a", "#c98b2b", "#c0392b", "#7f7f7f")
_RATES = LinearSegmentedColormap.from_list("rates", ["#c0392b", "#f4d03f", "#eaf2e3"]).with_extremes(bad=_GREY)


def _render(fig: plt.Figure, alt: str, caption: str) -> Chart:
    """A summary chart as a PNG, at the summary's resolution (100 dpi; the department report's is 110)."""
    return render(fig, alt, caption, dpi=100)


def short(name: str, width: int = 14) -> str:
    """A department or indicator name cut to fit an axis label."""
    return name if len(name) <= width else name[: width - 1] + "…"


def _grade_colour(summary: Summary, grade: str) -> str:
    names = [g for g, _ in summary.grades]
    return _GRADE_COLOURS[names.index(grade) % len(_GRADE_COLOURS)] if grade in names else _GRADE_COLOURS[-1]


def ranking(summary: Summary, n: int = MAX_BARS) -> Chart:
    """Published score per department, best first; the top and bottom n/2 when there are more than n."""
    chinese_font()
    table = summary.departments
    shown = table if len(table) <= n else table.iloc[list(range(n // 2)) + list(range(len(table) - n // 2, len(table)))]
    gap = len(table) > n
    labels = [f"{r.排名}. {short(r.部门名称)}" for r in shown.itertuples()]
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
    ax.set_xlim(0, 108)
    ax.set_xlabel("得分")
    ax.set_title(
        f"部门得分排名（{'全部' if not gap else f'前 {n // 2} 名与后 {n // 2} 名，共'} {len(table)} 个部门）", pad=16
    )
    ax.spines[["top", "right"]].set_visible(False)
    best, worst = table.iloc[0], table.iloc[-1]
    alt = (
        f"横向条形图：{len(table)} 个部门的得分排名{'' if not gap else f'（只画出前 {n // 2} 名和后 {n // 2} 名）'}。"
        f"最高为{best.部门名称} {best.得分:.2f} 分（{best.等级}），"
        f"最低为{worst.部门名称} {worst.得分:.2f} 分（{worst.等级}），"
        f"平均 {summary.statistics['平均分']:.2f} 分。"
    )
    return _render(fig, alt, "部门得分排名" + ("" if not gap else f"（前后各 {n // 2} 名，完整排名见下表）"))


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


def heatmap(summary: Summary, n: int = MAX_COLUMNS) -> Chart:
    """Score rate of every level-3 indicator (rows) in each department (columns, best first); with more than
    n departments: the average of all, the average per grade, and the n-? weakest departments."""
    chinese_font()
    matrix = summary.matrix
    names = dict(zip(summary.departments["部门代码"], summary.departments["部门名称"]))
    if matrix.shape[1] <= n:
        columns = [(short(names[c], 10), matrix[c]) for c in matrix.columns]
        note = ""
    else:
        grades = dict(zip(summary.departments["部门代码"], summary.departments["等级"]))
        columns = [(f"全部 {matrix.shape[1]} 个部门平均", matrix.mean(axis=1))]
        for grade, _ in summary.grades:
            codes = [c for c in matrix.columns if grades[c] == grade]
            if codes:
                columns.append((f"“{grade}”平均（{len(codes)}）", matrix[codes].mean(axis=1)))
        weakest = list(matrix.columns[-(n - len(columns)) :])
        columns += [(short(names[c], 10), matrix[c]) for c in weakest]
        note = f"前 {len(columns) - len(weakest)} 列为平均，其余为得分最低的 {len(weakest)} 个部门"
    data = np.array([col.to_numpy(dtype=float) for _, col in columns]).T
    rows = [short(summary.indicator_labels[i], 16) for i in matrix.index]
    fig, ax = plt.subplots(figsize=(2.5 + 0.42 * len(columns), 0.3 * len(rows) + 2.2))
    image = ax.imshow(np.ma.masked_invalid(data), cmap=_RATES, vmin=0, vmax=100, aspect="auto")
    for (r, c), v in np.ndenumerate(data):
        if not np.isnan(v) and v != 100:
            ax.text(c, r, f"{v:.0f}", ha="center", va="center", fontsize=6.5)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_xticks(range(len(columns)), [label for label, _ in columns], rotation=60, ha="right", fontsize=7.5)
    ax.set_title("各三级指标得分率（%）" + (f"\n{note}" if note else ""), fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02, label="得分率（%）")
    weakest_rows = summary.weakest_indicators(5)
    parts = "；".join(
        f"{r['三级指标']} 平均 {r['平均得分率（%）']:.1f}%，{r['扣分部门数']} 个部门扣分"
        for r in weakest_rows.to_dict("records")
    )
    alt = (
        f"热力图：{len(rows)} 个三级指标（行）在{note or '各部门'}（列）中的得分率，颜色越红得分率越低，"
        f"灰色为不适用，满分格不标数字。全体平均得分率最低的指标：{parts or '无（全部满分）'}。"
    )
    return _render(
        fig, alt, "各三级指标得分率热力图" + (f"（{note}；完整矩阵见 summary.xlsx 的指标明细）" if note else "")
    )


def deductions(summary: Summary, n: int = 10) -> Chart:
    """The n indicators deducted in most departments, with the points lost in total."""
    chinese_font()
    table = summary.frequent_deductions(n)
    fig, ax = plt.subplots(figsize=(8, 0.38 * max(len(table), 1) + 1.3))
    y = np.arange(len(table))[::-1]
    ax.barh(y, table["扣分部门数"], color=_RED)
    for yi, r in zip(y, table.itertuples()):
        ax.text(r.扣分部门数, yi, f" {r.扣分部门数} 个部门，合计扣 {r.扣分合计:.2f} 分", va="center", fontsize=8)
    ax.set_yticks(y, [short(x, 16) for x in table["三级指标"]], fontsize=8)
    ax.set_xlim(0, summary.count * 1.45)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("扣分部门数")
    ax.set_title(f"扣分最多的 {len(table)} 项三级指标")
    ax.spines[["top", "right"]].set_visible(False)
    parts = "；".join(f"{r.三级指标} {r.扣分部门数} 个部门扣分，合计 {r.扣分合计:.2f} 分" for r in table.itertuples())
    return _render(fig, f"横向条形图：扣分部门数最多的三级指标：{parts or '无扣分'}。", "最常扣分的指标")


def level1(summary: Summary) -> Chart:
    """Spread of departments' score rates per level-1 indicator (box plot; points when few departments)."""
    chinese_font()
    labels = [label for label, _ in summary.level1]
    rates = [summary.level1_rates[label].dropna().to_numpy(dtype=float) for label in labels]
    fig, ax = plt.subplots(figsize=(8, 0.8 * len(labels) + 1.4))
    y = np.arange(len(labels))[::-1]
    ax.boxplot(
        rates,
        positions=y,
        vert=False,
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
    ax.set_title(f"一级指标得分率对比（{summary.count} 个部门）")
    ax.spines[["top", "right"]].set_visible(False)
    parts = "；".join(
        f"{r['一级指标']} 平均 {r['平均得分率（%）']:.1f}%，"
        f"最低 {r['最低得分率（%）']:.1f}%，最高 {r['最高得分率（%）']:.1f}%"
        for r in comparison.to_dict("records")
    )
    return _render(fig, f"箱线图：各一级指标的部门得分率分布：{parts}。", "一级指标得分率对比")
