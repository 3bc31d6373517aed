"""Reading an input file the user named: a regular file only, and never more than a size limit.

The kind of file is checked before it is opened (a FIFO would block the open, a device would never end), and
again on the open descriptor, so a file swapped between the two checks is refused too. At most the limit
plus one byte is read: a file that grows while it is read cannot exhaust memory either.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from toolkit.core.problems import InputError, Problem, display_path

MAX_BYTES = 20 * 1024 * 1024
_CHUNK = 1024 * 1024
# O_NONBLOCK: opening a FIFO swapped in after the check returns at once instead of waiting for a writer.
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_KINDS = (
    (stat.S_ISDIR, "文件夹"),
    (stat.S_ISFIFO, "命名管道 FIFO"),
    (stat.S_ISCHR, "字符设备"),
    (stat.S_ISBLK, "块设备"),
    (stat.S_ISSOCK, "套接字"),
)


_REASONS = {
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENAMETOOLONG: "路径或文件名过长",
    errno.ELOOP: "符号链接层数过多（可能循环）",
    errno.EIO: "读写设备出错",
    errno.ENXIO: "设备不存在",
    errno.EAGAIN: "文件暂不可读",
}


def os_reason(exc: OSError) -> str:
    """Why the system refused, in Chinese (the system's own text is English)."""
    code = exc.errno if exc.errno is not None else 0
    return _REASONS.get(code, f"系统错误 {errno.errorcode.get(code, code)}")


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "特殊文件")


def _refuse(shown: str, message: str) -> InputError:
    return InputError([Problem(shown, "", message)])


def _check(mode: int, size: int, shown: str, what: str, limit: int) -> None:
    if not stat.S_ISREG(mode):
        raise _refuse(shown, f"不是普通文件（是{_kind(mode)}），应为{what}文件")
    if size > limit:
        raise _refuse(shown, f"{what}文件过大（{size} 字节，上限 {limit} 字节）")


def read_input(path: str | Path, what: str, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; anything else is an InputError naming the file,
    what it is and what was expected (`what`: the kind of input, as people call it)."""
    shown = display_path(path)
    try:
        before = os.stat(path)
        _check(before.st_mode, before.st_size, shown, what, limit)
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        raise _refuse(shown, f"找不到{what}文件") from None
    except OSError as exc:
        raise _refuse(shown, f"无法读取{what}文件：{os_reason(exc)}") from None
    try:
        status = os.fstat(fd)
        _check(status.st_mode, status.st_size, shown, what, limit)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise _refuse(shown, f"无法读取{what}文件：{os_reason(exc)}") from None
    finally:
        os.close(fd)
    if size > limit:
        raise _refuse(shown, f"{what}文件过大（超过上限 {limit} 字节）")
    return b"".join(chunks)
