"""The run lock: one `run` at a time per output folder.

An exclusive `flock` on `<output folder>/.audit-toolkit.lock`, held for the whole run. The kernel drops it
when the process ends, however it ends (`kill -9` included), so a crashed run never leaves a stale lock. The
file keeps the pid of the run that holds it, which a refused run names. The descriptor is not inherited by
the workers (Python opens files close-on-exec), so only the run itself holds the lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from toolkit.core.problems import InputError, Problem, display_path

LOCK_FILE = ".audit-toolkit.lock"


@contextmanager
def run_lock(out_root: Path) -> Iterator[Path]:
    """Hold the output folder's lock while the block runs; raises InputError naming the folder and the pid
    of the run holding it when another run has it. The folder must exist."""
    path = out_root / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip() or "未知"
            message = (
                f"输出文件夹正被另一个 audit-toolkit run（进程 {holder}）使用；"
                "请等它结束后再运行，或用 -o 另选输出文件夹"
            )
            raise InputError([Problem(display_path(out_root), "", message)]) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        yield path
    finally:
        os.close(fd)  # releases the lock
