"""`audit-toolkit lab`: the JupyterLab command line and environment it builds (offline: no news, no update check) and
the kernel it registers (the real server is exercised by test_lab_e2e.py)."""

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager

from toolkit.cli import main
from toolkit.review.lab import JUPYTER_CONFIG, KERNEL_NAME, ensure_kernel, lab_argv, lab_env

ROOT = Path(__file__).resolve().parents[2]


def test_lab_serves_the_project_on_localhost_without_a_browser():
    argv = lab_argv(port=8899, as_root=False)
    assert argv[:3] == [sys.executable, "-m", "jupyterlab"]
    assert "--no-browser" in argv and "--ServerApp.ip=127.0.0.1" in argv and "--ServerApp.port=8899" in argv
    assert f"--ServerApp.root_dir={ROOT}" in argv and "--allow-root" not in argv


def test_lab_allows_root_only_when_running_as_root_and_passes_extra_options_last(tmp_path):
    argv = lab_argv(tmp_path, as_root=True, extra=["--ServerApp.shutdown_no_activity_timeout=600"])
    assert (
        "--allow-root" in argv
        and argv[-1] == "--ServerApp.shutdown_no_activity_timeout=600"
        and f"--ServerApp.root_dir={tmp_path}" in argv
    )
    assert not any(a.startswith("--ServerApp.port") for a in argv)


def test_lab_token_goes_through_the_environment_not_the_command_line():
    assert lab_env("s3cret")["JUPYTER_TOKEN"] == "s3cret"
    assert not any("s3cret" in a for a in lab_argv(as_root=False))


def test_lab_server_has_no_news_feed_never_checks_for_updates_nor_searches_pypi():
    from jupyterlab import NeverCheckForUpdate
    from jupyterlab.labapp import LabApp

    app = LabApp()
    app.parse_command_line(lab_argv(port=8899, as_root=False)[3:])  # as JupyterLab itself reads them
    assert app.news_url is None and app.check_for_updates_class is NeverCheckForUpdate
    assert app.extension_manager == "readonly"


@pytest.mark.parametrize("config_path_before", [None, "/opt/site-jupyter"])
def test_lab_frontend_defaults_to_no_news_question_and_no_update_check(tmp_path, monkeypatch, config_path_before):
    from jupyterlab.commands import get_app_dir
    from jupyterlab_server.settings_utils import get_settings

    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "user-config"))  # not this machine's own ~/.jupyter
    if config_path_before is None:
        monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
    else:
        monkeypatch.setenv("JUPYTER_CONFIG_PATH", config_path_before)
    config_path = lab_env(None)["JUPYTER_CONFIG_PATH"]
    assert config_path.split(os.pathsep) == [str(JUPYTER_CONFIG), *([config_path_before] if config_path_before else [])]
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", config_path)

    # The same lookup the JupyterLab server answers /lab/api/settings/<plugin> with.
    setting, _ = get_settings(
        str(tmp_path / "app-settings"),
        str(Path(get_app_dir()) / "schemas"),
        str(tmp_path / "user-settings"),
        "@jupyterlab/apputils-extension:notification",
    )
    properties = setting["schema"]["properties"]
    assert (properties["fetchNews"]["default"], properties["checkForUpdates"]["default"]) == ("false", False)


def test_lab_registers_the_kernel_the_review_notebook_asks_for():
    ensure_kernel()
    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    assert spec.argv[0] == sys.executable
    assert ensure_kernel() is False  # already registered: nothing to do
    notebook = nbformat.read(str(ROOT / "notebooks" / "review.ipynb"), as_version=4)
    assert notebook.metadata.kernelspec.name == KERNEL_NAME


def test_review_notebook_is_a_parameters_cell_and_one_call():
    cells = nbformat.read(str(ROOT / "notebooks" / "review.ipynb"), as_version=4).cells
    code = [c for c in cells if c.cell_type == "code"]
    assert [c.metadata.get("tags", []) for c in code] == [["parameters"], []]
    assert code[0].source.splitlines()[1].startswith('records: str = "../params"  #')
    assert code[0].source.splitlines()[2].startswith('department: str = "huangpu-zwsj-2022"  #')
    assert code[1].source.strip().endswith("open_review(records, department)")
    assert all(not c.get("outputs") for c in code)


