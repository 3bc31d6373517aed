"""Charts for the audit report, with Chinese labels that render on any machine, and the alt text of each.

The department charts (score rates, deduction path, budget composition, achievement), like the summary's
(toolkit.summary.charts), are drawn as SVG and rasterised with the shipped Noto Sans SC (toolkit.report.svgchart):
no matplotlib layout pass per notebook, and the same bytes on every machine.

No matplotlib here: toolkit.report.mplfont serves the matplotlib figures an auditor draws in a notebook.
Every text is drawn as written (a `$` in a name is no mathtext to SVG).
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from toolkit.core.numbers import fmt
from toolkit.core.result import Adjustment, GroupResult, IndicatorResult, Result
from toolkit.core.targets import ratio
from toolkit.report.svgchart import INK, VALUE, ColumnPlot, Key, RowPlot


class Drawing(Protocol):
    """What svgchart's Canvas, RowPlot and ColumnPlot have in common: a finished drawing."""

    def png(self) -> bytes: ...

    @property
    def missing(self) -> str: ...


@dataclass(frozen=True)
class Chart:
    """A rendered chart: PNG bytes plus the alt text that describes it in words."""

    png: bytes
    alt: str
    caption: str
    missing: str = ""  # characters of its texts the shipped font lacks, drawn as boxes (svgchart.Canvas.missing)

    @classmethod
    def drawn(cls, drawing: Drawing, alt: str, caption: str) -> Chart:
        """The chart of a finished drawing (an svgchart Canvas or plot): its PNG, and the characters it drew as
        boxes."""
        return cls(drawing.png(), alt, caption, drawing.missing)

    @property
    def legend(self) -> str:
        """The caption, and which characters the chart could only draw as boxes (the alt text has them all)."""
        if not self.missing:
            return self.caption
        chars = "、".join(f"“{ch}”" for ch in self.missing)
        return f"{self.caption}（图中的{chars}超出自带字体，显示为方框）"

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure class="chart"><img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}">'
            f"<figcaption>{html.escape(self.legend)}</figcaption></figure>"
        )

    def __repr__(self) -> str:
        return f"图：{self.legend}（{self.alt}）"


_BLUE, _GREY, _RED, _GREEN, _NAVY = "#2f5d8a", "#d9d9d9", "#c0392b", "#4a8f5a", "#1d3b5a"
_AMBER = "#c98b2b"


def level2_rates(result: Result) -> Chart:
    """Score rate of each second-level group against full marks (bars), in table order."""
    groups = result.group_levels(2) or result.group_levels(1)
    rates = [float(g.rate * 100) for g in groups]
    # With a review, the audited rate of each group it changed is a ◆ over the self-assessed bar.
    flags = [result.review is not None and g.audited != g.score for g in groups]
    texts = [
        f"{fmt(g.score)}/{fmt(g.weight)}（{r:.1f}%）" + (f" → 复核 {fmt(g.audited)}" if flag else "")
        for g, r, flag in zip(groups, rates, flags)
    ]
    changed = any(flags)
    legend = (
        (Key("满分", _GREY), Key("得分率", _BLUE), Key("有扣分", _RED), Key("复核后得分率", INK, marker=True))
        if changed
        else ()
    )
    plot = RowPlot(
        "各二级指标得分率" + ("（自评与复核）" if changed else ""),
        [g.label for g in groups],
        "得分率（%）",
        135,
        reach=[(min(r, 100), text) for r, text in zip(rates, texts)],
        legend=legend,
    )
    for row, (g, r, flag, text) in enumerate(zip(groups, rates, flags, texts)):
        plot.bar(row, 0, 100, _GREY)
        plot.bar(row, 0, r, _BLUE if r >= 100 else _RED)
        plot.value(row, min(r, 100), text)
        if flag:
            plot.marker(row, float(g.audited_rate * 100))
    alt = _rates_alt(groups, rates, [g for g, flag in zip(groups, flags) if flag])
    if changed:
        return Chart.drawn(plot, alt, "各二级指标得分率（红色为有扣分，◆ 为复核后得分率）")
    return Chart.drawn(plot, alt, "各二级指标得分率（红色为有扣分）")


def _rates_alt(groups: tuple[GroupResult, ...], rates: list[float], changed: list[GroupResult]) -> str:
    """The rates chart in words: the groups short of full marks and, after a review, the ones it changed."""
    short = [f"{g.label} {r:.1f}%" for g, r in zip(groups, rates) if r < 100]
    alt = f"横向条形图：{len(groups)} 个二级指标的得分率。" + (
        f"未得满分的有：{'；'.join(short)}；其余均为 100%。" if short else "全部为 100%。"
    )
    if changed:
        parts = (f"{g.label} {fmt(g.score)} → {fmt(g.audited)}（{float(g.audited_rate * 100):.1f}%）" for g in changed)
        alt += f"复核后得分率有变化的：{'；'.join(parts)}。"
    return alt


