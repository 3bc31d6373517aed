"""Reviews: an auditor's re-scores and finding decisions for one department, kept next to its record as
`params/<record stem>.review.yaml`.

A review file is validated like a record (every problem at once, with file, line and field) against the
record's rubric and the findings of its scored result; toolkit.review.apply turns it into audited scores.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import os
from datetime import date as Date
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import Field, ValidationError, field_validator

from toolkit.core.atomic import write_text
from toolkit.core.findings import CATALOGUE, Decision
from toolkit.core.inputfile import read_input
from toolkit.core.models import Frozen
from toolkit.core.numbers import decimals_of, fmt
from toolkit.core.paths import REVIEW_SUFFIX, review_path_for
from toolkit.core.problems import InputError, Problem, display_path, dotted
from toolkit.core.record import SCORE_MAX, Record, Score
from toolkit.core.result import Adjustment, FindingDecision, IndicatorResult, Result, Review
from toolkit.core.rubric import Indicator, Rubric
from toolkit.core.validation import problems_from
from toolkit.core.yamlio import DecimalLoader, dump_yaml, read_yaml, with_lines

SUFFIX = REVIEW_SUFFIX
_MISSING = {
    "reason": "缺少调整理由（reason）：每项复核调整都须说明理由",
    "audited_score": "缺少复核得分（audited_score）",
    "indicator": "缺少指标（indicator）：填写指标 ID 或完整名称",
    "decision": "缺少决定（decision）：accepted（确认）或 dismissed（驳回）",
    "reviewer": "缺少复核人（reviewer）",
    "date": "缺少复核日期（date），如 2026-12-01",
}
DECISIONS = {d.value: d.verb for d in Decision}  # what the panel offers


def _not_blank(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise ValueError("不能为空白")
    return value


class AdjustmentEntry(Frozen):
    indicator: str = Field(min_length=1)  # rubric id or exact name
    audited_score: Score  # 0 to 1000, as every score a record brings
    reason: str = Field(min_length=1)

    _reason = field_validator("reason")(_not_blank)


class DecisionEntry(Frozen):
    code: str = Field(min_length=1)
    indicator: str | None = None  # only this indicator's findings of the code; absent: all of them
    decision: Decision
    note: str | None = None

    _note = field_validator("note")(_not_blank)


class ReviewFile(Frozen):
    reviewer: str = Field(min_length=1)
    reviewing_unit: str | None = None
    report_number: str | None = None
    date: str
    adjustments: tuple[AdjustmentEntry, ...] = ()
    findings: tuple[DecisionEntry, ...] = ()

    _reviewer = field_validator("reviewer", "reviewing_unit", "report_number")(_not_blank)

    @field_validator("adjustments", "findings", mode="before")
    @classmethod
    def _empty_list(cls, value: object) -> object:
        return () if value is None else value  # `adjustments:` left empty in the file means none

    @field_validator("report_number", mode="before")
    @classmethod
    def _numbered(cls, value: object) -> object:
        # `report_number: 12` is a number to YAML, and a report number to the auditor who wrote it.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("date", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        if isinstance(value, (Date, str)):
            try:
                return Date.fromisoformat(str(value)).isoformat()
            except ValueError:
                pass
        raise ValueError("应为日期（如 2026-12-01）")


def review_beside(record_path: str) -> str | None:
    """The review file beside a record if there is one. The same place as review_path_for, found with string
    operations: scoring asks this once per record. Anything at that path counts: a folder or a FIFO named like a
    review is refused when loaded, not silently taken for no review."""
    path = os.path.splitext(record_path)[0] + SUFFIX
    return path if os.path.lexists(path) else None


# --- checks that need the rubric and the findings -------------------------------------------------


def _suggest(ref: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(ref, choices, n=1, cutoff=0.5)
    return f"，是否为“{close[0]}”？" if close else ""


def _number(value: object) -> Decimal | None:
    """The number pydantic will read (a quoted "0.5" included), or None when it will report the value itself
    (not a number, not finite, or out of the range of scores: 1E+999999 could not even be printed)."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        return None
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except ArithmeticError:
        return None
    return number if number.is_finite() and 0 <= number <= SCORE_MAX else None


