"""Department records: one YAML file per department and year, validated against its rubric."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from toolkit.core.problems import InputError
from toolkit.core.rubric import Rubric, content_sha256, load_rubric
from toolkit.core.rules import NotApplicable, Rule
from toolkit.core.validation import problems_from
from toolkit.core.yamlio import read_yaml, with_lines

SCHEMA = "audit-toolkit/department"
FORMAT_VERSION = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Department(_Frozen):
    name: str = Field(min_length=1)
    code: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    units: int | None = Field(default=None, ge=0)  # 单位数


class Budget(_Frozen):
    """Amounts in 万元: the components must add up to the total; details are shown, not summed."""

    unit: Literal["万元"] = "万元"
    total: Decimal = Field(ge=0)
    components: dict[str, Decimal] = Field(min_length=1)
    details: dict[str, Decimal] = {}


class NotApplicableEntry(_Frozen):
    mode: Literal["rescale", "full_marks"]
    reason: str = Field(min_length=1)


class IndicatorEntry(_Frozen):
    # Required unless the row is not applicable (checked by _missing_scores, which names the field):
    # then it is the weight under full_marks, and nothing under rescale.
    self_score: Decimal | None = Field(default=None, ge=0)
    reason: str | None = None  # 未达标原因 as printed
    measure: str | None = None  # 改进措施 as printed
    evidence: dict[str, object] = {}  # inputs of the indicator's rule
    source: str | None = None  # where in the published table this came from, what was repaired
    not_applicable: NotApplicableEntry | None = None


class RecordFile(_Frozen):
    schema_: str = Field(alias="schema")
    format_version: int
    fictional: bool = False
    department: Department
    year: int = Field(ge=1990, le=2100)
    rubric: str = Field(min_length=1)
    source: str | None = None
    goals: tuple[str, ...] = ()
    completions: tuple[str, ...] = ()
    unmet_reasons: tuple[str, ...] = ()
    budget: Budget
    indicators: dict[str, IndicatorEntry]
    stated_total: Decimal | None = None
    stated_grade: str | None = None


@dataclass(frozen=True)
class Record:
    """A validated department record, bound to its rubric."""

    data: RecordFile
    rubric: Rubric
    path: str
    sha256: str

    @property
    def department(self) -> Department:
        return self.data.department

    @property
    def year(self) -> int:
        return self.data.year


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


def parse_record(data: dict, path: str | Path, rubric: Rubric | str | None = None) -> Record:
    """Validate a parsed record; `rubric` overrides the one the record names."""
    problems: list[tuple[tuple, str]] = []
    bound: Rubric | None = None
    ref = rubric if rubric is not None else data.get("rubric")
    if isinstance(ref, Rubric):
        bound = ref
    elif isinstance(ref, str) and ref:
        # A rubric file named in a record is relative to the record, not to wherever the command runs.
        beside = Path(path).parent / ref
        if rubric is None and Path(ref).suffix in (".yaml", ".yml") and not Path(ref).is_absolute() and beside.exists():
            ref = str(beside)
        try:
            bound = load_rubric(ref)
        except InputError as exc:
            more = (
                f"（共 {len(exc.problems)} 处问题，可运行 audit-toolkit rubric validate 查看全部）"
                if len(exc.problems) > 1
                else ""
            )
            problems.append((("rubric",), f"无法加载评价指标体系 {ref}：{exc.problems[0].message}{more}"))
    try:
        decl = RecordFile.model_validate(data)
    except ValidationError as exc:
        problems = problems_from(exc) + problems
        decl = None
    problems += _missing_scores(data) + _raw_problems(data, bound)
    if decl is not None and decl.schema_ != SCHEMA:
        problems.append((("schema",), f"应为 {SCHEMA}，实际为 {decl.schema_!r}"))
    if decl is not None and decl.format_version != FORMAT_VERSION:
        problems.append((("format_version",), f"本工具支持第 {FORMAT_VERSION} 版格式，实际为 {decl.format_version}"))
    if problems or decl is None or bound is None:
        raise with_lines(path, problems)
    return Record(decl, bound, str(path), content_sha256(path, data))


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
