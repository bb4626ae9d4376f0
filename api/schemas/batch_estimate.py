"""/api/v1/batch/estimate answers (the body is a /api/v1/batch/submit body)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field


class Span(BaseModel):
    low: float
    expected: float
    high: float


class ActionEstimate(BaseModel):
    action: str
    price_usd: float = Field(description="The adapter's documented price of one call.")
    calls: Span
    cost_usd: Span


class ProviderEstimate(BaseModel):
    provider: str
    hit_rate: float | None = Field(
        description="Share of its turns in which the provider found something (history, else the default)."
    )
    source: str = Field(description="history, default (no history: the stated defaults), no key, or total.")
    calls: Span
    cost_usd: Span
    actions: list[ActionEstimate]


class StepEstimate(BaseModel):
    position: int
    operation_id: str
    entities: Span = Field(description="Entities that reach the step (a fan-out's children after it).")
    fresh: int = Field(description="Submitted entities already fresh for the step's skip_if_fresh: no cost.")
    executed: Span = Field(description="Entities the operation runs for.")
    condition_rate: Span | None
    children_per_parent: Span | None = Field(
        description="Fan-out steps: low from 0 (or history's minimum), high max_results."
    )
    children: Span | None
    history_runs: int = Field(
        description="The org's recent runs of the operation behind the figures (0: defaults)."
    )
    calls: Span
    cost_usd: Span
    providers: list[ProviderEstimate]


class BatchEstimate(BaseModel):
    blueprint_id: UUID
    entities: int
    fresh_entities: int = Field(
        description="Entities already fresh for a skip_if_fresh step (the most of any step)."
    )
    calls: Span
    cost_usd: Span
    cost_per_entity_usd: Span
    steps: list[StepEstimate]
    providers: list[ProviderEstimate] = Field(description="Totals per provider over every step.")
    assumptions: list[str] = Field(
        description="The defaults used where the org has no history, and other caveats."
    )
