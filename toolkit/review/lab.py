"""JupyterLab on the project, for interactive review: the project's kernel registered, no browser opened, nothing
fetched from the internet (auditors' machines have none)."""

from __future__ import annotations

import ipaddress
import os
import re
import sys
from pathlib import Path

from toolkit.core.paths import PACKAGE_DIR, PROJECT_DIR
from toolkit.core.problems import Problem

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


LOOPBACK_NAMES = ("localhost",)
# Server options (any class: ServerApp, NotebookApp, IdentityProvider…) that switch authentication or the
# cross-site checks off, or open the server to other machines; only with --allow-remote.
_GUARDED = {
    "token": "访问令牌",
    "password": "登录密码",
    "hashed_password": "登录密码",
    "password_required": "登录密码要求",
    "allow_unauthenticated_access": "免登录访问",
    "disable_check_xsrf": "跨站请求检查",
    "allow_remote_access": "远程访问检查",
    "allow_origin": "跨域访问",
    "allow_origin_pat": "跨域访问",
    "allow_credentials": "跨域凭据",
    "tornado_settings": "服务器内部设置",
    "identity_provider_class": "身份验证方式",
    "authorizer_class": "授权方式",
    "login_handler_class": "登录方式",
    "config_file": "配置文件",
    "config": "配置文件",
}
_OPTION = re.compile(r"^-{1,2}(?:[A-Za-z_][\w]*\.)?([\w-]+)(?:=(.*))?$", re.DOTALL)


def is_loopback(ip: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if ip.strip().lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(ip.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def unsafe_options(ip: str, token: str | None, extra: list[str], allow_remote: bool) -> list[Problem]:
    """Every option that would start the lab without authentication or reachable beyond this machine.

    A blank token is refused always; the rest unless `allow_remote`. `extra` is what follows `--`."""
    problems = []
    env_token = os.environ.get("JUPYTER_TOKEN")
    if token is not None and not token.strip():
        problems.append(Problem("--token", "", "访问令牌为空白，等于关闭身份验证；请给出非空令牌，或省略以随机生成"))
    elif token is None and env_token is not None and env_token and not env_token.strip():
        problems.append(Problem("JUPYTER_TOKEN", "", "环境变量中的访问令牌为空白；请设为非空令牌，或删除该变量"))
    if not allow_remote and not is_loopback(ip):
        problems.append(Problem("--ip", "", f"监听地址 {ip} 可被其他计算机访问；确需如此请加 --allow-remote"))
    for k, arg in enumerate(extra):
        match = _OPTION.match(arg)
        if not match:
            continue
        name = match.group(1).replace("-", "_")
        value = match.group(2) if match.group(2) is not None else _next_value(extra, k)
        if name == "ip":
            if not allow_remote and not is_loopback(value or ""):
                problems.append(
                    Problem(arg, "", f"监听地址 {value or '（空）'} 可被其他计算机访问；确需如此请加 --allow-remote")
                )
        elif name in _GUARDED and not allow_remote:
            what = _GUARDED[name]
            problems.append(
                Problem(arg, "", f"改动{what}可能关闭身份验证或开放远程访问，未启动；确需如此请加 --allow-remote")
            )
    return problems


def _next_value(argv: list[str], k: int) -> str | None:
    """The value of an option given as two arguments (`--ServerApp.ip 0.0.0.0`)."""
    if k + 1 < len(argv) and not argv[k + 1].startswith("-"):
        return argv[k + 1]
    return None


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


FONT_BEGIN = "/* audit-toolkit 中文字体 begin"
FONT_END = "/* audit-toolkit 中文字体 end */"
_STACK = 'system-ui, -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, "{family}", sans-serif'
_CODE = 'Menlo, Consolas, "DejaVu Sans Mono", "{family}", monospace'


def font_text(root_dir: str | Path) -> str:
    """The characters the lab must show: the GB2312 repertoire, the kernel name, the review panel's own text, and
    the notebooks and records under root_dir (names and labels outside GB2312 included)."""
    from toolkit.report.webfont import base_repertoire

    parts = [base_repertoire(), KERNEL_DISPLAY_NAME, (PACKAGE_DIR / "review" / "panel.py").read_text("utf-8")]
    root = Path(root_dir)
    for pattern in ("notebooks/*.ipynb", "params/**/*.yaml"):
        for path in sorted(root.glob(pattern))[:2000]:  # a huge folder: the GB2312 base still covers the rest
            if path.is_file() and path.stat().st_size < 2_000_000:
                parts.append(path.read_text("utf-8", errors="ignore"))
    return "".join(sorted(set("".join(parts))))


def font_css(text: str) -> str:
    """The custom.css block: the cut-down Chinese font, and JupyterLab's font stacks ending in it."""
    from toolkit.report.webfont import FAMILY, font_face_css

    ui, code = _STACK.format(family=FAMILY), _CODE.format(family=FAMILY)
    variables = (
        f"  --jp-ui-font-family: {ui} !important;\n  --jp-content-font-family: {ui} !important;\n"
        f"  --jp-widgets-font-family: {ui} !important;\n  --jp-code-font-family: {code} !important;\n"
    )
    return f"{font_face_css(text)}\n:root {{\n{variables}}}\n"


def install_font_css(root_dir: str | Path) -> Path:
    """Put the font block in the user's Jupyter `custom/custom.css` (served with --LabApp.custom_css=True),
    keeping whatever else the file holds; rebuilt only when the characters it must cover change."""
    import hashlib

    from jupyter_core.paths import jupyter_config_dir

    from toolkit.core.atomic import write_bytes

    path = Path(jupyter_config_dir()) / "custom" / "custom.css"
    text = font_text(root_dir)
    tag = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    old = path.read_text("utf-8") if path.is_file() else ""
    if f"{FONT_BEGIN} {tag} */" in old:
        return path
    start, end = old.find(FONT_BEGIN), old.find(FONT_END)
    rest = old[:start] + old[end + len(FONT_END) :] if 0 <= start < end else old
    block = f"{FONT_BEGIN} {tag} */\n{font_css(text)}{FONT_END}\n"
    write_bytes(path, (block + rest.lstrip("\n")).encode("utf-8"))
    return path


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
        "--LabApp.custom_css=True",  # the Chinese font block install_font_css puts in custom/custom.css
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
