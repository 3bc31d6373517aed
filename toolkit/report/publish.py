"""Publishing: an executed notebook becomes one self-contained HTML report.

No code, prompts or parameter cells; no script, stylesheet, font or image fetched from anywhere (charts are
inline, the Chinese font is a subset embedded in the page); a footer records where the numbers came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import TagRemovePreprocessor

from toolkit.core.paths import PACKAGE_DIR
from toolkit.report.webfont import font_face_css

TEMPLATE_DIR = PACKAGE_DIR / "templates"
HIDDEN_TAGS = {"parameters", "injected-parameters", "hide-in-report"}
FOOTER = ("title", "rubric", "rubric_version", "toolkit_version", "git_commit", "record_sha256", "generated_at")


class ReportExporter(HTMLExporter):
    """nbconvert's HTML exporter without its last pass, which parses the finished page again with
    BeautifulSoup to give images without alt text a placeholder and to put every cell and output in the tab
    order: half of a page's rendering time. Every image a report shows carries its own alt text, and a report
    is read, not edited: its paragraphs and tables do not belong in the tab order."""

    def from_notebook_node(  # type: ignore[override]
        self, nb: nbformat.NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        language = nb.metadata.get("language_info", {})
        lexer = language.get("pygments_lexer", language.get("name"))
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        outputs = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("filter_data_type", outputs)
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


@lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    exporter = ReportExporter(
        template_name="audit",
        extra_template_basedirs=[str(TEMPLATE_DIR / "nbconvert")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,  # its links are `<a/>`, which a browser keeps open to the end of the page
        optimistic_validation=True,  # the notebook is validated once after the preprocessors, not after each
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=HIDDEN_TAGS, enabled=True), enabled=True)
    return exporter


@lru_cache(maxsize=1)
def _report_css() -> str:
    return (TEMPLATE_DIR / "report.css").read_text(encoding="utf-8")


def _visible_text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(output.get("data", {}).get("text/html", ""))
    return "".join(parts)


def render_html(nb: nbformat.NotebookNode, footer: Mapping[str, object]) -> str:
    """The published page of an executed notebook. `footer` holds the FOOTER fields; optionally packages and
    font (a second footer line) and record_label (what record_sha256 is a digest of)."""
    css = _report_css()
    text = (
        _visible_text(nb)
        + "".join(str(v) for v in footer.values())
        + "0123456789%（）：·，评价指标体系版本记录文件生成时间图表字体"
    )
    resources = {"audit": {**footer, "css": css, "font_css": font_face_css(text)}}
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return body


def prepare(notebook: Path) -> None:
    """Compute now what publishing takes from files alone: nbformat's compiled schema validators for the
    notebook's format, the base of the page font and the exporter with its compiled templates. The fork server
    calls it once a run with the department notebook, so that no worker it forks computes them again (about
    0.1 CPU-s a worker)."""
    render_html(nbformat.read(notebook, as_version=4), dict.fromkeys(FOOTER, ""))
