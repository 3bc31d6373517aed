"""What changed between two rubrics (regions change their sheets year to year): `audit-toolkit rubric diff`.

Nodes are matched by id, groups and indicators alike. A node is added, removed, re-weighted, re-ruled (its
rule's type or parameters changed; the wording of the standard alone is no change of rule) or moved (it now
sits under another group). Changes come in the order of the second rubric, removals in that of the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from toolkit.core.numbers import fmt
from toolkit.core.rubric import Node, Rubric
from toolkit.core.rules import Rule
from toolkit.importer.standards import rule_params


class ChangeKind(Enum):
    ADDED = "新增"
    REMOVED = "删除"
    REWEIGHTED = "分值变动"
    RERULED = "计分规则变动"
    MOVED = "层级变动"


@dataclass(frozen=True, slots=True)
class Change:
    """One change of one node: its id, its name as shown, and what it was and is (as text)."""

    kind: ChangeKind
    id: str
    label: str
    before: str = ""
    after: str = ""

    def __str__(self) -> str:
        if self.kind in (ChangeKind.ADDED, ChangeKind.REMOVED):
            return f"{self.kind.value}：{self.label}（{self.before or self.after}）"
        return f"{self.kind.value}：{self.label}：{self.before} → {self.after}"


def _nodes(nodes: tuple[Node, ...], above: str = "") -> dict[str, tuple[Node, str]]:
    """Every node by id, with the path of the groups above it."""
    out: dict[str, tuple[Node, str]] = {}
    for node in nodes:
        out[node.id] = (node, above)
        out |= _nodes(node.children, f"{above} / {node.label}" if above else node.label)
    return out


def _rule(rule: Rule | None) -> str:
    if rule is None:
        return "无"
    params = rule_params(rule)
    return f"{rule.type}（{params}）" if params else rule.type


def _rule_of(node: Node) -> str:
    return _rule(node.leaf_rule) if node.open is not None else _rule(node.rule)


def _shown(node: Node, above: str) -> str:
    where = f"{above} 下，" if above else ""
    return f"{where}{fmt(node.weight)} 分"


def diff_rubrics(old: Rubric, new: Rubric) -> list[Change]:
    """Every node added, removed, re-weighted, re-ruled or moved from `old` to `new`."""
    before, after = _nodes(old.tree), _nodes(new.tree)
    changes: list[Change] = []
    for ident, (node, above) in after.items():
        if ident not in before:
            changes.append(Change(ChangeKind.ADDED, ident, node.label, after=_shown(node, above)))
            continue
        was, was_above = before[ident]
        if was.weight != node.weight:
            changes.append(Change(ChangeKind.REWEIGHTED, ident, node.label, fmt(was.weight), fmt(node.weight)))
        if _rule_of(was) != _rule_of(node):
            changes.append(Change(ChangeKind.RERULED, ident, node.label, _rule_of(was), _rule_of(node)))
        if was_above != above:
            changes.append(Change(ChangeKind.MOVED, ident, node.label, was_above or "（顶层）", above or "（顶层）"))
    changes += [
        Change(ChangeKind.REMOVED, ident, node.label, before=_shown(node, above))
        for ident, (node, above) in before.items()
        if ident not in after
    ]
    return changes
