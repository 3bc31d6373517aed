"""The formats a report is published in (`run --formats`), and the documents beside the HTML page.

HTML is always written: it is what the index links first and what tells `run` a report is current. Word
(`.docx`) is built from the executed notebook's blocks; PDF is the page printed by headless Chromium, and is
left out with one line saying why when Chromium is not installed or cannot print.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from toolkit.core.problems import InputError, Problem

if TYPE_CHECKING:
    from nbformat import NotebookNode

    from toolkit.report.word import Cover


class Format(StrEnum):
    HTML = "html"
    DOCX = "docx"
    PDF = "pdf"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {Format.HTML: "网页", Format.DOCX: "Word", Format.PDF: "PDF"}
DEFAULT_FORMATS = (Format.HTML, Format.DOCX)
_GENERATED = "%Y-%m-%d %H:%M:%S UTC"


def parse_formats(text: str, option: str = "--formats") -> tuple[Format, ...]:
    """`html,docx,pdf` as formats in that order, html always first; every unknown name reported at once."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    known = {f.value for f in Format}
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        allowed = "、".join(f.value for f in Format)
        shown = "、".join(unknown) if unknown else "（空）"
        raise InputError([Problem(option, "", f"未知的输出格式 {shown}；可选 {allowed}，以逗号分隔")])
    chosen = [Format.HTML, *(Format(name) for name in names)]
    return tuple(dict.fromkeys(chosen))


def moment_of(footer: Mapping[str, object]) -> datetime:
    """The generation time the page prints (SOURCE_DATE_EPOCH when set): every document is dated with it."""
    stamp = footer.get("generated_at")
    if isinstance(stamp, str):
        return datetime.strptime(stamp, _GENERATED).replace(tzinfo=UTC)
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Documents:
    """The documents published beside a page, by file name, and a line for each one that could not be."""

    files: dict[str, bytes] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def documents(
    nb: NotebookNode, page: str, name: str, formats: tuple[Format, ...], cover: Cover, moment: datetime
) -> Documents:
    """`<name>.docx` and `<name>.pdf` as `formats` ask, from the executed notebook and its page."""
    files: dict[str, bytes] = {}
    notes: list[str] = []
    if Format.DOCX in formats:
        from toolkit.report.document import from_notebook
        from toolkit.report.word import render_docx

        files[f"{name}.docx"] = render_docx(from_notebook(nb), cover, moment)
    if Format.PDF in formats:
        from toolkit.report.pdf import PrintError, print_pdf

        try:
            files[f"{name}.pdf"] = print_pdf(page, moment, header=cover.header)
        except PrintError as exc:
            notes.append(str(exc))
    return Documents(files, tuple(notes))


def missing_note(files: Mapping[str, bytes], formats: Sequence[str]) -> str:
    """ "；未生成 PDF：why" when a PDF was asked for and is not among the published files, else ""."""
    if Format.PDF not in formats or any(name.endswith(".pdf") for name in files):
        return ""
    from toolkit.report.pdf import MISSING, chromium_path

    return "；" + (MISSING if chromium_path() is None else "Chromium 未能打印 PDF，已保留其他格式")
