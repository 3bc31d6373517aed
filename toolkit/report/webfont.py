"""The Chinese font of every page and chart: Noto Sans SC (SIL OFL) shipped in toolkit/fonts/, and the web
font embedded in published pages, cut down to the characters a page uses, so reports render the same on machines
without CJK fonts and fetch nothing.

The shipped font holds the basic CJK Unified Ideographs block (see toolkit/fonts/README.md); a character outside
it gets no glyph from the toolkit and is left to the reader's system fonts (`uncovered` names such characters).
Cutting glyphs out of the 23,000-glyph font is slow, so a base font holding the GB2312 repertoire (6,763 hanzi
plus symbols) is made once and cached; pages whose text stays within it are cut from that.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
from functools import lru_cache
from pathlib import Path

from toolkit.core.atomic import write_bytes
from toolkit.core.paths import PACKAGE_DIR

FAMILY = "AuditSans"
FONT_PATH = PACKAGE_DIR / "fonts" / "NotoSansSC-Regular.otf"


def _source() -> Path:
    return FONT_PATH


@lru_cache(maxsize=1)
def coverage() -> frozenset[str]:
    """Every character the shipped font has a glyph for."""
    from fontTools.ttLib import TTFont

    return frozenset(chr(code) for code in TTFont(str(_source()), lazy=True).getBestCmap())


def uncovered(text: str) -> str:
    """The characters of `text` (control characters and white space aside) that the shipped font lacks."""
    return "".join(sorted(ch for ch in set(text) if ch > " " and ch not in coverage()))


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "audit-toolkit"


@lru_cache(maxsize=1)
def base_repertoire() -> str:
    """ASCII, Latin-1, general and CJK punctuation, full-width forms and every GB2312 character."""
    chars = (
        {chr(c) for c in range(0x20, 0x7F)}
        | {chr(c) for c in range(0xA0, 0x100)}
        | {chr(c) for c in range(0x2000, 0x2070)}
    )
    chars |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFFF0)}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # holes in the GB2312 table
                chars.add(bytes((hi, lo)).decode("gb2312"))
    return "".join(sorted(chars))


def _cut(font_path: Path, text: str, flavor: str | None) -> bytes:
    from fontTools import subset

    options = subset.Options()
    options.flavor = flavor
    font = subset.load_font(str(font_path), options, dontLoadGlyphNames=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    font.recalcTimestamp = False  # identical input, identical bytes
    buf = io.BytesIO()
    subset.save_font(font, buf, options)
    return buf.getvalue()


@lru_cache(maxsize=1)
def _base_font() -> Path:
    source = _source()
    tag = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    path = cache_dir() / f"NotoSansSC-gb2312-{tag}.otf"
    if not path.exists():
        write_bytes(path, _cut(source, base_repertoire(), None))
    return path


def font_face_css(text: str) -> str:
    """An @font-face rule embedding exactly the glyphs `text` needs, as an inline WOFF."""
    needed = "".join(sorted(ch for ch in set(text) if ch >= " "))
    inside = set(needed) <= set(base_repertoire()) | set(uncovered(needed))
    data = _cut(_base_font() if inside else _source(), needed, "woff")
    encoded = base64.b64encode(data).decode("ascii")
    return f'@font-face {{ font-family: "{FAMILY}"; src: url(data:font/woff;base64,{encoded}) format("woff"); }}'


if __name__ == "__main__":  # `python -m toolkit.report.webfont`: make the cached base font ahead of the first report
    print(_base_font())
