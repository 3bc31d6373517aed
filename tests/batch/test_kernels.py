"""Warm kernels (toolkit.batch.kernels): the same bytes as a cold kernel, a clean namespace for every notebook,
and a hanging cell, a killed kernel or a dead template failing one notebook only."""

from __future__ import annotations

import json
import signal
import tempfile
from pathlib import Path

import nbformat
import pytest

from toolkit.batch.kernels import SOCKET_PATH_MAX, ForkProvisioner, Template
from toolkit.batch.notebook import Executed, Execution, Failed, execute
from toolkit.core.paths import DEPARTMENT_NOTEBOOK
from toolkit.report.publish import render_html

ROOT = Path(__file__).resolve().parents[2]
FOOTER = {
    "title": "复核报告",
    "rubric": "r",
    "rubric_version": "1",
    "toolkit_version": "0",
    "generated_at": "t",
    "record_sha256": "0" * 64,
}


def _comparable(nb: nbformat.NotebookNode) -> str:
    """The notebook without papermill's timings (start, end, duration), which differ between any two runs."""
    nb = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    return nbformat.writes(nb)


def _executed(record: str, out: Path, warm: bool) -> Executed:
    parameters = {"record_path": str(ROOT / record), "rubric": None}
    done = execute(Execution(DEPARTMENT_NOTEBOOK, parameters, out, "audit", warm=warm))
    assert isinstance(done, Executed), done
    return done


@pytest.mark.parametrize("record", ["params/huangpu-zwsj-2022.yaml", "params/demo-nongye-gaobiao-2023.yaml"])
def test_a_warm_kernel_gives_the_notebook_and_page_a_cold_kernel_gives(record, tmp_path):
    cold = _executed(record, tmp_path / "cold", warm=False)
    warm = _executed(record, tmp_path / "warm", warm=True)
    assert _comparable(warm.notebook) == _comparable(cold.notebook)
    assert render_html(warm.notebook, FOOTER) == render_html(cold.notebook, FOOTER)
    charts = [o for c in warm.notebook.cells for o in c.get("outputs", []) if "<svg" in str(o) or "image/png" in str(o)]
    assert charts, "the comparison must cover the charts"


