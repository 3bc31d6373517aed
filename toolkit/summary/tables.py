"""Cross-unit summary of one year: the tables built from the units' result.json objects (see
toolkit.summary.rows), and the overviews the report and the exports draw from them.

A year may mix rubric families and kinds of unit (toolkit.summary.families): 排名 is within a family and kind;
comparisons indicator by indicator (the matrix, the weakest indicators) are made among fixed-rubric units only,
whose indicators are the same everywhere; a target-family unit's indicators are its own, so what they achieved
is counted instead (met, not met, undecidable). Column headers are the Chinese ones auditors read; the same
tables go to the HTML summary, XLSX, CSV and JSON.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import pandas as pd

from toolkit.core.problems import InputError, Problem, display_path
from toolkit.core.rubric import Rubric, load_rubric
from toolkit.summary import families
from toolkit.summary.families import FAMILY_LABEL, FIXED, NO_TARGET, NOT_MET, TARGET
from toolkit.summary.roster import result_files
from toolkit.summary.rows import (
    BASIS_REVIEWED,
    BASIS_SELF,
    DECISION_LABEL,
    department_table,
    final_grade,
    final_total,
    finding_table,
    indicator_table,
    level1_rates,
    level1_weights,
    reviewed,
)
from toolkit.summary.rows import round2 as _round

__all__ = ["BASIS_REVIEWED", "BASIS_SELF", "Summary", "final_grade", "final_total", "load_results"]

DEPARTMENT_SHEET, INDICATOR_SHEET, FINDING_SHEET = "部门汇总", "指标明细", "复核发现"
# Headers of the indicator table's level-1 group, level-2 group and indicator columns when no rubric names them.
_NAME_COLUMNS = ("一级指标", "二级指标", "三级指标")


def load_results(year_dir: str | Path) -> list[dict]:
    """The department results of a year folder (`<year>/<code>/result.json`), by code: those of the departments
    the year's roster names (see summary_roster), or every department folder when there is no roster.

    Raises InputError naming every unreadable file at once."""
    year_dir = Path(year_dir)
    results, problems = [], []
    for path in result_files(year_dir):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(Problem(display_path(path), "", f"无法读取部门结果（应为 result.json 对象）：{exc}"))
            continue
        missing = [
            k for k in ("department", "code", "year", "total", "grade", "indicators", "findings") if k not in data
        ]
        if missing:
            problems.append(Problem(display_path(path), ", ".join(missing), "部门结果缺少必需字段"))
            continue
        results.append(data)
    if problems:
        raise InputError(problems)
    if not results:
        raise InputError([Problem(display_path(year_dir), "", "该年度文件夹下没有任何部门结果（*/result.json）")])
    return results


def _first_rubric(rubric_ids: list[str]) -> Rubric | None:
    """The first of the results' rubrics that loads as a built-in one: it names the grade bands, the levels and
    the full marks, so that nothing about them is written here."""
    for rid in rubric_ids:
        try:
            return load_rubric(rid)
        except InputError:
            continue
    return None


def _name_columns(rubric: Rubric | None) -> tuple[str, str, str]:
    """Headers of the indicator table's level-1 group, level-2 group and indicator columns (result.json gives an
    indicator's two upper groups and its own name), as the rubric names those levels."""
    names = rubric.level_names if rubric is not None else ()
    # A frame names only the levels it declares, above those each record brings: too few to name the indicators'.
    return (names[0], names[1], names[-1]) if len(names) >= 3 else _NAME_COLUMNS


def _full_marks(rubric: Rubric | None, results: list[dict]) -> Decimal:
    """The rubric's total weight; without a rubric, what the usual level-1 weights add up to (else the best total)."""
    if rubric is not None:
        return rubric.total_weight
    weights = sum((Decimal(str(w)) for w in level1_weights(results).values()), Decimal(0))
    return weights or Decimal(str(max(final_total(r) for r in results)))


