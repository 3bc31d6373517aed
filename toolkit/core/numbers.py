"""Money-like arithmetic: Decimal everywhere, rounding stated explicitly."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from enum import StrEnum

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class RoundingMode(StrEnum):
    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    TRUNCATE = "truncate"

    @property
    def label(self) -> str:
        return _MODE_LABEL[self]


_MODE_LABEL = {RoundingMode.HALF_UP: "四舍五入", RoundingMode.HALF_EVEN: "银行家舍入", RoundingMode.TRUNCATE: "截尾"}


_DECIMAL_MODE = {
    RoundingMode.HALF_UP: ROUND_HALF_UP,
    RoundingMode.HALF_EVEN: ROUND_HALF_EVEN,
    RoundingMode.TRUNCATE: ROUND_DOWN,
}


# Scoring runs these for every indicator of every record: the quanta are made once.
_QUANTA = tuple(Decimal(1).scaleb(-places) for places in range(13))


def quantum(places: int) -> Decimal:
    return _QUANTA[places] if 0 <= places < len(_QUANTA) else Decimal(1).scaleb(-places)


def round_to(value: Decimal, places: int, mode: RoundingMode) -> Decimal:
    """Round value to `places` decimals with the given mode (truncate goes towards zero)."""
    return value.quantize(quantum(places), rounding=_DECIMAL_MODE[mode])


def decimals_of(value: Decimal) -> int:
    """How many decimals a number was written with (2.50 -> 2, 3 -> 0)."""
    # Text first: as_tuple()/normalize() cost ten times more, and this runs for every score.
    text = str(value)
    if "E" not in text:
        dot = text.find(".")
        return 0 if dot < 0 else len(text[dot + 1 :].rstrip("0"))
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


# Not cached: hashing a Decimal with decimals costs more than formatting it, and most numbers formatted
# per record (scores, recomputations, differences) are new objects.
# Rounding to two decimals needs the integer digits plus two within the decimal context's 28 digits; a value
# that large is no score or amount (a mistyped table reaches messages), and is printed as it was written.
_DIGITS_SHOWN = 24


def fmt(value: Decimal | int | None, places: int = 2) -> str:
    """A score or amount as a report prints it: always two decimals (94.20, 3.00, 0.00), more only where
    `places` allows and the value has them (evidence: 0.9876 with places=4); counts (int) as they are."""
    if value is None:
        return "—"
    if isinstance(value, int):  # counts: 11 contracts
        return str(value)
    if not value.is_finite() or value.adjusted() >= _DIGITS_SHOWN:  # beyond any score: shown as written
        return f"{value:f}"
    shown = min(max(decimals_of(value), 2), max(places, 2))
    rounded = round_to(value, shown, RoundingMode.HALF_UP)
    return f"{rounded if rounded else abs(rounded):f}"  # 0.00, never the sign of a negative zero


def fmt2(value: Decimal | None) -> str:
    """Exactly two decimals, as amounts and scores are printed in reports."""
    if value is not None and (not value.is_finite() or value.adjusted() >= _DIGITS_SHOWN):
        return f"{value:f}"
    return "—" if value is None else f"{round_to(value, 2, RoundingMode.HALF_UP):,.2f}"


def percent(value: Decimal | None, places: int = 2) -> str:
    """A fraction as a percentage string: 0.9888 -> 98.88%."""
    return "—" if value is None else f"{fmt(value * HUNDRED, places)}%"