def _notebook(folder: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("", metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "probe.ipynb"
    nbformat.write(nb, path)
    return path


def _run(notebook: Path, out: Path, timeout: int = 60) -> Executed | Failed:
    return execute(Execution(notebook, {}, out, "probe", cell_timeout=timeout))


def test_nothing_one_notebook_defines_is_seen_by_the_next(tmp_path):
    probe = _notebook(
        tmp_path,
        "assert 'leaked' not in globals(), 'a variable of the previous notebook'\nleaked = 1",
        "import toolkit.report.narrative as n\nassert not hasattr(n, 'leaked'), 'a module changed by the previous'\n"
        "n.leaked = 1",
        "import os\nassert 'AUDIT_LEAK' not in os.environ\nos.environ['AUDIT_LEAK'] = '1'",
    )
    for n in range(3):
        assert isinstance(_run(probe, tmp_path / f"out{n}"), Executed)


def test_a_hanging_cell_fails_its_notebook_alone(tmp_path):
    hanging = _notebook(tmp_path / "hang", "import time\ntime.sleep(600)")
    failed = _run(hanging, tmp_path / "out-hang", timeout=3)
    assert isinstance(failed, Failed)
    assert "超过 3 秒未结束" in failed.message
    assert failed.error_notebook.exists()
    assert isinstance(_run(_notebook(tmp_path / "ok", "x = 1"), tmp_path / "out-ok"), Executed)


def test_a_finished_notebook_ends_its_kernel_without_an_interrupt(tmp_path, monkeypatch):
    # The interrupt jupyter_client sends before every shutdown could land in the kernel's last handler and put
    # "ERROR | KeyboardInterrupt caught in kernel" in run.log for a department that ran cleanly.
    sent: list[int] = []
    real = ForkProvisioner.send_signal

    async def recorded(self, signum):
        sent.append(signum)
        await real(self, signum)

    monkeypatch.setattr(ForkProvisioner, "send_signal", recorded)
    for n in range(2):
        assert isinstance(_run(_notebook(tmp_path / f"ok{n}", "x = 1"), tmp_path / f"out{n}"), Executed)
    assert signal.SIGINT not in sent


def test_a_killed_kernel_fails_its_notebook_alone(tmp_path):
    killed = _notebook(tmp_path / "kill", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    failed = _run(killed, tmp_path / "out-kill")
    assert isinstance(failed, Failed)
    assert "内核意外退出" in failed.message
    assert isinstance(_run(_notebook(tmp_path / "ok", "x = 1"), tmp_path / "out-ok"), Executed)


def test_a_warm_kernel_listens_on_sockets_of_its_own_not_on_tcp_ports(tmp_path):
    # TCP ports are picked free and bound later: two workers starting kernels at once can collide, and the kernel
    # dies before it replies (seen in CI). Socket files named after the kernel cannot collide.
    probe = _notebook(
        tmp_path,
        "from ipykernel.kernelapp import IPKernelApp\napp = IPKernelApp.instance()\nprint(app.transport, app.ip)",
    )
    done = _run(probe, tmp_path / "out")
    assert isinstance(done, Executed), done
    transport, sockets = done.notebook.cells[1].outputs[0]["text"].split()
    assert transport == "ipc"
    assert Path(sockets).name.startswith("audit-kernel-")
    assert not list(Path(sockets).parent.glob(Path(sockets).name + "-*")), "the manager removes its socket files"


def test_a_temporary_folder_too_deep_for_a_unix_socket_leaves_the_kernel_on_tcp(tmp_path, monkeypatch):
    # sockaddr_un holds 108 bytes: under a deeper TMPDIR the socket could not be bound and the kernel would die.
    deep = tmp_path / ("d" * 40) / ("e" * 40)
    deep.mkdir(parents=True)
    assert len(str(deep / "audit-kernel-")) + 36 >= SOCKET_PATH_MAX  # + a kernel id (a uuid4)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    probe = _notebook(
        tmp_path / "nb",
        "from ipykernel.kernelapp import IPKernelApp\napp = IPKernelApp.instance()\nprint(app.transport, app.ip)",
    )
    done = _run(probe, tmp_path / "out")
    assert isinstance(done, Executed), done
    assert done.notebook.cells[1].outputs[0]["text"].split() == ["tcp", "127.0.0.1"]
    assert not list(deep.glob("audit-kernel-*"))


def test_a_template_that_died_is_started_again(tmp_path):
    probe = _notebook(tmp_path, "x = 1")
    assert isinstance(_run(probe, tmp_path / "first"), Executed)
    first = Template._process
    assert first is not None
    first.kill()
    first.wait()
    assert isinstance(_run(probe, tmp_path / "second"), Executed)
    assert Template._process is not None and Template._process.pid != first.pid


# --- run's workers: forked from the fork server, each forking its template (toolkit.batch.preload, pool) -------


def _published(out: Path) -> dict[str, bytes]:
    kept = (".html", ".docx", ".json", ".xlsx", ".csv")
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.suffix in kept}


def test_run_on_forked_templates_publishes_what_cold_kernels_publish(tmp_path, monkeypatch):
    from toolkit.batch.runner import run

    records = [ROOT / "params/huangpu-zwsj-2022.yaml", ROOT / "params/demo-nongye-gaobiao-2023.yaml"]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    warm = run(records, tmp_path / "warm", jobs=2, progress=False)
    monkeypatch.setenv("AUDIT_TOOLKIT_KERNELS", "cold")
    cold = run(records, tmp_path / "cold", jobs=2, progress=False)
    assert [o.status for o in warm] == [o.status for o in cold] == ["done"] * 4  # two departments, two years
    a, b = _published(tmp_path / "warm"), _published(tmp_path / "cold")
    assert "2022/huangpu-zwsj/audit.html" in a and "2023/summary.xlsx" in a
    assert a == b


def test_workers_take_the_environment_of_the_run_not_of_the_fork_server(tmp_path, monkeypatch):
    from toolkit.batch.runner import run

    record = ROOT / "params/huangpu-zwsj-2022.yaml"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    run([record], tmp_path / "first", jobs=1, progress=False, formats=("html",))  # the fork server runs by now
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    run([record], tmp_path / "second", jobs=1, progress=False, formats=("html",))
    for folder, moment in (("first", "2023-11-14 22:13:20 UTC"), ("second", "2020-09-13 12:26:40 UTC")):
        result = json.loads((tmp_path / folder / "2022/huangpu-zwsj/result.json").read_text(encoding="utf-8"))
        assert result["provenance"]["generated_at"] == moment


def test_a_warm_kernel_keeps_no_input_history(tmp_path, monkeypatch):
    # Hundreds of batch kernels would each write a session into the auditor's IPython history database.
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    probe = _notebook(tmp_path, "print(get_ipython().history_manager.enabled)")
    done = _run(probe, tmp_path / "out")
    assert isinstance(done, Executed), done
    assert done.notebook.cells[1].outputs[0]["text"].strip() == "False"
    assert not list((tmp_path / "ipython").rglob("history.sqlite"))


class _Channel:
    """A kernel client channel holding queued messages; get_msg records the timeout it was given."""

    def __init__(self, *messages: dict) -> None:
        self.messages, self.timeouts = list(messages), []

    async def get_msg(self, timeout: float | None = None) -> dict:
        from queue import Empty

        self.timeouts.append(timeout)
        if not self.messages:
            raise Empty
        return self.messages.pop(0)


def test_a_warm_client_is_ready_when_the_kernel_answers_without_waiting_for_iopub_to_fall_silent():
    import asyncio

    from toolkit.batch.kernels import ReadyClient, WarmKernelManager

    client = WarmKernelManager(kernel_name="audit-toolkit").client()
    assert isinstance(client, ReadyClient)
    reply = {"msg_type": "kernel_info_reply", "content": {"protocol_version": "5.3"}}
    status = [{"msg_type": "status", "content": {"execution_state": state}} for state in ("busy", "idle")]
    shell, iopub = _Channel(reply), _Channel(*status)
    client._shell_channel, client._iopub_channel = shell, iopub  # what the channel properties hand out
    client.kernel_info = lambda: None
    asyncio.run(client.wait_for_ready(timeout=5))
    assert iopub.messages == [], "what IOPub already holds is dropped"
    assert iopub.timeouts == [0.2, 0, 0], "one wait for IOPub to connect, then no wait at all"


def test_a_warm_client_says_when_the_kernel_died_before_answering():
    import asyncio

    from toolkit.batch.kernels import WarmKernelManager

    client = WarmKernelManager(kernel_name="audit-toolkit").client()
    client._shell_channel, client._iopub_channel = _Channel(), _Channel()
    client.kernel_info = lambda: None

    async def dead() -> bool:
        return False

    client._async_is_alive = dead
    with pytest.raises(RuntimeError, match="Kernel died before replying to kernel_info"):
        asyncio.run(client.wait_for_ready(timeout=5))
