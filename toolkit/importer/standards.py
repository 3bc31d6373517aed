"""A scoring standard as printed (评分标准) read as one of the toolkit's rule types, with the words it came from.

Recognised, in this order: a deduction per unit beyond a limit (≤100%得满分，每超1个百分点扣0.5分 →
per_unit_deduction), a share of cases (合规合同数÷合同总数×分值, 按合规比例计分 → count_ratio), a share of
the weight (预算完成率×分值, 按完成比例计分 → proportional), bands of a value (≥90%得10分；80%-90%得8分 … →
tiers by lower bounds; =0计8分；0-10%(含)计6分 … 大于30%不得分, where lower is better → tiers by upper
bounds), numbered items whose points add up to the weight (1.…得2分；2.…得2分 → checklist), and a deduction
per case found (每发现一处…扣1分 → per_case_deduction). Anything else is the evaluator's judgement. Every rule
carries the whole standard as its `label`; `fragment` is the part it was read from, and `note` says why a rule
the text states could not be carried (bands that still score above the highest, say).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from pydantic import TypeAdapter

from toolkit.core.rules import Judgement, Rule
from toolkit.importer.text import clean, split_numbered

_RULE: TypeAdapter[Rule] = TypeAdapter(Rule)
_NUM = r"\d+(?:\.\d+)?"
_PER_UNIT = re.compile(
    r"每\s*(?P<dir>超过|超出|超|高于|多于|增加|增长|低于|少于|不足|下降|减少|降低)\s*(?P<unit>一|\d+(?:\.\d+)?)?\s*个?\s*"
    rf"(?:百分点|%)[^;。扣]{{0,6}}扣\s*(?P<points>{_NUM})\s*分"
)
_UNDER = ("低于", "少于", "不足", "下降", "减少", "降低")
_LIMIT = re.compile(rf"(?P<op>[≤<=≥>Q]?)\s*(?P<n>{_NUM})\s*(?P<suffix>%|分)?")
_PROPORTIONAL = re.compile(
    r"[×xX*]\s*(?:该|本)?(?:项|指标)?(?:分值|权重|满分)|(?:分值|权重)\s*[×xX*]|按[^,;。]{0,6}比例"
)
_COUNT_RATIO = re.compile(
    r"(?:合规|符合要求|达标|按时|及时|完成)[^,;。]{0,12}(?:数|件数|份数|个数|笔数)\s*[÷/]\s*[^,;。]{0,12}(?:总数|数量)"
    r"|按(?:合规|符合要求|达标|按时|及时)[^,;。]{0,8}(?:比例|占比)"
)
_FULL_AT = re.compile(rf"(?P<n>{_NUM})\s*%\s*(?:及以上|以上)?\s*(?:得|计)满分")
_PER_CASE = re.compile(
    rf"每\s*(?:发现|出现|有|存在)?\s*[一1]\s*(?:处|例|次|项|起|笔|份)[^;。]{{0,20}}?扣\s*(?P<points>{_NUM})\s*分"
)
_SCORE = re.compile(rf"(?:得|计|赋)\s*(?P<n>{_NUM})\s*分|(?P<zero>不得分|不计分|得0分|计0分)")
_RANGE = re.compile(rf"(?P<a>{_NUM})\s*%?\s*[-~—至到]\s*(?P<b>{_NUM})\s*%?")
_AT_LEAST = re.compile(
    rf"(?:≥|>=|大于等于|不低于|不少于)\s*(?P<n>{_NUM})|(?P<m>{_NUM})\s*%?\s*(?:\(含\))?\s*(?:及以上|以上)"
)
_ABOVE = re.compile(rf"(?:>|大于|高于|超过)\s*(?P<n>{_NUM})")
_BELOW = re.compile(
    rf"(?:≤|<=|<|小于|低于|不足|不超过|不高于|不大于)\s*(?P<n>{_NUM})|(?P<m>{_NUM})\s*%?\s*(?:\(含\))?\s*以下"
)
_EQUAL = re.compile(rf"=\s*(?P<n>{_NUM})")
_INF = Decimal("Infinity")


@dataclass(frozen=True, slots=True)
class Recognised:
    """The rule a standard states (judgement when it states none the toolkit has), and the words it came from."""

    rule: Rule
    fragment: str = ""
    note: str = ""


def plain(text: str) -> str:
    """Standard text as matched: full-width forms made half-width (，→ , ％→ %), blanks squeezed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", clean(text)))


def recognise(standard: str, weight: Decimal | None) -> Recognised:
    """The rule `standard` states for an indicator of `weight`; judgement when none fits or the weight is unknown."""
    label = clean(standard) or None
    text = plain(standard)
    notes: list[str] = []
    for reader in _READERS:
        found = reader(text, weight)
        if isinstance(found, str):
            notes.append(found)
        elif found is not None:
            data, fragment = found
            rule = _RULE.validate_python({**data, "label": label})
            problems = rule.weight_problems(weight) if weight is not None else ["分值未知"]
            if not problems:
                return Recognised(rule, fragment)
            notes.append(f"{data['type']} 与分值不符：{'；'.join(problems)}")
    return Recognised(Judgement(type="judgement", label=label), "", "；".join(notes))


