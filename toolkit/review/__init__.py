"""Review: an auditor's adjustments beside a record (files), applied to its result (apply), the panel and the lab."""
