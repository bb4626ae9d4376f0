"""The base of every output contract: declared keys only; every key present, nullable unless required."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Contract(BaseModel):
    """An operation's output. Unknown keys are a contract violation, not silently kept."""

    model_config = ConfigDict(extra="forbid")
