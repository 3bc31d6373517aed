"""Every path and default the toolkit uses, in one place."""

from __future__ import annotations

import os
import re
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # toolkit/
RUBRIC_DIR = PACKAGE_DIR / "rubrics"
# The project checkout (notebooks/, params/, outputs/) when the package runs from it;
# AUDIT_TOOLKIT_HOME points elsewhere for an installed copy.
PROJECT_DIR = Path(os.environ.get("AUDIT_TOOLKIT_HOME", PACKAGE_DIR.parent)).resolve()
PARAMS_DIR = PROJECT_DIR / "params"
NOTEBOOK_DIR = PROJECT_DIR / "notebooks"
OUTPUT_DIR = PROJECT_DIR / "outputs"
DEPARTMENT_NOTEBOOK = NOTEBOOK_DIR / "department_audit.ipynb"
SUMMARY_NOTEBOOK = NOTEBOOK_DIR / "summary.ipynb"


# --- what may name an output folder, and where a rubric reference points: told without loading any model ------

RUBRIC_SCHEMA = "audit-toolkit/rubric"  # the `schema` of every rubric file (toolkit.core.rubric.SCHEMA)
YEAR_MIN, YEAR_MAX = 1990, 2100
CODE_MAX = 64
# A department is published in <year>/<code>/, beside the year's summary files (summary.html, summary-*.csv).
_RESERVED_CODE = re.compile(r"summary([.-].*)?", re.IGNORECASE)
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_RUBRIC_SUFFIXES = (".yaml", ".yml")
REVIEW_SUFFIX = ".review.yaml"  # an auditor's review of a record lives beside it (toolkit.review.files)


def code_problem(code: str) -> str | None:
    """What makes a department code unfit to name its output folder, or None: a short, plain name that no
    output file of its year uses."""
    if not _CODE.fullmatch(code):
        return "部门代码只能含英文字母、数字、_ . -，且以字母或数字开头"
    if len(code) > CODE_MAX:
        return f"部门代码过长（{len(code)} 个字符，上限 {CODE_MAX} 个）"
    if _RESERVED_CODE.fullmatch(code):
        return "部门代码不能以 summary 命名（与年度汇总的输出文件同名）"
    return None


def rubric_file(ref: str | Path, beside: Path | None = None) -> Path | None:
    """The file a rubric reference names, or None when it names none.

    A relative .yaml/.yml name is first looked for in `beside` (a record's folder: a rubric file named in a
    record is relative to the record, not to wherever the command runs); then the reference is a path when it
    has a rubric suffix or exists, else the id of a built-in rubric."""
    path = Path(ref)
    if beside is not None and path.suffix in _RUBRIC_SUFFIXES and not path.is_absolute() and (beside / path).exists():
        return beside / path
    if path.suffix in _RUBRIC_SUFFIXES or path.exists():
        return path
    builtin = RUBRIC_DIR / f"{ref}.yaml"
    return builtin if builtin.exists() else None


def review_path_for(record_path: str | Path) -> Path:
    """Where the review of a record lives: beside it, named after its stem."""
    record_path = Path(record_path)
    return record_path.with_name(record_path.stem + REVIEW_SUFFIX)
