"""The shipped font and the web font cut from it: what they cover, and what a page outside that repertoire gets."""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys

import pytest
from fontTools.ttLib import TTFont

from toolkit.report import webfont


def _embedded(css: str) -> set[str]:
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", css)
    assert data is not None
    return {chr(code) for code in TTFont(io.BytesIO(base64.b64decode(data.group(1)))).getBestCmap()}


def test_the_shipped_font_is_in_the_package_with_its_licence():
    assert webfont.FONT_PATH.is_file() and webfont.FONT_PATH.parent.name == "fonts"
    assert "SIL OPEN FONT LICENSE Version 1.1" in (webfont.FONT_PATH.parent / "OFL.txt").read_text(encoding="utf-8")


def test_the_shipped_font_covers_gb2312_and_the_basic_hanzi_block():
    covered = webfont.coverage()
    # What the shipped font lacks of GB2312 and the symbols around it are spaces and controls Noto Sans SC lacks too.
    lacking = set(webfont.base_repertoire()) - covered
    assert all(0x2000 <= ord(ch) < 0x2070 or 0xFF00 <= ord(ch) < 0xFFF0 for ch in lacking)
    assert all(ch in covered for ch in "履职效能（示例）：、。—…−→◆≥≤①✓埇あアㄅ")


def test_a_page_within_gb2312_gets_exactly_its_characters():
    assert _embedded(webfont.font_face_css("部门整体绩效 94.2 分")) >= set("部门整体绩效94.2分")


def test_a_hanzi_outside_gb2312_is_cut_from_the_shipped_font():
    assert "埇" not in webfont.base_repertoire()
    assert "埇" in _embedded(webfont.font_face_css("宿州市埇桥区"))


def test_a_character_outside_the_shipped_font_is_named_and_left_to_system_fonts():
    assert webfont.uncovered("埇桥 㐀 😀 ☐") == "☐㐀😀"
    embedded = _embedded(webfont.font_face_css("埇桥㐀😀"))
    assert "埇" in embedded and "㐀" not in embedded and "😀" not in embedded


def _layout_only(base: TTFont) -> set[str]:
    """The glyphs of the base font no character maps to (and .notdef): only GSUB reaches them."""
    return set(base.getGlyphOrder()) - set(base.getBestCmap().values())


def _font(css: str) -> TTFont:
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", css)
    assert data is not None
    return TTFont(io.BytesIO(base64.b64decode(data.group(1))))


def test_the_cached_base_font_has_every_covered_character_of_the_base_repertoire():
    webfont.font_face_css("基")  # makes the base when absent
    base = TTFont(webfont.base_path())
    assert "glyf" in base and "CFF " not in base
    assert set(map(chr, base.getBestCmap())) >= set(webfont.base_repertoire()) & webfont.coverage()


def test_a_cut_maps_exactly_the_covered_characters_of_the_text_to_their_outlines():
    # Runs of consecutive code points (the digits) and lone ones both go through the cmap.
    font = _font(webfont.font_face_css("部门整体绩效 94.2 分，0123456789\n\t"))
    font.ensureDecompiled()  # every table of the page font reads back
    cmap = font.getBestCmap()
    assert set(map(chr, cmap)) == set("部门整体绩效 94.2分，0123456789")
    base = TTFont(webfont.base_path())
    for code, name in cmap.items():
        assert (
            font["glyf"][name].getCoordinates(font["glyf"])[0] == base["glyf"][name].getCoordinates(base["glyf"])[0]
        ), chr(code)
        assert font["hmtx"][name] == base["hmtx"][name], chr(code)
    others = set(font.getGlyphOrder()) - set(cmap.values()) - _layout_only(base)
    assert all(font["glyf"][name].numberOfContours == 0 for name in others)


def test_glyphs_the_layout_features_reach_are_in_every_cut():
    font = _font(webfont.font_face_css("效"))
    base = TTFont(webfont.base_path())
    reached = _layout_only(base) - {".notdef"}
    assert reached and "GSUB" in font and "GPOS" in font
    for name in reached:
        assert font["glyf"][name].numberOfContours == base["glyf"][name].numberOfContours


def test_the_same_text_gives_the_same_bytes_in_another_process():
    text = "部门整体支出绩效自评复核报告（示例）：94.20 分"
    here = webfont.font_face_css(text)
    assert webfont.font_face_css(text) == here
    code = f"from toolkit.report import webfont; print(webfont.font_face_css({text!r}), end='')"
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert there == here


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:1000] + bytes([data[1000] ^ 0xFF]) + data[1001:], id="one-byte-changed"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: b"<html>not a font</html>", id="not-a-font"),
    ],
)
def test_a_damaged_cached_base_font_is_remade_rather_than_used(tmp_path, monkeypatch, damage):
    webfont.font_face_css("基")
    good = webfont.base_path().read_bytes()
    expected = webfont.font_face_css("宿州桥区")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    webfont.base_path().parent.mkdir(parents=True)
    webfont.base_path().write_bytes(damage(good))
    made = []
    monkeypatch.setattr(webfont, "make_base", lambda: made.append(1) or good)  # the real making takes seconds
    webfont._base.cache_clear()
    try:
        assert webfont.font_face_css("宿州桥区") == expected
    finally:
        webfont._base.cache_clear()
    assert made == [1] and webfont.base_path().read_bytes() == good
