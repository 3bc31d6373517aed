"""Reading and scoring targets against actuals, checked on cells from the real tables in tests/fixtures/real."""

from __future__ import annotations

import ast
import dataclasses
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from toolkit.core import targets
from toolkit.core.targets import (
    Measure,
    MeasureKind,
    Operator,
    far_exceeded,
    met,
    parse_actual,
    parse_target,
    ratio,
    recompute,
    units_agree,
)

CENT = Decimal("0.01")
A_THIRD_OVER = Decimal("1.3")


def score(weight: str, target: Measure, actual: Measure) -> Decimal | None:
    """The recomputed score as a table prints it: two decimals, half up."""
    result = recompute(Decimal(weight), target, actual)
    return None if result is None else result.quantize(CENT, ROUND_HALF_UP)


# --- reading targets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "operator", "value", "unit"),
    [
        ("≥500户", Operator.GE, "500", "户"),
        ("≧500户", Operator.GE, "500", "户"),
        (">=500户", Operator.GE, "500", "户"),
        ("＞＝500户", Operator.GE, "500", "户"),
        ("大于等于95%", Operator.GE, "95", "%"),
        ("不低于95%", Operator.GE, "95", "%"),
        ("不少于10个", Operator.GE, "10", "个"),
        ("不小于10个", Operator.GE, "10", "个"),
        ("至少3次", Operator.GE, "3", "次"),
        ("500户以上", Operator.GE, "500", "户"),
        (">0", Operator.GT, "0", None),
        ("＞50人次", Operator.GT, "50", "人次"),
        ("大于50人次", Operator.GT, "50", "人次"),
        ("高于50人次", Operator.GT, "50", "人次"),
        ("超过50人次", Operator.GT, "50", "人次"),
        ("=100%", Operator.EQ, "100", "%"),
        ("＝100%", Operator.EQ, "100", "%"),
        ("﹦100%", Operator.EQ, "100", "%"),
        ("==100%", Operator.EQ, "100", "%"),
        ("等于100%", Operator.EQ, "100", "%"),
        ("≤80元/亩", Operator.LE, "80", "元/亩"),
        ("≦80元/亩", Operator.LE, "80", "元/亩"),
        ("<=80元/亩", Operator.LE, "80", "元/亩"),
        ("＜＝80元/亩", Operator.LE, "80", "元/亩"),
        ("小于等于30万元", Operator.LE, "30", "万元"),
        ("不高于30万元", Operator.LE, "30", "万元"),
        ("不超过30万元", Operator.LE, "30", "万元"),
        ("不多于30万元", Operator.LE, "30", "万元"),
        ("不大于30万元", Operator.LE, "30", "万元"),
        ("30万元以内", Operator.LE, "30", "万元"),
        ("5吨以下", Operator.LE, "5", "吨"),
        ("<5天", Operator.LT, "5", "天"),
        ("＜5天", Operator.LT, "5", "天"),
        ("小于5天", Operator.LT, "5", "天"),
        ("低于5天", Operator.LT, "5", "天"),
    ],
)
def test_every_spelling_of_an_operator_is_read_as_its_canonical_sign(
    written: str,
    operator: Operator,
    value: str,
    unit: str | None,
) -> None:
    target = parse_target(written)
    assert (target.kind, target.operator, target.value, target.unit) == (
        MeasureKind.QUANTITY,
        operator,
        Decimal(value),
        unit,
    )


@pytest.mark.parametrize("written", ["2000", "50个", "12.5公里"])
def test_a_target_without_an_operator_means_at_least(written: str) -> None:
    assert parse_target(written).operator is Operator.GE


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("1,000", "1000"),
        ("１，０００", "1000"),
        ("1,234,567.5", "1234567.5"),
        ("１２．５", "12.5"),
        ("89.974", "89.974"),
    ],
)
def test_thousands_separators_and_full_width_digits_are_read_as_decimals(written: str, value: str) -> None:
    target = parse_target(written)
    assert isinstance(target.value, Decimal)
    assert target.value == Decimal(value)


@pytest.mark.parametrize(
    ("written", "unit_column"),
    [
        ("≥100百分比", None),
        ("≥100％", None),
        ("≥100", "百分比"),
        ("≥100", "％"),
        ("≥100", " % "),
    ],
)
def test_every_spelling_of_percent_becomes_the_percent_sign(written: str, unit_column: str | None) -> None:
    target = parse_target(written, unit=unit_column)
    assert (target.operator, target.value, target.unit) == (Operator.GE, Decimal(100), "%")


def test_a_unit_is_kept_as_written_apart_from_its_spaces() -> None:
    assert parse_target("≥ 12 人 次").unit == "人次"


