"""Text from records made safe and short for a terminal: control characters and escape sequences removed (no
window titles, links or screen clears from a department name), and names cut in the middle so their distinctive
end survives. Widths are terminal cells (a CJK character takes two), as rich measures them."""

from __future__ import annotations

import re

from rich.cells import cell_len

ELLIPSIS = "…"
# ESC sequences first (OSC ... BEL/ST, CSI ... final byte, two-byte escapes), then any other C0/C1 character.
_ESCAPES = re.compile(
    r"\x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC: window titles, OSC 8 links
    r"|\x9d[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, C1 form
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI: colours, cursor moves, screen clears
    r"|\x1b[P^_X][^\x1b\x9c]*(?:\x1b\\|\x9c)?"  # DCS, PM, APC, SOS strings
    r"|\x1b[ -/]*[0-~]?"  # two-byte escapes
)
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe(text: object) -> str:
    """`text` as plain printable characters: escape sequences dropped, other control characters (line breaks and
    tabs included) each replaced by a space."""
    return _CONTROLS.sub(" ", _ESCAPES.sub("", str(text)))


def cut(text: str, cells: int, head_share: float = 1 / 3) -> str:
    """`text` within `cells` terminal cells: whole when it fits, else its start, an ellipsis and its end (the
    end gets the larger share: 示例市…农业农村局)."""
    if cell_len(text) <= cells:
        return text
    if cells <= 1:
        return ELLIPSIS[:cells]
    room = cells - cell_len(ELLIPSIS)
    head = _take(text, int(room * head_share))
    tail = _take(text[::-1], room - cell_len(head))[::-1]
    return f"{head}{ELLIPSIS}{tail}"


def _take(text: str, cells: int) -> str:
    """The longest start of `text` within `cells` cells."""
    used, end = 0, 0
    for end, ch in enumerate(text, start=1):
        used += cell_len(ch)
        if used > cells:
            return text[: end - 1]
    return text[:end]


def shrink(widths: list[int], budget: int, floor: int = 8) -> list[int]:
    """Column widths within `budget` cells, taking cells from the widest column first (never below `floor`)."""
    widths = list(widths)
    while sum(widths) > budget:
        widest = max(range(len(widths)), key=lambda k: widths[k])
        if widths[widest] <= floor:
            break
        widths[widest] -= 1
    return widths
