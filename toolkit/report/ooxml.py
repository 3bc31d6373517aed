"""Office Open XML archives (DOCX, XLSX) made byte-reproducible: the libraries that write them stamp the clock
into the zip entries and into docProps/core.xml."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import datetime

_CORE_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def restamped(
    data: bytes,
    moment: datetime,
    edit: Callable[[str, bytes], bytes] | None = None,
    compresslevel: int | None = None,
) -> bytes:
    """The archive with every entry dated `moment` with fixed attributes, in its original order, its document
    dates set to `moment`, and each entry's content passed through `edit(name, content)` when given."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    when = max(moment.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            content = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_TIME.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            elif edit is not None:
                content = edit(info.filename, content)
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type, entry.external_attr, entry.create_system = zipfile.ZIP_DEFLATED, 0o644 << 16, 3
            zout.writestr(entry, content, compresslevel=compresslevel)
    return out.getvalue()
