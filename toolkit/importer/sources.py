"""Reading a published table (TSV, CSV, XLSX or HTML) into a grid of text cells.

The format and the encoding are told from the content, not the file name. Merged cells (XLSX) and
rowspan/colspan (HTML) become one value followed by blanks, exactly as in the extracted text, so that
one layout reader serves every format.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from toolkit.core.problems import InputError, Problem, display_path

MAX_BYTES = 20 * 1024 * 1024  # published tables are a few hundred KB; anything far larger is not one
MAX_ROWS = 5000  # a self-evaluation table has well under a hundred rows
MAX_COLS = 64
MAX_UNZIPPED = 100 * 1024 * 1024  # an XLSX expanding beyond this is refused (zip bomb guard)

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the source: its number as a person finds it (line in a text file, row in a sheet)."""

    number: int
    cells: tuple[str, ...]

    def cell(self, col: int | None) -> str:
        if col is None or col < 0 or col >= len(self.cells):
            return ""
        return self.cells[col]


@dataclass(frozen=True, slots=True)
class Grid:
    """The table as read: rows of text cells, with what was detected about the file."""

    file: str  # as shown to the user
    format: str  # Chinese description, e.g. "制表符分隔文本（UTF-8）"
    rows: tuple[Row, ...]
    row_word: str = "行"  # how `Row.number` is called in messages


def _error(path: Path, message: str, line: int | None = None) -> InputError:
    return InputError([Problem(display_path(path), "", message, line)])


def read_grid(path: str | Path) -> Grid:
    """Read any supported table file into a Grid; unusable files raise InputError with one clear line."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise _error(path, "找不到文件") from None
    except OSError as exc:
        raise _error(path, f"无法读取文件：{exc.strerror}") from None
    if not path.is_file():
        raise _error(path, "不是普通文件")
    if size > MAX_BYTES:
        raise _error(path, f"文件过大（{size:,} 字节，上限 {MAX_BYTES:,} 字节），不像一份自评表；请只保留自评表部分")
    if size == 0:
        raise _error(path, "文件为空，应为部门整体支出绩效自评表（TSV、CSV、XLSX 或 HTML）")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _error(path, f"无法读取文件：{exc.strerror}") from None
    if raw.startswith(_ZIP_MAGIC):
        return _read_xlsx(path, raw)
    if raw.startswith(_OLE_MAGIC):
        raise _error(path, "旧版 Excel（.xls）格式不受支持，请在 Excel 中另存为 .xlsx 后再导入")
    text, encoding = _decode(path, raw)
    if not text.strip():
        raise _error(path, "文件为空（只有空白），应为部门整体支出绩效自评表")
    if re.search(r"<table[\s>]", text[:MAX_BYTES], re.IGNORECASE):
        return _read_html(path, text, encoding)
    return _read_delimited(path, text, encoding)


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    """Text and the name of its encoding: BOMs first, then UTF-8, then GB18030 (a superset of GBK)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return _strict(path, raw[3:], "utf-8", "UTF-8（带 BOM）")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        return _strict(path, raw, "utf-16", "UTF-16")
    if b"\x00" in raw:
        raise _error(path, "不是文本文件（含二进制内容），也不是 XLSX 工作簿；应为 TSV、CSV、XLSX 或 HTML")
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "GBK/GB18030"
    except UnicodeDecodeError as exc:
        raise _error(path, f"无法识别文字编码（第 {exc.start} 字节既非 UTF-8 也非 GBK），请另存为 UTF-8") from None


def _strict(path: Path, raw: bytes, codec: str, label: str) -> tuple[str, str]:
    try:
        return raw.decode(codec), label
    except UnicodeDecodeError as exc:
        raise _error(path, f"文件声明为 {label}，但第 {exc.start} 字节无法解码") from None


def _clip_row(cells: list[str]) -> tuple[str, ...]:
    return tuple(c if c is not None else "" for c in cells[:MAX_COLS])


def _read_delimited(path: Path, text: str, encoding: str) -> Grid:
    lines = text.splitlines()
    # Tabs first: CSV-looking commas also occur inside numbers ("11,887.73") in tab-separated text.
    tabbed = any("\t" in line for line in lines[:MAX_ROWS])
    rows: list[Row] = []
    if tabbed:
        for number, line in enumerate(lines, start=1):
            if number > MAX_ROWS:
                break
            rows.append(Row(number, _clip_row(line.split("\t"))))
        return Grid(display_path(path), f"制表符分隔文本（{encoding}）", tuple(rows))
    reader = csv.reader(io.StringIO(text))
    try:
        start = 1
        for cells in reader:
            rows.append(Row(start, _clip_row(cells)))
            start = reader.line_num + 1
            if len(rows) >= MAX_ROWS:
                break
    except csv.Error as exc:
        raise _error(path, f"CSV 格式错误：{exc}", reader.line_num) from None
    return Grid(display_path(path), f"逗号分隔文本（{encoding}）", tuple(rows))


