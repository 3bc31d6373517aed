"""Summary charts: department and indicator names from results are drawn as written, never as mathtext."""

from __future__ import annotations

import copy

import pytest
from conftest import svg_texts

from toolkit.summary import charts
from toolkit.summary.tables import Summary

HOSTILE = (r"$\frac{1}$", "a$b", "$x^2$")


@pytest.fixture(scope="module")
def hostile_summary(seed_result) -> Summary:
    """Three departments named HOSTILE, whose indicators are named after it too."""
    results = []
    for n, name in enumerate(HOSTILE):
        result = copy.deepcopy(seed_result.as_dict())
        result.update(code=f"d{n}", department=name, total=60 + 10 * n, audited_total=60 + 10 * n)
        for k, indicator in enumerate(result["indicators"]):
            indicator["name"] = f"{HOSTILE[k % 3]}指标{k}"
        results.append(result)
    return Summary.from_results(results)


def test_summary_charts_draw_dollar_names_literally(hostile_summary, drawn):
    rendered = [
        charts.ranking(hostile_summary),
        charts.grade_distribution(hostile_summary),
        charts.heatmap(hostile_summary),
        charts.deductions(hostile_summary),
        charts.level1(hostile_summary),
    ]
    assert all(chart.png.startswith(b"\x89PNG") for chart in rendered)
    shown = {t for svg in drawn for t in svg_texts(svg)}
    assert set(HOSTILE) <= shown  # the heatmap's column labels
    assert {f"{r}. {name}" for r, name in zip((3, 2, 1), HOSTILE)} <= shown  # the ranking's bar labels
    assert {f"{name}指标{k}" for k, name in enumerate(HOSTILE)} <= shown  # the heatmap's row labels
