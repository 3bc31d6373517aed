"""Shared fixtures: the seed record as data, and a way to build one-change variants of it."""

from __future__ import annotations

import copy
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
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


SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SVG of every chart rasterised while the test runs (department and summary charts), in order."""
    from toolkit.report import svgchart

    svgs: list[str] = []
    real = svgchart.rasterise

    def spy(svg: str, width: float) -> bytes:
        svgs.append(svg)
        return real(svg, width)

    monkeypatch.setattr(svgchart, "rasterise", spy)
    return svgs


VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def unbalanced(page: str) -> list[str]:
    """Where a page's markup does not nest: an element written self-closing that HTML does not allow to close
    itself (a browser keeps `<a/>` open to the end of the page), or an end tag that closes no open element."""

    class Nesting(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.open: list[str] = []
            self.problems: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag not in VOID_ELEMENTS:
                self.open.append(tag)

        def handle_startendtag(self, tag: str, attrs: object) -> None:
            if tag not in VOID_ELEMENTS:
                self.problems.append(f"<{tag}/> at line {self.getpos()[0]}")

        def handle_endtag(self, tag: str) -> None:
            if tag in self.open:
                while self.open.pop() != tag:
                    pass
            else:
                self.problems.append(f"</{tag}> at line {self.getpos()[0]} closes nothing")

    parser = Nesting()
    parser.feed(page)
    parser.close()
    return parser.problems + [f"<{tag}> never closed" for tag in parser.open]


def svg_texts(svg: str) -> list[str]:
    """The texts of an SVG chart, as drawn (unescaped)."""
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG_NS}text")]


# A review of the seed department: one adjustment and one dismissed finding (tests of reviews and the fuzz test).
ASSET_REVIEW = """\
reviewer: 张审核
date: 2026-12-01
adjustments:
  - indicator: 资产配置合规性
    audited_score: 0.5
    reason: 抽查发现 2 台办公设备超标准配置，按评分标准再扣 0.5 分
findings:
  - code: BUDGET_SUM_MISMATCH
    decision: dismissed
    note: 原表尾数舍入所致，不影响预算真实性
"""


@pytest.fixture(scope="module")
def chromium_page() -> Iterator[object]:
    """A page of headless Chromium (Debian's chromium, driven by Playwright), 1100×900, for the browser tests."""
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("headless Chromium is missing: `make system-deps` installs the Debian package chromium")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield browser.new_page(viewport={"width": 1100, "height": 900})
        browser.close()
