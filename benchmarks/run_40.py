"""Benchmark for `audit-toolkit run` (issue 4), both sides measured in one run on this machine.

Baseline: the loop a user would otherwise write — the `papermill` CLI, then the `jupyter nbconvert --to html`
CLI, one department after another. Ours: `audit-toolkit run` on the same 40 generated fictional departments,
then the same command again with nothing changed.
Targets on 2 cores: ours ≥ 2.3× faster than the loop; the unchanged second run ≥ 50× faster than the first.

    .venv/bin/python benchmarks/run_40.py [--departments 40]
"""

from __future__ import annotations

import argparse
import copy
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import yaml

from toolkit.core.paths import DEPARTMENT_NOTEBOOK

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"


def generate(folder: Path, count: int) -> list[Path]:
    """Fictional departments: the seed's structure with varied scores, names marked 示例."""
    seed = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    paths = []
    for n in range(count):
        data = copy.deepcopy(seed)
        data["fictional"] = True
        data["department"] = {"name": f"示例第{n + 1}局（虚构）", "code": f"bench-{n + 1:03d}", "units": 1 + n % 5}
        for k, entry in enumerate(data["indicators"].values()):
            if k % 7 == n % 7 and entry["self_score"] >= 1:
                entry["self_score"] = float(Decimal(str(entry["self_score"])) - Decimal("0.5"))
                entry["reason"] = f"示例扣分原因（第 {n + 1} 号虚构部门）。"
                entry["measure"] = "示例改进措施。"
        data.pop("stated_total", None)
        path = folder / f"bench-{n + 1:03d}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def timed(commands: list[list[str]], cwd: Path) -> float:
    started = time.perf_counter()
    for command in commands:
        subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        params, loop_out, ours_out = tmp / "params", tmp / "loop", tmp / "ours"
        for folder in (params, loop_out, ours_out):
            folder.mkdir()
        records = generate(params, args.departments)

        loop = []
        for record in records:
            executed = loop_out / f"{record.stem}.ipynb"
            loop.append(
                [
                    str(BIN / "papermill"),
                    str(DEPARTMENT_NOTEBOOK),
                    str(executed),
                    "-p",
                    "record_path",
                    str(record),
                    "--cwd",
                    str(DEPARTMENT_NOTEBOOK.parent),
                ]
            )
            loop.append([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)])
        baseline = timed(loop, ROOT)
        first = timed([[str(BIN / "audit-toolkit"), "run", str(params), "-o", str(ours_out), "-q"]], ROOT)
        second = timed([[str(BIN / "audit-toolkit"), "run", str(params), "-o", str(ours_out), "-q"]], ROOT)

    n = args.departments
    print(f"{n} 个虚构部门")
    print(f"  papermill CLI + nbconvert CLI 逐个执行：{baseline:8.1f} s（每部门 {baseline / n:.2f} s）")
    print(f"  audit-toolkit run（首次）：          {first:8.1f} s（每部门 {first / n:.2f} s）")
    print(f"  audit-toolkit run（输入未变化）：    {second:8.2f} s")
    print(f"  加速比（逐个执行 ÷ 首次）：{baseline / first:.2f}×（目标 ≥ 2.3×）")
    print(f"  加速比（首次 ÷ 未变化）：  {first / second:.1f}×（目标 ≥ 50×）")


if __name__ == "__main__":
    main()
