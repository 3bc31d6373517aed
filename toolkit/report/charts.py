"""Charts for the audit report (matplotlib), with Chinese labels that render on any machine.

Font: a CJK font installed on the system when there is one, else the Noto Sans SC (SIL OFL) the toolkit ships
in toolkit/fonts/. No proprietary font is shipped or preferred.

Every text is drawn literally: names from records and rubrics may hold `$`, which matplotlib would otherwise
read as mathtext (failing on `$\\frac{1}$`, typesetting `$x^2$`); `render` turns mathtext and TeX off for each
text of the figure, tick labels drawn late included.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")
import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.text
from matplotlib import font_manager
from matplotlib.axes import Axes

from toolkit.core.numbers import fmt
from toolkit.core.result import Adjustment, GroupResult, IndicatorResult, Result
from toolkit.core.targets import ratio
from toolkit.report.webfont import FONT_PATH

# Open-licence CJK families commonly installed by Linux distributions, best first.
_SYSTEM_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
)
_PROBE = "复核得分履职效能"


@lru_cache(maxsize=1)
def chinese_font() -> str:
    """Make matplotlib draw Chinese; return the family used (recorded in every output's provenance)."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    family = next((name for name in _SYSTEM_FAMILIES if name in installed), None)
    if family is None:
        font_manager.fontManager.addfont(str(FONT_PATH))
        family = font_manager.FontProperties(fname=str(FONT_PATH)).get_name()
    matplotlib.rcParams["font.family"] = [family, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.hashsalt"] = "audit-toolkit"
    return family


@dataclass(frozen=True)
class Chart:
    """A rendered chart: PNG bytes plus the alt text that describes it in words."""

    png: bytes
    alt: str
    caption: str

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure class="chart"><img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}">'
            f"<figcaption>{html.escape(self.caption)}</figcaption></figure>"
        )

    def __repr__(self) -> str:
        return f"图：{self.caption}（{self.alt}）"


_BLUE, _GREY, _RED, _GREEN = "#2f5d8a", "#d9d9d9", "#c0392b", "#4a8f5a"


def literal_text(fig: plt.Figure) -> None:
    """Have every text of `fig` drawn as written: no mathtext, no TeX, whatever the text holds."""
    for text in fig.findobj(matplotlib.text.Text):
        text.set_parse_math(False)
        text.set_usetex(False)


def render(fig: plt.Figure, alt: str, caption: str, dpi: int = 200) -> Chart:
    """The figure as a PNG chart (closed afterwards), every text literal; the same figure gives the same bytes."""
    buf = io.BytesIO()
    # Texts made while drawing (tick labels beyond the first) take their settings from rcParams.
    with matplotlib.rc_context({"text.parse_math": False, "text.usetex": False}):
        literal_text(fig)
        # No software/date metadata in the PNG: reproducible outputs depend on it.
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return Chart(buf.getvalue(), alt, caption)


def level2_rates(result: Result) -> Chart:
    """Score rate of each second-level group against full marks (bars), in table order."""
    chinese_font()
    groups = result.group_levels(2) or result.group_levels(1)
    rates = [float(g.rate * 100) for g in groups]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(groups) + 1.2))
    y = range(len(groups))[::-1]
    # With a review, the audited rate of each group is a marker over its self-assessed bar.
    changed = [(yi, g) for yi, g in zip(y, groups) if result.review is not None and g.audited != g.score]
    _rate_bars(ax, y, groups, rates, changed)
    ax.set_yticks(list(y), [g.label for g in groups])
    ax.set_xlim(0, 135 if not changed else 150)
    ax.set_xlabel("得分率（%）")
    ax.set_title("各二级指标得分率" + ("（自评与复核）" if changed else ""))
    ax.spines[["top", "right"]].set_visible(False)
    alt = _rates_alt(groups, rates, [g for _, g in changed])
    if changed:
        return render(fig, alt, "各二级指标得分率（红色为有扣分，◆ 为复核后得分率）")
    return render(fig, alt, "各二级指标得分率（红色为有扣分）")