def _adjustment_problems(raw: object, record: Record, result: Result) -> list[tuple[tuple, str]]:
    """What the file's adjustments get wrong that only the rubric and the result can tell, in file order."""
    rubric = record.rubric
    by_id = {i.id: i for i in result.indicators}
    problems: list[tuple[tuple, str]] = []
    first: dict[str, int] = {}  # indicator id -> the entry that adjusts it first
    for n, entry in enumerate(raw if isinstance(raw, list) else []):
        # An entry with no indicator to look up is the schema's to report.
        if not isinstance(entry, dict) or not isinstance(entry.get("indicator"), str) or not entry["indicator"]:
            continue
        loc = ("adjustments", n)
        indicator = rubric.indicator(entry["indicator"])
        if indicator is None:
            problems.append((loc + ("indicator",), _unknown_indicator(entry["indicator"], rubric)))
            continue
        earlier = first.setdefault(indicator.id, n)
        problems += [(loc + ("indicator",), msg) for msg in _target_problems(indicator, earlier, n, by_id)]
        value = _number(entry.get("audited_score"))
        problems += [(loc + ("audited_score",), msg) for msg in _score_problems(value, indicator, rubric)]
    return problems


def _unknown_indicator(ref: str, rubric: Rubric) -> str:
    """The message for an indicator the rubric does not have, with the closest id or name."""
    names = [i.id for i in rubric.indicators] + [i.label for i in rubric.indicators]
    return f"评价指标体系 {rubric.id} 中没有指标“{ref}”（请填写指标 ID 或完整名称）{_suggest(ref, names)}"


def _target_problems(indicator: Indicator, earlier: int, n: int, by_id: dict[str, IndicatorResult]) -> list[str]:
    """Entry n adjusts an indicator an earlier entry already adjusts, or one that does not apply."""
    problems = []
    if earlier != n:
        problems.append(f"指标“{indicator.label}”已在 adjustments[{earlier}] 调整过，每项指标只能调整一次")
    if not by_id[indicator.id].applicable:
        problems.append(f"指标“{indicator.label}”不适用（已剔除并按比例折算），不能调整其得分")
    return problems


def _score_problems(value: Decimal | None, indicator: Indicator, rubric: Rubric) -> list[str]:
    """An audited score above the indicator's weight, or with more decimals than the rubric keeps."""
    if value is None:  # no number: the schema says so
        return []
    problems = []
    if value > indicator.weight:
        problems.append(f"复核得分 {fmt(value, 6)} 超过指标“{indicator.label}”的分值 {fmt(indicator.weight)}")
    places = rubric.rounding.places
    if decimals_of(value) > places:
        problems.append(f"复核得分 {value} 的小数位数超过指标体系规定的 {places} 位")
    return problems


def _decision_problems(raw: object, record: Record, result: Result) -> list[tuple[tuple, str]]:
    rubric = record.rubric
    problems: list[tuple[tuple, str]] = []
    seen: dict[tuple, int] = {}
    for n, entry in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str) or not entry["code"]:
            continue
        loc = ("findings", n)
        code = entry["code"]
        if code not in CATALOGUE:
            problems.append((loc + ("code",), f"未知的复核发现代码“{code}”{_suggest(code, list(CATALOGUE))}"))
            continue
        target = entry.get("indicator")
        indicator_id = None
        if isinstance(target, str) and target:
            indicator = rubric.indicator(target)
            if indicator is None:
                problems.append((loc + ("indicator",), f"评价指标体系 {rubric.id} 中没有指标“{target}”"))
                continue
            indicator_id = indicator.id
        key = (code, indicator_id)
        if key in seen:
            problems.append(
                (
                    loc + ("code",),
                    f"对 {code}{'（' + indicator_id + '）' if indicator_id else ''} 的决定"
                    f"已在 findings[{seen[key]}] 给出",
                )
            )
        seen.setdefault(key, n)
        if not any(f.code == code and (indicator_id is None or f.indicator == indicator_id) for f in result.findings):
            where = f"指标“{indicator_id}”" if indicator_id else "本部门"
            problems.append(
                (loc + ("code",), f"{where}当前没有 {code}（{CATALOGUE[code][1]}）复核发现，请删除此条决定")
            )
        if entry.get("decision") == Decision.DISMISSED and not (
            isinstance(entry.get("note"), str) and entry["note"].strip()
        ):
            problems.append((loc + ("note",), "驳回（dismissed）复核发现须在 note 中说明理由"))
    return problems


