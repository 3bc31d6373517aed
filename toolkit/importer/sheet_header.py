"""The header of a region's own score sheet: where each sheet starts, and what each of its columns holds.

A score sheet's header names its levels (一级指标, 二级指标 …) and may give a weight column per level
(权重, 分值; in some sheets a 得分 column beside every level that holds the weights), an explanation column
(指标解释, 指标说明) and a standard column (评分标准, 评价标准). A header can take several rows (评价指标 over
一级指标 over 名称 / 权重(%)): a blank header cell is a horizontal merge, and takes the text on its left, only
where its column has no text in the header rows above (otherwise it is a vertical merge).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.importer.sources import Row
from toolkit.importer.text import key

_LEVEL = re.compile(r"([一二三四五六])级指标")
_ORDINALS = "一二三四五六"
_WEIGHT_WORDS = ("权重", "分值", "分数", "标准分", "满分")
_SCORE = "得分"
_EXPLANATION_WORDS = ("指标解释", "指标说明", "指标内涵", "指标释义", "考核内容", "评价要点")
_STANDARD_WORDS = ("评分标准", "评价标准", "评分细则", "计分方法", "评分方法", "评分办法", "扣分标准")
_SCORE_WORDS = (_SCORE, "自评分", "评分", "评价得分")
_REASON_WORDS = ("扣分原因", "扣分理由", "扣分说明", "得分说明", "评分说明", "自评说明", "未达标原因", "偏差原因")
_MEASURE_WORDS = ("改进措施", "整改措施")
_HEADER_WORDS = frozenset(
    {"评价指标", "指标", "名称", "指标名称", "序号", "备注", "自评得分", "评价得分", _SCORE}
    | set(_WEIGHT_WORDS)
    | set(_EXPLANATION_WORDS)
    | set(_STANDARD_WORDS)
    | set(_REASON_WORDS)
    | set(_MEASURE_WORDS)
)


def level_name(level: int) -> str:
    """一级指标 for level 0, 二级指标 for level 1, …"""
    return f"{_ORDINALS[level]}级指标" if level < len(_ORDINALS) else f"{level + 1}级指标"


@dataclass(frozen=True, slots=True)
class Columns:
    """Where a sheet's levels and texts are: `levels[i]` is the column of level i (outermost first)."""

    levels: tuple[int, ...]
    weights: dict[int, int]  # level -> the column holding its weights
    explanation: int | None
    standard: int | None
    score: int | None = None  # the self score of each row (a 得分 column that holds no weights)
    reason: int | None = None  # 扣分原因 and the like
    measure: int | None = None  # 改进措施
    # The weights stand in columns headed 得分 beside each level: the sheet labels its weights as scores.
    weights_headed_score: bool = False


@dataclass(frozen=True, slots=True)
class Header:
    """One sheet's header: its rows (indices into the grid's rows, inclusive) and its columns."""

    first: int
    last: int
    columns: Columns


def _is_level_row(row: Row) -> bool:
    found = {m.group(1) for cell in row.cells if (m := _LEVEL.fullmatch(key(cell)))}
    return len(found) >= 2


def _is_header_row(row: Row) -> bool:
    keys = [key(c) for c in row.cells if key(c)]
    return bool(keys) and all(k in _HEADER_WORDS or _LEVEL.fullmatch(k) for k in keys)


def find_headers(rows: tuple[Row, ...]) -> list[Header]:
    """Every sheet header in the grid, in order; a header row names at least two levels."""
    headers: list[Header] = []
    at = 0
    while at < len(rows):
        if not _is_level_row(rows[at]):
            at += 1
            continue
        first = at
        while first > 0 and (not headers or first - 1 > headers[-1].last) and _is_header_row(rows[first - 1]):
            first -= 1
        last = at
        while last + 1 < len(rows) and _is_header_row(rows[last + 1]) and not _is_level_row(rows[last + 1]):
            last += 1
        headers.append(Header(first, last, _columns(_labels(rows[first : last + 1]))))
        at = last + 1
    return headers


def _labels(block: tuple[Row, ...]) -> list[str]:
    """Each column's header text, the header rows joined (keys: no spaces or punctuation)."""
    width = max(len(r.cells) for r in block)
    labels = [""] * width
    written = [False] * width  # the column has text of its own in a header row above
    for row in block:
        left = ""
        for col in range(width):
            text = key(row.cell(col))
            if text:
                left, written[col] = text, True
            elif not written[col]:
                text = left  # merged across from the left
            labels[col] = f"{labels[col]} {text}".strip() if text else labels[col]
    return labels


def _columns(labels: list[str]) -> Columns:
    levels: dict[int, int] = {}
    weights: dict[int, int] = {}
    for col, label in enumerate(labels):
        found = _LEVEL.search(label)
        if any(w in label for w in _WEIGHT_WORDS):
            level = _ORDINALS.index(found.group(1)) if found else _level_left_of(col, levels)
            if level is not None:
                weights.setdefault(level, col)
        elif found and _SCORE not in label:
            levels.setdefault(_ORDINALS.index(found.group(1)), col)
    ordered = tuple(levels[n] for n in sorted(levels))
    # 得分 beside every level column (and no weight column): those columns hold the weights, not scores.
    beside = [col + 1 < len(labels) and labels[col + 1] == _SCORE for col in ordered]
    mislabelled = not weights and bool(ordered) and all(beside)
    if mislabelled:
        weights = {n: col + 1 for n, col in enumerate(ordered)}
    return Columns(
        levels=ordered,
        weights=weights,
        explanation=_first(labels, _EXPLANATION_WORDS),
        standard=_first(labels, _STANDARD_WORDS),
        score=_score_column(labels, set(weights.values()) | set(ordered)),
        reason=_first(labels, _REASON_WORDS),
        measure=_first(labels, _MEASURE_WORDS),
        weights_headed_score=mislabelled,
    )


def _score_column(labels: list[str], taken: set[int]) -> int | None:
    """The last column headed 得分 (自评分, 评价得分 …) that holds neither a level nor its weights."""
    found = [
        col
        for col, label in enumerate(labels)
        if col not in taken
        and any(w in label for w in _SCORE_WORDS)
        and not any(w in label for w in (*_STANDARD_WORDS, *_REASON_WORDS))
    ]
    return found[-1] if found else None


def _level_left_of(col: int, levels: dict[int, int]) -> int | None:
    left = [(c, n) for n, c in levels.items() if c < col]
    return max(left)[1] if left else None


def _first(labels: list[str], words: tuple[str, ...]) -> int | None:
    return next((col for col, label in enumerate(labels) if any(w in label for w in words)), None)
