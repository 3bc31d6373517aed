"""Which family of form a table is, told from the table itself: the column and block labels it prints.

Tried in this order: the Guangzhou-style fixed rubric (its own group names printed in the table), the Hubei
variant of the national form (年度绩效目标1/2 blocks, 预算执行情况 20分), the Sichuan variant (指标性质 / 指标值 /
度量单位 / 完成值 / 权重), the national target-versus-actual form (年度指标值 / 实际完成值, with a project or a
department header), and a region's own score sheet (一级指标 … 得分 with no target or actual column), which has
no rubric until `audit-toolkit rubric infer` reads one off it. Every family tried says what it found or missed,
so a table that fits none gets a message naming each. Labels are matched in simplified characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.core.rubric import load_rubric
from toolkit.importer.labels import label, simplified
from toolkit.importer.sources import Grid

GUANGZHOU_RUBRIC = "gz-dept-overall-2022"
_LONGEST_LABEL = 40
_TARGET = {"年度指标值", "指标值", "年初目标值", "目标值"}
_ACTUAL = {"实际完成值", "完成值"}
_BUDGET = {"年初预算数", "全年预算数", "全年执行数", "年初预算", "调整后预算数", "预算执行数"}
_PROJECT = {"项目名称"}
_DEPARTMENT = {"部门", "部门名称", "部门单位名称", "预算部门单位名称", "单位名称", "预算部门"}
_LEVELS = {"一级指标", "二级指标", "三级指标", "评价指标"}
_SCORE = {"得分", "分值", "权重", "权重%", "自评分"}
_GOAL_BLOCK = re.compile(r"年度绩效目标\s*\d+\s*[(（]\s*\d+(?:\.\d+)?\s*分")
_HUBEI_BUDGET = re.compile(r"预算执行情况.*[(（]\s*20\s*分")
_SICHUAN_SPLIT = re.compile(r"(预算执行情况\s*[(（]\s*10\s*分)|(绩效指标\s*[(（]\s*90\s*分)")
_DEPARTMENT_TITLE = re.compile(r"部门(\s*[(（]\s*单位\s*[)）])?\s*整体")


@dataclass(frozen=True, slots=True)
class Verdict:
    """One family tried: whether the table is of it, and what was found or missed."""

    family: str  # as shown to the user
    fits: bool
    why: str
    rubric: str | None = None  # the rubric or frame it is imported with (None: it has none yet)
    evidence: bool = False  # some of the family's labels were found, fitting or not


@dataclass(frozen=True, slots=True)
class Detection:
    chosen: Verdict | None
    tried: tuple[Verdict, ...]

    @property
    def evidence(self) -> bool:
        """Whether any family's labels were found at all (a file with none is no self-evaluation table)."""
        return any(v.evidence for v in self.tried)

    def failure(self) -> str:
        """Why no family fits, each family tried with its reason."""
        reasons = "；".join(f"{v.family}：{v.why}" for v in self.tried)
        return f"无法识别表格所属的自评表类型（已尝试 {len(self.tried)} 类）：{reasons}"


@dataclass(frozen=True, slots=True)
class _Seen:
    """What detection looks at: every short cell's matching key, and the simplified text of every cell."""

    keys: frozenset[str]
    texts: tuple[str, ...]

    def has(self, words: set[str]) -> set[str]:
        return words & self.keys

    def search(self, pattern: re.Pattern[str]) -> bool:
        return any(pattern.search(t) for t in self.texts)


def _seen(grid: Grid) -> _Seen:
    cells = [c for row in grid.rows for c in row.cells if c and c.strip()]
    keys = frozenset(label(c) for c in cells if len(c) <= _LONGEST_LABEL)
    return _Seen(keys, tuple(simplified(c) for c in cells if len(c) <= _LONGEST_LABEL))


def detect(grid: Grid) -> Detection:
    """The family of the table: the first that fits, and every family tried with what it found."""
    seen = _seen(grid)
    tried: list[Verdict] = []
    for check in (_guangzhou, _hubei, _sichuan, _national, _score_sheet):
        verdict = check(seen)
        tried.append(verdict)
        if verdict.fits:
            return Detection(verdict, tuple(tried))
    return Detection(None, tuple(tried))


def _guangzhou(seen: _Seen) -> Verdict:
    rubric = load_rubric(GUANGZHOU_RUBRIC)
    groups = {label(n.label) for n in rubric.tree} | {label(c.label) for n in rubric.tree for c in n.children}
    groups = {g for g in groups if g}
    found = seen.has(groups)
    fits = len(found) * 2 >= len(groups)
    shown = "、".join(n.label for n in rubric.tree)
    why = f"表中印有该体系的指标分组 {len(found)}/{len(groups)} 个（{shown} …）"
    return Verdict(f"广州式固定指标体系（{GUANGZHOU_RUBRIC}）", fits, why, GUANGZHOU_RUBRIC, bool(found))


