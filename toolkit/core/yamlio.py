"""YAML reading that keeps decimals exact and can say on which line a field stands.

Aliases (`*name`) are refused in every file read here, before a node is composed: records, reviews and
rubrics never need them, and a few lines of nested aliases expand to billions of nodes ("billion laughs").
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from toolkit.core.inputfile import read_input
from toolkit.core.problems import InputError, Problem, display_path, dotted
from toolkit.core.yamlerrors import reader_message, syntax_message

# The C loader is ten times faster; PyYAML built without libyaml has only the Python one.
if TYPE_CHECKING:
    _Base = yaml.SafeLoader
else:
    _Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DecimalLoader(_Base):
    """Safe loader reading YAML floats as Decimal, from their source text, so 0.1 stays 0.1.

    A key given twice in one mapping is an error: PyYAML would silently keep the last value,
    and an indicator entered twice must not be half-lost without a word.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        if isinstance(node, yaml.MappingNode):
            seen: dict[object, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, (str, int, Decimal, bool)) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"键 “{key}” 重复（第 {seen[key]} 行已出现）", key_node.start_mark
                    )
                if isinstance(key, (str, int, Decimal, bool)):
                    seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def _number_error(node: yaml.Node, text: str, kind: str) -> yaml.constructor.ConstructorError:
    shown = text if len(text) <= 20 else f"{text[:17]}…（共 {len(text)} 个字符）"
    return yaml.constructor.ConstructorError(None, None, f"{kind}无法读取：{shown}", node.start_mark)


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    if text.lower() in {".nan", ".inf", "-.inf", "+.inf"}:
        return Decimal(text.lower().replace(".", ""))
    try:
        return Decimal(text)
    except ArithmeticError:  # `!!float x`
        raise _number_error(node, text, "数字") from None


def _int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    # Python refuses to convert integers of more than 4300 digits, and `!!int x` is no integer: either is a
    # mistake in the file, said with its line rather than as Python's English.
    try:
        return int(loader.construct_yaml_int(node))
    except ValueError:
        raise _number_error(node, str(node.value), "整数") from None


DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
DecimalLoader.add_constructor("tag:yaml.org,2002:int", _int)
# Dates stay text: records carry them for people, and JSON output must not need a date encoder.
# types-PyYAML wants a constructor method of the loader's own class; the inherited one serves it the same.
DecimalLoader.add_constructor("tag:yaml.org,2002:timestamp", DecimalLoader.construct_yaml_str)  # type: ignore[type-var]


class AliasError(yaml.YAMLError):
    """A YAML alias in a file the toolkit reads: refused, with the line of the alias (1-based)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message, self.line = message, line


def _refuse_aliases(text: str) -> None:
    """Raise AliasError at the first alias of the text, from the parser's events: nothing is composed."""
    if "*" not in text:  # no alias can be written without one: the usual file costs a single scan
        return
    anchors: dict[str, int] = {}
    for event in yaml.parse(text, Loader=DecimalLoader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.AliasEvent):
            defined = anchors.get(str(event.anchor))
            where = f"（锚点 &{event.anchor} 在第 {defined} 行）" if defined else ""
            raise AliasError(f"不支持 YAML 别名 *{event.anchor}{where}，请直接写出内容", line)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            anchors[anchor] = line


def read_yaml(path: str | Path, what: str) -> object:
    """Parse a YAML file; any unreadable, empty, binary or malformed file becomes an InputError."""
    path = Path(path)
    shown = display_path(path)
    text = _read_text(path, shown, what)
    try:
        _refuse_aliases(text)
        data = yaml.load(text, Loader=DecimalLoader)
    except AliasError as exc:
        raise InputError([Problem(shown, "", exc.message, exc.line or None)]) from None
    except yaml.MarkedYAMLError as exc:
        message, line = syntax_message(text, exc)
        raise InputError([Problem(shown, "", message, line)]) from None
    except yaml.reader.ReaderError as exc:
        message, line = reader_message(text, exc)
        raise InputError([Problem(shown, "", message, line)]) from None
    except (yaml.YAMLError, ArithmeticError, ValueError, RecursionError):
        raise InputError([Problem(shown, "", "YAML 格式错误（无法解析此文件）")]) from None
    if not isinstance(data, dict):
        found = _KINDS.get(type(data), "其他内容")
        raise InputError([Problem(shown, "", f"顶层应为键值映射（{what}的各字段），实际为{found}")])
    return data


