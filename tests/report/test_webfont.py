"""The shipped font and the web font cut from it: what they cover, and what a page outside that repertoire gets."""

from __future__ import annotations

import base64
import io
import re

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