def test_the_sichuan_columns_give_the_operator_and_the_unit() -> None:
    target = parse_target("100", nature="=", unit="%")
    assert (target.kind, target.operator, target.value, target.unit) == (
        MeasureKind.QUANTITY,
        Operator.EQ,
        Decimal(100),
        "%",
    )


@pytest.mark.parametrize(("nature", "operator"), [("≤", Operator.LE), ("＝", Operator.EQ), ("大于等于", Operator.GE)])
def test_the_nature_column_operator_applies_when_the_cell_writes_none(nature: str, operator: Operator) -> None:
    assert parse_target("30", nature=nature, unit="万元").operator is operator


def test_a_sign_written_in_the_cell_wins_over_the_nature_column() -> None:
    assert parse_target("≤30", nature="≥", unit="万元").operator is Operator.LE


def test_a_unit_written_in_the_cell_wins_over_the_unit_column() -> None:
    assert parse_target("30万元", nature="≤", unit="元").unit == "万元"
    assert parse_actual("96元", unit="万元").unit == "元"


def test_a_qualitative_nature_makes_the_target_text_even_when_the_cell_holds_a_number() -> None:
    target = parse_target("100", nature="定性")
    assert (target.kind, target.operator, target.value) == (MeasureKind.TEXT, None, None)


@pytest.mark.parametrize(
    ("written", "month", "day", "year"),
    [
        ("9月前", 9, None, None),
        ("9月底前", 9, None, None),
        ("9月30日前", 9, 30, None),
        ("12月31日前", 12, 31, None),
        ("年底前", 12, None, None),
        ("2023年11月底前", 11, None, 2023),
    ],
)
def test_a_deadline_target_keeps_its_month_and_day(written: str, month: int, day: int | None, year: int | None) -> None:
    target = parse_target(written)
    assert (target.kind, target.month, target.day, target.year) == (MeasureKind.DEADLINE, month, day, year)
    assert target.value is None


@pytest.mark.parametrize(
    "written", ["效果明显", "明显提升", "长期", "在项目计划完成时间内完成", "符合相关规定", "严格执行相关制度规定"]
)
def test_a_target_in_words_is_text_without_operator_or_number(written: str) -> None:
    target = parse_target(written)
    assert (target.kind, target.operator, target.value, target.month) == (MeasureKind.TEXT, None, None, None)


@pytest.mark.parametrize("written", [None, "", "  ", "/", "／", "—", "——", "-", "……", "无"])
def test_a_blank_or_placeholder_cell_is_empty(written: str | None) -> None:
    assert parse_target(written).kind is MeasureKind.EMPTY
    assert parse_actual(written).kind is MeasureKind.EMPTY


@pytest.mark.parametrize(
    "written", ["≥" + "9" * 5000 + "户", "1" * 25, "≤0." + "1" * 30 + "%", "1,000,000,000,000元", "≥0.000000001"]
)
def test_a_number_too_long_for_any_table_is_read_as_text_not_as_a_quantity(written: str) -> None:
    # A 5000-digit target once crashed `score --json` (Python will not print an int of more than 4300 digits),
    # and the ratio of a 10^15 actual to a 10^-15 target would not print inside the decimal context.
    assert parse_target(written).kind is MeasureKind.TEXT and parse_actual(written).kind is MeasureKind.TEXT


def test_the_longest_number_a_table_writes_is_still_a_quantity() -> None:
    assert parse_target("≥123,456,789,012.5万元").value == Decimal("123456789012.5")
    assert parse_target("≤0.00000001").value == Decimal("0.00000001")


def test_the_text_is_kept_exactly_as_written() -> None:
    assert parse_target(" ≥ 500户 ").written == " ≥ 500户 "
    assert parse_actual(None).written == ""


# --- reading actuals ---------------------------------------------------------------------------------------


def test_an_actual_keeps_the_number_of_a_copied_sign_and_drops_the_sign() -> None:
    actual = parse_actual("≥95%")
    assert (actual.kind, actual.operator, actual.value, actual.unit) == (MeasureKind.QUANTITY, None, Decimal(95), "%")


def test_a_bare_number_actual_has_no_unit() -> None:
    actual = parse_actual("100")
    assert (actual.kind, actual.value, actual.unit) == (MeasureKind.QUANTITY, Decimal(100), None)


def test_an_actual_takes_the_unit_column() -> None:
    assert parse_actual("98", unit="%").unit == "%"