Found = tuple[dict, str] | str | None  # (rule data, fragment), or why a stated rule cannot be carried


def _per_unit(text: str, weight: Decimal | None) -> Found:
    match = _PER_UNIT.search(text)
    if match is None:
        return None
    limits = [m for m in _LIMIT.finditer(text[: match.start()]) if m["suffix"] != "分" and (m["op"] or m["suffix"])]
    if not limits:
        return "写明了每单位扣分，但未写明起扣的标准值"
    unit = match["unit"] or "1"
    data = {
        "type": "per_unit_deduction",
        "limit": limits[-1]["n"],
        "unit": "1" if unit == "一" else unit,
        "points": match["points"],
        "direction": "under" if match["dir"] in _UNDER else "over",
    }
    return data, text[limits[-1].start() : match.end()].strip()


def _count_ratio(text: str, weight: Decimal | None) -> Found:
    match = _COUNT_RATIO.search(text)
    return None if match is None else ({"type": "count_ratio"}, _clause(text, match.start(), match.end()))


def _proportional(text: str, weight: Decimal | None) -> Found:
    match = _PROPORTIONAL.search(text)
    if match is None:
        return None
    full = _FULL_AT.search(text)
    data = {"type": "proportional"} | ({"full_at": full["n"]} if full and Decimal(full["n"]) != 100 else {})
    return data, _clause(text, match.start(), match.end())


def _clause(text: str, start: int, end: int) -> str:
    """The clause of `text` around [start, end): up to the nearest separators."""
    left = max(text.rfind(sep, 0, start) for sep in ",;。") + 1
    rights = [i for sep in ",;。" if (i := text.find(sep, end)) >= 0]
    return text[left : min(rights, default=len(text))].strip()


def _band(segment: str) -> tuple[Decimal, Decimal, Decimal] | None:
    """(low, high, score) of one band of a tiered standard, or None when the segment is not a band."""
    score = _SCORE.search(segment)
    if score is None:
        return None
    points = Decimal(0) if score["zero"] else Decimal(score["n"])
    head = segment[: score.start()] or segment
    if m := _RANGE.search(head):
        return Decimal(m["a"]), Decimal(m["b"]), points
    if m := _AT_LEAST.search(head):
        return Decimal(m["n"] or m["m"]), _INF, points
    if m := _ABOVE.search(head):
        return Decimal(m["n"]), _INF, points
    if m := _BELOW.search(head):
        return -_INF, Decimal(m["n"] or m["m"]), points
    if m := _EQUAL.search(head):
        return Decimal(m["n"]), Decimal(m["n"]), points
    return None


def _tiers(text: str, weight: Decimal | None) -> Found:
    segments = [s for s in re.split(r"[;。]", text) if s.strip()]
    bands = [b for s in segments if (b := _band(s)) is not None]
    if len(bands) < 2 or len(bands) < len(segments) - 1:
        return None
    bands.sort(key=lambda b: (b[1], b[0]))
    scores = [b[2] for b in bands]
    if scores == sorted(scores, reverse=True):  # lower is better: each band up to its upper bound, inclusive
        if bands[-1][1] == _INF and bands[-1][2] > 0:
            return "分档为数值越低得分越高，但最高一档之上仍有得分，无法写成各档上限"
        return {"type": "tiers", "tiers": [{"max": str(b[1]), "score": str(b[2])} for b in bands if b[2] > 0]}, text
    if scores != sorted(scores):
        return None
    tiers = [{"min": str(max(b[0], Decimal(0))), "score": str(b[2])} for b in reversed(bands) if b[2] > 0]
    return {"type": "tiers", "tiers": tiers}, text


def _checklist(text: str, weight: Decimal | None) -> Found:
    items = split_numbered(text)
    if len(items) < 2:
        return None
    found = [(item[: m.start()].strip(" ,;，；、"), m["n"]) for item in items if (m := _SCORE.search(item)) and m["n"]]
    if len(found) != len(items) or any(not name for name, _ in found):
        return None
    if weight is not None and sum(Decimal(p) for _, p in found) != weight:
        return None  # points that do not add up to the weight are alternatives, not a checklist
    return {"type": "checklist", "items": [{"id": name[:30], "points": p} for name, p in found]}, text


def _per_case(text: str, weight: Decimal | None) -> Found:
    match = _PER_CASE.search(text)
    return (
        None
        if match is None
        else (
            {"type": "per_case_deduction", "points": match["points"]},
            _clause(text, match.start(), match.end()),
        )
    )


_READERS: tuple[Callable[[str, Decimal | None], Found], ...] = (
    _per_unit,
    _count_ratio,
    _proportional,
    _tiers,
    _checklist,
    _per_case,
)


def rule_params(rule: Rule) -> str:
    """A rule's parameters on one line: "limit 100，unit 1，points 0.5，direction over"; a list item by its keys
    too ("tiers max 10 score 6、max 20 score 4": upper bounds, not lower ones)."""
    params = rule.model_dump(exclude={"type", "label"}, exclude_none=True, mode="json")

    def shown(value: object) -> str:
        if isinstance(value, list):
            return "、".join(" ".join(f"{k} {v}" for k, v in item.items()) for item in value)
        return str(value)

    return "，".join(f"{k} {shown(v)}" for k, v in params.items())
