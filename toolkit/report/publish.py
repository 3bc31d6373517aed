"""Publishing: an executed notebook becomes one self-contained HTML report.

No code, prompts or parameter cells; no script, stylesheet, font or image fetched from anywhere (charts are
inline, the Chinese font is a subset embedded in the page); a footer records where the numbers came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from toolkit.core.paths import PACKAGE_DIR
from toolkit.report.webfont import font_face_css

TEMPLATE_DIR = PACKAGE_DIR / "templates"
HIDDEN_TAGS = {"parameters", "injected-parameters", "hide-in-report"}


@lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    exporter = HTMLExporter(
        template_name="audit",
        extra_template_basedirs=[str(TEMPLATE_DIR / "nbconvert")],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
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
    """The published page of an executed notebook. `footer` holds title, rubric, rubric_version,
    toolkit_version, git_commit, record_sha256 and generated_at; optionally packages and font (a second footer
    line) and record_label (what record_sha256 is a digest of)."""
    css = _report_css()
    text = (
        _visible_text(nb)
        + "".join(str(v) for v in footer.values())
        + "0123456789%（）：·，评价指标体系版本记录文件生成时间图表字体"
    )
    resources = {"audit": {**footer, "css": css, "font_css": font_face_css(text)}}
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return body
