"""Department charts: SVG drawn by the toolkit and rasterised with the shipped font, every character of it covered,
nothing clipped, every chart described in alt text; and the matplotlib font the summary charts use."""

from __future__ import annotations

import io
import itertools
import math
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import matplotlib
import pytest
from conftest import ASSET_REVIEW, SVG_NS, svg_texts
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from PIL import Image

from toolkit.core.record import load_record
from toolkit.report import charts, mplfont, svgchart, word
from toolkit.report.webfont import FONT_PATH
from toolkit.review.apply import audit
from toolkit.review.files import review_path_for

ROOT = Path(__file__).resolve().parents[2]
RECORDS = sorted((ROOT / "params").glob("*.yaml"))
SVG = SVG_NS


@lru_cache(maxsize=1)
def shipped_cmap() -> frozenset[int]:
    return frozenset(TTFont(str(FONT_PATH), lazy=True).getBestCmap())


def missing_glyphs(svgs: list[str]) -> set[str]:
    return {ch for svg in svgs for text in svg_texts(svg) for ch in text if ord(ch) not in shipped_cmap()}


def _all_charts(result, record) -> list[charts.Chart]:
    out = [charts.level2_rates(result), charts.deduction_path(result), charts.achievement(result)]
    if record.data.budget is not None:
        out.append(charts.budget_composition(record.data.budget.components, record.data.budget.total))
    return out


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    """The seed record audited with the review that lowers 资产配置合规性 from 1 to 0.5."""
    folder = tmp_path_factory.mktemp("reviewed")
    path = folder / "huangpu-zwsj-2022.yaml"
    shutil.copyfile(ROOT / "params" / path.name, path)
    review_path_for(path).write_text(ASSET_REVIEW, encoding="utf-8")
    record = load_record(path)
    return record, audit(record)


def test_charts_are_pngs_7_5_inches_wide_at_200_dpi(seed_result, seed_record):
    for chart in _all_charts(seed_result, seed_record):
        image = Image.open(io.BytesIO(chart.png))
        assert image.format == "PNG" and image.width == 1500
        assert image.info["dpi"] == pytest.approx((200, 200), abs=0.01)
        assert word._png_inches(chart.png) == pytest.approx(7.5, abs=0.001)
        image.load()  # decodes the whole image: the pHYs chunk added after resvg leaves the PNG valid


def test_a_reviewed_waterfall_is_wider_by_its_review_steps(reviewed):
    # Two more steps (the adjustment and the audited total): 7.5 + 0.8 × 2 inches.
    assert Image.open(io.BytesIO(charts.deduction_path(reviewed[1]).png)).width == round(9.1 * 200)


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem)
def test_every_character_drawn_is_in_the_shipped_font(path, drawn):
    record = load_record(path)
    _all_charts(audit(record), record)
    assert "".join(itertools.chain.from_iterable(svg_texts(svg) for svg in drawn))  # the charts hold text
    assert not missing_glyphs(drawn)


def test_a_character_outside_the_shipped_font_is_caught(seed_result, drawn):
    # The control for the test above: 𠀀 (CJK extension B) has no glyph in the shipped font.
    charts.level2_rates(_hostile_labels(seed_result, ("𠀀",)))
    assert missing_glyphs(drawn) == {"𠀀"}


def test_a_chart_names_the_characters_it_can_only_draw_as_boxes(seed_result):
    chart = charts.level2_rates(_hostile_labels(seed_result, ("㮾下", "𠀀")))
    assert chart.missing == "㮾𠀀"  # in code-point order: U+3BBE, U+20000
    assert "<figcaption>各二级指标得分率（红色为有扣分）（图中的“㮾”、“𠀀”超出自带字体，显示为方框）</figcaption>" in (
        chart._repr_html_()
    )
    assert "超出自带字体" in repr(chart)
    plain = charts.level2_rates(seed_result)
    assert plain.missing == "" and "超出自带字体" not in plain._repr_html_()


def test_alt_text_states_the_numbers(seed_result, seed_record):
    rates, path, _, budget = _all_charts(seed_result, seed_record)
    assert "资产管理 90.0%" in rates.alt and "8 个二级指标" in rates.alt
    assert "部门整体绩效目标效益指标完成情况 扣 2.50 分" in path.alt and "总分 94.20 分" in path.alt
    assert "11,887.73 万元" in budget.alt and "项目支出 8,579.68 万元" in budget.alt


