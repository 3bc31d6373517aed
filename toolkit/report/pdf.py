"""A4 PDF of a published page, printed by headless Chromium driven over the DevTools protocol on a pipe.

Chromium is a system program, not a Python dependency: `chromium_path()` finds it, and without it there is
no PDF (the caller says so in one line). The page is loaded as a document's content, never from a file, so
no `file://` address can reach the print. Chromium's print CSS has no `@page` margin boxes, so the running
header (the department and year, as the Word report has it) and the page number are its header and footer
templates. A template sees neither the page's styles nor its fonts, does not load an embedded web font (tried:
every character came out as a box), and the machine may have no CJK font at all: the header is a picture of its
text, drawn in the shipped font by resvg as the charts are (toolkit.report.raster). The protocol is spoken
with the standard library alone: JSON messages separated by NUL bytes on fds 3 and 4.

Reproducible: Skia stamps the PDF with the time (CreationDate, ModDate), and some builds with a random
document ID; both are rewritten in place, same length, from the report's generation time (SOURCE_DATE_EPOCH)
and from a digest of the rest of the file, so the cross-reference offsets stay valid and two prints of the
same page are byte-identical.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 90.0  # seconds for the whole print: a big report with charts takes a few seconds
MISSING = "未找到 Chromium（chromium），未生成 PDF；安装 Debian 软件包 chromium 后重新运行即可"
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--remote-debugging-pipe",
)
# Chromium fills these in at print time; the rest of the template is ours.
FOOTER = (
    '<div style="width:100%;text-align:center;font-size:9pt;color:#333;font-family:serif;">'
    '— <span class="pageNumber"></span> —</div>'
)
# The page's side margins and what lies between them on A4 (toolkit/templates/report.css, @page).
_SIDE_MM = 16
_WIDTH_MM = 210 - 2 * _SIDE_MM
_A4 = {"paperWidth": 8.27, "paperHeight": 11.69}  # inches; the page's @page size A4 wins (preferCSSPageSize)


class PrintError(RuntimeError):
    """Chromium could not print the page: why, in one Chinese line."""


def chromium_path() -> str | None:
    """The Chromium (or Chrome) program on PATH, or None; AUDIT_CHROMIUM names another."""
    named = os.environ.get("AUDIT_CHROMIUM")
    if named is not None:
        return shutil.which(named)
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


@dataclass
class _Pipe:
    """One DevTools connection: commands out on `writer`, responses and events in on `reader`."""

    process: subprocess.Popen[bytes]
    writer: int
    reader: int
    deadline: float
    buffer: bytes = b""
    next_id: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.writer, json.dumps(message).encode("utf-8") + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise PrintError(f"Chromium 打印失败（{method}）：{reply['error'].get('message', '')}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            left = self.deadline - time.monotonic()
            ready, _, _ = select.select([self.reader], [], [], max(left, 0))
            if not ready:
                raise PrintError(f"Chromium 在 {TIMEOUT:.0f} 秒内未完成打印")
            chunk = os.read(self.reader, 1 << 20)
            if not chunk:
                raise PrintError("Chromium 意外退出，未生成 PDF")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        reply: dict[str, Any] = json.loads(message)
        return reply


# Resolves once the page has loaded, its fonts are ready and every image is decoded.
_SETTLED = """new Promise(done => {
  const settle = () => document.fonts.ready
    .then(() => Promise.all([...document.images].map(i => i.decode().catch(() => null))))
    .then(() => done(true));
  if (document.readyState === "complete") settle(); else addEventListener("load", settle);
})"""


def running_header(text: str) -> str:
    """The header template: `text` at the top right of every page, above a hairline, as a picture."""
    if not text:
        return "<span></span>"
    png = base64.b64encode(header_png(text)).decode("ascii")
    picture = f'<img style="width:{_WIDTH_MM}mm;display:block" src="data:image/png;base64,{png}">'
    return f'<div style="width:100%;margin:0 {_SIDE_MM}mm;">{picture}</div>'


def header_png(text: str) -> bytes:
    """The running header drawn in the shipped font, the content's width wide (svgchart's canvas, rasterised by
    resvg as the charts are); a text too long for the line at 8 points is set smaller, never cut."""
    from toolkit.report.svgchart import Canvas, text_width

    width = _WIDTH_MM * 72 / 25.4  # points
    canvas = Canvas(width, 12)
    canvas.text(width, 6, text, min(8.0, width / max(text_width(text, 1), 1)), "end", fill="#555555")
    canvas.line(0, 11.5, width, 11.5, stroke="#999999", width=0.5)
    return canvas.png()


def print_pdf(page: str, when: datetime, program: str | None = None, header: str = "", footer: str = FOOTER) -> bytes:
    """The page printed to A4 PDF, `header` (plain text) at the top of every page and page numbers in the
    footer, dated `when` (UTC); raises PrintError when it cannot be."""
    program = program or chromium_path()
    if program is None:
        raise PrintError(MISSING)
    with tempfile.TemporaryDirectory(prefix="audit-chromium-") as profile:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        # The child reads commands on fd 3 and writes replies on fd 4.
        process = subprocess.Popen(
            [program, *_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=lambda: _map_fds(to_child_r, from_child_w),
        )
        os.close(to_child_r)
        os.close(from_child_w)
        pipe = _Pipe(process, to_child_w, from_child_r, time.monotonic() + TIMEOUT)
        try:
            data = _print(pipe, page, running_header(header), footer)
        finally:
            _close(pipe)
    return stamp(data, when)


def _map_fds(read_end: int, write_end: int) -> None:
    """In the child, before exec: the command pipe on fd 3, the reply pipe on fd 4."""
    os.dup2(read_end, 3)
    os.dup2(write_end, 4)


def _print(pipe: _Pipe, page: str, header: str, footer: str) -> bytes:
    target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    frame = pipe.send("Page.getFrameTree", session=session)["frameTree"]["frame"]["id"]
    pipe.send("Page.setDocumentContent", {"frameId": frame, "html": page}, session)
    pipe.send("Runtime.evaluate", {"expression": _SETTLED, "awaitPromise": True}, session)
    options = {
        **_A4,
        "printBackground": True,
        "preferCSSPageSize": True,
        "displayHeaderFooter": True,
        "headerTemplate": header,
        "footerTemplate": footer,
    }
    printed = pipe.send("Page.printToPDF", options, session)
    return base64.b64decode(printed["data"])


def _close(pipe: _Pipe) -> None:
    with contextlib.suppress(PrintError, OSError):
        pipe.send("Browser.close")
    for fd in (pipe.writer, pipe.reader):
        os.close(fd)
    try:
        pipe.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pipe.process.kill()
        pipe.process.wait()


_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:[0-9]{14}[^)]*\)")
_ID = re.compile(rb"/ID \[<([0-9A-Fa-f]+)> <([0-9A-Fa-f]+)>\]")


def stamp(data: bytes, when: datetime) -> bytes:
    """Rewrite the print's dates to `when` and its ID from its own content, each to a string of the same
    length, so the file's byte offsets are unchanged."""
    data = _DATE.sub(lambda m: _same_length(m.group(0), _date_entry(m.group(1), when)), data)
    digest = hashlib.sha256(_ID.sub(b"", data)).hexdigest().upper().encode("ascii")
    return _ID.sub(lambda m: _same_length(m.group(0), _id_entry(m, digest)), data)


def _date_entry(key: bytes, when: datetime) -> bytes:
    return b"/%s (D:%s+00'00')" % (key, when.astimezone(UTC).strftime("%Y%m%d%H%M%S").encode("ascii"))


def _id_entry(match: re.Match[bytes], digest: bytes) -> bytes:
    first, second = len(match.group(1)), len(match.group(2))
    return b"/ID [<%s> <%s>]" % (digest[:first].ljust(first, b"0"), digest[:second].ljust(second, b"0"))


def _same_length(old: bytes, new: bytes) -> bytes:
    """`new` padded with spaces to the length of `old` (PDF ignores the extra whitespace)."""
    return new.ljust(len(old)) if len(new) <= len(old) else old
