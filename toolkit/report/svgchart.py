"""Charts drawn as SVG by the toolkit and rasterised to PNG with resvg and the shipped font.

Why not matplotlib: laying a figure out (ticks, texts, the second draw that bbox_inches="tight" needs) cost
0.6–0.8 CPU-seconds per department notebook, for charts that are a few bars and texts. Here the layout is
computed directly from the texts a chart holds, and resvg rasterises the SVG in a few hundredths of a second.

Coordinates are points (1/72 inch), so font sizes are the printed ones; toolkit.report.raster makes the PNG.
Texts are measured by estimate, erring wide: a CJK, fullwidth or ambiguous-width character is 1 em, a Latin one
0.6 em (0.4 for narrow ones, 0.95 for broad ones); margins and axis ranges are made from the widest text, so
nothing is clipped. Only the shipped Noto Sans SC is used, never a system font, and no id or date goes into the SVG:
the same chart gives the same bytes anywhere.
Every text is escaped and drawn as written (`$x^2$` stays `$x^2$`).
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from toolkit.report.raster import rasterise
from toolkit.report.webfont import uncovered

FAMILY = "Noto Sans SC"  # the shipped font's family name
INK, AXIS, WHITE = "#222222", "#333333", "#ffffff"
PAD, TICK, GAP = 8.0, 3.5, 3.0  # canvas edge to any drawing; tick length; bar end to its value text
TITLE, LABEL, VALUE, KEY = 12.0, 10.0, 9.0, 8.0  # font sizes (points)
LEADING = 1.2  # line height, in ems
_NARROW = frozenset(" .,:;'!|()[]{}/\\`ijlfrtI")
_BROAD = frozenset("%mwMW@")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_HATCH = (
    '<defs><pattern id="hatch" patternUnits="userSpaceOnUse" width="5.5" height="5.5" patternTransform="rotate(45)">'
    '<line x1="2.75" y1="0" x2="2.75" y2="5.5" stroke="#ffffff" stroke-width="1"/></pattern></defs>'
)


def text_width(text: str, size: float) -> float:
    """The estimated advance of `text` at `size` points: never much less than the font's, often a little more."""
    ems = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in "WFA":
            ems += 1
        else:
            ems += 0.4 if ch in _NARROW else 0.95 if ch in _BROAD else 0.6
    return ems * size


def wrap(label: str, width: int) -> list[str]:
    """The label cut into lines of `width` characters (no word boundaries in Chinese to respect)."""
    return [label[i : i + width] for i in range(0, len(label), width)] or [""]


def ticks(lo: float, hi: float, most: int = 8) -> tuple[list[float], int]:
    """Round values from lo to hi, at most `most` intervals of 1, 2 or 5 × 10ⁿ apart, and the decimals they need."""
    span = hi - lo if hi > lo else 1.0
    magnitude = 10.0 ** math.floor(math.log10(span / most))
    step = next(m * magnitude for m in (1, 2, 5, 10) if span / (m * magnitude) <= most)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    return [round(k * step, decimals) for k in range(first, last + 1)], decimals


def blend(stops: Sequence[str], share: float) -> str:
    """The colour at `share` (0 to 1) of a scale through `stops` (#rrggbb, evenly spaced), mixed in RGB."""
    at = min(max(share, 0.0), 1.0) * (len(stops) - 1)
    k = min(int(at), len(stops) - 2)
    a, b = (tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in stops[k : k + 2])
    return "#" + "".join(f"{round(x + (y - x) * (at - k)):02x}" for x, y in zip(a, b))