def test_chart_html_is_an_inline_figure_with_escaped_alt(seed_result):
    html = charts.level2_rates(seed_result)._repr_html_()
    assert html.startswith('<figure class="chart"><img src="data:image/png;base64,')
    assert 'alt="横向条形图' in html


def test_chart_png_is_deterministic(reviewed):
    record, result = reviewed
    first = [chart.png for chart in _all_charts(result, record)]
    assert first == [chart.png for chart in _all_charts(result, record)]


def test_chinese_font_covers_the_report_characters():
    # The summary charts' font (matplotlib): the department charts use the shipped font directly.
    family = mplfont.chinese_font()
    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    charmap = FT2Font(path).get_charmap()
    assert all(ord(ch) in charmap for ch in "履职效能管理效率扣分满分预算构成得分率")
    assert matplotlib.rcParams["font.family"][0] == family


# --- what the charts show --------------------------------------------------------------------------------------


def test_a_review_shows_its_markers_legend_and_steps(reviewed, drawn):
    _, result = reviewed
    rates, path = charts.level2_rates(result), charts.deduction_path(result)
    assert "◆ 为复核后得分率" in rates.caption and "复核后总分 93.70 分" in path.alt
    rates_svg, path_svg = drawn
    assert "9.00/10.00（90.0%） → 复核 8.50" in svg_texts(rates_svg) and "复核后得分率" in svg_texts(rates_svg)
    assert rates_svg.count("<path") == 2  # the ◆ of 资产管理 and the legend's
    assert {"自评总分", "−0.50", "复核总分", "93.70"} <= set(svg_texts(path_svg))
    assert path_svg.count('fill="url(#hatch)"') == 1  # the adjustment's step


def test_without_a_review_there_is_no_marker_legend_or_hatched_step(seed_result, drawn):
    charts.level2_rates(seed_result)
    charts.deduction_path(seed_result)
    rates_svg, path_svg = drawn
    assert "<path" not in rates_svg and "复核后得分率" not in svg_texts(rates_svg)
    assert "url(#hatch)" not in path_svg and svg_texts(path_svg)[-1] == "94.20"


def test_achievement_hatches_far_exceeded_bars_and_draws_both_lines(drawn):
    result = audit(load_record(ROOT / "params" / "demo-wenlv-dept-2023.yaml"))
    chart = charts.achievement(result, far=Decimal("1.06"))
    (svg,) = drawn
    assert "超过 106.00% 的有：举办群众文化活动场次 108.7%" in chart.alt
    assert svg.count('fill="url(#hatch)"') == 3 + 1  # 108.7%, 108.0%, 107.5% and the legend's swatch
    assert svg.count("stroke-dasharray") == 2  # the 100% target line and the far line
    assert {"108.7%", "超过 106.00%", "未达成（低于 100%）"} <= set(svg_texts(svg))


def test_achievement_without_quantities_says_so(seed_result, drawn):
    chart = charts.achievement(seed_result)
    assert chart.alt == "横向条形图：没有可计算完成率的定量指标。"
    assert "无可计算完成率的定量指标" in svg_texts(drawn[0])


def test_many_steps_turn_the_waterfall_labels(drawn):
    # demo-cha deducts from 25 indicators: the labels are turned 45°, the values upright, none wrapped.
    result = audit(load_record(ROOT / "params" / "demo-cha-2022.yaml"))
    charts.deduction_path(result)
    root = ET.fromstring(drawn[0])
    turned = [t.text for t in root.iter(f"{SVG}text") if "rotate(-45" in t.get("transform", "")]
    upright = [t.text for t in root.iter(f"{SVG}text") if "rotate(-90" in t.get("transform", "")]
    assert turned == ["满分", *(i.label for i in sorted(result.deductions, key=lambda i: -i.lost)), "自评总分"]
    assert len(upright) == len(result.deductions) + 1


# --- nothing clipped, nothing overlapping ----------------------------------------------------------------------


