"""Targets and actuals of the national target-versus-actual form, read and scored.

A target (年度指标值, or the Sichuan/Yunnan columns 指标性质 + 指标值 + 度量单位) and an actual (实际完成值 / 完成值)
are read exactly as a department wrote them into a `Measure`: a quantity with an operator and a unit, a deadline
month, free text, or nothing. From two measures this module decides, under the Ministry of Finance 2020 rules
(财预〔2020〕10号), whether the target was met, the achievement ratio and the unrounded score. Where the rules leave
the matter to the evaluator (text, a missed deadline, units that disagree) it answers None instead of guessing.

Promises: only the standard library is used; every number is a Decimal, never a float; nothing is rounded here;
the text as written is kept beside what was read from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "Measure",
    "MeasureKind",
    "Operator",
    "far_exceeded",
    "met",
    "parse_actual",
    "parse_target",
    "ratio",
    "recompute",
    "units_agree",
]

ZERO = Decimal(0)
ONE = Decimal(1)


class Operator(StrEnum):
    GE = "≥"
    GT = ">"
    EQ = "="
    LE = "≤"
    LT = "<"


class MeasureKind(StrEnum):
    QUANTITY = "quantity"
    DEADLINE = "deadline"
    TEXT = "text"
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class Measure:
    """One target or actual cell: `written` exactly as given, the rest what was read from it.

    `year` is kept when a deadline names one (2023年11月底前) so that two dated cells compare across years;
    it is None for every other cell.
    """

    written: str
    kind: MeasureKind
    operator: Operator | None = None
    value: Decimal | None = None
    unit: str | None = None
    month: int | None = None
    day: int | None = None
    year: int | None = None

    @property
    def shown(self) -> str:
        """A short Chinese rendering for tables and findings: 「≥ 500 户」, 「9月前」, 「（空）」."""
        if self.kind is MeasureKind.EMPTY:
            return "（空）"
        if self.kind is MeasureKind.TEXT:
            return self.written.strip()
        if self.kind is MeasureKind.DEADLINE:
            return _shown_date(self)
        return _shown_quantity(self)


def _shown_date(measure: Measure) -> str:
    year = f"{measure.year}年" if measure.year is not None else ""
    day = f"{measure.day}日" if measure.day is not None else ""
    before = "前" if measure.operator is not None else ""
    return f"{year}{measure.month}月{day}{before}"


def _shown_quantity(measure: Measure) -> str:
    parts: list[str] = [] if measure.operator is None else [str(measure.operator)]
    number = f"{measure.value:f}"
    if measure.unit == "%":
        parts.append(number + "%")  # 95%, as people write it; other units stand apart: 500 户
    else:
        parts.extend([number] if measure.unit is None else [number, measure.unit])
    return " ".join(parts)


# Spreadsheets and scanned pages mix full-width and look-alike signs; reading sees one spelling of each.
_CHARACTERS = str.maketrans(
    {
        **{chr(0xFF10 + digit): str(digit) for digit in range(10)},
        "．": ".",
        "，": ",",
        "％": "%",
        "＞": ">",
        "＜": "<",
        "＝": "=",
        "﹦": "=",
        "﹥": ">",
        "﹤": "<",
        "≧": "≥",
        "≦": "≤",
        "⩾": "≥",
        "⩽": "≤",
        "－": "-",
        "／": "/",
    }
)
_SPACES = re.compile(r"\s+")

# Longest spellings first, so that 大于等于 is not read as 大于 and >= not as >.
_PREFIXES: tuple[tuple[str, Operator], ...] = (
    ("大于等于", Operator.GE),
    ("小于等于", Operator.LE),
    ("不低于", Operator.GE),
    ("不少于", Operator.GE),
    ("不小于", Operator.GE),
    ("不高于", Operator.LE),
    ("不超过", Operator.LE),
    ("不多于", Operator.LE),
    ("不大于", Operator.LE),
    (">=", Operator.GE),
    ("<=", Operator.LE),
    ("==", Operator.EQ),
    ("大于", Operator.GT),
    ("高于", Operator.GT),
    ("超过", Operator.GT),
    ("小于", Operator.LT),
    ("低于", Operator.LT),
    ("等于", Operator.EQ),
    ("至少", Operator.GE),
    ("达到", Operator.GE),
    ("≥", Operator.GE),
    (">", Operator.GT),
    ("=", Operator.EQ),
    ("≤", Operator.LE),
    ("<", Operator.LT),
)
# 以上 and 以下 include the number itself, as in Chinese legal usage: 500户以上 means at least 500.
_SUFFIXES: tuple[tuple[str, Operator], ...] = (
    ("及以上", Operator.GE),
    ("以上", Operator.GE),
    ("及以下", Operator.LE),
    ("以下", Operator.LE),
    ("以内", Operator.LE),
)

_EMPTY_MARKS = frozenset("/\\—–-…·.、")
_EMPTY_WORDS = frozenset({"无"})
_QUALITATIVE = frozenset({"定性"})

_QUANTITY = re.compile(r"(?P<number>-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<unit>[^\d,;:()（）。；：、]{0,8})")
_DEADLINE = re.compile(
    r"(?:(?P<year>\d{4})年)?"
    r"(?:(?P<month>\d{1,2})月份?(?:(?P<day>\d{1,2})[日号])?[底末]?|(?P<year_end>年?[底末]))"
    r"(?:以前|之前|前)?(?:已?完成)?"
)
# The numbers read as quantities: below 10^12 with at most 8 decimals, so that a ratio of two of them (at most
# 10^20) still prints with its decimals inside the 28 digits of the decimal context. Anything else (a
# 5000-digit cell) is no quantity a table measures: it is read as text, left to the evaluator's judgement.
_NUMBER_MAX_CHARS = 24
_MAGNITUDE_MAX = 12
_DECIMALS_MAX = 8
_PERCENT_WORDS = frozenset({"%", "百分比"})


def _normalise(text: str) -> str:
    return _SPACES.sub("", text.translate(_CHARACTERS))


def _is_empty(text: str) -> bool:
    return not text or text in _EMPTY_WORDS or all(character in _EMPTY_MARKS for character in text)


def _normal_unit(unit: str | None) -> str | None:
    """A unit as compared: spaces gone, the percent spellings made one; any other unit kept as written."""
    if unit is None:
        return None
    text = _normalise(unit)
    if _is_empty(text):
        return None
    return "%" if text in _PERCENT_WORDS else text


def _split_operator(text: str) -> tuple[Operator | None, str]:
    """The operator written before or after the value, and the value without it (a sign before wins)."""
    for spelling, operator in _PREFIXES:
        if text.startswith(spelling):
            rest = text[len(spelling) :]
            return operator, _split_operator(rest)[1] if rest else rest
    for spelling, operator in _SUFFIXES:
        if text.endswith(spelling) and len(text) > len(spelling):
            return operator, text[: -len(spelling)]
    return None, text


def _nature_operator(nature: str | None) -> Operator | None:
    if nature is None:
        return None
    operator, rest = _split_operator(_normalise(nature))
    return operator if not rest else None


def _read_deadline(written: str, text: str, operator: Operator | None) -> Measure | None:
    found = _DEADLINE.fullmatch(text)
    if found is None:
        return None
    month = 12 if found["year_end"] else int(found["month"])
    day = int(found["day"]) if found["day"] else None
    if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    year = int(found["year"]) if found["year"] else None
    return Measure(written, MeasureKind.DEADLINE, operator, month=month, day=day, year=year)


def _read_quantity(written: str, text: str, operator: Operator | None, unit: str | None) -> Measure | None:
    found = _QUANTITY.fullmatch(text)
    if found is None or len(found["number"]) > _NUMBER_MAX_CHARS:
        return None
    value = Decimal(str(found["number"]).replace(",", ""))
    exponent = value.as_tuple().exponent
    if value.adjusted() >= _MAGNITUDE_MAX or not isinstance(exponent, int) or exponent < -_DECIMALS_MAX:
        return None
    return Measure(written, MeasureKind.QUANTITY, operator, value, _normal_unit(found["unit"]) or unit)


def _read(text: str | None, unit: str | None, operator: Operator | None, as_target: bool) -> Measure:
    """The reading both cells share; `operator` is what a target says elsewhere (the 指标性质 column)."""
    written = "" if text is None else text
    normal = _normalise(written)
    if _is_empty(normal):
        return Measure(written, MeasureKind.EMPTY)
    written_operator, rest = _split_operator(normal)
    # The sign written next to the number is closer to what the department meant than a separate column.
    operator = (written_operator or operator or Operator.GE) if as_target else None
    # A deadline is a not-later-than target, whatever sign stands before the month.
    deadline = _read_deadline(written, rest, Operator.LE if as_target else None)
    if deadline is not None:
        return deadline
    quantity = _read_quantity(written, rest, operator, _normal_unit(unit))
    return quantity if quantity is not None else Measure(written, MeasureKind.TEXT)


def parse_target(text: str | None, *, nature: str | None = None, unit: str | None = None) -> Measure:
    """Read a target cell (年度指标值 / 指标值) as written.

    `nature` is the 指标性质 column: an operator (≥ ＝ ≤ …) used when the cell itself writes none, or 定性, which
    makes the target text whatever the cell holds. `unit` is the 度量单位 column, used when the cell writes no
    unit. No operator anywhere means ≥, as the form intends. A deadline (9月前, 年底前) gets the operator ≤.
    """
    if nature is not None and _normalise(nature) in _QUALITATIVE:
        written = "" if text is None else text
        kind = MeasureKind.EMPTY if _is_empty(_normalise(written)) else MeasureKind.TEXT
        return Measure(written, kind)
    return _read(text, unit, _nature_operator(nature), as_target=True)


def parse_actual(text: str | None, *, unit: str | None = None) -> Measure:
    """Read an actual cell (实际完成值 / 完成值) as written: a sign copied from the target is dropped.

    `unit` is the 度量单位 column; an actual that writes no unit and has no column keeps the unit None, which
    `units_agree` takes to mean the target's unit.
    """
    return _read(text, unit, None, as_target=False)


def units_agree(target: Measure, actual: Measure) -> bool:
    """True when either unit is missing or both read the same; 万元 and 元 disagree (nothing is converted)."""
    target_unit, actual_unit = _normal_unit(target.unit), _normal_unit(actual.unit)
    return target_unit is None or actual_unit is None or target_unit == actual_unit


def _quantities(target: Measure, actual: Measure) -> tuple[Operator, Decimal, Decimal] | None:
    """Operator, target value and actual value when the two cells can be compared as numbers."""
    if target.kind is not MeasureKind.QUANTITY or actual.kind is not MeasureKind.QUANTITY:
        return None
    if target.value is None or actual.value is None or not units_agree(target, actual):
        return None
    return target.operator or Operator.GE, target.value, actual.value


def _compare(operator: Operator, goal: Decimal, done: Decimal) -> bool:
    if operator is Operator.GE:
        return done >= goal
    if operator is Operator.GT:
        return done > goal
    if operator is Operator.EQ:
        return done == goal
    if operator is Operator.LE:
        return done <= goal
    return done < goal


def _in_time(target: Measure, actual: Measure) -> bool | None:
    if target.month is None or actual.month is None:
        return None
    # The year counts only when both cells name one: a table covers one year, so a bare month is in it.
    if target.year is not None and actual.year is not None and target.year != actual.year:
        return actual.year < target.year
    if actual.month != target.month:
        return actual.month < target.month
    # The deadline month itself is in time (9月前 is met in 9月); a day decides only when both cells give one.
    return target.day is None or actual.day is None or actual.day <= target.day


def met(target: Measure, actual: Measure) -> bool | None:
    """Whether the actual meets the target: None when the rules leave it to the evaluator.

    Two quantities with agreeing units compare by the target's operator; two deadlines compare by month (and
    day when both give one), the deadline month included. Text, empty cells, disagreeing units and mismatched
    kinds give None.
    """
    numbers = _quantities(target, actual)
    if numbers is not None:
        return _compare(*numbers)
    if target.kind is MeasureKind.DEADLINE and actual.kind is MeasureKind.DEADLINE:
        return _in_time(target, actual)
    return None


def ratio(target: Measure, actual: Measure) -> Decimal | None:
    """The achievement ratio: 完成值 ÷ 指标值 for ≥ and >, 指标值 ÷ 完成值 for ≤ and <, the smaller for =.

    None when the cells are not two quantities with agreeing units, when a value is negative (the rule's ratio
    means nothing there), or when a divisor is zero, with one exception: an actual of 0 against a ≤ or <
    target that it meets has the ratio 1 (nothing spent against a ceiling is the target reached, not a fault).
    The ratio is not capped: 3061 against ≥2000 gives 1.5305.
    """
    numbers = _quantities(target, actual)
    if numbers is None:
        return None
    operator, goal, done = numbers
    if goal < ZERO or done < ZERO:
        return None
    if operator in (Operator.GE, Operator.GT):
        return done / goal if goal else None
    if operator in (Operator.LE, Operator.LT):
        if not done:
            return ONE if _compare(operator, goal, done) else None
        return goal / done
    return min(done / goal, goal / done) if goal and done else None


def recompute(weight: Decimal, target: Measure, actual: Measure) -> Decimal | None:
    """The unrounded score the 2020 rules give: the weight when met, weight × ratio for a missed quantity.

    A missed quantity's score lies between 0 and the weight. A strict target (> or <) missed by landing exactly
    on its value scores the whole weight, because the rule's ratio is 1 there. A missed deadline and everything
    not decidable give None: the rules leave those to the evaluator's judgement.
    """
    outcome = met(target, actual)
    if outcome is None:
        return None
    if outcome:
        return weight
    achieved = ratio(target, actual) if target.kind is MeasureKind.QUANTITY else None
    if achieved is None:
        return None
    return max(ZERO, min(weight, weight * achieved))


def far_exceeded(target: Measure, actual: Measure, threshold: Decimal) -> bool:
    """Whether a ≥ or > target was beaten by `threshold` times or more (1.3 for a third), a sign it was set too low.

    Only quantity targets with agreeing units and a positive value qualify; anything else is False.
    """
    numbers = _quantities(target, actual)
    if numbers is None:
        return False
    operator, goal, done = numbers
    return operator in (Operator.GE, Operator.GT) and goal > ZERO and done / goal >= threshold
