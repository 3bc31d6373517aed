"""Reading where a record goes off its first YAML events: the same folder and rubric file a full load of the
record gives, for every shipped record and for the shapes a stream cannot read plainly (aliases, merges) or reads
as a load does (a key given twice, an explicit tag), and nothing at all for a record that does not say it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from toolkit.batch.header import read_header
from toolkit.core.paths import rubric_file

ROOT = Path(__file__).resolve().parents[2]
RECORDS = sorted((ROOT / "params").glob("*.yaml"))
HEAD = "schema: audit-toolkit/department\nformat_version: 1\n"


def _full_load(path: Path, out: Path) -> tuple[Path, Path | None]:
    """Where a full load of a well-formed record places it, by the rule the header states."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return out / str(data["year"]) / data["department"]["code"], rubric_file(data["rubric"], path.parent)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "record.yaml"
    path.write_text(HEAD + text, encoding="utf-8")
    return path


@pytest.mark.parametrize("record", RECORDS, ids=lambda p: p.name)
def test_every_shipped_record_is_placed_as_a_full_load_places_it(record, tmp_path):
    header = read_header(record, tmp_path, None)
    assert header is not None
    assert (header.folder, header.rubric) == _full_load(record, tmp_path)


def test_a_rubric_given_on_the_command_line_wins_over_the_record(tmp_path):
    header = read_header(RECORDS[0], tmp_path, "gz-dept-overall-2022")
    assert header is not None and header.rubric == rubric_file("gz-dept-overall-2022", None)


def test_fields_after_long_lists_are_still_found(tmp_path):
    goals = "".join(f"- 目标{n}\n" for n in range(500))
    path = _write(tmp_path, f"goals:\n{goals}department:\n  name: 甲\n  units: [1, {{a: 2}}]\n  code: x1\nyear: 2023\n")
    header = read_header(path, tmp_path, "r")
    assert header is not None and header.folder == tmp_path / "2023" / "x1"


def test_reading_stops_at_the_header_so_a_later_syntax_error_fails_in_the_kernel_not_here(tmp_path):
    path = _write(tmp_path, "year: 2023\ndepartment: {code: x1}\nrubric: r\ngoals: [unclosed\n")
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(path.read_text(encoding="utf-8"))
    header = read_header(path, tmp_path, None)
    assert header is not None and header.folder == tmp_path / "2023" / "x1"


@pytest.mark.parametrize(
    ("text", "year", "code"),
    [
        ("year: 2022\nyear: 2023\ndepartment: {code: x1}\n", 2023, "x1"),  # given twice: the last one, as loaded
        ("department: {code: x1, code: x4}\nyear: !!int '2023'\n", 2023, "x4"),  # explicit tag, code twice
    ],
)
def test_keys_given_twice_and_explicit_tags_are_read_as_a_load_reads_them(text, year, code, tmp_path):
    header = read_header(_write(tmp_path, text), tmp_path, "r")
    assert header is not None and header.folder == tmp_path / str(year) / code


@pytest.mark.parametrize(
    ("text", "year", "code"),
    [
        ("base: &d {code: x2}\ndepartment: *d\nyear: 2023\n", 2023, "x2"),  # an alias
        ("<<: {year: 2024}\ndepartment: {code: x3}\n", 2024, "x3"),  # a merge key
    ],
)
def test_what_a_stream_cannot_read_plainly_is_read_by_a_full_load(text, year, code, tmp_path):
    header = read_header(_write(tmp_path, text), tmp_path, "r")
    assert header is not None and header.folder == tmp_path / str(year) / code


@pytest.mark.parametrize(
    "text",
    [
        "department: [x1]\nyear: 2023\n",  # the department is no mapping
        "department: {name: 甲}\nyear: 2023\n",  # no code
        "department: {code: x1}\n",  # no year
        "[year, 2023]\n",  # the root is no mapping
        "department: {code: x1\nyear: 2023\n",  # broken before the header is read
        "department: {code: x1}\nyear: *nowhere\n",  # an alias to no anchor
    ],
)
def test_a_record_that_does_not_say_where_it_goes_has_no_header(text, tmp_path):
    assert read_header(_write(tmp_path, text), tmp_path, "r") is None


@pytest.mark.parametrize(
    "text",
    [
        "department: {code: x1}\nyear: '2023'\n",  # a year written as text
        "department: {code: x1}\nyear: [2023]\n",  # a list
        "department: {code: summary.html}\nyear: 2023\n",  # a code the record check refuses
    ],
)
def test_a_year_or_code_that_cannot_name_a_folder_names_none(text, tmp_path):
    header = read_header(_write(tmp_path, text), tmp_path, "r")
    assert header is not None and header.folder is None
