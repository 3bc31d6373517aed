"""A year across units: the roster, the tables, charts, sections, exports and the build step."""
