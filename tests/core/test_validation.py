"""pydantic's errors become Chinese messages: every error type the record, review and rubric models can raise —
found by feeding each field of real files wrong values — has its sentence, naming what was expected, and none
lets pydantic's English through."""

from __future__ import annotations

import copy
import re
from decimal import Decimal as D
from functools import cache
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from toolkit.cli import main
from toolkit.core.record import RecordFile
from toolkit.core.rubric import RubricFile
from toolkit.core.validation import MESSAGES, problems_from
from toolkit.core.yamlio import DecimalLoader
from toolkit.review.files import ReviewFile

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"
REVIEW = """\
reviewer: 张审核
date: 2026-12-01
adjustments:
  - {indicator: 资产配置合规性, audited_score: 0.5, reason: 抽查}
findings:
  - {code: BUDGET_SUM_MISMATCH, indicator: 预算编制完整性, decision: dismissed, note: 舍入}
"""
# Wrong values of every kind YAML can bring: mappings, lists, text, numbers out of range or not finite, digits
# past Python's limit, sets and bytes (!!set, !!binary), keys that are not text.
WRONG = [
    {},
    {"x": 1},
    {None: 1},
    [],
    [None],
    "abc",
    "",
    "9" * 5000,
    -5,
    D("0.5"),
    D("NaN"),
    D("1E+999999"),
    True,
    None,
    {1, 2},
    b"ab",
]
# Every error type the generator below gets from the models: a new one must get its sentence in MESSAGES.
ERROR_TYPES = [
    "bool_parsing",
    "bool_type",
    "decimal_parsing",
    "decimal_type",
    "dict_type",
    "enum",
    "extra_forbidden",
    "finite_number",
    "greater_than",
    "greater_than_equal",
    "int_from_float",
    "int_parsing",
    "int_parsing_size",
    "int_type",
    "invalid_key",
    "less_than_equal",
    "literal_error",
    "missing",
    "model_attributes_type",
    "model_type",
    "string_too_short",
    "string_type",
    "too_short",
    "tuple_type",
    "union_tag_invalid",
    "union_tag_not_found",
    "value_error",
]
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}")  # three English words in a row: a sentence


def _load(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=DecimalLoader)


def _frame_record() -> dict:
    data = _load(ROOT / "tests" / "fixtures" / "records" / "02-anhui-guichi-wtyw-2022.yaml")
    return {**data, "rows": data["indicators"], "indicators": {}}  # as a frame record is validated


def _paths(node: object, loc: tuple = ()) -> list[tuple]:
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    return [loc] + [p for key, value in items for p in _paths(value, loc + (key,))]


def _variants(base: dict) -> list[object]:
    """The file with one field given each wrong value, or left out, or joined by an unknown sibling."""
    out: list[object] = list(WRONG)
    seen: set[tuple] = set()
    for loc in _paths(base)[1:]:
        shape = tuple(0 if isinstance(part, int) else part for part in loc)  # list items share their schema
        if shape in seen:
            continue
        seen.add(shape)
        for value in [*WRONG, "delete"]:
            data = copy.deepcopy(base)
            parent = data
            for part in loc[:-1]:
                parent = parent[part]
            if value == "delete":
                del parent[loc[-1]]
            else:
                parent[loc[-1]] = value
            out.append(data)
        if isinstance(_at(base, loc), dict):
            data = copy.deepcopy(base)
            _at(data, loc)["zz_unknown"] = 1
            out.append(data)
    return out


def _at(data: object, loc: tuple) -> object:
    for part in loc:
        data = data[part]  # type: ignore[index]
    return data


@cache
def messages_by_type() -> dict[str, list[str]]:
    """Every error type the models raised on the variants, with the messages made of it."""
    bases: list[tuple[type[BaseModel], dict]] = [
        (RecordFile, _load(SEED)),
        (RecordFile, _frame_record()),
        (RubricFile, _load(ROOT / "toolkit" / "rubrics" / "gz-dept-overall-2022.yaml")),
        (RubricFile, _load(ROOT / "toolkit" / "rubrics" / "mof-project-2020.yaml")),
        (ReviewFile, yaml.load(REVIEW, Loader=DecimalLoader)),
    ]
    found: dict[str, list[str]] = {}
    for model, base in bases:
        for data in _variants(base):
            try:
                model.model_validate(data)
            except ValidationError as exc:
                for err, (_, message) in zip(exc.errors(include_url=False), problems_from(exc), strict=True):
                    found.setdefault(err["type"], []).append(message)
    return found


def test_every_error_type_the_models_raise_has_a_chinese_sentence():
    assert sorted(messages_by_type()) == ERROR_TYPES
    assert set(ERROR_TYPES) - {"value_error"} <= set(MESSAGES)


@pytest.mark.parametrize("kind", ERROR_TYPES)
def test_no_english_sentence_in_any_message_of_an_error_type(kind):
    messages = messages_by_type()[kind]
    english = [m for m in messages if ENGLISH.search(m)]
    assert not english, english[:3]
    if kind != "value_error":  # the toolkit's own validators say their own Chinese
        expected = re.split(r"\{", MESSAGES[kind])[0]
        assert all(m.startswith(expected) for m in messages), messages[:3]


def test_an_integer_too_long_to_print_is_described_not_printed():
    # Not from YAML (refused there), but the importer passes Python data: found by fuzzing `import`.
    data = {**_load(SEED), "source": 10**5000}
    with pytest.raises(ValidationError) as caught:
        RecordFile.model_validate(data)
    assert problems_from(caught.value) == [(("source",), "应为文本，实际为 一个约 5001 位的整数")]


def _with_top_level(text: str, key: str, line: str) -> tuple[str, int]:
    """The record with a top-level field (and its indented lines) replaced by one line, and that line's number."""
    lines = text.splitlines()
    at = next(n for n, item in enumerate(lines) if item.startswith(f"{key}:"))
    end = at + 1
    while end < len(lines) and lines[end].startswith(" "):
        end += 1
    return "\n".join(lines[:at] + [line] + lines[end:]) + "\n", at + 1


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("department: []", "department: 应为键值映射，实际为 空列表"),
        ("department: 黄埔", "department: 应为键值映射，实际为 '黄埔'"),
        (
            "year: " + "9" * 5000,
            "YAML 格式错误（第 {line} 行 第 7 列：整数无法读取：99999999999999999…（共 5000 个字符））",
        ),
        ("year: !!float 二〇二二", "YAML 格式错误（第 {line} 行 第 7 列：数字无法读取：二〇二二）"),
        ("fictional: {a: 1}", "fictional: 应为 true 或 false，实际为 键值映射"),
    ],
    ids=["mapping", "text for a mapping", "5000 digits", "not a number", "mapping for a boolean"],
)
def test_cli_shows_the_chinese_message_not_pydantic_or_python(tmp_path, capsys, change, expected):
    text, line = _with_top_level(SEED.read_text(encoding="utf-8"), change.split(":")[0], change)
    path = tmp_path / "dept.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["score", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"dept.yaml:{line}: " + expected.format(line=line) in err, err
    assert not ENGLISH.search(err.replace(str(path), "")), err
