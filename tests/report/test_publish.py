"""Published HTML: self-contained, no code, escaped department text, a provenance footer; checked in Chromium."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from conftest import unbalanced

from toolkit import __version__
from toolkit.batch.department import build_department
from toolkit.batch.runner import discover
from toolkit.report.publish import HIDDEN_TAGS, render_html

SEED_HTML = Path("2022/huangpu-zwsj/audit.html")


@pytest.fixture(scope="module")
def seed_html(shipped_run) -> str:
    out, _ = shipped_run
    return (out / SEED_HTML).read_text(encoding="utf-8")


def test_seed_report_states_total_grade_and_subtotals(seed_html):
    assert "94.2" in seed_html and "“<strong>优</strong>”" in seed_html
    assert "46.38" in seed_html and "47.82" in seed_html


def test_seed_report_has_every_section(seed_html):
    for heading in (
        "一、基本情况",
        "二、绩效目标及完成情况",
        "三、预算情况",
        "四、自评得分及等级",
        "五、指标分析",
        "六、存在问题及原因",
        "七、改进措施及建议",
        "八、复核意见",
        "附表：指标明细",
    ):
        assert f">{heading}<" in seed_html


def test_seed_report_nests_as_a_browser_reads_it(seed_html):
    # nbconvert's hidden heading links were written `<a/>`, which a browser keeps open to the end of the page:
    # Chromium then printed the whole report as one page without its charts.
    assert unbalanced(seed_html) == []


def test_every_seed_report_image_has_its_own_alt_text(seed_html):
    # nbconvert no longer fills in a placeholder for an image without one (toolkit.report.publish.ReportExporter).
    images = re.findall(r"<img [^>]*>", seed_html)
    assert len(images) == 3  # budget composition, level-2 rates, deduction path
    assert all(re.search(r'alt="[^"]{20,}"', img) for img in images)


def test_seed_report_lists_the_findings_with_their_numbers(seed_html):
    assert "BUDGET_SUM_MISMATCH" in seed_html and "11,887.74" in seed_html
    assert "ROUNDING_DIFFERENCE" in seed_html and "9.888" in seed_html
    assert "TRUNCATED_TEXT" in seed_html and "UNNAMED_INDICATOR" in seed_html


def test_report_contains_no_code_prompts_or_parameters(seed_html):
    body = seed_html[seed_html.index("<main") :]
    assert "open_report" not in body and "record_path" not in body and "Optional" not in body
    assert 'class="jp-InputPrompt' not in body and "highlight-ipynb" not in body and "In&nbsp;[" not in body


def test_report_fetches_nothing(seed_html):
    assert "<script" not in seed_html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", seed_html)
    assert "@import" not in seed_html and not re.search(r"url\((?!data:)", seed_html)


def test_report_footer_records_provenance(seed_html, seed_result):
    footer = seed_html[seed_html.index('<footer class="provenance">') :]
    assert f"gz-dept-overall-2022（版本 2022.1，SHA-256 {seed_result.rubric_sha256[:16]}）" in footer
    assert f"audit-toolkit {__version__}" in footer
    assert seed_result.record_sha256[:16] in footer
    assert re.search(r"生成时间 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC", footer)


def test_department_text_is_escaped_in_the_report(tmp_path):
    root = Path(__file__).resolve().parents[2]
    data = yaml.safe_load((root / "params/huangpu-zwsj-2022.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["indicators"]["资产配置合规性"]["reason"] = "<script>alert('x')</script>超标配置<b>办公设备</b>"
    data["department"]["name"] = "示例<i>局</i>"
    record = tmp_path / "xss.yaml"
    record.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    step = build_department(record, tmp_path / "out", None)
    assert step.payload is not None, step.message
    html = (tmp_path / "out" / "audit.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "<b>办公设备</b>" not in html and "<i>局</i>" not in html
    assert "&lt;script&gt;alert(" in html and "&lt;b&gt;办公设备&lt;/b&gt;" in html
    assert "示例&lt;i&gt;局&lt;/i&gt;" in html


def test_a_page_validates_its_notebook_once_and_still_refuses_an_invalid_one(monkeypatch):
    """nbconvert validates after each of its dozen preprocessors unless told otherwise: a third of a page's time."""
    root = Path(__file__).resolve().parents[2]
    nb = nbformat.read(root / "notebooks/department_audit.ipynb", as_version=4)
    footer = {"title": "示例", "record_sha256": "0" * 64, "generated_at": "2026-12-02 10:00"}
    calls = []
    real = nbformat.validate
    monkeypatch.setattr(nbformat, "validate", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert "履职效能" in render_html(nb, footer)
    assert len(calls) == 1
    shown = [c for c in nb.cells if c.cell_type == "code" and not set(c.metadata.get("tags", [])) & HIDDEN_TAGS]
    code = shown[-1]  # a cell the page shows: hidden ones are removed before the notebook is validated
    code.outputs.append(nbformat.from_dict({"output_type": "不存在的输出类型"}))
    with pytest.raises(nbformat.ValidationError):
        render_html(nb, footer)


@pytest.mark.browser
def test_report_opens_offline_in_chromium_with_charts(shipped_run, chromium_page, tmp_path):
    out, _ = shipped_run
    page = chromium_page
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((out / SEED_HTML).resolve().as_uri(), wait_until="load")
    leaving = [u for u in requests if not u.startswith(("file://", "data:"))]
    assert leaving == [] and errors == []
    images = page.eval_on_selector_all("figure.chart img", "imgs => imgs.map(i => ({w: i.naturalWidth, alt: i.alt}))")
    assert len(images) == 3 and all(i["w"] > 300 and len(i["alt"]) > 20 for i in images)
    assert page.evaluate("document.fonts.check('16px AuditSans', '履职效能')")
    assert "94.2" in page.inner_text(".key-figures")
    shot = tmp_path / "seed-report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 100_000


@pytest.mark.browser
def test_index_page_links_every_department(shipped_run, chromium_page):
    out, outcomes = shipped_run
    page = chromium_page
    page.goto((out / "index.html").resolve().as_uri(), wait_until="load")
    rows = " ".join(page.eval_on_selector_all("table.index", "ts => ts.map(t => t.innerText)"))  # one table a year
    assert "广州市黄埔区政务服务数据管理局" in rows and "94.2" in rows
    hrefs = page.eval_on_selector_all("a", "as => as.map(a => a.getAttribute('href'))")
    departments = [o for o in outcomes if o.kind == "department"]
    assert len(departments) == len(discover([Path(__file__).resolve().parents[2] / "params"]))
    for outcome in departments:
        assert any(h.startswith(f"{outcome.year}/{outcome.code}/audit.html") for h in hrefs)
    assert all((out / h).exists() for h in hrefs)


PREPARED = """
import sys
import fastjsonschema, nbformat
from toolkit.core.paths import DEPARTMENT_NOTEBOOK
from toolkit.report import publish, webfont

publish.prepare(DEPARTMENT_NOTEBOOK)
def recomputed(*args, **kwargs):
    raise AssertionError("computed again after prepare")
fastjsonschema.compile = recomputed
webfont._parse_base = recomputed
webfont.make_base = recomputed
publish.ReportExporter.__init__ = recomputed
executed = nbformat.read(DEPARTMENT_NOTEBOOK, as_version=4)  # the stored run, with its outputs
page = publish.render_html(executed, dict.fromkeys(publish.FOOTER, "x"))
print("94.2" in page and "@font-face" in page)
"""


def test_after_prepare_a_page_is_published_without_compiling_validators_parsing_the_font_or_making_an_exporter():
    """What the fork server prepares once a run is what every department's page would compute again: in a
    fresh interpreter, once prepared, publishing the seed's stored run recompiles and reparses none of it."""
    done = subprocess.run([sys.executable, "-c", PREPARED], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
