"""The page and type of the Word report, after GB/T 9704 (党政机关公文格式) as far as a review report uses it.

A4; margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right; title in 黑体 二号, section headings in 黑体
三号, subsections in 楷体 三号, body in 仿宋 三号 with a fixed 28 pt line and a two-character first-line
indent; tables in 仿宋 五号. Every font is also named as the East Asian font (w:eastAsia), which is the name
Word uses for Chinese text. Page numbers are a PAGE field in the footer ("— 1 —"), the running header names
the department and the year; the cover page has neither.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph as WordParagraph

BODY_FONT = "仿宋"
TITLE_FONT = "黑体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(16)  # 三号
TABLE_SIZE = Pt(10.5)  # 五号
SMALL_SIZE = Pt(12)  # 小四
TEXT_WIDTH = Mm(210 - 28 - 26)
_BLACK = RGBColor(0, 0, 0)
_MUTED = RGBColor(0x5F, 0x6B, 0x7A)
_RED = RGBColor(0xC0, 0x39, 0x2B)


def set_font(target: object, name: str, size: Pt | None = None, bold: bool | None = None) -> None:
    """Set a style's or run's font, for Latin and East Asian text alike."""
    font = target.font  # type: ignore[attr-defined]
    font.name = LATIN_FONT if name == BODY_FONT else name
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    element = target.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)


def page_setup(doc: WordDocument) -> None:
    """A4 portrait with the margins of GB/T 9704, and a cover page without header and footer."""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(20), Mm(22)
    section.different_first_page_header_footer = True


def define_styles(doc: WordDocument) -> None:
    """Body, headings, title and the smaller styles the report uses."""
    styles = doc.styles
    normal = styles["Normal"]
    set_font(normal, BODY_FONT, BODY_SIZE)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28)
    fmt.space_before, fmt.space_after = Pt(0), Pt(0)
    for name, font, size, align in (
        ("Title", TITLE_FONT, Pt(22), WD_ALIGN_PARAGRAPH.CENTER),
        ("Heading 1", HEADING_FONT, BODY_SIZE, None),
        ("Heading 2", SUBHEADING_FONT, BODY_SIZE, None),
        ("Heading 3", BODY_FONT, BODY_SIZE, None),
    ):
        style = styles[name]
        set_font(style, font, size, bold=name == "Heading 3")
        style.font.color.rgb = _BLACK
        style.font.italic = False
        pf = style.paragraph_format
        pf.space_before, pf.space_after = Pt(6), Pt(6)
        pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(36 if name == "Title" else 28)
        pf.keep_with_next = True
        if align is not None:
            pf.alignment = align
        _no_border(style)
    _small_style(doc, "Report Note", SMALL_SIZE, _MUTED)
    _small_style(doc, "Report Table", TABLE_SIZE, None)
    _small_style(doc, "Report Caption", SMALL_SIZE, _MUTED).paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _no_border(style: object) -> None:
    """The built-in Title style draws a rule under the title; an official document has none."""
    ppr = style.element.find(qn("w:pPr"))  # type: ignore[attr-defined]
    border = ppr.find(qn("w:pBdr")) if ppr is not None else None
    if border is not None:
        ppr.remove(border)


def _small_style(doc: WordDocument, name: str, size: Pt, color: RGBColor | None) -> Any:
    from docx.enum.style import WD_STYLE_TYPE

    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    set_font(style, BODY_FONT, size)
    if color is not None:
        style.font.color.rgb = color
    pf = style.paragraph_format
    pf.line_spacing_rule, pf.line_spacing = WD_LINE_SPACING.SINGLE, None
    pf.first_line_indent = Pt(0)
    pf.space_before, pf.space_after = Pt(2), Pt(2)
    return style


def body_indent(paragraph: WordParagraph) -> None:
    paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters of 三号


def emphasis(paragraph: WordParagraph, role: str) -> None:
    """Colour a paragraph by its role: the fictional-data warning in red."""
    if role == "fictional":
        for run in paragraph.runs:
            run.font.color.rgb, run.font.bold = _RED, True


def running_header(doc: WordDocument, text: str) -> None:
    """The running header (every page but the cover) and the page-number footer "— N —"."""
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.text = text
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in header.runs:
        set_font(run, BODY_FONT, SMALL_SIZE)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(footer.add_run("— "), "宋体", Pt(14))
    page_field(footer)
    set_font(footer.add_run(" —"), "宋体", Pt(14))


def page_field(paragraph: WordParagraph) -> None:
    """A PAGE field (Word shows the current page number), with 1 as its cached result."""
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        set_font(run, "宋体", Pt(14))
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text or ""


def repeat_header(row: object) -> None:
    """Mark a table row as a header row, repeated at the top of every page the table runs onto."""
    trpr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    trpr.append(mark)
