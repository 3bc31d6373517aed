"""The Jinja2 environment every page and report section is rendered with: package templates, autoescaped."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined


def environment(**filters: object) -> Environment:
    """A fresh environment over toolkit/templates with the given extra filters; department text is escaped."""
    env = Environment(
        loader=PackageLoader("toolkit", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(filters)
    return env