def deduction_path(result: Result) -> Chart:
    """A waterfall from full marks down to the total, one step per deducted indicator."""
    full = sum((g.weight for g in result.groups), Decimal(0))
    steps = sorted(result.deductions, key=lambda i: -i.lost)
    # A review continues the path: each adjustment as a step from the self-assessed total to the audited one.
    review = result.review.adjustments if result.review is not None and result.review.adjustments else ()
    after = [f"复核：{a.label}" for a in review] + ["复核总分"] if review else []
    labels = ["满分"] + [i.label for i in steps] + ["自评总分"] + after
    levels = _review_levels(result.total, review)
    lowest = min([result.total, result.final_total, *levels]) if review else result.total
    low = max(0.0, float(min(lowest, full)) - max(float(full - lowest) * 1.5, 2))
    values = [_signed(-i.lost) for i in steps] + [fmt(result.total)]
    values += [_signed(a.change) for a in review] + [fmt(result.final_total)] if review else []
    plot = ColumnPlot(
        f"从满分 {fmt(full)} 到自评总分 {fmt(result.total)}"
        + (f"，复核后 {fmt(result.final_total)}" if review else ""),
        labels,
        "分",
        low,
        float(full),
        values,
        width=(7.5 + 0.8 * len(after)) * 72,
    )
    _deduction_bars(plot, full, steps, result.total)
    if review:
        _review_bars(plot, review, levels, len(steps) + 2, result.final_total)
    alt = _path_alt(result, full, steps, review)
    if review:
        return Chart.drawn(plot, alt, "扣分路径：从满分到自评总分，再经复核调整到复核总分")
    return Chart.drawn(plot, alt, "扣分路径：从满分到总分")


def _signed(change: Decimal) -> str:
    return f"{'+' if change > 0 else '−'}{fmt(abs(change))}"


def _review_levels(total: Decimal, review: tuple[Adjustment, ...]) -> list[Decimal]:
    """The levels the path stands at from the self-assessed total on: before each adjustment, then after the last."""
    levels = [total]
    for a in review:
        levels.append(levels[-1] + a.change)
    return levels


def _deduction_bars(plot: ColumnPlot, full: Decimal, steps: list[IndicatorResult], total: Decimal) -> None:
    """Full marks at 0, a red step down per deducted indicator after it, then the self-assessed total."""
    level = full
    plot.bar(0, 0, float(full), _GREY)
    for n, ind in enumerate(steps, start=1):
        plot.bar(n, float(level), float(level - ind.lost), _RED)
        plot.value(n, float(level), _signed(-ind.lost))
        level -= ind.lost
    at = len(steps) + 1
    plot.bar(at, 0, float(total), _BLUE)
    plot.value(at, float(total), fmt(total), VALUE)


def _review_bars(
    plot: ColumnPlot, review: tuple[Adjustment, ...], levels: list[Decimal], start: int, audited: Decimal
) -> None:
    """The adjustments as hatched steps on from the self-assessed total (the first at `start`), then the audited
    total."""
    for n, (a, level) in enumerate(zip(review, levels), start=start):
        plot.bar(n, float(level), float(level + a.change), _RED if a.change < 0 else _GREEN, hatch=True)
        plot.value(n, float(max(level, level + a.change)), _signed(a.change))
    plot.bar(start + len(review), 0, float(audited), _NAVY)
    plot.value(start + len(review), float(audited), fmt(audited), VALUE)


def _path_alt(result: Result, full: Decimal, steps: list[IndicatorResult], review: tuple[Adjustment, ...]) -> str:
    """The waterfall in words: each deduction from full marks, then each adjustment of the review."""
    parts = "；".join(f"{i.label} 扣 {fmt(i.lost)} 分" for i in steps) or "无扣分"
    alt = f"瀑布图：满分 {fmt(full)} 分，依次扣分（{parts}），得到总分 {fmt(result.total)} 分。"
    if review:
        changes = "；".join(f"{a.label} {fmt(a.self_score)} → {fmt(a.audited_score)}" for a in review)
        alt += f"经复核调整（{changes}），复核后总分 {fmt(result.final_total)} 分。"
    return alt


