"""Reading a published table file into a grid of text cells: which format it is, and the limits.

The format and the encoding are told from the content, never from the file name: ZIP with
word/document.xml is DOCX and with xl/workbook.xml XLSX; an OLE2 compound document is XLS (or an
encrypted Office file, or an old Word file, both refused); %PDF- is PDF; anything else is text,
decoded as UTF-8, GBK or UTF-16, and read as HTML when it holds a <table>, else as TSV or CSV. So an
".xls" that is really a web page or tab-separated text is read as what it is.

Every reader (toolkit.importer.formats) returns the same Grid: merged cells, spans and vertical merges
become one value followed by blanks, exactly as in the extracted text, so that one layout reader serves
every format. Every format is held to the same limits: file size, rows, columns, unzipped size.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from toolkit.core.problems import InputError, Problem, display_path

MAX_BYTES = 20 * 1024 * 1024  # published tables are a few hundred KB; anything far larger is not one
MAX_ROWS = 5000  # a self-evaluation table has well under a hundred rows
MAX_COLS = 64
MAX_UNZIPPED = 100 * 1024 * 1024  # an XLSX or DOCX expanding beyond this is refused (zip bomb guard)
MAX_PAGES = 200  # a PDF longer than this is a whole report, not a table

FORMATS = "TSV、CSV、XLSX、XLS、DOCX、HTML 或带文字层的 PDF"
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PDF_MAGIC = b"%PDF-"
_BLANKS = re.compile(r"[ \t\r\n\u3000]+")


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the source: its number as a person finds it (line in a text file, row in a sheet)."""

    number: int
    cells: tuple[str, ...]

    def cell(self, col: int | None) -> str:
        if col is None or col < 0 or col >= len(self.cells):
            return ""
        return self.cells[col]


@dataclass(frozen=True, slots=True)
class Grid:
    """The table as read: rows of text cells, with what was detected about the file."""

    file: str  # as shown to the user
    format: str  # Chinese description, e.g. "制表符分隔文本（UTF-8）"
    rows: tuple[Row, ...]
    row_word: str = "行"  # how `Row.number` is called in messages
    notes: tuple[str, ...] = ()  # what the reader left out and why (a hidden sheet, say): told in the import report


def fail(path: Path, message: str, line: int | None = None) -> InputError:
    """The one-line error for an unusable file (the caller raises it)."""
    return InputError([Problem(display_path(path), "", message, line)])


def clip(cells: Sequence[str | None]) -> tuple[str, ...]:
    """A row's cells within the column limit, None read as blank."""
    return tuple(c if c is not None else "" for c in cells[:MAX_COLS])


def squeeze(text: str) -> str:
    """Cell text on one line: each run of blanks and line breaks becomes one space."""
    return _BLANKS.sub(" ", text).strip()


def read_grid(path: str | Path) -> Grid:
    """Read any supported table file into a Grid; unusable files raise InputError with one clear line."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise fail(path, "找不到文件") from None
    except OSError as exc:
        raise fail(path, f"无法读取文件：{exc.strerror}") from None
    if not path.is_file():
        raise fail(path, "不是普通文件")
    if size > MAX_BYTES:
        raise fail(path, f"文件过大（{size:,} 字节，上限 {MAX_BYTES:,} 字节），不像一份自评表；请只保留自评表部分")
    if size == 0:
        # Worded as before: tests/importer/test_convert.py and test_batch.py pin this exact line.
        raise fail(path, "文件为空，应为部门整体支出绩效自评表（TSV、CSV、XLSX 或 HTML）")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(path, f"无法读取文件：{exc.strerror}") from None
    return _dispatch(path, raw)


def _dispatch(path: Path, raw: bytes) -> Grid:
    # The readers are imported when needed: each brings its own library, and each imports Row and Grid from here.
    if raw.startswith(_ZIP_MAGIC):
        return _read_zip(path, raw)
    if raw.startswith(_OLE_MAGIC):
        return _read_ole2(path, raw)
    if _PDF_MAGIC in raw[:1024]:  # readers accept a few bytes of junk before the header, so do we
        from toolkit.importer.formats import pdf

        return pdf.read(path, raw)
    from toolkit.importer.formats import delimited, html

    text, encoding = delimited.decode(path, raw)
    if not text.strip():
        raise fail(path, "文件为空（只有空白），应为部门整体支出绩效自评表")
    if re.search(r"<table[\s>]", text[:MAX_BYTES], re.IGNORECASE):
        return html.read(path, text, encoding)
    return delimited.read(path, text, encoding)


def _read_zip(path: Path, raw: bytes) -> Grid:
    """XLSX or DOCX, told from the parts the archive holds; refused when it would unzip too large."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = set(archive.namelist())
            unzipped = sum(info.file_size for info in archive.infolist())
    except Exception:  # zipfile raises BadZipFile, NotImplementedError, EOFError, ValueError… for broken archives
        raise fail(path, "文件以 ZIP 标记开头，但不是完整的 XLSX 工作簿或 DOCX 文档（文件损坏或被截断）") from None
    if "word/document.xml" in names:
        kind = "DOCX 文档"
    elif "xl/workbook.xml" in names:
        kind = "XLSX"
    else:
        raise fail(
            path,
            "是 ZIP 压缩包，但不是 XLSX 工作簿（缺少 xl/workbook.xml），也不是 DOCX 文档（缺少 word/document.xml）",
        )
    if unzipped > MAX_UNZIPPED:
        raise fail(path, f"{kind}解压后过大（{unzipped:,} 字节，上限 {MAX_UNZIPPED:,} 字节）")
    if kind == "XLSX":
        from toolkit.importer.formats import xlsx

        return xlsx.read(path, raw)
    from toolkit.importer.formats import docx

    return docx.read(path, raw)


def _read_ole2(path: Path, raw: bytes) -> Grid:
    """An OLE2 compound document: an old Excel workbook, or an Office file we can name and refuse."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(raw)) as ole:
            streams = {entry[0] for entry in ole.listdir(streams=True, storages=True)}
    except Exception:  # olefile raises OSError, struct.error, IndexError… for broken files
        raise fail(path, "旧版 Excel（.xls）或其他 Office 文件已损坏或不完整（OLE2 复合文档无法解析）") from None
    if "EncryptedPackage" in streams:  # how Office stores a password-protected XLSX or DOCX
        raise fail(
            path, "文件设有打开密码（已加密的 Office 文档），无法读取；请在 Excel 或 Word 中取消密码后另存再导入"
        )
    if "Workbook" in streams or "Book" in streams:
        from toolkit.importer.formats import xls

        return xls.read(path, raw)
    if "WordDocument" in streams:
        raise fail(path, "旧版 Word（.doc）格式不受支持，请在 Word 中另存为 .docx 后再导入")
    raise fail(path, f"是 Office 复合文档（OLE2），但不是 Excel 工作簿；应为 {FORMATS}")
