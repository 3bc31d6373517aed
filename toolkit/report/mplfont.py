"""Chinese in the matplotlib figures an auditor draws in a notebook (the toolkit's own charts are SVG:
toolkit.report.svgchart), and such a figure as a `Chart` for the report.

Font: a CJK font installed on the system when there is one, else the Noto Sans SC (SIL OFL) the toolkit ships
in toolkit/fonts/. No proprietary font is shipped or preferred. Every text is drawn literally: names from records
and rubrics may hold `$`, which matplotlib would otherwise read as mathtext (failing on `$\\frac{1}$`,
typesetting `$x^2$`); `render` turns mathtext and TeX off for each text of the figure, tick labels drawn late
included.
"""

from __future__ import annotations

import io
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib.text
from matplotlib import font_manager

from toolkit.report.charts import Chart
from toolkit.report.webfont import FONT_PATH

# Open-licence CJK families commonly installed by Linux distributions, best first.
_SYSTEM_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
)


@lru_cache(maxsize=1)
def chinese_font() -> str:
    """Make matplotlib draw Chinese; return the family used."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    family = next((name for name in _SYSTEM_FAMILIES if name in installed), None)
    if family is None:
        font_manager.fontManager.addfont(str(FONT_PATH))
        family = font_manager.FontProperties(fname=str(FONT_PATH)).get_name()
    matplotlib.rcParams["font.family"] = [family, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.hashsalt"] = "audit-toolkit"
    return family


def literal_text(fig: plt.Figure) -> None:
    """Have every text of `fig` drawn as written: no mathtext, no TeX, whatever the text holds."""
    for text in fig.findobj(matplotlib.text.Text):
        text.set_parse_math(False)
        text.set_usetex(False)


def render(fig: plt.Figure, alt: str, caption: str, dpi: int = 200) -> Chart:
    """The figure as a PNG chart (closed afterwards), every text literal; the same figure gives the same bytes."""
    buf = io.BytesIO()
    # Texts made while drawing (tick labels beyond the first) take their settings from rcParams.
    with matplotlib.rc_context({"text.parse_math": False, "text.usetex": False}):
        literal_text(fig)
        # No software/date metadata in the PNG: reproducible outputs depend on it.
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return Chart(buf.getvalue(), alt, caption)
