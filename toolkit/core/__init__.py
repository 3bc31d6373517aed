"""The core: rubrics as data, records, scoring, checks and results. Imports nothing outside `toolkit.core`."""

from toolkit.core.findings import Finding, Severity
from toolkit.core.problems import InputError, Problem
from toolkit.core.record import Record, load_record
from toolkit.core.result import GroupResult, IndicatorResult, Result
from toolkit.core.rubric import Rubric, load_rubric
from toolkit.core.scoring import score

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
