"""Summary charts drawn as SVG: a value in every heatmap cell short of full marks, grey where not applicable, the
scale of the matplotlib version, whole ticks for counts, the same bytes each time."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import svg_texts

from toolkit.report import svgchart
from toolkit.summary import charts
from toolkit.summary.tables import Summary

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "summary" / "2022"


@pytest.fixture(scope="module")
def summary() -> Summary:
    return Summary.from_folder(FIXTURE)


def test_the_scale_runs_red_yellow_green_as_before():
    assert [svgchart.blend(charts._RATES, s) for s in (0, 0.5, 1, -1, 2)] == [
        "#c0392b",
        "#f4d03f",
        "#eaf2e3",
        "#c0392b",
        "#eaf2e3",
    ]


def test_every_heatmap_cell_short_of_full_marks_shows_its_rate(summary, drawn):
    charts.heatmap(summary)
    (svg,) = drawn
    values = summary.matrix.to_numpy(dtype=float)
    shown = [v for v in values.ravel() if not np.isnan(v) and v != 100]
    numbers = [t for t in svg_texts(svg) if re.fullmatch(r"\d+", t)]
    ticks = ["0", "20", "40", "60", "80", "100"]  # the colour bar's
    assert numbers == [f"{v:.0f}" for v in values.ravel() if not np.isnan(v) and v != 100] + ticks
    assert len(shown) > 0 and np.isnan(values).any()  # the fixture has both kinds of cell
    assert svg.count(f'fill="{charts._GREY}"') == np.isnan(values).sum()
    assert "得分率（%）" in svg_texts(svg) and "url(#scale)" in svg


def test_counts_are_ticked_in_whole_units(summary, drawn):
    charts.grade_distribution(summary)
    charts.deductions(summary)
    for svg in drawn:
        assert not [t for t in svg_texts(svg) if re.fullmatch(r"\d+\.\d", t)]  # no 0.5 departments
    assert {"0", "1"} <= set(svg_texts(drawn[0])) and {"0", "2", "4"} <= set(svg_texts(drawn[1]))


def test_a_ranking_beyond_n_shows_the_gap_and_both_ends(summary, drawn):
    charts.ranking(summary, n=2)
    (svg,) = drawn
    shown = svg_texts(svg)
    assert "……（中间 2 个部门见排名表）" in shown
    assert [t for t in shown if re.fullmatch(r"\d+\.\d\d", t)] == [
        f"{s:.2f}" for s in summary.ranking["得分"].iloc[[0, -1]]
    ]


def test_summary_charts_are_the_same_bytes_each_time(summary):
    for draw in (charts.ranking, charts.grade_distribution, charts.heatmap, charts.deductions, charts.level1):
        assert draw(summary).png == draw(summary).png


def test_a_department_name_outside_the_shipped_font_is_named_under_the_charts_that_draw_it(tmp_path):
    # 㮾 (CJK extension A, in Hunan place names) has no glyph in the shipped font: resvg draws a box, and the
    # caption says which character that is rather than leaving the reader to guess.
    shutil.copytree(FIXTURE, tmp_path / "2022")
    result = tmp_path / "2022" / "demo-cha" / "result.json"
    data = json.loads(result.read_text(encoding="utf-8"))
    data["department"] = "示例㮾下局（虚构）"
    result.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    renamed = Summary.from_folder(tmp_path / "2022")
    for chart in (charts.ranking(renamed), charts.heatmap(renamed)):
        assert chart.missing == "㮾"
        assert "图中的“㮾”超出自带字体，显示为方框" in chart._repr_html_()
    assert charts.grade_distribution(renamed).missing == ""  # draws no department names
    assert "超出自带字体" not in charts.ranking(Summary.from_folder(FIXTURE))._repr_html_()
