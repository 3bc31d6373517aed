"""Reviewer checks of the target-versus-actual forms: budget execution, targets against actuals, the frame.

Row checks see one indicator row (its target, actual, weight and score); record checks see the execution block,
the frame's weights and the form's texts. Each finding carries its numbers. Fixed rubrics never raise these:
their rows have no target and their records no execution block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from toolkit.core.findings import Finding, Severity, finding
from toolkit.core.frame import execution_leaf, weight_mismatches
from toolkit.core.numbers import HUNDRED, fmt, round_to
from toolkit.core.record import Record, execution_figures
from toolkit.core.result import IndicatorResult
from toolkit.core.rubric import Rubric
from toolkit.core.rules import BudgetExecution, Target
from toolkit.core.targets import MeasureKind, Operator, far_exceeded, units_agree

# Instruction text of the printed form left in a cell: （100字以内）, 对照年度目标，说明…
_TEMPLATE = re.compile(
    r"[（(]\s*\d+\s*字以内\s*[)）]|^对照年度目标|^结合自评情况|^针对项目自评中发现的问题|应单独说明理由"
)
# Actuals that only say the target was reached: nothing a reviewer can check.
_ONLY_DONE = {
    "达成预期指标",
    "达到预期指标",
    "达成预期目标",
    "达到预期目标",
    "达成预期",
    "达到预期",
    "完成",
    "已完成",
    "按时完成",
    "达标",
    "好",
    "是",
}
# One indicator holding this share of the total weight or more is a design problem a reviewer names.
_CONCENTRATION = Decimal("0.5")
# A 数量指标 counts what the project is to deliver, so its target says at least (≥). At most (≤) fits only what is
# to be kept down, which some forms file there too: accidents, complaints, errors.
_QUANTITY_GROUP = "数量"
_KEPT_DOWN = (
    "事故",
    "投诉",
    "投訴",
    "差错",
    "違規",
    "违规",
    "违纪",
    "故障",
    "不合格",
    "超标",
    "逾期",
    "信访",
    "上访",
    "损失",
)
# An amount stated in a goal or completion text, and its breakdown: 共完成预算资金89.97万元。其中:30万元用于…
_TOTAL_AMOUNT = re.compile(r"共[^。；;，,\d]{0,12}?(\d+(?:\.\d+)?)\s*万元")
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*万元")
# Groups whose rows measure one kind of thing, and how a misfiled row shows: (words naming the group, words of
# what its rows measure, words that betray a row measuring something else (None: lacking the first is enough),
# what the group measures, what the row looks like, where it belongs). 满意度: how the people served judge the
# project (滿意度 in the traditional characters some pages keep); 生态效益: the environment, never a cost.
_KINDS = (
    (
        ("满意", "滿意"),
        ("满意", "滿意", "认可", "認可", "评价", "評價", "好评", "好評", "投诉", "投訴"),
        None,
        "服务对象的满意度",
        "一项工作任务",
        "应归入产出指标，满意度指标应写明所调查的对象和满意率",
    ),
    (
        ("生态",),
        ("生态", "环境", "绿", "污染", "排放", "水", "土", "林", "空气", "节能", "能耗", "碳", "植被", "湿地", "垃圾"),
        ("成本", "费用", "造价", "价格", "资金", "收入", "经济"),
        "生态效益",
        "成本或经济上的影响",
        "应归入经济效益指标或成本指标",
    ),
)


def target_row(i: IndicatorResult, rubric: Rubric) -> Iterable[Finding]:
    """What a target and an actual say about one row's score."""
    if i.rule != "target" or i.missing:
        return
    yield from _misclassified(i)
    yield from _direction(i)
    if i.unscored:
        yield finding("SCORE_MISSING", i.id, f"“{i.label}”（分值 {fmt(i.weight)}）未填写得分，按 0 分计")
    target, actual = i.target, i.actual
    if target is None or actual is None:
        return
    if target.kind is MeasureKind.EMPTY or actual.kind is MeasureKind.EMPTY:
        what = "年度指标值" if target.kind is MeasureKind.EMPTY else "实际完成值"
        yield finding(
            "EVIDENCE_MISSING", i.id, f"“{i.label}”未填写{what}（{target.shown} / {actual.shown}），得分无从核对"
        )
        return
    if target.kind is not MeasureKind.QUANTITY and _says_only_done(actual.written) and i.self_score >= i.weight:
        yield finding(
            "EVIDENCE_MISSING",
            i.id,
            f"“{i.label}”得满分 {fmt(i.weight)}，但实际完成值只写“{actual.written}”（目标“{target.written}”），"
            "没有可核对的完成情况",
        )
    if target.kind is MeasureKind.QUANTITY and actual.kind is MeasureKind.TEXT:
        yield finding(
            "ACTUAL_NOT_MEASURABLE",
            i.id,
            f"“{i.label}”目标为量化指标 {target.shown}，实际完成值只写“{actual.written}”，无法核对是否完成"
            f"（自评 {fmt(i.self_score)} / {fmt(i.weight)}）",
            target=target.written,
            actual=actual.written,
        )
    elif (
        target.kind is MeasureKind.QUANTITY and actual.kind is MeasureKind.QUANTITY and not units_agree(target, actual)
    ):
        yield finding(
            "UNIT_MISMATCH", i.id, f"“{i.label}”目标单位为“{target.unit}”，实际完成值单位为“{actual.unit}”，无法比较"
        )
    yield from _met_row(i, rubric)


