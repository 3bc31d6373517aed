"""The department notebook: a typed parameters cell, calls only, and nbval that catches a changed total."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "department_audit.ipynb"


def _cells():
    return nbformat.read(str(NOTEBOOK), as_version=4).cells


def test_parameters_cell_is_tagged_typed_and_commented():
    params = [c for c in _cells() if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    tree = ast.parse(params[0].source)
    annotated = {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign)}
    assert {"record_path", "rubric"} <= annotated
    assert all("#" in line for line in params[0].source.splitlines() if "=" in line)


def test_notebook_defines_no_functions_or_classes():
    for cell in _cells():
        if cell.cell_type == "code":
            tree = ast.parse(cell.source)
            assert not [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))], (
                cell.source
            )


def test_stored_outputs_are_the_seed_department():
    text = "".join(o.get("data", {}).get("text/plain", "") for c in _cells() for o in c.get("outputs", []))
    assert "自评总分94.2" in text and "评价等级优" in text and "46.38" in text and "47.82" in text


def test_nbval_fails_when_the_seed_total_changes(tmp_path):
    # The stored outputs guard the numbers: a different seed total must make nbval fail on the key cells.
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "params").mkdir()
    shutil.copy(NOTEBOOK, tmp_path / "notebooks" / NOTEBOOK.name)
    seed = (ROOT / "params" / "huangpu-zwsj-2022.yaml").read_text(encoding="utf-8")
    changed = seed.replace(
        "  部门整体绩效目标产出指标完成情况:\n    self_score: 19",
        "  部门整体绩效目标产出指标完成情况:\n    self_score: 18",
    )
    assert changed != seed
    (tmp_path / "params" / "huangpu-zwsj-2022.yaml").write_text(changed, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # keep the project's addopts out
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            str(tmp_path / "pytest.ini"),
            "--nbval",
            "--nbval-current-env",
            str(tmp_path / "notebooks" / NOTEBOOK.name),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "93.2" in proc.stdout and "94.2" in proc.stdout
    failed = [line for line in proc.stdout.splitlines() if line.startswith("FAILED")]
    # Code cell 2 is the key figures (total, grade, subtotals); the score table and analysis fail with it.
    assert any("::Cell 2 " in line for line in failed), proc.stdout[-2000:]


def test_run_processes_skip_the_slow_iri_checker_and_still_validate_notebooks():
    # jsonschema's "iri" checker (rfc3987_syntax) builds Lark parsers for 1.3 CPU-s at import, in every process
    # that imports nbformat; toolkit.batch marks it absent. Notebook validation itself must be unaffected.
    probe = (
        "import sys, toolkit.batch, nbformat\n"
        "from nbformat.validator import ValidationError\n"
        f"nb = nbformat.read({str(NOTEBOOK)!r}, as_version=4)\n"
        "nbformat.validate(nb)\n"
        "nb.cells[0]['cell_type'] = 'no such type'\n"
        "try:\n    nbformat.validate(nb)\nexcept ValidationError:\n    print('invalid notebook refused')\n"
        "print('lark' in sys.modules, 'rfc3987_syntax' in sys.modules and sys.modules['rfc3987_syntax'] is None)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines() == ["invalid notebook refused", "False True"], done.stdout + done.stderr
