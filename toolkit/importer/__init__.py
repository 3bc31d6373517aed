"""Importing published self-evaluation tables (TSV, CSV, XLSX, HTML) into department records."""
from .convert import Imported, code_from, import_file
from .sources import MAX_BYTES, Grid, read_grid
from .tree import Repair
from .writer import default_name, dump, write

__all__ = ["Grid", "Imported", "MAX_BYTES", "Repair", "code_from", "default_name", "dump", "import_file", "read_grid", "write"]