def _misclassified(i: IndicatorResult) -> Iterable[Finding]:
    """A row filed under a group that measures something else (table 13: the task 整编资料审核 under 满意度指标;
    table 02: 对控制基建项目成本影响程度 under 生态效益指标)."""
    for names, belongs, betrays, measures, looks, advice in _KINDS:
        group = next((g for g in reversed(i.groups) if any(w in g for w in names)), None)
        if group is None or any(w in i.label for w in belongs):
            continue
        if betrays is None or any(w in i.label for w in betrays):
            yield finding(
                "INDICATOR_MISCLASSIFIED",
                i.id,
                f"“{i.label}”列在“{group}”下，但它衡量的不是{measures}，看来是{looks}：{advice}",
            )


def _direction(i: IndicatorResult) -> Iterable[Finding]:
    """A quantity to be delivered whose target says at most (table 04: 「≤4」 for 开展精品示范村建设数量)."""
    target = i.target
    if target is None or target.kind is not MeasureKind.QUANTITY or target.operator not in (Operator.LE, Operator.LT):
        return
    if any(_QUANTITY_GROUP in g for g in i.groups) and not any(w in i.label for w in _KEPT_DOWN):
        yield finding(
            "TARGET_DIRECTION",
            i.id,
            f"“{i.label}”是数量指标，目标却写“{target.written}”（至多）：数量指标是应达到的数量，通常写“≥”；"
            "完成情况按所写判断，目标方向可能写反",
            target=target.written,
        )


def _says_only_done(text: str) -> bool:
    return text.strip().rstrip("。.") in _ONLY_DONE


def _met_row(i: IndicatorResult, rubric: Rubric) -> Iterable[Finding]:
    target, actual = i.target, i.actual
    assert target is not None and actual is not None
    if i.met is False and not i.unscored and i.self_score >= i.weight:
        yield finding(
            "TARGET_NOT_MET_FULL_SCORE",
            i.id,
            f"“{i.label}”实际完成 {actual.shown}，未达到目标 {target.shown}，却得满分 {fmt(i.weight)}",
            target=target.written,
            actual=actual.written,
        )
    if i.met is True and not i.unscored and i.self_score < i.weight and not (i.reason or "").strip():
        yield finding(
            "DEDUCTION_ALTHOUGH_MET",
            i.id,
            f"“{i.label}”实际完成 {actual.shown}，已达到目标 {target.shown}，却扣 {fmt(i.weight - i.self_score)} 分"
            f"（{fmt(i.weight)} → {fmt(i.self_score)}），未说明原因",
            lost=i.weight - i.self_score,
        )
    rule = rubric.indicator(i.id)
    threshold = rule.rule.far_exceeded_at if rule is not None and isinstance(rule.rule, Target) else Decimal("1.3")
    if i.met and far_exceeded(target, actual, threshold):
        share = actual.value / target.value  # type: ignore[operator]  # far_exceeded: both are quantities
        yield finding(
            "TARGET_FAR_EXCEEDED",
            i.id,
            f"“{i.label}”实际完成 {actual.shown}，为目标 {target.shown} 的 {fmt(share * HUNDRED)}%"
            f"（超过 {fmt(threshold * HUNDRED)}%），指标值设置偏低",
            ratio=share,
        )


