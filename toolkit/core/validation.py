"""Turn pydantic's validation errors into located, Chinese problem messages.

Every error type the declared models can raise has its sentence here, saying what was expected; an error type
this table does not know still gets a Chinese sentence, never pydantic's English (tests/core/test_validation.py
feeds every model wrong inputs and checks both).
"""

from __future__ import annotations

import re
from decimal import Decimal

from pydantic import ValidationError

from toolkit.core.rules import RULE_TYPES

_NUMBER, _INTEGER, _BOOL, _MAPPING = "应为数字", "应为整数", "应为 true 或 false", "应为键值映射"
MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段（请检查拼写）",
    "string_type": "应为文本",
    "string_too_short": "不能为空",
    "string_too_long": "过长（上限 {max_length} 个字符）",
    "string_pattern_mismatch": "格式不符",
    "string_unicode": "应为有效的文字",
    "int_type": _INTEGER,
    "int_parsing": _INTEGER,
    "int_parsing_size": "应为整数（位数过多）",
    "int_from_float": _INTEGER,
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "decimal_max_digits": "数字位数过多（上限 {max_digits} 位）",
    "decimal_max_places": "小数位数过多（上限 {decimal_places} 位）",
    "decimal_whole_digits": "整数部分位数过多（上限 {whole_digits} 位）",
    "finite_number": "应为有限的数字",
    "bool_type": _BOOL,
    "bool_parsing": _BOOL,
    "dict_type": _MAPPING,
    "model_type": _MAPPING,
    "model_attributes_type": _MAPPING,
    "dataclass_type": _MAPPING,
    "invalid_key": "键应为文本",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "set_type": "应为列表",
    "frozen_set_type": "应为列表",
    "iterable_type": "应为列表",
    "too_short": "至少应有 {min_length} 项",
    "too_long": "至多可有 {max_length} 项",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}",
    "multiple_of": "应为 {multiple_of} 的整数倍",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "union_tag_invalid": "计分规则类型 {tag} 未定义，可用：{expected_tags}",
    "union_tag_not_found": "缺少计分规则类型字段 {discriminator}",
    "date_type": "应为日期（如 2026-12-01）",
    "date_parsing": "应为日期（如 2026-12-01）",
    "date_from_datetime_parsing": "应为日期（如 2026-12-01）",
    "recursion_loop": "嵌套过深",
    "frozen_instance": "不可修改",
    "frozen_field": "不可修改",
}
_UNKNOWN = "取值无效"
# No value to show after these: the field is absent, or the message says all there is.
_NO_VALUE = frozenset({"missing", "extra_forbidden", "union_tag_invalid", "union_tag_not_found", "recursion_loop"})
_CJK = re.compile(r"[\u4e00-\u9fff]")
_KINDS = {dict: "键值映射", list: "列表", tuple: "列表", set: "集合", frozenset: "集合", bytes: "二进制内容"}


def _text(value: object) -> str:
    """A value found, as a message shows it: text quoted, containers by kind, long values cut short."""
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list, tuple, set, frozenset)) and not value:
        return f"空{_KINDS[type(value)]}"
    if isinstance(value, (dict, list, tuple, set, frozenset, bytes)):
        return _KINDS[type(value)]
    if isinstance(value, int) and value.bit_length() > 128:  # Python will not print one of over 4300 digits
        return f"一个约 {int(value.bit_length() * 0.30103) + 1} 位的整数"
    text = repr(value) if isinstance(value, str) else str(value) if isinstance(value, (int, Decimal)) else "其他类型"
    return text if len(text) <= 40 else text[:37] + "…"


def _choices(value: object) -> object:
    """pydantic's "'a', 'b' or 'c'" as 'a'、'b'、'c'; other context values as they are."""
    if not isinstance(value, str):
        return value
    return value.replace(" or ", "、").replace(", ", "、")


def _value_error(err: dict) -> str:
    """The toolkit's own validators raise Chinese ValueErrors; anything else gets the generic sentence."""
    message = str(err.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return message if _CJK.search(message) else _UNKNOWN


def message_for(err: dict) -> str:
    """The Chinese message of one pydantic error (an item of ValidationError.errors())."""
    kind = err["type"]
    ctx = {key: _choices(value) for key, value in (err.get("ctx") or {}).items()}
    if "tag" in ctx:  # the rule type found, which may be anything the file holds: taken from the input itself
        found = err.get("input")
        ctx["tag"] = _text(found["type"] if isinstance(found, dict) and "type" in found else ctx["tag"])
    if kind in ("value_error", "assertion_error"):
        message = _value_error(err)
    else:
        try:
            message = MESSAGES.get(kind, _UNKNOWN).format(**ctx)
        except (KeyError, IndexError, ValueError):  # a context pydantic did not give: the sentence without it
            message = re.sub(r"[：:]?\s*\{[^}]*\}", "", MESSAGES.get(kind, _UNKNOWN))
    if kind not in _NO_VALUE and "input" in err:
        message += f"，实际为 {_text(err['input'])}"
    return message


def problems_from(exc: ValidationError, prefix: tuple = ()) -> list[tuple[tuple, str]]:
    """Every error in exc as (field path, Chinese message mentioning the value found)."""
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(part for part in err["loc"] if not (isinstance(part, str) and part.startswith("function-")))
        # Discriminated unions add the tag as a path element right after `rule`; it names no field in
        # the file. Only there: `not_applicable` is also a record field and must stay in its path.
        loc = tuple(p for n, p in enumerate(loc) if not (p in RULE_TYPES and n and loc[n - 1] == "rule"))
        out.append((prefix + loc, message_for(dict(err))))
    return out
