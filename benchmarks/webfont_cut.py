"""Benchmark: the per-page web-font cut, `font_face_css`, on the text of a real page (target ≤ 0.05 CPU-s a page).

The page text is what `render_html` cuts the font for: the visible text of the executed notebook fixture
(tests/fixtures/notebooks/), a footer and the template's fixed labels. Times are CPU seconds of this process:
the first call (parsing the cached base font, or making it when absent) and the mean of the next 20 calls, each
on slightly different text so that nothing but the font code's own caches helps. The cached base font is made
ahead (as `make setup` does) unless `--cold` is given. Run: .venv/bin/python benchmarks/webfont_cut.py [--cold]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat

from toolkit.report.publish import _visible_text
from toolkit.report.webfont import base_path, font_face_css

FIXTURE = (
    Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "notebooks" / "department_audit-demo-project.ipynb"
)
FOOTER = "部门整体支出绩效自评复核报告（示例）部门整体支出绩效评价指标体系2022.1record.yaml2024-01-01T00:00:00"
LABELS = "0123456789%（）：·，评价指标体系版本记录文件生成时间图表字体"
TARGET_SECONDS = 0.05
CALLS = 20
# Characters of GB2312 that a page may hold or not: one more of them per call varies the text (and the cut).
VARYING = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"


def page_text() -> str:
    return _visible_text(nbformat.read(FIXTURE, as_version=4)) + FOOTER + LABELS


def main(cold: bool = False) -> int:
    text = page_text()
    if not cold and not base_path().exists():
        import subprocess

        subprocess.run([sys.executable, "-m", "toolkit.report.webfont"], check=True, stdout=subprocess.DEVNULL)
    c0 = time.process_time()
    css = font_face_css(text)
    first = time.process_time() - c0
    times = []
    for k in range(CALLS):
        c0 = time.process_time()
        font_face_css(text + VARYING[: k + 1])
        times.append(time.process_time() - c0)
    mean = sum(times) / len(times)
    print(f"页面文字：{len(text):,} 个字符，其中不同字符 {len(set(text))} 个（{FIXTURE.name}）")
    print(f"首次调用（本进程解析缓存的基础字体{'，且先制作它' if cold else ''}）：{first:.3f} CPU 秒")
    print(f"其后 {CALLS} 次调用的平均：{mean:.4f} CPU 秒/页（最慢 {max(times):.4f}，目标 ≤ {TARGET_SECONDS} 秒）")
    print(f"@font-face 规则大小：{len(css):,} 字节")
    if mean > TARGET_SECONDS:
        print(f"未达到速度目标（≤ {TARGET_SECONDS} CPU 秒/页）", file=sys.stderr)
        return 1
    print(f"达到速度目标（≤ {TARGET_SECONDS} CPU 秒/页）")
    return 0


if __name__ == "__main__":
    sys.exit(main(cold="--cold" in sys.argv[1:]))