def _read_xlsx(path: Path, raw: bytes) -> Grid:
    from openpyxl import load_workbook  # imported here: only XLSX input needs it

    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = set(archive.namelist())
            unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _error(path, "文件以 ZIP 标记开头，但不是完整的 XLSX 工作簿（文件损坏或被截断）") from None
    if "xl/workbook.xml" not in names:
        raise _error(path, "是 ZIP 压缩包，但不是 XLSX 工作簿（缺少 xl/workbook.xml）")
    if unzipped > MAX_UNZIPPED:
        raise _error(path, f"XLSX 解压后过大（{unzipped:,} 字节，上限 {MAX_UNZIPPED:,} 字节）")
    try:
        # read_only streams the sheet; merged cells then read as the top-left value followed by blanks.
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise _error(path, f"无法读取 XLSX 工作簿：{type(exc).__name__}") from None
    try:
        sheets = [_sheet_rows(ws) for ws in book.worksheets]
    finally:
        book.close()
    if not sheets:
        raise _error(path, "XLSX 工作簿中没有工作表")
    # The sheet that holds an indicator table; the first sheet when none does (the layout reader then says so).
    chosen = next((i for i, rows in enumerate(sheets) if any("指标" in c for r in rows for c in r.cells)), 0)
    title = book.sheetnames[chosen] if chosen < len(book.sheetnames) else ""
    return Grid(display_path(path), f"Excel 工作簿（工作表“{title}”）", tuple(sheets[chosen]), "行")


def _sheet_rows(ws) -> list[Row]:
    rows: list[Row] = []
    for number, values in enumerate(ws.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLS, values_only=True), start=1):
        rows.append(Row(number, tuple(_xlsx_text(v) for v in values)))
    return rows


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_HEADINGS = ("title", "h1", "h2", "h3", "h4", "h5", "h6")
_BREAKS = ("br", "p", "div", "li")


class _TableParser(HTMLParser):
    """Collects the cells of every top-level <table>, in document order, with their spans."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[int, list[tuple[str, int, int]]]] = []  # (source line, [(text, rowspan, colspan)])
        self._depth = 0
        self._row: list[tuple[str, int, int]] | None = None
        self._cell: list[str] | None = None
        self._span = (1, 1)
        self._line = 0
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HEADINGS and self._depth == 0:
            self._heading, self._line = [], self.getpos()[0]  # a page title above the table: one-cell row
        elif tag == "table":
            self._depth += 1
            if self._depth == 1 and self.rows:
                self.rows.append((self.getpos()[0], []))  # a blank row between tables, as between pages
        elif self._depth != 1:
            return
        elif tag == "tr":
            self._close_row()
            self._row, self._line = [], self.getpos()[0]
        elif tag in ("td", "th"):
            self._close_cell()
            if self._row is None:
                self._row, self._line = [], self.getpos()[0]
            values = dict(attrs)
            self._span = (_span(values.get("rowspan")), _span(values.get("colspan")))
            self._cell = []
        elif tag in _BREAKS and self._cell is not None:
            self._cell.append("\n")  # paragraphs inside a cell stay apart: "…。</p><p>2. …" is a list

    def handle_endtag(self, tag: str) -> None:
        if tag in _HEADINGS and self._heading is not None:
            text = re.sub(r"\s+", " ", "".join(self._heading)).strip()
            if text:
                self.rows.append((self._line, [(text, 1, 1)]))
            self._heading = None
        elif tag == "table":
            if self._depth == 1:
                self._close_row()
            self._depth = max(0, self._depth - 1)
        elif self._depth != 1:
            return
        elif tag in ("td", "th"):
            self._close_cell()
        elif tag == "tr":
            self._close_row()

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        elif self._cell is not None and self._depth >= 1:
            self._cell.append(data)

    def _close_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            text = re.sub(r"[ \t\r\n\u3000]+", " ", "".join(self._cell)).strip()
            self._row.append((text, *self._span))
        self._cell = None

    def _close_row(self) -> None:
        self._close_cell()
        if self._row is not None:
            self.rows.append((self._line, self._row))
        self._row = None


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), MAX_ROWS))
    except ValueError:
        return 1


def _read_html(path: Path, text: str, encoding: str) -> Grid:
    parser = _TableParser()
    for start in range(0, len(text), 65536):  # fed in pieces so a page of endless rows stops at the row limit
        parser.feed(text[start : start + 65536])
        if len(parser.rows) >= MAX_ROWS:
            break
    else:
        parser.close()
    # The HTML table model: a cell spanning rows occupies the same columns of the rows below.
    table_rows = parser.rows[:MAX_ROWS]
    occupied: dict[int, set[int]] = {}
    rows: list[Row] = []
    for r, (line, cells) in enumerate(table_rows):
        taken = occupied.pop(r, set())
        out: dict[int, str] = {}
        col = 0
        for value, rowspan, colspan in cells:
            while col in taken:
                col += 1
            if col >= MAX_COLS:
                break
            out[col] = value
            # Spans reaching past the table or the column limit cover nothing there: bounded work per cell.
            width = range(col, min(col + colspan, MAX_COLS))
            taken.update(width)
            for below in range(r + 1, min(r + rowspan, len(table_rows))):
                occupied.setdefault(below, set()).update(width)
            col += colspan
        width = max(out, default=-1) + 1
        rows.append(Row(line, _clip_row([out.get(c, "") for c in range(width)])))
    return Grid(display_path(path), f"HTML 表格（{encoding}）", tuple(rows))
