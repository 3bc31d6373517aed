"""Summary exports as auditors open them: summary.xlsx, the CSV files, summary.json and their provenance."""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile

import openpyxl
import pytest

from toolkit.batch.provenance import describe
from toolkit.summary import exports
from toolkit.summary.tables import Summary

SHEETS = ["部门汇总", "指标明细", "复核发现", "说明"]


@pytest.fixture(scope="module")
def year_dir(shipped_run):
    out, _ = shipped_run
    return out / "2022"


@pytest.fixture(scope="module")
def results(year_dir) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in year_dir.glob("*/result.json")}


@pytest.fixture(scope="module")
def workbook(year_dir):
    return openpyxl.load_workbook(year_dir / "summary.xlsx")


def _rows(ws) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row)) for row in values[1:]]


def test_workbook_has_the_three_named_sheets_and_a_note(workbook):
    assert workbook.sheetnames == SHEETS


@pytest.mark.parametrize(
    "sheet, headers",
    [
        ("部门汇总", ["排名", "部门代码", "部门名称", "示例数据", "得分", "等级", "得分依据", "自评总分"]),
        (
            "指标明细",
            [
                "部门代码",
                "部门名称",
                "一级指标",
                "二级指标",
                "三级指标",
                "指标ID",
                "分值",
                "自评分",
                "复核得分",
                "扣分",
            ],
        ),
        ("复核发现", ["部门代码", "部门名称", "发现代码", "级别", "发现类型", "指标", "说明", "复核决定"]),
    ],
)
def test_sheets_have_chinese_headers_frozen_filtered_and_sized(workbook, sheet, headers):
    ws = workbook[sheet]
    assert [c.value for c in ws[1]][: len(headers)] == headers
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
    assert ws.column_dimensions["B"].width >= 10


def test_scores_carry_two_decimal_number_formats(workbook):
    ws = workbook["部门汇总"]
    header = [c.value for c in ws[1]]
    for name in ("得分", "自评总分", "履职效能得分", "扣分合计"):
        cell = ws.cell(2, header.index(name) + 1)
        assert isinstance(cell.value, float) and cell.number_format == "0.00", name
    assert ws.cell(2, header.index("排名") + 1).number_format == "0"
    detail = workbook["指标明细"]
    header = [c.value for c in detail[1]]
    assert detail.cell(2, header.index("得分率（%）") + 1).number_format == "0.00"


def test_department_sheet_matches_the_results(workbook, results):
    rows = {r["部门代码"]: r for r in _rows(workbook["部门汇总"])}
    assert set(rows) == set(results)
    seed = rows["huangpu-zwsj"]
    assert (seed["排名"], seed["得分"], seed["等级"], seed["履职效能得分"], seed["管理效率得分"]) == (
        1,
        94.2,
        "优",
        46.38,
        47.82,
    )
    for code, result in results.items():
        assert rows[code]["得分"] == result["audited_total"] and rows[code]["等级"] == result["audited_grade"]
        assert rows[code]["复核发现数"] == len(result["findings"])
        assert rows[code]["记录文件SHA-256"] == result["record_sha256"]


def test_indicator_sheet_is_long_form_with_every_indicator(workbook, results):
    rows = _rows(workbook["指标明细"])
    assert len(rows) == sum(len(r["indicators"]) for r in results.values())
    seed = {r["指标ID"]: r for r in rows if r["部门代码"] == "huangpu-zwsj"}
    assert seed["部门预算资金支出率"]["自评分"] == 9.88 and seed["部门预算资金支出率"]["扣分"] == 0.12
    assert seed["合同备案时效性"]["得分率（%）"] == 82.0 and seed["合同备案时效性"]["一级指标"] == "管理效率"


def test_findings_sheet_lists_every_finding(workbook, results):
    rows = _rows(workbook["复核发现"])
    assert len(rows) == sum(len(r["findings"]) for r in results.values())
    seed = [r for r in rows if r["部门代码"] == "huangpu-zwsj"]
    assert {r["发现代码"] for r in seed} == {f["code"] for f in results["huangpu-zwsj"]["findings"]}
    assert {r["级别"] for r in rows} <= {"错误", "警告", "提示"}


def test_note_sheet_and_properties_record_provenance(workbook, results):
    note = {r["项目"]: r["内容"] for r in _rows(workbook["说明"])}
    assert note["工具包版本"] == "audit-toolkit 0.1.0"
    assert note["评价指标体系"] == "gz-dept-overall-2022（版本 2022.1）"
    assert note["评价指标体系 SHA-256"] == results["huangpu-zwsj"]["rubric_sha256"]
    assert note["图表字体"] and note["依赖版本：openpyxl"] == openpyxl.__version__ and "采用自评分" in note["得分依据"]
    assert workbook.properties.creator == "audit-toolkit 0.1.0"


