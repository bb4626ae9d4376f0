"""/api/v1/providers/list answers: each provider's key presence, balance and state (never the key)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ProviderCreditsRead(BaseModel):
    provider: str
    keyed: bool = Field(
        description="Whether the engine holds this provider's key and every other credential it needs."
    )
    state: str = Field(description="ok | exhausted | no balance endpoint | check failed | no key")
    credits_remaining: float | None = None
    plan: str | None = None
    renews_at: str | None = None
    reason: str | None = Field(
        default=None,
        description="Why a check failed, what is uncertain about it, or (no key) the variables to set.",
    )
    exhausted_since: float | None = None
    exhausted_until: float | None = None
