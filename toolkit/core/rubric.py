"""The rubric: a versioned YAML declaration of the indicator tree, grade bands, rounding and tolerances.

A fixed rubric (family `fixed`) declares every indicator. A frame (family `target`, the national
target-versus-actual form and its variants) declares the upper levels and their weights and marks some groups
`open`: each record brings the groups and indicators below them (toolkit.core.frame binds the two into the
rubric that record is scored against).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, ValidationError, field_validator

from toolkit.core.inputfile import read_input
from toolkit.core.models import Frozen
from toolkit.core.numbers import ZERO, RoundingMode, fmt
from toolkit.core.paths import RUBRIC_DIR, RUBRIC_SCHEMA, rubric_file
from toolkit.core.problems import InputError, Problem, display_path, dotted
from toolkit.core.rules import Rule
from toolkit.core.validation import problems_from
from toolkit.core.yamlio import dump_yaml, read_yaml, with_lines

SCHEMA = RUBRIC_SCHEMA
FORMAT_VERSION = 1
PLACEHOLDER_LABEL = "（原表未列名称）"
T = TypeVar("T")
# Weights and scores stay far inside the 28 digits of the decimal context (a rubric totals 100).
WEIGHT_MAX = 1000
# The id and version are printed in every report's footer and name the rubric in results: plain, short names.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,31}")


class OpenGroup(Frozen):
    """A group of a frame whose groups and indicators each record brings: the levels it brings, by name."""

    levels: tuple[str, ...] = ()  # e.g. (二级指标,) or (一级指标, 二级指标); () when the rows sit right under it
    aliases: tuple[str, ...] = ()  # other names the group goes by in published tables (产出 for 产出指标)


class Node(Frozen):
    """A group (has children) or an indicator (has a rule)."""

    id: str = Field(min_length=1)
    name: str | None = None  # defaults to the id
    weight: Decimal = Field(ge=0, le=WEIGHT_MAX)
    explanation: str | None = None
    placeholder: bool = False  # the source table gives no name: never invent one
    rule: Rule | None = None
    children: tuple[Node, ...] = ()
    open: OpenGroup | None = None  # frames only: the record brings what is below
    leaf_rule: Rule | None = None  # frames only: the rule of every indicator a record brings under an open group

    @property
    def label(self) -> str:
        """The name shown to people."""
        return PLACEHOLDER_LABEL if self.placeholder else (self.name or self.id)


class Rounding(Frozen):
    mode: RoundingMode = RoundingMode.HALF_UP
    places: int = Field(default=2, ge=0, le=6)


class Tolerance(Frozen):
    score: Decimal = Field(default=Decimal("0.01"), ge=0, le=WEIGHT_MAX)
    budget: Decimal = Field(default=Decimal("0.01"), ge=0, le=10**9)  # 万元


class GradeBand(Frozen):
    grade: str = Field(min_length=1)
    min: Decimal = Field(ge=-WEIGHT_MAX, le=WEIGHT_MAX)  # inclusive


class RubricFile(Frozen):
    """The file as declared; `Rubric` adds what is derived from it."""

    schema_: str = Field(alias="schema")
    format_version: int
    id: str = Field(min_length=1)
    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    source: str | None = None
    family: Literal["fixed", "target"] = "fixed"  # every indicator fixed, or a target-versus-actual frame
    kind: Literal["department", "project"] = "department"  # what a record of this rubric evaluates
    inferred_from: str | None = None  # set on rubrics read off a table (the file and its SHA-256)
    requires: tuple[Literal["budget", "execution"], ...] = ("budget",)  # blocks every record must carry
    total_weight: Decimal = Field(default=Decimal(100), gt=0, le=WEIGHT_MAX)
    rounding: Rounding = Rounding()
    tolerance: Tolerance = Tolerance()
    grades: tuple[GradeBand, ...] = Field(min_length=1)
    tree: tuple[Node, ...] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _plain_id(cls, value: str) -> str:
        if not _ID.fullmatch(value):
            raise ValueError("应为不超过 64 个字符的英文字母、数字、_ . -，且以字母或数字开头")
        return value

    @field_validator("version")
    @classmethod
    def _plain_version(cls, value: str) -> str:
        if not _VERSION.fullmatch(value):
            raise ValueError("应为不超过 32 个字符的英文字母、数字、_ . + -（如 2022.1），且以字母或数字开头")
        return value


@dataclass(frozen=True, slots=True)
class Indicator:
    """A leaf of the tree, with the groups above it (outermost first)."""

    node: Node
    groups: tuple[Node, ...]

    @property
    def id(self) -> str:
        return self.node.id

    @property
    def label(self) -> str:
        return self.node.label

    @property
    def weight(self) -> Decimal:
        return self.node.weight

    @property
    def rule(self) -> Rule:
        return self.node.rule  # type: ignore[return-value]  # validated: every leaf has one


@dataclass(frozen=True)
class Rubric:
    """A validated rubric with its indicators flattened in table order (a frame bound to a record names its frame).

    `derived` holds what other modules work out once per rubric (a scoring plan, say): an explicit cache, so
    that the rubric itself stays immutable."""

    declaration: RubricFile
    indicators: tuple[Indicator, ...]
    sha256: str
    frame: Rubric | None = field(default=None, compare=False, repr=False)  # bound rubrics: the frame they fill
    derived: dict[str, object] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def derive(self, key: str, make: Callable[[Rubric], T]) -> T:
        """What `make` gives for this rubric, worked out on first use."""
        if key not in self.derived:
            self.derived[key] = make(self)
        return self.derived[key]  # type: ignore[return-value]  # each key is only ever made by one `make`

    @property
    def id(self) -> str:
        return self.declaration.id

    @property
    def version(self) -> str:
        return self.declaration.version

    @property
    def tree(self) -> tuple[Node, ...]:
        return self.declaration.tree

    @property
    def rounding(self) -> Rounding:
        return self.declaration.rounding

    @property
    def tolerance(self) -> Tolerance:
        return self.declaration.tolerance

    @property
    def family(self) -> str:
        return self.declaration.family

    @property
    def is_frame(self) -> bool:
        """Whether records bring indicators of their own (open groups) rather than scoring fixed ones."""
        return any(n.open is not None for n in _walk(self.tree))

    @property
    def depth(self) -> int:
        """Levels of the tree, the indicators' own level included."""
        return max((len(i.groups) for i in self.indicators), default=0) + 1

    @property
    def total_weight(self) -> Decimal:
        return self.declaration.total_weight

    @cached_property
    def level_names(self) -> tuple[str, ...]:
        """What each level is called in reports: 一级指标, 二级指标, … down to the indicators' own level."""
        return tuple(f"{_CN_ORDINALS[n] if n < len(_CN_ORDINALS) else n + 1}级指标" for n in range(self.depth))

    def indicator(self, ref: str) -> Indicator | None:
        """Look an indicator up by id, or by its exact name."""
        found = self._by_id.get(ref)
        return found or next((i for i in self.indicators if i.node.name == ref), None)

    @cached_property
    def _by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    def grade_for(self, total: Decimal) -> str:
        """The band whose lower bound (inclusive) the total reaches; bands are checked highest first."""
        for band in self.declaration.grades:
            if total >= band.min:
                return band.grade
        return self.declaration.grades[-1].grade


