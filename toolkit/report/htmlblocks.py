"""An HTML fragment of the report (a section as `toolkit.report.narrative` renders it) read back as blocks.

Only the few elements the report templates use are understood: headings, paragraphs, tables (with
rowspan/colspan), lists, chart figures and the key-figure cards; anything else contributes its text.
Whitespace is read as a browser shows it, except the line breaks of the templates, which join sentences.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import lxml.html  # type: ignore[import-untyped]
from lxml.etree import _Element  # type: ignore[import-untyped]

from toolkit.report.document import Block, Cell, Figure, Heading, Listing, Paragraph, Run, Table

_HEADINGS = {"h1": 0, "h2": 1, "h3": 2, "h4": 3, "h5": 3, "h6": 3}
_BOLD = {"strong", "b"}
_BREAK_SPACE = re.compile(r"\s*\n\s*")
_SPACE = re.compile(r"[ \t\r\f\v]+")
_DATA_PNG = "data:image/png;base64,"


def blocks_of(fragment: str) -> list[Block]:
    """The blocks of an HTML fragment, in document order."""
    if not fragment.strip():
        return []
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    return list(_children(root))


def _children(element: _Element) -> Iterator[Block]:
    loose = _clean(element.text or "")
    if loose:
        yield Paragraph((Run(loose),))
    for child in element:
        if isinstance(child.tag, str):
            yield from _block(child)
        tail = _clean(child.tail or "")
        if tail:
            yield Paragraph((Run(tail),))


def _block(el: _Element) -> Iterator[Block]:
    tag, classes = el.tag, _classes(el)
    if tag in _HEADINGS:
        yield Heading(_text(el), _HEADINGS[tag])
    elif tag == "p":
        runs = runs_of(el)
        if runs:
            yield Paragraph(runs, classes[0] if classes else "body")
    elif tag == "table":
        yield table_of(el)
    elif tag in ("ol", "ul"):
        items = tuple(runs_of(li) for li in el if li.tag == "li")
        yield Listing(tuple(item for item in items if item), ordered=tag == "ol")
    elif tag in ("figure", "img"):
        figure = _figure(el)
        if figure is not None:
            yield figure
    elif "key-figures" in classes:
        yield _key_figures(el)
    else:
        yield from _children(el)


def _classes(el: _Element) -> list[str]:
    return (el.get("class") or "").split()


def _clean(text: str) -> str:
    return _SPACE.sub(" ", _BREAK_SPACE.sub("", text)).strip()


def runs_of(el: _Element) -> tuple[Run, ...]:
    """The element's text as runs, bold where it is inside <strong>/<b>, adjacent runs of one weight joined."""
    raw = list(_raw_runs(el, el.tag in _BOLD))
    merged: list[Run] = []
    for run in raw:
        text = _SPACE.sub(" ", _BREAK_SPACE.sub("", run.text))
        if merged and merged[-1].bold == run.bold:
            merged[-1] = Run(merged[-1].text + text, run.bold)
        elif text:
            merged.append(Run(text, run.bold))
    if merged:
        merged[0] = Run(merged[0].text.lstrip(), merged[0].bold)
        merged[-1] = Run(merged[-1].text.rstrip(), merged[-1].bold)
    return tuple(run for run in merged if run.text)


def _raw_runs(el: _Element, bold: bool) -> Iterator[Run]:
    if el.text:
        yield Run(el.text, bold)
    for child in el:
        if isinstance(child.tag, str):
            if child.tag == "br":
                yield Run("\n", bold)
            else:
                yield from _raw_runs(child, bold or child.tag in _BOLD)
        if child.tail:
            yield Run(child.tail, bold)


def _text(el: _Element) -> str:
    return "".join(run.text for run in runs_of(el))


def table_of(el: _Element) -> Table:
    """A <table>: rows of <thead> (or leading rows of <th> only) as the header, the others as the body."""
    head: list[tuple[Cell, ...]] = []
    body: list[tuple[Cell, ...]] = []
    for tr in el.iter("tr"):
        cells = tuple(_cell(c, "total" in _classes(tr)) for c in tr if c.tag in ("td", "th"))
        in_head = tr.getparent() is not None and tr.getparent().tag == "thead"
        (head if in_head else body).append(cells)
    classes = _classes(el)
    return Table(tuple(head), tuple(body), classes[0] if classes else "")


def _cell(el: _Element, total: bool) -> Cell:
    return Cell(
        _text(el),
        rowspan=int(el.get("rowspan", "1")),
        colspan=int(el.get("colspan", "1")),
        numeric="num" in _classes(el),
        bold=total or el.tag == "th",
    )


def _figure(el: _Element) -> Figure | None:
    img = el if el.tag == "img" else next(el.iter("img"), None)
    if img is None or not (img.get("src") or "").startswith(_DATA_PNG):
        return None
    caption = next(el.iter("figcaption"), None)
    png = base64.b64decode(img.get("src")[len(_DATA_PNG) :])
    return Figure(png, img.get("alt") or "", _text(caption) if caption is not None else "")


def _key_figures(el: _Element) -> Table:
    """The key-figure cards as a three-column table: what, the figure, and its detail."""
    rows = []
    for card in el:
        parts = {cls: _text(span) for span in card for cls in _classes(span)}
        value = Cell(parts.get("value", ""), bold=True)
        rows.append((Cell(parts.get("label", "")), value, Cell(parts.get("detail", ""))))
    head = ((Cell("项目", bold=True), Cell("数值", bold=True), Cell("说明", bold=True)),)
    return Table(head, tuple(rows), "key-figures")
