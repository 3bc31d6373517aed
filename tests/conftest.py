"""Shared fixtures: the seed record as data, and a way to build one-change variants of it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest

from toolkit.core.record import Record, load_record, parse_record
from toolkit.core.result import Result
from toolkit.core.scoring import score
from toolkit.core.yamlio import read_yaml

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_DATA = read_yaml(SEED, "部门自评记录")


@pytest.fixture(scope="session")
def seed_record() -> Record:
    return load_record(SEED)


@pytest.fixture(scope="session")
def seed_result(seed_record: Record) -> Result:
    return score(seed_record)


@pytest.fixture
def seed_data() -> dict:
    """A deep copy of the seed record as parsed YAML, free to change."""
    return copy.deepcopy(SEED_DATA)


@pytest.fixture
def variant() -> Callable[..., Record]:
    """variant(change) -> the seed record with `change(data)` applied, validated by parse_record.

    The path names no real file, so the record's digest is that of the changed data."""

    def build(change: Callable[[dict], object], rubric=None) -> Record:
        data = copy.deepcopy(SEED_DATA)
        change(data)
        return parse_record(data, "seed-variant.yaml", rubric)

    return build


@pytest.fixture
def scored(variant) -> Callable[..., Result]:
    """scored(change) -> the Result of scoring a one-change variant of the seed."""
    return lambda change, rubric=None: score(variant(change, rubric))


@pytest.fixture(scope="session")
def shipped_run(tmp_path_factory):
    """One real `audit-toolkit run` of every shipped record into a temporary outputs folder, shared by the
    tests that inspect published files: (outputs folder, outcomes)."""
    from toolkit.batch.runner import run

    out = tmp_path_factory.mktemp("outputs")
    outcomes = run([ROOT / "params"], out, jobs=2, force=True, progress=False)
    return out, outcomes
