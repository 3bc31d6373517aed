"""Families and kinds of the units a year's summary covers: their labels, the order units are listed in, and
what a target-family indicator achieved.

Units are listed by family (fixed rubric first, then target-versus-actual), then by year, then department by
department (best score first), each followed by the projects whose 主管部门 is its name in the same family and
year; projects whose 主管部门 is not among them come last, grouped by 主管部门. A result written before
families existed (no `kind`, no `family`) is a department of the fixed family.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

FIXED, TARGET = "fixed", "target"
DEPARTMENT, PROJECT = "department", "project"
FAMILY_LABEL = {FIXED: "固定指标体系", TARGET: "目标对照表"}
KIND_LABEL = {DEPARTMENT: "部门整体", PROJECT: "项目"}
# 是否达成 of an indicator: its target met, missed, not decidable (qualitative, or an actual that cannot be
# measured against it), or no target at all (a fixed-rubric indicator, the budget-execution row).
MET, NOT_MET, UNDECIDABLE, NO_TARGET = "达成", "未达成", "无法判断", "—"
ACHIEVEMENT = (MET, NOT_MET, UNDECIDABLE)
# Columns 部门汇总 gains, in table order.
UNIT_COLUMNS = ("类型", "体系类型", "主管部门")
_FAMILY_RANK = {label: n for n, label in enumerate(FAMILY_LABEL.values())}
_KIND_RANK = {label: n for n, label in enumerate(KIND_LABEL.values())}
_FAMILY_SHORT = {FAMILY_LABEL[FIXED]: "固定", FAMILY_LABEL[TARGET]: "目标"}


def family(r: dict) -> str:
    return r.get("family") or FIXED


def kind(r: dict) -> str:
    return r.get("kind") or DEPARTMENT


def supervisor(r: dict) -> str:
    return r.get("supervisor") or ""


def unit_columns(r: dict) -> dict[str, str]:
    """类型, 体系类型 and 主管部门 of a unit's result."""
    return {
        "类型": KIND_LABEL.get(kind(r), kind(r)),
        "体系类型": FAMILY_LABEL.get(family(r), family(r)),
        "主管部门": supervisor(r),
    }


def written(measure: dict | None) -> str:
    """A target or actual as the table wrote it; empty where there is none."""
    return "" if measure is None else measure.get("written") or ""


def met_label(indicator: dict) -> str:
    """是否达成 of one indicator of a result."""
    if indicator.get("target") is None:
        return NO_TARGET
    met = indicator.get("met")
    return UNDECIDABLE if met is None else MET if met else NOT_MET


def unit_order(results: list[dict], score: Callable[[dict], float]) -> list[dict]:
    """The results in the summary's listing order (see the module docstring); `score` is the published total."""

    def best_first(r: dict) -> tuple:
        return (-score(r), r["code"])

    out: list[dict] = []
    blocks = sorted({(family(r), r["year"]) for r in results}, key=lambda b: (_family_rank(b[0]), b[0], b[1]))
    for fam, year in blocks:
        out += _block([r for r in results if family(r) == fam and r["year"] == year], best_first)
    return out


def _family_rank(fam: str) -> int:
    return _FAMILY_RANK.get(FAMILY_LABEL.get(fam, fam), len(_FAMILY_RANK))


def _block(results: list[dict], best_first: Callable[[dict], tuple]) -> list[dict]:
    """One family's units of one year: each department followed by its projects, then the other projects
    grouped by 主管部门 (those naming none last)."""
    departments = sorted((r for r in results if kind(r) != PROJECT), key=best_first)
    by_supervisor: dict[str, list[dict]] = {}
    for p in sorted((r for r in results if kind(r) == PROJECT), key=best_first):
        by_supervisor.setdefault(supervisor(p), []).append(p)
    out = []
    for d in departments:
        # Two departments of one name: the projects go under the first.
        out += [d, *by_supervisor.pop(d["department"], [])]
    for name in sorted(by_supervisor, key=lambda name: (not name, name)):  # naming no 主管部门: last
        out += by_supervisor[name]
    return out


def ranking_order(table: pd.DataFrame) -> pd.DataFrame:
    """部门汇总 in ranking order: by family and kind (departments first), then 排名 and code."""
    keys = pd.DataFrame(
        {
            "family": table["体系类型"].map(_FAMILY_RANK).fillna(len(_FAMILY_RANK)),
            "kind": table["类型"].map(_KIND_RANK).fillna(len(_KIND_RANK)),
            "rank": table["排名"],
            "code": table["部门代码"],
        }
    )
    order = keys.sort_values(["family", "kind", "rank", "code"], kind="stable").index
    return table.loc[order].reset_index(drop=True)


def rank_within_groups(table: pd.DataFrame) -> pd.Series:
    """排名 within each family and kind: highest published score first, equal scores share the better rank."""
    ranks = table.groupby(["体系类型", "类型"], sort=False)["得分"].rank(method="min", ascending=False)
    return ranks.astype(int)


def group_tag(family_label: str, kind_label: str) -> str:
    """A short tag naming a ranking group in a chart label, e.g. 目标·项目."""
    return f"{_FAMILY_SHORT.get(family_label, family_label)}·{kind_label}"


def composition(table: pd.DataFrame) -> list[tuple[str, str, int]]:
    """(体系类型, 类型, units) for every group present, in ranking order."""
    groups = ranking_order(table).groupby(["体系类型", "类型"], sort=False).size()
    return [(fam, kind_label, int(n)) for (fam, kind_label), n in groups.items()]


def achievement(indicators: pd.DataFrame) -> dict[str, int]:
    """How many indicators with a target were met, not met, or cannot be decided."""
    counts = indicators["是否达成"].value_counts()
    return {label: int(counts.get(label, 0)) for label in ACHIEVEMENT}
