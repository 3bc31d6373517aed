"""The Word writer on small documents: merged cells where the HTML spans rows, header rows marked to repeat,
the dates of a reproducible archive."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import docx
from docx.oxml.ns import qn

from toolkit.report.document import Cell, Document, Heading, Paragraph, Run, Table
from toolkit.report.htmlblocks import blocks_of
from toolkit.report.word import Cover, render_docx

MOMENT = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
ANNEX = """<table class="annex"><thead><tr><th>一级</th><th>二级</th><th class="num">分值</th></tr></thead><tbody>
<tr><td rowspan="3">甲</td><td rowspan="2">子一</td><td class="num">1.00</td></tr>
<tr><td class="num">2.00</td></tr>
<tr><td>子二</td><td class="num">3.00</td></tr>
<tr class="total"><td colspan="2">总分</td><td class="num">6.00</td></tr></tbody></table>"""


def _word(blocks) -> docx.document.Document:
    data = render_docx(Document(tuple(blocks)), Cover("标题", "页眉"), MOMENT)
    return docx.Document(io.BytesIO(data))


def test_html_rowspans_and_colspans_become_merged_word_cells():
    table = _word(blocks_of(ANNEX)).tables[0]
    first = [row.cells[0] for row in table.rows[1:4]]
    assert {c._tc for c in first} == {first[0]._tc} and first[0].text == "甲"
    second = [row.cells[1].text for row in table.rows[1:4]]
    assert second == ["子一", "子一", "子二"]
    assert table.rows[4].cells[0]._tc is table.rows[4].cells[1]._tc
    assert [row.cells[2].text for row in table.rows[1:]] == ["1.00", "2.00", "3.00", "6.00"]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert table.rows[1]._tr.trPr is None or table.rows[1]._tr.trPr.find(qn("w:tblHeader")) is None


def test_headings_use_word_heading_styles_and_bold_runs_stay_bold():
    doc = _word([Heading("一、基本情况", 1), Heading("（1）履职效能", 2), Paragraph((Run("评定为"), Run("优", True)))])
    styles = {p.text: p.style.name for p in doc.paragraphs}
    assert styles["一、基本情况"] == "Heading 1" and styles["（1）履职效能"] == "Heading 2"
    body = next(p for p in doc.paragraphs if p.text == "评定为优")
    assert [r.bold for r in body.runs] == [None, True]


def test_archive_entries_and_core_dates_are_the_generation_time():
    data = render_docx(Document((Table((), ((Cell("x"),),)),)), Cover("标题", "页眉"), MOMENT)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        core = z.read("docProps/core.xml").decode()
    assert core.count("2023-11-14T22:13:20Z") == 3  # created, modified, lastPrinted
    assert data == render_docx(Document((Table((), ((Cell("x"),),)),)), Cover("标题", "页眉"), MOMENT)
