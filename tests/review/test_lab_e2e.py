"""End to end in a real JupyterLab (started by `audit-toolkit lab`) driven by headless Chromium: open the review
notebook, run it, re-score one indicator with a reason, save, and find the audited total changed on disk; and the lab
never asks about Jupyter news nor checks for updates (auditors' machines have no internet)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, suppress
from decimal import Decimal
from pathlib import Path

import psutil
import pytest

from toolkit.core.record import load_record
from toolkit.review.apply import audit
from toolkit.review.files import review_path_for

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "params" / "huangpu-zwsj-2022.yaml"
CHROMIUM = "/usr/bin/chromium"
STARTUP_SECONDS = 90
STEP_MS = 60_000  # the longest any one browser step may take (first kernel start included)
NOTIFICATION_SETTINGS = "@jupyterlab/apputils-extension:notification"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str, method: str = "GET", timeout: float = 5) -> int:
    request = urllib.request.Request(
        url, method=method, data=b"" if method == "POST" else None, headers={"Authorization": f"token {token}"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status


def _get_json(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def _stop(proc: subprocess.Popen, base: str, token: str) -> None:
    """Ask the server to shut down (it stops its kernels), then make sure every process it started is gone."""
    try:
        family = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    except psutil.Error:
        family = []
    with suppress(OSError):
        _get(f"{base}/api/shutdown", token, "POST")
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    for pid in family:  # kernels run in sessions of their own: end them by id, not by group or name
        with suppress(psutil.Error):
            psutil.Process(pid).kill()


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab serving a temporary copy of the review notebook and the seed record, never the real params/."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make system-deps` installs the Debian package chromium")
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "params").mkdir()
    shutil.copy(ROOT / "notebooks" / "review.ipynb", root / "notebooks")
    shutil.copy(SEED, root / "params")
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    # Fresh user settings and workspaces; news and update checks are left to `audit-toolkit lab` (tested below).
    quiet = [
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
        "--LabApp.expose_app_in_browser=True",
    ]
    cmd = [
        str(Path(sys.executable).parent / "audit-toolkit"),
        "lab",
        "--root-dir",
        str(root),
        "--port",
        str(port),
        "--token",
        token,
        "--",
        *quiet,
    ]
    log = tmp_path / "lab.log"
    with log.open("wb") as out:  # the server writes through its own copy of the handle
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{_tail(log)}")
            try:
                if _get(f"{base}/api/status", token, timeout=2) == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within {STARTUP_SECONDS}s:\n{_tail(log)}")
            time.sleep(0.3)  # polling a server that is starting, not waiting on the page
        yield {"base": base, "token": token, "root": root}
    finally:
        _stop(proc, base, token)


def _kernel_idle_js() -> str:
    return """() => {
        const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
        const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
        return !!k && k.status === 'idle';
    }"""


@contextmanager
def _browser_page(lab: dict):
    """A page in headless Chromium; a screenshot of it is kept when a step fails."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.set_default_timeout(STEP_MS)
            try:
                yield page
            except Exception:
                shot = lab["root"].parent / "failure.png"
                page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot of the failing page: {shot}")
                raise
        finally:
            browser.close()


def _open_review_notebook(page, lab: dict) -> None:
    page.goto(f"{lab['base']}/lab/tree/notebooks/review.ipynb?token={lab['token']}")
    page.wait_for_selector(".jp-Notebook .jp-Cell")
    page.wait_for_function(_kernel_idle_js(), timeout=STEP_MS)


def _review_in_the_browser(page, lab: dict, row: int, record_path: Path) -> None:
    _open_review_notebook(page, lab)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

    score_input = page.locator(f".audit-score-{row} input")
    score_input.wait_for()
    # First a review that must be refused: above the weight, no reason, no reviewer.
    score_input.fill("3")
    score_input.press("Tab")
    page.locator("button.audit-save").click()
    error = page.locator(".audit-message .audit-error")
    error.wait_for()
    assert "超过指标“资产配置合规性”的分值 2" in error.inner_text() and "缺少调整理由" in error.inner_text()
    assert not review_path_for(record_path).exists()

    page.locator(".audit-reviewer input").fill("测试复核人")
    score_input.fill("0.5")
    reason = page.locator(f".audit-reason-{row} input")
    reason.fill("抽查发现超标准配置办公设备，按评分标准再扣 0.5 分")
    reason.press("Tab")
    page.locator("button.audit-save").click()
    saved = page.locator(".audit-message .audit-saved")
    saved.wait_for()
    assert "复核后总分 93.7" in saved.inner_text()


