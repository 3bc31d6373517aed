"""Reviewer checks. Each check looks at one thing and returns every finding it sees, with its numbers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from toolkit.core import target_checks
from toolkit.core.findings import Finding, Severity, finding
from toolkit.core.numbers import ZERO, RoundingMode, decimals_of, fmt, round_to
from toolkit.core.record import Record
from toolkit.core.result import IndicatorResult
from toolkit.core.rubric import Rubric

# A reason that states the points deducted: 扣1分, 扣除0.5分, 扣两分.
_DEDUCTION_TEXT = re.compile(r"扣(?:除|减)?\s*([0-9]+(?:\.[0-9]+)?|[一二两三四五六七八九十半]+)\s*分")
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# Words that describe a shortfall; on a full score they contradict the score.
_PROBLEM_WORDS = re.compile(
    r"扣|未(?:能|按|完成|达|开展|及时|在)|不足|偏低|超出|超过|滞后|不到位|不规范|不完善|差距|缺少|缺乏|逾期|延迟|问题"
)
# “未发现问题”“未超过预算” deny a problem: such phrases are removed before looking for problem words.
_DENIED = re.compile(r"(?:未|无|没有|不存在)(?:发现|出现|存在)?(?:任何|明显)?(?:问题|超出|超过|逾期|延迟|滞后|差距)")
_LOW_TARGET = re.compile(r"(?:指标值|目标值|指标)[^。；;]{0,12}?(?:偏低|过低|较低|设置不合理|不够科学)")
_ONE_TEXT_COLUMN = ("target", "budget_execution")
_TERMINAL = set("。！？!?…；;.)）”」』】")
_DANGLING = set("，,、：:（(“「《—-")


def _cn_number(text: str) -> Decimal:
    if text[0].isdigit():
        return Decimal(text)
    if text == "半":
        return Decimal("0.5")
    if text.startswith("十"):
        return Decimal(10 + _CN_DIGITS.get(text[1:], 0)) if len(text) > 1 else Decimal(10)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return Decimal(_CN_DIGITS[tens] * 10 + _CN_DIGITS.get(ones, 0))
    return Decimal(_CN_DIGITS.get(text, 0))


def _score_row(i: IndicatorResult, rubric: Rubric) -> Iterable[Finding]:
    places = rubric.rounding.places
    if i.missing:
        yield finding("MISSING_INDICATOR", i.id, f"记录中缺少指标“{i.label}”（分值 {fmt(i.weight)}），按 0 分计")
        return
    if i.self_score < 0:
        yield finding("SCORE_NEGATIVE", i.id, f"“{i.label}”自评分 {fmt(i.self_score)} 为负数", score=i.self_score)
    if i.self_score > i.weight:
        yield finding(
            "SCORE_ABOVE_WEIGHT",
            i.id,
            f"“{i.label}”自评分 {fmt(i.self_score, 6)} 超过分值 {fmt(i.weight)}",
            score=i.self_score,
            weight=i.weight,
        )
    if _may_exceed(i.self_score, places) and decimals_of(i.self_score) > places:
        yield finding(
            "SCORE_PRECISION",
            i.id,
            f"“{i.label}”自评分 {i.self_score} 有 {decimals_of(i.self_score)} 位小数，指标体系规定保留 {places} 位",
            score=i.self_score,
        )


def _may_exceed(value: Decimal, places: int) -> bool:
    """Cheap pre-test for decimals_of(value) > places, run for every score: the written form is long enough."""
    text = str(value)
    dot = text.find(".")
    return "E" in text or (dot >= 0 and len(text) - dot - 1 > places)


def _placeholders(record: Record, total: Decimal, grade: str) -> Iterable[Finding]:
    # A property of the rubric alone: worked out once per (immutable) rubric, not once per record.
    return record.rubric.derive("placeholder_findings", _placeholder_findings)


def _placeholder_findings(rubric: Rubric) -> tuple[Finding, ...]:
    return tuple(
        finding(
            "UNNAMED_INDICATOR",
            ind.id,
            f"{'－'.join(g.label for g in ind.groups)}下有一项分值 {fmt(ind.weight)} 的指标"
            f"原表未列名称和解释，以“{ind.id}”暂记，需向部门核实",
            weight=ind.weight,
        )
        for ind in rubric.indicators
        if ind.node.placeholder
    )


def _not_applicable_row(i: IndicatorResult, rubric: Rubric) -> Iterable[Finding]:
    if i.rule == "not_applicable":
        how = "剔除后其余指标按比例折算为满分 100 分" if not i.applicable else "按满分计"
        yield finding("NOT_APPLICABLE", i.id, f"“{i.label}”（分值 {fmt(i.weight)}）不适用，{how}")


def _deduction_row(i: IndicatorResult, rubric: Rubric) -> Iterable[Finding]:
    if i.missing or i.unscored or not i.applicable:
        return
    lost = i.weight - i.self_score
    reason = i.reason.strip() if i.reason else ""
    if not reason and lost <= 0:
        return  # the usual row: full marks, nothing written
    if lost > 0:
        # A budget-execution score follows from its rate; the rate, not a reason, explains the deduction.
        if not reason and i.rule != "budget_execution":
            yield finding(
                "DEDUCTION_WITHOUT_REASON",
                i.id,
                f"“{i.label}”扣 {fmt(lost)} 分（{fmt(i.weight)} → {fmt(i.self_score)}），未说明原因",
                lost=lost,
            )
        # The target-versus-actual forms have one column for the reason and the measure (偏差原因分析及改进措施).
        if not (i.measure or "").strip() and i.rule not in _ONE_TEXT_COLUMN:
            yield finding("DEDUCTION_WITHOUT_MEASURE", i.id, f"“{i.label}”扣 {fmt(lost)} 分，未提出改进措施", lost=lost)
        if reason and _LOW_TARGET.search(reason):
            yield finding(
                "LOW_TARGET_VALUES",
                i.id,
                f"“{i.label}”扣 {fmt(lost)} 分，原因为指标值设置偏低：目标设定不够科学，应结合历年完成值合理设定",
                lost=lost,
            )
    elif lost == 0 and _PROBLEM_WORDS.search(_DENIED.sub("", reason)):
        yield finding(
            "FULL_SCORE_WITH_PROBLEM", i.id, f"“{i.label}”得满分 {fmt(i.weight)}，但原因栏写有问题：“{_clip(reason)}”"
        )
    stated = [_cn_number(m.group(1)) for m in _DEDUCTION_TEXT.finditer(reason)] if "扣" in reason else []
    if stated and sum(stated) != lost:
        yield finding(
            "DEDUCTION_TEXT_MISMATCH",
            i.id,
            f"“{i.label}”原因写明扣 {fmt(sum(stated))} 分，"
            f"实际扣 {fmt(lost)} 分（{fmt(i.weight)} → {fmt(i.self_score)}）",
            stated=sum(stated),
            lost=lost,
        )


def _evidence_row(i: IndicatorResult, rubric: Rubric) -> Iterable[Finding]:
    """Every check that reads the row's evidence: the recomputation, and a target against its actual."""
    yield from _recomputed_row(i, rubric)
    if i.unscored and i.rule not in ("target", "budget_execution"):  # those two say it with their own checks
        yield finding("SCORE_MISSING", i.id, f"“{i.label}”（分值 {fmt(i.weight)}）未填写得分，按 0 分计")
    if i.rule in _ONE_TEXT_COLUMN:  # only rows of the target-versus-actual forms
        yield from target_checks.execution_row(i, rubric)
        yield from target_checks.target_row(i, rubric)


