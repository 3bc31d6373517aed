"""Reading XLS, DOCX and text-layer PDF files, and telling every format from its content.

The XLS (xlwt), DOCX (python-docx) and PDF (fpdf2) versions of the seed table are built here from its
TSV, with the merged cells the published table had, and must import to exactly the TSV's record. A scan,
an encrypted file, a document without a table and a broken file each get one clear line and exit 2; a
file whose name says XLS but whose content is a web page or text is read as what it is."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
import xlwt
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from fpdf import FPDF
from msoffcrypto.format.ooxml import OOXMLFile
from PIL import Image, ImageDraw, ImageFont
from test_convert import without_source
from test_sources import SEED_TABLE, build_html, build_xlsx, seed_lines, spans, typed

from toolkit.cli import main
from toolkit.core.problems import InputError
from toolkit.importer import import_file, read_grid
from toolkit.report.webfont import FONT_PATH

RUBRIC = "gz-dept-overall-2022"
CODE = "huangpu-zwsj"
PDF_COLUMNS = (14, 8, 14, 8, 30, 8, 60, 10, 40, 40, 4)  # mm, landscape A4; the 11th column is always empty
_TABLE_ENDS = ("<b>总分</b>", "<b>评价等级</b>")


@dataclass(frozen=True)
class Merges:
    """The published table's merged cells: (row, col) -> (rows down, columns across), and the cells they cover."""

    spans: dict[tuple[int, int], tuple[int, int]]
    covered: frozenset[tuple[int, int]]

    @classmethod
    def of(cls, lines: list[list[str]]) -> Merges:
        # test_sources.spans lets 运行成本 run down over the 总分 and 评价等级 rows, which HTML tolerates but
        # a sheet, a Word table or a PDF table cannot hold together with those rows' own merges.
        ends = [r for r, cells in enumerate(lines) if cells[0] in _TABLE_ENDS]
        out = {}
        for (r, c), (down, right) in spans(lines).items():
            out[(r, c)] = (min(down, min((e - r for e in ends if e > r), default=down)), right)
        covered = {(r + i, c + j) for (r, c), (d, w) in out.items() for i in range(d) for j in range(w) if i or j}
        return cls(out, frozenset(covered))

    def placed(self, lines: list[list[str]], r: int, width: int) -> Iterator[tuple[int, str, int, int]]:
        """(column, value, rows down, columns across) of each cell of row r that no merge covers."""
        for c in range(width):
            if (r, c) not in self.covered:
                yield c, lines[r][c] if c < len(lines[r]) else "", *self.spans.get((r, c), (1, 1))


def blocks(lines: list[list[str]]) -> tuple[str, list[list[int]]]:
    """The title, and the row numbers of each printed page's table (blank lines separate them)."""
    title = next(cells[0][3:] for cells in lines if cells[0].startswith("## "))
    out: list[list[int]] = [[]]
    for r, cells in enumerate(lines):
        if "".join(cells).strip() and not cells[0].startswith("## "):
            out[-1].append(r)
        elif out[-1]:
            out.append([])
    return title, [b for b in out if b]


def plain(value: str) -> str:
    return value.replace("<b>", "").replace("</b>", "")  # markup in the text file was the page's bold type


def build_xls(path: Path, lines: list[list[str]] | None = None) -> Path:
    """The seed as an old-format Excel sheet: one sheet row per text line, numbers as numbers, merged cells."""
    lines = lines if lines is not None else seed_lines()
    merges = Merges.of(lines)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("自评表")
    for r, cells in enumerate(lines):
        for c, value, down, right in merges.placed(lines, r, len(cells)):
            if down > 1 or right > 1:
                sheet.write_merge(r, r + down - 1, c, c + right - 1, typed(value))
            elif value:
                sheet.write(r, c, typed(value))
    book.save(str(path))
    return path


