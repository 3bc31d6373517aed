"""The rows of a year summary's three tables, built from the units' result.json objects: 部门汇总 (one row per
unit, in the listing order of toolkit.summary.families), 指标明细 (unit × indicator, by code and rubric order)
and 复核发现 (one row per finding).

The published score of a unit is its audited score where a review exists (`audited_total`, `audited_grade`,
indicator `audited_score`) and its self-assessed score otherwise; 得分依据 says which.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from toolkit.core.findings import CATALOGUE, SEVERITY_ORDER, Decision, Severity
from toolkit.summary.families import met_label, rank_within_groups, unit_columns, unit_order, written

BASIS_REVIEWED, BASIS_SELF = "复核后得分", "自评分"
DECISION_LABEL = {d.value: d.label for d in Decision}
# The indicator table's numeric columns, in table order.
INDICATOR_NUMBERS = ["分值", "自评分", "复核得分", "扣分", "得分率（%）", "重算分"]
# The indicator table's target-versus-actual columns, after the numbers.
TARGET_COLUMNS = ["年度指标值", "实际完成值", "是否达成"]


def reviewed(r: dict) -> bool:
    return bool(r.get("review")) or bool(r.get("adjustments"))


def final_total(r: dict) -> float:
    """The published total: audited where present, else self-assessed."""
    return r["audited_total"] if r.get("audited_total") is not None else r["total"]


def final_grade(r: dict) -> str:
    return r.get("audited_grade") or r["grade"]


def _indicator_score(i: dict) -> float:
    return i["audited_score"] if i.get("audited_score") is not None else i["self_score"]


def round2(value: float | None) -> float | None:
    return None if value is None or value != value else round(float(value) + 0.0, 2)


def _decisions(r: dict) -> dict[tuple[str, str | None], str]:
    return {(d["code"], d.get("indicator")): d["decision"] for d in r.get("finding_decisions") or []}


def level1(r: dict) -> list[tuple[str, float, float]]:
    """(label, weight, published score) per level-1 group."""
    out = []
    for g in r.get("groups") or []:
        score = g["audited_score"] if g.get("audited_score") is not None else g["score"]
        out.append((g["name"], g["weight"], score))
    return out


def level1_weights(results: list[dict]) -> dict[str, float]:
    """The usual weight of each level-1 indicator (a not-applicable indicator can rescale one unit's)."""
    seen: dict[str, Counter] = {}
    for r in results:
        for label, weight, _ in level1(r):
            seen.setdefault(label, Counter())[weight] += 1
    return {label: weights.most_common(1)[0][0] for label, weights in seen.items()}


def level1_rates(results: list[dict]) -> pd.DataFrame:
    """Score rate (%) per unit (rows, by code) and level-1 indicator (columns)."""
    rows = {
        r["code"]: {label: score / weight * 100 if weight else None for label, weight, score in level1(r)}
        for r in results
    }
    return pd.DataFrame.from_dict(rows, orient="index")


def department_table(results: list[dict]) -> pd.DataFrame:
    """部门汇总: a row per unit in the listing order, 排名 within its family and kind."""
    labels = list(level1_weights(results))
    ordered = unit_order(results, lambda r: round2(final_total(r)) or 0.0)
    table = pd.DataFrame([_department_row(r, labels) for r in ordered])
    table.insert(0, "排名", rank_within_groups(table))
    return table


def _department_row(r: dict, labels: list[str]) -> dict:
    severities = Counter(f["severity"] for f in r["findings"])
    deducted = [i for i in r["indicators"] if i.get("applicable", True) and _indicator_score(i) < i["weight"]]
    scores = {label: score for label, _, score in level1(r)}
    return {
        "部门代码": r["code"],
        "部门名称": r["department"],
        "示例数据": "是" if r.get("fictional") else "否",
        "得分": round2(final_total(r)),
        "等级": final_grade(r),
        "得分依据": BASIS_REVIEWED if reviewed(r) else BASIS_SELF,
        "自评总分": round2(r["total"]),
        "自评等级": r["grade"],
        "重算总分": round2(r.get("recomputed_total")),
        "填报总分": round2(r.get("stated_total")),
        "填报等级": r.get("stated_grade") or "",
        **unit_columns(r),
        **{f"{label}得分": round2(scores.get(label)) for label in labels},
        "扣分指标数": len(deducted),
        "扣分合计": round2(sum(i["weight"] - _indicator_score(i) for i in deducted)),
        "复核发现数": len(r["findings"]),
        **{s.label: severities.get(s.value, 0) for s in sorted(Severity, key=SEVERITY_ORDER.__getitem__)},
        "评价指标体系": f"{r['rubric']}（{r.get('rubric_version', '')}）",
        "记录文件SHA-256": r.get("record_sha256", ""),
    }


def indicator_table(results: list[dict], levels: tuple[str, str, str]) -> pd.DataFrame:
    """指标明细: a row per unit and indicator, in the units' code order and the rubric's."""
    rows = [_indicator_row(r, i) for r in results for i in r["indicators"]]
    columns = [
        *("部门代码", "部门名称", *levels, "指标ID"),
        *INDICATOR_NUMBERS,
        *TARGET_COLUMNS,
        *("适用", "未达标原因", "改进措施"),
    ]
    table = pd.DataFrame(rows, columns=columns)
    table[INDICATOR_NUMBERS] = table[INDICATOR_NUMBERS].astype(float).round(2) + 0.0  # + 0.0 turns -0.0 into 0.0
    return table


def _indicator_row(r: dict, i: dict) -> tuple:
    """One indicator of a unit's result: its groups, scores (the published one included), points lost, score
    rate, target and actual as written and whether the target was met, and the unit's explanation."""
    applicable = i.get("applicable", True)
    score = _indicator_score(i)
    weight = i["weight"]
    return (
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
        written(i.get("target")),
        written(i.get("actual")),
        met_label(i),
        "是" if applicable else "否",
        i.get("reason") or "",
        i.get("measure") or "",
    )


def finding_table(results: list[dict]) -> pd.DataFrame:
    """复核发现: a row per finding, with the reviewer's decision on it."""
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
                    "" if decision is None else DECISION_LABEL.get(decision, ""),
                )
            )
    return pd.DataFrame(
        rows, columns=["部门代码", "部门名称", "发现代码", "级别", "发现类型", "指标", "说明", "复核决定"]
    )
