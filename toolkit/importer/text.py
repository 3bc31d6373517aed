"""Cell text: cleaning for storage, keys for matching names, and numbers as published tables write them."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_TAG = re.compile(r"<[^<>]{0,200}>")
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


def key(text: str | None) -> str:
    """A matching key: NFKC (full/half width), no markup, spaces, quotes or punctuation, lower case."""
    text = unicodedata.normalize("NFKC", clean(text))
    return "".join(
        ch.lower() for ch in text
        if not ch.isspace() and ch not in _QUOTES and not unicodedata.category(ch).startswith("P")
    )


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
