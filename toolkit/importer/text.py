"""Cell text: cleaning for storage, keys for matching names, and numbers as published tables write them."""

from __future__ import annotations

import functools
import re
import unicodedata
from decimal import Decimal, InvalidOperation

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]{0,200})?/?>")  # markup only: "得分<90分，>80分" is text
# Quotes in every width and curl; they differ between a table and its rubric without changing the name.
_QUOTES = "\"'“”‘’「」『』〝〞＂＇`´"
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def clean(text: str | None) -> str:
    """Text as it should be kept: markup removed, surrounding blanks trimmed, wording untouched."""
    if not text:
        return ""
    text = _TAG.sub("", text)
    return text.replace("\xa0", " ").replace("\u3000", " ").strip()


@functools.cache
def _dropped() -> dict[int, None]:
    """Every space, quote and punctuation character of the Basic Multilingual Plane, for str.translate."""
    chars = (chr(i) for i in range(0x10000))
    return {ord(ch): None for ch in chars if ch.isspace() or ch in _QUOTES or unicodedata.category(ch).startswith("P")}


def key(text: str | None) -> str:
    """A matching key: NFKC (full/half width), no markup, spaces, quotes or punctuation, lower case."""
    return unicodedata.normalize("NFKC", clean(text)).translate(_dropped()).lower()


def label_key(text: str | None, longest: int = 40) -> str:
    """The key of a cell that may be a label; long cells (goals, reasons) are never labels."""
    return key(text) if text and len(text) <= longest else ""


def parse_number(text: str | None) -> tuple[Decimal | None, bool]:
    """(value, had thousands separators); value None when the cell is not a plain number.

    Accepts full-width digits, thousands separators ("11,887.73") and a trailing 分 or 万元."""
    raw = unicodedata.normalize("NFKC", clean(text)).replace(" ", "")
    raw = re.sub(r"(分|万元|元)$", "", raw)
    grouped = bool(_THOUSANDS.match(raw))
    if grouped:
        raw = raw.replace(",", "")
    if not _NUMBER.match(raw):
        return None, False
    try:
        return Decimal(raw), grouped
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None, False


def is_number(text: str | None) -> bool:
    return parse_number(text)[0] is not None


def shown(text: str, n: int = 24) -> str:
    """A cell quoted in a message, shortened."""
    text = clean(text).replace("\n", " ")
    return text if len(text) <= n else text[:n] + "…"


_CN = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五")

# Numbered list markers, each with how to read its number; a list is split only where numbers run 1, 2, 3…
_MARKERS = (
    (re.compile(r"(?:^|(?<=[\s。；;！!？?]))(\d{1,2})\s*[.．、)）](?!\d)"), int),
    (re.compile(r"(?:^|(?<=[\s。；;！!？?]))[(（](\d{1,2})[)）]"), int),
    (
        re.compile(r"(?:^|(?<=[\s。；;！!？?]))([一二三四五六七八九十]{1,3})、"),
        lambda s: _CN.index(s) + 1 if s in _CN else 0,
    ),
)


def split_numbered(text: str) -> tuple[str, ...]:
    """ "1. … 2. …" in one cell -> ("…", "…"); text without such numbering -> (text,) ; "" -> ()."""
    text = clean(text)
    if not text:
        return ()
    for pattern, number in _MARKERS:
        cuts: list[tuple[int, int]] = []  # (marker start, text start)
        for match in pattern.finditer(text):
            if number(match.group(1)) == len(cuts) + 1:
                cuts.append((match.start(), match.end()))
        if len(cuts) >= 2 and not text[: cuts[0][0]].strip():
            ends = [c[0] for c in cuts[1:]] + [len(text)]
            return tuple(text[start:end].strip() for (_, start), end in zip(cuts, ends))
    return (text,)
