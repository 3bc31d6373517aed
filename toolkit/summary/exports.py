"""Exports of the cross-department summary: summary.xlsx, the same tables as CSV (UTF-8 with BOM) and JSON,
and the provenance of them all.

Nothing a department brings is evaluated by the spreadsheet that opens an export: the XLSX holds text as inline
strings, never formulas, and a CSV text cell starting with = + - @, a tab or a carriage return gets a leading
apostrophe (OWASP's rule against CSV injection).

Everything is built in memory as bytes and written atomically. Identical inputs give identical bytes: the
XLSX document properties and zip entry dates are set to the provenance's generation time (fixed through
SOURCE_DATE_EPOCH), and nothing else in the files depends on the clock.
"""

from __future__ import annotations

import html
import io
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from toolkit import __version__
from toolkit.report.ooxml import restamped
from toolkit.summary.tables import DEPARTMENT_SHEET, FINDING_SHEET, INDICATOR_SHEET, Summary

XLSX, JSON, PROVENANCE = "summary.xlsx", "summary.json", "summary.provenance.json"
CSV = {
    DEPARTMENT_SHEET: "summary-departments.csv",
    INDICATOR_SHEET: "summary-indicators.csv",
    FINDING_SHEET: "summary-findings.csv",
}
NOTE_SHEET = "说明"
FILES = {
    "summary.html": "本汇总报告",
    XLSX: (
        f"Excel 工作簿：{DEPARTMENT_SHEET}（每个部门一行）、{INDICATOR_SHEET}（部门 × 指标）、{FINDING_SHEET}，"
        f"以及“{NOTE_SHEET}”（来源与版本）"
    ),
    **{name: f"{sheet}，CSV（UTF-8，带 BOM，Excel 可直接打开）" for sheet, name in CSV.items()},
    JSON: "同样的三张表及来源信息，JSON 格式",
    PROVENANCE: "以上文件的来源信息（工具包版本、提交、指标体系、记录文件摘要、依赖版本、字体）",
}
TWO_DECIMALS, INTEGER = "0.00", "0"
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="EEF2F7")
_GENERATED = "%Y-%m-%d %H:%M:%S UTC"


def _moment(provenance: dict) -> datetime:
    return datetime.strptime(provenance["generated_at"], _GENERATED)


