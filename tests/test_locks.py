"""The two locks: requirements.lock is exactly what running needs (the closure of [project] dependencies), and
requirements-test.lock adds the `test` extra on top of it without pinning anything twice.

The closure is read from the metadata of the packages installed in this environment (markers evaluated here), so
the environment must hold the locked versions: `make test` installs them before running the tests."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_LOCK = ROOT / "requirements.lock"
TEST_LOCK = ROOT / "requirements-test.lock"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME_ROOTS = PROJECT["dependencies"]
TEST_ROOTS = RUNTIME_ROOTS + PROJECT["optional-dependencies"]["test"]
# Named in issue 16: none of them may reach a machine that only runs audits.
TEST_ONLY = ["pytest", "nbval", "playwright", "coverage", "ruff", "mypy", "xlwt", "fpdf2", "msoffcrypto-tool"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def pins(lock: Path) -> dict[str, Version]:
    """The lock's `name==version` lines, names canonical."""
    found = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            found[canonicalize_name(match[1])] = Version(match[2])
    return found


def included(lock: Path) -> list[str]:
    """The `-r`/`-c` lines of a lock."""
    return [line for line in lock.read_text(encoding="utf-8").splitlines() if line.startswith(("-r ", "-c "))]


def applies(req: Requirement, extras: tuple[str, ...]) -> bool:
    return req.marker is None or any(req.marker.evaluate({"extra": extra}) for extra in ("", *extras))


def closure(roots: list[str]) -> list[tuple[str, Requirement]]:
    """Every requirement reached from `roots` through the installed packages' metadata: (who asks, requirement)."""
    reached: list[tuple[str, Requirement]] = []
    expanded: set[tuple[str, tuple[str, ...]]] = set()
    todo = [("pyproject.toml", req) for req in map(Requirement, roots) if applies(req, ())]
    while todo:
        asker, req = todo.pop()
        reached.append((asker, req))
        key = (canonicalize_name(req.name), tuple(sorted(req.extras)))
        if key in expanded:
            continue
        expanded.add(key)
        try:
            requires = metadata.requires(req.name) or []
        except metadata.PackageNotFoundError:
            continue  # reported by the caller: a package nobody installed is pinned nowhere
        todo += [(req.name, dep) for dep in map(Requirement, requires) if applies(dep, key[1])]
    return reached


def unmet(roots: list[str], locked: dict[str, Version]) -> list[str]:
    """Each requirement of the closure that `locked` does not pin, or pins at a version it excludes."""
    problems = []
    for asker, req in closure(roots):
        name = canonicalize_name(req.name)
        if name not in locked:
            problems.append(f"{asker} 需要 {req}，锁文件中没有")
        elif not req.specifier.contains(locked[name], prereleases=True):
            problems.append(f"{asker} 需要 {req}，锁文件固定为 {locked[name]}")
    return sorted(set(problems))


def names(roots: list[str]) -> set[str]:
    return {canonicalize_name(req.name) for _, req in closure(roots)}


def installed(name: str) -> Version | None:
    try:
        return Version(metadata.version(name))
    except metadata.PackageNotFoundError:
        return None


@pytest.fixture(scope="module")
def runtime() -> dict[str, Version]:
    """The runtime lock's pins, once the environment is known to hold every locked version."""
    locked = pins(RUNTIME_LOCK) | pins(TEST_LOCK)
    stale = [
        f"{name}：已安装 {installed(name)}，锁文件为 {version}"
        for name, version in locked.items()
        if installed(name) != version
    ]
    assert not stale, "环境与锁文件不一致（make test 会重新安装）：\n" + "\n".join(stale)
    return pins(RUNTIME_LOCK)


def test_runtime_lock_pins_no_test_only_package(runtime: dict[str, Version]) -> None:
    exclusive = names(TEST_ROOTS) - names(RUNTIME_ROOTS)
    assert set(TEST_ONLY) <= exclusive, "these are test-only by the issue, so the test extra must be what pulls them"
    assert sorted(exclusive & runtime.keys()) == []


def test_runtime_lock_pins_every_package_running_needs_at_a_version_it_accepts(runtime: dict[str, Version]) -> None:
    assert unmet(RUNTIME_ROOTS, runtime) == []


def test_runtime_lock_pins_nothing_running_does_not_need(runtime: dict[str, Version]) -> None:
    assert sorted(runtime.keys() - names(RUNTIME_ROOTS)) == []


def test_test_lock_adds_the_test_extra_on_top_of_the_runtime_lock(runtime: dict[str, Version]) -> None:
    added = pins(TEST_LOCK)
    assert included(TEST_LOCK) == ["-r requirements.lock"]
    assert sorted(added.keys() & runtime.keys()) == [], "a package pinned in both locks could disagree"
    assert unmet(TEST_ROOTS, runtime | added) == []
    assert sorted(added.keys() - names(TEST_ROOTS)) == []


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    ("target", "locks"),
    [
        ("run", ["requirements.lock"]),
        ("test", ["requirements.lock", "requirements-test.lock"]),
        ("lint", ["requirements.lock", "requirements-test.lock"]),
    ],
)
def test_make_target_installs_only_its_locks(target: str, locks: list[str]) -> None:
    # -n -B prints every command of a set-up from scratch without running any of them.
    commands = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True)
    assert re.findall(r"pip install .*-r (\S+)", commands.stdout) == locks
