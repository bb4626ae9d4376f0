"""A goal in structured form: the fields a user wants, the conditions, the list to fan out over, limits.

This is what the assembler plans from, and what a language model's reading of a plain-language goal
must come back as. Names are the registry's own (`work_email`, `employee_count`, `person.search`), so
that an unknown one can be named and refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EntityType = Literal["company", "person"]
MAX_OUTPUTS = 50


class Freshness(BaseModel):
    """Skip a step for an entity enriched within max_age_hours (the steps' `skip_if_fresh`)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    max_age_hours: float = Field(gt=0, le=24 * 365 * 5, description="e.g. 720 for 30 days.")


class Limits(BaseModel):
    """Bounds on what the blueprint fans out over."""

    model_config = ConfigDict(extra="forbid", strict=True)

    max_results: int | None = Field(
        default=None, ge=1, le=500, description="At most this many items of the list per entity."
    )


class Goal(BaseModel):
    """What a user wants of each entity, in the registry's vocabulary."""

    model_config = ConfigDict(extra="forbid", strict=True)

    outputs: list[str] = Field(
        min_length=1,
        max_length=MAX_OUTPUTS,
        description="Field names to produce, e.g. work_email, email_status, employee_count.",
    )
    conditions: list[dict[str, Any]] = Field(
        default_factory=list,
        description='Conditions an entity must meet, e.g. {"field": "employee_count", "op": "gte", '
        '"value": 50}; all must hold.',
    )
    each: EntityType | None = Field(
        default=None,
        description="The entities the outputs are about when they are not the submitted ones "
        "(company -> person: the people of each company).",
    )
    via: str | None = Field(
        default=None,
        description="The operation whose list to fan out over (person.search, "
        "company.research.discover_competitors, ...); chosen by the planner when omitted.",
    )
    search: dict[str, Any] = Field(
        default_factory=dict,
        description="Parameters of the list step, e.g. job_title, job_level, job_function, location.",
    )
    limits: Limits = Field(default_factory=Limits)
    freshness: Freshness | None = None


def condition_fields(condition: Any) -> list[str]:
    """Return the top-level context fields a condition reads, in order (`a.b` reads `a`)."""
    if not isinstance(condition, Mapping):
        return []
    fields: list[str] = []
    for key in ("all", "any"):
        if isinstance(condition.get(key), list):
            for child in condition[key]:
                fields += [f for f in condition_fields(child) if f not in fields]
    field = condition.get("field")
    if isinstance(field, str) and field:
        fields.append(field.split(".", 1)[0])
    return fields
