"""audit.docx and audit.pdf of the seed and of a target-versus-actual project, read back as an auditor's tools
would: python-docx for the Word file, pdfplumber for the PDF (printed by headless Chromium)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import docx
import pdfplumber
import pytest
from conftest import ASSET_REVIEW
from docx.oxml.ns import qn
from PIL import Image

from toolkit.batch.department import build_department
from toolkit.report.pdf import chromium_path, header_png
from toolkit.review.files import review_path_for

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"
PROJECT = ROOT / "tests" / "fixtures" / "frame-demo-project.yaml"
EPOCH = "1700000000"
ALL = ("html", "docx", "pdf")
needs_chromium = pytest.mark.skipif(chromium_path() is None, reason="Chromium 未安装")


def _build(record: Path, out: Path, formats: tuple[str, ...]) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        step = build_department(record, out, formats=formats)
    assert step.status.value == "done", step.message
    return out


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Path:
    formats = ALL if chromium_path() else ("html", "docx")
    return _build(SEED, tmp_path_factory.mktemp("seed"), formats)


@pytest.fixture(scope="module")
def seed_docx(seed) -> docx.document.Document:
    return docx.Document(str(seed / "audit.docx"))


def test_seed_docx_has_the_report_sections_as_word_headings(seed_docx):
    headings = [p.text for p in seed_docx.paragraphs if p.style.name.startswith("Heading")]
    for title in ("复核依据、范围和方法", "一、基本情况", "四、自评得分及等级", "八、复核意见", "附表：指标明细"):
        assert title in headings
    assert seed_docx.paragraphs[3].style.name == "Title"
    assert "部门整体支出绩效自评复核报告" in seed_docx.core_properties.title


def test_seed_docx_states_total_and_grade_with_two_decimals(seed_docx):
    text = "\n".join(p.text for p in seed_docx.paragraphs)
    assert "各项自评分合计 94.20 分" in text and "评定为“优”" in text
    cells = {c.text for t in seed_docx.tables for row in t.rows for c in row.cells}
    assert {"94.20", "优", "46.38", "50.00"} <= cells


def test_seed_docx_annex_merges_level_cells_and_repeats_its_header(seed_docx):
    annex = next(t for t in seed_docx.tables if "指标解释" in {c.text for c in t.rows[0].cells})
    column = [row.cells[0] for row in annex.rows[1:-1]]
    # 26 indicators under two level-1 groups: two merged cells, each spanning its group's rows.
    assert len({id(c._tc) for c in column}) == 2
    assert [c.text for c in column].count("履职效能") == len([c for c in column if c.text == "履职效能"]) > 1
    vmerge = annex._tbl.xpath(".//w:vMerge")
    assert vmerge, "merged level cells are Word vertical merges"
    assert annex.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert annex.rows[-1].cells[0].text == "总分"


def test_seed_docx_is_a4_with_a_page_field_header_and_signature(seed_docx):
    section = seed_docx.sections[0]
    assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)  # A4, as Word stores it
    footer = section.footer._element
    assert any(" PAGE " in t.text for t in footer.iter(qn("w:instrText")))
    assert "2022 年度" in section.header.paragraphs[0].text
    text = "\n".join(p.text for p in seed_docx.paragraphs)
    assert "报告编号：________________" in text and "复核人（签字）：________________" in text


def test_seed_docx_names_chinese_fonts_for_east_asian_text(seed_docx):
    fonts = seed_docx.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋"
    heading = seed_docx.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    assert heading.get(qn("w:eastAsia")) == "黑体"


def test_seed_docx_charts_carry_their_alt_text(seed_docx):
    described = [d.get("descr") for d in seed_docx.element.body.iter(qn("wp:docPr"))]
    assert len(described) == 3 and all(d and ("条形图" in d or "图" in d) for d in described)


@needs_chromium
@pytest.mark.browser
def test_seed_pdf_is_a4_numbered_without_file_urls_and_with_every_chart(seed, tmp_path):
    data = (seed / "audit.pdf").read_bytes()
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        sizes = {(round(p.width), round(p.height)) for p in pdf.pages}
        texts = [p.extract_text() or "" for p in pdf.pages]
        images = sum(len(p.images) for p in pdf.pages) - len(pdf.pages)  # less each page's running header
        shot = tmp_path / "audit-page-1.png"
        pdf.pages[0].to_image(resolution=100).save(str(shot))
    print(f"\n第 1 页截图：{shot}")
    assert sizes == {(595, 842)}
    assert all(text.rstrip().endswith(f"— {n} —") for n, text in enumerate(texts, start=1))
    assert not any("file://" in text for text in texts)
    assert images == 3  # budget composition, level-2 rates, deduction path
    assert "94.20" in texts[0] and "复核依据" in texts[0]


def test_a_running_header_too_long_for_its_line_is_set_smaller_not_cut_off():
    long = "示例市" + "名称很长的示例部门" * 9 + "　2022 年度"
    drawn = Image.open(io.BytesIO(header_png(long))).convert("L")
    rows = range(drawn.height - 5)  # above the hairline
    inked = [x for x in range(drawn.width) if any(drawn.getpixel((x, y)) < 128 for y in rows)]
    assert inked[0] > 0 and inked[-1] > drawn.width * 0.99  # whole, and still flush right


@needs_chromium
@pytest.mark.browser
def test_every_pdf_page_carries_the_word_reports_running_header_drawn_in_the_shipped_font(seed, seed_docx):
    """The header template can load no font (this machine has no CJK font at all): the department and year
    are a picture, drawn by resvg in the shipped font, and every page shows exactly that picture in its top
    margin, pixel for pixel."""
    header = seed_docx.sections[0].header.paragraphs[0].text
    assert header == "广州市黄埔区政务服务数据管理局（广州开发区行政审批局）　2022 年度"
    drawn = Image.open(io.BytesIO(header_png(header))).convert("RGB")
    ink = sum(drawn.convert("L").histogram()[:128])  # pixels darker than mid-grey: the hairline is lighter
    assert ink > 2000  # the characters are drawn (a missing font draws nothing), not only the hairline
    with pdfplumber.open(str(seed / "audit.pdf")) as pdf:
        tops = [min(page.images, key=lambda image: image["top"]) for page in pdf.pages]
    assert all(image["bottom"] < 18 / 25.4 * 72 for image in tops)  # within the 18 mm top margin
    assert all(image["stream"].get_data() == drawn.tobytes() for image in tops)


@needs_chromium
@pytest.mark.browser
def test_docx_and_pdf_are_byte_reproducible_under_source_date_epoch(seed, tmp_path):
    again = _build(SEED, tmp_path / "again", ALL)
    assert (again / "audit.docx").read_bytes() == (seed / "audit.docx").read_bytes()
    assert (again / "audit.pdf").read_bytes() == (seed / "audit.pdf").read_bytes()
    assert b"/CreationDate (D:20231114221320+00'00')" in (seed / "audit.pdf").read_bytes()


@needs_chromium
@pytest.mark.browser
def test_target_versus_actual_project_gets_all_three_formats(tmp_path):
    out = _build(PROJECT, tmp_path / "project", ALL)
    assert {"audit.html", "audit.docx", "audit.pdf"} <= {p.name for p in out.iterdir()}
    word = docx.Document(str(out / "audit.docx"))
    assert "项目支出绩效自评复核报告" in word.core_properties.title
    cells = {c.text for t in word.tables for row in t.rows for c in row.cells}
    assert {"年度指标值", "实际完成值", "是否达成"} <= cells
    with pdfplumber.open(str(out / "audit.pdf")) as pdf:
        assert {(round(p.width), round(p.height)) for p in pdf.pages} == {(595, 842)}
        assert "目标与实际完成对照" in "".join(p.extract_text() or "" for p in pdf.pages)


def test_run_publishes_a_word_report_beside_every_page_titled_by_kind(shipped_run):
    out, _ = shipped_run
    pages = sorted(out.glob("*/*/audit.html"))
    assert len(pages) == 7 and all((p.parent / "audit.docx").is_file() for p in pages)
    project = docx.Document(str(out / "2023" / "demo-nongye-gaobiao" / "audit.docx"))
    assert project.core_properties.title.endswith("年度项目支出绩效自评复核报告")
    page = (out / "2023" / "demo-nongye-gaobiao" / "audit.html").read_text(encoding="utf-8")
    assert "项目支出绩效自评复核报告</title>" in page


def test_the_review_files_unit_and_report_number_fill_the_cover_signature_and_page(tmp_path):
    # Without them the cover keeps blanks to fill (test above); given, an auditor need not type them into Word.
    record = tmp_path / SEED.name
    record.write_bytes(SEED.read_bytes())
    head = "reviewer: 张审核\nreviewing_unit: 示例会计师事务所（虚构）\nreport_number: 示审〔2026〕第 12 号\n"
    review_path_for(record).write_text(ASSET_REVIEW.replace("reviewer: 张审核\n", head), encoding="utf-8")
    out = _build(record, tmp_path / "out", ("html", "docx"))
    text = "\n".join(p.text for p in docx.Document(str(out / "audit.docx")).paragraphs)
    assert "报告编号：示审〔2026〕第 12 号" in text and "复核单位：示例会计师事务所（虚构）" in text
    assert "复核单位（盖章）：示例会计师事务所（虚构）" in text and "复核人（签字）：张审核" in text
    page = (out / "audit.html").read_text(encoding="utf-8")
    assert "示例会计师事务所（虚构）复核人张审核于 2026-12-01" in page and "报告编号 示审〔2026〕第 12 号" in page
    review = json.loads((out / "result.json").read_text(encoding="utf-8"))["review"]
    assert (review["reviewing_unit"], review["report_number"]) == ("示例会计师事务所（虚构）", "示审〔2026〕第 12 号")


@needs_chromium
@pytest.mark.browser
def test_summary_pdf_ranking_keeps_grades_and_their_basis_on_one_line(tmp_path):
    """Printed on A4 beside its wide score columns, the ranking once set 等级 and 得分依据 one character a line and
    squeezed each department's name; their headers (and 自评分) must read as words on one line."""
    from toolkit.summary.build import summarise

    year_dir = tmp_path / "2022"
    shutil.copytree(ROOT / "tests" / "fixtures" / "summary" / "2022", year_dir)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        assert summarise(year_dir, 2022, formats=ALL).status.value == "done"
    with pdfplumber.open(str(year_dir / "summary.pdf")) as pdf:
        words = {w["text"] for page in pdf.pages for w in page.extract_words()}
    assert {"等级", "得分依据", "自评分"} <= words