_CN_ORDINALS = "一二三四五六七八九"


def _walk(nodes: tuple[Node, ...]) -> list[Node]:
    """Every node of the tree, parents before their children."""
    return [m for n in nodes for m in (n, *_walk(n.children))]


def flatten(nodes: tuple[Node, ...], above: tuple[Node, ...] = ()) -> list[Indicator]:
    out: list[Indicator] = []
    for node in nodes:
        if node.children:
            out += flatten(node.children, above + (node,))
        elif node.open is None:  # an open group of a frame is no indicator: the record fills it
            out.append(Indicator(node, above))
    return out


def _tree_problems(nodes: tuple[Node, ...], loc: tuple, seen: dict[str, tuple]) -> list[tuple[tuple, str]]:
    problems: list[tuple[tuple, str]] = []
    for i, node in enumerate(nodes):
        here = loc + (i,)
        if node.id in seen:
            problems.append((here + ("id",), f"ID “{node.id}” 重复（已在 {dotted(seen[node.id])} 使用）"))
        seen.setdefault(node.id, here)
        if node.open is not None or node.leaf_rule is not None:
            problems += _open_problems(node, here)
        elif node.children:
            total = sum((c.weight for c in node.children), ZERO)
            if total != node.weight:
                parts = " + ".join(fmt(c.weight) for c in node.children)
                problems.append(
                    (here + ("weight",), f"“{node.label}”分值 {fmt(node.weight)}，但下级合计 {parts} = {fmt(total)}")
                )
            if node.rule is not None:
                problems.append((here + ("rule",), "有下级指标的分组不应设计分规则"))
            problems += _tree_problems(node.children, here + ("children",), seen)
        else:
            if node.rule is None:
                problems.append((here + ("rule",), f"末级指标“{node.label}”缺少计分规则（rule）"))
            else:
                problems += [(here + ("rule",), msg) for msg in node.rule.weight_problems(node.weight)]
    return problems


