"""Bad command lines change nothing: each is refused before any worker starts, with exit 2 and one line on
stderr naming the argument, and the output folder is exactly as it was (names, sizes, modification times)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from toolkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"
RUBRIC_FILE = ROOT / "tests" / "fixtures" / "four-groups-rubric.yaml"


def listing(folder: Path) -> list[tuple[str, int, int]]:
    """Every path under `folder` (itself included) with its size and modification time in nanoseconds."""
    paths = [folder, *sorted(folder.rglob("*"))] if folder.exists() else []
    return [(str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in paths]


@pytest.fixture
def out(tmp_path) -> Path:
    """An output folder holding what an earlier run left: an index and a department's result."""
    folder = tmp_path / "outputs"
    (folder / "2022" / "huangpu-zwsj").mkdir(parents=True)
    (folder / "index.html").write_text("<html>上次的目录</html>", encoding="utf-8")
    (folder / "2022" / "huangpu-zwsj" / "result.json").write_text("{}", encoding="utf-8")
    return folder


def _refused(argv: list[str], capsys, watched: Path) -> str:
    """Run the command line; assert exit 2, one line on stderr, `watched` unchanged; return the line."""
    before = listing(watched)
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("错误："), err
    assert listing(watched) == before
    return err[0]


def test_run_of_a_missing_record_file_is_refused(out, capsys, tmp_path):
    line = _refused(["run", str(tmp_path / "nope.yaml"), "-o", str(out), "-q"], capsys, out)
    assert "nope.yaml" in line and "找不到" in line


def test_run_of_a_missing_folder_is_refused(out, capsys, tmp_path):
    line = _refused(["run", str(tmp_path / "missing"), "-o", str(out), "-q"], capsys, out)
    assert "missing" in line and "找不到" in line


def test_run_of_an_empty_folder_is_refused(out, capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    line = _refused(["run", str(tmp_path / "empty"), "-o", str(out), "-q"], capsys, out)
    assert "empty" in line and "没有部门记录" in line


def test_run_with_an_unknown_rubric_blames_the_option(out, capsys):
    line = _refused(["run", str(SEED), "--rubric", "nope", "-o", str(out), "-q"], capsys, out)
    assert line.startswith("错误：--rubric:") and "nope" in line and "gz-dept-overall-2022" in line


@pytest.mark.parametrize("command", ["run", "score"])
def test_a_near_miss_rubric_id_is_blamed_on_the_command_line_with_the_suggestion(command, out, capsys):
    argv = [command, str(SEED), "--rubric", "gz-dept-overal-2022"]
    line = _refused([*argv, "-o", str(out), "-q"] if command == "run" else argv, capsys, out)
    assert line == "错误：--rubric: 未知的评价指标体系 gz-dept-overal-2022；是否要用 gz-dept-overall-2022？"
    assert ":12" not in line  # not the record's `rubric:` line


def test_run_of_a_review_file_is_refused(out, capsys, tmp_path):
    review = tmp_path / "seed.review.yaml"
    review.write_text("adjustments: []\n", encoding="utf-8")
    line = _refused(["run", str(review), "-o", str(out), "-q"], capsys, out)
    assert "复核文件" in line


def test_run_of_a_rubric_file_as_a_record_is_refused(out, capsys):
    line = _refused(["run", str(RUBRIC_FILE), "-o", str(out), "-q"], capsys, out)
    assert "four-groups-rubric.yaml" in line and "评价指标体系文件" in line and "--rubric" in line


def test_run_into_a_file_as_output_folder_is_refused(capsys, tmp_path):
    target = tmp_path / "outputs.txt"
    target.write_text("not a folder", encoding="utf-8")
    line = _refused(["run", str(SEED), "-o", str(target), "-q"], capsys, tmp_path)
    assert line.startswith("错误：-o:") and "不是文件夹" in line


def test_run_into_a_folder_below_a_file_is_refused_and_creates_nothing(capsys, tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    line = _refused(["run", str(SEED), "-o", str(tmp_path / "file" / "out"), "-q"], capsys, tmp_path)
    assert "是文件" in line


def test_every_bad_argument_is_named_at_once(out, capsys, tmp_path):
    before = listing(out)
    assert main(["run", str(tmp_path / "a.yaml"), str(tmp_path / "b"), "--rubric", "nope", "-o", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and "a.yaml" in err[0] and "b" in err[1] and err[2].startswith("错误：--rubric:")
    assert listing(out) == before


def test_score_with_a_missing_record_exits_2_with_one_line(capsys, tmp_path):
    line = _refused(["score", str(tmp_path / "nope.yaml")], capsys, tmp_path)
    assert "nope.yaml" in line


def test_an_abbreviated_option_is_refused_not_taken_for_the_full_one(out, capsys):
    before = listing(out)
    with pytest.raises(SystemExit) as stopped:
        main(["run", str(SEED), "--forc", "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert err.splitlines() == [
        "错误：audit-toolkit：无法识别的参数：--forc（选项不接受缩写）（audit-toolkit -h 查看用法）"
    ]
    assert listing(out) == before


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["score"], "缺少必需的参数：PARAMS.yaml"),
        (["run", "-j", "x"], "-j/--jobs：'x' 不是有效的值（应为整数）"),
        (["frob"], "没有 'frob' 这一项"),
    ],
)
def test_a_command_line_argparse_refuses_is_one_chinese_line(argv, expected, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    lines = capsys.readouterr().err.splitlines()
    assert stopped.value.code == 2 and len(lines) == 1 and expected in lines[0] and "usage" not in lines[0]


def test_a_refused_run_into_a_new_folder_does_not_create_it(capsys, tmp_path):
    target = tmp_path / "new" / "outputs"
    _refused(["run", str(tmp_path / "nope.yaml"), "-o", str(target), "-q"], capsys, tmp_path)
    assert not (tmp_path / "new").exists()


def test_the_shipped_fixture_folder_with_a_rubric_beside_its_records_is_not_refused(tmp_path):
    from toolkit.batch.preflight import check_records

    shutil.copy(RUBRIC_FILE, tmp_path / RUBRIC_FILE.name)
    shutil.copy(SEED, tmp_path / "seed.yaml")
    found = check_records([tmp_path])
    assert found.records == (tmp_path / "seed.yaml",)
    assert len(found.passed_over) == 1 and "评价指标体系文件" in found.passed_over[0]
