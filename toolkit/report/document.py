"""A published report as data: headings, paragraphs, tables, lists and figures, in reading order.

The one narrative is the executed notebook (its markdown headings and the HTML fragments its cells
display). The HTML page is nbconvert's rendering of it; the Word document is `toolkit.report.word`'s
rendering of the blocks read here from the same notebook, so both carry the same text and numbers and no
sentence is written twice. Cells tagged as hidden in the page are hidden here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbformat import NotebookNode

HIDDEN_TAGS = frozenset({"parameters", "injected-parameters", "hide-in-report"})
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_EMPHASIS = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Run:
    """Text of one weight within a paragraph."""

    text: str
    bold: bool = False


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; `role` is the HTML class it came from (note, meta, source, fictional…) or body."""

    runs: tuple[Run, ...]
    role: str = "body"

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Heading:
    """A heading: level 0 is the report title, 1 the sections 一、二、…, 2 the subsections （一）…"""

    text: str
    level: int


@dataclass(frozen=True)
class Cell:
    """A table cell, spanning `rowspan` rows and `colspan` columns from where it starts."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    numeric: bool = False
    bold: bool = False


@dataclass(frozen=True)
class Table:
    """A table: header rows (repeated on every page) and body rows, each a row of the cells starting in it."""

    head: tuple[tuple[Cell, ...], ...]
    body: tuple[tuple[Cell, ...], ...]
    role: str = ""

    @property
    def columns(self) -> int:
        rows = self.head or self.body
        return max((sum(c.colspan for c in row) for row in rows), default=0)


@dataclass(frozen=True)
class Listing:
    """A numbered (ordered) or bulleted list of items, each a paragraph's runs."""

    items: tuple[tuple[Run, ...], ...]
    ordered: bool


@dataclass(frozen=True)
class Figure:
    """A chart: PNG bytes, the alt text that says what it shows, and its caption."""

    png: bytes
    alt: str
    caption: str


Block = Heading | Paragraph | Table | Listing | Figure


@dataclass(frozen=True)
class Document:
    """The report's blocks in reading order, the title first."""

    blocks: tuple[Block, ...]

    @property
    def title(self) -> str:
        return next((b.text for b in self.blocks if isinstance(b, Heading) and b.level == 0), "")

    def of_type(self, kind: type) -> list:
        return [b for b in self.blocks if isinstance(b, kind)]


def from_notebook(nb: NotebookNode) -> Document:
    """The blocks of an executed notebook: markdown headings and text, and each displayed HTML fragment."""
    return Document(tuple(_cells(nb.cells)))


def _cells(cells: Iterable[NotebookNode]) -> Iterator[Block]:
    from toolkit.report.htmlblocks import blocks_of

    for cell in cells:
        if HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
            continue
        if cell.cell_type == "markdown":
            yield from markdown_blocks(cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                yield from blocks_of(data["text/html"])


def markdown_blocks(source: str) -> Iterator[Block]:
    """The headings (`##` is a section) and paragraphs of a narrative markdown cell; comments dropped."""
    for chunk in re.split(r"\n\s*\n", _COMMENT.sub("", source)):
        text = chunk.strip()
        if not text:
            continue
        heading = _HEADING.match(text)
        if heading and "\n" not in text:
            yield Heading(heading.group(2).strip(), len(heading.group(1)) - 1)
        else:
            yield Paragraph(tuple(_emphasised(" ".join(text.split("\n")))))


def _emphasised(text: str) -> Iterator[Run]:
    """Markdown `**bold**` as bold runs, the rest plain."""
    for n, part in enumerate(_EMPHASIS.split(text)):
        if part:
            yield Run(part, bold=n % 2 == 1)
