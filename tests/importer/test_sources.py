"""Reading tables: formats and encodings told from content, merged cells and spans, size limits.

The XLSX and HTML versions of the seed table are built here, from the seed's own text: merged cells
(openpyxl) and rowspan/colspan (HTML) where the published table had them."""

from __future__ import annotations

import html
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from toolkit.core.problems import InputError
from toolkit.importer import MAX_BYTES, import_file, read_grid
from toolkit.importer.text import parse_number

RUBRIC = "gz-dept-overall-2022"
# The seed as published, kept in tests/fixtures/import: the file name is the code it imports to.
SEED_TABLE = Path(__file__).resolve().parents[1] / "fixtures" / "import" / "000_0ab128b708fd7b30.txt"
GROUP_COLUMNS = range(4)  # level-1 and level-2 names and weights: merged downwards in the published table


def seed_lines() -> list[list[str]]:
    return [line.split("\t") for line in SEED_TABLE.read_text(encoding="utf-8").split("\n")]


def _is_header(cells: list[str]) -> bool:
    return bool(cells) and cells[0] == "一级指标"


def spans(lines: list[list[str]]) -> dict[tuple[int, int], tuple[int, int]]:
    """(row, col) -> (rowspan, colspan) for the merges the published table had.

    In the indicator table, level-1/2 cells span down over the blank cells below them; elsewhere a cell
    spans right over the blank cells after it."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    first_header = next(i for i, cells in enumerate(lines) if _is_header(cells))
    for r, cells in enumerate(lines):
        in_table = r > first_header and not _is_header(cells) and cells[0] not in ("<b>总分</b>", "<b>评价等级</b>")
        for c, value in enumerate(cells):
            if not value:
                continue
            if in_table and c in GROUP_COLUMNS:
                down = 1
                while (
                    r + down < len(lines)
                    and len(lines[r + down]) > c
                    and not lines[r + down][c]
                    and len(lines[r + down]) > 1
                    and not _is_header(lines[r + down])
                ):
                    down += 1
                out[(r, c)] = (down, 1)
            elif not in_table:
                right = 1
                while c + right < len(cells) and not cells[c + right]:
                    right += 1
                out[(r, c)] = (1, right)
    return out


def _covered(merges: dict[tuple[int, int], tuple[int, int]]) -> set[tuple[int, int]]:
    return {
        (r + dr, c + dc)
        for (r, c), (down, right) in merges.items()
        for dr in range(down)
        for dc in range(right)
        if dr or dc
    }


def typed(value: str) -> str | int | float:
    """A cell as a spreadsheet holds it: numbers as numbers (11,887.73 -> 11887.73), text (and markup) as text."""
    number, _ = parse_number(value)
    if number is None or "<" in value:
        return value
    return int(number) if number == number.to_integral_value() and "." not in value else float(number)


def build_xlsx(path: Path, lines: list[list[str]] | None = None) -> Path:
    """The seed as an Excel sheet: one sheet row per text line, numbers as numbers, merged cells."""
    lines = lines if lines is not None else seed_lines()
    book = Workbook()
    sheet = book.active
    sheet.title = "自评表"
    for r, cells in enumerate(lines, start=1):
        for c, value in enumerate(cells, start=1):
            if not value:
                continue
            sheet.cell(r, c, typed(value))
    for (r, c), (down, right) in spans(lines).items():
        if down > 1 or right > 1:
            sheet.merge_cells(start_row=r + 1, start_column=c + 1, end_row=r + down, end_column=c + right)
    book.save(path)
    return path


def build_html(path: Path, lines: list[list[str]] | None = None, encoding: str = "utf-8") -> Path:
    """The seed as a web page: title in <h2>, each printed page a <table>, merges as rowspan/colspan."""
    lines = lines if lines is not None else seed_lines()
    merges = spans(lines)
    hidden = _covered(merges)
    parts = [f"<html><head><meta charset='{encoding}'></head><body>"]
    in_table = False
    for r, cells in enumerate(lines):
        text = "".join(cells)
        if text.startswith("## "):
            parts.append(f"<h2>{html.escape(text[3:])}</h2>")
            continue
        if not text.strip():
            if in_table:
                parts.append("</table>")
                in_table = False
            continue
        if not in_table:
            parts.append("<table border='1'>")
            in_table = True
        tds = []
        for c, value in enumerate(cells):
            if (r, c) in hidden:
                continue
            down, right = merges.get((r, c), (1, 1))
            attrs = (f" rowspan='{down}'" if down > 1 else "") + (f" colspan='{right}'" if right > 1 else "")
            # <b> in the text file came from the page's markup: keep it as markup here.
            tds.append(
                f"<td{attrs}>{html.escape(value).replace('&lt;b&gt;', '<b>').replace('&lt;/b&gt;', '</b>')}</td>"
            )
        parts.append("<tr>" + "".join(tds) + "</tr>")
    if in_table:
        parts.append("</table>")
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding=encoding)
    return path


def test_seed_table_is_read_as_tab_separated_utf8():
    grid = read_grid(SEED_TABLE)
    assert grid.format == "制表符分隔文本（UTF-8）"
    assert grid.rows[10].number == 11 and grid.rows[10].cells[1] == "11,887.73"


def test_xlsx_with_merged_cells_reads_as_value_then_blanks(tmp_path):
    grid = read_grid(build_xlsx(tmp_path / "seed.xlsx"))
    assert grid.format.startswith("Excel 工作簿")
    row13, row14 = grid.rows[12], grid.rows[13]
    assert row13.cells[:4] == ("履职效能", "50", "整体效能", "50")
    assert row14.cells[:5] == ("", "", "", "", "部门整体绩效目标效益指标完成情况")


def test_html_rowspan_and_colspan_place_cells_in_their_columns(tmp_path):
    path = build_html(tmp_path / "seed.html")
    assert "rowspan" in path.read_text(encoding="utf-8") and "colspan" in path.read_text(encoding="utf-8")
    grid = read_grid(path)
    by_text = {r.cells[4]: r for r in grid.rows if len(r.cells) > 4 and r.cells[4]}
    row = by_text["部门整体绩效目标效益指标完成情况"]
    assert row.cells[:4] == ("", "", "", "") and row.cells[7] == "17.5"
    assert grid.rows[0].cells[0].startswith("2022年度")  # the <h2> title above the table
    assert any(r.cell(0) == "总分" and r.cell(6) == "94.2" for r in grid.rows)  # <b> markup gone


def test_html_paragraphs_inside_a_cell_stay_apart(tmp_path):
    path = tmp_path / "p.html"
    path.write_text("<table><tr><td>目标</td><td><p>1. 甲。</p><p>2. 乙。</p></td></tr></table>", encoding="utf-8")
    assert read_grid(path).rows[0].cells == ("目标", "1. 甲。 2. 乙。")


@pytest.mark.parametrize("suffix", [".txt", ".dat", ""])
def test_format_is_told_from_content_not_the_name(tmp_path, suffix):
    xlsx = build_xlsx(tmp_path / "a.xlsx")
    renamed = xlsx.rename(tmp_path / f"table{suffix}")
    assert read_grid(renamed).format.startswith("Excel 工作簿")
    page = build_html(tmp_path / "b.html")
    assert read_grid(page.rename(tmp_path / f"page{suffix or '.bin'}")).format.startswith("HTML 表格")


@pytest.mark.parametrize(
    "encoding,label",
    [("gbk", "GBK/GB18030"), ("gb18030", "GBK/GB18030"), ("utf-8-sig", "UTF-8（带 BOM）"), ("utf-16", "UTF-16")],
)
def test_encodings_are_detected(tmp_path, encoding, label):
    path = tmp_path / "t.txt"
    path.write_bytes(SEED_TABLE.read_text(encoding="utf-8").encode(encoding))
    grid = read_grid(path)
    assert grid.format == f"制表符分隔文本（{label}）"
    assert grid.rows[5].cells[1] == "广州市黄埔区政务服务数据管理局（广州开发区行政审批局）"


def test_comma_separated_text_keeps_quoted_thousands(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('部门名称,某局\n,"11,887.73",3308.06\n', encoding="utf-8")
    grid = read_grid(path)
    assert grid.format == "逗号分隔文本（UTF-8）"
    assert grid.rows[1].cells == ("", "11,887.73", "3308.06")


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"", "文件为空"),
        (b"  \n\t\n", "文件为空"),
        (b"\x00\x01\x02binary", "不是文本文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "旧版 Excel（.xls）"),
        (b"PK\x03\x04broken", "不是完整的 XLSX"),
    ],
)
def test_unusable_files_give_one_clear_line(tmp_path, content, expected):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_grid(path)
    assert len(caught.value.problems) == 1
    assert expected in str(caught.value) and "bad.txt" in str(caught.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="找不到文件"):
        read_grid(tmp_path / "nope.txt")


def test_a_50_mb_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:  # real content at both ends, 50 MB in all
        handle.write(SEED_TABLE.read_bytes())
        handle.seek(50 * 1024 * 1024 - 1)
        handle.write(b"\n")
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as caught:
            import_file(path, RUBRIC)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "文件过大" in str(caught.value) and f"{MAX_BYTES:,}" in str(caught.value)
    assert peak < 5 * 1024 * 1024  # the file was never read into memory


def test_rows_beyond_the_limit_are_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr("toolkit.importer.sources.MAX_ROWS", 50)
    path = tmp_path / "long.txt"
    path.write_text(SEED_TABLE.read_text(encoding="utf-8") + "\t填充\n" * 500, encoding="utf-8")
    assert len(read_grid(path).rows) == 50


def test_html_rows_and_spans_beyond_the_limits_are_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr("toolkit.importer.sources.MAX_ROWS", 50)
    path = tmp_path / "long.html"
    path.write_text(
        "<table><tr>"
        + '<td rowspan="99999" colspan="99999">x</td>' * 3
        + "</tr>"
        + "<tr><td>a</td></tr>" * 500
        + "</table>",
        encoding="utf-8",
    )
    grid = read_grid(path)
    assert (
        len(grid.rows) == 50
        and grid.rows[0].cells[0] == "x"
        and len(grid.rows[0].cells) <= 64
        and grid.rows[1].cells == ()
    )


def test_numbers_read_as_published():
    assert parse_number("11,887.73") == (Decimal("11887.73"), True)
    assert parse_number("<b>100</b>") == (Decimal("100"), False)
    assert parse_number("１７．５") == (Decimal("17.5"), False)
    assert parse_number("九") == (None, False)
    assert parse_number("1,2") == (None, False)
