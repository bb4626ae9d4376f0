"""The cumulative context: how a step's output joins what the entity's later steps can read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merge_context(context: Mapping[str, Any], output: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return context with output shallow-merged over it; a null never overwrites a value (§12.5)."""
    merged = dict(context)
    if output:
        for key, value in output.items():
            if value is not None or key not in merged:
                merged[key] = value
    return merged
