"""The worker processes of `run`: processes that die with the run, whose every failure is charged to the one
step that caused it.

Workers are forked from multiprocessing's fork server, which imports toolkit.batch.preload (papermill,
nbconvert, ipykernel, pandas, the toolkit) once per run; each worker then forks its kernel template
(toolkit.batch.kernels) before it starts a thread. Spawned workers and exec'd templates each imported all of it
again: about six CPU-seconds per worker. A worker takes the run's environment from its initializer, not the
fork server's.

A worker watches the run: once it is gone (`kill -9`, a crash), the worker exits within a fraction of a second
instead of writing into the output folder after it. A thread polling multiprocessing's sentinel pipe from the
run does this on every POSIX system, whatever thread started the worker and whichever process forked it.
Linux's PR_SET_PDEATHSIG would be immediate but fires when the *thread* that forked exits, is Linux-only and
needs ctypes.

A worker that dies (killed, out of memory, a crash in C code) breaks the whole pool, and every step still in
it fails with BrokenProcessPool. The steps without a result are then run again in one worker, in order: when
that worker dies too, the first of them is the one that killed it, and only that step fails.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context, parent_process
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
WATCH_SECONDS = 0.2
PARENT_GONE = 70  # the worker's exit status when it stops because the run is gone


class WorkerDied(Exception):
    """The worker process running a step ended abruptly (signal, out of memory, crash)."""

    def __str__(self) -> str:
        return "工作进程意外退出（可能是内存不足或进程崩溃），该步骤未完成"


def start_worker(log_path: str, environ: dict[str, str]) -> None:
    """Pool initializer: the run's environment (the fork server holds the one of its own start), stderr (and the
    kernels' chatter) to run.log, the kernel template forked while the worker is still single-threaded, and a
    watchdog on the run."""
    from toolkit.batch.kernels import Template

    os.environ.clear()
    os.environ.update(environ)
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    Template.fork_here()
    threading.Thread(target=_watch_parent, name="parent-watchdog", daemon=True).start()


def _watch_parent() -> None:
    # The run, not the fork server that forked this worker: multiprocessing's sentinel pipe from the run becomes
    # readable (end of file) the moment the run is gone, whichever process is the worker's parent.
    run = parent_process()
    while run is not None and run.is_alive():
        time.sleep(WATCH_SECONDS)
    os._exit(PARENT_GONE)


def map_guarded(
    fn: Callable[[T], object],
    items: Sequence[T],
    workers: int,
    log: Path,
    settle: Callable[[T, object], R],
    report: Callable[[R], None] | None = None,
) -> list[R]:
    """`fn` over `items` in worker processes; `settle(item, value or the exception it ended in)` makes each
    result, passed to `report` as it comes. Results in the order of `items`; never raises for an item."""
    results: dict[int, R] = {}

    def keep(n: int, value: object) -> None:
        results[n] = settle(items[n], value)
        if report is not None:
            report(results[n])

    pending = _round(fn, list(enumerate(items)), workers, log, keep)
    while pending:
        pending = _round(fn, pending, 1, log, keep)
        if pending:  # one worker, in order: the first step without a result is the one its worker died in
            n, _ = pending.pop(0)
            keep(n, WorkerDied())
    return [results[n] for n in range(len(items))]


def start_fork_server() -> None:
    """Start the run's fork server now: its imports (toolkit.batch.preload, about two CPU-seconds) then run on
    the other core while this process still plans the run, and the first pool finds it ready."""
    _context()


def _context() -> BaseContext:
    """Workers forked from multiprocessing's fork server, which imports toolkit.batch.preload once per run.

    The server is started here, not by the first pool: multiprocessing starts it as `python -c`, which puts the
    working directory first on sys.path, and a folder named `toolkit` there (another checkout, an auditor's
    own folder) would be imported in place of the installed toolkit, failing every department or, worse,
    running other code. PYTHONSAFEPATH leaves the directory out, for the server alone: the workers it forks
    take the run's own environment (start_worker)."""
    from multiprocessing import forkserver

    context = get_context("forkserver")
    context.set_forkserver_preload(["toolkit.batch.preload"])
    before = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        forkserver.ensure_running()
    finally:
        if before is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = before
    return context


def _round(
    fn: Callable[[T], object], items: list[tuple[int, T]], workers: int, log: Path, keep: Callable[[int, object], None]
) -> list[tuple[int, T]]:
    """Run the items in one pool; those lost when a worker died, in their order, are handed back."""
    if not items:
        return []
    lost: list[tuple[int, T]] = []
    context = _context()
    initargs = (str(log), dict(os.environ))
    with ProcessPoolExecutor(min(workers, len(items)), context, initializer=start_worker, initargs=initargs) as pool:
        futures = {pool.submit(fn, item): (n, item) for n, item in items}
        for future in as_completed(futures):
            n, item = futures[future]
            try:
                value = future.result()
            except BrokenProcessPool:
                lost.append((n, item))
                continue
            except Exception as exc:  # a result that cannot come back (pickling, say) fails its step only
                value = exc
            keep(n, value)
    return sorted(lost, key=lambda pair: pair[0])
