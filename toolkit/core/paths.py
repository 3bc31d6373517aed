"""Every path and default the toolkit uses, in one place."""

from __future__ import annotations

import os
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
