"""The legacy step registry (global): registered and maintained by the super-admin."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, insert, select, update

from store.errors import NotFoundError, integrity_errors
from store.repositories._rows import as_dict, as_dicts
from store.tables import steps


def register_step(*, conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    """Insert a step."""
    with integrity_errors():
        row = conn.execute(insert(steps).values(**values).returning(*steps.c)).one()
    return dict(row._mapping)


def get_step(*, conn: Connection, step_id: UUID, active_only: bool) -> dict[str, Any]:
    """Return the step, or raise NotFoundError (inactive steps are hidden when active_only)."""
    query = select(steps).where(steps.c.id == step_id)
    if active_only:
        query = query.where(steps.c.is_active.is_(True))
    row = as_dict(conn.execute(query).first())
    if row is None:
        raise NotFoundError("step not found")
    return row


def list_steps(
    *, conn: Connection, active_only: bool, step_type: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Return steps ordered by slug."""
    query = select(steps)
    if active_only:
        query = query.where(steps.c.is_active.is_(True))
    if step_type is not None:
        query = query.where(steps.c.step_type == step_type)
    return as_dicts(conn.execute(query.order_by(steps.c.slug).limit(limit).offset(offset)))


def update_step(*, conn: Connection, step_id: UUID, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply changes to the step."""
    if not changes:
        return get_step(conn=conn, step_id=step_id, active_only=False)
    with integrity_errors():
        row = conn.execute(
            update(steps).where(steps.c.id == step_id).values(**changes).returning(*steps.c)
        ).first()
    if row is None:
        raise NotFoundError("step not found")
    return dict(row._mapping)
