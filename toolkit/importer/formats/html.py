"""Web pages: the cells of every <table>, in document order, and the headings above them.

rowspan and colspan follow the HTML table model: a cell spanning rows occupies the same columns of the
rows below, and its value stands in its first row and column only. Spans are resolved within each table.
A table nested in a cell (a data table inside a layout table) is a table of its own: its text never joins
the outer cell, and the outer table keeps only its own text (a layout row left empty is no row). The text of
<script>, <style> and <template> elements is never cell text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from toolkit.core.problems import display_path
from toolkit.importer import sources
from toolkit.importer.sources import Grid, Row, clip, squeeze

_HEADINGS = ("title", "h1", "h2", "h3", "h4", "h5", "h6")
_BREAKS = ("br", "p", "div", "li")
_HIDDEN = ("script", "style", "template", "noscript")
_Cell = tuple[str, int, int]  # text, rowspan, colspan
_Where = tuple[int, int]  # (line, offset) in the source: rows are put back in document order


@dataclass
class _Table:
    """One table being read: its rows so far (where each starts, its cells), the row and cell open now."""

    rows: list[tuple[_Where, list[_Cell]]] = field(default_factory=list)
    row: list[_Cell] | None = None
    where: _Where = (0, 0)
    cell: list[str] | None = None
    span: tuple[int, int] = (1, 1)
    nested: bool = False  # a table starts inside the open row

    def close_cell(self) -> None:
        if self.cell is not None and self.row is not None:
            self.row.append((squeeze("".join(self.cell)), *self.span))
        self.cell = None

    def close_row(self) -> None:
        self.close_cell()
        # A row that only held a nested table (layout) is no row; any other keeps its place for the spans.
        if self.row is not None and not (self.nested and not any(text for text, _, _ in self.row)):
            self.rows.append((self.where, self.row))
        self.row, self.nested = None, False


class _TableParser(HTMLParser):
    """Collects the cells of every <table> (nested ones apart), with their spans, and the headings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[_Table] = []  # every table, in the order they start
        self.headings: list[tuple[_Where, str]] = []
        self.count = 0  # rows read so far, for the row limit
        self._open: list[_Table] = []
        self._heading: list[str] | None = None
        self._where: _Where = (0, 0)
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        table = self._open[-1] if self._open else None
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _HEADINGS and table is None:
            self._heading, self._where = [], self.getpos()  # a page title above the table: one-cell row
        elif tag == "table":
            if table is not None:
                table.nested = True
            self._open.append(_Table())
            self.tables.append(self._open[-1])
        elif table is None:
            return
        elif tag == "tr":
            table.close_row()
            table.row, table.where = [], self.getpos()
        elif tag in ("td", "th"):
            table.close_cell()
            if table.row is None:
                table.row, table.where = [], self.getpos()
            values = dict(attrs)
            table.span = (_span(values.get("rowspan")), _span(values.get("colspan")))
            table.cell = []
        elif tag in _BREAKS and table.cell is not None:
            table.cell.append("\n")  # paragraphs inside a cell stay apart: "…。</p><p>2. …" is a list

    def handle_endtag(self, tag: str) -> None:
        table = self._open[-1] if self._open else None
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _HEADINGS and self._heading is not None:
            text = re.sub(r"\s+", " ", "".join(self._heading)).strip()
            if text:
                self.headings.append((self._where, text))
            self._heading = None
        elif table is None:
            return
        elif tag == "table":
            table.close_row()
            self.count += len(table.rows)
            self._open.pop()
        elif tag in ("td", "th"):
            table.close_cell()
        elif tag == "tr":
            table.close_row()

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if self._heading is not None:
            self._heading.append(data)
        elif self._open and self._open[-1].cell is not None:
            self._open[-1].cell.append(data)


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), sources.MAX_ROWS))
    except ValueError:
        return 1


def read(path: Path, text: str, encoding: str) -> Grid:
    """The rows of the page's tables (and headings), spans resolved to value-then-blanks."""
    parser = _TableParser()
    for start in range(0, len(text), 65536):  # fed in pieces so a page of endless rows stops at the row limit
        parser.feed(text[start : start + 65536])
        if parser.count >= sources.MAX_ROWS:
            break
    else:
        parser.close()
    for table in parser._open:  # tables the page never closes end where the page does
        table.close_row()
    placed: list[tuple[_Where, int, Row]] = [(where, -1, Row(where[0], (text,))) for where, text in parser.headings]
    for n, table in enumerate(parser.tables):
        occupied: dict[int, set[int]] = {}
        count = len(table.rows)
        for r, (where, cells) in enumerate(table.rows):
            placed.append((where, n, _place(r, where[0], cells, count, occupied)))
    placed.sort(key=lambda item: item[0])
    return Grid(display_path(path), f"HTML 表格（{encoding}）", tuple(_separated(placed)[: sources.MAX_ROWS]))


def _separated(placed: list[tuple[_Where, int, Row]]) -> list[Row]:
    """The rows in document order, a blank row where one table gives way to another (as between pages)."""
    rows: list[Row] = []
    table = None
    for _, n, row in placed:
        if n >= 0 and table is not None and table >= 0 and n != table:
            rows.append(Row(row.number, ()))
        rows.append(row)
        table = n
    return rows


def _place(r: int, line: int, cells: list[_Cell], count: int, occupied: dict[int, set[int]]) -> Row:
    """Row r with its cells in their columns, skipping those taken by spans from above (noted in occupied)."""
    taken = occupied.pop(r, set())
    out: dict[int, str] = {}
    col = 0
    for value, rowspan, colspan in cells:
        while col in taken:
            col += 1
        if col >= sources.MAX_COLS:
            break
        out[col] = value
        # Spans reaching past the table or the column limit cover nothing there: bounded work per cell.
        spanned = range(col, min(col + colspan, sources.MAX_COLS))
        taken.update(spanned)
        for below in range(r + 1, min(r + rowspan, count)):
            occupied.setdefault(below, set()).update(spanned)
        col += colspan
    return Row(line, clip([out.get(c, "") for c in range(max(out, default=-1) + 1)]))