def build_docx(path: Path, lines: list[list[str]] | None = None) -> Path:
    """The seed as a Word document: the title as a heading, each printed page a table, real merged cells."""
    lines = lines if lines is not None else seed_lines()
    merges = Merges.of(lines)
    title, pages = blocks(lines)
    document = docx.Document()
    document.add_heading(title, level=1)
    for page in pages:
        if len(document.tables):
            document.add_paragraph()  # Word joins two adjacent tables into one; an empty paragraph keeps them apart
        width = max(len(lines[r]) for r in page)
        table = document.add_table(rows=len(page), cols=width)
        table.style = "Table Grid"
        grid = [row.cells for row in table.rows]  # once, before merging: table.cell() walks the whole table
        for i, r in enumerate(page):
            for c, value, down, right in merges.placed(lines, r, width):
                cell = grid[i][c]
                if down > 1 or right > 1:
                    cell = cell.merge(grid[i + down - 1][c + right - 1])
                cell.paragraphs[0].add_run(plain(value)).bold = "<b>" in value
    document.save(str(path))
    return path


@pytest.fixture(scope="session")
def cjk_font(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Noto Sans SC cut down to the seed's characters, as a TrueType font.

    Word and WPS embed TrueType fonts in the PDFs they export (CIDFontType2, Identity-H); fpdf2 embeds the
    CFF-based Noto Sans SC with an embedded encoding CMap that pdfminer cannot read, so the outlines are
    converted to TrueType quadratics first (fontTools), as a font tool would."""
    font = TTFont(FONT_PATH)
    options = subset.Options()
    options.desubroutinize, options.layout_features = True, []
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=SEED_TABLE.read_text(encoding="utf-8") + "0123456789 .,")
    subsetter.subset(font)
    order, glyphs = font.getGlyphOrder(), font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    del font["CFF "]
    font["glyf"], font["loca"] = glyf, newTable("loca")
    font["maxp"].tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs"):
        setattr(font["maxp"], field, 1 if field == "maxZones" else 0)
    for field in ("maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(font["maxp"], field, 0)
    font["head"].glyphDataFormat = 0
    font["post"].formatType, font["post"].extraNames, font["post"].mapping = 2.0, [], {}
    font.sfntVersion = "\x00\x01\x00\x00"
    path = tmp_path_factory.mktemp("font") / "NotoSansSC-subset.ttf"
    font.save(str(path))  # maxp's point and contour counts are recomputed on saving
    return path


def build_pdf(path: Path, font: Path, lines: list[list[str]] | None = None, password: str | None = None) -> Path:
    """The seed as a PDF with a text layer: the title line, then each printed page's table with borders and
    merged cells; the first table runs onto page 2, the second starts at the foot of page 1."""
    lines = lines if lines is not None else seed_lines()
    merges = Merges.of(lines)
    title, pages = blocks(lines)
    pdf = FPDF(orientation="L", format="A4")
    pdf.add_font("NotoSansSC", fname=str(font))
    pdf.set_font("NotoSansSC", size=7)
    if password:
        pdf.set_encryption(owner_password="owner-" + password, user_password=password)
    pdf.add_page()
    pdf.cell(text=title, new_x="LMARGIN", new_y="NEXT")
    for page in pages:
        width = max(len(lines[r]) for r in page)
        options = {"first_row_as_headings": False, "text_align": "LEFT", "line_height": 3.5}
        with pdf.table(col_widths=PDF_COLUMNS[:width], **options) as table:
            for r in page:
                row = table.row()
                for _, value, down, right in merges.placed(lines, r, width):
                    row.cell(plain(value), rowspan=down, colspan=right)
        pdf.ln(4)
    pdf.output(str(path))
    return path


def build_scan(path: Path) -> Path:
    """An image-only PDF, as a scanner makes: the table drawn as a picture (ruled cells, Chinese text)."""
    image = Image.new("L", (1600, 1100), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_PATH), 18)
    for r, cells in enumerate(seed_lines()[:40]):
        for c, value in enumerate(cells[:8]):
            box = (20 + c * 195, 20 + r * 26, 215 + c * 195, 46 + r * 26)
            draw.rectangle(box, outline=0)
            draw.text((box[0] + 4, box[1] + 3), plain(value).lstrip("# ")[:10], fill=0, font=font)
    pdf = FPDF(orientation="L", format="A4")
    pdf.add_page()
    pdf.image(image, x=0, y=0, w=297)
    pdf.output(str(path))
    return path


@pytest.fixture(scope="module")
def tsv_record() -> dict:
    return without_source(import_file(SEED_TABLE, RUBRIC, code=CODE).data)


BUILDERS: dict[str, Callable[[Path, Path], Path]] = {
    "xls-merged-cells": lambda d, font: build_xls(d / "seed.xls"),
    "docx-gridspan-vmerge": lambda d, font: build_docx(d / "seed.docx"),
    "pdf-text-layer": lambda d, font: build_pdf(d / "seed.pdf", font),
}
FORMAT_LABELS = {
    "xls-merged-cells": "旧版 Excel 工作簿（.xls，工作表“自评表”）",
    "docx-gridspan-vmerge": "Word 文档（DOCX，2 个表格）",
    "pdf-text-layer": "PDF（2 页，文字层，3 个表格）",
}


@pytest.mark.parametrize("kind", BUILDERS)
def test_each_format_imports_to_the_same_record_as_the_tsv(tmp_path, cjk_font, tsv_record, kind):
    imported = import_file(BUILDERS[kind](tmp_path, cjk_font), RUBRIC, code=CODE)
    assert imported.format == FORMAT_LABELS[kind]
    assert without_source(imported.data) == tsv_record


def test_xls_merged_cells_read_as_value_then_blanks(tmp_path):
    grid = read_grid(build_xls(tmp_path / "seed.xls"))
    row13, row14 = grid.rows[12], grid.rows[13]
    assert row13.number == 13 and row13.cells[:4] == ("履职效能", "50", "整体效能", "50")
    assert row14.cells[:5] == ("", "", "", "", "部门整体绩效目标效益指标完成情况")
    assert grid.rows[10].cells[1:3] == ("11887.73", "3308.06")  # numbers stored as numbers, read back as written


def test_docx_merges_and_the_title_paragraph_read_like_the_text_file(tmp_path):
    path = build_docx(tmp_path / "seed.docx")
    with zipfile.ZipFile(path) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
    assert "w:gridSpan" in body and 'w:vMerge w:val="restart"' in body
    grid = read_grid(path)
    assert grid.rows[0].cells == (blocks(seed_lines())[0],)  # the heading above the table: a one-cell row
    by_name = {r.cell(4): r for r in grid.rows}
    assert by_name["部门整体绩效目标产出指标完成情况"].cells[:4] == ("履职效能", "50", "整体效能", "50")
    assert by_name["部门整体绩效目标效益指标完成情况"].cells[:4] == ("", "", "", "")
    assert grid.rows[2].cells == ("部门基本情况",) + ("",) * 10  # gridSpan 11: the value, then blanks
    blank = [i for i, row in enumerate(grid.rows) if not row.cells]
    assert [grid.rows[i + 1].cells[0] for i in blank] == ["部门基本情况", "一级指标"]  # one before each table


def test_pdf_table_continued_on_the_next_page_appends_its_rows(tmp_path, cjk_font):
    grid = read_grid(build_pdf(tmp_path / "seed.pdf", cjk_font))
    cells = [r.cells for r in grid.rows]
    header = [i for i, row in enumerate(cells) if row[:1] == ("一级指标",)][1]  # the second table's, on page 1
    assert cells[header + 1][:3] == ("管理效率", "50", "绩效管理")  # its rows on page 2 follow without a break
    blank = [i for i, row in enumerate(cells) if not row]
    assert blank == [1, header - 1]  # between the title line and each table that does not continue another
    goals = next(row for row in cells if row[:1] == ("年度整体绩效目标",))  # wrapped in its narrow cell
    assert goals[5] == "整体绩效目标完成情况" and "深化“12345”审批服务体系，打造" in goals[1]
    assert next(row[:4] for row in cells if "3308.06" in row) == ("", "11,887.73", "3308.06", "8579.68")


@pytest.mark.parametrize(
    "build,expected",
    [
        (lambda d: build_html(d / "seed.xls"), "HTML 表格（UTF-8）"),
        (lambda d: _copy(SEED_TABLE.read_bytes(), d / "seed.xls"), "制表符分隔文本（UTF-8）"),
        (
            lambda d: _copy(SEED_TABLE.read_text(encoding="utf-8").encode("utf-16"), d / "seed.xls"),
            "制表符分隔文本（UTF-16）",
        ),
        (lambda d: build_xlsx(d / "seed.xls"), "Excel 工作簿（工作表“自评表”）"),
        (lambda d: build_xls(d / "seed.xlsx"), "旧版 Excel 工作簿（.xls，工作表“自评表”）"),
        (lambda d: build_docx(d / "seed.pdf"), "Word 文档（DOCX，2 个表格）"),
    ],
    ids=[
        "html-named-xls",
        "tsv-named-xls",
        "utf16-text-named-xls",
        "xlsx-named-xls",
        "xls-named-xlsx",
        "docx-named-pdf",
    ],
)
def test_a_file_is_read_as_what_its_content_is_whatever_its_name(tmp_path, tsv_record, build, expected):
    imported = import_file(build(tmp_path), RUBRIC, code=CODE)
    assert imported.format == expected
    assert without_source(imported.data) == tsv_record


def _copy(content: bytes, path: Path) -> Path:
    path.write_bytes(content)
    return path


def _encrypted_xlsx(d: Path) -> Path:
    plain_xlsx = build_xlsx(d / "plain.xlsx")
    with plain_xlsx.open("rb") as source, (d / "locked.xlsx").open("wb") as target:
        OOXMLFile(source).encrypt("secret", target)
    return d / "locked.xlsx"


def _docx_without_table(d: Path) -> Path:
    document = docx.Document()
    document.add_heading("2022年度某局部门整体支出绩效自评报告", level=1)
    document.add_paragraph("一、部门基本情况：本局共有 3 个单位。")
    document.save(str(d / "report.docx"))
    return d / "report.docx"


def _broken_docx(d: Path) -> Path:
    with zipfile.ZipFile(d / "broken.docx", "w") as archive:
        archive.writestr("word/document.xml", "<w:document>不是完整的 XML")
    return d / "broken.docx"


ERRORS: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "scanned-pdf": (lambda d, font: build_scan(d / "scan.pdf"), "PDF 没有文字层"),
    "encrypted-xlsx": (lambda d, font: _encrypted_xlsx(d), "文件设有打开密码"),
    "encrypted-pdf": (lambda d, font: build_pdf(d / "locked.pdf", font, password="secret"), "PDF 设有打开密码"),
    "docx-without-table": (lambda d, font: _docx_without_table(d), "Word（DOCX）文档中没有表格"),
    "broken-docx": (lambda d, font: _broken_docx(d), "无法读取 Word（DOCX）文档"),
    "broken-pdf": (lambda d, font: _copy(b"%PDF-1.7\n1 0 obj <<>> garbage", d / "broken.pdf"), "PDF 文件已损坏"),
    "truncated-xls": (lambda d, font: _copy(build_xls(d / "a.xls").read_bytes()[:3000], d / "cut.xls"), "已损坏"),
}


@pytest.mark.parametrize("case", ERRORS)
def test_unusable_files_give_one_clear_line_and_exit_2(tmp_path, cjk_font, capsys, case):
    build, expected = ERRORS[case]
    path = build(tmp_path, cjk_font)
    assert main(["import", str(path), "-o", str(tmp_path / "out")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and path.name in lines[0], lines
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_scanned_pdf_message_says_it_needs_ocr(tmp_path):
    with pytest.raises(InputError, match=r"没有文字层.*文字识别（OCR）"):
        read_grid(build_scan(tmp_path / "scan.pdf"))


def test_a_docx_that_would_unzip_too_large_is_refused(tmp_path, monkeypatch):
    path = build_docx(tmp_path / "seed.docx")
    monkeypatch.setattr("toolkit.importer.sources.MAX_UNZIPPED", 1000)
    with pytest.raises(InputError, match="DOCX 文档解压后过大"):
        read_grid(path)


@pytest.mark.parametrize("kind", BUILDERS)
def test_rows_and_columns_beyond_the_limits_are_not_read(tmp_path, cjk_font, monkeypatch, kind):
    path = BUILDERS[kind](tmp_path, cjk_font)
    monkeypatch.setattr("toolkit.importer.sources.MAX_ROWS", 10)
    monkeypatch.setattr("toolkit.importer.sources.MAX_COLS", 3)
    grid = read_grid(path)
    assert len(grid.rows) == 10 and max(len(r.cells) for r in grid.rows) <= 3


def test_a_pdf_longer_than_the_page_limit_is_refused(tmp_path, cjk_font, monkeypatch):
    path = build_pdf(tmp_path / "seed.pdf", cjk_font)
    monkeypatch.setattr("toolkit.importer.sources.MAX_PAGES", 1)
    with pytest.raises(InputError, match="PDF 共 2 页，超过上限 1 页"):
        read_grid(path)
