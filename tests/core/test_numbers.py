"""Decimal rounding in each mode the rubric may state, and how numbers are printed."""

from decimal import Decimal as D

import pytest

from toolkit.core.numbers import RoundingMode, decimals_of, fmt, fmt2, percent, round_to

HALF_UP, HALF_EVEN, TRUNCATE = RoundingMode.HALF_UP, RoundingMode.HALF_EVEN, RoundingMode.TRUNCATE


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        (D("9.888"), HALF_UP, D("9.89")),  # the seed's execution-rate score
        (D("9.888"), HALF_EVEN, D("9.89")),
        (D("9.888"), TRUNCATE, D("9.88")),  # what the seed actually printed
        (D("0.125"), HALF_UP, D("0.13")),
        (D("0.125"), HALF_EVEN, D("0.12")),  # ties to even
        (D("0.135"), HALF_EVEN, D("0.14")),
        (D("0.125"), TRUNCATE, D("0.12")),
        (D("0.8181818"), HALF_UP, D("0.82")),  # 1 × 9/11, the seed's contract filing score
        (D("0.8181818"), TRUNCATE, D("0.81")),
        (D("-1.555"), HALF_UP, D("-1.56")),  # away from zero
        (D("-1.559"), TRUNCATE, D("-1.55")),  # towards zero
        (D("94.2"), HALF_UP, D("94.20")),
    ],
)
def test_round_to_each_mode(value, mode, expected):
    assert round_to(value, 2, mode) == expected


def test_round_to_other_places():
    assert round_to(D("2.5"), 0, HALF_EVEN) == D(2)
    assert round_to(D("2.5"), 0, HALF_UP) == D(3)
    assert round_to(D("1.23456"), 4, TRUNCATE) == D("1.2345")


@pytest.mark.parametrize(
    ("value", "places"),
    [
        (D("9.88"), 2),
        (D("9.880"), 2),
        (D("3"), 0),
        (D("3.0"), 0),
        (D("18.995"), 3),
        (D("10"), 0),
        (D("1E+1"), 0),
    ],
)
def test_decimals_of_counts_significant_decimals(value, places):
    assert decimals_of(value) == places


def test_rounding_mode_labels_are_chinese():
    assert [m.label for m in RoundingMode] == ["四舍五入", "银行家舍入", "截尾"]


@pytest.mark.parametrize(("value", "text"), [(D("94.2"), "94.20"), (D("3"), "3.00"), (D("9.888"), "9.89"), (None, "—")])
def test_fmt_prints_two_decimals(value, text):
    assert fmt(value) == text


def test_fmt_text_depends_on_value_and_places_only():
    assert [fmt(D("2.50")), fmt(D("2.5")), fmt(D("2.500000"))] == ["2.50", "2.50", "2.50"]
    assert [fmt(D("0.125"), 3), fmt(D("0.125")), fmt(D("0.125"), 2)] == ["0.125", "0.13", "0.13"]
    assert [fmt(D("1E+1")), fmt(D("10.00")), fmt(10)] == ["10.00", "10.00", "10"]  # a count (int) stays a count
    assert [fmt(D("-0.00")), fmt(D("0"))] == ["0.00", "0.00"]
    assert fmt(D("-1.5")) == "-1.50"


def test_fmt2_and_percent():
    assert fmt2(D("11887.73")) == "11,887.73"
    assert fmt2(D("0")) == "0.00"
    assert percent(D("0.9888")) == "98.88%"


def test_a_value_too_large_for_any_score_is_printed_as_written_not_a_crash():
    # A 27-digit weight in a mistyped table reaches the import's messages (fuzz seed 3, table:2005).
    from toolkit.core.numbers import fmt, fmt2

    assert fmt(D("1" * 27)) == "1" * 27
    assert fmt2(D("1E+30")) == "1" + "0" * 30
    assert fmt(D("94.2")) == "94.20"
