"""Web pages: the cells of every top-level <table>, in document order, and the headings above them.

rowspan and colspan follow the HTML table model: a cell spanning rows occupies the same columns of the
rows below, and its value stands in its first row and column only.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from toolkit.core.problems import display_path
from toolkit.importer import sources
from toolkit.importer.sources import Grid, Row, clip, squeeze

_HEADINGS = ("title", "h1", "h2", "h3", "h4", "h5", "h6")
_BREAKS = ("br", "p", "div", "li")
_Cell = tuple[str, int, int]  # text, rowspan, colspan


class _TableParser(HTMLParser):
    """Collects the cells of every top-level <table>, in document order, with their spans."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[int, list[_Cell]]] = []  # (source line, cells)
        self._depth = 0
        self._row: list[_Cell] | None = None
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
            self._row.append((squeeze("".join(self._cell)), *self._span))
        self._cell = None

    def _close_row(self) -> None:
        self._close_cell()
        if self._row is not None:
            self.rows.append((self._line, self._row))
        self._row = None


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
        if len(parser.rows) >= sources.MAX_ROWS:
            break
    else:
        parser.close()
    table_rows = parser.rows[: sources.MAX_ROWS]
    occupied: dict[int, set[int]] = {}
    rows = [_place(r, line, cells, len(table_rows), occupied) for r, (line, cells) in enumerate(table_rows)]
    return Grid(display_path(path), f"HTML 表格（{encoding}）", tuple(rows))


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
