"""Two runs on the same inputs give byte-identical published files (HTML, Word, XLSX, JSON, CSV); the PDF's
reproducibility is tested in tests/report/test_documents.py (it needs Chromium)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EPOCH = "1700000000"  # 2023-11-14 22:13:20 UTC


def _run(out: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    records = [str(p) for p in sorted((ROOT / "params").glob("*.yaml")) if not p.name.endswith(".review.yaml")]
    done = subprocess.run(
        [sys.executable, "-m", "toolkit", "run", *records, "--force", "-j", "2", "-q", "-o", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _published(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.suffix in (".html", ".docx", ".xlsx", ".json", ".csv")
    }


def test_two_runs_with_source_date_epoch_are_byte_identical(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    _run(first)
    _run(second)
    a, b = _published(first), _published(second)
    assert a.keys() == b.keys()
    assert {
        "2022/summary.html",
        "2022/summary.xlsx",
        "2022/summary.json",
        "2022/summary.docx",
        "2022/huangpu-zwsj/audit.html",
        "2022/huangpu-zwsj/audit.docx",
        "2022/huangpu-zwsj/result.json",
        "index.html",
    } <= a.keys()
    assert [name for name in a if a[name] != b[name]] == []
    assert "生成时间 2023-11-14 22:13:20 UTC" in a["2022/summary.html"].decode()
    assert "生成时间 2023-11-14 22:13:20 UTC" in a["2022/huangpu-zwsj/audit.html"].decode()