def _clean(value: object) -> object:
    """A cell value: NaN as empty, numpy scalars as Python numbers, text without control characters."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _width(column: pd.Series, header: str) -> float:
    """Column width in Excel units: wide characters count double; long texts capped (they stay in the cell)."""

    def size(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    shown = (_clean(v) for v in column.head(500).dropna().unique())
    longest = max(
        [size(header)] + [size(f"{v:.2f}" if isinstance(v, float) else str(v)) for v in shown if v is not None]
    )
    return float(min(max(longest + 2, 8), 60))


def _number_format(column: pd.Series) -> str | None:
    if pd.api.types.is_integer_dtype(column):
        return INTEGER
    if pd.api.types.is_float_dtype(column):
        return TWO_DECIMALS
    return None


def _write_table(wb: Workbook, name: str, table: pd.DataFrame) -> None:
    """The sheet's frame through openpyxl: widths, frozen header, filter, and one prototype data row whose
    cells register the number formats. The data rows themselves are written by `_fill_rows`."""
    ws = wb.create_sheet(name)
    # In write-only mode the pane and widths go out with the first row: set them before appending.
    ws.freeze_panes = "A2"
    for n, header in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(n)].width = _width(table[header], header)
    header_row = []
    for header in table.columns:
        cell = WriteOnlyCell(ws, value=header)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, Alignment(vertical="center")
        header_row.append(cell)
    ws.append(header_row)
    prototype = []
    for column in table.columns:
        number_format = _number_format(table[column])
        cell = WriteOnlyCell(ws, value=0 if number_format else "")
        if number_format:
            cell.number_format = number_format
        prototype.append(cell)
    ws.append(prototype)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table) + 1}"


_PROTOTYPE = re.compile(rb'<row r="2"[^>]*>.*?</row>', re.S)
_STYLE = re.compile(rb'<c r="([A-Z]+)2" s="(\d+)"')


def _cell_tails(column: pd.Series, style: str | None) -> list[str | None]:
    """Each value's cell XML after `<c r="A7`: a number in the column's style, or inline text (so never a
    formula); None for an empty cell. Rendered once per distinct value: names and labels repeat a lot."""
    rendered: dict[object, str | None] = {}

    def render(v: object) -> str | None:
        if v is None or (isinstance(v, float) and v != v):
            return None
        if style is not None:
            return f'" s="{style}"><v>{v!r}</v></c>'
        text = ILLEGAL_CHARACTERS_RE.sub("", str(v))
        return (
            f'" t="inlineStr"><is><t xml:space="preserve">{html.escape(text, quote=False)}</t></is></c>'
            if text
            else None
        )

    out = []
    for v in column.tolist():
        if v not in rendered:
            rendered[v] = render(v)
        out.append(rendered[v])
    return out


def _fill_rows(sheet_xml: bytes, table: pd.DataFrame) -> bytes:
    """Replace the prototype row with every data row. Written here, column by column, rather than cell by cell
    through openpyxl, which takes minutes for 2,000 departments × 26 indicators."""
    styles = {m.group(1).decode(): m.group(2).decode() for m in _STYLE.finditer(sheet_xml)}
    letters = [get_column_letter(n) for n in range(1, len(table.columns) + 1)]
    columns = [
        _cell_tails(table[c], styles.get(letter) if _number_format(table[c]) else None)
        for letter, c in zip(letters, table.columns)
    ]
    heads = [f'<c r="{letter}' for letter in letters]
    parts = []
    for r, row in enumerate(zip(*columns), start=2):
        cells = "".join(f"{head}{r}{tail}" for head, tail in zip(heads, row) if tail is not None)
        parts.append(f'<row r="{r}">{cells}</row>')
    rows = "".join(parts).encode("utf-8")
    return _PROTOTYPE.sub(lambda _: rows, sheet_xml, count=1)


def _note_rows(summary: Summary, provenance: dict, title: str) -> list[tuple[str, str]]:
    rows = [
        ("标题", title),
        ("年度", str(summary.year or "")),
        ("部门数", str(summary.count)),
        ("得分依据", summary.basis),
        ("工具包版本", f"audit-toolkit {provenance['toolkit_version']}"),
        ("Git 提交", provenance.get("git_commit") or "（非 git 检出）"),
        ("评价指标体系", f"{provenance['rubric']}（版本 {provenance['rubric_version']}）"),
        ("评价指标体系 SHA-256", provenance["rubric_sha256"]),
        ("全部记录文件合并 SHA-256", provenance["record_sha256"]),
        ("图表字体", provenance.get("font") or ""),
        ("生成时间", provenance["generated_at"]),
    ]
    rows += [(f"依赖版本：{name}", version) for name, version in provenance["packages"].items()]
    rows += [(f"表：{sheet}", f"{len(table)} 行") for sheet, table in summary.tables().items()]
    return rows


def xlsx_bytes(summary: Summary, provenance: dict, title: str) -> bytes:
    """summary.xlsx: the three tables, each with a bold frozen header, filters and number formats, and a 说明 sheet."""
    wb = Workbook(write_only=True)
    tables = [
        *summary.tables().values(),
        pd.DataFrame(_note_rows(summary, provenance, title), columns=["项目", "内容"]),
    ]
    for name, table in zip([*summary.tables(), NOTE_SHEET], tables):
        _write_table(wb, name, table)
    moment = _moment(provenance)
    props = wb.properties
    props.title, props.creator, props.lastModifiedBy = (
        title,
        f"audit-toolkit {__version__}",
        f"audit-toolkit {__version__}",
    )
    props.description = f"生成时间 {provenance['generated_at']}；记录文件合并 SHA-256 {provenance['record_sha256']}"
    props.created = props.modified = moment
    buf = io.BytesIO()
    wb.save(buf)
    sheets = {f"xl/worksheets/sheet{n}.xml": table for n, table in enumerate(tables, start=1)}

    # The data rows are filled into the sheets' XML; level 1 is fast: 2,000 departments make 50,000 rows.
    def fill(name: str, content: bytes) -> bytes:
        return _fill_rows(content, sheets[name]) if name in sheets else content

    return restamped(buf.getvalue(), moment, fill, compresslevel=1)


# A spreadsheet opening a CSV file evaluates a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: object) -> object:
    """A text cell a spreadsheet would evaluate, made plain text by a leading apostrophe (OWASP's rule for CSV
    injection); anything else as it is."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as CSV in UTF-8 with a byte-order mark (so Excel shows the Chinese), two-decimal numbers, and no
    text cell a spreadsheet would run as a formula (a department's name, a measure, a message)."""
    shown = table.copy()
    for name in table.columns:
        if pd.api.types.is_float_dtype(table[name]):  # formatted once per distinct value: far faster than float_format
            shown[name] = table[name].map({v: f"{v:.2f}" for v in table[name].dropna().unique()})
        elif not pd.api.types.is_numeric_dtype(table[name]):  # numbers stay numbers: -1.5 is no formula
            # Looked at once per distinct value, and the column touched only when one would be evaluated.
            risky = {v: _inert(v) for v in table[name].dropna().unique() if _inert(v) is not v}
            if risky:
                shown[name] = table[name].replace(risky)
    shown.columns = [_inert(name) for name in table.columns]
    text = shown.to_csv(index=False, lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")


def _records(table: pd.DataFrame) -> list[dict]:
    # pandas' own JSON writer (NaN as null, numpy scalars as numbers) is many times faster than row by row.
    return json.loads(table.to_json(orient="records", force_ascii=False))


def json_bytes(summary: Summary, provenance: dict, title: str) -> bytes:
    """summary.json: the three tables as lists of rows (Chinese keys, as in the other exports), overview tables,
    and the provenance."""
    payload = {
        "title": title,
        "year": summary.year,
        "departments": summary.count,
        "basis": summary.basis,
        "provenance": provenance,
        "tables": {name: _Rows(table) for name, table in summary.tables().items()},
        "overview": {
            "等级分布": _records(summary.grade_distribution),
            "一级指标对比": _records(summary.level1_comparison),
            "指标扣分情况": _records(summary.indicator_overview),
            "复核发现频次": _records(summary.frequent_findings()),
        },
    }
    return _json_lines(payload).encode("utf-8")


@dataclass(frozen=True)
class _Rows:
    """A table to be written as JSON rows by pandas' C writer (NaN as null)."""

    table: pd.DataFrame


def _json_lines(value: object, depth: int = 0) -> str:
    """JSON with one table row per line: readable, diffable, and written by the C encoder (an indented dump
    goes through the pure-Python one, far too slow for 50,000 rows)."""
    pad = " " * (depth + 1)
    if isinstance(value, dict) and value and depth < 2:
        items = (f"{pad}{json.dumps(k, ensure_ascii=False)}: {_json_lines(v, depth + 1)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}" + ("\n" if depth == 0 else "")
    if isinstance(value, _Rows):
        lines = value.table.to_json(orient="records", lines=True, force_ascii=False).splitlines()
        return "[\n" + ",\n".join(pad + line for line in lines) + "\n" + " " * depth + "]" if lines else "[]"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return "[\n" + ",\n".join(pad + json.dumps(row, ensure_ascii=False) for row in value) + "\n" + " " * depth + "]"
    return json.dumps(value, ensure_ascii=False)


def build(summary: Summary, provenance: dict, title: str) -> dict[str, bytes]:
    """Every export file of a summary, by file name, as bytes (nothing written yet)."""
    files = {XLSX: xlsx_bytes(summary, provenance, title), JSON: json_bytes(summary, provenance, title)}
    files.update({CSV[name]: csv_bytes(table) for name, table in summary.tables().items()})
    sidecar = {"title": title, "files": sorted(files), "provenance": provenance}
    files[PROVENANCE] = (json.dumps(sidecar, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    return files
