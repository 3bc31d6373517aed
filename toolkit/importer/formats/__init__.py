"""One reader per file format, each `read(path, …) -> Grid` with the cells as text.

toolkit.importer.sources tells the format from the content and calls the reader; each reader keeps to
the limits declared there (rows, columns) and turns merged cells into one value followed by blanks.
"""
