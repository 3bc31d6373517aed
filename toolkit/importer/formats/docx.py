"""Word documents (DOCX): every table of the body in document order, and the paragraphs around them.

A paragraph outside the tables (the title, the year line) becomes a one-cell row, as in the extracted
text; a blank row comes before each table but the first row, as between printed pages (and as the HTML
reader does). A cell spanning columns (gridSpan) gives its text then blanks; a cell continuing a vertical
merge (vMerge) is blank; a row that starts late (gridBefore) starts with blanks. The paragraphs of a cell
are joined by spaces (a table nested in a cell is not read). Rows are numbered 1, 2, 3… through the
document.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from toolkit.core.problems import display_path
from toolkit.importer import sources
from toolkit.importer.sources import Grid, Row, clip, fail, squeeze


def read(path: Path, raw: bytes) -> Grid:
    """The document's tables and paragraphs; sources has already checked the archive (parts, unzipped size)."""
    import docx  # python-docx, imported here: only DOCX input needs it
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(raw))
        blocks = list(document.iter_inner_content())
    except Exception as exc:  # python-docx and lxml raise many types for broken documents
        raise fail(path, f"无法读取 Word（DOCX）文档（文件损坏或不完整：{type(exc).__name__}）") from None
    tables = sum(1 for block in blocks if isinstance(block, Table))
    if not tables:
        raise fail(path, "Word（DOCX）文档中没有表格；自评表应为文档中的表格（文字段落无法按列读取）")
    lines = islice(_lines(blocks), sources.MAX_ROWS)
    rows = tuple(Row(number, clip(line)) for number, line in enumerate(lines, start=1))
    return Grid(display_path(path), f"Word 文档（DOCX，{tables} 个表格）", rows)


def _lines(blocks: list[Any]) -> Iterator[list[str]]:
    """Each row of the grid as cell texts: a paragraph is one cell, a table row as many as the grid has."""
    from docx.table import Table

    started = False
    for block in blocks:
        if isinstance(block, Table):
            if started:
                yield []
            yield from _table_lines(block)
            started = True
        elif text := squeeze(block.text):
            yield [text]
            started = True


def _table_lines(table: Any) -> Iterator[list[str]]:
    # The merge marks themselves are needed (python-docx's row.cells resolves a merge to its first cell),
    # so this reads the w:tr and w:tc elements python-docx parses, through its element classes.
    from docx.text.paragraph import Paragraph

    for tr in table._tbl.tr_lst:
        line = [""] * min(tr.grid_before, sources.MAX_COLS)
        for tc in tr.tc_lst:
            if len(line) >= sources.MAX_COLS:
                break
            continued = tc.vMerge == "continue"
            line.append("" if continued else squeeze(" ".join(Paragraph(p, table).text for p in tc.p_lst)))
            line.extend([""] * min(tc.grid_span - 1, sources.MAX_COLS))
        yield line
