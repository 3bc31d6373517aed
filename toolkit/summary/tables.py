"""Cross-department summary of one year: tables built from the departments' result.json objects.

The published score of a department is its audited score where a review exists (`audited_total`,
`audited_grade`, indicator `audited_score`) and its self-assessed score otherwise; every table says which.
Column headers are the Chinese ones auditors read; the same tables go to the HTML summary, XLSX, CSV and JSON.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from toolkit.core.findings import CATALOGUE, SEVERITY_ORDER, Severity
from toolkit.core.problems import InputError, Problem, display_path
from toolkit.summary.roster import result_files

DEPARTMENT_SHEET, INDICATOR_SHEET, FINDING_SHEET = "部门汇总", "指标明细", "复核发现"
BASIS_REVIEWED, BASIS_SELF = "复核后得分", "自评分"
_DECISION_LABEL = {"accepted": "已确认", "dismissed": "已驳回"}


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


def _reviewed(r: dict) -> bool:
    return bool(r.get("review")) or bool(r.get("adjustments"))


def final_total(r: dict) -> float:
    """The published total: audited where present, else self-assessed."""
    return r["audited_total"] if r.get("audited_total") is not None else r["total"]


def final_grade(r: dict) -> str:
    return r.get("audited_grade") or r["grade"]


def _indicator_score(i: dict) -> float:
    return i["audited_score"] if i.get("audited_score") is not None else i["self_score"]


def _round(value: float | None) -> float | None:
    return None if value is None or value != value else round(float(value) + 0.0, 2)


def _decisions(r: dict) -> dict[tuple[str, str | None], str]:
    return {(d["code"], d.get("indicator")): d["decision"] for d in r.get("finding_decisions") or []}


def _level1(r: dict) -> list[tuple[str, float, float]]:
    """(label, weight, published score) per level-1 group."""
    out = []
    for g in r.get("groups") or []:
        score = g["audited_score"] if g.get("audited_score") is not None else g["score"]
        out.append((g["name"], g["weight"], score))
    return out


def _rubric_grades(rubric_ids: list[str]) -> list[tuple[str, float]]:
    """Grade bands (grade, lower bound), best first, from the first built-in rubric that loads."""
    from toolkit.core.rubric import load_rubric  # the rubric names the bands; nothing about grades is written here

    for rid in rubric_ids:
        try:
            return [(g.grade, float(g.min)) for g in load_rubric(rid).declaration.grades]
        except InputError:
            continue
    return []


@dataclass(frozen=True)
class Summary:
    """The tables of a year's cross-department summary. Built once from result dicts; never changed."""

    departments: pd.DataFrame  # 部门汇总: one row per department, in ranking order
    indicators: pd.DataFrame  # 指标明细: department × indicator, long form
    findings: pd.DataFrame  # 复核发现: one row per finding
    year: int | None
    grades: tuple[tuple[str, float], ...]  # bands best first
    level1: tuple[tuple[str, float], ...]  # (label, usual weight) of level-1 indicators, table order
    level1_rates: pd.DataFrame  # score rate (%) per department (rows, by code) and level-1 indicator (columns)
    reviewed: int  # departments whose published score is the audited one
    rubrics: tuple[tuple[str, str, str], ...]  # (id, version, sha256)
    record_hashes: tuple[tuple[str, str], ...]  # (code, record sha256)

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
        grades = _rubric_grades([rid for rid, _, _ in rubrics]) or _observed_grades(results)
        return cls(
            departments=_department_table(results),
            indicators=_indicator_table(results),
            findings=_finding_table(results),
            year=years[0] if len(years) == 1 else None,
            grades=tuple(grades),
            level1=tuple(_level1_weights(results).items()),
            level1_rates=_level1_rates(results),
            reviewed=sum(_reviewed(r) for r in results),
            rubrics=rubrics,
            record_hashes=tuple((r["code"], r.get("record_sha256", "")) for r in results),
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
    def matrix(self) -> pd.DataFrame:
        """Score rate (%) of each level-3 indicator (rows, rubric order) in each department (columns, ranking order)."""
        table = self.indicators[self.indicators["适用"] == "是"]
        pivot = table.pivot(index="指标ID", columns="部门代码", values="得分率（%）")
        order = list(dict.fromkeys(self.indicators["指标ID"]))
        return pivot.reindex(index=[i for i in order if i in pivot.index], columns=list(self.departments["部门代码"]))

    @cached_property
    def indicator_labels(self) -> dict[str, str]:
        first = self.indicators.drop_duplicates("指标ID")
        return dict(zip(first["指标ID"], first["三级指标"]))

    @cached_property
    def indicator_overview(self) -> pd.DataFrame:
        """Per level-3 indicator: how many departments lost points, how many, and the average score rate."""
        t = self.indicators[self.indicators["适用"] == "是"]
        lost = t[t["扣分"] > 0]
        g = t.groupby("指标ID", sort=False)
        out = pd.DataFrame(
            {
                "一级指标": g["一级指标"].first(),
                "三级指标": g["三级指标"].first(),
                "分值": g["分值"].first(),
                "平均得分率（%）": g["得分率（%）"].mean().round(2),
                "扣分部门数": lost.groupby("指标ID", sort=False).size().reindex(g.size().index, fill_value=0),
                "扣分合计": lost.groupby("指标ID", sort=False)["扣分"]
                .sum()
                .reindex(g.size().index, fill_value=0)
                .round(2),
            }
        )
        out["扣分部门占比（%）"] = (out["扣分部门数"] / self.count * 100).round(2)
        return out.reset_index()

    def frequent_deductions(self, n: int = 15) -> pd.DataFrame:
        """The indicators most often deducted (ties: more points lost first), with counts."""
        t = self.indicator_overview
        t = t[t["扣分部门数"] > 0].sort_values(
            ["扣分部门数", "扣分合计", "指标ID"], ascending=[False, False, True], kind="stable"
        )
        return t.head(n)[
            ["三级指标", "一级指标", "分值", "扣分部门数", "扣分部门占比（%）", "扣分合计", "平均得分率（%）"]
        ]

    def weakest_indicators(self, n: int = 5) -> pd.DataFrame:
        t = self.indicator_overview.sort_values(["平均得分率（%）", "指标ID"], kind="stable")
        return t[t["平均得分率（%）"] < 100].head(n)

    def frequent_findings(self, n: int | None = None) -> pd.DataFrame:
        """Finding codes by how many departments have them (dismissed findings left out), with counts."""
        t = self.findings[self.findings["复核决定"] != _DECISION_LABEL["dismissed"]]
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
                "一级指标",
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
    def statistics(self) -> dict[str, float]:
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


def _level1_weights(results: list[dict]) -> dict[str, float]:
    """The usual weight of each level-1 indicator (a not-applicable indicator can rescale one department's)."""
    seen: dict[str, Counter] = {}
    for r in results:
        for label, weight, _ in _level1(r):
            seen.setdefault(label, Counter())[weight] += 1
    return {label: weights.most_common(1)[0][0] for label, weights in seen.items()}


def _level1_rates(results: list[dict]) -> pd.DataFrame:
    rows = {
        r["code"]: {label: score / weight * 100 if weight else None for label, weight, score in _level1(r)}
        for r in results
    }
    return pd.DataFrame.from_dict(rows, orient="index")


def _department_table(results: list[dict]) -> pd.DataFrame:
    labels = list(_level1_weights(results))
    rows = []
    for r in results:
        severities = Counter(f["severity"] for f in r["findings"])
        deducted = [i for i in r["indicators"] if i.get("applicable", True) and _indicator_score(i) < i["weight"]]
        level1 = {label: score for label, _, score in _level1(r)}
        row = {
            "部门代码": r["code"],
            "部门名称": r["department"],
            "示例数据": "是" if r.get("fictional") else "否",
            "得分": _round(final_total(r)),
            "等级": final_grade(r),
            "得分依据": BASIS_REVIEWED if _reviewed(r) else BASIS_SELF,
            "自评总分": _round(r["total"]),
            "自评等级": r["grade"],
            "填报总分": _round(r.get("stated_total")),
            "填报等级": r.get("stated_grade") or "",
        }
        row.update({f"{label}得分": _round(level1.get(label)) for label in labels})
        row.update(
            {
                "扣分指标数": len(deducted),
                "扣分合计": _round(sum(i["weight"] - _indicator_score(i) for i in deducted)),
                "复核发现数": len(r["findings"]),
                **{s.label: severities.get(s.value, 0) for s in sorted(Severity, key=SEVERITY_ORDER.get)},
                "评价指标体系": f"{r['rubric']}（{r.get('rubric_version', '')}）",
                "记录文件SHA-256": r.get("record_sha256", ""),
            }
        )
        rows.append(row)
    table = pd.DataFrame(rows)
    # Ranking: highest published score first; equal scores share the better rank and are listed by code.
    table = table.sort_values(["得分", "部门代码"], ascending=[False, True], kind="stable").reset_index(drop=True)
    table.insert(0, "排名", table["得分"].rank(method="min", ascending=False).astype(int))
    return table


def _indicator_table(results: list[dict]) -> pd.DataFrame:
    rows = []
    for r in results:
        for i in r["indicators"]:
            applicable = i.get("applicable", True)
            score = _indicator_score(i)
            weight = i["weight"]
            rows.append(
                (
                    r["code"],
                    r["department"],
                    i.get("level1") or "",
                    i.get("level2") or "",
                    i["name"],
                    i["id"],
                    weight,
                    i["self_score"],
                    score,
                    max(weight - score, 0) if applicable else 0.0,
                    score / weight * 100 if applicable and weight else None,
                    i.get("recomputed_score"),
                    "是" if applicable else "否",
                    i.get("reason") or "",
                    i.get("measure") or "",
                )
            )
    table = pd.DataFrame(
        rows,
        columns=[
            "部门代码",
            "部门名称",
            "一级指标",
            "二级指标",
            "三级指标",
            "指标ID",
            "分值",
            "自评分",
            "复核得分",
            "扣分",
            "得分率（%）",
            "重算分",
            "适用",
            "未达标原因",
            "改进措施",
        ],
    )
    numbers = ["分值", "自评分", "复核得分", "扣分", "得分率（%）", "重算分"]
    table[numbers] = table[numbers].astype(float).round(2) + 0.0  # + 0.0 turns -0.0 into 0.0
    return table


def _finding_table(results: list[dict]) -> pd.DataFrame:
    labels = {s.value: s.label for s in Severity}
    rows = []
    for r in results:
        names = {i["id"]: i["name"] for i in r["indicators"]}
        decisions = _decisions(r)
        for f in r["findings"]:
            decision = decisions.get((f["code"], f.get("indicator"))) or decisions.get((f["code"], None))
            rows.append(
                (
                    r["code"],
                    r["department"],
                    f["code"],
                    labels.get(f["severity"], f["severity"]),
                    CATALOGUE[f["code"]][1] if f["code"] in CATALOGUE else f["code"],
                    names.get(f.get("indicator"), f.get("indicator") or ""),
                    f["message"],
                    _DECISION_LABEL.get(decision, ""),
                )
            )
    return pd.DataFrame(
        rows, columns=["部门代码", "部门名称", "发现代码", "级别", "发现类型", "指标", "说明", "复核决定"]
    )
