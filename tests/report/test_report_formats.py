"""`run --formats`: the names accepted, html always published, and PDF left out in one line without Chromium."""

from __future__ import annotations

import pytest

from toolkit.core.problems import InputError
from toolkit.report.formats import Format, missing_note, parse_formats
from toolkit.report.pdf import MISSING, PrintError, print_pdf


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("html,docx", (Format.HTML, Format.DOCX)),
        ("pdf", (Format.HTML, Format.PDF)),
        (" DOCX , pdf ,docx", (Format.HTML, Format.DOCX, Format.PDF)),
    ],
)
def test_formats_are_read_in_order_with_html_always_first(text, expected):
    assert parse_formats(text) == expected


def test_every_unknown_format_is_named_with_the_choices():
    with pytest.raises(InputError) as err:
        parse_formats("html,odt,rtf")
    assert "odt、rtf" in str(err.value) and "html、docx、pdf" in str(err.value)


def test_pdf_without_chromium_is_one_chinese_line(monkeypatch):
    monkeypatch.setenv("AUDIT_CHROMIUM", "no-such-chromium-program")
    with pytest.raises(PrintError, match="未找到 Chromium"):
        print_pdf("<p>x</p>", None)  # type: ignore[arg-type]
    assert missing_note({"audit.html": b""}, ("html", "pdf")) == "；" + MISSING
    assert "\n" not in MISSING
    assert missing_note({"audit.pdf": b""}, ("html", "pdf")) == ""
