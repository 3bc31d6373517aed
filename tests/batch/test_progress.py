"""The progress bar of `run` names the steps in flight and the last one finished (issue 16)."""

from __future__ import annotations

import io
from types import SimpleNamespace

from rich.console import Console
from rich.progress import Progress

from toolkit.batch.progress import Bar


def _bar(pending: list[str], workers: int) -> tuple[Bar, Progress]:
    progress = Progress(console=Console(file=io.StringIO(), width=100))
    return Bar(progress, progress.add_task("", total=len(pending)), pending, workers), progress


def test_the_bar_names_the_departments_in_flight_before_any_is_done():
    _, progress = _bar(["params/a-2022.yaml", "params/b-2022.yaml", "params/c-2022.yaml"], 2)
    assert progress.tasks[0].description == "进行中：a-2022、b-2022"


def test_a_finished_department_gives_its_place_to_the_next_and_is_named_with_its_status():
    bar, progress = _bar(["params/a-2022.yaml", "params/b-2022.yaml", "params/c-2022.yaml"], 2)
    bar.advance(SimpleNamespace(record_path="params/a-2022.yaml", department="甲局（示例）", status_label="完成"))
    assert progress.tasks[0].description == "进行中：b-2022、c-2022；刚完成：甲局（示例）：完成"
    assert progress.tasks[0].completed == 1


def test_the_summary_bar_names_the_year_in_flight_and_escape_sequences_never_reach_the_terminal():
    bar, progress = _bar(["2022 年度汇总", "2023 年度汇总"], 1)
    assert progress.tasks[0].description == "进行中：2022 年度汇总"
    bar.tick(None)
    assert progress.tasks[0].description == "进行中：2023 年度汇总；刚完成：2022 年度汇总"
    _, hostile = _bar(["params/x\x1b]0;pwned\x07-2022.yaml"], 1)
    assert "\x1b" not in hostile.tasks[0].description and "\x07" not in hostile.tasks[0].description
