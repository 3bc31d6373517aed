"""Importing published self-evaluation tables (TSV, CSV, XLSX, XLS, DOCX, PDF, HTML) into department records.

The modules follow the pipeline: `sources` reads a file into rows of cells (one module per file type in
`formats/`); `family` tells from the table's own labels which form it is (`labels` matches them in simplified
characters) and so which rubric or frame it is imported with. A target-versus-actual form is read by
`target_form` (with `target_budget` and `target_rows`) and made a record per table by `target_record`. For a
fixed rubric's table, `layout` finds the header rows, the basic information and the budget; `reading` reads the
indicator rows, `placement` places those without a known name and checks the weights, and `tree` makes them
one entry per indicator; `evidence` takes scoring evidence from the reason texts; `convert` assembles and
validates the record; `writer` writes it; `batch` imports many files. `text` holds the cell-text helpers.
A region's own score sheet has no built-in rubric: `rubric_sheet` infers one off the table (`sheet_header`,
`sheet_tree`, `standards`; `rubric_diff` compares two), and `sheet_record` reads the sheet's scores under it.
"""

from toolkit.importer.convert import Imported, code_from, import_file, import_tables
from toolkit.importer.family import Detection, Verdict, detect
from toolkit.importer.reading import Repair
from toolkit.importer.sources import MAX_BYTES, Grid, read_grid
from toolkit.importer.writer import default_name, dump, write

__all__ = [
    "MAX_BYTES",
    "Detection",
    "Grid",
    "Imported",
    "Repair",
    "Verdict",
    "code_from",
    "default_name",
    "detect",
    "dump",
    "import_file",
    "import_tables",
    "read_grid",
    "write",
]
