"""Tables built to mislead or break the importer (issue 17, items 11, 15 and 16): hidden sheets, formulas
without values, nested and scripted HTML, and files whose errors used to surface in English or as a traceback."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_convert import without_source
from test_sources import SEED_TABLE, build_html, build_xlsx, seed_lines

from toolkit.cli import main
from toolkit.importer import import_file, read_grid

RUBRIC = "gz-dept-overall-2022"
CODE = "huangpu-zwsj"


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def tsv_record() -> dict:
    return without_source(import_file(SEED_TABLE, RUBRIC, code=CODE).data)


def _other_scores() -> list[list[str]]:
    """The seed with every score of 3 made 0: a sheet whose numbers must never reach the record."""
    return [[("0" if c == "3" and n == 7 else c) for n, c in enumerate(cells)] for cells in seed_lines()]


# --- item 11: XLSX hidden sheets and formulas without values -----------------------------------------------


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_is_never_read_and_the_import_says_which(tmp_path, tsv_record, state):
    path = build_xlsx(tmp_path / "seed.xlsx")
    book = load_workbook(path)
    hidden = book.create_sheet("旧表", 0)  # first, and holding an indicator table: what used to be read
    for r, cells in enumerate(_other_scores(), start=1):
        for c, value in enumerate(cells, start=1):
            if value:
                hidden.cell(r, c, value)
    hidden.sheet_state = state
    book.active = 1
    book.save(path)
    imported = import_file(path, RUBRIC, code=CODE)
    assert without_source(imported.data) == tsv_record
    notes = [str(r) for r in imported.repairs]
    assert any("工作表“旧表”为" in n and "未读取" in n for n in notes), notes
    assert ("深度隐藏" in notes[0]) == (state == "veryHidden")


def test_a_workbook_with_only_hidden_sheets_is_refused(tmp_path, capsys):
    built = build_xlsx(tmp_path / "ok.xlsx")
    path = tmp_path / "hidden.xlsx"
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(path, "w") as out:  # openpyxl will not write this
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b'state="visible"', b'state="hidden"')
            out.writestr(info, data)
    code, _, err = cli(capsys, "import", path, "-o", tmp_path / "out")
    assert code == 2 and "没有可见的工作表" in err and "自评表" in err


def test_formula_cells_without_computed_values_are_refused_not_read_as_blank(tmp_path, capsys):
    path = build_xlsx(tmp_path / "seed.xlsx")
    book = load_workbook(path)
    sheet = book.active
    scores = [cell for row in sheet.iter_rows() for cell in row if cell.column == 8 and cell.value == 3]
    scores[0].value = "=1+2"  # openpyxl stores the formula only, as any program writing a workbook does
    book.save(path)
    code, _, err = cli(capsys, "import", path, "--rubric", RUBRIC, "-o", tmp_path / "out", "--code", CODE)
    assert code == 2 and f"公式单元格 H{scores[0].row} 没有计算结果" in err and "重新计算并保存" in err
    assert "没有得分" not in err and not (tmp_path / "out").exists()


# --- item 15: HTML layout tables, nested tables and scripts ------------------------------------------------


def test_a_table_nested_in_a_layout_table_is_found(tmp_path, tsv_record):
    page = build_html(tmp_path / "seed.html").read_text("utf-8")
    body = page[page.index("<body>") + len("<body>") : page.index("</body>")]
    layout = f"<html><body><table><tr><td>首页 &gt; 信息公开</td></tr><tr><td>{body}</td></tr></table></body></html>"
    path = tmp_path / "layout.html"
    path.write_text(layout, encoding="utf-8")
    assert without_source(import_file(path, RUBRIC, code=CODE).data) == tsv_record


def test_a_nested_table_and_scripts_stay_out_of_the_cell_text(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<table><tr><td>扣1分<script>document.write('注入')</script><style>td{color:red}</style>"
        "<table><tr><td>内嵌</td><td>9</td></tr></table></td><td>2</td></tr></table>",
        encoding="utf-8",
    )
    rows = [row.cells for row in read_grid(path).rows if any(row.cells)]
    assert rows == [("扣1分", "2"), ("内嵌", "9")]


# --- item 16: no English, no traceback ---------------------------------------------------------------------


def _huge_number_xlsx(path: Path) -> Path:
    built = build_xlsx(path.with_name("ok.xlsx"))
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = data.replace(b"<v>3</v>", b"<v>" + b"9" * 5000 + b"</v>", 1)
            out.writestr(info, data)
    return path


def _broken_sheet_xlsx(path: Path) -> Path:
    built = build_xlsx(path.with_name("ok.xlsx"))
    with zipfile.ZipFile(built) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            out.writestr(info, data[: len(data) // 2] if info.filename.startswith("xl/worksheets/") else data)
    return path


def _long_field_csv(path: Path) -> Path:
    path.write_text('一级指标,得分\n"' + "x" * 200_000 + '",1\n', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("build", "message", "english"),
    [
        (_long_field_csv, "有一格超过 131,072 个字符", "field larger than field limit"),
        (_huge_number_xlsx, "位数过多的数字", "Exceeds the limit"),
        (_broken_sheet_xlsx, "已损坏或不完整", "unclosed token"),
    ],
)
def test_bad_files_get_a_chinese_line_naming_the_file_and_exit_2(tmp_path, capsys, build, message, english):
    path = build(tmp_path / {"_long_field_csv": "t.csv"}.get(build.__name__, "t.xlsx"))
    code, _, err = cli(capsys, "import", path, "-o", tmp_path / "out")
    assert code == 2 and message in err and path.name in err
    assert english not in err and "Traceback" not in err and "内部错误" not in err


def test_a_count_of_thousands_of_digits_in_a_reason_is_not_read_as_evidence(tmp_path):
    text = SEED_TABLE.read_text("utf-8").replace("公开招标项目共11项", "公开招标项目共" + "1" * 5000 + "项")
    path = tmp_path / "seed.txt"
    path.write_text(text, encoding="utf-8")
    entry = import_file(path, RUBRIC, code=CODE).data["indicators"]["合同备案时效性"]
    assert "evidence" not in entry and "位数过多" in entry["source"]
