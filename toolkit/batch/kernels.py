"""Warm kernels: every notebook still runs through papermill in a kernel of its own, but that kernel is forked
from a template process that has already imported ipykernel, pandas and the toolkit.

Why a fork server: starting a kernel and importing the world again costs about 1.2 CPU-seconds per
department, several times the notebook's own work. The template imports modules and does nothing else: it
never runs a cell, opens no socket and starts no thread, so each forked kernel begins with the clean namespace
of a cold kernel (nothing one department defined can reach the next) and computes the same bytes. A kernel
that hangs is stopped by papermill's cell timeout and one that dies fails its own notebook only; the next
notebook gets a new fork, and a template that died is started again.

Protocol (the worker and its template, over the template's stdin and stdout): one JSON line per kernel,
{"connection_file", "cwd", "env"}, answered by one line {"pid"}; the template reaps its children.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from queue import Empty
from typing import IO, Any, BinaryIO, Protocol

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from traitlets import DottedObjectName, Type

# What the notebooks import, and what IPKernelApp imports when it starts: the kernel class, and its debugger
# (debugpy, some 130 modules), which the kernel imports only when it is created; then what the kernel and its
# shell import as they start (found with PYTHONPROFILEIMPORTTIME in a run: psutil and pdb alone took 15-25 ms
# in every kernel). Importing them once in the template is what a warm kernel saves; none of them starts a
# thread or opens a socket on import.
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.logger",
    "IPython.core.oinspect",
    "encodings.utf_8_sig",
    "faulthandler",
    "pdb",
    "psutil",
    "tornado.platform.asyncio",
    "zmq.utils.garbage",
    "toolkit.report.narrative",
    "toolkit.summary.sections",
)
# A Unix socket's path must fit sockaddr_un (108 bytes on Linux, 104 on macOS), its "-N" suffix included.
SOCKET_PATH_MAX = 96
# How often the manager looks whether a kernel asked to shut down has ended (jupyter_client: every 0.1 s). A
# forked kernel's /proc entry is read: a few microseconds.
SHUTDOWN_POLL_SECONDS = 0.005


class ForkedKernel:
    """The Popen-like handle LocalProvisioner expects, for a kernel that is the template's child, not ours."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> int | None:
        if self.returncode is None and not _alive(self.pid):
            self.returncode = 0  # the template reaped it; its status is not ours to read
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        return self.poll()

    def send_signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _alive(pid: int) -> bool:
    """Whether `pid` still runs: a zombie waiting to be reaped counts as gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


class _Process(Protocol):
    """What the worker uses of its template process: a Popen, or a ForkedTemplate."""

    stdin: IO[bytes] | None
    stdout: IO[bytes] | None

    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def kill(self) -> None: ...


class ForkedTemplate:
    """The Popen-like handle of a template forked from its worker (Template.fork_here), not started by exec."""

    def __init__(self, pid: int, stdin: IO[bytes], stdout: IO[bytes]) -> None:
        self.pid = pid
        self.stdin: IO[bytes] | None = stdin
        self.stdout: IO[bytes] | None = stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                done, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere
                self.returncode = -1
            else:
                if done:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"template {self.pid}", timeout or 0)
            time.sleep(0.01)
        return code

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)


class Template:
    """The template process of this worker: started on first use, started again if it died."""

    _lock = threading.Lock()
    _process: _Process | None = None

    @classmethod
    def fork_here(cls) -> None:
        """Start the template as a fork of this process instead of a new interpreter: for a worker forked from
        the run's fork server (toolkit.batch.preload), whose modules the template needs are already imported,
        before the worker starts any thread. A template that dies later is started the usual way."""
        with cls._lock:
            if cls._process is not None:
                return
            request_r, request_w = os.pipe()
            reply_r, reply_w = os.pipe()
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                status = 1
                try:  # the pipes become stdin and stdout, as for a template started by exec
                    os.close(request_w)
                    os.close(reply_r)
                    os.dup2(request_r, 0)
                    os.dup2(reply_w, 1)
                    os.close(request_r)
                    os.close(reply_w)
                    serve(os.fdopen(0, "rb", closefd=False), os.fdopen(1, "wb", closefd=False))
                    status = 0
                finally:
                    os._exit(status)
            os.close(request_r)
            os.close(reply_w)
            cls._process = ForkedTemplate(pid, os.fdopen(request_w, "wb"), os.fdopen(reply_r, "rb"))
            atexit.register(cls._close)

    @classmethod
    def fork(cls, connection_file: str, cwd: str, env: dict[str, str]) -> int:
        """A new kernel forked from the template, listening on `connection_file`; its pid."""
        request = json.dumps({"connection_file": connection_file, "cwd": cwd, "env": env}) + "\n"
        with cls._lock:
            for _ in range(2):  # a template that died since the last kernel is started again, once
                process = cls._running()
                assert process.stdin is not None and process.stdout is not None
                try:
                    process.stdin.write(request.encode("utf-8"))
                    process.stdin.flush()
                    reply = process.stdout.readline()
                except BrokenPipeError:
                    reply = b""
                if reply:
                    return int(json.loads(reply)["pid"])
                cls._stop()
        raise RuntimeError("预热内核的模板进程无法启动")

    @classmethod
    def _running(cls) -> _Process:
        if cls._process is None or cls._process.poll() is not None:
            cls._process = subprocess.Popen(
                # -P: not the working directory first on sys.path, where a folder named toolkit would win
                [sys.executable, "-P", "-m", "toolkit.batch.kernels"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            atexit.register(cls._close)
        return cls._process

    @classmethod
    def _close(cls) -> None:
        """At the worker's exit: end the template (its stdin closes) and reap it, so no process is left behind."""
        if cls._process is not None and cls._process.stdin is not None:
            with contextlib.suppress(OSError):
                cls._process.stdin.close()
            try:
                cls._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                cls._stop()

    @classmethod
    def _stop(cls) -> None:
        if cls._process is not None:
            with contextlib.suppress(OSError):
                cls._process.kill()
            cls._process.wait()
            cls._process = None