def _recomputed_row(i: IndicatorResult, rubric: Rubric) -> Iterable[Finding]:
    if i.unscored:
        return  # nothing stated to compare (reported as SCORE_MISSING)
    if i.recomputed_raw is None:
        # A target row that cannot be recomputed says why itself (target_checks.target_row).
        if not i.missing and i.rule not in ("judgement", "not_applicable", "target"):
            yield finding(
                "EVIDENCE_MISSING", i.id, f"“{i.label}”按规则（{i.rule}）计分，但记录未提供计分依据，无法重算"
            )
        return
    if i.self_score == i.recomputed_score or i.recomputed_score is None:
        return
    rounding, tolerance = rubric.rounding, rubric.tolerance.score
    diff = abs(i.self_score - i.recomputed_score)
    basis = (
        f"依据重算 {i.formula} = {fmt(i.recomputed_raw, 4)}，"
        f"按{rounding.mode.label}保留 {rounding.places} 位为 {fmt(i.recomputed_score)}"
    )
    if diff <= tolerance:
        why = _other_rounding(i, rubric)
        yield finding(
            "ROUNDING_DIFFERENCE",
            i.id,
            f"“{i.label}”{basis}，自评 {fmt(i.self_score)}，相差 {fmt(diff)}（容差 {fmt(tolerance)} 以内）{why}",
            raw=i.recomputed_raw,
            recomputed=i.recomputed_score,
            stated=i.self_score,
        )
    else:
        yield finding(
            "EXECUTION_SCORE_MISMATCH" if i.rule == "budget_execution" else "RECOMPUTED_MISMATCH",
            i.id,
            f"“{i.label}”{basis}，自评 {fmt(i.self_score)}，相差 {fmt(diff)}，超出容差 {fmt(tolerance)}",
            raw=i.recomputed_raw,
            recomputed=i.recomputed_score,
            stated=i.self_score,
        )


