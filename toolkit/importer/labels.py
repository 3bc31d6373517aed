"""Matching keys for the labels of target-versus-actual forms, whatever characters the page was published in.

A mirrored page may print a form in traditional characters (預算執行情況, 產出指標): labels are converted to
simplified characters with OpenCC for matching only; the text kept in a record is always the text as published.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Mapping

from toolkit.importer.text import key

# (A), (B), (B/A): the form's own letters for its columns; a label means the same without them.
_LETTERS = re.compile(r"[(（]\s*[AB](?:\s*/\s*[AB])?\s*[)）]")


@functools.cache
def _converter() -> object:
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """The text in simplified characters (unchanged when it is already simplified)."""
    if not text or text.isascii():
        return text
    return str(_converter().convert(text))  # type: ignore[attr-defined]


def label(text: str | None) -> str:
    """The matching key of a label: simplified, without the form's (A)/(B) letters, spaces or punctuation."""
    if not text:
        return ""
    return key(_LETTERS.sub("", simplified(text)))


def is_traditional(text: str) -> bool:
    """Whether converting to simplified characters changes the text."""
    return simplified(text) != text


def columns(
    cells: tuple[str, ...], names: Mapping[str, Collection[str]], extra: tuple[str, Callable[[str], bool]]
) -> dict[str, int]:
    """Where each named column of a header row stands: the first cell whose label is one of its words; `extra`
    names one more column found by a test on the label (得分…, 偏差原因…)."""
    found: dict[str, int] = {}
    extra_name, is_extra = extra
    for col, cell in enumerate(cells):
        k = label(cell)
        for name, words in names.items():
            if k in words and name not in found:
                found[name] = col
        if is_extra(k) and extra_name not in found:
            found[extra_name] = col
    return found
