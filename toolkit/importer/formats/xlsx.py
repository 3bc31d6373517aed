"""Excel workbooks (XLSX): the sheet holding the indicator table, merged cells as value then blanks."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from toolkit.core.problems import display_path
from toolkit.importer import sources
from toolkit.importer.formats.sheets import cell_text, pick
from toolkit.importer.sources import Grid, Row, fail


def read(path: Path, raw: bytes) -> Grid:
    """The workbook's indicator sheet; the archive was already checked (parts, unzipped size) by sources."""
    from openpyxl import load_workbook  # imported here: only XLSX input needs it

    try:
        # read_only streams the sheet; merged cells then read as the top-left value followed by blanks.
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise fail(path, f"无法读取 XLSX 工作簿：{type(exc).__name__}") from None
    try:
        sheets = [(ws.title, _sheet_rows(ws)) for ws in book.worksheets]
    finally:
        book.close()
    if not sheets:
        raise fail(path, "XLSX 工作簿中没有工作表")
    title, rows = pick(sheets)
    return Grid(display_path(path), f"Excel 工作簿（工作表“{title}”）", tuple(rows))


def _sheet_rows(ws: Any) -> list[Row]:
    values = ws.iter_rows(max_row=sources.MAX_ROWS, max_col=sources.MAX_COLS, values_only=True)
    return [Row(number, tuple(cell_text(v) for v in cells)) for number, cells in enumerate(values, start=1)]