def execution_row(i: IndicatorResult, rubric: Rubric) -> Iterable[Finding]:
    """A blank budget-execution score; the recomputation itself is compared by the evidence check."""
    if i.rule == "budget_execution" and i.unscored:
        yield finding("SCORE_MISSING", i.id, f"“{i.label}”（分值 {fmt(i.weight)}）未填写得分，按 0 分计")


def execution(record: Record, total: Decimal, grade: str) -> Iterable[Finding]:
    """The execution block: its rate as printed, spending above the budget, budgets changed to the spend."""
    block = record.data.execution
    leaf = execution_leaf(record.rubric) if block is not None else None
    if block is None or leaf is None:
        return
    assert isinstance(leaf.rule, BudgetExecution)
    figures = execution_figures(block, leaf.rule.divide_by)
    if figures is None:
        return
    budget, executed = figures
    if budget > 0 and block.stated_rate is not None:
        rate = executed / budget * HUNDRED
        if abs(round_to(rate, 2, record.rubric.rounding.mode) - block.stated_rate) > Decimal("0.01"):
            yield finding(
                "EXECUTION_RATE_MISMATCH",
                leaf.id,
                f"填报执行率 {fmt(block.stated_rate)}%，按 {fmt(executed, 4)} ÷ {fmt(budget, 4)} 计算应为 {fmt(rate)}%",
                stated=block.stated_rate,
                computed=rate,
            )
    if executed > budget:
        yield finding(
            "EXECUTION_OVER_BUDGET",
            leaf.id,
            f"执行数 {fmt(executed, 4)} 万元超过预算数 {fmt(budget, 4)} 万元"
            f"（执行率 {fmt(executed / budget * HUNDRED) if budget else '—'}%），超预算支出需说明资金来源",
            executed=executed,
            budget=budget,
        )
    yield from _adjusted_to_spend(record, leaf.id)


def _adjusted_to_spend(record: Record, leaf: str) -> Iterable[Finding]:
    block = record.data.execution
    assert block is not None
    row = block.total if not block.total.all_zero else None
    rows = [("年度资金总额", row)] if row is not None else list(block.components.items())
    for name, amounts in rows:
        initial, adjusted, executed = amounts.initial, amounts.adjusted, amounts.executed
        if initial is None or adjusted is None or executed is None or initial == adjusted:
            continue
        if adjusted == executed and not _explained(block.reason):
            change = "追加" if adjusted > initial else "调减"
            yield finding(
                "BUDGET_ADJUSTED_TO_SPEND",
                leaf,
                f"{name}年初预算 {fmt(initial, 4)} 万元，年中{change}为 {fmt(adjusted, 4)} 万元，恰等于执行数"
                f" {fmt(executed, 4)} 万元，执行率因此为 100%；未说明调整理由",
                initial=initial,
                adjusted=adjusted,
                executed=executed,
            )


def _explained(reason: str | None) -> bool:
    return bool(reason and reason.strip() and not _TEMPLATE.search(reason))


def budget_rows(record: Record, total: Decimal, grade: str) -> Iterable[Finding]:
    """The total row of the execution block against the sum of its components, figure by figure."""
    block = record.data.execution
    if block is None or block.total.blank:
        return
    parts = [a for a in block.components.values() if not a.blank]
    tolerance = record.rubric.tolerance.budget
    for field, label in (("initial", "年初预算数"), ("adjusted", "全年预算数"), ("executed", "全年执行数")):
        stated = getattr(block.total, field)
        values = [getattr(a, field) for a in parts if getattr(a, field) is not None]
        if stated is None or not values:
            continue
        summed = sum(values, Decimal(0))
        if abs(summed - stated) > tolerance:
            yield finding(
                "BUDGET_ROW_MISMATCH",
                None,
                f"年度资金总额{label}填报 {fmt(stated, 4)} 万元，"
                f"其中各项合计 {fmt(summed, 4)} 万元，相差 {fmt(summed - stated, 4)} 万元",
                Severity.ERROR,
                stated=stated,
                components=summed,
            )