def _resolve(decl: ReviewFile, path: str | Path, sha256: str, record: Record, result: Result) -> Review:
    by_id = {i.id: i for i in result.indicators}
    adjustments = []
    for a in decl.adjustments:
        i = by_id[record.rubric.indicator(a.indicator).id]  # type: ignore[union-attr]  # checked above
        adjustments.append(Adjustment(i.id, i.label, i.weight, i.self_score, a.audited_score, a.reason.strip()))
    decisions = tuple(
        FindingDecision(
            d.code,
            record.rubric.indicator(d.indicator).id if d.indicator else None,  # type: ignore[union-attr]
            d.decision,
            d.note.strip() if d.note else None,
        )
        for d in decl.findings
    )
    order = {i.id: n for n, i in enumerate(result.indicators)}
    adjustments.sort(key=lambda a: order[a.indicator])
    unit, number = (v.strip() if v else None for v in (decl.reviewing_unit, decl.report_number))
    return Review(decl.reviewer.strip(), decl.date, str(path), sha256, tuple(adjustments), decisions, unit, number)


def validate_review(
    data: object, path: str | Path, record: Record, result: Result, sha256: str = "", located: bool = True
) -> Review:
    """Validate parsed review data against a record and its (self-assessed) result; every problem at once.

    `located` adds line numbers from the file at `path`; off when the data has not been written there yet."""
    if not isinstance(data, dict):
        raise InputError(
            [
                Problem(
                    display_path(path),
                    "",
                    "顶层应为键值映射（reviewer、reviewing_unit、report_number、date、adjustments、findings）",
                )
            ]
        )
    problems: list[tuple[tuple, str]] = []
    try:
        decl: ReviewFile | None = ReviewFile.model_validate(data)
    except ValidationError as exc:
        # A missing reason or note is the error auditors make most: say what the field is for.
        problems += [
            (loc, _MISSING.get(loc[-1], msg) if msg == "缺少必填字段" else msg) for loc, msg in problems_from(exc)
        ]
        decl = None
    problems += _adjustment_problems(data.get("adjustments"), record, result)
    problems += _decision_problems(data.get("findings"), record, result)
    if problems or decl is None:
        if located:
            error = with_lines(path, problems)
            # In file order, as the auditor reads the file top to bottom.
            raise InputError(sorted(error.problems, key=lambda p: p.line if p.line is not None else 0))
        shown = display_path(path)
        raise InputError([Problem(shown, dotted(loc), msg, None, loc) for loc, msg in problems])
    return _resolve(decl, path, sha256, record, result)


def load_review(path: str | Path, record: Record, result: Result) -> Review:
    """Load and validate a review file; raises InputError listing every problem with file, line and field."""
    data = read_yaml(path, "复核调整")
    sha256 = hashlib.sha256(read_input(path, "复核调整")).hexdigest()
    return validate_review(data, path, record, result, sha256)


# --- writing --------------------------------------------------------------------------------------


_HEADER = (
    "# 复核调整：{department} {year} 年度（记录 {record}）\n"
    "# 由复核面板写入；也可手工编辑。adjustments 为复核后得分及理由，\n"
    "# findings 为对复核发现的确认（accepted）或驳回（dismissed）。\n"
)


def dump_review(data: dict, record: Record) -> str:
    """Review data as YAML text, keys in the documented order, Chinese kept readable."""
    order = ("reviewer", "reviewing_unit", "report_number", "date", "adjustments", "findings")
    ordered = {k: data[k] for k in order if k in data}
    # A plain YAML date (2026-12-01), as people write it, rather than a quoted string.
    with contextlib.suppress(KeyError, TypeError, ValueError):
        ordered["date"] = Date.fromisoformat(ordered["date"])
    body = dump_yaml(ordered)
    header = _HEADER.format(department=record.department.name, year=record.year, record=Path(record.path).name)
    return header + body


def save_review(data: dict, record: Record, result: Result, path: str | Path | None = None) -> Review:
    """Validate review data and write it atomically beside the record; on any problem nothing is written."""
    path = Path(path) if path is not None else review_path_for(record.path)
    text = dump_review(data, record)
    # Validate what will be read back, not the in-memory dict: the file is the contract.
    reparsed = yaml.load(text, Loader=DecimalLoader)
    review = validate_review(
        reparsed, path, record, result, hashlib.sha256(text.encode("utf-8")).hexdigest(), located=False
    )
    write_text(path, text)
    return review
