"""What XLSX and XLS workbooks share: cell values as text, and which sheet holds the table."""

from __future__ import annotations

from toolkit.importer.sources import Row


def cell_text(value: object) -> str:
    """A cell value as the table shows it: whole numbers without ".0", nothing for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def pick(sheets: list[tuple[str, list[Row]]]) -> tuple[str, list[Row]]:
    """The sheet that holds an indicator table; the first sheet when none does (the layout reader then says so)."""
    return next((s for s in sheets if any("指标" in c for r in s[1] for c in r.cells)), sheets[0])
