"""Charts: Chinese renders with no missing glyph, every chart describes itself in alt text."""

from __future__ import annotations

import itertools
import warnings
from dataclasses import replace
from decimal import Decimal

import matplotlib
import matplotlib.pyplot as plt
import pytest
from conftest import spy_drawn_text
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from toolkit.report import charts


@pytest.fixture
def glyph_warnings_fail():
    """Turn matplotlib's “Glyph … missing from font(s)” warning into an error for the test's duration."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph \d+ .*missing from font")
        yield


def _all_charts(result, record):
    return [
        charts.level2_rates(result),
        charts.deduction_path(result),
        charts.budget_composition(record.data.budget.components, record.data.budget.total),
    ]


def test_charts_render_chinese_without_missing_glyphs(seed_result, seed_record, glyph_warnings_fail):
    rendered = _all_charts(seed_result, seed_record)
    assert all(chart.png.startswith(b"\x89PNG") for chart in rendered)


def test_missing_glyph_warning_is_caught_when_the_font_lacks_chinese(glyph_warnings_fail):
    # The control for the test above: with a Latin-only font the same labels must fail.
    fig, ax = plt.subplots()
    ax.set_title("履职效能", fontfamily="DejaVu Sans")
    with pytest.raises(UserWarning, match="missing from font"):
        fig.canvas.draw()
    plt.close(fig)


def test_chinese_font_covers_the_report_characters():
    family = charts.chinese_font()
    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    charmap = FT2Font(path).get_charmap()
    assert all(ord(ch) in charmap for ch in "履职效能管理效率扣分满分预算构成得分率")
    assert matplotlib.rcParams["font.family"][0] == family


def test_alt_text_states_the_numbers(seed_result, seed_record):
    rates, path, budget = _all_charts(seed_result, seed_record)
    assert "资产管理 90.0%" in rates.alt and "8 个二级指标" in rates.alt
    assert "部门整体绩效目标效益指标完成情况 扣 2.50 分" in path.alt and "总分 94.20 分" in path.alt
    assert "11,887.73 万元" in budget.alt and "项目支出 8,579.68 万元" in budget.alt


def test_chart_html_is_an_inline_figure_with_escaped_alt(seed_result):
    html = charts.level2_rates(seed_result)._repr_html_()
    assert html.startswith('<figure class="chart"><img src="data:image/png;base64,')
    assert 'alt="横向条形图' in html


def test_chart_png_is_deterministic(seed_result):
    assert charts.deduction_path(seed_result).png == charts.deduction_path(seed_result).png


# --- text from data is drawn as written, never as mathtext ---------------------------------------------------

HOSTILE = (r"$\frac{1}$", "a$b", "$x^2$")


@pytest.fixture
def drawn_text(monkeypatch) -> list[str]:
    return spy_drawn_text(monkeypatch, charts)


def _hostile_labels(result):
    """The seed's result with its level-2 groups and its indicators named after HOSTILE (numbered, to stay unique)."""
    names = (f"{HOSTILE[n % 3]}{n}" for n in itertools.count())

    def renamed(group):
        label = next(names) if group.level == 2 else group.label
        return replace(group, label=label, children=tuple(renamed(c) for c in group.children))

    indicators = tuple(replace(i, label=next(names)) for i in result.indicators)
    return result.replace(groups=tuple(renamed(g) for g in result.groups), indicators=indicators)


def test_department_charts_draw_dollar_names_literally(seed_result, drawn_text):
    hostile = _hostile_labels(seed_result)
    budget = {f"{name}支出": Decimal(n + 1) for n, name in enumerate(HOSTILE)}
    rendered = [charts.level2_rates(hostile), charts.deduction_path(hostile), charts.budget_composition(budget, 6)]
    assert all(chart.png.startswith(b"\x89PNG") for chart in rendered)
    drawn = set(drawn_text)
    assert {g.label for g in hostile.group_levels(2)} <= drawn  # tick labels, e.g. "$\\frac{1}$26"
    assert {f"{name}支出" for name in HOSTILE} <= drawn  # the budget components' annotations
