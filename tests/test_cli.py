"""The `audit-toolkit` command: the JSON contract, exit codes, one clear stderr line per bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"
FIXTURES = Path(__file__).parent / "fixtures"
SEED_TEXT = SEED.read_text("utf-8")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_score_json_contract(capsys):
    code, out, err = run(capsys, "score", SEED, "--json")
    data = json.loads(out)
    assert code == 0 and err == ""
    assert {
        "department",
        "year",
        "rubric",
        "total",
        "stated_total",
        "grade",
        "groups",
        "indicators",
        "findings",
    } <= set(data)
    assert data["department"] == "广州市黄埔区政务服务数据管理局（广州开发区行政审批局）" and data["year"] == 2022
    assert (data["rubric"], data["total"], data["stated_total"], data["grade"]) == (
        "gz-dept-overall-2022",
        94.2,
        94.2,
        "优",
    )
    assert [(g["name"], g["weight"], g["score"]) for g in data["groups"]] == [
        ("履职效能", 50, 46.38),
        ("管理效率", 50, 47.82),
    ]
    assert len(data["indicators"]) == 26
    for ind in data["indicators"]:
        assert {"id", "name", "level1", "level2", "weight", "self_score", "recomputed_score"} <= set(ind)
    contracts = next(i for i in data["indicators"] if i["id"] == "合同备案时效性")
    assert (
        contracts["level1"],
        contracts["level2"],
        contracts["weight"],
        contracts["self_score"],
        contracts["recomputed_score"],
    ) == ("管理效率", "采购管理", 1, 0.82, 0.82)
    for f in data["findings"]:
        assert set(f) == {"code", "severity", "indicator", "message"}
    assert {f["code"] for f in data["findings"]} >= {
        "BUDGET_SUM_MISMATCH",
        "ROUNDING_DIFFERENCE",
        "TRUNCATED_TEXT",
        "UNNAMED_INDICATOR",
    }


def test_score_table_in_chinese(capsys):
    code, out, _ = run(capsys, "score", SEED)
    assert code == 0
    assert "总分 94.20，等级 优" in out and "履职效能 46.38/50" in out and "BUDGET_SUM_MISMATCH" in out


def test_strict_passes_when_only_warnings(capsys):
    assert run(capsys, "score", SEED, "--strict")[0] == 0


@pytest.fixture
def write(tmp_path):
    def make(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    return make


def test_findings_exit_zero_and_strict_exits_one_on_error(capsys, write):
    path = write("total.yaml", SEED_TEXT.replace("stated_total: 94.2 ", "stated_total: 96 "))
    code, out, _ = run(capsys, "score", path, "--json")
    assert code == 0 and "TOTAL_MISMATCH" in {f["code"] for f in json.loads(out)["findings"]}
    assert run(capsys, "score", path, "--strict")[0] == 1


def test_more_decimals_than_allowed_is_a_finding_not_unusable_input(capsys, write):
    path = write("precision.yaml", SEED_TEXT.replace("self_score: 19\n", "self_score: 18.995\n"))
    code, out, _ = run(capsys, "score", path, "--json")
    assert code == 0 and "SCORE_PRECISION" in {f["code"] for f in json.loads(out)["findings"]}


BAD_INPUTS = {
    "malformed": (
        "bad.yaml",
        SEED_TEXT.replace("  code: huangpu-zwsj", "   code: huangpu-zwsj: x"),
        "YAML 格式错误",
        "bad.yaml:9:",
    ),
    "empty": ("empty.yaml", "", "文件为空", None),
    "binary": ("binary.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "不是文本文件", None),
    "unknown rubric": (
        "rubric.yaml",
        SEED_TEXT.replace("rubric: gz-dept-overall-2022", "rubric: gz-dept-overall-2099"),
        "rubric: 无法加载评价指标体系 gz-dept-overall-2099",
        None,
    ),
    "unknown indicator": (
        "indicator.yaml",
        SEED_TEXT.replace("  数据质量:\n", "  数据治理:\n"),
        "indicators.数据治理: ",
        None,
    ),
    "not utf-8": ("gbk.yaml", SEED_TEXT.encode("gbk", errors="replace"), "不是 UTF-8 编码", None),
    "top level not a mapping": ("list.yaml", "- 1\n- 2\n", "顶层应为键值映射", None),
    "duplicate indicator": (
        "dup.yaml",
        SEED_TEXT.replace("  数据质量:\n", "  资产盘点情况:\n"),
        "“资产盘点情况” 重复",
        None,
    ),
    "missing field": ("missing.yaml", SEED_TEXT.replace("year: 2022\n", ""), "year: 缺少必填字段", None),
    "non-numeric score": (
        "nonnum.yaml",
        SEED_TEXT.replace("self_score: 19\n", "self_score: 九\n"),
        "indicators.部门整体绩效目标产出指标完成情况.self_score: 应为数字，实际为 '九'",
        None,
    ),
    "negative score": (
        "negative.yaml",
        SEED_TEXT.replace("self_score: 19\n", "self_score: -1\n"),
        "indicators.部门整体绩效目标产出指标完成情况.self_score: 应不小于 0，实际为 -1",
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_unusable_input_exits_2_with_one_clear_line(capsys, write, case):
    name, content, expected, where = BAD_INPUTS[case]
    path = write(name, content)
    code, out, err = run(capsys, "score", path)
    lines = err.strip().splitlines()
    assert code == 2 and out == ""
    assert len(lines) == 1, lines
    assert lines[0].startswith("错误：") and name in lines[0] and expected in lines[0]
    assert where is None or where in lines[0]
    assert "Traceback" not in err


def test_missing_file_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "score", tmp_path / "nowhere.yaml")
    assert code == 2 and "nowhere.yaml: 找不到部门自评记录文件" in err


def test_several_problems_one_line_each(capsys, write):
    path = write("two.yaml", SEED_TEXT.replace("self_score: 19\n", "self_score: 九\n").replace("year: 2022\n", ""))
    code, _, err = run(capsys, "score", path)
    assert code == 2 and len(err.strip().splitlines()) == 2


def test_rubric_show_tree(capsys):
    code, out, _ = run(capsys, "rubric", "show")
    assert code == 0
    assert "gz-dept-overall-2022" in out and "合同备案时效性" in out and "（原表未列名称）" in out and "优 ≥ 90" in out


def test_rubric_show_yaml_is_the_canonical_declaration(capsys, tmp_path):
    code, out, _ = run(capsys, "rubric", "show", "gz-dept-overall-2022", "--yaml")
    assert code == 0 and out.startswith("schema: audit-toolkit/rubric\n")
    dumped = tmp_path / "dumped.yaml"
    dumped.write_text(out, encoding="utf-8")
    assert run(capsys, "rubric", "validate", dumped)[0] == 0


def test_rubric_show_a_file(capsys):
    code, out, _ = run(capsys, "rubric", "show", FIXTURES / "four-groups-rubric.yaml")
    assert code == 0 and "test-four-groups" in out and "效果" in out


def test_rubric_show_unknown_id_exits_2(capsys):
    code, _, err = run(capsys, "rubric", "show", "no-such-rubric")
    assert code == 2 and "no-such-rubric" in err and "未知的评价指标体系" in err


def test_rubric_validate_good_file(capsys):
    code, out, _ = run(capsys, "rubric", "validate", FIXTURES / "four-groups-rubric.yaml")
    assert code == 0 and out.startswith("有效：test-four-groups") and "9 项末级指标" in out


def test_rubric_validate_bad_file_lists_every_problem(capsys):
    code, out, err = run(capsys, "rubric", "validate", FIXTURES / "bad-rubric.yaml")
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and len(lines) == 8
    assert all("bad-rubric.yaml:" in line for line in lines)


def _commands(parser, prefix=()):
    for action in parser._actions:
        if action.__class__.__name__ == "_SubParsersAction":
            for name, sub in action.choices.items():
                yield prefix + (name,)
                yield from _commands(sub, prefix + (name,))


@pytest.mark.parametrize("command", [(), *_commands(build_parser())], ids=lambda c: " ".join(c) or "audit-toolkit")
def test_every_command_has_help(capsys, command):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0 and out.startswith("usage: audit-toolkit")


def test_installed_command_runs_in_a_real_process():
    done = subprocess.run(
        [str(Path(sys.executable).parent / "audit-toolkit"), "score", str(SEED), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] == 94.2


def test_installed_command_reports_bad_input_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicators: [1, 2\n", encoding="utf-8")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "audit-toolkit"), "score", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "bad.yaml:2: YAML 格式错误" in done.stderr and "未闭合的结构始于第 1 行" in done.stderr


def test_version_is_the_installed_package_version_and_costs_no_metadata_lookup():
    """pyproject.toml takes the version from toolkit/__init__.py, so the two agree without asking the metadata."""
    from importlib import metadata

    probe = "import sys, toolkit; print(toolkit.__version__, 'importlib.metadata' in sys.modules)"
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert shown == [metadata.version("audit-toolkit"), "False"]
