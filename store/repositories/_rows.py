"""Small row helpers shared by the repositories."""

from __future__ import annotations

from typing import Any


def as_dict(row: Any) -> dict[str, Any] | None:
    """Return a row as a plain dict (or None)."""
    return None if row is None else dict(row._mapping)


def as_dicts(rows: Any) -> list[dict[str, Any]]:
    """Return rows as plain dicts."""
    return [dict(r._mapping) for r in rows]
