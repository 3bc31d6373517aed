"""Benchmark for warm kernels and dask (issue 14), every side measured in one run on this machine.

At each N: the loop a user would write (papermill CLI + nbconvert CLI, one department after another; only at
N ≤ --loop-max, it takes minutes), `audit-toolkit run` on papermill's own cold kernels
(AUDIT_TOOLKIT_KERNELS=cold), `run` on warm kernels (the default), `run --dask-local 2` (a local
dask.distributed cluster of two worker processes) and the unchanged re-run. For each: wall time, CPU-seconds
per department (the whole process tree: workers, the fork server, templates, kernels, the summary step; this
process is their subreaper, so processes that outlive their parent are counted too) and peak memory of the tree
(the sum of the processes' proportional set sizes, sampled every 0.2 s). At N ≤ --loop-max every side is
measured --repeat times, in rounds (loop, cold, warm, dask, unchanged; then again), and the ratios use the best
of each side: its shortest time and least CPU (the code's cost; what a run takes beyond it is the machine's
other load, which moves a run here by a third within minutes), and its highest memory peak.
Targets (issue 14) on 2 cores: at N = 16, warm `run` ≥ 10× the loop and ≤ 0.6 CPU-s per department; at
N = 200 no worse per department than at N = 16 and under 2 GiB; unchanged re-run ≥ 50× faster than the first.

    .venv/bin/python benchmarks/warm_kernels.py [--sizes 16 200] [--loop-max 16] [--repeat 2]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_40 import BIN, ROOT, generate  # the fictional departments of run_40

from toolkit.core.paths import DEPARTMENT_NOTEBOOK

PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
# The sides, as the report names them.
LOOP = "papermill + nbconvert 逐个"
COLD = "run（冷内核）"
WARM = "run（预热内核）"
DASK = "run --dask-local 2"
AGAIN = "run（输入未变化）"


@dataclass(frozen=True)
class Measured:
    seconds: float
    cpu: float  # CPU-seconds of the whole process tree
    peak: int  # bytes


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _pss(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def _become_subreaper() -> None:
    """Orphaned descendants (multiprocessing's fork server, kernel templates) are re-parented to this process
    and reaped here, so their CPU counts: without it, what a process that outlives its parent used is lost."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise SystemExit("prctl(PR_SET_CHILD_SUBREAPER) 失败：无法统计全部子孙进程的 CPU 时间")


def _reap_all() -> None:
    """Wait for every remaining descendant (they end once the command has): their CPU joins RUSAGE_CHILDREN."""
    with contextlib.suppress(ChildProcessError):
        while True:
            os.waitpid(-1, 0)


def measure(commands: list[list[str]], env: dict[str, str] | None = None) -> Measured:
    """Run the commands one after another; wall time, CPU of every descendant, peak PSS of the tree."""
    _reap_all()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = 0
    started = time.perf_counter()
    for command in commands:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        done = threading.Event()

        def sample(pid: int = process.pid, done: threading.Event = done) -> None:
            nonlocal peak
            while not done.wait(0.2):
                peak = max(peak, _pss(_tree(pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        if process.wait() != 0:
            raise SystemExit(f"失败：{' '.join(command)}")
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    _reap_all()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measured(seconds, cpu, peak)


def loop_commands(records: list[Path], out: Path) -> list[list[str]]:
    commands = []
    for record in records:
        executed = out / f"{record.stem}.ipynb"
        commands.append(
            [str(BIN / "papermill"), str(DEPARTMENT_NOTEBOOK), str(executed), "-p", "record_path", str(record)]
            + ["--cwd", str(DEPARTMENT_NOTEBOOK.parent)]
        )
        commands.append([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)])
    return commands


def line(label: str, m: Measured, n: int) -> str:
    # A run shorter than the sampling interval has no memory sample; under 10 s its time shows hundredths.
    peak = f"{m.peak / 2**20:6.0f} MiB" if m.peak else "  （运行短于采样间隔）"
    return (
        f"  {label:<26}{m.seconds:8.{1 if m.seconds >= 10 else 2}f} s  每部门 {m.seconds / n:5.2f} s  "
        f"CPU 每部门 {m.cpu / n:5.3f} s  内存峰值 {peak}"
    )


def best(runs: list[Measured]) -> Measured:
    """Of repeated runs: the shortest time and the least CPU (what the code needs; the rest is the machine's
    other load, which on this shared machine moves a run by a third), and the highest memory peak."""
    return Measured(min(m.seconds for m in runs), min(m.cpu for m in runs), max(m.peak for m in runs))


def bench(n: int, loop: bool, repeat: int, tmp: Path) -> Measured:
    params = tmp / f"params-{n}"
    params.mkdir()
    records = generate(params, n)
    run = [str(BIN / "audit-toolkit"), "run", str(params), "-q", "--formats", "html"]
    cold_env = {**os.environ, "AUDIT_TOOLKIT_KERNELS": "cold"}
    sides: dict[str, list[Measured]] = {}
    print(f"{n} 个虚构部门（{os.cpu_count()} 核，每项测 {repeat} 次，轮流进行）", flush=True)
    for k in range(repeat):  # in rounds, so that a slow spell of the machine slows every side alike
        if loop:
            (tmp / f"loop-{n}-{k}").mkdir()
            sides.setdefault(LOOP, []).append(measure(loop_commands(records, tmp / f"loop-{n}-{k}")))
        sides.setdefault(COLD, []).append(measure([[*run, "-o", str(tmp / f"cold-{n}-{k}")]], cold_env))
        sides.setdefault(WARM, []).append(measure([[*run, "-o", str(tmp / f"warm-{n}-{k}")]]))
        dask = [*run, "-o", str(tmp / f"dask-{n}-{k}"), "--dask-local", "2"]
        sides.setdefault(DASK, []).append(measure([dask]))
        sides.setdefault(AGAIN, []).append(measure([[*run, "-o", str(tmp / f"warm-{n}-{k}")]]))
        for label, runs in sides.items():
            print(line(f"{label}（第 {k + 1} 次）", runs[-1], n), flush=True)
    fastest = {label: best(runs) for label, runs in sides.items()}
    if repeat > 1:
        print(f"  {repeat} 次中最好的一次（时间、CPU 取最小，内存取最大）：")
        for label, m in fastest.items():
            print(line(label, m, n))
    warm, again = fastest[WARM], fastest[AGAIN]
    if loop:
        naive = fastest[LOOP]
        print(f"  逐个执行 ÷ 预热：{naive.seconds / warm.seconds:.1f}×（目标 ≥ 10×）")
    print(f"  冷 ÷ 预热：{fastest[COLD].seconds / warm.seconds:.2f}×", end="；")
    print(f"dask ÷ 预热：{fastest[DASK].seconds / warm.seconds:.2f}×", end="；")
    print(f"首次 ÷ 未变化：{warm.seconds / again.seconds:.0f}×（目标 ≥ 50×）")
    print(f"  CPU 每部门（预热）：{warm.cpu / n:.2f} s（目标 ≤ 0.6 s）", end="；")
    print(f"内存峰值 {warm.peak / 2**30:.2f} GiB（目标 < 2 GiB）")
    return warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 200])
    parser.add_argument("--loop-max", type=int, default=16, help="只在部门数不超过此值时测逐个执行")
    parser.add_argument("--repeat", type=int, default=2, help="部门数不超过 --loop-max 时每项测几次（取最好的一次）")
    args = parser.parse_args()
    _become_subreaper()
    per_department = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            looped = n <= args.loop_max
            per_department[n] = bench(n, looped, args.repeat if looped else 1, Path(tmp)).seconds / n
    if len(per_department) > 1:
        small, large = min(per_department), max(per_department)
        ratio = per_department[large] / per_department[small]
        print(f"每部门用时 N={large} ÷ N={small}：{ratio:.2f}（目标 ≤ 1）")


if __name__ == "__main__":
    main()
