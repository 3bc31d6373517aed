"""The Chinese font of every page and chart: Noto Sans SC (SIL OFL) shipped in toolkit/fonts/, and the web
font embedded in published pages, cut down to the characters a page uses, so reports render the same on machines
without CJK fonts and fetch nothing.

The shipped font holds the basic CJK Unified Ideographs block (see toolkit/fonts/README.md); a character outside
it gets no glyph from the toolkit and is left to the reader's system fonts (`uncovered` names such characters).

Cutting glyphs out of the 23,000-glyph CFF font with the fontTools subsetter costs about a second, and a worker
publishes many pages. So a base font is made once and cached: the GB2312 repertoire (6,763 hanzi plus symbols),
with TrueType (glyf) outlines converted from the CFF ones and only the horizontal layout features. A page whose
text stays within it is assembled from that base directly, without the subsetter: the glyphs it needs keep their
glyph ids (the others are left empty), so the base's GSUB and GPOS tables stay valid byte for byte; the few glyphs
only GSUB reaches (ligatures, local forms) go into every page. That takes milliseconds once the base is parsed
(once per process). A page with a covered character outside GB2312 (埇) is cut from the shipped font, slowly.

The same text gives the same bytes: the base is made deterministically from the shipped font, and named by the
shipped font's hash, the fontTools version and `BASE_FORMAT`; a cached base that fails its checksum is remade.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import struct
import sys
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.core.atomic import write_bytes
from toolkit.core.paths import PACKAGE_DIR

if TYPE_CHECKING:
    from fontTools.subset import Options
    from fontTools.ttLib import TTFont

FAMILY = "AuditSans"
FONT_PATH = PACKAGE_DIR / "fonts" / "NotoSansSC-Regular.otf"
BASE_FORMAT = 2  # bump when the making of the cached base font changes
# Horizontal features only: pages are never set vertically. GSUB ones, applied by browsers by default; GPOS
# kerning, and halt/palt, which Chromium uses to trim the space between adjacent CJK punctuation.
LAYOUT_FEATURES = ["ccmp", "liga", "locl", "kern", "halt", "palt"]
_MAX_ERR = 1.0  # font units (of 1,000 per em) a quadratic outline may stray from the cubic one
# Tables a page font rebuilds; every other table of the base is copied as it is.
_REBUILT = {"head", "hhea", "hmtx", "loca", "glyf", "cmap"}


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


@lru_cache(maxsize=1)
def _repertoire_set() -> frozenset[str]:
    return frozenset(base_repertoire())


# --- The fontTools subsetter: making the base, and pages outside it -------------------------------------------


def _options(flavor: str | None) -> Options:
    from fontTools import subset

    options = subset.Options()
    options.flavor = flavor
    options.layout_features = LAYOUT_FEATURES
    options.drop_tables += ["vhea", "vmtx", "VORG"]  # vertical metrics: pages are set horizontally
    options.hinting = False
    options.glyph_names = False
    return options


def _subset(font_path: Path, text: str, options: Options) -> TTFont:
    from fontTools import subset

    font = subset.load_font(str(font_path), options, dontLoadGlyphNames=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    font.recalcTimestamp = False  # identical input, identical bytes
    return font


def _cut(font_path: Path, text: str, flavor: str | None) -> bytes:
    from fontTools import subset

    options = _options(flavor)
    buf = io.BytesIO()
    subset.save_font(_subset(font_path, text, options), buf, options)
    return buf.getvalue()


def _to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines of `font` by quadratic TrueType ones, in place."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        # TrueType winds outer contours clockwise, CFF counter-clockwise.
        glyph_set[name].draw(Cu2QuPen(pen, _MAX_ERR, reverse_direction=True))
        glyphs[name] = pen.glyph()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, glyphs
    font["glyf"], font["loca"] = glyf, newTable("loca")
    del font["CFF "]
    font.sfntVersion = "\0\1\0\0"
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 3.0  # no glyph names
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements"):
        setattr(maxp, field, 0)
    maxp.maxZones, maxp.maxSizeOfInstructions = 1, 0  # no hinting instructions at all
    font.recalcBBoxes = True  # glyph and font boxes, maxPoints, maxContours: computed when saved


def make_base() -> bytes:
    """The base font: the GB2312 repertoire of the shipped font, with TrueType outlines (takes seconds)."""
    font = _subset(_source(), base_repertoire(), _options(None))
    _to_truetype(font)
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


# --- The cached base, parsed once per process ------------------------------------------------------------------


@dataclass(frozen=True)
class _Base:
    """What a page font is assembled from: the base's tables and, per glyph id, its outline and metrics."""

    tables: dict[str, bytes]  # copied as they are
    head: bytes  # checkSumAdjustment zeroed, long loca
    hhea: bytes
    outlines: tuple[bytes, ...]
    metrics: tuple[tuple[int, int], ...]  # advance width, left side bearing
    cmap: dict[int, int]  # code point -> glyph id
    always: frozenset[int]  # .notdef and the glyphs no character maps to (GSUB reaches them)


