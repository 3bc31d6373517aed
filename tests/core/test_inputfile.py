"""Input files are regular files of bounded size: a device, a FIFO or a folder given as a record, review or rubric
is refused with one Chinese line naming it, before anything is read and without waiting for a writer."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.cli import main
from toolkit.core.inputfile import read_input
from toolkit.core.problems import InputError

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"
COMMAND = Path(sys.executable).parent / "audit-toolkit"


class Blocked(BaseException):
    """The call was still waiting when the alarm rang (a BaseException: the CLI must not turn it into exit 3)."""


def _ring(signum: int, frame: object) -> None:
    raise Blocked


def bounded_main(argv: list[str], seconds: int = 20) -> int:
    """main(argv), interrupted if it blocks (opening a FIFO with no writer blocks forever)."""
    previous = signal.signal(signal.SIGALRM, _ring)
    signal.alarm(seconds)
    try:
        return main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "dept.yaml"
    os.mkfifo(path)
    return path


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def _limit_memory() -> None:
    # Reading /dev/zero to the end would take all the memory there is: a gigabyte makes the old behaviour
    # fail fast (MemoryError, exit 3) rather than slow the machine down.
    resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))


def bounded_command(*args: str) -> tuple[int, str]:
    """(exit code, stderr) of the installed command, in its own process with a gigabyte of memory at most."""
    done = subprocess.run([str(COMMAND), *args], capture_output=True, text=True, timeout=120, preexec_fn=_limit_memory)
    assert "Traceback" not in done.stderr
    return done.returncode, done.stderr.strip()


def test_score_of_dev_zero_is_refused_before_reading_it():
    assert bounded_command("score", "/dev/zero") == (
        2,
        "错误：/dev/zero: 不是普通文件（是字符设备），应为部门自评记录文件",
    )


def test_a_fifo_record_is_refused_without_waiting_for_a_writer(fifo, capsys):
    assert bounded_main(["score", str(fifo)]) == 2
    assert _one_line(capsys).endswith("dept.yaml: 不是普通文件（是命名管道 FIFO），应为部门自评记录文件")


def test_a_symlink_to_a_fifo_is_refused_like_the_fifo(fifo, tmp_path, capsys):
    link = tmp_path / "link.yaml"
    link.symlink_to(fifo)
    assert bounded_main(["score", str(link)]) == 2
    assert "link.yaml: 不是普通文件（是命名管道 FIFO）" in _one_line(capsys)


def test_a_folder_given_as_a_record_is_refused(tmp_path, capsys):
    folder = tmp_path / "dept.yaml"
    folder.mkdir()
    assert bounded_main(["score", str(folder)]) == 2
    assert "dept.yaml: 不是普通文件（是文件夹），应为部门自评记录文件" in _one_line(capsys)


@pytest.mark.parametrize("make", [os.mkfifo, os.mkdir], ids=["fifo", "folder"])
def test_a_review_that_is_not_a_regular_file_is_refused_not_ignored(tmp_path, capsys, make):
    record = tmp_path / SEED.name
    shutil.copyfile(SEED, record)
    make(tmp_path / "huangpu-zwsj-2022.review.yaml")
    assert bounded_main(["score", str(record)]) == 2
    line = _one_line(capsys)
    assert "huangpu-zwsj-2022.review.yaml: 不是普通文件" in line and "应为复核调整文件" in line


def test_a_fifo_rubric_is_refused_by_rubric_validate(fifo, capsys):
    assert bounded_main(["rubric", "validate", str(fifo)]) == 2
    assert "不是普通文件（是命名管道 FIFO），应为评价指标体系文件" in _one_line(capsys)


def test_a_device_named_as_the_rubric_of_a_score_is_an_input_error():
    code, err = bounded_command("score", str(SEED), "--rubric", "/dev/zero")
    assert code == 2 and len(err.splitlines()) == 1
    assert "/dev/zero: 不是普通文件（是字符设备），应为评价指标体系文件" in err


def test_at_most_the_limit_is_read(tmp_path):
    path = tmp_path / "dept.yaml"
    path.write_bytes(b"x" * 10)
    assert read_input(path, "部门自评记录", limit=10) == b"x" * 10
    path.write_bytes(b"x" * 11)
    with pytest.raises(InputError) as caught:
        read_input(path, "部门自评记录", limit=10)
    assert str(caught.value).endswith("部门自评记录文件过大（11 字节，上限 10 字节）")


def test_a_missing_file_is_named_in_chinese(tmp_path):
    with pytest.raises(InputError) as caught:
        read_input(tmp_path / "none.yaml", "复核调整")
    assert str(caught.value).endswith("none.yaml: 找不到复核调整文件")