class ForkProvisioner(LocalProvisioner):
    """LocalProvisioner whose kernels come from the template instead of a new interpreter."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        connection_file = cmd[cmd.index("-f") + 1]
        cwd = str(kwargs.get("cwd") or os.getcwd())
        env = {str(k): str(v) for k, v in (kwargs.get("env") or os.environ).items()}
        pid = Template.fork(connection_file, cwd, env)
        self.process = ForkedKernel(pid)  # type: ignore[assignment]  # Popen-like, not a Popen
        self.pid = self.pgid = pid  # the kernel leads a session of its own (setsid in the child)
        self.cwd = cwd
        return self.connection_info


class ReadyClient(AsyncKernelClient):
    """The kernel client papermill's notebook client gets: ready as soon as the kernel answers.

    jupyter_client's client, once the kernel has replied to kernel_info and IOPub has delivered a message,
    still waits until IOPub has been silent for 0.2 s, to drop the kernel's start-up messages: 0.2 s of nothing
    per notebook, a fifth of a department on warm kernels. nbclient takes only the messages that answer its own
    requests, so this client waits for the same two signs of life and then drops only what IOPub already holds.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            with contextlib.suppress(Empty):
                reply = await self.shell_channel.get_msg(timeout=1)
                if reply["msg_type"] == "kernel_info_reply":
                    await self.iopub_channel.get_msg(timeout=0.2)  # Empty: IOPub not connected yet, ask again
                    self._handle_kernel_info_reply(reply)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        with contextlib.suppress(Empty):
            while True:
                await self.iopub_channel.get_msg(timeout=0)


class WarmKernelManager(AsyncKernelManager):
    """The kernel manager papermill is given (`kernel_manager_class`): every kernel is a fresh fork, reached over
    Unix sockets of its own.

    Why not TCP: jupyter_client picks free ports by binding and closing them, and the kernel binds them a moment
    later; a worker starting a kernel at the same moment can be handed the same port, and the kernel then dies
    before it replies ("Kernel died before replying to kernel_info", jupyter_client#154). Socket files named
    after the kernel's id cannot collide, and the manager removes them when the kernel ends.

    Its clients are ReadyClients, and a kernel asked to shut down is seen to end within SHUTDOWN_POLL_SECONDS."""

    client_class = DottedObjectName(f"{__name__}.ReadyClient")
    client_factory = Type(ReadyClient, klass=AsyncKernelClient)

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt, except as the first step of a shutdown. jupyter_client interrupts every kernel before asking
        it to shut down, in case a cell still runs; a kernel that has just answered its last request can still be
        inside that request's handler, and the SIGINT then lands in run.log as "ERROR | KeyboardInterrupt caught
        in kernel" (a quarter of a run's departments). The shutdown request alone ends an idle kernel; one stuck
        in a cell cannot answer it and is terminated after half of shutdown_wait_time."""
        if not self.shutting_down:
            await super()._async_interrupt_kernel()

    async def _async_wait(self, pollinterval: float = SHUTDOWN_POLL_SECONDS) -> None:
        await super()._async_wait(min(pollinterval, SHUTDOWN_POLL_SECONDS))

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            sockets = os.path.join(tempfile.gettempdir(), f"audit-kernel-{self.kernel_id}")
            if len(sockets) < SOCKET_PATH_MAX:
                self.transport, self.ip = "ipc", sockets
            self.provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


class _SavedOnFailure(NotebookExecutionManager):
    """Writes the executed notebook only when the engine itself fails (a cell past its time limit, a kernel that
    died): papermill writes the notebook once it has run, error banner and all, but not when the engine raises,
    and then this write is what leaves the error notebook. Not at every cell's start and end: about sixty full
    JSON writes per notebook otherwise, a quarter of the worker's CPU."""

    failed = False

    def save(self, **kwargs: Any) -> None:
        if self.failed:
            super().save(**kwargs)


