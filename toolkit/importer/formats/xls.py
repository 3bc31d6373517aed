"""Old binary Excel workbooks (XLS, BIFF): the sheet holding the indicator table, merged cells as value
then blanks.

xlrd gives a merged range's value in its top-left cell; the other cells of the range are blanked here
too, so a writer that repeats the value inside the range does not repeat it in the grid.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from toolkit.core.problems import display_path
from toolkit.importer import sources
from toolkit.importer.formats.sheets import cell_text, pick
from toolkit.importer.sources import Grid, Row, fail


def read(path: Path, raw: bytes) -> Grid:
    """The workbook's indicator sheet; sources has already found a Workbook stream in the OLE2 file."""
    import xlrd  # imported here: only XLS input needs it

    try:
        # formatting_info: without it xlrd reports no merged cells. Its diagnostics go nowhere, not to stdout.
        book = xlrd.open_workbook(file_contents=raw, formatting_info=True, on_demand=True, logfile=io.StringIO())
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc):
            raise fail(
                path, "旧版 Excel（.xls）工作簿设有打开密码（已加密），无法读取；请取消密码后另存再导入"
            ) from None
        raise fail(path, f"无法读取旧版 Excel（.xls）工作簿：{exc}") from None
    except Exception as exc:  # xlrd raises struct.error, IndexError, AssertionError… for broken files
        raise fail(path, f"旧版 Excel（.xls）工作簿已损坏或不完整，无法读取（{type(exc).__name__}）") from None
    try:
        sheets = [(sheet.name, _sheet_rows(sheet, book.datemode)) for sheet in _sheets(path, book)]
    finally:
        book.release_resources()
    if not sheets:
        raise fail(path, "旧版 Excel（.xls）工作簿中没有工作表")
    title, rows = pick(sheets)
    return Grid(display_path(path), f"旧版 Excel 工作簿（.xls，工作表“{title}”）", tuple(rows))


def _sheets(path: Path, book: Any) -> list[Any]:
    try:
        return [book.sheet_by_index(i) for i in range(book.nsheets)]
    except Exception as exc:  # a sheet's records are parsed only now (on_demand)
        raise fail(path, f"旧版 Excel（.xls）工作簿已损坏或不完整，无法读取（{type(exc).__name__}）") from None


def _sheet_rows(sheet: Any, datemode: int) -> list[Row]:
    height, width = min(sheet.nrows, sources.MAX_ROWS), min(sheet.ncols, sources.MAX_COLS)
    cells = [[_value(sheet.cell(r, c), datemode) for c in range(min(sheet.row_len(r), width))] for r in range(height)]
    budget = height * width  # overlapping ranges in a crafted file cannot make this loop longer than the grid
    for top, bottom, left, right in sheet.merged_cells:
        for r in range(top, min(bottom, height)):
            for c in range(left, min(right, len(cells[r]))):
                if (r, c) != (top, left):
                    cells[r][c] = ""
                budget -= 1
        if budget < 0:
            break
    return [Row(number, tuple(row)) for number, row in enumerate(cells, start=1)]


def _value(cell: Any, datemode: int) -> str:
    """The cell as text, by way of the value openpyxl would give for it (so XLS reads like XLSX)."""
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return cell_text(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
        except (ValueError, OverflowError):  # xlrd's XLDateError is a ValueError
            return cell_text(cell.value)
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return cell_text(bool(cell.value))
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "")
    return cell_text(cell.value)