def tick_label(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


@dataclass(frozen=True)
class Key:
    """One entry of a legend: a swatch of `colour` (hatched, or a ◆ marker instead) and its label."""

    label: str
    colour: str
    hatch: bool = False
    marker: bool = False


class Canvas:
    """An SVG drawing in points, its elements kept in paint order."""

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width, height
        self._parts: list[str] = []
        self._texts: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str, hatch: bool = False) -> None:
        """A filled box (negative sizes extend left or up), with white diagonal hatching over it if asked."""
        x, w = (x + w, -w) if w < 0 else (x, w)
        y, h = (y + h, -h) if h < 0 else (y, h)
        for paint in (fill, "url(#hatch)") if hatch else (fill,):
            self._parts.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" fill="{paint}"/>')

    def line(
        self, x1: float, y1: float, x2: float, y2: float, stroke: str = AXIS, width: float = 0.8, dash: str = ""
    ) -> None:
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        self._parts.append(
            f'<line x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}" stroke="{stroke}" '
            f'stroke-width="{width:g}"{dashes}/>'
        )

    def diamond(self, x: float, y: float, radius: float = 4.2, fill: str = INK) -> None:
        """A ◆ marker centred at (x, y), outlined in white to stand out on any bar."""
        r = radius
        self._parts.append(
            f'<path d="M{x:.2f} {y - r:.2f}L{x + r:.2f} {y:.2f}L{x:.2f} {y + r:.2f}L{x - r:.2f} {y:.2f}Z" '
            f'fill="{fill}" stroke="{WHITE}" stroke-width="0.6"/>'
        )

    def circle(self, x: float, y: float, radius: float, fill: str, opacity: float = 1, stroke: str = "") -> None:
        """A dot centred at (x, y); with `stroke`, a ring of that colour (unfilled when fill is "none")."""
        rim = f' stroke="{stroke}" stroke-width="0.8"' if stroke else ""
        seen = f' fill-opacity="{opacity:g}"' if opacity < 1 else ""
        self._parts.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{radius:g}" fill="{fill}"{seen}{rim}/>')

    def scale(self, x: float, y: float, w: float, h: float, stops: Sequence[str]) -> None:
        """A box shading through `stops` from its bottom to its top (a colour bar); one per canvas."""
        marks = "".join(f'<stop offset="{n / (len(stops) - 1):g}" stop-color="{c}"/>' for n, c in enumerate(stops))
        self._parts.append(
            f'<defs><linearGradient id="scale" x1="0" y1="1" x2="0" y2="0">{marks}</linearGradient></defs>'
        )
        self.rect(x, y, w, h, "url(#scale)")

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float = VALUE,
        anchor: str = "start",
        fill: str = INK,
        angle: float = 0,
        halo: bool = False,
    ) -> None:
        """One line of text whose middle is at height y (its baseline is 0.36 em lower), turned `angle` degrees
        about (x, y); `halo` rims it in white, so it stays legible across a line."""
        self._texts.append(text)
        turn = f' transform="rotate({angle:g} {x:.2f} {y:.2f})"' if angle else ""
        rim = f' stroke="{WHITE}" stroke-width="2.5" paint-order="stroke"' if halo else ""
        self._parts.append(
            f'<text x="{x:.2f}" y="{y + 0.36 * size:.2f}" font-size="{size:g}" text-anchor="{anchor}" '
            f'fill="{fill}"{rim}{turn}>{html.escape(_NOT_XML.sub("", text))}</text>'
        )

    def lines(
        self, x: float, y: float, lines: Sequence[str], size: float, anchor: str = "middle", fill: str = INK
    ) -> None:
        """Lines of text as a block whose middle is at height y."""
        first = y - (len(lines) - 1) * size * LEADING / 2
        for n, line in enumerate(lines):
            self.text(x, first + n * size * LEADING, line, size, anchor, fill)

    def legend(self, keys: Sequence[Key], y: float) -> None:
        """The keys in rows centred on the canvas (as many as `legend_rows` makes), the first row's middle at y."""
        for n, row in enumerate(legend_rows(keys, self.width - 2 * PAD)):
            x = (self.width - legend_width(row)) / 2
            for key in row:
                if key.marker:
                    self.diamond(x + 6, y + n * KEY * 2, 3.6, key.colour)
                else:
                    self.rect(x, y + n * KEY * 2 - 3.5, 12, 7, key.colour, key.hatch)
                self.text(x + 16, y + n * KEY * 2, key.label, KEY)
                x += 16 + text_width(key.label, KEY) + 14

    def svg(self) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width:.2f}" height="{self.height:.2f}" '
            f'viewBox="0 0 {self.width:.2f} {self.height:.2f}" font-family="{FAMILY}" font-size="{VALUE:g}">'
            + _HATCH
            + "".join(self._parts)
            + "</svg>"
        )

    def png(self) -> bytes:
        return rasterise(self.svg(), self.width)

    @property
    def missing(self) -> str:
        """The characters of its texts that the shipped font lacks: resvg draws each as a box."""
        return uncovered("".join(self._texts))


