"""PDF files with a text layer: the ruled tables of every page in order, and the text lines around them.

Tables are found from their ruling lines (pdfplumber); a cell covered by a merged cell reads blank, so a
merge is one value followed by blanks. A line of text outside the tables (the title, the year line)
becomes a one-cell row; a bare page number does not. The first table of a page continues the last table
of the page before when nothing stands between them: its rows are appended. Any other table starts after
a blank row, as between printed pages. A line break inside a cell is the width of the cell, not the
text: lines are rejoined without a space between Chinese characters or digits. Rows are numbered 1, 2,
3… through the document.

A PDF without a text layer (a scan) or needing a password is refused with one line saying so.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from itertools import islice
from pathlib import Path
from typing import Any

from toolkit.core.problems import InputError, display_path
from toolkit.importer import sources
from toolkit.importer.sources import Grid, Row, clip, fail, squeeze

# Chinese characters and the full-width forms and punctuation written with them: a break beside one is no space.
_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u2014-\u2027\u3000-\u303f]")
_NUMERIC = re.compile(r"[0-9.,%]")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d{1,4}\s*页?(\s*[/／]\s*(共\s*)?\d{1,4}\s*页?)?[-—–\s]*$")


def read(path: Path, raw: bytes) -> Grid:
    """The PDF's tables and text lines; InputError for a scan, an encrypted or a broken file."""
    with _quiet():
        pages, tables, rows = _read(path, raw)
    if not tables:
        raise fail(
            path,
            "PDF 有文字层，但其中没有带框线的表格（自评表应为画有格线的表格）；请改用原始的 Excel 或 Word 文件",
        )
    numbered = tuple(Row(number, clip(line)) for number, line in enumerate(rows, start=1))
    return Grid(display_path(path), f"PDF（{pages} 页，文字层，{tables} 个表格）", numbered)


@contextmanager
def _quiet() -> Iterator[None]:
    """pdfminer logs each oddity of a damaged or unusual file; the user gets one line from us instead."""
    logger = logging.getLogger("pdfminer")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _read(path: Path, raw: bytes) -> tuple[int, int, list[list[str]]]:
    """(pages, tables, rows) of the document."""
    import pdfplumber  # imported here: only PDF input needs it

    try:
        document = pdfplumber.open(io.BytesIO(raw))
    except Exception as exc:  # pdfplumber wraps what pdfminer raises in PdfminerException
        raise _open_error(path, exc) from None
    try:
        pages = list(document.pages)
        _check_pages(path, pages)
        return (len(pages), *_read_pages(pages))
    except InputError:
        raise
    except Exception as exc:  # a page tree or content stream pdfminer cannot parse
        raise fail(path, f"PDF 文件已损坏或不完整，无法读取（{type(_inner(exc)).__name__}）") from None
    finally:
        with suppress(Exception):  # closing walks the pages again, which fails as reading them did
            document.close()


def _inner(exc: Exception) -> Exception:
    """What pdfminer raised, out of pdfplumber's PdfminerException."""
    return exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc


def _open_error(path: Path, exc: Exception) -> InputError:
    from pdfminer.pdfdocument import PDFEncryptionError

    if isinstance(_inner(exc), PDFEncryptionError):
        return fail(path, "PDF 设有打开密码（已加密），无法读取；请取消密码后另存再导入")
    return fail(path, f"PDF 文件已损坏或不完整，无法读取（{type(_inner(exc)).__name__}）")


def _check_pages(path: Path, pages: list[Any]) -> None:
    if len(pages) > sources.MAX_PAGES:
        raise fail(
            path, f"PDF 共 {len(pages)} 页，超过上限 {sources.MAX_PAGES} 页，不像一份自评表；请只保留自评表所在页"
        )
    if not any(page.chars for page in pages):
        raise fail(
            path,
            f"PDF 没有文字层（共 {len(pages)} 页，多半是扫描件），无法读取表格；需先做文字识别（OCR）再导入，"
            "或改用原始的 Excel、Word 文件",
        )


def _read_pages(pages: list[Any]) -> tuple[int, list[list[str]]]:
    """(how many tables, the grid's rows): the tables and text lines of every page, in reading order."""
    tables, rows = 0, []
    open_table = False  # the last thing read was a table row: a table opening the next page continues it
    for page in pages:
        for at, item in enumerate(_page_items(page)):
            if isinstance(item, str):
                rows.append([item])
                open_table = False
                continue
            tables += 1
            continues = open_table and at == 0
            if rows and not continues:
                rows.append([])
            rows.extend(_table_lines(item))
            open_table = True
            if len(rows) >= sources.MAX_ROWS:
                return tables, rows[: sources.MAX_ROWS]
    return tables, rows


def _page_items(page: Any) -> list[Any]:
    """The page's tables (pdfplumber Table) and text lines outside them (str), from top to bottom."""
    found = page.find_tables()
    boxes = [table.bbox for table in found]
    outside = page.filter(lambda obj: obj.get("object_type") != "char" or not any(_within(obj, b) for b in boxes))
    lines = [(line["top"], squeeze(line["text"])) for line in outside.extract_text_lines()]
    items = [(top, text) for top, text in lines if text and not _PAGE_NUMBER.match(text)]
    items += [(table.bbox[1], table) for table in found]
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]


def _within(obj: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    x, y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _table_lines(table: Any) -> Iterator[list[str]]:
    for cells in islice(table.extract(), sources.MAX_ROWS):
        yield [_unwrap(cell) for cell in cells[: sources.MAX_COLS]]


def _unwrap(text: str | None) -> str:
    """A cell's lines as one text: no space where the break falls beside a Chinese character or in a number."""
    out = ""
    for line in (text or "").split("\n"):
        line = squeeze(line)
        if not line:
            continue
        joined = not out or _WIDE.match(out[-1]) or _WIDE.match(line[0])
        joined = joined or (_NUMERIC.match(out[-1]) and _NUMERIC.match(line[0]))
        out += line if joined else " " + line
    return out
