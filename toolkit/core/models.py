"""The one base of every declared input model: immutable once validated, and no field it does not know."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """A validated declaration (rubric, record, review): frozen, and an unknown field is an error, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")