def legend_width(keys: Sequence[Key]) -> float:
    return sum(16 + text_width(k.label, KEY) + 14 for k in keys) - 14 if keys else 0.0


def legend_rows(keys: Sequence[Key], room: float) -> list[list[Key]]:
    """The keys in rows no wider than `room`, in order (a key wider than that alone on its row)."""
    rows: list[list[Key]] = []
    for key in keys:
        if rows and legend_width([*rows[-1], key]) <= room:
            rows[-1].append(key)
        else:
            rows.append([key])
    return rows


def _title(canvas: Canvas, title: str, centre: float, y: float) -> None:
    """The title centred over the plot, moved in or made smaller to stay on the canvas."""
    room = canvas.width - 2 * PAD
    size = min(TITLE, room / max(text_width(title, 1), 1))
    half = text_width(title, size) / 2
    canvas.text(min(max(centre, PAD + half), canvas.width - PAD - half), y, title, size, "middle")


def _room_above(lo: float, top: float, room: float, height: float) -> float:
    """The axis end that leaves `room` points above the value `top` on an axis from lo `height` points long."""
    share = min(room / height, 0.5)
    return (top - share * lo) / (1 - share)


def _widest_tick(lo: float, hi: float) -> float:
    values, decimals = ticks(lo, hi)
    return max((text_width(tick_label(v, decimals), LABEL) for v in values), default=0.0)


