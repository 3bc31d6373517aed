"""Every page the toolkit writes renders its text in headless Chromium on a machine without CJK fonts with no
missing glyph: each shown character is in the font the page embeds, and that font is the one the text uses."""

from __future__ import annotations

import base64
import io
import re
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from toolkit.batch.runner import run
from toolkit.report.webfont import FAMILY

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DEMO = [ROOT / "params" / "demo-cha-2022.yaml", ROOT / "params" / "demo-liang-2022.yaml"]
PAGES = ["index.html", "2022/demo-cha/audit.html", "2022/demo-liang/audit.html", "2022/summary.html"]

# Each rendered text node: the tag it sits in, the font-family it is drawn with, its text. Nodes without a box
# (inside display:none, <style>, <script>) are not drawn and need no glyph.
_SHOWN_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || el.getClientRects().length === 0) continue;
    out.push([el.tagName.toLowerCase(), getComputedStyle(el).fontFamily, node.textContent]);
  }
  return out;
}"""
# The src of every @font-face rule of the page's own family, and whether the browser loaded that face.
_FONT_FACES = """(family) => {
  const sources = [];
  for (const sheet of document.styleSheets) {
    for (const rule of sheet.cssRules) {
      if (rule instanceof CSSFontFaceRule && rule.style.getPropertyValue('font-family').includes(family)) {
        sources.push(rule.style.getPropertyValue('src'));
      }
    }
  }
  const loaded = [...document.fonts].some(f => f.family.includes(family) && f.status === 'loaded');
  return {sources, loaded};
}"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    """One `run` of two demo records (two departments and their year's summary), shared by the tests."""
    out = tmp_path_factory.mktemp("outputs")
    outcomes = run(DEMO, out, jobs=2, force=True, progress=False)
    assert [o.status.value for o in outcomes] == ["done", "done", "done"]
    return out


def _embedded_cmap(sources: list[str]) -> set[str]:
    """The characters of the page's embedded font(s), read from the base64 WOFF in the @font-face src."""
    chars: set[str] = set()
    for src in sources:
        for data in re.findall(r"base64,([A-Za-z0-9+/=]+)", src):
            font = TTFont(io.BytesIO(base64.b64decode(data)))
            chars |= {chr(code) for code in font.getBestCmap()}
    return chars


def _needs_glyph(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf")


def missing_glyphs(page, path: Path) -> list[str]:
    """Open `path` and name every shown character its embedded font lacks, and every non-ASCII text not drawn with
    that font first (the browser would take it from a system font, and there is none here)."""
    page.goto(path.as_uri())
    page.evaluate("document.fonts.ready")
    faces = page.evaluate(_FONT_FACES, FAMILY)
    if not faces["sources"] or not faces["loaded"]:
        return [f"{path.name}：没有嵌入或未能载入字体 {FAMILY}（{faces}）"]
    cmap = _embedded_cmap(faces["sources"])
    problems = []
    for tag, family, text in page.evaluate(_SHOWN_TEXT):
        lacking = sorted({ch for ch in text if _needs_glyph(ch) and ch not in cmap})
        if lacking:
            problems.append(f"<{tag}> “{text.strip()[:40]}”缺字形：{''.join(lacking)}")
        if not text.isascii() and not family.strip().strip("\"'").startswith(FAMILY):
            problems.append(f"<{tag}> “{text.strip()[:40]}”使用的字体是 {family}")
    return problems


@pytest.mark.parametrize("name", PAGES)
def test_every_shown_character_has_a_glyph_in_the_embedded_font(pages, chromium_page, name):
    assert missing_glyphs(chromium_page, pages / name) == []


def test_a_character_outside_the_embedded_subset_is_found(pages, chromium_page, tmp_path):
    # The control for the test above: 龘 is in no demo record, so the index's cut-down font lacks it.
    page = (pages / "index.html").read_text(encoding="utf-8")
    tampered = tmp_path / "index.html"
    tampered.write_text(page.replace("<h1>部门整体", "<h1>龘部门整体", 1), encoding="utf-8")
    assert missing_glyphs(chromium_page, tampered) == ["<h1> “龘部门整体支出绩效自评复核报告”缺字形：龘"]


def test_a_page_without_its_font_is_found(pages, chromium_page, tmp_path):
    page = (pages / "index.html").read_text(encoding="utf-8")
    unfonted = tmp_path / "index.html"
    unfonted.write_text(re.sub(r"@font-face \{[^}]*\}", "", page, count=1), encoding="utf-8")
    assert missing_glyphs(chromium_page, unfonted)[0].startswith(f"index.html：没有嵌入或未能载入字体 {FAMILY}")
