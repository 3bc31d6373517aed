"""The `audit-toolkit import` command: folders, exit codes, the summary, one line per problem."""

from __future__ import annotations

import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from test_sources import SEED_TABLE, build_xlsx

from toolkit.cli import main
from toolkit.core.record import load_record


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """A folder of tables: the seed as text and as XLSX, and a file that is no table."""
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "tables"
    src.mkdir()
    shutil.copy(SEED_TABLE, src / "huangpu-zwsj.txt")
    build_xlsx(src / "huangpu-xlsx.xlsx")
    (src / "readme.txt").write_text("这不是自评表\n", encoding="utf-8")
    (src / ".hidden").write_text("ignored", encoding="utf-8")
    return src


def test_import_single_file_writes_a_valid_record(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["import", str(SEED_TABLE), "-o", "out/huangpu.yaml", "--code", "huangpu-zwsj"]) == 0
    record = load_record(tmp_path / "out" / "huangpu.yaml")
    assert record.department.code == "huangpu-zwsj" and record.data.stated_total == Decimal("94.2")
    out = capsys.readouterr().out
    assert "修复 16 处" in out and "第 40 行" in out and "已导入" in out
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temporary file left


def test_folder_imports_each_file_and_one_bad_file_does_not_stop_the_others(folder, capsys):
    assert main(["import", str(folder), "-o", "records", "-q"]) == 1
    written = sorted(p.name for p in Path("records").iterdir())
    assert written == ["huangpu-xlsx-2022.yaml", "huangpu-zwsj-2022.yaml"]
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines() == [
        "错误：tables/readme.txt: 未找到指标表的表头行（应有“一级指标 … 三级指标 … 分值 … 得分”等列名）"
    ]
    assert "共 3 个文件：导入 2 个，失败 1 个。" in captured.out
    assert "Traceback" not in captured.err


def test_nothing_usable_exits_2(folder, capsys):
    assert main(["import", str(folder / "readme.txt"), "-o", "records"]) == 2
    assert main(["import", str(folder / "missing.txt"), "-o", "records"]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_existing_record_is_not_overwritten_without_force(folder, capsys):
    target = Path("records/huangpu-zwsj-2022.yaml")
    target.parent.mkdir()
    target.write_text("# a good record written by hand\n", encoding="utf-8")
    assert main(["import", str(folder / "huangpu-zwsj.txt"), "-o", "records"]) == 2
    assert target.read_text(encoding="utf-8") == "# a good record written by hand\n"
    assert "输出文件已存在，未覆盖（确需覆盖请加 --force）" in capsys.readouterr().err
    assert main(["import", str(folder / "huangpu-zwsj.txt"), "-o", "records", "--force"]) == 0
    assert load_record(target).data.stated_grade == "优"


def test_failed_import_leaves_the_existing_record_untouched(folder):
    target = Path("records/readme-2022.yaml")
    target.parent.mkdir()
    target.write_text("keep\n", encoding="utf-8")
    assert main(["import", str(folder / "readme.txt"), "-o", str(target), "--force"]) == 2
    assert target.read_text(encoding="utf-8") == "keep\n"


@pytest.mark.parametrize(
    "args,message",
    [
        (["-o", "one.yaml"], "输出应为文件夹而不是单个 .yaml 文件"),
        (["--code", "x"], "--code 只能用于导入单个文件"),
    ],
)
def test_options_that_do_not_fit_many_files_are_refused(folder, capsys, args, message):
    assert main(["import", str(folder), *args]) == 2
    assert message in capsys.readouterr().err


def test_invalid_code_is_refused(folder, capsys):
    assert main(["import", str(folder / "huangpu-zwsj.txt"), "--code", "黄埔", "-o", "records"]) == 2
    assert "部门代码“黄埔”只能含英文字母" in capsys.readouterr().err


def test_same_code_twice_in_one_run_is_refused_for_the_second(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        shutil.copy(SEED_TABLE, tmp_path / sub / "dept.txt")
    assert main(["import", "a", "b", "-o", "records", "-q"]) == 1
    assert "与本次导入的 a/dept.txt 同名" in capsys.readouterr().err


def test_import_has_help(capsys):
    with pytest.raises(SystemExit) as done:
        main(["import", "--help"])
    assert done.value.code == 0
    assert "FILE_OR_DIR" in capsys.readouterr().out


def test_installed_command_imports_in_a_real_process(tmp_path):
    command = str(Path(sys.executable).parent / "audit-toolkit")
    (tmp_path / "empty.txt").write_bytes(b"")
    done = subprocess.run(
        [command, "import", str(SEED_TABLE), str(tmp_path / "empty.txt"), "-o", str(tmp_path / "out"), "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "错误：empty.txt: 文件为空，应为部门整体支出绩效自评表（TSV、CSV、XLSX 或 HTML）"
    ]
    assert load_record(tmp_path / "out" / "000_0ab128b708fd7b30-2022.yaml").data.stated_grade == "优"
