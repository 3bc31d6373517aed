"""A region's own score sheet: `rubric infer` → `import --rubric` → `score` / `run` (issue 13).

Of the real rubric-style tables (tests/fixtures/real/README.md) only table 10's department sheet is complete:
27 indicators that add up level by level, 部门特性指标 under 履职成效 (20) left for the department, and no
score at all (an unfilled template, no department name, no year). Tables 12 and 14 are cut and infer only with
`--allow-partial`. `score-sheets/dazhou-dept-filled-示例.tsv` is table 10's sheet filled in by hand (fictional).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from toolkit.cli import main
from toolkit.core.record import load_record
from toolkit.core.rubric import load_rubric
from toolkit.review.apply import audit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
T10 = FIXTURES / "real" / "10_sichuan-dazhou-nyj-dept-overall-rubric-template.tsv"
T12 = FIXTURES / "real" / "12_unnamed-dept-overall-rubric-with-evidence-2018.tsv"
T14 = FIXTURES / "real" / "14_guangdong-zhanjiang-self-evaluation-quality-rubric.tsv"
FILLED = FIXTURES / "score-sheets" / "dazhou-dept-filled-示例.tsv"
D = Decimal


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def inferred(capsys, tmp_path: Path, table: Path, *extra: str) -> Path:
    rubric = tmp_path / f"{table.stem[:2]}-rubric.yaml"
    assert cli(capsys, "rubric", "infer", table, "-o", rubric, *extra)[0] == 0
    return rubric


def codes(result) -> list[tuple[str, str | None]]:
    return sorted((f.code, f.indicator) for f in result.findings)


def test_the_unfilled_template_10_imports_saying_it_has_no_scores(capsys, tmp_path):
    rubric = inferred(capsys, tmp_path, T10)
    out = tmp_path / "params"
    argv = ("import", T10, "--rubric", rubric, "-o", out, "--name", "达州市农业农村局（示例）", "--code", "dazhou-nyj")
    code, stdout, _ = cli(capsys, *argv, "--year", "2023")
    assert code == 0 and "原表没有任何自评得分" in stdout and "未作任何推测" in stdout
    written = out / "dazhou-nyj-2023.yaml"
    data = yaml.safe_load(written.read_text("utf-8"))
    assert data["department"] == {"name": "达州市农业农村局（示例）", "code": "dazhou-nyj"}
    assert data["indicators"] == [] and "budget" not in data and "execution" not in data  # no score invented
    assert data["rubric"] == "../10-rubric.yaml"  # the record names its rubric file, relative to itself
    result = audit(load_record(written))
    # README, table 10: no scores (every one of the 27 indicators missing, at 0); the weight tree validates (no
    # weight finding but the open group); 部门特性指标 still to be supplied (履职成效: 20 in the sheet, 0 given).
    leaves = [i.id for i in load_rubric(rubric).indicators]
    assert len(leaves) == 27
    assert codes(result) == sorted(
        [("MISSING_INDICATOR", i) for i in leaves]
        + [("FRAME_WEIGHT_MISMATCH", "履职成效"), ("STATED_TOTAL_MISSING", None)]
    )
    assert result.total == 0


def test_a_template_without_name_or_year_asks_for_them(capsys, tmp_path):
    rubric = inferred(capsys, tmp_path, T10)
    code, _, err = cli(capsys, "import", T10, "--rubric", rubric, "-o", tmp_path / "params")
    assert code == 2 and "请用 --name 指定" in err and "请用 --year 指定" in err
    assert not (tmp_path / "params").exists() or list((tmp_path / "params").iterdir()) == []


def test_a_filled_sheet_brings_scores_reasons_and_the_departments_own_indicators(capsys, tmp_path):
    rubric = inferred(capsys, tmp_path, T10)  # the rubric of the template, the sheet a department filled in
    code, stdout, _ = cli(capsys, "import", FILLED, "--rubric", rubric, "-o", tmp_path, "--code", "dazhou-demo")
    assert code == 0 and "第 22 行：“绩效信息公开”没有自评得分" in stdout
    record = load_record(tmp_path / "dazhou-demo-2023.yaml")  # name and year from the sheet's caption and title
    assert record.department.name == "达州市农业农村局（示例）" and record.year == 2023
    entries = record.data.indicators
    assert entries["明确性"].self_score == 4 and entries["明确性"].reason == "绩效目标未细化量化，扣1分"
    assert "绩效信息公开" not in entries  # its 得分 is blank: left out, never guessed
    own = [i for i in record.rubric.indicators if i.groups[-1].id == "履职成效"]
    assert [(i.label, i.weight, entries[i.id].self_score) for i in own] == [
        ("粮食播种面积", 8, 8),
        ("高标准农田建设", 6, 5),
        ("农产品质量安全抽检合格率", 6, 6),
    ]
    result = audit(record)
    # 100 − 1 (明确性) − 0.5 (预算执行进度监控) − 2 (绩效信息公开, blank) − 1 (高标准农田建设) − 1 (科技创新) = 94.5
    assert result.total == D("94.5") and result.grade == "优"
    assert ("MISSING_INDICATOR", "绩效信息公开") in codes(result)
    assert not [f for f in result.findings if f.code == "FRAME_WEIGHT_MISMATCH"]  # 8 + 6 + 6 = 20


@pytest.mark.parametrize(
    ("table", "scores", "missing", "said"),
    [
        # 12: the 得分 beside each level are weights, the last 得分 the scores: 8, 0, 8; 预算控制率 is cut.
        (
            T12,
            {"在职人员控制率": 8, "三公经费变动率": 0, "预算完成率": 8},
            "预算控制率",
            "第 26 行：“预算控制率”没有自评得分",
        ),
        # 14: the score stands in the 扣分原因 column, the 得分 column blank; 目标设置合理性 is cut.
        (
            T14,
            {"组织建立情况": 8, "自评材料报送及时性": 5, "自评材料报送质量": 5, "绩效目标申报情况": 6},
            "目标设置合理性",
            "按得分读取（原表栏位错开）",
        ),
    ],
)
def test_a_cut_sheet_imports_what_it_shows_under_its_partial_rubric(capsys, tmp_path, table, scores, missing, said):
    rubric = inferred(capsys, tmp_path, table, "--allow-partial")
    argv = (
        "import",
        table,
        "--rubric",
        rubric,
        "-o",
        tmp_path / "r.yaml",
        "--name",
        "某单位（示例）",
        "--year",
        "2018",
    )
    code, stdout, _ = cli(capsys, *argv)
    assert code == 0 and said in stdout
    record = load_record(tmp_path / "r.yaml")
    assert {k: e.self_score for k, e in record.data.indicators.items()} == scores
    assert ("MISSING_INDICATOR", missing) in codes(audit(record))


def test_sheet_12_keeps_the_arithmetic_of_a_deduction_as_its_reason_and_recomputes_from_its_rate(capsys, tmp_path):
    rubric = inferred(capsys, tmp_path, T12, "--allow-partial")
    argv = ("import", T12, "--rubric", rubric, "-o", tmp_path / "r.yaml", "--name", "某部门（示例）", "--year", "2018")
    assert cli(capsys, *argv)[0] == 0
    entries = load_record(tmp_path / "r.yaml").data.indicators
    assert "(63.46-32)÷32=98.31%" in (entries["三公经费变动率"].reason or "")  # scored 0 of 8: the reason is kept
    # and its one rate is the value the rule is applied to: 8 − 98.31 × 0.8 is below 0, so 0, as the sheet says
    assert entries["三公经费变动率"].evidence["value"] == D("98.31")
    result = audit(load_record(tmp_path / "r.yaml"))
    [scored] = [i for i in result.indicators if i.id == "三公经费变动率"]
    assert scored.recomputed_score == 0 and not [
        f for f in result.findings if f.indicator == "三公经费变动率" and f.code != "DEDUCTION_WITHOUT_MEASURE"
    ]
    assert entries["在职人员控制率"].reason is None  # full marks: the 指标说明 stays the rubric's explanation


def test_sheet_12_budget_control_rate_of_39_94_percent_scores_0_under_its_own_bands(capsys, tmp_path):
    """README, table 12: 预算控制率 = 767.86 / 1922.76 = 39.94% > 30%, which its standard scores 不得分. The bands
    (=0 计8分 … 大于30%不得分) are read as tiers by upper bounds; the sheet's own score is cut off, so the
    figure and a self score of 8 are supplied here, as an auditor completing the record would."""
    rubric = inferred(capsys, tmp_path, T12, "--allow-partial")
    record = tmp_path / "r.yaml"
    argv = ("import", T12, "--rubric", rubric, "-o", record, "--name", "某部门（示例）", "--year", "2018")
    assert cli(capsys, *argv)[0] == 0
    data = yaml.safe_load(record.read_text("utf-8"))
    rate = (D("767.86") / D("1922.76") * 100).quantize(D("0.01"))  # the 指标说明's own figures
    data["indicators"]["预算控制率"] = {"self_score": 8, "evidence": {"value": float(rate)}}
    record.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    [mismatch] = [f for f in audit(load_record(record)).findings if f.code == "RECOMPUTED_MISMATCH"]
    assert mismatch.indicator == "预算控制率" and "39.94 高于最高档 30.00，得 0 分" in mismatch.message
    assert "自评 8.00，相差 8.00" in mismatch.message


def test_rows_the_rubric_does_not_have_are_each_named(capsys, tmp_path):
    rubric = inferred(capsys, tmp_path, T14, "--allow-partial")
    code, _, err = cli(capsys, "import", FILLED, "--rubric", rubric, "-o", tmp_path / "r.yaml")
    assert code == 2 and "没有评价指标体系" in err and not (tmp_path / "r.yaml").exists()


def test_run_names_the_inferred_rubric_in_the_reports_provenance(capsys, tmp_path):
    rubric = inferred(capsys, tmp_path, T10)
    params, out = tmp_path / "params", tmp_path / "out"
    argv = (
        "import",
        T10,
        "--rubric",
        rubric,
        "-o",
        params,
        "--name",
        "达州市农业农村局（示例）",
        "--code",
        "dazhou-nyj",
    )
    assert cli(capsys, *argv, "--year", "2023")[0] == 0
    code, _, _ = cli(capsys, "run", params / "dazhou-nyj-2023.yaml", "--rubric", rubric, "-o", out, "-j", "1", "-q")
    loaded = load_rubric(rubric)
    assert code == 0
    provenance = json.loads((out / "2023" / "dazhou-nyj" / "result.json").read_text("utf-8"))["provenance"]
    assert (provenance["rubric"], provenance["rubric_version"]) == (loaded.id, loaded.version)
    assert provenance["rubric_sha256"] == loaded.sha256
    html = (out / "2023" / "dazhou-nyj" / "audit.html").read_text("utf-8")
    footer = html[html.rindex("<footer") :]
    # The footer names the rubric, its version and the start of its SHA-256.
    assert f"评价指标体系 {loaded.id}（版本 {loaded.version}，SHA-256 {loaded.sha256[:16]}）" in footer


def test_name_is_refused_where_the_table_names_its_department(capsys, tmp_path):
    seed = FIXTURES / "import" / "000_0ab128b708fd7b30.txt"
    code, _, err = cli(capsys, "import", seed, "-o", tmp_path, "--name", "别的部门")
    assert code == 2 and "--name 仅用于地区自有评分表" in err and list(tmp_path.iterdir()) == []


def test_a_row_left_without_a_score_in_the_record_is_named_score_missing(capsys, tmp_path):
    rubric = inferred(capsys, tmp_path, T10)
    assert cli(capsys, "import", FILLED, "--rubric", rubric, "-o", tmp_path, "--code", "dazhou-demo")[0] == 0
    written = tmp_path / "dazhou-demo-2023.yaml"
    data = yaml.safe_load(written.read_text("utf-8"))
    rows = data["indicators"]
    blank = next(r for r in (rows if isinstance(rows, list) else rows.values()) if r.get("self_score") == 4)
    blank["self_score"] = None  # a judgement row (明确性, 4 of 5) whose score the auditor's copy left blank
    written.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    result = audit(load_record(written))
    missing = [f for f in result.findings if f.code == "SCORE_MISSING"]
    assert [f.indicator for f in missing] == ["明确性"] and "按 0 分计" in missing[0].message