@pytest.mark.parametrize(
    ("written", "month", "day"),
    [
        ("7月", 7, None),
        ("10月底", 10, None),
        ("2023年10月", 10, None),
        ("12月31日", 12, 31),
    ],
)
def test_a_dated_actual_is_read_as_a_month(written: str, month: int, day: int | None) -> None:
    actual = parse_actual(written)
    assert (actual.kind, actual.operator, actual.month, actual.day) == (MeasureKind.DEADLINE, None, month, day)


@pytest.mark.parametrize("written", ["按时完成", "达成预期指标", "完成", "好", "是"])
def test_an_actual_in_words_is_text(written: str) -> None:
    assert parse_actual(written).kind is MeasureKind.TEXT


def test_a_duration_in_months_is_a_quantity_not_a_deadline() -> None:
    target = parse_target("≤12个月")
    assert (target.kind, target.value, target.unit) == (MeasureKind.QUANTITY, Decimal(12), "个月")


# --- rendering ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "shown"),
    [
        (parse_target("500户以上"), "≥ 500 户"),
        (parse_target("大于等于95%"), "≥ 95%"),
        (parse_target("2000"), "≥ 2000"),
        (parse_target("9月前"), "9月前"),
        (parse_target("12月31日前"), "12月31日前"),
        (parse_target(" 效果明显 "), "效果明显"),
        (parse_target("/"), "（空）"),
        (parse_actual("460户"), "460 户"),
        (parse_actual("7月"), "7月"),
        (parse_actual(None), "（空）"),
    ],
)
def test_shown_gives_a_short_chinese_rendering(measure: Measure, shown: str) -> None:
    assert measure.shown == shown


def test_a_measure_cannot_be_changed_after_reading() -> None:
    target = parse_target("≥500户")
    with pytest.raises(dataclasses.FrozenInstanceError):
        target.value = Decimal(1)  # type: ignore[misc]


# --- units -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "actual", "agree"),
    [
        (parse_target("≥500户"), parse_actual("460"), True),
        (parse_target("2000"), parse_actual("3061户"), True),
        (parse_target("≥500户"), parse_actual("460户"), True),
        (parse_target("≥100百分比"), parse_actual("100%"), True),
        (parse_target("≤30万元"), parse_actual("300000元"), False),
        (parse_target("≥95%"), parse_actual("95个"), False),
    ],
)
def test_units_agree_when_one_is_missing_or_both_read_the_same(target: Measure, actual: Measure, agree: bool) -> None:
    assert units_agree(target, actual) is agree


def test_units_that_disagree_leave_the_indicator_to_the_evaluator() -> None:
    target, actual = parse_target("≤30万元"), parse_actual("300000元")
    assert (met(target, actual), ratio(target, actual), recompute(Decimal(10), target, actual)) == (None, None, None)


# --- met and scores: quantities ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "actual", "outcome"),
    [
        ("≤4", "4", True),
        ("≥2000", "3061", True),
        ("≥200", "202", True),
        ("≥50个", "50", True),
        ("≥95%", "100%", True),
        ("≥500户", "460户", False),
        (">50", "50", False),
        ("<4", "4", False),
        ("≤80元", "96元", False),
        ("=100%", "98%", False),
        ("=100%", "100%", True),
    ],
)
def test_a_quantity_target_is_met_by_its_operator(target: str, actual: str, outcome: bool) -> None:
    assert met(parse_target(target), parse_actual(actual)) is outcome


def test_a_missed_at_least_target_scores_weight_times_actual_over_target() -> None:
    assert score("20", parse_target("≥500户"), parse_actual("460户")) == Decimal("18.40")


def test_a_missed_at_most_target_scores_weight_times_target_over_actual() -> None:
    assert score("10", parse_target("≤80元"), parse_actual("96元")) == Decimal("8.33")


def test_a_missed_equal_target_on_sichuan_columns_scores_weight_times_actual_over_target() -> None:
    target = parse_target("100", nature="=", unit="%")
    assert score("60", target, parse_actual("98", unit="%")) == Decimal("58.80")
    assert score("60", target, parse_actual("98")) == Decimal("58.80")


def test_an_equal_target_overshot_scores_weight_times_target_over_actual() -> None:
    assert score("60", parse_target("=100%"), parse_actual("102%")) == Decimal("58.82")


@pytest.mark.parametrize(("target", "actual"), [("≥2000", "3061"), ("≥200", "202"), ("≤4", "4"), ("≥50个", "50")])
def test_a_met_quantity_target_scores_the_whole_weight(target: str, actual: str) -> None:
    assert score("10", parse_target(target), parse_actual(actual)) == Decimal("10.00")


