"""The SVG chart primitives: text estimates that err wide of the shipped font, round ticks, a PNG that states its
resolution, text escaped and drawn as written."""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ET
import zlib
from functools import lru_cache
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from toolkit.core.record import load_record
from toolkit.report import charts
from toolkit.report.svgchart import Canvas, rasterise, text_width, ticks, wrap
from toolkit.report.webfont import FONT_PATH
from toolkit.review.apply import audit

ROOT = Path(__file__).resolve().parents[2]


@lru_cache(maxsize=1)
def _advances() -> tuple[dict[int, str], dict[str, tuple[int, int]], int]:
    font = TTFont(str(FONT_PATH), lazy=True)
    return font.getBestCmap(), font["hmtx"].metrics, font["head"].unitsPerEm


def advance(text: str, size: float) -> float:
    """The text's width in the shipped font (no kerning): the sum of its glyphs' advances."""
    cmap, metrics, units = _advances()
    return sum(metrics[cmap[ord(ch)]][0] for ch in text) * size / units


def _labels() -> set[str]:
    """Every label and value text the department charts of the shipped records draw."""
    out: set[str] = set()
    for path in sorted((ROOT / "params").glob("*.yaml")):
        result = audit(load_record(path))
        groups = result.group_levels(2) or result.group_levels(1)
        out |= {g.label for g in groups} | {f"{g.score}/{g.weight}（{float(g.rate * 100):.1f}%）" for g in groups}
        out |= {i.label for i in result.indicators} | {label for label, _ in charts.achievements(result)}
    return out | {"各定量指标完成率（实际完成值 ÷ 年度指标值）", "完成率（%，虚线为目标值 100%）", "12,000", "−0.18"}


def test_text_estimate_never_falls_short_of_the_shipped_font_nor_runs_far_over():
    ratios = {text: text_width(text, 10) / advance(text, 10) for text in _labels() if text.strip()}
    assert min(ratios.values()) >= 1.0, min(ratios, key=ratios.get)
    assert max(ratios.values()) <= 1.25, max(ratios, key=ratios.get)


@pytest.mark.parametrize(
    ("lo", "hi", "expected", "decimals"),
    [
        (0, 135, [0, 20, 40, 60, 80, 100, 120], 0),
        (85, 101.5, [85, 90, 95, 100], 0),
        (0, 12125, [0, 2000, 4000, 6000, 8000, 10000, 12000], 0),
        (97.3, 99.1, [97.5, 98.0, 98.5, 99.0], 1),
    ],
)
def test_ticks_are_round_and_few(lo, hi, expected, decimals):
    assert ticks(lo, hi) == (expected, decimals)


def test_labels_wrap_by_characters():
    assert wrap("部门整体绩效目标效益指标完成情况", 6) == ["部门整体绩效", "目标效益指标", "完成情况"]
    assert wrap("", 6) == [""]


def test_png_is_as_wide_as_the_canvas_at_200_dpi_and_says_so():
    canvas = Canvas(540, 100)
    canvas.text(10, 50, "复核得分 100%", 12)
    png = canvas.png()
    length, kind = struct.unpack(">I4s", png[33:41])
    body = png[41 : 41 + length]
    assert kind == b"pHYs" and struct.unpack(">IIB", body) == (7874, 7874, 1)
    assert struct.unpack(">I", png[41 + length : 45 + length])[0] == zlib.crc32(kind + body)
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.size == (1500, round(100 * 200 / 72))


def test_text_is_escaped_and_drawn_as_written():
    canvas = Canvas(300, 40)
    written = ['<b>&amp;"', "$x^2$", r"$\frac{1}$", "a\x00b"]
    for n, text in enumerate(written):
        canvas.text(10 + 70 * n, 20, text)
    drawn = [t.text for t in ET.fromstring(canvas.svg()).iter("{http://www.w3.org/2000/svg}text")]
    assert drawn == ['<b>&amp;"', "$x^2$", r"$\frac{1}$", "ab"]  # a NUL is no XML: dropped
    assert rasterise(canvas.svg(), 300).startswith(b"\x89PNG")


def test_the_same_drawing_gives_the_same_bytes():
    def draw() -> bytes:
        canvas = Canvas(200, 60)
        canvas.rect(10, 10, 80, 20, "#c0392b", hatch=True)
        canvas.diamond(120, 20)
        canvas.text(10, 45, "扣分路径 −2.50")
        return canvas.png()

    assert draw() == draw()


def test_a_canvas_knows_which_of_its_characters_the_font_lacks():
    canvas = Canvas(300, 40)
    canvas.text(10, 20, "示例㮾下村（虚构）：95.5%")
    canvas.lines(150, 20, ["😀", "埇桥区"], 9)
    assert canvas.missing == "㮾😀"  # 埇 is in the shipped font (a place-name character it was chosen to cover)
    assert Canvas(300, 40).missing == ""