def test_lab_refuses_a_root_dir_that_is_not_a_folder(tmp_path, capsys):
    assert main(["lab", "--root-dir", str(tmp_path / "missing")]) == 2
    assert "不是文件夹" in capsys.readouterr().err


def test_widgets_lab_extension_is_installed_for_jupyterlab():
    # The panel renders only if JupyterLab finds the ipywidgets manager among its prebuilt extensions.
    from jupyter_core.paths import jupyter_path
    from jupyterlab_server.config import get_federated_extensions

    extensions = get_federated_extensions(jupyter_path("labextensions"))
    assert "@jupyter-widgets/jupyterlab-manager" in extensions, json.dumps(sorted(extensions))


@pytest.mark.parametrize(
    ("argv", "where"),
    [
        (["--token", "x", "--", "--ServerApp.token="], "--ServerApp.token="),
        (["--", "--IdentityProvider.token="], "--IdentityProvider.token="),
        (["--token", "   "], "--token"),
        (["--ip", "0.0.0.0"], "--ip"),
        (["--", "--ServerApp.ip=0.0.0.0"], "--ServerApp.ip=0.0.0.0"),
        (["--", "--ip", "192.168.1.5"], "--ip"),
        (["--", "--ServerApp.password="], "--ServerApp.password="),
        (["--", "--ServerApp.disable_check_xsrf=True"], "--ServerApp.disable_check_xsrf=True"),
        (["--", "--ServerApp.allow_remote_access=True"], "--ServerApp.allow_remote_access=True"),
        (["--", "--ServerApp.allow_origin=*"], "--ServerApp.allow_origin=*"),
    ],
)
def test_lab_refuses_options_that_drop_authentication_or_leave_loopback(tmp_path, capsys, monkeypatch, argv, where):
    started = []
    monkeypatch.setattr("toolkit.review.lab.start_lab", lambda *a, **k: started.append(a))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "config"))
    assert main(["lab", "--root-dir", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"错误：{where}")
    assert "令牌" in err[0] or "--allow-remote" in err[0]
    assert started == [] and not (tmp_path / "config").exists()  # nothing started, nothing installed


@pytest.mark.parametrize("argv", [["--ip", "localhost"], ["--ip", "::1"], ["--", "--ServerApp.ip=127.0.0.1"]])
def test_lab_accepts_loopback_addresses(argv):
    from toolkit.review.lab import unsafe_options

    ip = argv[1] if argv[0] == "--ip" else "127.0.0.1"
    assert unsafe_options(ip, "tok", argv[1:] if argv[0] == "--" else [], allow_remote=False) == []


def test_lab_allow_remote_lets_the_options_through_but_never_a_blank_token():
    from toolkit.review.lab import unsafe_options

    assert unsafe_options("0.0.0.0", "tok", ["--ServerApp.disable_check_xsrf=True"], allow_remote=True) == []
    assert [p.file for p in unsafe_options("0.0.0.0", " ", [], allow_remote=True)] == ["--token"]


def test_lab_installs_the_chinese_font_css_and_keeps_the_users_own_rules(tmp_path, monkeypatch):
    from fontTools.ttLib import TTFont

    from toolkit.review.lab import KERNEL_DISPLAY_NAME, install_font_css

    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path))
    css = tmp_path / "custom" / "custom.css"
    css.parent.mkdir()
    css.write_text(".mine { color: red; }\n", encoding="utf-8")
    assert install_font_css(ROOT) == css
    text = css.read_text(encoding="utf-8")
    assert ".mine { color: red; }" in text and text.count("@font-face") == 1
    assert '"AuditSans"' in text.split("--jp-ui-font-family:")[1].split(";")[0]
    import base64
    import io
    import re

    data = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", text).group(1))
    cmap = TTFont(io.BytesIO(data)).getBestCmap()
    notebook = (ROOT / "notebooks" / "review.ipynb").read_text(encoding="utf-8")
    needed = {ch for ch in KERNEL_DISPLAY_NAME + notebook + "有扣分有复核发现已调整" if ord(ch) > 0x7F}
    assert not [ch for ch in needed if ord(ch) not in cmap]
    install_font_css(ROOT)  # again: the block replaced, not added
    assert css.read_text(encoding="utf-8") == text


def test_lab_serves_the_custom_css():
    assert "--LabApp.custom_css=True" in lab_argv(as_root=False)
