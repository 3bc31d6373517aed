"""`audit-toolkit run` in a real 80-column pseudo-terminal: the status table keeps each department on one line
(name, year, total, grade and status together), never wraps a row, and cuts a long name in the middle."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

from rich.cells import cell_len

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ("huangpu-zwsj-2022.yaml", "demo-cha-2022.yaml")
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")


def _run_in_terminal(argv: list[str], columns: int) -> str:
    """What the command prints to a pseudo-terminal `columns` wide, escape sequences removed."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    proc = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 1)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the follower side closed: the command has ended
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait()
    os.close(leader)
    return ANSI.sub("", b"".join(chunks).decode("utf-8", errors="replace")).replace("\r", "")


def test_run_status_table_fits_80_columns_one_line_per_department(tmp_path):
    params = tmp_path / "params"
    params.mkdir()
    for name in RECORDS:
        shutil.copy(ROOT / "params" / name, params)
    out = tmp_path / "out"
    cli = str(Path(sys.executable).parent / "audit-toolkit")
    text = _run_in_terminal([cli, "run", str(params), "-o", str(out), "-q"], 80)
    lines = text.splitlines()
    assert "frozen modules" not in text, text  # debugpy's advice on import: the terminal shows the run alone
    header = next(line for line in lines if line.startswith("部门"))
    table = lines[lines.index(header) : next(k for k, line in enumerate(lines) if line.startswith("目录页"))]
    assert all(cell_len(line) <= 80 for line in table), text
    assert header.split() == ["部门", "年度", "总分", "等级", "状态", "用时"], text

    results = [json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*/*/result.json")]
    assert len(results) == len(RECORDS), text + (out / "run.log").read_text(
        encoding="utf-8"
    )  # with the kernel's own words
    for result in results:
        total = f"{result['total']:g}"
        row = [line for line in table if f"  {total}  " in line and f"{result['year']}  " in line]
        assert len(row) == 1, (total, text)
        cells = row[0].split()
        assert cells[-3:-1] == [result["grade"], "完成"], row  # grade and status on the department's own line
        name = cells[0]
        # Whole, or cut in the middle keeping its distinctive end (…农村局（示例）, …审批局）).
        assert name == result["department"] or ("…" in name and result["department"].endswith(name.split("…")[1]))
        assert result["department"][:2] == name[:2]
