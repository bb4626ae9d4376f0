"""Blueprints and their ordered steps; a step list is always replaced whole, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, delete, insert, select, update

from store.errors import NotFoundError, integrity_errors
from store.repositories._rows import as_dict, as_dicts
from store.tables import blueprint_steps, blueprints

STEP_COLUMNS = [c for c in blueprint_steps.c if c.name != "org_id"]


def _insert_steps(
    *, conn: Connection, org_id: UUID, blueprint_id: UUID, steps: Sequence[dict[str, Any]]
) -> None:
    if steps:
        rows = [{**step, "org_id": org_id, "blueprint_id": blueprint_id} for step in steps]
        conn.execute(insert(blueprint_steps), rows)


def _steps_of(*, conn: Connection, blueprint_id: UUID) -> list[dict[str, Any]]:
    query = (
        select(*STEP_COLUMNS)
        .where(blueprint_steps.c.blueprint_id == blueprint_id)
        .order_by(blueprint_steps.c.position)
    )
    return as_dicts(conn.execute(query))


def create_blueprint(
    *,
    conn: Connection,
    org_id: UUID,
    name: str,
    description: str | None,
    steps: Sequence[dict[str, Any]],
    created_by_user_id: UUID | None,
    entity_inputs: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Insert a blueprint and its steps; return it with `blueprint_steps`."""
    values = {
        "org_id": org_id,
        "name": name,
        "description": description,
        "created_by_user_id": created_by_user_id,
        "entity_inputs": list(entity_inputs) if entity_inputs is not None else None,
    }
    with integrity_errors():
        row = dict(conn.execute(insert(blueprints).values(**values).returning(*blueprints.c)).one()._mapping)
        _insert_steps(conn=conn, org_id=org_id, blueprint_id=row["id"], steps=steps)
    return {**row, "blueprint_steps": _steps_of(conn=conn, blueprint_id=row["id"])}


def find_blueprint_id(*, conn: Connection, org_id: UUID, name: str) -> UUID | None:
    """Return the id of the org's blueprint of this name, if there is one."""
    found = conn.execute(
        select(blueprints.c.id).where(blueprints.c.org_id == org_id, blueprints.c.name == name)
    ).scalar_one_or_none()
    return found


def get_blueprint(*, conn: Connection, blueprint_id: UUID, org_id: UUID | None) -> dict[str, Any]:
    """Return the blueprint with its steps, scoped to org_id unless None; NotFoundError otherwise."""
    query = select(blueprints).where(blueprints.c.id == blueprint_id)
    if org_id is not None:
        query = query.where(blueprints.c.org_id == org_id)
    row = as_dict(conn.execute(query).first())
    if row is None:
        raise NotFoundError("blueprint not found")
    return {**row, "blueprint_steps": _steps_of(conn=conn, blueprint_id=blueprint_id)}


def list_blueprints(
    *, conn: Connection, org_id: UUID | None, is_active: bool | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Return blueprints (without steps), newest first."""
    query = select(blueprints)
    if org_id is not None:
        query = query.where(blueprints.c.org_id == org_id)
    if is_active is not None:
        query = query.where(blueprints.c.is_active.is_(is_active))
    query = query.order_by(blueprints.c.created_at.desc(), blueprints.c.id).limit(limit).offset(offset)
    return as_dicts(conn.execute(query))


def update_blueprint(
    *,
    conn: Connection,
    blueprint_id: UUID,
    org_id: UUID | None,
    changes: dict[str, Any],
    steps: Sequence[dict[str, Any]] | None,
) -> dict[str, Any]:
    """Apply changes and, if steps is given, replace every step; bump the version. One transaction."""
    scope = [blueprints.c.id == blueprint_id]
    if org_id is not None:
        scope.append(blueprints.c.org_id == org_id)
    with integrity_errors():
        row = conn.execute(
            update(blueprints)
            .where(*scope)
            .values(**changes, version=blueprints.c.version + 1)
            .returning(blueprints.c.org_id)
        ).first()
        if row is None:
            raise NotFoundError("blueprint not found")
        if steps is not None:
            conn.execute(delete(blueprint_steps).where(blueprint_steps.c.blueprint_id == blueprint_id))
            _insert_steps(conn=conn, org_id=row.org_id, blueprint_id=blueprint_id, steps=steps)
    return get_blueprint(conn=conn, blueprint_id=blueprint_id, org_id=org_id)
