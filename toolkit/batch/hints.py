"""What each record's bytes said about where it goes, kept in the output folder so that a re-run need not read
them again: `.record-headers.json`, the SHA-256 of a record's bytes → its year, department code and rubric
reference as written.

Why: an unchanged re-run must find every department's folder to see that nothing changed, and the folder is
named inside the record. Reading it (toolkit.batch.header) needs PyYAML, whose import alone was a tenth of such
a run; with the hints, a run that finds every record unchanged reads no YAML at all.

A hint is never trusted. It only says which folder to look in, and the department is skipped only when that
folder's fingerprint matches: a fingerprint covers the record's bytes, its rubric, review, notebook and the
toolkit, so a match means the folder was published from these very bytes, the folder a read of them names. A
hint file that is stale, edited or broken costs a read of the record, never a department in the wrong place.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from toolkit.batch.fingerprint import file_digest
from toolkit.batch.header import Fields, Header, header_of, read_fields
from toolkit.core.atomic import write_text

HINTS_FILE = ".record-headers.json"
KEPT = 20_000  # records remembered per output folder (some 2 MB of hints); the earliest learnt go first


class Hints:
    """The hints of one output folder: looked up by record, learnt from records read, saved once per plan."""

    def __init__(self, out_root: Path) -> None:
        self._file = out_root / HINTS_FILE
        self._known = _stored(self._file)
        self._learnt: dict[str, list[object]] = {}

    def header(self, record_path: Path, out_root: Path, rubric: str | None) -> Header | None:
        """The header the record's bytes had when they were last read, or None when they are new."""
        try:
            known = self._known.get(file_digest(record_path).hex())
        except OSError:
            return None
        return header_of(Fields(*known), record_path, out_root, rubric) if known is not None else None

    def read(self, record_path: Path, out_root: Path, rubric: str | None) -> Header | None:
        """The record's header read off its first lines (toolkit.batch.header), learnt for the next run."""
        found = read_fields(record_path, want_rubric=rubric is None)
        if found is None:
            return None
        plain = isinstance(found.year, int) and isinstance(found.code, str)
        if rubric is None and plain and (found.rubric is None or isinstance(found.rubric, str)):
            with contextlib.suppress(OSError):
                self._learnt[file_digest(record_path).hex()] = [found.year, found.code, found.rubric]
        return header_of(found, record_path, out_root, rubric)

    def save(self) -> None:
        """Keep what was learnt, newest last, within KEPT; an output folder that cannot take it loses nothing
        but the next run's head start."""
        if not self._learnt or all(self._known.get(key) == value for key, value in self._learnt.items()):
            return
        merged = {key: value for key, value in self._known.items() if key not in self._learnt} | self._learnt
        kept = dict(list(merged.items())[-KEPT:])
        with contextlib.suppress(OSError):
            write_text(self._file, json.dumps({"records": kept}, ensure_ascii=False, separators=(",", ":")))
        self._known, self._learnt = kept, {}


def _stored(file: Path) -> dict[str, list[object]]:
    """The hints on disk, each checked for shape; anything unreadable counts as none."""
    try:
        records = json.loads(file.read_text(encoding="utf-8"))["records"]
        return {
            key: value
            for key, value in records.items()
            if isinstance(key, str)
            and isinstance(value, list)
            and len(value) == 3
            and isinstance(value[0], int)
            and isinstance(value[1], str)
            and (value[2] is None or isinstance(value[2], str))
        }
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}
