"""Turn pydantic's validation errors into located, Chinese problem messages."""

from __future__ import annotations

from pydantic import ValidationError

from toolkit.core.rules import RULE_TYPES

_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段（请检查拼写）",
    "string_type": "应为文本",
    "string_too_short": "不能为空",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "dict_type": "应为键值映射",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "too_short": "至少应有 {min_length} 项",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "union_tag_invalid": "计分规则类型 {tag} 未定义，可用：{expected_tags}",
    "union_tag_not_found": "缺少计分规则类型字段 {discriminator}",
    "date_from_datetime_parsing": "应为日期（如 2026-12-01）",
}


def _text(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def problems_from(exc: ValidationError, prefix: tuple = ()) -> list[tuple[tuple, str]]:
    """Every error in exc as (field path, Chinese message mentioning the value found)."""
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(part for part in err["loc"] if not (isinstance(part, str) and part.startswith("function-")))
        # Discriminated unions add the tag as a path element right after `rule`; it names no field in
        # the file. Only there: `not_applicable` is also a record field and must stay in its path.
        loc = tuple(p for n, p in enumerate(loc) if not (p in RULE_TYPES and n and loc[n - 1] == "rule"))
        template = _MESSAGES.get(err["type"])
        # pydantic joins the choices with English "or"; the message is Chinese.
        ctx = {k: v.replace(" or ", "、") if isinstance(v, str) else v for k, v in (err.get("ctx") or {}).items()}
        message = template.format(**ctx) if template else err["msg"].removeprefix("Value error, ")
        if err["type"] not in ("missing", "extra_forbidden", "union_tag_not_found") and "input" in err:
            message += f"，实际为 {_text(err['input'])}"
        out.append((prefix + loc, message))
    return out
