"""Skip when unchanged: the one mechanism behind every step `run` may leave alone.

A step's fingerprint is one digest over its named inputs (bytes, or a file's content, or "absent"). Once the
step's outputs are written, the digest goes into a marker file beside them; the step is current while the
marker holds the digest of its inputs today and every output it publishes still exists. The marker is
written last, so an interrupted step never looks current.

Light imports only: the runner checks every department and every year with it before anything is executed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from toolkit.core.atomic import write_text

# An input is bytes as given, a file (its content; the file must exist) or None: known to be absent, which
# differs from every content, so adding the input later (a review file, say) changes the digest.
Input = bytes | Path | None


def digest(inputs: Mapping[str, Input]) -> str:
    """One SHA-256 over the inputs by name, independent of their order; a renamed input changes it.

    Raises OSError when a file named as an input cannot be read."""
    total = hashlib.sha256()
    for name in sorted(inputs):
        value = inputs[name]
        total.update(name.encode("utf-8") + b"\0")
        if value is None:
            total.update(b"-")
            continue
        # Each part is hashed on its own first: fixed-length pieces, so no two inputs can run together.
        total.update(b"+" + (file_digest(value) if isinstance(value, Path) else hashlib.sha256(value).digest()))
    return total.hexdigest()


def file_digest(path: Path) -> bytes:
    """The SHA-256 of a file's content. A file every department names (the notebook: a quarter of a megabyte,
    outputs and all) is read once per process, not once per department, while it stays the same file with the
    same size and modification time."""
    status = os.stat(path)
    return _content_digest(os.fspath(path), status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


@lru_cache(maxsize=256)
def _content_digest(path: str, device: int, inode: int, size: int, modified: int) -> bytes:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").digest()


@dataclass(frozen=True)
class Fingerprint:
    """The digest of a step's inputs, the marker file that keeps it and the outputs the step publishes."""

    digest: str
    marker: Path
    outputs: tuple[Path, ...]

    @classmethod
    def of(cls, inputs: Mapping[str, Input], marker: Path, outputs: Iterable[Path]) -> Fingerprint:
        """The fingerprint of `inputs`, kept in `marker`, for a step publishing `outputs`."""
        return cls(digest(inputs), marker, tuple(outputs))

    def is_current(self) -> bool:
        """True when the marker holds this digest and every output exists: the step can be skipped."""
        try:
            stored = self.marker.read_text(encoding="utf-8")
        except OSError:
            return False
        return stored == self.digest and all(path.exists() for path in self.outputs)

    def record(self) -> Path:
        """Keep the digest in the marker; call it only after every output of the step is written."""
        return write_text(self.marker, self.digest)

    def clear(self) -> None:
        """Forget the marker before the step replaces its outputs: a step stopped halfway never looks current,
        even when it runs again on the very inputs the marker names (a forced run)."""
        self.marker.unlink(missing_ok=True)
