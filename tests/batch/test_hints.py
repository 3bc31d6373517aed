"""Hints: what a record's bytes said about where it goes, kept for the next run. An unchanged re-run finds its
departments from them without reading a record (PyYAML is not even imported), and a hint file that lies or is
broken changes nothing but the time the run takes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from toolkit.batch.hints import HINTS_FILE
from toolkit.batch.notebook import Status
from toolkit.batch.runner import plan

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"
CODES = ("huangpu-zwsj", "other-dept")


def _published(tmp_path: Path) -> tuple[list[Path], Path]:
    """Two records (the seed, and a copy under another code) whose departments look published."""
    params, out = tmp_path / "params", tmp_path / "outputs"
    params.mkdir()
    records = []
    for code in CODES:
        record = params / f"{code}.yaml"
        record.write_text(SEED.read_text(encoding="utf-8").replace("code: huangpu-zwsj", f"code: {code}"), "utf-8")
        folder = out / "2022" / code
        folder.mkdir(parents=True)
        result = {"department": code, "year": 2022, "code": code, "total": 94.2}
        (folder / "result.json").write_text(json.dumps(result), encoding="utf-8")
        (folder / "audit.html").write_text("report", encoding="utf-8")
        records.append(record)
    for job in plan(records, out, force=False, formats=("html",)).jobs:
        job.fingerprint.record()
    return records, out


def _skipped_in(records: list[Path], out: Path) -> list[tuple[Status, str]]:
    known = plan(records, out, force=False, formats=("html",)).known
    return [(o.status, Path(o.out_dir).name) for o in known]


def test_an_unchanged_rerun_finds_its_departments_without_reading_a_record_or_importing_yaml(tmp_path):
    records, out = _published(tmp_path)
    assert (out / HINTS_FILE).is_file()  # learnt while planning the first run
    probe = (
        "import sys\nfrom pathlib import Path\nfrom toolkit.batch.runner import plan\n"
        f"done = plan([Path(p) for p in {[str(r) for r in records]!r}], Path({str(out)!r}), False, formats=('html',))\n"
        "print(len(done.jobs), [o.status.value for o in done.known], 'yaml' in sys.modules)"
    )
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert shown.split(maxsplit=1) == ["0", "['skipped', 'skipped'] False\n"]


def test_a_hint_naming_another_department_misplaces_nothing(tmp_path):
    records, out = _published(tmp_path)
    stored = json.loads((out / HINTS_FILE).read_text(encoding="utf-8"))
    hints = list(stored["records"].values())
    stored["records"] = dict(zip(stored["records"], reversed(hints)))  # each record said to be the other one
    (out / HINTS_FILE).write_text(json.dumps(stored), encoding="utf-8")
    assert _skipped_in(records, out) == [(Status.SKIPPED, code) for code in CODES]


def test_a_broken_hint_file_costs_a_read_and_is_written_again(tmp_path):
    records, out = _published(tmp_path)
    for broken in ("{not json", '{"records": [1, 2]}', '{"records": {"abc": [2022]}}', "[]"):
        (out / HINTS_FILE).write_text(broken, encoding="utf-8")
        assert _skipped_in(records, out) == [(Status.SKIPPED, code) for code in CODES]
        assert len(json.loads((out / HINTS_FILE).read_text(encoding="utf-8"))["records"]) == 2


def test_a_changed_record_is_read_again_and_its_new_code_is_where_it_goes(tmp_path):
    records, out = _published(tmp_path)
    moved = records[1].read_text(encoding="utf-8").replace("code: other-dept", "code: moved-dept")
    records[1].write_text(moved, encoding="utf-8")
    done = plan(records, out, force=False, formats=("html",))
    assert [job.out_dir for job in done.jobs] == [out / "2022" / "moved-dept"]
    assert [Path(o.out_dir).name for o in done.known] == ["huangpu-zwsj"]