def budget_composition(components: dict[str, Decimal], total: Decimal) -> Chart:
    """Budget components as a stacked bar with amounts (万元) and shares of the stated total; a component too
    narrow for its text is named in a legend under the bar instead."""
    colours = [_BLUE, _GREEN, "#8e6c8a", _AMBER, "#5f9ea0"]
    segments, left = [], Decimal(0)
    for n, (name, amount) in enumerate(components.items()):
        share = amount / total * 100 if total else Decimal(0)
        lines = [name, f"{amount:,.2f} 万元（{share:.1f}%）"]
        segments.append((float(left), float(left + amount), colours[n % len(colours)], lines if amount else []))
        left += amount
    title, xmax = f"预算构成（总预算 {total:,.2f} 万元）", float(max(left, total)) * 1.02 or 1.0
    plot = RowPlot(title, (), "万元", xmax, pitch=56, spine=False)
    narrow = [(colour, lines) for start, stop, colour, lines in segments if lines and not plot.fits(start, stop, lines)]
    if narrow:
        keys = [Key(" ".join(lines), colour) for colour, lines in narrow]
        plot = RowPlot(title, (), "万元", xmax, pitch=56, spine=False, legend=keys)
    for start, stop, colour, lines in segments:
        plot.bar(0, start, stop, colour)
        if lines and plot.fits(start, stop, lines):
            plot.inside(0, start, stop, lines)
    parts = "；".join(
        f"{name} {amount:,.2f} 万元，占 {(amount / total * 100 if total else 0):.1f}%"
        for name, amount in components.items()
    )
    alt = f"堆叠条形图：总预算 {total:,.2f} 万元，其中{parts}。"
    return Chart.drawn(plot, alt, "预算构成")


FAR_EXCEEDED = Decimal("1.3")  # actual ÷ target from which a target looks set too low (指标值设置偏低)


def achievements(result: Result) -> list[tuple[str, Decimal]]:
    """(indicator, achievement ratio) for every quantitative target-versus-actual indicator, in table order."""
    out = []
    for i in result.indicators:
        if i.target is None or i.actual is None:
            continue
        value = ratio(i.target, i.actual)
        if value is not None:
            out.append((i.label, value))
    return out


def achievement(result: Result, far: Decimal = FAR_EXCEEDED) -> Chart:
    """Actual ÷ target of each quantitative indicator (bars) against the target line at 100%.

    Bars under 100% are red, over `far` (130%) amber and hatched, the rest blue; ratios are those of
    toolkit.core.targets.ratio (完成值 ÷ 指标值 for ≥, 指标值 ÷ 完成值 for ≤), not capped."""
    items = achievements(result)
    percents = [float(value * 100) for _, value in items]
    keys = (
        Key("未达成（低于 100%）", _RED),
        Key("达成", _BLUE),
        Key(f"超过 {fmt(far * 100)}%", _AMBER, hatch=True),
    )
    plot = RowPlot(
        "各定量指标完成率（实际完成值 ÷ 年度指标值）",
        [label for label, _ in items],
        "完成率（%，虚线为目标值 100%）",
        max([135.0, float(far * 100) * 1.04] + [pc * 1.12 for pc in percents]),
        reach=[(pc, f"{pc:.1f}%") for pc in percents],
        legend=keys,
    )
    for row, ((_, value), pc) in enumerate(zip(items, percents)):
        plot.bar(row, 0, pc, _RED if value < 1 else _AMBER if value > far else _BLUE, hatch=value > far)
    plot.vline(100, INK, "4 2.5")
    plot.vline(float(far * 100), _AMBER, "1 2")
    for row, pc in enumerate(percents):
        plot.value(row, pc, f"{pc:.1f}%", halo=True)
    if not items:
        plot.note("无可计算完成率的定量指标")
        return Chart.drawn(plot, "横向条形图：没有可计算完成率的定量指标。", "目标完成率")
    caption = f"目标完成率（红色为未达成，斜线为超过 {fmt(far * 100)}%，虚线为 100% 目标线）"
    return Chart.drawn(plot, _achievement_alt(items, far), caption)


def _achievement_alt(items: list[tuple[str, Decimal]], far: Decimal) -> str:
    """The achievement chart in words: the indicators under 100% and those over `far`."""
    under = [f"{label} {float(v * 100):.1f}%" for label, v in items if v < 1]
    over = [f"{label} {float(v * 100):.1f}%" for label, v in items if v > far]
    alt = (
        f"横向条形图：{len(items)} 个定量指标的完成率（实际完成值 ÷ 年度指标值，"
        "≤ 类指标为年度指标值 ÷ 实际完成值），目标线为 100%。"
    )
    alt += f"低于 100% 的有：{'；'.join(under)}。" if under else "全部达到 100%。"
    if over:
        alt += f"超过 {fmt(far * 100)}% 的有：{'；'.join(over)}。"
    return alt
