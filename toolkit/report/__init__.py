"""One unit's report: charts, narrative sections, the console tables and the self-contained HTML page."""