def _rate_bars(
    ax: Axes, y: range, groups: tuple[GroupResult, ...], rates: list[float], changed: list[tuple[int, GroupResult]]
) -> None:
    """Each group's rate over a full-marks bar, labelled with its score; the changed ones' audited rates as ◆."""
    ax.barh(list(y), [100] * len(groups), color=_GREY, label="满分")
    ax.barh(list(y), rates, color=[_BLUE if r >= 100 else _RED for r in rates], label="得分率")
    for yi, g, r in zip(y, groups, rates):
        audited = next((f" → 复核 {fmt(g.audited)}" for _, h in changed if h is g), "")
        ax.text(min(r, 100) + 1, yi, f"{fmt(g.score)}/{fmt(g.weight)}（{r:.1f}%）{audited}", va="center", fontsize=9)
    if changed:
        ax.scatter(
            [float(g.audited_rate * 100) for _, g in changed],
            [yi for yi, _ in changed],
            marker="D",
            color="#222222",
            zorder=3,
            label="复核后得分率",
        )
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=8, frameon=False)


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
    chinese_font()
    full = sum((g.weight for g in result.groups), Decimal(0))
    steps = sorted(result.deductions, key=lambda i: -i.lost)
    # A review continues the path: each adjustment as a step from the self-assessed total to the audited one.
    review = result.review.adjustments if result.review is not None and result.review.adjustments else ()
    after = [f"复核：{a.label}" for a in review] + ["复核总分"] if review else []
    labels = ["满分"] + [i.label for i in steps] + ["自评总分"] + after
    fig, ax = plt.subplots(figsize=(7.5 + 0.8 * len(after), 4.2))
    _deduction_bars(ax, full, steps, result.total)
    lowest = _review_bars(ax, review, len(steps) + 2, result) if review else result.total
    low = float(min(lowest, full)) - max(float(full - lowest) * 1.5, 2)
    ax.set_ylim(max(0, low), float(full) + 1.5)
    ax.set_xticks(range(len(labels)), [_wrap(x) for x in labels], fontsize=8)
    ax.set_ylabel("分")
    ax.set_title(
        f"从满分 {fmt(full)} 到自评总分 {fmt(result.total)}" + (f"，复核后 {fmt(result.final_total)}" if review else "")
    )
    ax.spines[["top", "right"]].set_visible(False)
    alt = _path_alt(result, full, steps, review)
    if review:
        return render(fig, alt, "扣分路径：从满分到自评总分，再经复核调整到复核总分")
    return render(fig, alt, "扣分路径：从满分到总分")


def _deduction_bars(ax: Axes, full: Decimal, steps: list[IndicatorResult], total: Decimal) -> None:
    """Full marks at 0, a red step down per deducted indicator after it, then the self-assessed total."""
    level = full
    ax.bar(0, float(full), color=_GREY)
    for n, ind in enumerate(steps, start=1):
        ax.bar(n, float(-ind.lost), bottom=float(level), color=_RED)
        ax.text(n, float(level) + 0.3, f"−{fmt(ind.lost)}", ha="center", va="bottom", fontsize=8)
        level -= ind.lost
    at = len(steps) + 1
    ax.bar(at, float(total), color=_BLUE)
    ax.text(at, float(total) + 0.3, fmt(total), ha="center", va="bottom", fontsize=9)


def _review_bars(ax: Axes, review: tuple[Adjustment, ...], start: int, result: Result) -> Decimal:
    """The adjustments as hatched steps on from the self-assessed total (the first at `start`), then the audited
    total; returns the lowest level the path reaches."""
    level = result.total
    for n, a in enumerate(review, start=start):
        ax.bar(
            n,
            float(a.change),
            bottom=float(level),
            color=_RED if a.change < 0 else _GREEN,
            hatch="//",
            edgecolor="white",
        )
        ax.text(
            n,
            float(max(level, level + a.change)) + 0.3,
            f"{'+' if a.change > 0 else '−'}{fmt(abs(a.change))}",
            ha="center",
            va="bottom",
            fontsize=8,
        )
        level += a.change
    audited = result.final_total
    ax.bar(start + len(review), float(audited), color="#1d3b5a")
    ax.text(start + len(review), float(audited) + 0.3, fmt(audited), ha="center", va="bottom", fontsize=9)
    return min(result.total, audited, level)


def _path_alt(result: Result, full: Decimal, steps: list[IndicatorResult], review: tuple[Adjustment, ...]) -> str:
    """The waterfall in words: each deduction from full marks, then each adjustment of the review."""
    parts = "；".join(f"{i.label} 扣 {fmt(i.lost)} 分" for i in steps) or "无扣分"
    alt = f"瀑布图：满分 {fmt(full)} 分，依次扣分（{parts}），得到总分 {fmt(result.total)} 分。"
    if review:
        changes = "；".join(f"{a.label} {fmt(a.self_score)} → {fmt(a.audited_score)}" for a in review)
        alt += f"经复核调整（{changes}），复核后总分 {fmt(result.final_total)} 分。"
    return alt