def _indicator_header(seen: _Seen) -> bool:
    return bool(seen.has({"一级指标"})) and bool(seen.has({"三级指标"}))


def _hubei(seen: _Seen) -> Verdict:
    name = "湖北省项目支出绩效自评表（hubei-project-2020）"
    blocks, budget = seen.search(_GOAL_BLOCK), seen.search(_HUBEI_BUDGET)
    if not blocks:
        why = (
            "有“预算执行情况（20分）”，但未见“年度绩效目标1（…分）”指标块"
            if budget
            else "未见“年度绩效目标1（…分）”指标块"
        )
        return Verdict(name, False, why, evidence=budget)
    if not _indicator_header(seen):
        return Verdict(name, False, "有年度绩效目标块，但未见“一级指标 … 三级指标”表头", evidence=True)
    why = "有“年度绩效目标1（…分）”指标块" + ("和“预算执行情况（20分）”" if budget else "")
    return Verdict(name, True, why, "hubei-project-2020", True)


def _sichuan(seen: _Seen) -> Verdict:
    name = "四川省部门预算项目支出绩效自评表（sichuan-project-2023）"
    split = seen.search(_SICHUAN_SPLIT)
    columns = seen.has({"指标性质", "度量单位"})
    if len(columns) < 2:
        why = "未见“指标性质”“度量单位”列" + ("（虽有“预算执行情况(10分)”或“绩效指标(90分)”）" if split else "")
        return Verdict(name, False, why, evidence=split or bool(columns))
    if not seen.has(_ACTUAL) or not seen.has({"指标值"}):
        return Verdict(name, False, "有“指标性质”“度量单位”列，但未见“指标值”“完成值”列", evidence=True)
    if any(_DEPARTMENT_TITLE.search(t) for t in seen.texts):
        why = "列名相符，但表题是部门整体支出自评表，尚无四川部门整体自评表的评价框架"
        return Verdict(name, False, why, evidence=True)
    why = "有“指标性质 / 指标值 / 度量单位 / 完成值 / 权重”列" + (
        "，预算执行情况(10分) + 绩效指标(90分)" if split else ""
    )
    return Verdict(name, True, why, "sichuan-project-2023", True)


def _national(seen: _Seen) -> Verdict:
    name = "全国目标对照表（财预〔2020〕10号，mof-project-2020 / mof-department-2020）"
    target, actual, budget = seen.has(_TARGET), seen.has(_ACTUAL), seen.has(_BUDGET)
    evidence = bool(target or actual or budget)
    if not (seen.has({"年度指标值"}) and seen.has({"实际完成值"})):
        why = "未见“年度指标值”“实际完成值”列" + (f"（虽有预算栏 {'、'.join(sorted(budget))}）" if budget else "")
        return Verdict(name, False, why, evidence=evidence)
    if not _indicator_header(seen):
        return Verdict(name, False, "有“年度指标值”“实际完成值”，但未见“一级指标 … 三级指标”表头", evidence=True)
    shown = f"有“年度指标值 / 实际完成值”列{'和预算栏 ' + '、'.join(sorted(budget)) if budget else ''}"
    if seen.has(_PROJECT):
        return Verdict(name, True, f"{shown}，表头为“项目名称”（项目）", "mof-project-2020", True)
    if seen.has(_DEPARTMENT) or any(_DEPARTMENT_TITLE.search(t) for t in seen.texts):
        return Verdict(name, True, f"{shown}，表头为部门（部门整体）", "mof-department-2020", True)
    return Verdict(name, False, f"{shown}，但表头既无“项目名称”也无“部门（单位）名称”", evidence=True)


def _score_sheet(seen: _Seen) -> Verdict:
    name = "地区自有评分表"
    levels, scores = seen.has(_LEVELS), seen.has(_SCORE)
    if not levels or not scores:
        return Verdict(name, False, "未见“一级指标 … 得分（分值、权重）”表头", evidence=bool(levels))
    if seen.has(_TARGET | _ACTUAL):
        return Verdict(name, False, "有指标表头，但也有指标值 / 完成值列，不是评分表", evidence=True)
    return Verdict(
        name, True, f"有 {'、'.join(sorted(levels))} 与 {'、'.join(sorted(scores))} 列，无指标值 / 完成值列", None, True
    )
