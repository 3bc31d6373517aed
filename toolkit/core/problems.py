"""Input problems: what is wrong, where (file, line, field), and the error that carries them all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file, located as precisely as the file allows."""

    file: str
    field: str  # dotted path inside the file, "" for the file as a whole
    message: str  # Chinese, says what was expected and what was found
    line: int | None = None
    # The field as a path of keys and list positions (("adjustments", 0, "reason")), for programs that place
    # the problem (the review panel); `field` is the same path as people read it.
    loc: tuple[str | int, ...] = ()

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class InputError(Exception):
    """Unusable input; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in problems))


def display_path(path: str | Path) -> str:
    """A path as the user would recognise it: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def dotted(loc: tuple) -> str:
    """("scores", "资产配置合规性", "score") -> "scores.资产配置合规性.score"; list indices as [i]."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
