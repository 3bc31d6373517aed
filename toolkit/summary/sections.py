"""The cross-unit summary as the summary notebook shows it: sections (HTML fragments rendered by Jinja2 with
autoescaping) and charts, each a call that returns something displayable.

A year of fixed-rubric departments only reads as it always has; a year with projects or target-family units
also says how many units of each family and kind it covers, ranks them group by group, and counts what the
target-family units' indicators achieved."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import SupportsFloat

import pandas as pd

from toolkit.core.numbers import fmt
from toolkit.report.charts import Chart
from toolkit.report.narrative import Fragment
from toolkit.report.templating import environment
from toolkit.summary import charts as summary_charts
from toolkit.summary.exports import FILES
from toolkit.summary.families import KIND_LABEL, PROJECT
from toolkit.summary.tables import Summary


def _f2(value: SupportsFloat | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):.2f}"


_ENV = environment(f2=_f2, fmt=lambda v: fmt(None if v is None else Decimal(str(v))))


class SummaryReport:
    """Everything summary.ipynb shows, in report order."""

    def __init__(self, summary: Summary, year: int | None = None):
        self.summary = summary
        self.year = year if year is not None else summary.year

    @property
    def heading(self) -> str:
        from toolkit.summary.build import kinds_of, title_for

        return title_for(self.year, kinds_of(self.summary))

    @property
    def unit_word(self) -> str:
        """部门 while every unit is a department, else 单位 (departments and projects)."""
        return "单位" if (self.summary.departments["类型"] == KIND_LABEL[PROJECT]).any() else "部门"

    @property
    def grouped(self) -> bool:
        """Whether the year has more than one family or kind, so that units are ranked group by group."""
        return len(self.summary.composition) > 1

    @property
    def composition(self) -> str:
        """One sentence: how many units of each family, and of each kind within it."""
        families: dict[str, list[tuple[str, int]]] = {}
        for family, kind, n in self.summary.composition:
            families.setdefault(family, []).append((kind, n))
        parts = []
        for family, kinds in families.items():
            each = "、".join(f"{kind} {n} 个" for kind, n in kinds)
            parts.append(f"{family} {sum(n for _, n in kinds)} 个（{each}）")
        return "按体系类型：" + "；".join(parts) + "。"

    def ranking_groups(self) -> list[dict]:
        """Per ranking group (family and kind), in order: its label, size, best and worst unit."""
        table = self.summary.ranking
        out = []
        for family, kind, n in self.summary.composition:
            rows = table[(table["体系类型"] == family) & (table["类型"] == kind)]
            out.append({"label": f"{family}{kind}", "count": n, "best": rows.iloc[0], "worst": rows.iloc[-1]})
        return out

    @property
    def files(self) -> list[tuple[str, str]]:
        return list(FILES.items())

    @staticmethod
    def rows(table: pd.DataFrame) -> list[dict]:
        return table.to_dict("records")

    def band(self, grade: str) -> str:
        """The score range of a grade, from the rubric's lower bounds (inclusive)."""
        bands = list(self.summary.grades)
        for n, (name, low) in enumerate(bands):
            if name == grade:
                return f"{low:g} ≤ 得分" + (f" < {bands[n - 1][1]:g}" if n else "")
        return "—"

    def _render(self, macro: str) -> Fragment:
        module = _ENV.get_template("summary.html.j2").module
        return Fragment(str(getattr(module, macro)(s=self.summary, rep=self)))

    def title(self) -> Fragment:
        return self._render("title")

    def key_figures(self) -> Fragment:
        return self._render("key_figures")

    def ranking(self) -> Fragment:
        return self._render("ranking")

    def ranking_chart(self) -> Chart:
        return summary_charts.ranking(self.summary)

    def grades(self) -> Fragment:
        return self._render("grades")

    def grade_chart(self) -> Chart:
        return summary_charts.grade_distribution(self.summary)

    def indicators(self) -> Fragment:
        return self._render("indicators")

    def heatmap(self) -> Chart | summary_charts.Charts:
        return summary_charts.heatmaps(self.summary)

    def deductions(self) -> Fragment:
        return self._render("deductions")

    def deduction_chart(self) -> Chart:
        return summary_charts.deductions(self.summary)

    def findings(self) -> Fragment:
        return self._render("findings")

    def level1(self) -> Fragment:
        return self._render("level1")

    def level1_chart(self) -> Chart:
        return summary_charts.level1(self.summary)

    def files_note(self) -> Fragment:
        return self._render("files")


def open_summary(year_dir: str | Path, year: int | None = None) -> SummaryReport:
    """Read every department result in a year folder and build the summary the notebook displays."""
    return SummaryReport(Summary.from_folder(year_dir), year)