def frame_weights(record: Record, total: Decimal, grade: str) -> Iterable[Finding]:
    """Each open group's rows against the weight the frame gives it; one row holding most of the weight."""
    if record.rubric.frame is None:
        return  # a fixed rubric: its weights were validated with it
    for w in weight_mismatches(record.rubric):
        if record.data.incomplete and not w.record_weight:
            continue  # a group the cut table never reaches: INCOMPLETE_TABLE says so
        yield finding(
            "FRAME_WEIGHT_MISMATCH",
            w.id,
            f"“{w.label}”在评价框架中分值为 {fmt(w.frame_weight)}，表中各指标分值合计 {fmt(w.record_weight)}",
            frame=w.frame_weight,
            record=w.record_weight,
        )
    whole = record.rubric.total_weight
    for ind in record.rubric.indicators:
        if isinstance(ind.rule, Target) and whole and ind.weight / whole >= _CONCENTRATION:
            yield finding(
                "WEIGHT_CONCENTRATION",
                ind.id,
                f"“{ind.label}”一项指标占 {fmt(ind.weight)} 分"
                f"（总分 {fmt(whole)} 的 {fmt(ind.weight / whole * HUNDRED)}%），"
                "绩效目标未细化为可衡量的多项指标",
                weight=ind.weight,
            )


def form_texts(record: Record, total: Decimal, grade: str) -> Iterable[Finding]:
    """Instruction text of the printed form left in place of an answer; a table cut short."""
    data = record.data
    if data.incomplete:
        yield finding("INCOMPLETE_TABLE", None, f"公开的表格不完整：{data.incomplete}；仅复核表中可见部分")
    if record.rubric.family != "target":
        return  # the printed forms with instructions in their cells are the target-versus-actual ones
    texts: list[tuple[str, str | None]] = [("年度目标完成情况", t) for t in data.completions]
    texts += [("年度目标", t) for t in data.goals]
    if data.execution is not None and data.execution.reason:
        texts.append(("预算执行原因说明", data.execution.reason))
    if data.evaluation is not None:
        texts += [("评价结论", data.evaluation.conclusion), ("存在问题", data.evaluation.problems)]
        texts.append(("改进措施", data.evaluation.measures))
    for label, text in texts:
        if text and _TEMPLATE.search(text):
            yield finding("TEMPLATE_TEXT", None, f"{label}栏仍为表格的填写说明：“{text[:40]}…”，未填写实际内容")
    if data.stated_total_is_weight and data.stated_total is not None:
        yield finding(
            "STATED_TOTAL_IS_WEIGHT",
            None,
            f"表中“合计” {fmt(data.stated_total)} 是分值（权重）合计，不是得分；未填报总分，各项得分合计 {fmt(total)}",
        )
    skipped = [n + 1 for n, row in enumerate(data.rows) if row.placeholder]
    if skipped:
        where = "、".join(str(n) for n in skipped)
        yield finding("EMPTY_ROW", None, f"指标表第 {where} 行未填写或不完整（如“指标2:”“……”或截断处），未计分")


def text_amounts(record: Record, total: Decimal, grade: str) -> Iterable[Finding]:
    """A goal or completion text whose breakdown (其中 …万元；…万元) adds up to more than the total it states: parts
    cannot exceed their whole. Parts that add up to less may list only some of the sources, and are left alone."""
    data = record.data
    texts = [("年度目标", t) for t in data.goals] + [("年度目标完成情况", t) for t in data.completions]
    for label, text in texts:
        stated = _TOTAL_AMOUNT.search(text)
        at = text.find("其中", stated.end()) if stated else -1
        if stated is None or at < 0:
            continue
        parts = [Decimal(m.group(1)) for m in _AMOUNT.finditer(text, at)]
        whole = Decimal(stated.group(1))
        if len(parts) >= 2 and sum(parts) > whole:
            added = " + ".join(fmt(p, 4) for p in parts)
            yield finding(
                "TEXT_AMOUNTS_MISMATCH",
                None,
                f"{label}写“共 {fmt(whole, 4)} 万元”，其中各项 {added} = {fmt(sum(parts), 4)} 万元，"
                f"多出 {fmt(sum(parts) - whole, 4)} 万元：金额前后不一致",
                stated=str(whole),
                parts=[str(p) for p in parts],
            )