def test_review_in_jupyterlab_saves_an_adjustment_that_changes_the_audited_total(lab):
    record_path = lab["root"] / "params" / SEED.name
    record_before = record_path.read_bytes()
    row = [i.id for i in audit(load_record(record_path)).indicators].index("资产配置合规性")
    with _browser_page(lab) as page:
        _review_in_the_browser(page, lab, row, record_path)

    review_file = review_path_for(record_path)
    text = review_file.read_text(encoding="utf-8")
    assert "reviewer: 测试复核人" in text and "indicator: 资产配置合规性" in text and "audited_score: 0.5" in text
    result = audit(load_record(record_path))
    assert (result.total, result.audited_total, result.audited_grade) == (Decimal("94.20"), Decimal("93.70"), "优")
    assert result.review.adjustments[0].reason == "抽查发现超标准配置办公设备，按评分标准再扣 0.5 分"
    assert record_path.read_bytes() == record_before
    assert not (ROOT / "params" / "huangpu-zwsj-2022.review.yaml").exists()
    assert json.loads(json.dumps(result.as_dict()))["audited_total"] == 93.7


def test_lab_never_asks_about_jupyter_news_nor_checks_for_updates(lab):
    # What the server hands the frontend as defaults (no user setting exists yet: a fresh user settings folder).
    setting = _get_json(f"{lab['base']}/lab/api/settings/{NOTIFICATION_SETTINGS}", lab["token"])
    defaults = {
        k: v["default"] for k, v in setting["schema"]["properties"].items() if k in ("fetchNews", "checkForUpdates")
    }
    assert defaults == {"fetchNews": "false", "checkForUpdates": False}
    assert "fetchNews" not in setting["settings"]  # off by default, not by an answer stored for this user

    with _browser_page(lab) as page:
        announcements = []  # the frontend asks the server for news and updates only when its settings say so
        page.on(
            "request",
            lambda r: announcements.append(r.url) if "/lab/api/news" in r.url or "/lab/api/update" in r.url else None,
        )
        # The announcements plugin decides right after the layout is restored, long before the kernel is idle.
        _open_review_notebook(page, lab)
        page_config = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent)")
        toasts = page.locator(".jp-toastContainer .Toastify__toast").all_inner_texts()

    assert page_config["news"] == {"disabled": True}  # the server has no news feed to fetch from
    assert not [t for t in toasts if "news" in t.lower()], toasts
    assert announcements == []


def _font_cmap(lab: dict) -> set[int]:
    """The characters of the font the lab's custom.css embeds (served at /custom/custom.css)."""
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    request = urllib.request.Request(
        f"{lab['base']}/custom/custom.css", headers={"Authorization": f"token {lab['token']}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        css = response.read().decode("utf-8")
    data = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", css).group(1))
    return set(TTFont(io.BytesIO(data)).getBestCmap())


def test_review_notebook_opens_unmodified_and_its_chinese_text_has_every_glyph(lab):
    from toolkit.review.lab import KERNEL_DISPLAY_NAME

    cmap = _font_cmap(lab)
    with _browser_page(lab) as page:
        _open_review_notebook(page, lab)
        # JupyterLab writes the kernel's language_info and kernelspec into the notebook once the kernel answers;
        # a difference from the stored metadata would show the notebook as modified.
        dirty = page.evaluate(
            """async () => {
                const w = window.jupyterapp.shell.currentWidget;
                await w.sessionContext.session.kernel.info;
                await new Promise(resolve => requestAnimationFrame(() => setTimeout(resolve, 0)));
                return w.context.model.dirty;
            }"""
        )
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.locator("button.audit-save").wait_for()
        page.locator(".audit-filter").wait_for()
        text = page.evaluate("document.body.innerText")
        family = page.evaluate("getComputedStyle(document.querySelector('.audit-summary')).fontFamily")
        loaded = page.evaluate(
            "async (t) => { await document.fonts.load('16px AuditSans', t);"
            " return document.fonts.check('16px AuditSans', t); }",
            text,
        )
    assert dirty is False
    assert KERNEL_DISPLAY_NAME in text and "有复核发现" in text and "部门预算资金支出率" in text
    assert "AuditSans" in family and loaded is True
    chinese = {ch for ch in text if ord(ch) >= 0x2E80}
    assert chinese and not sorted(ch for ch in chinese if ord(ch) not in cmap)
