"""Terminal output: text from records reaches the terminal as plain characters (no rich markup, no escape
sequences), names are cut in the middle keeping their end, and the status table fits the terminal's width."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from toolkit.batch.notebook import Kind, Status
from toolkit.batch.planning import Outcome
from toolkit.core.record import load_record
from toolkit.report.console import run_table, score_table
from toolkit.report.terminal import cut, safe
from toolkit.review.apply import audit

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "[bold red]x[/]\x1b]0;pwned\x07\x1b]8;;http://evil\x07link\x1b]8;;\x07\x1b[2J\x9b31m"


def _console(width: int = 80) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=width, force_terminal=True, color_system="standard", highlight=False), buffer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1b]0;pwned\x07局", "局"),
        ("\x1b]8;;http://evil\x07link\x1b]8;;\x07", "link"),
        ("a\x1b[2Jb", "ab"),
        ("a\x1b]0;title\x1b\\b", "ab"),
        ("行一\n行二\t", "行一 行二 "),
        ("\x00\x7f\x85", "   "),
    ],
)
def test_safe_drops_escape_sequences_and_blanks_control_characters(text, expected):
    assert safe(text) == expected


def test_cut_keeps_the_distinctive_end_of_a_name():
    assert cut("示例市白石区农业农村局", 22) == "示例市白石区农业农村局"
    cut_name = cut("示例市白石区农业农村局", 17)
    assert cell_len(cut_name) <= 17 and cut_name.startswith("示例") and cut_name.endswith("农业农村局")
    assert cut("部门整体绩效目标产出指标完成情况", 22, 1 / 4).endswith("产出指标完成情况")


def test_run_table_prints_names_with_markup_and_escapes_as_plain_text():
    console, buffer = _console()
    outcome = Outcome("a.yaml", Status.DONE, f"说明{HOSTILE}", department=f"部门{HOSTILE}", year=2022, total=90)
    run_table([outcome], Path("/tmp/out"), console)
    text = buffer.getvalue()
    assert "[bold red]x[/]" in text  # shown as written, not as red bold
    assert "pwned" not in text and "http://evil" not in text and "\x1b]" not in text and "\x1b[2J" not in text
    assert "\x9b" not in text


def test_score_table_prints_names_with_markup_and_escapes_as_plain_text(tmp_path):
    record = tmp_path / "r.yaml"
    source = (ROOT / "params" / "huangpu-zwsj-2022.yaml").read_text(encoding="utf-8")
    name = "广州市黄埔区政务服务数据管理局（广州开发区行政审批局）"
    assert name in source
    hostile = HOSTILE.replace("\x1b", "\\e").replace("\x07", "\\a").replace("\x9b", "\\x9b")
    record.write_text(source.replace(name, f'"局{hostile}"', 1), encoding="utf-8")
    result = audit(load_record(record))
    assert "\x1b" in result.department  # the record really carries the sequences
    console, buffer = _console()
    score_table(result, console)
    text = buffer.getvalue()
    assert "局[bold red]x[/]link" in text
    assert "pwned" not in text and "http://evil" not in text and "\x1b]" not in text and "\x1b[2J" not in text


def test_run_table_rows_fit_80_columns_and_messages_go_on_their_own_line():
    console, buffer = _console()
    long_name = "广州市黄埔区政务服务数据管理局（广州开发区行政审批局）" * 2
    outcomes = [
        Outcome("a", Status.DONE, "4 项复核发现，其中错误 2 项", department=long_name, year=2022, total=45.32),
        Outcome("b", Status.SKIPPED, "输入未变化", department="示例市白石区农业农村局", year=2022, total=94.2),
        Outcome("s", Status.FAILED, "汇总失败：" + "很长的原因" * 20, department="2022 年度汇总", kind=Kind.SUMMARY),
    ]
    run_table(outcomes, Path("/tmp/out"), console)
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in buffer.getvalue().splitlines()]
    assert all(cell_len(line) <= 80 for line in plain)
    first = next(line for line in plain if "45.32" in line)
    assert "2022" in first and "完成" in first and first.split()[0].endswith("行政审批局）")
    assert any(line.startswith("    4 项复核发现") for line in plain)
    assert next(line for line in plain if "94.2" in line).split()[-1] == "跳过"
    footer = "".join(line for line in plain if line.startswith("目录页") or line.endswith("失败"))
    assert "".join(plain).count("输入未变化") == 1 and "1 项输入未变化" in footer


def test_import_table_fits_80_columns_with_the_record_and_problems_below_their_row(tmp_path):
    from toolkit.importer.batch import import_all
    from toolkit.report.console import import_table

    good = tmp_path / "000_0ab128b708fd7b30.txt"
    shutil.copyfile(ROOT / "tests" / "fixtures" / "import" / good.name, good)
    bad = tmp_path / "空表.csv"
    bad.write_text("", encoding="utf-8")
    outcomes = import_all([str(good), str(bad)], tmp_path / "out")
    assert [o.status for o in outcomes] == ["imported", "failed"]
    console, buffer = _console()
    import_table(outcomes, console)
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in buffer.getvalue().splitlines()]
    assert all(cell_len(line) <= 80 for line in plain)
    assert plain[1].split() == ["文件", "部门", "年度", "填报总分", "修复", "结果"]
    row = next(line for line in plain if line.startswith("000_0ab128b708fd7b30"))
    assert row.split()[-1] == "已导入" and plain[plain.index(row) + 1].startswith("    → ")
    assert next(line for line in plain if line.startswith("空表.csv")).split()[-1] == "失败"