def test_a_strict_target_missed_by_landing_on_its_value_scores_the_whole_weight() -> None:
    # The rule's ratio is 1 there: the miss is the evaluator's to judge, not the formula's.
    target, actual = parse_target(">50"), parse_actual("50")
    assert met(target, actual) is False
    assert score("10", target, actual) == Decimal("10.00")


def test_the_ratio_of_an_exceeded_target_is_not_capped() -> None:
    achieved = ratio(parse_target("≥2000"), parse_actual("3061"))
    assert achieved is not None and achieved.quantize(Decimal("0.0001")) == Decimal("1.5305")


def test_a_target_beaten_by_a_third_or_more_is_far_exceeded() -> None:
    assert far_exceeded(parse_target("≥2000"), parse_actual("3061"), A_THIRD_OVER) is True


def test_a_target_beaten_by_exactly_the_threshold_is_far_exceeded() -> None:
    assert far_exceeded(parse_target("≥1000"), parse_actual("1300"), A_THIRD_OVER) is True
    assert far_exceeded(parse_target("≥1000"), parse_actual("1299"), A_THIRD_OVER) is False


@pytest.mark.parametrize(
    ("target", "actual"),
    [
        ("≥200", "202"),  # met, but only by 1%
        ("≤4", "40"),  # a ceiling is never exceeded in the good direction
        ("=100%", "150%"),
        ("≥0", "5"),  # no positive target to measure against
        ("≥2000户", "3061万元"),
        ("效果明显", "达成预期指标"),
    ],
)
def test_other_targets_are_not_far_exceeded(target: str, actual: str) -> None:
    assert far_exceeded(parse_target(target), parse_actual(actual), A_THIRD_OVER) is False


def test_an_actual_of_zero_against_a_ceiling_has_the_ratio_one() -> None:
    assert ratio(parse_target("≤5起"), parse_actual("0")) == Decimal(1)
    assert ratio(parse_target("<5起"), parse_actual("0")) == Decimal(1)


@pytest.mark.parametrize(("target", "actual"), [("≥0", "5"), ("=0", "3"), ("=5", "0")])
def test_a_ratio_over_zero_is_not_computed(target: str, actual: str) -> None:
    assert ratio(parse_target(target), parse_actual(actual)) is None


# --- met and scores: deadlines -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "actual", "outcome"),
    [
        ("9月前", "7月", True),
        ("11月前", "10月", True),
        ("9月前", "9月", True),
        ("9月底前", "9月底", True),
        ("9月30日前", "9月15日", True),
        ("12月31日前", "12月31日", True),
        ("年底前", "12月", True),
        ("2023年11月底前", "2023年10月", True),
        ("2023年11月底前", "2022年12月", True),
        ("9月前", "10月", False),
        ("9月15日前", "9月20日", False),
        ("2023年11月底前", "2024年1月", False),
    ],
)
def test_a_deadline_is_met_when_the_actual_month_is_not_later(target: str, actual: str, outcome: bool) -> None:
    assert met(parse_target(target), parse_actual(actual)) is outcome


def test_a_deadline_met_scores_the_whole_weight() -> None:
    assert score("5", parse_target("9月前"), parse_actual("7月")) == Decimal("5.00")


def test_a_missed_deadline_leaves_the_score_to_the_evaluator() -> None:
    target, actual = parse_target("9月前"), parse_actual("10月")
    assert met(target, actual) is False
    assert recompute(Decimal(5), target, actual) is None


# --- not decidable -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "actual"),
    [
        (parse_target("≤30万元"), parse_actual("完成")),
        (parse_target("30", nature="≤", unit="万元"), parse_actual("完成", unit="万元")),
        (parse_target("9月前"), parse_actual("按时完成")),
        (parse_target("≥50个"), parse_actual("/")),
        (parse_target("9月前"), parse_actual("9")),
    ],
)
def test_a_text_or_empty_actual_for_a_measurable_target_is_not_decidable(target: Measure, actual: Measure) -> None:
    assert met(target, actual) is None
    assert recompute(Decimal(90), target, actual) is None


def test_text_against_text_is_left_to_the_evaluator() -> None:
    target, actual = parse_target("效果明显"), parse_actual("达成预期指标")
    assert (target.kind, actual.kind) == (MeasureKind.TEXT, MeasureKind.TEXT)
    assert met(target, actual) is None
    assert recompute(Decimal(10), target, actual) is None


# --- the module's promises ---------------------------------------------------------------------------------


def test_the_module_imports_only_the_standard_library() -> None:
    tree = ast.parse(Path(targets.__file__ or "").read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported and imported <= set(sys.stdlib_module_names) | {"__future__"}
