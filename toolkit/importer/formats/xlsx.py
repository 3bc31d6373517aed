"""Excel workbooks (XLSX): the sheet holding the indicator table, merged cells as value then blanks.

Hidden and very hidden sheets are never read (a workbook can hide last year's numbers behind this year's
sheet): each one skipped is named in a note the import report shows. A formula cell is read by the value Excel
stored with it; a workbook written by a program and never recalculated stores none, and is refused with a
message saying so, rather than read as blank cells (没有得分).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from toolkit.core.problems import display_path
from toolkit.importer import sources
from toolkit.importer.formats.sheets import cell_text, pick
from toolkit.importer.sources import Grid, Row, fail

_STATES = {"hidden": "隐藏", "veryHidden": "深度隐藏（veryHidden，Excel 界面中无法取消隐藏）"}
_SHOWN_CELLS = 5


def read(path: Path, raw: bytes) -> Grid:
    """The workbook's indicator sheet; the archive was already checked (parts, unzipped size) by sources."""
    book = _open(path, raw, values=True)
    try:
        visible = [ws for ws in book.worksheets if getattr(ws, "sheet_state", "visible") not in _STATES]
        notes = tuple(
            f"工作簿中的工作表“{ws.title}”为{_STATES[ws.sheet_state]}，未读取（隐藏的数字不会被导入）"
            for ws in book.worksheets
            if getattr(ws, "sheet_state", "visible") in _STATES
        )
        values = {ws.title: _values(path, ws) for ws in visible}
    finally:
        book.close()
    if not values:
        raise fail(path, "XLSX 工作簿中没有可见的工作表" + (f"（{'；'.join(notes)}）" if notes else ""))
    title, rows = pick([(name, _rows(cells)) for name, cells in values.items()])
    _refuse_uncalculated(path, raw, title, values[title])
    return Grid(display_path(path), f"Excel 工作簿（工作表“{title}”）", tuple(rows), notes=notes)


def _open(path: Path, raw: bytes, values: bool) -> Any:
    from openpyxl import load_workbook  # imported here: only XLSX input needs it

    try:
        # read_only streams the sheet; merged cells then read as the top-left value followed by blanks.
        return load_workbook(io.BytesIO(raw), read_only=True, data_only=values)
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise fail(path, f"无法读取 XLSX 工作簿：{type(exc).__name__}") from None


def _refuse_uncalculated(path: Path, raw: bytes, title: str, cached: list[tuple]) -> None:
    """An InputError when the sheet has formula cells without a stored value (None, not even "")."""
    book = _open(path, raw, values=False)
    try:
        formulas = _values(path, book[title])  # the same cells, as formulas where they have one
    finally:
        book.close()
    empty = [
        f"{_column(c + 1)}{r}"
        for r, cells in enumerate(formulas, start=1)
        for c, value in enumerate(cells)
        if isinstance(value, str) and value.startswith("=") and _cached(cached, r, c) is None
    ]
    if empty:
        shown = "、".join(empty[:_SHOWN_CELLS]) + (f" 等 {len(empty)} 个" if len(empty) > _SHOWN_CELLS else "")
        raise fail(
            path,
            f"工作表“{title}”的公式单元格 {shown} 没有计算结果（文件中只有公式、没有 Excel 计算后保存的值），"
            "无法读出其中的数字：请用 Excel 打开、重新计算并保存后再导入",
        )


def _cached(values: list[tuple], number: int, col: int) -> object:
    row = values[number - 1] if number <= len(values) else ()
    return row[col] if col < len(row) else None


def _column(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _rows(values: list[tuple]) -> list[Row]:
    return [Row(number, tuple(cell_text(v) for v in cells)) for number, cells in enumerate(values, start=1)]


def _values(path: Path, ws: Any) -> list[tuple]:
    """The sheet's cell values, row by row; a sheet that cannot be read (cut short, a number of thousands of
    digits) is an InputError naming it."""
    try:
        return list(ws.iter_rows(max_row=sources.MAX_ROWS, max_col=sources.MAX_COLS, values_only=True))
    except ValueError as exc:
        if "digits" not in str(exc):
            raise fail(path, f"XLSX 工作表“{ws.title}”中有无法读取的单元格值（{type(exc).__name__}）") from None
        raise fail(path, f"XLSX 工作表“{ws.title}”中有位数过多的数字（数千位），不是自评表中的数值") from None
    except Exception as exc:  # openpyxl and the XML parser raise many types for a broken sheet
        raise fail(path, f"XLSX 工作表“{ws.title}”已损坏或不完整，无法读取（{type(exc).__name__}）") from None
