"""What every process `run` starts needs imported, imported once per run: the run's worker processes are forked
from multiprocessing's fork server, which imports this module first (toolkit.batch.pool), and each worker
forks its kernel template before doing anything else (toolkit.batch.kernels.Template.fork_here).

Why: a spawned worker imports papermill, nbconvert, nbclient and the toolkit (about 2.5 CPU-seconds), and the
template of its warm kernels imports ipykernel, pandas, matplotlib and the report modules again (about 3.5);
with two department workers and the summary worker that was nearly 20 CPU-seconds a run before the first
department. Imported once in the fork server, every worker and template starts with them in memory, shared
copy-on-write (gc.freeze keeps the collector from touching, and so copying, those pages).

Importing this module is its whole effect. It imports and compiles, and publishes the department notebook once
unexecuted (toolkit.report.publish.prepare) for what publishing computes from files alone: no thread, socket or
zmq context is created, so forking from it is as safe as forking from a fresh interpreter.
"""

from __future__ import annotations

import contextlib
import gc
import importlib

from toolkit.batch.kernels import preload

# What a department or summary worker imports on its first step.
WORKER_MODULES = (
    "toolkit.batch.department",
    "toolkit.batch.runner",
    "toolkit.summary.build",
    "toolkit.report.publish",
    "toolkit.report.word",
    "papermill",
    "nbclient",
    "ipykernel.kernelspec",  # papermill looks the kernel up
)


def _load() -> None:
    """Import (and compile) once; should any of it fail, the workers import what they need themselves, as
    spawned workers did: slower, never wrong, and the failure shows up where it belongs, in a step."""
    preload()
    for name in WORKER_MODULES:
        importlib.import_module(name)
    from toolkit.core.paths import DEPARTMENT_NOTEBOOK
    from toolkit.report.publish import prepare

    prepare(DEPARTMENT_NOTEBOOK)
    gc.freeze()


with contextlib.suppress(Exception):  # see _load: the worker that needs the module reports the failure
    _load()