def _other_rounding(i: IndicatorResult, rubric: Rubric) -> str:
    """Says which other rounding gives the stated score, when one does: the table rounds two ways."""
    assert i.recomputed_raw is not None
    places, mode = rubric.rounding.places, rubric.rounding.mode
    modes = [m.label for m in RoundingMode if m is not mode and round_to(i.recomputed_raw, places, m) == i.self_score]
    return f"，自评分与{'/'.join(modes)}结果一致，同一表内取舍方式不一" if modes else ""


def _totals(record: Record, total: Decimal, grade: str) -> Iterable[Finding]:
    tolerance = record.rubric.tolerance.score
    stated_total, stated_grade = record.data.stated_total, record.data.stated_grade
    if record.data.stated_total_is_weight:
        pass  # the printed 合计 adds up weights: target_checks.form_texts says so
    elif stated_total is None:
        yield finding("STATED_TOTAL_MISSING", None, f"记录未填报总分；各项得分合计 {fmt(total)}")
    elif abs(stated_total - total) > tolerance:
        yield finding(
            "TOTAL_MISMATCH",
            None,
            f"填报总分 {fmt(stated_total)}，各项得分合计 {fmt(total)}，相差 {fmt(stated_total - total)}",
            stated=stated_total,
            computed=total,
        )
    if stated_grade is None and record.rubric.family == "fixed":  # the national forms print no grade
        yield finding("STATED_GRADE_MISSING", None, f"记录未勾选评价等级；按总分 {fmt(total)} 应为“{grade}”")
    elif stated_grade is not None and stated_grade != grade:
        yield finding(
            "GRADE_MISMATCH",
            None,
            f"勾选等级“{stated_grade}”，但总分 {fmt(total)} 对应等级为“{grade}”",
            stated=stated_grade,
            computed=grade,
        )


def _budget(record: Record, total: Decimal, grade: str) -> Iterable[Finding]:
    budget = record.data.budget
    if budget is None:
        return
    parts = sum(budget.components.values(), ZERO)
    diff = parts - budget.total
    if diff == 0:
        return
    tolerance = record.rubric.tolerance.budget
    within = abs(diff) <= tolerance
    terms = " + ".join(f"{name} {v:,.2f}" for name, v in budget.components.items())
    tail = "，属尾数舍入差异" if within else f"，超出容差 {tolerance} 万元"
    yield finding(
        "BUDGET_SUM_MISMATCH",
        None,
        f"{terms} = {parts:,.2f} 万元，填报总预算 {budget.total:,.2f} 万元，相差 {diff:+,.2f} 万元{tail}",
        Severity.INFO if within else Severity.ERROR,
        components=parts,
        total=budget.total,
        difference=diff,
    )


