"""Provenance: what produced an output — toolkit, commit, rubric, record, packages, font, time."""

from __future__ import annotations

import hashlib
import os
import subprocess
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from toolkit import __version__
from toolkit.core.paths import PACKAGE_DIR, PROJECT_DIR

KEY_PACKAGES = (
    "pandas",
    "matplotlib",
    "resvg",  # rasterises the department charts: its version can change their PNG bytes
    "papermill",
    "nbconvert",
    "nbformat",
    "openpyxl",
    "pydantic",
    "PyYAML",
    "Jinja2",
)


_SOURCE_SUFFIXES = {".py", ".j2", ".yaml", ".css", ".json"}


@lru_cache(maxsize=1)
def toolkit_fingerprint() -> str:
    """Hash of the package's own files (code, templates, rubrics): changes whenever its behaviour can."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(_sources()):
        digest.update(str(path.relative_to(PACKAGE_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _sources() -> list[Path]:
    """The package's code, templates and rubrics; bytecode folders are not even listed (a third of the cost)."""
    found = []
    for folder, subfolders, files in os.walk(PACKAGE_DIR):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        found += [Path(folder, name) for name in files if os.path.splitext(name)[1] in _SOURCE_SUFFIXES]
    return found


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The checked-out commit when the toolkit runs from a git checkout, else None."""
    if not (PROJECT_DIR / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(PROJECT_DIR), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    from importlib import metadata  # only a run that publishes asks

    versions = {}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "未安装"
    return versions


def generated_at() -> str:
    """Generation time, fixed by SOURCE_DATE_EPOCH when set (reproducible builds), else now; UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC).replace(microsecond=0)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def describe(
    rubric_id: str, rubric_version: str, rubric_sha256: str, record_sha256: str | None, font: str | None
) -> dict:
    """The provenance block every output carries."""
    return {
        "toolkit_version": __version__,
        "git_commit": git_commit(),
        "rubric": rubric_id,
        "rubric_version": rubric_version,
        "rubric_sha256": rubric_sha256,
        "record_sha256": record_sha256,
        "packages": package_versions(),
        "font": font,
        "generated_at": generated_at(),
    }