def budget_composition(components: dict[str, Decimal], total: Decimal) -> Chart:
    """Budget components as a stacked bar with amounts (万元) and shares of the stated total."""
    chinese_font()
    fig, ax = plt.subplots(figsize=(7.5, 1.9))
    left = Decimal(0)
    colours = [_BLUE, _GREEN, "#8e6c8a", "#c98b2b", "#5f9ea0"]
    for n, (name, amount) in enumerate(components.items()):
        ax.barh(0, float(amount), left=float(left), color=colours[n % len(colours)])
        share = amount / total * 100 if total else Decimal(0)
        if amount:
            ax.text(
                float(left + amount / 2),
                0,
                f"{name}\n{amount:,.2f} 万元（{share:.1f}%）",
                ha="center",
                va="center",
                color="white",
                fontsize=9,
            )
        left += amount
    ax.set_yticks([])
    ax.set_xlim(0, float(max(left, total)) * 1.02 or 1)
    ax.set_xlabel("万元")
    ax.set_title(f"预算构成（总预算 {total:,.2f} 万元）")
    ax.spines[["top", "right", "left"]].set_visible(False)
    parts = "；".join(
        f"{name} {amount:,.2f} 万元，占 {(amount / total * 100 if total else 0):.1f}%"
        for name, amount in components.items()
    )
    alt = f"堆叠条形图：总预算 {total:,.2f} 万元，其中{parts}。"
    return render(fig, alt, "预算构成")


FAR_EXCEEDED = Decimal("1.3")  # actual ÷ target from which a target looks set too low (指标值设置偏低)
_AMBER = "#c98b2b"


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
    chinese_font()
    items = achievements(result)
    percents = [float(value * 100) for _, value in items]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * max(len(items), 1) + 1.4))
    y = list(range(len(items)))[::-1]
    _achievement_bars(ax, y, items, percents, far)
    ax.set_yticks(y, [label for label, _ in items])
    ax.set_xlim(0, max([135.0] + [pc * 1.12 for pc in percents]))
    ax.set_xlabel("完成率（%，虚线为目标值 100%）")
    ax.set_title("各定量指标完成率（实际完成值 ÷ 年度指标值）")
    ax.spines[["top", "right"]].set_visible(False)
    if not items:
        ax.text(0.5, 0.5, "无可计算完成率的定量指标", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    handles = [
        matplotlib.patches.Patch(color=_RED, label="未达成（低于 100%）"),
        matplotlib.patches.Patch(color=_BLUE, label="达成"),
        matplotlib.patches.Patch(facecolor=_AMBER, hatch="//", edgecolor="white", label=f"超过 {fmt(far * 100)}%"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize=8, frameon=False)
    if not items:
        return render(fig, "横向条形图：没有可计算完成率的定量指标。", "目标完成率")
    caption = f"目标完成率（红色为未达成，斜线为超过 {fmt(far * 100)}%，虚线为 100% 目标线）"
    return render(fig, _achievement_alt(items, far), caption)


def _achievement_bars(
    ax: Axes, y: list[int], items: list[tuple[str, Decimal]], percents: list[float], far: Decimal
) -> None:
    """A bar per indicator, coloured by how its ratio stands to 100% and `far`, with the two lines."""
    low, high = [v < 1 for _, v in items], [v > far for _, v in items]
    colours = [_RED if lo else _AMBER if hi else _BLUE for lo, hi in zip(low, high)]
    bars = ax.barh(y, percents, color=colours, edgecolor="white")
    for bar, hi in zip(bars, high):
        if hi:
            bar.set_hatch("//")
    for yi, pc in zip(y, percents):
        ax.text(pc + 1, yi, f"{pc:.1f}%", va="center", fontsize=9)
    ax.axvline(100, color="#222222", linestyle="--", linewidth=1)
    ax.axvline(float(far * 100), color=_AMBER, linestyle=":", linewidth=1)


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


def _wrap(label: str, width: int = 6) -> str:
    return "\n".join(label[i : i + width] for i in range(0, len(label), width))
