"""Batch runs: provenance, fingerprints, the execute-and-publish step, one department, the runner, the index."""