_KINDS = {
    list: "列表",
    str: "一段文字",
    int: "一个数字",
    Decimal: "一个数字",
    bool: "true/false",
    bytes: "二进制内容",
    set: "集合",
    type(None): "空值",
}


def _read_text(path: Path, shown: str, what: str) -> str:
    """The file's text: a regular file, not too large, not binary, UTF-8 and not empty."""
    raw = read_input(path, what)
    if b"\x00" in raw:
        raise InputError([Problem(shown, "", f"不是文本文件（含二进制内容），应为 UTF-8 编码的 YAML {what}文件")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            [Problem(shown, "", f"不是 UTF-8 编码（第 {exc.start} 字节无法解码），请另存为 UTF-8")]
        ) from None
    if not text.strip():
        raise InputError([Problem(shown, "", f"文件为空，应为 YAML 格式的{what}")])
    return text


def line_index(path: str | Path) -> dict[tuple, int]:
    """Map each field path (keys and list indices) in a YAML file to its 1-based line number."""
    text = read_input(path, "YAML").decode("utf-8-sig")
    index: dict[tuple, int] = {}
    _refuse_aliases(text)  # the walk below would follow every alias
    root = yaml.compose(text, Loader=DecimalLoader)
    # A stack, not recursion: libyaml allows a thousand levels of nesting, deeper than Python's call stack.
    stack: list[tuple[yaml.Node, tuple]] = [] if root is None else [(root, ())]
    while stack:
        node, loc = stack.pop()
        index.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = loc + (key.value,)
                index[child] = key.start_mark.line + 1
                stack.append((value, child))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, loc + (i,)) for i, item in enumerate(node.value))
    return index


def locate(index: dict[tuple, int], loc: tuple) -> int | None:
    """The line of the deepest existing prefix of loc (a missing field points at its parent)."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in index:
            return index[loc[:end]]
    return None


def with_lines(path: str | Path, problems: list[tuple[tuple, str]]) -> InputError:
    """Build an InputError from (field path, message) pairs, adding line numbers from the file."""
    shown = display_path(path)
    try:
        index = line_index(path)
    except (InputError, UnicodeDecodeError, yaml.YAMLError):
        index = {}

    return InputError([Problem(shown, dotted(loc), msg, locate(index, loc), loc) for loc, msg in problems])


class _Dumper(yaml.SafeDumper):
    """Writes what the toolkit reads back: decimals as numbers, written as they were read, and no aliases
    (the same list twice in the data is written out twice, since an alias would be refused on reading)."""

    def ignore_aliases(self, data: object) -> bool:
        return True


_PLAIN_DIGITS = 40


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    # 2 -> 2, 17.5 -> 17.5, 0.00 -> 0.00: the written form is kept, since people and messages read it.
    exponent = value.as_tuple().exponent
    plain = isinstance(exponent, int) and exponent > -_PLAIN_DIGITS and value.adjusted() < _PLAIN_DIGITS
    if plain and exponent >= 0:  # type: ignore[operator]  # plain: exponent is an int
        return dumper.represent_int(int(value))
    # Far beyond any score or amount (1E+999999, NaN): written as read, not as a million digits.
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value, "f") if plain else str(value))


def _represent_enum(dumper: yaml.SafeDumper, value: Enum) -> yaml.Node:
    return dumper.represent_str(str(value.value))


_Dumper.add_representer(Decimal, _represent_decimal)
_Dumper.add_multi_representer(Enum, _represent_enum)


def dump_yaml(data: object) -> str:
    """Data as block-style YAML in document order, Chinese unescaped; loads back equal with DecimalLoader."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=120)
