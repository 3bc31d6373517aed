"""Where a record goes, read off its first lines without loading it: its year, department code and rubric file.

A run plans every record before it starts a worker, and an unchanged re-run does nothing else, so this read is
what an unchanged re-run of hundreds of departments costs. The record is read as a stream of YAML events
(toolkit.batch.header_scan) and the reading stops once `year`, `department.code` and `rubric` are found, which
in every record the toolkit writes is within the first lines: about 0.1 ms a record, where loading the whole
file took 0.8–1.5 ms. Anything the stream does not say plainly (an alias, a merge key `<<`, a key that is a
collection) is read the old way, by loading the whole file as plain YAML. Nothing is validated here: a record
that says where it goes and then does not load (a syntax error further down, or a key given twice, which the
record check refuses) fails in its kernel, in the folder it named.

This module imports no YAML: what a record's bytes said is also known from the last run (toolkit.batch.hints),
and a re-run that finds every record unchanged never loads PyYAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toolkit.core.paths import YEAR_MAX, YEAR_MIN, code_problem, rubric_file


@dataclass(frozen=True)
class Header:
    """What the first lines of a record say about where it goes, read as plain YAML (no validation)."""

    folder: Path | None  # <year>/<code> when both could name a folder, else None
    rubric: Path | None  # the rubric file it is checked against, None when its reference names none


@dataclass(frozen=True)
class Fields:
    """A record's year, department code and rubric reference as written, before any check: whatever the YAML
    holds there (None: no rubric key, or one not read because the command line names the rubric)."""

    year: object
    code: object
    rubric: object = None


def read_header(record_path: Path, out_root: Path, rubric: str | None) -> Header | None:
    """The record's year, code and rubric file as written; None when the file is not a YAML mapping of them."""
    found = read_fields(record_path, want_rubric=rubric is None)
    return header_of(found, record_path, out_root, rubric) if found is not None else None


def read_fields(record_path: Path, want_rubric: bool) -> Fields | None:
    """The fields off the record's first lines (its rubric only if wanted); None when the file cannot be read
    or is not a YAML mapping of them."""
    from toolkit.batch.header_scan import fields  # PyYAML, only for a record that has to be read

    try:
        data = record_path.read_bytes()
    except OSError:
        return None
    return fields(data, want_rubric)


def header_of(found: Fields, record_path: Path, out_root: Path, rubric: str | None) -> Header:
    """Where the fields send the record: the rubric given on the command line wins over the record's own."""
    year, code = found.year, found.code
    ref = rubric if rubric is not None else found.rubric
    # Only a year and a code the record check would accept name a folder: a 300-digit year or a code of
    # summary.html must not become a path (too long for the file system, or a file of the summary).
    folder = None
    if isinstance(year, int) and YEAR_MIN <= year <= YEAR_MAX and isinstance(code, str) and not code_problem(code):
        folder = out_root / str(year) / code
    named = rubric_file(ref, record_path.parent if rubric is None else None) if isinstance(ref, str) and ref else None
    return Header(folder, named)
