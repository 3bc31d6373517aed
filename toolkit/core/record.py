"""Records: one YAML file per department (or project) and year, validated against its rubric.

Under a fixed rubric a record gives a score per indicator id (`indicators` is a mapping). Under a frame (the
target-versus-actual forms) it lists its own indicator rows (`indicators` is a list: level names, target,
actual, weight, score) and its budget execution block; binding (toolkit.core.frame) turns the rows into the
record's own rubric, and the record then reads like any other: `data.indicators` maps indicator ids to entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator

from toolkit.core.frame import Bound, Row, bind, execution_leaf
from toolkit.core.models import Frozen
from toolkit.core.paths import YEAR_MAX, YEAR_MIN, code_problem, rubric_file
from toolkit.core.problems import InputError
from toolkit.core.rubric import Rubric, content_sha256, load_rubric
from toolkit.core.rules import BudgetExecution, NotApplicable, Rule
from toolkit.core.validation import problems_from
from toolkit.core.yamlio import read_yaml, with_lines

SCHEMA = "audit-toolkit/department"
FORMAT_VERSION = 1
Problems = list[tuple[tuple, str]]
_NO_ROWS: Mapping[str, int] = MappingProxyType({})

# Bounds of every number a record brings: far beyond any real table, and well inside the 28 digits of the
# decimal context, so that rounding a score or a sum never overflows it (1e26 did).
SCORE_MAX = 1000
Score = Annotated[Decimal, Field(ge=0, le=SCORE_MAX)]  # scores and weights: a rubric totals 100
Amount = Annotated[Decimal, Field(ge=0, le=10**9)]  # 万元: a trillion yuan


class Department(Frozen):
    """The unit evaluated: a department, or for a project record the project (its department in `supervisor`)."""

    name: str = Field(min_length=1)
    code: str
    units: int | None = Field(default=None, ge=0, le=10**6)  # 单位数
    supervisor: str | None = None  # 主管部门
    implementer: str | None = None  # 实施单位

    @field_validator("code")
    @classmethod
    def _folder_name(cls, code: str) -> str:
        problem = code_problem(code)
        if problem is not None:
            raise ValueError(problem)
        return code


class Budget(Frozen):
    """Amounts in 万元: the components must add up to the total; details are shown, not summed."""

    unit: Literal["万元"] = "万元"
    total: Amount
    components: dict[str, Amount] = Field(min_length=1)
    details: dict[str, Amount] = {}


class Amounts(Frozen):
    """One row of a budget execution block, 万元; a figure the table leaves blank is None."""

    initial: Amount | None = None  # 年初预算数
    adjusted: Amount | None = None  # 全年预算数 / 调整后预算数
    executed: Amount | None = None  # 全年执行数 / 预算执行数

    @property
    def blank(self) -> bool:
        return self.initial is None and self.adjusted is None and self.executed is None

    @property
    def all_zero(self) -> bool:
        return not any((self.initial, self.adjusted, self.executed))


class Execution(Frozen):
    """The budget execution block of a target-versus-actual form, as printed."""

    unit: Literal["万元"] = "万元"
    total: Amounts = Amounts()  # 年度资金总额 / 总额
    components: dict[str, Amounts] = {}  # 其中：当年财政拨款, 上年结转资金, 其他资金 …
    stated_rate: Decimal | None = Field(default=None, ge=-(10**6), le=10**6)  # 执行率 as printed, in percent
    stated_score: Score | None = None  # 得分 as printed
    reason: str | None = None  # 原因 / 偏差说明


class FrameRow(Frozen):
    """One indicator row of a target-versus-actual form, as printed."""

    path: tuple[str, ...] = ()  # the level names above the row (产出指标, 数量指标)
    name: str | None = None  # 三级指标
    target: str | None = None  # 年度指标值 (Sichuan: 指标值)
    nature: str | None = None  # 指标性质 (≥ ＝ ≤ or 定性), where the form has the column
    unit: str | None = None  # 度量单位, where the form has the column
    actual: str | None = None  # 实际完成值
    weight: Score | None = None  # 分值 / 权重
    self_score: Score | None = None  # 得分; None when left blank
    reason: str | None = None  # 偏差原因分析及改进措施
    measure: str | None = None
    placeholder: bool = False  # an empty row of the form (指标2:, ……): shown, never scored
    source: str | None = None


class Evaluation(Frozen):
    """评价结论 / 存在问题 / 改进措施, where the form has them."""

    conclusion: str | None = None
    problems: str | None = None
    measures: str | None = None


class NotApplicableEntry(Frozen):
    mode: Literal["rescale", "full_marks"]
    reason: str = Field(min_length=1)


class IndicatorEntry(Frozen):
    # Required unless the row is not applicable (checked by _missing_scores, which names the field):
    # then it is the weight under full_marks, and nothing under rescale.
    self_score: Score | None = None
    reason: str | None = None  # 未达标原因 as printed
    measure: str | None = None  # 改进措施 as printed
    evidence: dict[str, object] = {}  # inputs of the indicator's rule
    source: str | None = None  # where in the published table this came from, what was repaired
    not_applicable: NotApplicableEntry | None = None


class RecordFile(Frozen):
    schema_: str = Field(alias="schema")
    format_version: int
    fictional: bool = False
    department: Department
    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX)
    rubric: str = Field(min_length=1)
    kind: Literal["department", "project"] = "department"
    source: str | None = None
    goals: tuple[str, ...] = ()
    completions: tuple[str, ...] = ()
    unmet_reasons: tuple[str, ...] = ()
    budget: Budget | None = None  # fixed rubrics: 总预算 and its components
    execution: Execution | None = None  # frames: 预算执行
    indicators: dict[str, IndicatorEntry]  # by indicator id (under a frame: made from `rows` when bound)
    rows: tuple[FrameRow, ...] = ()  # frames: the indicator rows as printed, placeholders included
    stated_total: Decimal | None = Field(default=None, ge=-1000, le=1000)
    stated_total_is_weight: bool = False  # the printed 合计 adds up the weights, not the scores (Sichuan)
    stated_grade: str | None = None
    evaluation: Evaluation | None = None
    incomplete: str | None = None  # the published table is cut short: where


@dataclass(frozen=True)
class Record:
    """A validated record, bound to its rubric (under a frame: the rubric made from its own rows)."""

    data: RecordFile
    rubric: Rubric
    path: str
    sha256: str
    # Frames: indicator id -> position in data.rows. Fixed rubrics share one empty mapping: a batch holds
    # thousands of records, and every container in them is walked by each full garbage collection.
    rows_by_id: Mapping[str, int] = field(default_factory=lambda: _NO_ROWS)

    @property
    def department(self) -> Department:
        return self.data.department

    @property
    def year(self) -> int:
        return self.data.year

    def row_of(self, indicator_id: str) -> FrameRow | None:
        """The printed row an indicator of a frame record came from (None under a fixed rubric)."""
        at = self.rows_by_id.get(indicator_id)
        return None if at is None else self.data.rows[at]


def _raw_problems(data: dict, rubric: Rubric | None) -> list[tuple[tuple, str]]:
    """Checks that need the rubric: indicator ids, evidence shapes, not-applicable overrides."""
    if rubric is None:
        return []
    problems: list[tuple[tuple, str]] = []
    entries = data.get("indicators")
    if not isinstance(entries, dict):
        return problems
    for key, entry in entries.items():
        indicator = rubric.indicator(str(key))
        if indicator is None:
            problems.append((("indicators", key), f"评价指标体系 {rubric.id} 中没有此指标（请按指标 ID 填写）"))
            continue
        if indicator.id != key:
            problems.append((("indicators", key), f"请使用指标 ID “{indicator.id}”"))
        if isinstance(entry, dict) and isinstance(entry.get("evidence"), dict):
            rule = indicator.rule
            problems += [
                (("indicators", key, "evidence", field), msg)
                for field, msg in rule.evidence_problems(entry["evidence"])
            ]
    return problems


def _missing_scores(data: dict) -> list[tuple[tuple, str]]:
    """A self score may be left out only on a not-applicable row (the schema cannot say so by itself)."""
    entries = data.get("indicators")
    if not isinstance(entries, dict):
        return []
    return [
        (("indicators", key, "self_score"), "缺少必填字段（仅不适用的指标可不填自评分）")
        for key, entry in entries.items()
        if isinstance(entry, dict) and entry.get("self_score") is None and not entry.get("not_applicable")
    ]


def _bind_rubric(data: dict, path: str | Path, rubric: Rubric | str | None) -> tuple[Rubric | None, Problems]:
    """The rubric a record is checked against: `rubric` when given, else the one it names."""
    ref = rubric if rubric is not None else data.get("rubric")
    if isinstance(ref, Rubric):
        return ref, []
    if not isinstance(ref, str) or not ref:
        return None, []
    # A rubric file named in a record is relative to the record, not to wherever the command runs.
    if rubric is None and (beside := rubric_file(ref, Path(path).parent)) == Path(path).parent / ref:
        ref = str(beside)
    try:
        return load_rubric(ref), []
    except InputError as exc:
        count = len(exc.problems)
        more = f"（共 {count} 处问题，可运行 audit-toolkit rubric validate 查看全部）" if count > 1 else ""
        return None, [(("rubric",), f"无法加载评价指标体系 {ref}：{exc.problems[0].message}{more}")]


def _header_problems(decl: RecordFile | None, data: dict, rubric: Rubric | None) -> Problems:
    problems: Problems = []
    if decl is not None and decl.schema_ != SCHEMA:
        problems.append((("schema",), f"应为 {SCHEMA}，实际为 {decl.schema_!r}"))
    if decl is not None and decl.format_version != FORMAT_VERSION:
        problems.append((("format_version",), f"本工具支持第 {FORMAT_VERSION} 版格式，实际为 {decl.format_version}"))
    for block in rubric.declaration.requires if rubric is not None else ():
        # A fragment of a table cut short (`incomplete`) may lack a block the form has.
        if data.get(block) is None and not data.get("incomplete"):
            problems.append(((block,), f"缺少必填字段（评价指标体系 {rubric.id} 要求记录填写 {block}）"))  # type: ignore[union-attr]
    return problems


def _validated(data: dict) -> tuple[RecordFile | None, Problems]:
    try:
        return RecordFile.model_validate(data), []
    except ValidationError as exc:
        return None, problems_from(exc)


def parse_record(data: dict, path: str | Path, rubric: Rubric | str | None = None) -> Record:
    """Validate a parsed record; `rubric` overrides the one the record names."""
    bound, problems = _bind_rubric(data, path, rubric)
    if bound is not None and bound.is_frame:
        return _parse_frame_record(data, path, bound, problems)
    decl, invalid = _validated(data)
    problems = (
        invalid + problems + _missing_scores(data) + _raw_problems(data, bound) + _header_problems(decl, data, bound)
    )
    if problems or decl is None or bound is None:
        raise with_lines(path, problems)
    return Record(decl, bound, str(path), content_sha256(path, data))


def _parse_frame_record(data: dict, path: str | Path, frame: Rubric, problems: Problems) -> Record:
    """A record under a frame: its rows validated, then bound into the record's own rubric."""
    rows = data.get("indicators")
    decl, invalid = _validated({**data, "indicators": {}, "rows": rows if rows is not None else []})
    # The rows are written as `indicators` in the file: messages and line numbers point there.
    problems = [(("indicators", *loc[1:]) if loc[:1] == ("rows",) else loc, msg) for loc, msg in invalid] + problems
    problems += _header_problems(decl, data, frame)
    made = None
    if decl is not None:
        made, unplaced = bind(frame, [Row(n, r.path, r.name, r.weight, r.placeholder) for n, r in enumerate(decl.rows)])
        problems += unplaced
    if problems or decl is None or made is None:
        raise with_lines(path, problems)
    entries = frame_entries(decl, made)
    return Record(
        decl.model_copy(update={"indicators": entries}), made.rubric, str(path), content_sha256(path, data), made.rows
    )


