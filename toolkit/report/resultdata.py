"""The department's result.json object as the department notebook hands it to `run`: the record is read,
validated and scored once, in the kernel, and the worker takes the result from the executed notebook instead of
scoring the record a second time.

The notebook's last cell (tagged hide-in-report: never on the page or in the documents) displays the object as
JSON text under a MIME type of the toolkit's own. Text, not a JSON output: nbformat writes JSON outputs with
sorted keys, and result.json keeps the order of `Result.as_dict` (department and year first) for its readers.
JupyterLab knows no renderer for the type and shows the plain-text line instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from toolkit.core.result import Result

if TYPE_CHECKING:
    from nbformat import NotebookNode

MIME = "text/vnd.audit-toolkit.result"
LABEL = "（复核结果数据：批量运行据此写出 result.json，报告中不显示）"


@dataclass(frozen=True)
class ResultData:
    """A result, displayable in a notebook as the hidden output `run` reads back."""

    result: Result

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        return {MIME: json.dumps(self.result.as_dict(), ensure_ascii=False), "text/plain": LABEL}


def read(nb: NotebookNode) -> dict[str, Any] | None:
    """The result object an executed notebook displayed last, or None when it displayed none."""
    found = None
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if MIME in output.get("data", {}):
                found = output["data"][MIME]
    return json.loads(found) if found is not None else None
