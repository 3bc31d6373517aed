"""绩效审计工具包 — audit toolkit for Chinese performance self-evaluation tables.

The package follows the pipeline: `core` (rubrics, records, scoring, checks), `importer` (published tables →
records), `review` (an auditor's adjustments), `report` (one unit's narrative), `summary` (a year across units)
and `batch` (papermill runs over many units).

The version is written here alone: pyproject.toml reads it from this line (setuptools' dynamic version), so the
package metadata says the same, and asking for it costs no importlib.metadata (a fifth of an unchanged run's
start-up).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
