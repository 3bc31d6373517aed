"""Tab- and comma-separated text, and the text encodings told from the content (UTF-8, GBK, UTF-16)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from toolkit.core.problems import display_path
from toolkit.importer import sources
from toolkit.importer.sources import FORMATS, Grid, Row, clip, fail


def decode(path: Path, raw: bytes) -> tuple[str, str]:
    """Text and the name of its encoding: BOMs first, then UTF-8, then GB18030 (a superset of GBK)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return _strict(path, raw[3:], "utf-8", "UTF-8（带 BOM）")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        return _strict(path, raw, "utf-16", "UTF-16")
    if b"\x00" in raw:
        raise fail(path, f"不是文本文件（含二进制内容），也不是可识别的 Excel、Word 或 PDF 文件；应为 {FORMATS}")
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "GBK/GB18030"
    except UnicodeDecodeError as exc:
        raise fail(path, f"无法识别文字编码（第 {exc.start} 字节既非 UTF-8 也非 GBK），请另存为 UTF-8") from None


def _strict(path: Path, raw: bytes, codec: str, label: str) -> tuple[str, str]:
    try:
        return raw.decode(codec), label
    except UnicodeDecodeError as exc:
        raise fail(path, f"文件声明为 {label}，但第 {exc.start} 字节无法解码") from None


def read(path: Path, text: str, encoding: str) -> Grid:
    """Rows of a TSV or CSV text; tab-separated when any of its lines holds a tab."""
    lines = text.splitlines()
    # Tabs first: CSV-looking commas also occur inside numbers ("11,887.73") in tab-separated text.
    if any("\t" in line for line in lines[: sources.MAX_ROWS]):
        rows = [Row(n, clip(line.split("\t"))) for n, line in enumerate(lines[: sources.MAX_ROWS], start=1)]
        return Grid(display_path(path), f"制表符分隔文本（{encoding}）", tuple(rows))
    return Grid(display_path(path), f"逗号分隔文本（{encoding}）", tuple(_csv_rows(path, text)))


def _csv_rows(path: Path, text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text))
    rows: list[Row] = []
    try:
        start = 1
        for cells in reader:
            rows.append(Row(start, clip(cells)))
            start = reader.line_num + 1
            if len(rows) >= sources.MAX_ROWS:
                break
    except csv.Error as exc:
        raise fail(path, _csv_message(str(exc)), reader.line_num) from None
    return rows


def _csv_message(error: str) -> str:
    """The csv module's error in Chinese: what is wrong with the text, and what it is likely to mean."""
    if "field larger than field limit" in error:
        limit = f"{csv.field_size_limit():,}"
        return f"CSV 格式错误：有一格超过 {limit} 个字符（多半是某个引号没有配对，其后全文被读成一格），不像自评表"
    if "new-line character" in error:
        return "CSV 格式错误：未加引号的单元格中有换行符（请在 Excel 中另存为 CSV 后再导入）"
    return "CSV 格式错误：无法按逗号分隔文本读取（引号或分隔符不成对），请在 Excel 中另存为 CSV 或 TSV 后再导入"