class RowPlot:
    """Horizontal bars, one row per label from the top, along an x axis from 0 to at least `xmax`.

    The frame (title, row labels, ticks, axis label, legend) is laid out from the texts it holds; `reach` names
    the texts that will be drawn after a bar's end, as (data x, text), and the axis is made long enough for them.
    The caller draws bars and texts; `png` adds the axis lines over them and rasterises."""

    def __init__(
        self,
        title: str,
        labels: Sequence[str],
        xlabel: str,
        xmax: float,
        *,
        width: float = 540.0,
        reach: Sequence[tuple[float, str]] = (),
        legend: Sequence[Key] = (),
        pitch: float = 28.0,
        spine: bool = True,
        whole: bool = False,
    ) -> None:
        self.labels, self.pitch, self.spine, self.whole = labels, pitch, spine, whole
        self.left = PAD + max((text_width(label, LABEL) for label in labels), default=0) + (TICK + 4 if labels else 0)
        self.right = width - PAD - text_width(tick_label(xmax, ticks(0, xmax)[1]), LABEL) / 2
        span = self.right - self.left
        for at, text in reach:
            xmax = max(xmax, at * span / max(span - GAP - text_width(text, VALUE) - 2, span * 0.2))
        self.xmax = xmax or 1.0
        self.top = PAD + TITLE * LEADING + 6
        self.bottom = self.top + max(len(labels), 1) * pitch + 0.2 * pitch
        ticks_at = self.bottom + TICK + 2 + LABEL * 0.6
        xlabel_at = ticks_at + LABEL * LEADING + 2
        legend_at = xlabel_at + LABEL * LEADING + 8
        legend_end = legend_at + (len(legend_rows(legend, width - 2 * PAD)) - 1) * KEY * 2 + KEY * 0.6
        height = (legend_end if legend else xlabel_at + LABEL * 0.6) + PAD
        self.canvas = Canvas(width, height)
        _title(self.canvas, title, (self.left + self.right) / 2, PAD + TITLE * 0.6)
        self._frame(xlabel, ticks_at, xlabel_at)
        if legend:
            self.canvas.legend(legend, legend_at)

    def _frame(self, xlabel: str, ticks_at: float, xlabel_at: float) -> None:
        c = self.canvas
        for n, label in enumerate(self.labels):
            c.line(self.left - TICK, self.y(n), self.left, self.y(n))
            c.text(self.left - TICK - 3, self.y(n), label, LABEL, "end")
        values, decimals = ticks(0, self.xmax, min(8, max(1, math.ceil(self.xmax))) if self.whole else 8)
        for value in values:
            c.line(self.x(value), self.bottom, self.x(value), self.bottom + TICK)
            c.text(self.x(value), ticks_at, tick_label(value, decimals), LABEL, "middle")
        c.text((self.left + self.right) / 2, xlabel_at, xlabel, LABEL, "middle")

    def x(self, value: float) -> float:
        return self.left + (self.right - self.left) * value / self.xmax

    def y(self, row: int) -> float:
        """The middle of row `row` (0 at the top)."""
        return self.top + self.pitch * (0.1 + row + 0.5)

    def bar(self, row: int, start: float, stop: float, colour: str, hatch: bool = False) -> None:
        thick = 0.72 * self.pitch
        self.canvas.rect(self.x(start), self.y(row) - thick / 2, self.x(stop) - self.x(start), thick, colour, hatch)

    def value(self, row: int, at: float, text: str, halo: bool = False) -> None:
        """A text just after `at` on the row (counted in `reach` when the plot was made)."""
        self.canvas.text(self.x(at) + GAP, self.y(row), text, VALUE, halo=halo)

    def fits(self, start: float, stop: float, lines: Sequence[str]) -> bool:
        """Whether the lines fit, with a margin, across a bar from start to stop."""
        return max(text_width(line, VALUE) for line in lines) + 6 <= self.x(stop) - self.x(start)

    def inside(self, row: int, start: float, stop: float, lines: Sequence[str], fill: str = WHITE) -> None:
        """Lines centred on the bar from start to stop."""
        self.canvas.lines((self.x(start) + self.x(stop)) / 2, self.y(row), lines, VALUE, fill=fill)

    def marker(self, row: int, at: float) -> None:
        self.canvas.diamond(self.x(at), self.y(row))

    def vline(self, at: float, colour: str, dash: str) -> None:
        self.canvas.line(self.x(at), self.top, self.x(at), self.bottom, colour, 1, dash)

    def note(self, text: str) -> None:
        """A text in the middle of the plot (for a plot with nothing to show)."""
        self.canvas.text((self.left + self.right) / 2, (self.top + self.bottom) / 2, text, LABEL + 1, "middle")

    def png(self) -> bytes:
        if self.spine:
            self.canvas.line(self.left, self.top, self.left, self.bottom)
        self.canvas.line(self.left, self.bottom, self.right, self.bottom)
        return self.canvas.png()

    @property
    def missing(self) -> str:
        return self.canvas.missing


