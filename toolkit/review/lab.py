"""JupyterLab on the project, for interactive review: the project's kernel registered, no browser opened, nothing
fetched from the internet (auditors' machines have none)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from toolkit.core.paths import PACKAGE_DIR, PROJECT_DIR

KERNEL_NAME = "audit-toolkit"  # what notebooks/review.ipynb asks for; the Makefile registers the same name
KERNEL_DISPLAY_NAME = "绩效审计工具包 (Python 3)"

# Server side: no news feed URL, an update checker that never checks and an extension manager that lists the
# installed extensions without searching PyPI, so the server fetches nothing even if a user later switches news or
# update checks on in the settings. (Extensions belong in requirements.lock, not installed from the lab.)
OFFLINE_OPTIONS = (
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly",
)
# Frontend side: a Jupyter config folder whose labconfig/default_setting_overrides.json makes "never fetch news" and
# "never check for updates" the defaults, so JupyterLab does not ask about news on first start. Added to the config
# path of the lab we start only, not installed into the user's or the venv's Jupyter folders.
JUPYTER_CONFIG = PACKAGE_DIR / "jupyter_config"


def ensure_kernel() -> bool:
    """Register this Python as the `audit-toolkit` kernel (in sys.prefix) unless it already is.

    True if it was installed now."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        # Same interpreter, unresolved: two venvs on one base Python resolve to the same binary.
        if spec.argv and os.path.abspath(spec.argv[0]) == os.path.abspath(sys.executable):
            return False
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name=KERNEL_DISPLAY_NAME, prefix=sys.prefix)
    return True


def lab_argv(
    root_dir: str | Path = PROJECT_DIR,
    port: int | None = None,
    ip: str = "127.0.0.1",
    extra: list[str] | None = None,
    as_root: bool | None = None,
) -> list[str]:
    """The JupyterLab command line: serve root_dir on ip[:port], never open a browser, never fetch news or updates."""
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--ServerApp.root_dir={Path(root_dir).resolve()}",
        f"--ServerApp.ip={ip}",
        *OFFLINE_OPTIONS,
    ]
    if port is not None:
        argv += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if as_root if as_root is not None else (hasattr(os, "geteuid") and os.geteuid() == 0):
        argv.append("--allow-root")  # CI containers run as root; JupyterLab refuses without saying so
    return argv + list(extra or [])


def lab_env(token: str | None) -> dict[str, str]:
    """The environment for JupyterLab: the token goes in JUPYTER_TOKEN, not on the command line (visible in ps); the
    toolkit's Jupyter config folder first on JUPYTER_CONFIG_PATH, any folders already there kept after it."""
    env = dict(os.environ)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(JUPYTER_CONFIG), *filter(None, [env.get("JUPYTER_CONFIG_PATH")])])
    if token is not None:
        env["JUPYTER_TOKEN"] = token
    return env


def start_lab(
    root_dir: str | Path = PROJECT_DIR,
    port: int | None = None,
    ip: str = "127.0.0.1",
    token: str | None = None,
    extra: list[str] | None = None,
) -> None:
    """Replace this process with JupyterLab (Ctrl+C then stops JupyterLab itself, kernels included)."""
    argv = lab_argv(root_dir, port, ip, extra)
    os.execve(sys.executable, argv, lab_env(token))
