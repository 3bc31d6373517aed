"""The department notebook's target-versus-actual path is under nbval too: a stored run on a fictional project."""

from __future__ import annotations

from pathlib import Path

import nbformat

STORED = Path(__file__).resolve().parents[1] / "fixtures" / "notebooks" / "department_audit-demo-project.ipynb"
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "department_audit.ipynb"


def _outputs(nb: nbformat.NotebookNode) -> str:
    return "".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells for o in c.get("outputs", []))


def test_the_stored_project_run_is_the_department_notebook_with_other_parameters():
    stored, source = nbformat.read(STORED, as_version=4), nbformat.read(NOTEBOOK, as_version=4)
    code = [
        c.source
        for c in stored.cells
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
    ]
    assert code == [c.source for c in source.cells if c.cell_type == "code"]
    injected = next(c.source for c in stored.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "demo-nongye-gaobiao-2023.yaml" in injected


def test_the_stored_project_run_shows_the_target_table_and_the_execution_block():
    html = _outputs(nbformat.read(STORED, as_version=4))
    assert "≥500户" in html and "460户" in html and "未达成" in html and "18.4" in html  # 20 × 460 ÷ 500
    assert "8.77" in html  # 10 × 45.6 ÷ 52, where 9 is stated
