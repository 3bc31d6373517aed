"""The core: rubrics as data, records, scoring, checks and results. Imports nothing outside `toolkit.core`.

The names below are imported on first use, not with the package: `toolkit.core.paths` or `.fingerprint`-light
callers (an unchanged `run` decides everything from files and hashes) must not pay for building the record and
rubric models."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from toolkit.core.findings import Finding, Severity
    from toolkit.core.problems import InputError, Problem
    from toolkit.core.record import Record, load_record
    from toolkit.core.result import GroupResult, IndicatorResult, Result
    from toolkit.core.rubric import Rubric, load_rubric
    from toolkit.core.scoring import score

_HOME = {
    "Finding": "findings",
    "Severity": "findings",
    "InputError": "problems",
    "Problem": "problems",
    "Record": "record",
    "load_record": "record",
    "GroupResult": "result",
    "IndicatorResult": "result",
    "Result": "result",
    "Rubric": "rubric",
    "load_rubric": "rubric",
    "score": "scoring",
}

__all__ = [
    "Finding",
    "GroupResult",
    "IndicatorResult",
    "InputError",
    "Problem",
    "Record",
    "Result",
    "Rubric",
    "Severity",
    "load_record",
    "load_rubric",
    "score",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
