"""Batch runs: provenance, fingerprints, the execute-and-publish step, one department, the runner, the index.

Every process of a run imports nbformat (papermill, nbclient, nbconvert), and with it jsonschema, whose format
checkers import rfc3987_syntax for the "iri" formats: that module builds some thirty-five Lark parsers when it
is imported, 1.3 CPU-seconds in each process, longer than a department takes (jsonschema#1428). No schema a run
validates (nbformat's notebook schema, jupyter_events') uses an iri format, so the processes of a run go without
that one checker: marked absent here, before anything imports jsonschema, it is skipped as jsonschema skips any
optional checker that is not installed.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "not installed" to the import system
