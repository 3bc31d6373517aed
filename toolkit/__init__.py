"""绩效审计工具包 — audit toolkit for department overall expenditure performance self-evaluations."""
from .findings import Finding, Severity
from .problems import InputError, Problem
from .record import Record, load_record
from .result import GroupResult, IndicatorResult, Result
from .rubric import Rubric, load_rubric
from .scoring import score

__version__ = "0.1.0"

__all__ = [
    "Finding", "GroupResult", "IndicatorResult", "InputError", "Problem", "Record", "Result", "Rubric",
    "Severity", "load_record", "load_rubric", "score", "__version__",
]