def frame_entries(decl: RecordFile, made: Bound) -> dict[str, IndicatorEntry]:
    """The entry of every indicator of a bound frame: the execution block's and one per placed row."""
    entries: dict[str, IndicatorEntry] = {}
    leaf = execution_leaf(made.rubric)
    if leaf is not None and decl.execution is not None:
        entries[leaf.id] = _execution_entry(decl.execution, leaf.rule)
    for indicator, at in made.rows.items():
        row = decl.rows[at]
        evidence: dict[str, object] = {
            key: value for key in ("target", "actual", "nature", "unit") if (value := getattr(row, key)) is not None
        }
        entries[indicator] = IndicatorEntry(
            self_score=row.self_score, reason=row.reason, measure=row.measure, evidence=evidence, source=row.source
        )
    return entries


def execution_figures(execution: Execution, divide_by: str) -> tuple[Decimal, Decimal] | None:
    """(budget, executed) the rate is worked out from: the total row, or its components when the total row was
    left at 0 or blank; None when the table gives neither."""
    rows = [execution.total] if not execution.total.all_zero else list(execution.components.values())
    pick = "initial" if divide_by == "initial" else "adjusted"
    budgets = [getattr(a, pick) for a in rows if getattr(a, pick) is not None]
    executed = [a.executed for a in rows if a.executed is not None]
    if not budgets or not executed:
        return None
    return sum(budgets, Decimal(0)), sum(executed, Decimal(0))


def _execution_entry(execution: Execution, rule: Rule) -> IndicatorEntry:
    divide_by = rule.divide_by if isinstance(rule, BudgetExecution) else "adjusted"
    figures = execution_figures(execution, divide_by)
    evidence: dict[str, object] = {} if figures is None else {"budget": figures[0], "executed": figures[1]}
    return IndicatorEntry(self_score=execution.stated_score, reason=execution.reason, evidence=evidence)


def load_record(path: str | Path, rubric: Rubric | str | None = None) -> Record:
    """Load and validate a department record; raises InputError listing every problem with file, line and field."""
    data = read_yaml(path, "部门自评记录")
    return parse_record(data, path, rubric)  # type: ignore[arg-type]  # read_yaml returns a mapping


def rule_for(record: Record, indicator_id: str) -> Rule:
    """The rule that applies: the record's not-applicable override, else the rubric's."""
    entry = record.data.indicators.get(indicator_id)
    if entry is not None and entry.not_applicable is not None:
        na = entry.not_applicable
        return NotApplicable(type="not_applicable", mode=na.mode, reason=na.reason)
    return record.rubric.indicator(indicator_id).rule  # type: ignore[union-attr]