def _clip(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _cut_off(last: str, in_list: bool) -> bool:
    """Whether a text ending in `last` (its last non-blank character, "" if blank) stops mid-sentence."""
    return bool(last) and (
        last in _DANGLING or (in_list and last not in _TERMINAL and not last.isdigit() and last != "%")
    )


def _text_lists(record: Record, total: Decimal, grade: str) -> Iterable[Finding]:
    data = record.data
    lists = (
        ("goals", "年度绩效目标", data.goals),
        ("completions", "目标完成情况", data.completions),
        ("unmet_reasons", "未完成原因", data.unmet_reasons),
    )
    for field, label, items in lists:
        if not items:
            continue
        ends = [text.rstrip()[-1:] for text in items]
        if _TERMINAL.issuperset(ends):
            continue  # the usual list: every item ends a sentence
        # A list item without final punctuation is cut off only when its siblings have it.
        punctuated = not _TERMINAL.isdisjoint(ends)
        for n, text in enumerate(items):
            if _cut_off(ends[n], punctuated):
                yield finding(
                    "TRUNCATED_TEXT",
                    None,
                    f"{label}第 {n + 1} 条文字不完整，止于“…{text.strip()[-12:]}”，疑为截断",
                    field=f"{field}[{n}]",
                )


def _text_row(i: IndicatorResult, rubric: Rubric) -> Iterable[Finding]:
    if not (i.reason or i.measure):
        return  # the usual row: nothing written
    for field, label, text in (("reason", "未达标原因", i.reason), ("measure", "改进措施", i.measure)):
        if text and _cut_off(text.strip()[-1:], in_list=False):
            yield finding(
                "TRUNCATED_TEXT", i.id, f"“{i.label}”{label}止于“…{text.strip()[-12:]}”，疑为截断", field=field
            )


def _goal_count(record: Record, total: Decimal, grade: str) -> Iterable[Finding]:
    data = record.data
    if data.goals and data.completions and len(data.goals) != len(data.completions):
        yield finding(
            "GOALS_COMPLETION_COUNT",
            None,
            f"年度绩效目标 {len(data.goals)} 条，完成情况 {len(data.completions)} 条，未能逐条对应",
        )


RowFindings = tuple[tuple[Finding, ...], ...]
# Checks of one row see only that row and the rubric: for rows shared across records (see scoring), their
# findings are worked out once. The order below is the order findings are reported in. All but
# _recomputed_row read only what the department wrote (score, texts, applicability), not the evidence.
ROW_CHECKS: tuple[Callable[[IndicatorResult, Rubric], Iterable[Finding]], ...] = (
    _score_row,
    _not_applicable_row,
    _deduction_row,
    _evidence_row,
    _text_row,
)
_EVIDENCE_CHECK = ROW_CHECKS.index(_evidence_row)
NO_ROW_FINDINGS: RowFindings = tuple(() for _ in ROW_CHECKS)  # the usual row: shared, and skipped by run_all
_STEPS: tuple = (
    ("row", 0),
    ("record", _placeholders),
    ("row", 1),
    ("row", 2),
    ("row", 3),
    ("record", _totals),
    ("record", _budget),
    ("record", target_checks.execution),
    ("record", target_checks.budget_rows),
    ("record", target_checks.frame_weights),
    ("record", target_checks.form_texts),
    ("record", target_checks.text_amounts),
    ("record", _text_lists),
    ("row", 4),
    ("record", _goal_count),
)


def row_findings(i: IndicatorResult, rubric: Rubric, written_alike: RowFindings | None = None) -> RowFindings:
    """The findings of every row check for one row, one tuple per check in ROW_CHECKS.

    `written_alike`: the row findings of a row of the same indicator written alike (same score, reason,
    measure and applicability); only the check of the evidence is worked out again."""
    if written_alike is None:
        found = tuple([tuple(check(i, rubric)) for check in ROW_CHECKS])
    else:
        at = _EVIDENCE_CHECK
        found = (*written_alike[:at], tuple(_evidence_row(i, rubric)), *written_alike[at + 1 :])
    return found if any(found) else NO_ROW_FINDINGS


def run_all(
    record: Record,
    indicators: Sequence[IndicatorResult],
    total: Decimal,
    grade: str,
    rows: Sequence[RowFindings] | None = None,
) -> tuple[Finding, ...]:
    """Every finding of every check on a scored record (its rows, total and grade), in a stable order.
    `rows`, when given, holds row_findings() per indicator."""
    rubric = record.rubric
    if rows is None:
        rows = [row_findings(i, rubric) for i in indicators]
    rows = [row for row in rows if row is not NO_ROW_FINDINGS]
    out: list[Finding] = []
    for kind, step in _STEPS:
        if kind == "row":
            for row in rows:
                if row[step]:
                    out.extend(row[step])
        else:
            out.extend(step(record, total, grade))
    return tuple(out)
