"""The Word report (`audit.docx`, `summary.docx`): the blocks of the published notebook as an editable document.

Cover page (title, 报告编号, 复核单位, 复核人, 日期 — blanks to fill where the review does not say), the
sections as Word headings (the navigation pane lists them), tables as real Word tables with merged cells and
repeated header rows, charts as pictures with their alt text, a closing signature block and the provenance
line. The page and type follow `toolkit.report.wordstyle`.

Reproducible: the document's dates are the report's generation time (SOURCE_DATE_EPOCH), the archive's
entries carry that date too, and nothing else depends on the clock or on chance.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from docx import Document as new_document
from docx.document import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Emu, Pt

from toolkit.report import wordstyle as ws
from toolkit.report.document import Block, Cell, Document, Figure, Heading, Listing, Paragraph, Run, Table
from toolkit.report.ooxml import restamped

BLANK = "________________"
DPI = 200  # the resolution assumed for a chart whose PNG does not state one


@dataclass(frozen=True)
class Cover:
    """What the cover and the signature block say; None fields are left as blanks to fill."""

    title: str
    header: str  # the running header: department (or year) and year
    report_number: str | None = None
    reviewing_unit: str | None = None
    reviewer: str | None = None
    date: str | None = None
    provenance: str = ""


def render_docx(document: Document, cover: Cover, moment: datetime) -> bytes:
    """The report as .docx bytes, dated `moment`; the same blocks and moment give the same bytes."""
    doc = new_document()
    ws.page_setup(doc)
    ws.define_styles(doc)
    _cover(doc, cover)
    ws.running_header(doc, cover.header)
    for block in document.blocks:
        if not (isinstance(block, Heading) and block.level == 0):
            _block(doc, block)
    _signature(doc, cover)
    _properties(doc, cover, moment)
    buf = io.BytesIO()
    doc.save(buf)
    return restamped(buf.getvalue(), moment)


def _cover(doc: WordDocument, cover: Cover) -> None:
    for _ in range(3):
        doc.add_paragraph()
    doc.add_paragraph(cover.title, style="Title")
    for _ in range(4):
        doc.add_paragraph()
    for label, value in _cover_fields(cover):
        p = doc.add_paragraph()
        p.paragraph_format.left_indent = Pt(64)
        ws.set_font(p.add_run(f"{label}："), ws.HEADING_FONT, ws.BODY_SIZE)
        ws.set_font(p.add_run(value or BLANK), ws.BODY_FONT, ws.BODY_SIZE)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _cover_fields(cover: Cover) -> list[tuple[str, str | None]]:
    return [
        ("报告编号", cover.report_number),
        ("复核单位", cover.reviewing_unit),
        ("复 核 人", cover.reviewer),
        ("日　　期", cover.date),
    ]


def _block(doc: WordDocument, block: Block) -> None:
    if isinstance(block, Heading):
        doc.add_heading(block.text, level=min(block.level, 3))
    elif isinstance(block, Paragraph):
        _paragraph(doc, block)
    elif isinstance(block, Table):
        _table(doc, block)
    elif isinstance(block, Listing):
        _listing(doc, block)
    elif isinstance(block, Figure):
        _figure(doc, block)


def _runs(paragraph: object, runs: Sequence[Run]) -> None:
    for run in runs:
        paragraph.add_run(run.text).bold = run.bold or None  # type: ignore[attr-defined]


def _paragraph(doc: WordDocument, block: Paragraph) -> None:
    small = block.role in ("note", "meta", "source", "packages")
    p = doc.add_paragraph(style="Report Note" if small else None)
    _runs(p, block.runs)
    if not small:
        ws.body_indent(p)
    ws.emphasis(p, block.role)


def _listing(doc: WordDocument, block: Listing) -> None:
    for n, item in enumerate(block.items, start=1):
        p = doc.add_paragraph()
        ws.body_indent(p)
        p.add_run(f"{n}. " if block.ordered else "· ")
        _runs(p, item)


def _table(doc: WordDocument, block: Table) -> None:
    rows = (*block.head, *block.body)
    grid = _grid(rows, block.columns)
    table = doc.add_table(rows=len(rows), cols=block.columns)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r in range(len(rows)):
        for c, cell in grid[r]:
            target = table.cell(r, c)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
            _cell_text(target, cell.text, cell.bold, cell.numeric)
    for r in range(len(block.head)):
        ws.repeat_header(table.rows[r])
    doc.add_paragraph(style="Report Table")


def _grid(rows: Sequence[Sequence[Cell]], columns: int) -> list[list[tuple[int, Cell]]]:
    """For each row, (column, cell) of the cells starting in it, the columns taken by rowspans skipped."""
    taken: set[tuple[int, int]] = set()
    placed: list[list[tuple[int, Cell]]] = []
    for r, row in enumerate(rows):
        c, starts = 0, []
        for cell in row:
            while (r, c) in taken:
                c += 1
            if c >= columns:
                break
            starts.append((c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
        placed.append(starts)
    return placed


def _cell_text(target: object, text: str, bold: bool, numeric: bool) -> None:
    p = target.paragraphs[0]  # type: ignore[attr-defined]
    p.style = "Report Table"
    if numeric:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p.add_run(text).bold = bold or None


def _figure(doc: WordDocument, figure: Figure) -> None:
    p = doc.add_paragraph(style="Report Caption")
    width = min(Emu(int(_png_inches(figure.png) * 914400)), ws.TEXT_WIDTH)
    shape = p.add_run().add_picture(io.BytesIO(figure.png), width=width)
    shape._inline.docPr.set("descr", figure.alt)
    shape._inline.docPr.set("title", figure.caption)
    if figure.caption:
        doc.add_paragraph(f"图：{figure.caption}", style="Report Caption")


def _png_inches(png: bytes) -> float:
    """The chart's width as drawn: pixels over the resolution its pHYs chunk states (DPI when it has none)."""
    pixels = struct.unpack(">I", png[16:20])[0]
    at = png.find(b"pHYs")
    if at > 0:
        per_metre, unit = struct.unpack(">I", png[at + 4 : at + 8])[0], png[at + 12]
        if unit == 1 and per_metre:
            return float(pixels / (per_metre * 0.0254))
    return float(pixels / DPI)


def _signature(doc: WordDocument, cover: Cover) -> None:
    doc.add_paragraph()
    for label, value in (
        ("复核人（签字）", cover.reviewer),
        ("复核单位（盖章）", cover.reviewing_unit),
        ("日期", cover.date),
    ):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.add_run(f"{label}：{value or BLANK}")
    if cover.provenance:
        doc.add_paragraph()
        doc.add_paragraph(cover.provenance, style="Report Note")


def _properties(doc: WordDocument, cover: Cover, moment: datetime) -> None:
    props = doc.core_properties
    props.title, props.subject = cover.title, cover.header
    props.author = props.last_modified_by = "audit-toolkit"
    props.keywords, props.comments = "绩效自评复核", cover.provenance
    props.created = props.modified = props.last_printed = moment.replace(tzinfo=None)
    props.revision = 1