@pytest.mark.parametrize(
    "name, header",
    [
        ("summary-departments.csv", "排名,部门代码,部门名称"),
        ("summary-indicators.csv", "部门代码,部门名称,一级指标"),
        ("summary-findings.csv", "部门代码,部门名称,发现代码"),
    ],
)
def test_csv_files_are_utf8_with_bom_and_chinese_headers(year_dir, name, header):
    data = (year_dir / name).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").startswith(header)


def test_csv_tables_hold_the_same_rows_as_the_workbook(year_dir, workbook):
    rows = list(csv.DictReader(io.StringIO((year_dir / "summary-departments.csv").read_text(encoding="utf-8-sig"))))
    assert [r["部门代码"] for r in rows] == [r["部门代码"] for r in _rows(workbook["部门汇总"])]
    assert rows[0]["得分"] == "94.20" and rows[0]["等级"] == "优"
    detail = list(csv.DictReader(io.StringIO((year_dir / "summary-indicators.csv").read_text(encoding="utf-8-sig"))))
    assert len(detail) == workbook["指标明细"].max_row - 1


def test_json_holds_the_tables_and_provenance(year_dir, results):
    data = json.loads((year_dir / "summary.json").read_text(encoding="utf-8"))
    assert set(data["tables"]) == {"部门汇总", "指标明细", "复核发现"}
    first = data["tables"]["部门汇总"][0]
    assert (first["部门代码"], first["得分"], first["等级"]) == ("huangpu-zwsj", 94.2, "优")
    prov = data["provenance"]
    assert prov["toolkit_version"] == "0.1.0" and prov["rubric"] == "gz-dept-overall-2022"
    assert prov["rubric_sha256"] == results["huangpu-zwsj"]["rubric_sha256"] and prov["font"]
    assert set(prov["packages"]) >= {"pandas", "openpyxl", "matplotlib"} and prov["departments"] == len(results)
    sidecar = json.loads((year_dir / "summary.provenance.json").read_text(encoding="utf-8"))
    assert sidecar["provenance"] == prov and "summary-departments.csv" in sidecar["files"]


def test_department_text_starting_with_equals_stays_text(seed_result, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    hostile = copy.deepcopy(seed_result.as_dict())
    hostile["department"] = '=HYPERLINK("http://example.invalid","点击")'
    summary = Summary.from_results([hostile])
    book = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(summary, _provenance(summary), "测试")))
    cell = book["部门汇总"]["C2"]
    assert cell.value == hostile["department"] and cell.data_type == "s"


def _provenance(summary: Summary) -> dict:
    return describe("gz-dept-overall-2022", "2022.1", "0" * 64, summary.records_sha256, "Noto Sans SC")


def test_workbook_bytes_are_fixed_by_source_date_epoch(seed_result, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    summary = Summary.from_results([seed_result.as_dict()])
    first = exports.xlsx_bytes(summary, _provenance(summary), "测试")
    second = exports.xlsx_bytes(summary, _provenance(summary), "测试")
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        core = archive.read("docProps/core.xml").decode()
    assert "2023-11-14T22:13:20Z</dcterms:modified>" in core and "2023-11-14T22:13:20Z</dcterms:created>" in core


@pytest.mark.parametrize(
    "name",
    ['=HYPERLINK("http://example.invalid","点击")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"],
)
def test_csv_text_a_spreadsheet_would_evaluate_gets_a_leading_apostrophe(seed_result, name):
    hostile = copy.deepcopy(seed_result.as_dict())
    hostile["department"] = name
    hostile["indicators"][0]["measure"] = name
    summary = Summary.from_results([hostile])
    tables = summary.tables()
    for sheet, column in [("部门汇总", "部门名称"), ("指标明细", "改进措施"), ("指标明细", "部门名称")]:
        rows = list(csv.DictReader(io.StringIO(exports.csv_bytes(tables[sheet]).decode("utf-8-sig"), newline="")))
        assert rows[0][column] == "'" + name, (sheet, column)


def test_csv_numbers_and_plain_text_are_left_as_they_are(seed_result):
    plain = copy.deepcopy(seed_result.as_dict())
    plain["department"] = "某局（含 a-b 与 x=y）"
    table = Summary.from_results([plain]).tables()["部门汇总"]
    table["得分"] = -1.5  # a number is never quoted, whatever its sign
    [row] = csv.DictReader(io.StringIO(exports.csv_bytes(table).decode("utf-8-sig")))
    assert row["部门名称"] == "某局（含 a-b 与 x=y）" and row["得分"] == "-1.50" and row["排名"] == "1"


def test_csv_header_a_spreadsheet_would_evaluate_is_quoted_too():
    import pandas as pd

    text = exports.csv_bytes(pd.DataFrame({"=指标": ["a"], "部门": ["b"]})).decode("utf-8-sig")
    assert text.splitlines()[0] == "'=指标,部门"