@dataclass(frozen=True)
class Summary:
    """The tables of a year's cross-department summary. Built once from result dicts; never changed."""

    departments: pd.DataFrame  # 部门汇总: one row per unit, by family, each department above its projects
    indicators: pd.DataFrame  # 指标明细: unit × indicator, long form
    findings: pd.DataFrame  # 复核发现: one row per finding
    year: int | None
    grades: tuple[tuple[str, float], ...]  # bands best first
    level1: tuple[tuple[str, float], ...]  # (label, usual weight) of level-1 indicators, table order
    level1_rates: pd.DataFrame  # score rate (%) per department (rows, by code) and level-1 indicator (columns)
    reviewed: int  # departments whose published score is the audited one
    rubrics: tuple[tuple[str, str, str], ...]  # (id, version, sha256)
    record_hashes: tuple[tuple[str, str], ...]  # (code, record sha256)
    levels: tuple[str, str, str]  # headers of 指标明细's level-1 group, level-2 group and indicator columns
    total_weight: Decimal  # full marks, as the rubric declares them

    # --- building ---------------------------------------------------------------------------------

    @classmethod
    def from_folder(cls, year_dir: str | Path) -> Summary:
        return cls.from_results(load_results(year_dir))

    @classmethod
    def from_results(cls, results: list[dict]) -> Summary:
        results = sorted(results, key=lambda r: r["code"])
        years = sorted({r["year"] for r in results})
        rubrics = tuple(
            sorted({(r["rubric"], r.get("rubric_version", ""), r.get("rubric_sha256", "")) for r in results})
        )
        rubric = _first_rubric([rid for rid, _, _ in rubrics])
        grades = [(g.grade, float(g.min)) for g in rubric.declaration.grades] if rubric is not None else []
        levels = _name_columns(rubric)
        return cls(
            departments=department_table(results),
            indicators=indicator_table(results, levels),
            findings=finding_table(results),
            year=years[0] if len(years) == 1 else None,
            grades=tuple(grades or _observed_grades(results)),
            level1=tuple(level1_weights(results).items()),
            level1_rates=level1_rates(results),
            reviewed=sum(reviewed(r) for r in results),
            rubrics=rubrics,
            record_hashes=tuple((r["code"], r.get("record_sha256", "")) for r in results),
            levels=levels,
            total_weight=_full_marks(rubric, results),
        )

    # --- facts the report talks about -------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self.departments)

    @property
    def fictional(self) -> int:
        return int((self.departments["示例数据"] == "是").sum())

    @property
    def basis(self) -> str:
        """One sentence saying which scores the summary uses."""
        if self.reviewed == 0:
            return f"全部 {self.count} 个部门均采用自评分（尚无复核调整）。"
        if self.reviewed == self.count:
            return f"全部 {self.count} 个部门均已复核，采用复核后得分和等级。"
        return (
            f"已复核的 {self.reviewed} 个部门采用复核后得分和等级，其余 {self.count - self.reviewed} 个部门采用自评分。"
        )

    @property
    def records_sha256(self) -> str:
        """One digest over every department's record digest: names the exact inputs of the summary."""
        digest = hashlib.sha256()
        for code, sha in self.record_hashes:
            digest.update(f"{code}\t{sha}\n".encode())
        return digest.hexdigest()

    @cached_property
    def grade_distribution(self) -> pd.DataFrame:
        """Departments per grade, every band of the rubric listed (best first), with shares."""
        counts = Counter(self.departments["等级"])
        names = [g for g, _ in self.grades] + sorted(set(counts) - {g for g, _ in self.grades})
        rows = [(g, counts.get(g, 0), _round(counts.get(g, 0) / self.count * 100)) for g in names]
        return pd.DataFrame(rows, columns=["等级", "部门数", "占比（%）"])

    @cached_property
    def ranking(self) -> pd.DataFrame:
        """部门汇总 in ranking order: family by family, departments before projects, best first."""
        return families.ranking_order(self.departments)

    @cached_property
    def composition(self) -> list[tuple[str, str, int]]:
        """(体系类型, 类型, units) of every group present, in ranking order."""
        return families.composition(self.departments)

    def codes(self, family: str) -> list[str]:
        """Codes of the units of one family (fixed | target), in ranking order."""
        return list(self.ranking.loc[self.ranking["体系类型"] == FAMILY_LABEL[family], "部门代码"])

    def has(self, family: str) -> bool:
        return bool(self.codes(family))

    @cached_property
    def _families(self) -> pd.Series:
        """体系类型 of each unit, by code."""
        return self.departments.set_index("部门代码")["体系类型"]

    @cached_property
    def matrix(self) -> pd.DataFrame:
        """Score rate (%) of each level-3 indicator (rows, rubric order) in each fixed-rubric unit (columns,
        ranking order); target-family units bring indicators of their own, so they are not in it."""
        codes = self.codes(FIXED)
        rows = self.indicators[self.indicators["部门代码"].isin(codes)]
        pivot = rows[rows["适用"] == "是"].pivot(index="指标ID", columns="部门代码", values="得分率（%）")
        order = list(dict.fromkeys(rows["指标ID"]))
        return pivot.reindex(index=[i for i in order if i in pivot.index], columns=codes)

    @cached_property
    def target_level1(self) -> pd.DataFrame:
        """Score rate (%) of each level-1 indicator (rows, table order) in each target-family unit (columns,
        ranking order): what target-family units share, where their level-3 indicators are each their own."""
        codes = self.codes(TARGET)
        rates = self.level1_rates.reindex(index=codes).dropna(axis=1, how="all")
        labels = [label for label, _ in self.level1 if label in rates.columns]
        return rates[labels].T

    @cached_property
    def indicator_labels(self) -> dict[str, str]:
        first = self.indicators[self.indicators["部门代码"].isin(self.codes(FIXED))].drop_duplicates("指标ID")
        return dict(zip(first["指标ID"], first[self.levels[-1]]))

    @cached_property
    def indicator_overview(self) -> pd.DataFrame:
        """Per family and level-3 indicator: how many units lost points, how many, and the average score rate;
        shares are of the units of that family."""
        level1, _, indicator = self.levels
        t = self.indicators[self.indicators["适用"] == "是"]
        t = t.assign(体系类型=t["部门代码"].map(self._families))
        lost = t[t["扣分"] > 0]
        keys = ["体系类型", "指标ID"]
        g = t.groupby(keys, sort=False)
        out = pd.DataFrame(
            {
                level1: g[level1].first(),
                indicator: g[indicator].first(),
                "分值": g["分值"].first(),
                "平均得分率（%）": g["得分率（%）"].mean().round(2),
                "扣分部门数": lost.groupby(keys, sort=False).size().reindex(g.size().index, fill_value=0),
                "扣分合计": lost.groupby(keys, sort=False)["扣分"].sum().reindex(g.size().index, fill_value=0).round(2),
            }
        ).reset_index()
        units = out["体系类型"].map(self._families.value_counts())
        out["扣分部门占比（%）"] = (out["扣分部门数"] / units * 100).round(2)
        return out

    def frequent_deductions(self, n: int = 15) -> pd.DataFrame:
        """The indicators most often deducted (ties: more points lost first), with counts."""
        t = self.indicator_overview
        t = t[t["扣分部门数"] > 0].sort_values(
            ["扣分部门数", "扣分合计", "指标ID"], ascending=[False, False, True], kind="stable"
        )
        level1, _, indicator = self.levels
        return t.head(n)[[indicator, level1, "分值", "扣分部门数", "扣分部门占比（%）", "扣分合计", "平均得分率（%）"]]

    def weakest_indicators(self, n: int = 5) -> pd.DataFrame:
        """The fixed-rubric indicators with the lowest average score rate below 100%."""
        t = self.fixed_overview.sort_values(["平均得分率（%）", "指标ID"], kind="stable")
        return t[t["平均得分率（%）"] < 100].head(n)

    @property
    def fixed_overview(self) -> pd.DataFrame:
        """indicator_overview of the fixed-rubric units: the indicators they all share."""
        return self.indicator_overview[self.indicator_overview["体系类型"] == FAMILY_LABEL[FIXED]]

    def frequent_findings(self, n: int | None = None, family: str | None = None) -> pd.DataFrame:
        """Finding codes by how many units (of one family, or all) have them, dismissed findings left out."""
        t = self.findings[self.findings["复核决定"] != DECISION_LABEL["dismissed"]]
        if family is not None:
            t = t[t["部门代码"].isin(self.codes(family))]
        if t.empty:
            return pd.DataFrame(columns=["发现代码", "发现类型", "级别", "部门数", "次数"])
        g = t.groupby("发现代码", sort=False)
        out = pd.DataFrame(
            {
                "发现类型": g["发现类型"].first(),
                "级别": g["级别"].first(),
                "部门数": g["部门代码"].nunique(),
                "次数": g.size(),
            }
        ).reset_index()
        out = out.sort_values(["部门数", "次数", "发现代码"], ascending=[False, False, True], kind="stable")
        return out if n is None else out.head(n)

    @cached_property
    def target_indicators(self) -> pd.DataFrame:
        """指标明细 rows of the target-family units that state a target (年度指标值)."""
        rows = self.indicators[self.indicators["部门代码"].isin(self.codes(TARGET))]
        return rows[rows["是否达成"] != NO_TARGET]

    @property
    def achievement(self) -> dict[str, int]:
        """Target-family indicators with a target: how many met (达成), not met (未达成), undecidable (无法判断)."""
        return families.achievement(self.target_indicators)

    def unmet(self, n: int | None = None) -> pd.DataFrame:
        """The target-family indicators whose target was not met, unit by unit in ranking order."""
        rows = self.target_indicators[self.target_indicators["是否达成"] == NOT_MET]
        order = {code: n for n, code in enumerate(self.ranking["部门代码"])}
        rows = rows.sort_values("部门代码", key=lambda c: c.map(order), kind="stable")
        return rows if n is None else rows.head(n)

    @cached_property
    def level1_comparison(self) -> pd.DataFrame:
        """Per level-1 indicator: weight and the spread of departments' score rates."""
        rows = []
        for label, weight in self.level1:
            scores = self.departments[f"{label}得分"].dropna()
            rates = self.level1_rates[label].dropna()
            rows.append(
                (
                    label,
                    weight,
                    _round(scores.mean()),
                    _round(rates.mean()),
                    _round(rates.min()),
                    _round(rates.median()),
                    _round(rates.max()),
                    int((rates < 100).sum()),
                )
            )
        return pd.DataFrame(
            rows,
            columns=[
                self.levels[0],
                "分值",
                "平均得分",
                "平均得分率（%）",
                "最低得分率（%）",
                "得分率中位数（%）",
                "最高得分率（%）",
                "有扣分的部门数",
            ],
        )

    @cached_property
    def statistics(self) -> dict[str, float | None]:
        s = self.departments["得分"]
        return {
            "平均分": _round(s.mean()),
            "中位数": _round(s.median()),
            "最高分": _round(s.max()),
            "最低分": _round(s.min()),
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """The three exported tables, by sheet name."""
        return {DEPARTMENT_SHEET: self.departments, INDICATOR_SHEET: self.indicators, FINDING_SHEET: self.findings}


def _observed_grades(results: list[dict]) -> list[tuple[str, float]]:
    """Without a loadable rubric: grades seen, best first, each with the lowest total that received it."""
    lows: dict[str, float] = {}
    for r in results:
        lows[final_grade(r)] = min(lows.get(final_grade(r), 1e9), final_total(r))
    return sorted(lows.items(), key=lambda kv: -kv[1])
