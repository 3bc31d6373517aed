"""Evidence candidates read from reason texts, only where the pattern is plain and only the keys
the indicator's rule needs: the one rate of a proportional rule, the counts of a count ratio, and the one
percentage a rule stated in percent is applied to (a deduction per point beyond a limit, bands of a rate).
Every candidate keeps the sentence it came from and `extracted: true`, so a reviewer can tell it from
evidence entered by hand.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from toolkit.core.rubric import Indicator
from toolkit.core.rules import CountRatio, PerUnitDeduction, Proportional, Rule, Tiers

_UNIT = r"(?:项|个|份|笔|件|次|家|宗)"
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_COUNTS = re.compile(
    rf"共[^\d。；;，,]{{0,8}}?(\d+)\s*{_UNIT}[^。；;]*?其中\s*(\d+)\s*{_UNIT}\s*(未|没有|逾期|超期|超时|不|按时|已|均)"
)
_MAX_COUNT_DIGITS = 9  # a count of contracts or projects; int() of a longer digit run is refused past 4300
_FAILED_WORDS = ("未", "没有", "逾期", "超期", "超时", "不")
_SENTENCE_END = "。！？!?；;"
_CLAUSE_START = "，,。！？!?；;：:"


def _sentence(text: str, start: int) -> str:
    """From the start of the clause holding position `start` to the end of its sentence (end mark kept)."""
    begin = start
    while begin > 0 and text[begin - 1] not in _CLAUSE_START:
        begin -= 1
    end = start
    while end < len(text) and text[end] not in _SENTENCE_END:
        end += 1
    if end < len(text) and text[end] == "。":
        end += 1
    return text[begin:end].strip()


def extract(indicator: Indicator, reason: str | None) -> tuple[dict[str, object], str | None]:
    """(evidence, note): the rule's inputs found in the reason text, or {} and why nothing was taken."""
    rule = indicator.rule
    if not reason or not rule.required:
        return {}, None
    # Full-width digits and percent signs read as ASCII; positions stay those of the original text.
    text = unicodedata.normalize("NFKC", reason)
    quoted = reason if len(text) == len(reason) else text  # the text sentences are quoted from
    if isinstance(rule, Proportional):
        return _rate(text, quoted)
    if isinstance(rule, CountRatio):
        return _counts(text, quoted)
    if isinstance(rule, (PerUnitDeduction, Tiers)) and _in_percent(rule):
        return _rate(text, quoted, "value")
    return {}, f"计分规则（{rule.type}）所需依据未能从原因栏自动提取"


def _in_percent(rule: Rule) -> bool:
    """Whether the standard as printed is stated in percent (每超过一个百分点扣0.5分, 0-10%(含)计6分): a rule
    without its wording, or one in days or cases, takes no percentage from a reason."""
    label = unicodedata.normalize("NFKC", rule.label or "")
    return "%" in label or "百分点" in label


def _rate(text: str, quoted: str, key: str = "rate") -> tuple[dict[str, object], str | None]:
    """The one percentage in the text (preferring those in a sentence about a rate), with its sentence, as
    the evidence `key`."""
    found = list(_PERCENT.finditer(text))
    rated = [m for m in found if "率" in _sentence(text, m.start())] or found
    if len(rated) != 1:
        return {}, ("原因栏有多个百分比，未自动提取计分依据" if rated else "原因栏未见百分比，未能提取计分依据")
    m = rated[0]
    sentence = _sentence(quoted, m.start())
    return {
        key: Decimal(m.group(1)),
        "sentence": sentence,
        "extracted": True,
    }, f"计分依据取自未达标原因栏的百分比 {m.group(1)}%"


def _counts(text: str, quoted: str) -> tuple[dict[str, object], str | None]:
    """The one "共 N 项……其中 M 项" in the text, as a total and the part that failed or passed, with its sentence."""
    found = list(_COUNTS.finditer(text))
    if len(found) != 1:
        return {}, (
            "原因栏有多组“共…其中…”数字，未自动提取计分依据"
            if found
            else "原因栏未见“共N项……其中M项”，未能提取计分依据"
        )
    m = found[0]
    if max(len(m.group(1)), len(m.group(2))) > _MAX_COUNT_DIGITS:
        return {}, "原因栏“共…其中…”的数字位数过多，不像合同或项目数，未提取计分依据"
    total, part = int(m.group(1)), int(m.group(2))
    if part > total:
        return {}, f"原因栏“共{total}项，其中{part}项”前后矛盾，未提取计分依据"
    failed = m.group(3) in _FAILED_WORDS
    sentence = _sentence(quoted, m.start())
    evidence: dict[str, object] = {
        "total": total,
        ("failed" if failed else "passed"): part,
        "sentence": sentence,
        "extracted": True,
    }
    word = "未合规" if failed else "合规"
    return evidence, f"计分依据取自未达标原因栏（共 {total} 项，{part} 项{word}）"