class ColumnPlot:
    """Vertical bars, one slot per label from the left, along a y axis from `lo` to above `top`.

    The labels under the slots are wrapped to the slot's width (six characters at most), or turned 45° when a
    slot holds fewer than three; the texts above the bars (`values`, measured here) are turned upright when wider
    than a slot, and the axis goes high enough above `top` for them."""

    def __init__(
        self,
        title: str,
        labels: Sequence[str],
        ylabel: str,
        lo: float,
        top: float,
        values: Sequence[str],
        *,
        width: float = 540.0,
        height: float = 302.4,
        size: float = 8.0,
        whole: bool = False,
    ) -> None:
        self.size, self.count, self.chars, self.whole = size, len(labels), 0, whole
        # The axis ends between top and 2·top − lo (see _room_above): room for the widest tick label of either.
        widest_tick = max(_widest_tick(lo, top + 0.02 * (top - lo)), _widest_tick(lo, 2 * top - lo))
        self.left = PAD + text_width(ylabel, LABEL) + 6 + widest_tick + TICK + 3
        self.right = width - PAD
        self.lines = self._fit_labels(labels)
        band = max(len(lines) for lines in self.lines) * size * LEADING if self.chars else self._turned_depth(labels)
        self.top = PAD + TITLE * LEADING + 6
        self.bottom = max(height - PAD - band - TICK - 3, self.top + 180)
        widest = max((text_width(v, VALUE) for v in values), default=0)
        self.upright = widest + 2 > self.slot
        room = (widest if self.upright else VALUE * LEADING) + 4
        self.lo, self.hi = lo, max(top + 0.02 * (top - lo), _room_above(lo, top, room, self.bottom - self.top))
        self.canvas = Canvas(width, self.bottom + TICK + 3 + band + PAD)
        _title(self.canvas, title, (self.left + self.right) / 2, PAD + TITLE * 0.6)
        self._frame(labels, ylabel)

    @property
    def slot(self) -> float:
        return (self.right - self.left) / self.count

    def _fit_labels(self, labels: Sequence[str]) -> list[list[str]]:
        """Wrap the labels to the slot; when it is too narrow for that, widen the left margin until the turned
        labels (running down-left from their slots) stay on the canvas."""
        for _ in range(4):
            self.chars = min(6, int((self.slot - 4) // self.size))
            if self.chars >= 3:
                return [wrap(label, self.chars) for label in labels]
            self.chars = 0
            reach = max(
                PAD + 0.71 * text_width(label, self.size) + 0.5 * self.size - (n + 0.5) * self.slot
                for n, label in enumerate(labels)
            )
            if reach <= self.left:
                break
            self.left = reach
        return [[label] for label in labels]

    def _turned_depth(self, labels: Sequence[str]) -> float:
        return max(0.71 * text_width(label, self.size) for label in labels) + self.size

    def _frame(self, labels: Sequence[str], ylabel: str) -> None:
        c = self.canvas
        # Whole ticks (counts): no more intervals than units on the axis.
        values, decimals = ticks(self.lo, self.hi, min(8, max(1, math.ceil(self.hi - self.lo))) if self.whole else 8)
        for value in values:
            c.line(self.left - TICK, self.y(value), self.left, self.y(value))
            c.text(self.left - TICK - 3, self.y(value), tick_label(value, decimals), LABEL, "end")
        beside = self.left - TICK - 3 - _widest_tick(self.lo, self.hi) - 6
        c.text(beside, (self.top + self.bottom) / 2, ylabel, LABEL, "end")
        under = self.bottom + TICK + 3
        for n, lines in enumerate(self.lines):
            c.line(self.x(n), self.bottom, self.x(n), self.bottom + TICK)
            if self.chars:
                c.lines(
                    self.x(n), under + (len(lines) - 1) * self.size * LEADING / 2 + self.size * 0.6, lines, self.size
                )
            else:
                c.text(self.x(n) + 0.35 * self.size, under + 0.35 * self.size, lines[0], self.size, "end", angle=-45)

    def x(self, slot: int) -> float:
        """The middle of slot `slot` (0 at the left)."""
        return self.left + self.slot * (slot + 0.5)

    def y(self, value: float) -> float:
        return self.bottom - (self.bottom - self.top) * (value - self.lo) / (self.hi - self.lo)

    def bar(self, slot: int, bottom: float, top: float, colour: str, hatch: bool = False) -> None:
        """A bar from `bottom` to `top` (data values, either order), clipped at the axis' low end."""
        low, high = max(min(bottom, top), self.lo), max(bottom, top)
        thick = 0.8 * self.slot
        self.canvas.rect(self.x(slot) - thick / 2, self.y(high), thick, self.y(low) - self.y(high), colour, hatch)

    def value(self, slot: int, at: float, text: str, size: float = 8.0) -> None:
        """A text just above the value `at` in the slot, upright when the values are wider than a slot."""
        if self.upright:
            self.canvas.text(self.x(slot), self.y(at) - 2, text, size, "start", angle=-90)
        else:
            self.canvas.text(self.x(slot), self.y(at) - 2 - size * 0.6, text, size, "middle")

    def png(self) -> bytes:
        self.canvas.line(self.left, self.top, self.left, self.bottom)
        self.canvas.line(self.left, self.bottom, self.right, self.bottom)
        return self.canvas.png()

    @property
    def missing(self) -> str:
        return self.canvas.missing
