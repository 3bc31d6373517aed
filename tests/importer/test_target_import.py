"""Importing the real target-versus-actual tables: the family found, and records that score as the hand ones."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console
from test_sources import SEED_TABLE

from toolkit.cli import main
from toolkit.core.problems import InputError
from toolkit.core.record import load_record, parse_record
from toolkit.core.scoring import score
from toolkit.importer import detect, import_file, import_tables, read_grid
from toolkit.importer.batch import exit_code, import_all, report
from toolkit.importer.writer import dump

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REAL = FIXTURES / "real"
HAND = FIXTURES / "records"
ROW_FIELDS = ("path", "name", "target", "actual", "weight", "self_score", "placeholder")

# real table -> the hand-written records of its tables, in order, and the frame the table is of
TABLES = {
    "02_anhui-guichi-tangxi-entrusted-project-2022.tsv": (["02-anhui-guichi-wtyw-2022.yaml"], "mof-project-2020"),
    "04_anhui-jinzhai-village-centre-dept-overall-2023.tsv": (
        ["04-anhui-jinzhai-village-2023.yaml"],
        "mof-department-2020",
    ),
    "06_sichuan-qingshen-ndrc-wages-project-2023.tsv": (
        ["06-sichuan-qingshen-wages-2023.yaml"],
        "sichuan-project-2023",
    ),
    "07_sichuan-daying-justice-anke-project-2023.tsv": (
        ["07a-sichuan-daying-fragment-2023.yaml", "07b-sichuan-daying-anke-2023.yaml"],
        "sichuan-project-2023",
    ),
    "13_hubei-huanggang-soil-conservation-monitoring-project-2020.tsv": (
        ["13-hubei-huanggang-soil-2020.yaml"],
        "hubei-project-2020",
    ),
}
SCORE_SHEETS = [
    "10_sichuan-dazhou-nyj-dept-overall-rubric-template.tsv",
    "12_unnamed-dept-overall-rubric-with-evidence-2018.tsv",
    "14_guangdong-zhanjiang-self-evaluation-quality-rubric.tsv",
]


def _scored(data: dict, where: str):
    return score(parse_record(data, where))


def _rows(data: dict) -> list[dict]:
    return [
        {k: str(r[k]) if k in ("weight", "self_score") else r[k] for k in ROW_FIELDS if k in r}
        for r in data["indicators"]
    ]


def _hand_pairs() -> list:
    return [
        pytest.param(table, n, name, id=name.removesuffix(".yaml"))
        for table, (records, _) in TABLES.items()
        for n, name in enumerate(records)
    ]


@pytest.mark.parametrize("table,frame", [(t, f) for t, (_, f) in TABLES.items()])
def test_family_detection_picks_the_frame_of_each_real_table(table, frame):
    found = detect(read_grid(REAL / table))
    assert found.chosen is not None and found.chosen.rubric == frame


def test_family_detection_picks_the_guangzhou_rubric_for_the_seed():
    found = detect(read_grid(SEED_TABLE))
    assert found.chosen is not None and found.chosen.rubric == "gz-dept-overall-2022"


@pytest.mark.parametrize("table", SCORE_SHEETS)
def test_family_detection_finds_score_sheets_without_a_rubric(table):
    found = detect(read_grid(REAL / table))
    assert found.chosen is not None and found.chosen.rubric is None


@pytest.mark.parametrize("table,n,hand", _hand_pairs())
def test_import_scores_as_the_hand_written_record(table, n, hand):
    imported = import_tables(REAL / table)[n]
    expected = score(load_record(HAND / hand))
    got = _scored(imported.data, str(REAL / table))
    assert (got.total, got.recomputed_total) == (expected.total, expected.recomputed_total)
    assert Counter(f.code for f in got.findings) == Counter(f.code for f in expected.findings)


@pytest.mark.parametrize("table,n,hand", _hand_pairs())
def test_import_reads_the_same_rows_as_the_hand_written_record(table, n, hand):
    imported = import_tables(REAL / table)[n]
    hand_data = load_record(HAND / hand)
    assert imported.data["rubric"] == hand_data.data.rubric and imported.data["year"] == hand_data.year
    assert imported.data["kind"] == hand_data.data.kind
    want = [
        {k: str(v) if k in ("weight", "self_score") else (list(v) if k == "path" else v) for k, v in row.items()}
        for row in (r.model_dump(include=set(ROW_FIELDS), exclude_defaults=True) for r in hand_data.data.rows)
    ]
    assert _rows(imported.data) == want


@pytest.mark.parametrize("table,n,hand", _hand_pairs())
def test_import_reads_the_same_header_budget_and_texts(table, n, hand):
    data = import_tables(REAL / table)[n].data
    hand_data = load_record(HAND / hand).data
    shown = hand_data.department
    assert (data["department"].get("supervisor"), data["department"].get("implementer")) == (
        shown.supervisor,
        shown.implementer,
    )
    assert tuple(data["goals"]) == hand_data.goals and tuple(data["completions"]) == hand_data.completions
    execution = parse_record(data, "x").data.execution
    assert execution == hand_data.execution
    assert parse_record(data, "x").data.evaluation == hand_data.evaluation
    assert bool(data.get("incomplete")) == bool(hand_data.incomplete)
    assert data.get("stated_total_is_weight", False) == hand_data.stated_total_is_weight


def test_a_file_of_two_tables_imports_as_two_records_with_lettered_codes():
    first, second = import_tables(REAL / "07_sichuan-daying-justice-anke-project-2023.tsv", code="daying")
    assert (first.code, second.code) == ("daying-a", "daying-b")
    assert first.data["department"]["name"] == "大英县司法局项目（片段A，项目名称未见）"
    assert "表头" in first.data["incomplete"] and "截断" in second.data["incomplete"]
    assert import_file(REAL / "07_sichuan-daying-justice-anke-project-2023.tsv", code="daying").code == "daying-a"


def test_repairs_say_which_frame_was_chosen_and_why():
    imported = import_file(REAL / "06_sichuan-qingshen-ndrc-wages-project-2023.tsv")
    first = str(imported.repairs[0])
    assert "四川省部门预算项目支出绩效自评表" in first and "sichuan-project-2023" in first and "指标性质" in first


def test_rubric_given_overrides_the_family_found():
    imported = import_file(REAL / "06_sichuan-qingshen-ndrc-wages-project-2023.tsv", "hubei-project-2020")
    assert imported.data["rubric"] == "hubei-project-2020"
    assert "按指定的评价框架 hubei-project-2020 导入" in str(imported.repairs[0])


def test_traditional_characters_are_kept_as_published():
    data = import_file(REAL / "13_hubei-huanggang-soil-conservation-monitoring-project-2020.tsv").data
    assert data["department"]["name"] == "水土保持監測"
    assert data["indicators"][0]["path"] == ["產出指標", "質量指標"]
    assert "推定" in data["indicators"][3]["source"]  # the weight 20 of 整編資料審核 is inferred


def test_the_seed_imports_exactly_as_under_its_rubric():
    detected, given = (
        import_file(SEED_TABLE, code="huangpu"),
        import_file(SEED_TABLE, "gz-dept-overall-2022", "huangpu"),
    )
    assert dump(detected) == dump(given)
    assert detected.repairs == given.repairs and len(detected.repairs) == 16


def test_a_table_of_no_family_names_every_family_tried(tmp_path):
    table = tmp_path / "odd.tsv"
    table.write_text(
        "项目支出绩效自评表\n项目名称\t某项目\n年初预算数\t全年预算数\t全年执行数\n1\t1\t1\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as failed:
        import_file(table)
    message = str(failed.value.problems[0])
    assert "已尝试 5 类" in message and "广州式固定指标体系" in message and "未见“年度指标值”“实际完成值”列" in message
    assert "--rubric" not in message


def _batch(tmp_path: Path, *names: str) -> tuple[int, str, str]:
    out, err = Console(record=True, width=400), Console(record=True, width=400)
    outcomes = import_all([str(REAL / n) for n in names], tmp_path / "records", None)
    report(outcomes, out, err, quiet=True)
    return exit_code(outcomes), out.export_text(), err.export_text()


def test_batch_without_a_rubric_writes_every_table_as_a_valid_record(tmp_path):
    code, out, _ = _batch(tmp_path, *TABLES)
    assert code == 0 and "共 5 个文件" not in out  # 07 gives two records: six lines
    written = sorted(p.name for p in (tmp_path / "records").iterdir())
    assert len(written) == 6 and "07_sichuan-daying-justice-anke-project-2023-a-2023.yaml" in written
    for path in (tmp_path / "records").iterdir():
        assert load_record(path).data.rubric in {f for _, f in TABLES.values()}


@pytest.mark.parametrize("table", SCORE_SHEETS)
def test_batch_score_sheet_gets_one_line_saying_to_run_rubric_infer(tmp_path, table):
    code, _, err = _batch(tmp_path, table)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "audit-toolkit rubric infer" in lines[0]


@pytest.mark.parametrize("table", SCORE_SHEETS)
def test_cli_score_sheet_exits_2_saying_to_run_rubric_infer(tmp_path, monkeypatch, capsys, table):
    monkeypatch.chdir(tmp_path)
    assert main(["import", str(REAL / table), "-o", "records"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "audit-toolkit rubric infer" in lines[0]


def test_cli_imports_a_real_table_under_the_frame_it_finds(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copy(REAL / "06_sichuan-qingshen-ndrc-wages-project-2023.tsv", tmp_path / "qingshen.tsv")
    assert main(["import", "qingshen.tsv", "-o", "records"]) == 0
    assert load_record(tmp_path / "records" / "qingshen-2023.yaml").data.rubric == "sichuan-project-2023"
    assert "表格识别为四川省部门预算项目支出绩效自评表" in capsys.readouterr().out


def test_cli_with_a_frame_given_imports_a_real_table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    table = REAL / "02_anhui-guichi-tangxi-entrusted-project-2022.tsv"
    assert main(["import", str(table), "-o", "r.yaml", "--code", "guichi", "--rubric", "mof-project-2020"]) == 0
    assert load_record(tmp_path / "r.yaml").department.supervisor == "池州市贵池区棠溪镇人民政府"
