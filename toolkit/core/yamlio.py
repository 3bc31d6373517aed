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

from toolkit.core.problems import InputError, Problem, display_path, dotted

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


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = loader.construct_scalar(node).replace("_", "")
    if text.lower() in {".nan", ".inf", "-.inf", "+.inf"}:
        return Decimal(text.lower().replace(".", ""))
    return Decimal(text)


DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
# Dates stay text: records carry them for people, and JSON output must not need a date encoder.
# types-PyYAML wants a constructor method of the loader's own class; the inherited one serves it the same.
DecimalLoader.add_constructor("tag:yaml.org,2002:timestamp", DecimalLoader.construct_yaml_str)  # type: ignore[type-var]

MAX_BYTES = 20 * 1024 * 1024


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
        raise InputError([_syntax_problem(shown, exc)]) from None
    except (yaml.YAMLError, ArithmeticError, ValueError) as exc:
        raise InputError([Problem(shown, "", f"YAML 格式错误（{exc}）")]) from None
    if not isinstance(data, dict):
        raise InputError([Problem(shown, "", f"顶层应为键值映射（{what}的各字段），实际为 {type(data).__name__}")])
    return data


def _read_text(path: Path, shown: str, what: str) -> str:
    """The file's text: present, not too large, not binary, UTF-8 and not empty."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError([Problem(shown, "", f"找不到{what}文件")]) from None
    except OSError as exc:
        raise InputError([Problem(shown, "", f"无法读取{what}文件：{exc.strerror}")]) from None
    if len(raw) > MAX_BYTES:
        raise InputError([Problem(shown, "", f"{what}文件过大（{len(raw)} 字节，上限 {MAX_BYTES} 字节）")])
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


def _syntax_problem(shown: str, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark
    line = mark.line + 1 if mark else None
    reason = exc.problem or "格式错误"
    context = exc.context_mark
    if context is not None and mark is not None and context.line != mark.line:
        # An unclosed bracket or quote is noticed only at the end of the file; say where it opened.
        reason += f"；未闭合的结构始于第 {context.line + 1} 行"
    return Problem(shown, "", f"YAML 格式错误（{reason}）", line)


def line_index(path: str | Path) -> dict[tuple, int]:
    """Map each field path (keys and list indices) in a YAML file to its 1-based line number."""
    text = Path(path).read_text(encoding="utf-8-sig")
    index: dict[tuple, int] = {}

    def walk(node: yaml.Node, loc: tuple) -> None:
        index[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = loc + (key.value,)
                walk(value, child)
                index[child] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, loc + (i,))

    _refuse_aliases(text)  # the walk below would follow every alias
    root = yaml.compose(text, Loader=DecimalLoader)
    if root is not None:
        walk(root, ())
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
    except (OSError, yaml.YAMLError):
        index = {}

    return InputError([Problem(shown, dotted(loc), msg, locate(index, loc), loc) for loc, msg in problems])


class _Dumper(yaml.SafeDumper):
    """Writes what the toolkit reads back: decimals as numbers, written as they were read, and no aliases
    (the same list twice in the data is written out twice, since an alias would be refused on reading)."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    # 2 -> 2, 17.5 -> 17.5, 0.00 -> 0.00: the written form is kept, since people and messages read it.
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return dumper.represent_int(int(value))
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))


def _represent_enum(dumper: yaml.SafeDumper, value: Enum) -> yaml.Node:
    return dumper.represent_str(str(value.value))


_Dumper.add_representer(Decimal, _represent_decimal)
_Dumper.add_multi_representer(Enum, _represent_enum)


def dump_yaml(data: object) -> str:
    """Data as block-style YAML in document order, Chinese unescaped; loads back equal with DecimalLoader."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=120)
