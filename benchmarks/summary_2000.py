"""Benchmark: the cross-department summary over 2,000 departments (target < 30 s on this machine).

Generates 2,000 fictional department results by scoring varied copies of the seed record in memory (fixed
random seed), writes them as `<year>/<code>/result.json` in a temporary folder, then times what the runner
does for a year: the summary tables, the exports (XLSX, CSV, JSON), the summary notebook executed by
papermill and summary.html published. Run: .venv/bin/python benchmarks/summary_2000.py [N] [--keep DIR]
"""

from __future__ import annotations

import copy
import json
import random
import resource
import sys
import tempfile
import time
import timeit
from decimal import Decimal
from pathlib import Path

from toolkit.core.record import parse_record
from toolkit.core.rubric import load_rubric
from toolkit.core.scoring import score
from toolkit.core.yamlio import read_yaml

SEED = Path(__file__).resolve().parents[1] / "params" / "huangpu-zwsj-2022.yaml"
TARGET_SECONDS = 30.0
CENT = Decimal("0.01")
PLACES = ("东城", "西城", "南山", "北湖", "临江", "青山", "白石", "金沙", "银湖", "松岭")
BUREAUS = (
    "教育局",
    "财政局",
    "民政局",
    "卫生健康局",
    "交通运输局",
    "农业农村局",
    "文化广电旅游体育局",
    "住房和城乡建设局",
)


def fictional_results(n: int, rng: random.Random) -> list[dict]:
    """n results of plausible fictional departments: mostly full marks, some deductions, now and then an error."""
    base = read_yaml(SEED, "部门自评记录")
    weights = {i.id: i.weight for i in load_rubric(base["rubric"]).indicators}
    out = []
    for k in range(n):
        data = copy.deepcopy(base)
        data["fictional"] = True
        name = f"示例市{PLACES[k % len(PLACES)]}区{BUREAUS[(k // len(PLACES)) % len(BUREAUS)]}（示例{k:04d}）"
        data["department"] = {"name": name, "code": f"bench-{k:04d}", "units": rng.randint(1, 9)}
        strictness = rng.random()
        total = Decimal(0)
        for ind, entry in data["indicators"].items():
            weight = weights[ind]
            full = rng.random() > strictness * 0.8
            s = weight if full else (weight * Decimal(rng.randint(0, 99)) / 100).quantize(CENT)
            entry["self_score"] = s
            total += s
            if s < weight and not entry.get("reason"):
                entry["reason"], entry["measure"] = "部分工作未按计划完成。", "加强管理，按计划推进。"
        data["indicators"]["部门预算资金支出率"]["evidence"] = {"rate": Decimal(rng.randint(5000, 10000)) / 100}
        data["stated_total"] = total if rng.random() < 0.9 else total + 1
        data.pop("stated_grade", None)
        result = score(parse_record(data, f"bench-{k:04d}.yaml"))
        out.append(result.as_dict())
    return out


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the notebook kernel): less sensitive than wall
    time to other work on a shared machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv and argv[0].isdigit() else 2000
    keep = Path(argv[argv.index("--keep") + 1]) if "--keep" in argv else None
    from toolkit.batch.notebook import Status
    from toolkit.summary.build import build_summary

    reference = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6
    print(f"机器参考：sum(range(1000)) 用时 {reference:.1f} µs（空闲的现代 CPU 约 10 µs）")
    t0 = time.perf_counter()
    results = fictional_results(n, random.Random(2022))
    root = keep or Path(tempfile.mkdtemp(prefix="summary-bench-"))
    year_dir = root / "2022"
    for r in results:
        folder = year_dir / r["code"]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "result.json").write_text(json.dumps(r, ensure_ascii=False, indent=2), encoding="utf-8")
    t1 = time.perf_counter()
    print(f"生成 {n} 个虚构部门结果：{t1 - t0:.1f} s（不计入）")

    from toolkit.summary import exports
    from toolkit.summary.build import provenance_for
    from toolkit.summary.tables import Summary

    t2 = time.perf_counter()
    summary = Summary.from_folder(year_dir)
    t3 = time.perf_counter()
    files = exports.build(summary, provenance_for(summary), "基准")
    t4 = time.perf_counter()
    print(
        f"  其中：读取结果并建表 {t3 - t2:.1f} s；导出 XLSX/CSV/JSON {t4 - t3:.1f} s"
        f"（{len(files['summary.xlsx']) / 1e6:.1f} MB xlsx）"
    )

    started, cpu = time.perf_counter(), _cpu()
    step = build_summary(year_dir, 2022)
    done, message = step.status is Status.DONE, step.message
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    html = year_dir / "summary.html"
    print(
        f"完整汇总（建表 + 导出 + 执行汇总笔记本 + 发布 HTML）：{seconds:.1f} s"
        f"（CPU {cpu:.1f} s，含内核进程），{message}"
    )
    print(f"summary.html {html.stat().st_size / 1e6:.1f} MB" if html.exists() else "未生成 summary.html")
    verdict = "达标" if done and seconds < TARGET_SECONDS else "未达标"
    print(
        f"目标 < {TARGET_SECONDS:.0f} s：{verdict}；输出在 {year_dir}"
        if keep
        else f"目标 < {TARGET_SECONDS:.0f} s：{verdict}"
    )
    return 0 if done and seconds < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