def _tables(data: bytes) -> dict[str, bytes]:
    version, count = struct.unpack_from(">4sH", data)
    if version != b"\0\1\0\0":
        raise ValueError("not a TrueType font")
    tables = {}
    for k in range(count):
        tag, _, offset, length = struct.unpack_from(">4sLLL", data, 12 + 16 * k)
        if offset + length > len(data):
            raise ValueError("truncated")
        tables[tag.decode("latin-1")] = data[offset : offset + length]
    return tables


def _read_cmap(cmap: bytes) -> dict[int, int]:
    """The format 4 (Windows, BMP) subtable of a cmap table."""
    _, count = struct.unpack_from(">HH", cmap)
    for k in range(count):
        platform, encoding, offset = struct.unpack_from(">HHL", cmap, 4 + 8 * k)
        if (platform, encoding) == (3, 1) and struct.unpack_from(">H", cmap, offset)[0] == 4:
            break
    else:
        raise ValueError("no Windows BMP cmap")
    segments = struct.unpack_from(">H", cmap, offset + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", cmap, offset + 14)
    starts = struct.unpack_from(f">{segments}H", cmap, offset + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}H", cmap, offset + 16 + 4 * segments)
    range_at = offset + 16 + 6 * segments
    range_offsets = struct.unpack_from(f">{segments}H", cmap, range_at)
    mapping = {}
    for k in range(segments):
        for code in range(starts[k], min(ends[k], 0xFFFE) + 1):
            if range_offsets[k] == 0:
                glyph = (code + deltas[k]) & 0xFFFF
            else:
                at = range_at + 2 * k + range_offsets[k] + 2 * (code - starts[k])
                glyph = struct.unpack_from(">H", cmap, at)[0]
                glyph = (glyph + deltas[k]) & 0xFFFF if glyph else 0
            if glyph:
                mapping[code] = glyph
    return mapping


def _parse_base(data: bytes) -> _Base:
    """The parsed base font; ValueError (or struct.error) for a file that is not a whole, intact one."""
    from fontTools.ttLib.sfnt import calcChecksum

    if len(data) % 4 or calcChecksum(data) != 0xB1B0AFBA:  # the whole-font checksum of the OpenType spec
        raise ValueError("checksum mismatch")
    tables = _tables(data)
    head, hhea, maxp = tables["head"], tables["hhea"], tables["maxp"]
    (glyphs,) = struct.unpack_from(">H", maxp, 4)
    (long_metrics,) = struct.unpack_from(">H", hhea, 34)
    loca = array("I" if struct.unpack_from(">h", head, 50)[0] else "H", tables["loca"])
    if sys.byteorder == "little":
        loca.byteswap()
    scale = 1 if loca.typecode == "I" else 2
    glyf = tables["glyf"]
    outlines = tuple(glyf[loca[g] * scale : loca[g + 1] * scale] for g in range(glyphs))
    hmtx = struct.unpack_from(f">{2 * long_metrics}H", tables["hmtx"])
    bearings = struct.unpack_from(f">{glyphs - long_metrics}H", tables["hmtx"], 4 * long_metrics)
    advances = hmtx[0::2] + (hmtx[-2],) * (glyphs - long_metrics)
    cmap = _read_cmap(tables["cmap"])
    mapped = set(cmap.values())
    return _Base(
        tables={tag: body for tag, body in tables.items() if tag not in _REBUILT},
        head=head[:8] + b"\0\0\0\0" + head[12:50] + struct.pack(">h", 1) + head[52:],
        hhea=hhea,
        outlines=outlines,
        metrics=tuple(zip(advances, hmtx[1::2] + bearings, strict=True)),
        cmap=cmap,
        always=frozenset(g for g in range(glyphs) if g not in mapped),
    )


def base_path() -> Path:
    """Where the cached base font is (or goes): named by what it is made from."""
    from fontTools import version

    tag = hashlib.sha256(_source().read_bytes() + f"{version}/{BASE_FORMAT}".encode()).hexdigest()[:12]
    return cache_dir() / f"NotoSansSC-gb2312-glyf-{tag}.ttf"


@lru_cache(maxsize=1)
def _base() -> _Base:
    """The cached base font, made (and written atomically) when missing or damaged."""
    path = base_path()
    with contextlib.suppress(OSError, ValueError, struct.error):
        return _parse_base(path.read_bytes())
    data = make_base()
    write_bytes(path, data, check=lambda tmp: _parse_base(tmp.read_bytes()))
    return _parse_base(data)


# --- A page font ------------------------------------------------------------------------------------------------


def _cmap4(mapping: list[tuple[int, int]]) -> bytes:
    """A cmap table with one format 4 subtable (Windows, BMP) for the sorted (code point, glyph id) pairs."""
    starts: list[int] = []
    ends: list[int] = []
    deltas: list[int] = []
    for code, glyph in mapping:
        if ends and code == ends[-1] + 1 and glyph - code == deltas[-1]:
            ends[-1] = code  # extends the run: next code point, next glyph id
        else:
            starts.append(code)
            ends.append(code)
            deltas.append(glyph - code)
    starts.append(0xFFFF)
    ends.append(0xFFFF)
    deltas.append(1)
    segments = len(starts)
    power = 1 << (segments.bit_length() - 1)
    header = struct.pack(
        ">HHHHHHH", 4, 16 + 8 * segments, 0, 2 * segments, 2 * power, power.bit_length() - 1, 2 * (segments - power)
    )
    body = struct.pack(f">{segments}HH{segments}H", *ends, 0, *starts)
    body += struct.pack(f">{segments}H", *(d & 0xFFFF for d in deltas)) + bytes(2 * segments)
    return struct.pack(">HHHHL", 0, 1, 3, 1, 12) + header + body


def _assemble(base: _Base, codes: list[int]) -> bytes:
    """A WOFF of the base keeping the glyphs of `codes` (sorted, all in the base's cmap) and `base.always`."""
    from fontTools.ttLib.sfnt import SFNTWriter

    kept = base.always | {base.cmap[code] for code in codes}
    loca = array("I", [0])
    hmtx = array("H", bytes(4 * len(base.outlines)))
    outlines = []
    size = 0
    for glyph, outline in enumerate(base.outlines):
        if glyph in kept:
            outlines.append(outline)
            size += len(outline)
            hmtx[2 * glyph], hmtx[2 * glyph + 1] = base.metrics[glyph]
        loca.append(size)
    if sys.byteorder == "little":
        loca.byteswap()
        hmtx.byteswap()
    tables = dict(base.tables)
    tables.update(
        head=base.head,
        hhea=base.hhea[:34] + struct.pack(">H", len(base.outlines)),
        hmtx=hmtx.tobytes(),
        loca=loca.tobytes(),
        glyf=b"".join(outlines),
        cmap=_cmap4([(code, base.cmap[code]) for code in codes]),
    )
    buf = io.BytesIO()
    writer = SFNTWriter(buf, len(tables), flavor="woff")
    for tag in sorted(tables):
        writer[tag] = tables[tag]
    writer.close()
    return buf.getvalue()


def font_woff(text: str) -> bytes:
    """A WOFF font holding a glyph for every character of `text` the shipped font covers."""
    needed = sorted(ch for ch in set(text) if ch >= " ")
    outside = [ch for ch in needed if ch not in _repertoire_set()]
    if outside and not set(outside) <= set(uncovered("".join(outside))):
        return _cut(_source(), "".join(needed), "woff")
    base = _base()
    return _assemble(base, [ord(ch) for ch in needed if ord(ch) in base.cmap])


def font_face_css(text: str) -> str:
    """An @font-face rule embedding the glyphs `text` needs, as an inline WOFF."""
    encoded = base64.b64encode(font_woff(text)).decode("ascii")
    return f'@font-face {{ font-family: "{FAMILY}"; src: url(data:font/woff;base64,{encoded}) format("woff"); }}'


if __name__ == "__main__":  # `python -m toolkit.report.webfont`: make the cached base font ahead of the first report
    _base()
    print(base_path())
