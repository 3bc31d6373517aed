"""YAML that does not parse is said in Chinese, with its line and column and what stands there: never libyaml's
English, never a byte position without a line."""

from __future__ import annotations

import re

import pytest

from toolkit.core.problems import InputError
from toolkit.core.yamlerrors import reason
from toolkit.core.yamlio import read_yaml

ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}")  # three English words in a row: a sentence
HEAD = "schema: audit-toolkit/department\nformat_version: 1\n"  # lines 1-2 of every case


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("name: 部门: 二级", "第 3 行 第 9 列：此处不能开始“键: 值”"),
        (
            "a:\n\tb: 1",
            "第 4 行 第 1 列：此字符不能作为内容的开头（以 @ ` % 或制表符开头的文字请加引号），实际为制表符",
        ),
        (
            "goals: [一, 二\nyear: 2022",
            "第 4 行 第 5 列：方括号列表中此处应为逗号或“]”，实际为“:”；未闭合的结构始于第 3 行",
        ),
        (
            "source: '未闭合",
            "第 4 行 第 1 列：文件在此意外结束（引号或括号未闭合），实际为文件结尾；未闭合的结构始于第 3 行",
        ),
        (
            "goals:\n  - 一\n  年度: 2022",
            "第 5 行 第 3 列：此处应为列表项“- ”（检查缩进是否与同级的列表项对齐），实际为“年”",
        ),
        ("a: 1\n- b", "第 4 行 第 1 列：此处应为“键: 值”（检查缩进是否与同级的键对齐），实际为“-”"),
        ("a: @x", "第 3 行 第 4 列：此字符不能作为内容的开头"),
        ('a: "\\q"', "第 3 行 第 5 列：双引号内的反斜杠转义无效"),
        ("a: !!python/object x", "第 3 行 第 4 列：不支持 YAML 标签 tag:yaml.org,2002:python/object"),
        ("a: 1\n---\nb: 2", "第 4 行 第 1 列：一个文件只能有一份 YAML 文档"),
        ("[a, b]: 1", "第 3 行 第 1 列：键不能是列表或映射"),
        ("a: " + "[" * 1001 + "]" * 1001, "第 3 行 第 1003 列：嵌套层数过多（上限 1000 层）"),
        ("a: " + "9" * 5000, "第 3 行 第 4 列：整数无法读取：99999999999999999…（共 5000 个字符）"),
        ("a: !!int 十", "第 3 行 第 4 列：整数无法读取：十"),
        ("a: !!float 十", "第 3 行 第 4 列：数字无法读取：十"),
        ("a: 1\na: 2", "第 4 行 第 1 列：键 “a” 重复（第 3 行已出现）"),
        ("单位: 部门\x07", "第 3 行 第 7 列：含不允许的控制字符 U+0007，请删去或改为普通文字"),
        ("a: 1\n名称: \ufffe", "第 4 行 第 5 列：含不允许的控制字符 U+FFFE"),
    ],
    ids=[
        "colon in text",
        "tab indent",
        "unclosed bracket",
        "unclosed quote",
        "key inside a list",
        "item inside a mapping",
        "reserved character",
        "bad escape",
        "python tag",
        "two documents",
        "list as a key",
        "too deep",
        "5000 digits",
        "int tag",
        "float tag",
        "duplicate key",
        "control character",
        "non-character after chinese",
    ],
)
def test_a_yaml_error_gives_line_column_and_what_was_found_in_chinese(tmp_path, body, expected):
    path = tmp_path / "dept.yaml"
    path.write_text(HEAD + body + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_yaml(path, "部门自评记录")
    [problem] = caught.value.problems
    line = int(expected.split(" 行")[0].removeprefix("第 "))
    assert problem.line == line and problem.message.startswith("YAML 格式错误（" + expected), problem.message
    assert not ENGLISH.search(problem.message), problem.message


# The problems libyaml 0.2 reports (its scanner, parser and reader, as built into PyYAML 6), then those of
# PyYAML's own scanner, composer and constructor, with what they found filled in.
LIBYAML = """
block sequence entries are not allowed in this context
control characters are not allowed
could not find expected ':'
could not find expected directive name
did not find URI escaped octet
did not find expected '!'
did not find expected ',' or ']'
did not find expected ',' or '}'
did not find expected '-' indicator
did not find expected <document start>
did not find expected <stream-start>
did not find expected alphabetic or numeric character
did not find expected comment or line break
did not find expected digit or '.' character
did not find expected hexdecimal number
did not find expected key
did not find expected node content
did not find expected tag URI
did not find expected version number
did not find expected whitespace
did not find expected whitespace or line break
did not find the expected '>'
duplicate %TAG directive
exceeded maximum nesting depth
found a tab character that violates indentation
found a tab character where an indentation space is expected
found an incorrect leading UTF-8 octet
found an incorrect trailing UTF-8 octet
found an indentation indicator equal to 0
found character that cannot start any token
found duplicate %TAG directive
found duplicate %YAML directive
found extremely long version number
found incompatible YAML document
found invalid Unicode character escape code
found undefined tag handle
found unexpected ':'
found unexpected document indicator
found unexpected end of stream
found unexpected non-alphabetical character
found unknown directive name
found unknown escape character
incompatible %YAML directive
incomplete UTF-16 character
incomplete UTF-16 surrogate pair
incomplete UTF-8 octet sequence
invalid Unicode character
invalid leading UTF-8 octet
invalid length of a UTF-8 sequence
invalid trailing UTF-8 octet
mapping keys are not allowed in this context
mapping values are not allowed in this context
"""
PYYAML = """
could not determine a constructor for the tag '!x'
expected ',' or ']', but got '}'
expected <block end>, but found '-'
expected a mapping node, but found sequence
expected a single document in the stream
found character '\\t' that cannot start any token
found duplicate anchor 'a'; first occurrence
found incompatible YAML document (version 1.* is required)
found non-specific tag '!'
found unconstructable recursive node
found undefined alias 'a'
found undefined tag handle '!x!'
found unexpected document separator
found unhashable key
found unknown escape character 'q'
mapping values are not allowed here
"""


@pytest.mark.parametrize("problem", [p for p in (LIBYAML + PYYAML).splitlines() if p])
def test_every_problem_libyaml_or_pyyaml_can_report_has_a_chinese_reason(problem):
    assert reason(problem) != "无法解析此处的内容" and not ENGLISH.search(reason(problem))


def test_an_unknown_problem_still_gets_a_chinese_reason_not_the_english():
    assert reason("something libyaml may say one day") == "无法解析此处的内容"


@pytest.mark.parametrize(
    ("text", "found"),
    [("~", "空值"), ("!!set {a}", "集合"), ("- 1", "列表"), ("部门", "一段文字"), ("!!binary aGk=", "二进制内容")],
)
def test_a_file_that_is_not_a_mapping_says_what_it_holds_in_chinese(tmp_path, text, found):
    path = tmp_path / "dept.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_yaml(path, "部门自评记录")
    assert str(caught.value).endswith(f"顶层应为键值映射（部门自评记录的各字段），实际为{found}")
