"""绩效审计工具包 — audit toolkit for Chinese performance self-evaluation tables.

The package follows the pipeline: `core` (rubrics, records, scoring, checks), `importer` (published tables →
records), `review` (an auditor's adjustments), `report` (one unit's narrative), `summary` (a year across units)
and `batch` (papermill runs over many units). The version comes from the package metadata alone.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("audit-toolkit")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
