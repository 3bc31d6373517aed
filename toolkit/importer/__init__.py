"""Importing published self-evaluation tables (TSV, CSV, XLSX, HTML) into department records."""

from toolkit.importer.convert import Imported, code_from, import_file
from toolkit.importer.sources import MAX_BYTES, Grid, read_grid
from toolkit.importer.tree import Repair
from toolkit.importer.writer import default_name, dump, write

__all__ = [
    "MAX_BYTES",
    "Grid",
    "Imported",
    "Repair",
    "code_from",
    "default_name",
    "dump",
    "import_file",
    "read_grid",
    "write",
]