def _boxes(svg: str) -> tuple[float, float, list[tuple[list[tuple[float, float]], bool]]]:
    """The canvas size and each text's corners (estimated as svgchart lays them out), with whether it is turned."""
    root = ET.fromstring(svg)
    out = []
    for t in root.iter(f"{SVG}text"):
        size, x = float(t.get("font-size", "9")), float(t.get("x", "0"))
        middle = float(t.get("y", "0")) - 0.36 * size
        width = svgchart.text_width(t.text or "", size)
        start = x - width * {"start": 0, "middle": 0.5, "end": 1}[t.get("text-anchor", "start")]
        angle = math.radians(float(t.get("transform", "rotate(0 ").split("(")[1].split()[0]))
        corners = []
        for dx, dy in itertools.product((start - x, start - x + width), (-0.5 * size, 0.5 * size)):
            corners.append(
                (x + dx * math.cos(angle) - dy * math.sin(angle), middle + dx * math.sin(angle) + dy * math.cos(angle))
            )
        out.append((corners, angle != 0))
    return float(root.get("width", "0")), float(root.get("height", "0")), out


def _overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> bool:
    (ax0, ay0), (ax1, ay1) = map(min, zip(*a)), map(max, zip(*a))
    (bx0, by0), (bx1, by1) = map(min, zip(*b)), map(max, zip(*b))
    return ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1


def assert_laid_out(svg: str) -> None:
    """Every text on the canvas, and no two unturned texts overlapping."""
    width, height, boxes = _boxes(svg)
    for corners, _ in boxes:
        assert all(-0.5 <= x <= width + 0.5 and -0.5 <= y <= height + 0.5 for x, y in corners), corners
    flat = [corners for corners, turned in boxes if not turned]
    assert not [(a, b) for a, b in itertools.combinations(flat, 2) if _overlap(a, b)]


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem)
def test_no_text_is_clipped_or_overlaps_another(path, drawn, reviewed):
    record = load_record(path)
    _all_charts(audit(record), record)
    _all_charts(reviewed[1], reviewed[0])
    for svg in drawn:
        assert_laid_out(svg)


def test_budget_components_too_narrow_for_their_text_are_named_in_a_legend(drawn):
    components = {"基本支出": Decimal("9000"), **{f"专项经费{n}（含配套资金）": Decimal("30") for n in range(5)}}
    chart = charts.budget_composition(components, Decimal("9150"))
    assert "专项经费4（含配套资金） 30.00 万元，占 0.3%" in chart.alt
    (svg,) = drawn
    assert {"基本支出", "9,000.00 万元（98.4%）"} <= set(svg_texts(svg))  # inside its bar
    assert [t for t in svg_texts(svg) if "专项经费" in t] == [
        f"专项经费{n}（含配套资金） 30.00 万元（0.3%）" for n in range(5)
    ]
    assert_laid_out(svg)  # the legend takes three rows


# --- text from data is drawn as written ------------------------------------------------------------------------

HOSTILE = (r"$\frac{1}$", "a$b", "$x^2$")


def _hostile_labels(result, names=HOSTILE):
    """The seed's result with its level-2 groups and its indicators named after `names` (numbered, to stay unique)."""
    numbered = (f"{names[n % len(names)]}{n}" for n in itertools.count())

    def renamed(group):
        label = next(numbered) if group.level == 2 else group.label
        return replace(group, label=label, children=tuple(renamed(c) for c in group.children))

    indicators = tuple(replace(i, label=next(numbered)) for i in result.indicators)
    return result.replace(groups=tuple(renamed(g) for g in result.groups), indicators=indicators)


@pytest.mark.parametrize("names", [HOSTILE, ("<b>", "&amp;", '"x"', "a]]>b")], ids=["dollars", "markup"])
def test_department_charts_draw_names_literally(seed_result, drawn, names):
    hostile = _hostile_labels(seed_result, names)
    budget = {f"{name}支出": Decimal(n + 1) for n, name in enumerate(names)}
    rendered = [charts.level2_rates(hostile), charts.deduction_path(hostile), charts.budget_composition(budget, 10)]
    assert all(chart.png.startswith(b"\x89PNG") for chart in rendered)
    rates, path, composition = (svg_texts(svg) for svg in drawn)
    assert {g.label for g in hostile.group_levels(2)} <= set(rates)  # the row labels, e.g. "$\\frac{1}$26"
    steps = "".join(path)  # the step labels, wrapped onto lines of up to six characters
    assert all(i.label in steps for i in hostile.deductions)
    assert all(any(f"{name}支出" in text for text in composition) for name in names)  # inside or in the legend