def _open_problems(node: Node, here: tuple) -> list[tuple[tuple, str]]:
    """An open group holds nothing itself: its rule is the rule of the indicators records bring under it."""
    problems: list[tuple[tuple, str]] = []
    if node.open is None:
        problems.append((here + ("leaf_rule",), "只有开放分组（open）可设下级指标的计分规则（leaf_rule）"))
    if node.open is not None and node.leaf_rule is None:
        problems.append((here + ("leaf_rule",), f"开放分组“{node.label}”缺少下级指标的计分规则（leaf_rule）"))
    if node.children or node.rule is not None:
        problems.append((here + ("open",), f"开放分组“{node.label}”的下级指标由各记录填写，不应列出下级或计分规则"))
    return problems


def _semantic_problems(decl: RubricFile) -> list[tuple[tuple, str]]:
    problems: list[tuple[tuple, str]] = []
    if decl.schema_ != SCHEMA:
        problems.append((("schema",), f"应为 {SCHEMA}，实际为 {decl.schema_!r}"))
    if decl.format_version != FORMAT_VERSION:
        problems.append((("format_version",), f"本工具支持第 {FORMAT_VERSION} 版格式，实际为 {decl.format_version}"))
    top = sum((n.weight for n in decl.tree), ZERO)
    if top != decl.total_weight:
        parts = " + ".join(fmt(n.weight) for n in decl.tree)
        problems.append((("tree",), f"一级指标分值合计 {parts} = {fmt(top)}，应为 {fmt(decl.total_weight)}"))
    problems += _tree_problems(decl.tree, ("tree",), {})
    has_open = any(n.open is not None for n in _walk(decl.tree))
    if has_open != (decl.family == "target"):
        want = "应有开放分组（open）" if decl.family == "target" else "不应有开放分组（open），或将 family 设为 target"
        problems.append((("family",), f"体系类型为 {decl.family}，{want}"))
    bounds = [g.min for g in decl.grades]
    if bounds != sorted(bounds, reverse=True) or len(set(bounds)) != len(bounds):
        problems.append((("grades",), "评价等级应按下限从高到低排列，且下限互不相同"))
    names = [g.grade for g in decl.grades]
    problems += [(("grades",), f"评价等级“{n}”重复") for n in sorted({n for n in names if names.count(n) > 1})]
    if bounds and bounds[-1] > 0:
        problems.append((("grades",), f"最低等级的下限应为 0，实际为 {fmt(bounds[-1])}（否则低分无等级）"))
    return problems


def parse_rubric(data: object, path: str | Path) -> Rubric:
    """Validate a parsed rubric file; every problem is reported at once with its line."""
    try:
        decl = RubricFile.model_validate(data)
    except ValidationError as exc:
        raise with_lines(path, problems_from(exc)) from None
    problems = _semantic_problems(decl)
    if problems:
        raise with_lines(path, problems)
    return Rubric(decl, tuple(flatten(decl.tree)), content_sha256(path, data))


def content_sha256(path: str | Path, data: object) -> str:
    """The file's digest; for data built in memory (no such file), the digest of its canonical JSON."""
    try:
        return hashlib.sha256(read_input(path, "输入")).hexdigest()
    except InputError:
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def builtin_ids() -> list[str]:
    return sorted(p.stem for p in RUBRIC_DIR.glob("*.yaml"))


def resolve(ref: str | Path) -> Path:
    """A rubric reference (built-in id or file path) as a file path."""
    path = rubric_file(ref)
    if path is not None:
        return path
    raise InputError([Problem(str(ref), "", f"未知的评价指标体系（rubric）ID，内置可用：{'、'.join(builtin_ids())}")])


@lru_cache(maxsize=32)
def _load_cached(path: Path, mtime_ns: int, size: int) -> Rubric:
    return parse_rubric(read_yaml(path, "评价指标体系"), path)


def load_rubric(ref: str | Path) -> Rubric:
    """Load a rubric by built-in id or path; raises InputError listing every problem."""
    path = resolve(ref).resolve()
    try:
        stat = path.stat()
    except OSError:
        raise InputError([Problem(display_path(path), "", "找不到评价指标体系文件")]) from None
    return _load_cached(path, stat.st_mtime_ns, stat.st_size)


def dump_rubric(rubric: Rubric) -> str:
    """The rubric as YAML text that loads back to an equal declaration."""
    data = rubric.declaration.model_dump(by_alias=True, exclude_defaults=True)
    data = {"schema": SCHEMA, "format_version": FORMAT_VERSION, **data}
    return dump_yaml(data)
