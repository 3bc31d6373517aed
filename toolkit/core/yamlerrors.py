"""YAML errors as people can act on them: in Chinese, with the line and column, and what stands there.

libyaml and PyYAML say what went wrong in English ("mapping values are not allowed in this context"), and a
reader error gives only a byte position. Every message here is looked up in a table by the parser's own text;
one the table does not know still gives the place and what was found, never the English.
"""

from __future__ import annotations

import re

import yaml

_CONFLICT = "此处不能开始“键: 值”（冒号加空格即为键值分隔：文字中含“: ”时请整段加引号），或缩进与上一行不一致"
_TAB = "缩进中有制表符（YAML 只能用空格缩进）"
_TAG = "标签（! 开头）写法无效"
_VERSION = "%YAML 指令的版本号无效"
_PROBLEMS = {
    "mapping values are not allowed in this context": _CONFLICT,
    "mapping values are not allowed here": _CONFLICT,
    "block sequence entries are not allowed in this context": "此处不能开始列表项“- ”（检查缩进）",
    "sequence entries are not allowed here": "此处不能开始列表项“- ”（检查缩进）",
    "mapping keys are not allowed in this context": "此处不能开始“? ”形式的键",
    "mapping keys are not allowed here": "此处不能开始“? ”形式的键",
    "found character that cannot start any token": "此字符不能作为内容的开头（以 @ ` % 或制表符开头的文字请加引号）",
    "found a tab character that violates indentation": _TAB,
    "found a tab character where an indentation space is expected": _TAB,
    "found unexpected end of stream": "文件在此意外结束（引号或括号未闭合）",
    "found unexpected document indicator": "引号内的行首出现了文档分隔符 --- 或 ...",
    "found unknown escape character": "双引号内的反斜杠转义无效（反斜杠请写成 \\\\，或改用单引号）",
    "found invalid Unicode character escape code": "双引号内的 Unicode 转义无效",
    "did not find expected hexdecimal number": "双引号内 \\x、\\u、\\U 之后应为十六进制数字",
    "found unexpected ':'": "此处不应有冒号",
    "could not find expected ':'": "缺少冒号（键之后应有“: ”）",
    "did not find expected key": "此处应为“键: 值”（检查缩进是否与同级的键对齐）",
    "did not find expected '-' indicator": "此处应为列表项“- ”（检查缩进是否与同级的列表项对齐）",
    "did not find expected ',' or ']'": "方括号列表中此处应为逗号或“]”",
    "did not find expected ',' or '}'": "花括号映射中此处应为逗号或“}”",
    "did not find expected node content": "此处缺少内容",
    "did not find expected <document start>": "文档已结束，此处多出了内容（如多余的括号）",
    "did not find expected <stream-start>": "文件开头无法解析",
    "did not find expected alphabetic or numeric character": "锚点（&）或别名（*）的名称应由字母或数字组成",
    "did not find expected comment or line break": "此处应为注释或换行",
    "did not find expected whitespace or line break": "此处应为空格或换行",
    "did not find expected whitespace": "此处应为空格",
    "exceeded maximum nesting depth": "嵌套层数过多（上限 1000 层）",
    "found an indentation indicator equal to 0": "块文字（| 或 >）的缩进数不能为 0",
    "found incompatible YAML document": "不支持此版本的 YAML（%YAML 指令）",
    "incompatible %YAML directive": "不支持此版本的 YAML（%YAML 指令）",
    "found unknown directive name": "未知的指令（以 % 开头的行）",
    "did not find expected directive name": "未知的指令（以 % 开头的行）",
    "could not find expected directive name": "未知的指令（以 % 开头的行）",
    "found duplicate %YAML directive": "%YAML 指令重复",
    "found duplicate %TAG directive": "%TAG 指令重复",
    "duplicate %TAG directive": "%TAG 指令重复",
    "found undefined tag handle": "标签前缀未定义",
    "did not find expected tag URI": _TAG,
    "did not find URI escaped octet": _TAG,
    "did not find expected '!'": _TAG,
    "did not find the expected '>'": _TAG,
    "found unexpected non-alphabetical character": _TAG,
    "found extremely long version number": _VERSION,
    "did not find expected digit or '.' character": _VERSION,
    "did not find expected version number": _VERSION,
    "found undefined alias": "别名（*）所指的锚点未定义",
    "but found another document": "一个文件只能有一份 YAML 文档，此处又开始了一份（--- 分隔）",
    "found unhashable key": "键不能是列表或映射",
    "found an incorrect leading UTF-8 octet": "不是有效的 UTF-8 文字",
    "found an incorrect trailing UTF-8 octet": "不是有效的 UTF-8 文字",
    "invalid leading UTF-8 octet": "不是有效的 UTF-8 文字",
    "invalid trailing UTF-8 octet": "不是有效的 UTF-8 文字",
    "incomplete UTF-8 octet sequence": "不是有效的 UTF-8 文字",
    "invalid length of a UTF-8 sequence": "不是有效的 UTF-8 文字",
    "invalid Unicode character": "含不允许的字符",
    "control characters are not allowed": "含不允许的控制字符",
    "incomplete UTF-16 character": "不是有效的 UTF-16 文字",
    "incomplete UTF-16 surrogate pair": "不是有效的 UTF-16 文字",
    # PyYAML's own scanner and composer, used where libyaml is missing: the same faults in other words.
    "found unexpected document separator": "引号内的行首出现了文档分隔符 --- 或 ...",
    "found duplicate YAML directive": "%YAML 指令重复",
    "found duplicate key": "键重复",
    "found duplicate anchor": "锚点（&）重复",
    "found non-specific tag": _TAG,
    "expected non-empty name appended to the tag": _TAG,
    "found unconstructable recursive node": "别名（*）指向了包含它自己的内容",
    "expected a single document in the stream": "一个文件只能有一份 YAML 文档，此处又开始了一份（--- 分隔）",
}
# Messages with a part that varies (a tag, a node kind, a character): matched by their fixed part.
_PATTERNS = (
    (re.compile(r"could not determine a constructor for the tag '?(?P<tag>[^']*)'?"), "不支持 YAML 标签 {tag}"),
    (re.compile(r"expected an? .*, but found"), "YAML 标签与内容的类型不符"),
    (re.compile(r"failed to decode base64 data"), "!!binary 的内容不是有效的 base64"),
    (
        re.compile(r"found character .* that cannot start any token"),
        _PROBLEMS["found character that cannot start any token"],
    ),
    (re.compile(r"expected .*, but (found|got)"), "此处的内容不合 YAML 结构（检查缩进、括号与引号）"),
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SHOWN = {"\t": "制表符", " ": "空格", "\u3000": "全角空格", "\r": "回车符"}


def reason(problem: str | None) -> str:
    """The Chinese for a parser's problem text; the toolkit's own (Chinese) problems are kept as they are."""
    text = (problem or "").strip()
    if _CJK.search(text):
        return text
    if text in _PROBLEMS:
        return _PROBLEMS[text]
    # PyYAML adds what it found ("found unknown escape character 'q'"): the longest known beginning.
    known = [p for p in _PROBLEMS if text.startswith(p + " ")]
    if known:
        return _PROBLEMS[max(known, key=len)]
    for pattern, chinese in _PATTERNS:
        match = pattern.search(text)
        if match:
            return chinese.format(**match.groupdict())
    return "无法解析此处的内容"


def found_at(text: str, line: int, column: int) -> str:
    """What stands at a 0-based line and column of the text, as a message says it."""
    lines = text.split("\n")
    if line >= len(lines) or (line == len(lines) - 1 and column >= len(lines[line])):
        return "文件结尾"
    if column >= len(lines[line].rstrip("\r")):
        return "行尾"
    char = lines[line][column]
    if char in _SHOWN:
        return _SHOWN[char]
    if not char.isprintable():
        return f"不可见字符 U+{ord(char):04X}"
    return f"“{char}”"


def syntax_message(text: str, exc: yaml.MarkedYAMLError) -> tuple[str, int | None]:
    """(message, 1-based line) for a scanner, parser, composer or constructor error."""
    mark = exc.problem_mark if exc.problem_mark is not None else exc.context_mark
    if mark is None:
        return f"YAML 格式错误（{reason(exc.problem)}）", None
    message = f"第 {mark.line + 1} 行 第 {mark.column + 1} 列：{reason(exc.problem)}"
    if isinstance(exc, (yaml.scanner.ScannerError, yaml.parser.ParserError)):
        # What the scanner stopped at; a constructor error is about the whole value starting there.
        message += f"，实际为{found_at(text, mark.line, mark.column)}"
    context, during = exc.context_mark, exc.context or ""
    if context is not None and context.line != mark.line and during.startswith(("while parsing", "while scanning")):
        # An unclosed bracket or quote is noticed only far below: say where it opened.
        unclosed = "flow" in during or "quoted" in during
        message += f"；{'未闭合' if unclosed else '所在'}的结构始于第 {context.line + 1} 行"
    return f"YAML 格式错误（{message}）", mark.line + 1


def reader_message(text: str, exc: yaml.reader.ReaderError) -> tuple[str, int]:
    """(message, 1-based line) for a character YAML does not allow. libyaml gives a byte position, PyYAML a
    character one: the first such character of the text is the one either means."""
    char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)
    at = text.find(char)
    at = at if at >= 0 else 0
    line = text.count("\n", 0, at)
    column = at - (text.rfind("\n", 0, at) + 1)
    return (
        f"YAML 格式错误（第 {line + 1} 行 第 {column + 1} 列：{reason(exc.reason)} U+{ord(char):04X}，"
        "请删去或改为普通文字）",
        line + 1,
    )
