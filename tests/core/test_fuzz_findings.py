"""Inputs that made `score` end in an internal error (exit 3) when the fuzz test (tests/test_fuzz.py) was built,
each kept as a test of its own: now an input error with its line (exit 2), or a result (exit 0)."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

from toolkit.cli import main
from toolkit.core.yamlio import DecimalLoader, dump_yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"


def test_a_thousand_levels_of_nesting_beside_an_error_still_gets_its_line(tmp_path, capsys):
    # The field-to-line index walked the file recursively: 990 levels of nesting overflowed Python's stack
    # (RecursionError, exit 3) as soon as any other field had an error to place.
    nested = "[" * 990 + "]" * 990
    text = SEED.read_text(encoding="utf-8").replace("year: 2022", "year: 二〇二二")
    text = text.replace("      sentence: 我部门2022年平均执行率为98.88%。", f"      note: {nested}")
    path = tmp_path / "dept.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["score", str(path)]) == 2
    err = capsys.readouterr().err
    assert "dept.yaml:11: year: 应为整数，实际为 '二〇二二'" in err and "内部错误" not in err


@pytest.mark.parametrize("value", ["1E+999999", "1E-999999", "NaN", "Infinity", "-Infinity", "1E+45"])
def test_numbers_far_out_of_range_are_written_as_read_and_load_back_equal(value):
    # Written as integers, 1E+999999 needed a million digits: Python refuses past 4300 (ValueError).
    text = dump_yaml({"a": D(value)})
    assert len(text) < 40
    back = yaml.load(text, Loader=DecimalLoader)["a"]
    assert str(back) == value


def test_a_frame_record_with_a_5000_digit_target_scores(tmp_path, capsys):
    # Found by fuzzing `import`: the table's target cell became a 5000-digit quantity, and `score --json` could
    # not print it (Python will not convert an int of more than 4300 digits to text).
    source = FIXTURES / "records" / "13-hubei-huanggang-soil-2020.yaml"
    text = source.read_text(encoding="utf-8").replace("target: 100%", "target: '≥" + "9" * 5000 + "%'", 1)
    path = tmp_path / source.name
    path.write_text(text, encoding="utf-8")
    assert main(["score", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["department"] is not None and result["total"] is not None


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("limit: 10, unit: 1.0e-999999, points: 1.0e+999999", "应不小于 0.000001，实际为 1.0E-999999"),
        ("limit: -1.0e+30, unit: 1, points: 0.5", "应不小于 -1000000000000，实际为 -1.0E+30"),
        ("limit: 10, unit: 1, points: 1.0e+30", "应不大于 1000，实际为 1.0E+30"),
    ],
    ids=["tiny unit, huge points", "huge limit", "huge points"],
)
def test_rule_parameters_out_of_range_are_rubric_errors_not_an_overflow(tmp_path, capsys, rule, message):
    # A deduction of 1e999999 points per 1e-999999 units overflowed the decimal context (exit 3).
    shutil.copyfile(FIXTURES / "four-groups-record.yaml", tmp_path / "four-groups-record.yaml")
    rubric = (FIXTURES / "four-groups-rubric.yaml").read_text(encoding="utf-8")
    (tmp_path / "four-groups-rubric.yaml").write_text(
        rubric.replace("limit: 10, unit: 1, points: 0.5", rule), encoding="utf-8"
    )
    assert main(["rubric", "validate", str(tmp_path / "four-groups-rubric.yaml")]) == 2
    assert message in capsys.readouterr().err
    assert main(["score", str(tmp_path / "four-groups-record.yaml")]) == 2
    assert "无法加载评价指标体系" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("{actual: 45, target: 50}", "{actual: 45, target: 1.0e-999999}", "indicators.职责履行.evidence.target"),
        ("{actual: 110, target: 100}", "{actual: 1.0e-999999, target: 100}", "indicators.成本控制.evidence.actual"),
        ("{value: 12.5}", "{value: 1.0e-999999}", "indicators.结转结余控制.evidence.value"),
    ],
    ids=["ratio divisor", "lower-is-better divisor", "deduction value"],
)
def test_evidence_too_small_to_divide_by_is_an_input_error_not_an_overflow(tmp_path, capsys, old, new, field):
    # 45 ÷ 1E-999999 overflowed the decimal context (exit 3).
    shutil.copyfile(FIXTURES / "four-groups-rubric.yaml", tmp_path / "four-groups-rubric.yaml")
    record = (FIXTURES / "four-groups-record.yaml").read_text(encoding="utf-8")
    assert old in record
    (tmp_path / "four-groups-record.yaml").write_text(record.replace(old, new), encoding="utf-8")
    assert main(["score", str(tmp_path / "four-groups-record.yaml"), "--json"]) == 2
    assert f"{field}: 应为 0 到 10^12 之间的数字（非 0 时不小于 10^-12）" in capsys.readouterr().err