class WarmEngine(NBClientEngine):
    """papermill's nbclient engine on warm kernels, leaving the one write to papermill (`engine_name=ENGINE`)."""

    @classmethod
    def execute_notebook(cls, nb: Any, kernel_name: str, output_path: str | None = None, **kwargs: Any) -> Any:
        manager = _SavedOnFailure(
            nb,
            output_path=output_path,
            progress_bar=kwargs.pop("progress_bar", False),
            log_output=kwargs.pop("log_output", False),
            autosave_cell_every=kwargs.pop("autosave_cell_every", 30),
        )
        manager.notebook_start()
        try:
            cls.execute_managed_notebook(manager, kernel_name, kernel_manager_class=WarmKernelManager, **kwargs)
        except BaseException:
            manager.failed = True
            raise
        finally:
            manager.cleanup_pbar()
            manager.notebook_complete()
        return manager.nb


ENGINE = "toolkit-warm"
papermill_engines.register(ENGINE, WarmEngine)


# --- the template process ------------------------------------------------------------------------------------


def _reap(signum: int, frame: object) -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _become_kernel(request: dict[str, Any]) -> None:
    """In the forked child: detach, take the request's directory and environment, and run ipykernel."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # the template's stdout is the pipe to the worker: the kernel's raw output goes to stderr
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.path[0] = os.getcwd()  # as `python -m ipykernel_launcher` started in cwd would have it
    sys.argv = [sys.executable, "-m", "ipykernel_launcher", "-f", request["connection_file"]]
    from ipykernel import kernelapp

    # The kernel watches its parent, the template, and ends with it (as a cold kernel ends with its worker). It
    # keeps no input history: a batch's hundreds of kernels would each open the auditor's IPython history
    # database, write a session into it and wait on its lock, for notebooks whose inputs are the files run saves.
    watch = f"--IPKernelApp.parent_handle={os.getppid()}"
    argv = ["-f", request["connection_file"], watch, "--HistoryManager.enabled=False"]
    kernelapp.IPKernelApp.launch_instance(argv=argv)


def preload() -> None:
    """Import PRELOAD and compile its templates. debugpy, imported here rather than in each kernel, would tell the
    terminal on import that its breakpoints may miss frozen modules: advice for a debugging session, not a run."""
    import importlib

    quiet = "PYDEVD_DISABLE_FILE_VALIDATION"
    before = os.environ.get(quiet)
    os.environ[quiet] = "1"
    try:
        for name in PRELOAD:
            compile_templates(importlib.import_module(name))
        from toolkit.report.raster import fonts
        from toolkit.report.webfont import coverage

        coverage()  # every chart asks which of its characters the font lacks: its character map is read here, once
        fonts()  # and resvg parses the font file, once
    finally:
        if before is None:
            del os.environ[quiet]
        else:
            os.environ[quiet] = before


def compile_templates(module: object) -> None:
    """Compile a module's Jinja templates (its `_ENV`), so that no kernel compiles them again."""
    from jinja2 import TemplateError

    env = getattr(module, "_ENV", None)
    if env is not None:
        for template in env.list_templates(filter_func=lambda name: name.endswith(".j2") and "/" not in name):
            with contextlib.suppress(TemplateError):  # one that needs filters of another environment
                env.get_template(template)


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """The template's loop: import what the notebooks need, then fork a kernel per request until `requests`
    ends (the worker closed its end of the pipe, or died)."""
    preload()
    gc.freeze()  # the imported world stays out of every kernel's collections, so its pages stay shared
    signal.signal(signal.SIGCHLD, _reap)
    for line in requests:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                _become_kernel(request)
                status = 0
            finally:
                os._exit(status)
        replies.write(json.dumps({"pid": pid}).encode("ascii") + b"\n")
        replies.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
